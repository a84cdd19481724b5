//! earmark-core: the domain vocabulary of earmark and its rules engine.
//!
//! What an item is ([`spec`]), which export control classification it falls in on a given date
//! ([`classify`]), the catalog of real accelerators ([`catalog`]), and the trace that every
//! answer carries ([`trace`]).
//!
//! This crate is pure and synchronous: it does no I/O, reads no clock and no environment. The
//! evaluation date is always an argument, and data (catalog, rule packs) comes in as `&str`.

pub mod catalog;
pub mod classify;
pub mod country;
pub mod determine;
pub mod rules;
pub mod spec;
pub mod trace;

pub use chrono::NaiveDate as Date;
