//! Restricted-party screening: the list model, loaders for the published list formats, a name
//! index and explained scoring. Pure and synchronous: loaders take readers, nothing here opens
//! files, reads the clock or the environment.
