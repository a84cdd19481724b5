//! The bundled restricted-party list snapshot (in progress).
