//! Writing answers to standard output.
//!
//! `println!` panics when stdout is a closed pipe (`earmark catalog list | head`). Every
//! command prints through [`outln!`] and [`out!`] instead: a closed pipe ends the process
//! quietly with status 0, as other Unix tools do, and any other write error is reported.

use std::io::{self, Write};

/// Writes formatted text to stdout (see the module docs for error handling).
pub fn write(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut out = io::stdout().lock();
    let result = out.write_fmt(args).and_then(|()| {
        if newline {
            out.write_all(b"\n")
        } else {
            Ok(())
        }
    });
    if let Err(error) = result {
        exit_on_write_error(&error);
    }
}

/// Ends the process after stdout failed: quietly for a closed pipe, with a message otherwise.
pub fn exit_on_write_error(error: &io::Error) -> ! {
    if error.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: writing the output: {error}");
    std::process::exit(2);
}

/// `println!` that does not panic on a closed pipe.
macro_rules! outln {
    () => { $crate::output::write(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::output::write(format_args!($($arg)*), true) };
}

/// `print!` that does not panic on a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write(format_args!($($arg)*), false) };
}

/// Text from input or list data, made safe to print on a terminal: control characters
/// (escape sequences, carriage returns) are dropped, newlines and tabs kept.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}
