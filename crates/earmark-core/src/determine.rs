//! Licence determination (in progress).
