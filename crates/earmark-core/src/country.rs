//! Countries and dated Country Group membership (in progress).
