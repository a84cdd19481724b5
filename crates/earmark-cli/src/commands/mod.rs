//! One module per subcommand: its clap `Args` and a `run` that validates, calls the libraries
//! and renders.

pub mod catalog;
pub mod check;
pub mod classify;
pub mod lists;
pub mod rules;
pub mod screen;

use clap::ValueEnum;

/// How an answer is printed: for a person, or as one JSON value for a program.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
}
