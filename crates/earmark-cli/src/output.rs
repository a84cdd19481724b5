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

/// Text from the user or from a list, made safe to print on a terminal.
///
/// List files and batch cells are untrusted: an escape sequence in them (`ESC [2J` clears the
/// screen, OSC sequences retitle the window or forge hyperlinks) would act on the reader's
/// terminal instead of being read. Whole escape sequences, C0 and C1 controls (but newline
/// and tab) and DEL are dropped, and so are the bidirectional overrides and isolates, which
/// can make a name display as a different one. Everything else, in any script, is kept.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape_sequence(&mut chars),
            // The 8-bit forms of CSI, OSC, DCS, SOS, PM and APC open a sequence like ESC does.
            '\u{9b}' => skip_until_final_byte(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if is_unsafe_char(c) => {}
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Skips what follows an ESC: a CSI (`[` ... final byte), a string (OSC `]`, DCS `P`, SOS `X`,
/// PM `^`, APC `_`, up to BEL or ST), or one more character (`ESC c`, `ESC 7`, ...).
fn skip_escape_sequence(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_until_final_byte(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // nF sequences (`ESC ( B`): intermediate bytes, then one final byte.
        Some(' '..='/') => {
            while chars.next_if(|c| matches!(c, ' '..='/')).is_some() {}
            chars.next();
        }
        _ => {}
    }
}

/// Skips a control sequence's parameter and intermediate bytes and its final byte. A sequence
/// cut short by a character that cannot be in it ends there, so no text after it is lost.
fn skip_until_final_byte(chars: &mut Chars<'_>) {
    while let Some(&c) = chars.peek() {
        match c {
            '0'..='?' | ' '..='/' => {
                chars.next();
            }
            '@'..='~' => {
                chars.next();
                return;
            }
            _ => return,
        }
    }
}

/// Skips a control string up to its terminator: BEL, ST (`ESC \`) or the 8-bit ST.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {}
        }
    }
}

/// A CSV cell made safe to open in a spreadsheet, for any column that carries user or list
/// text.
///
/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return
/// before one) as a formula: a party name like `=HYPERLINK(...)` in a list or a batch would
/// execute when the results are opened. As OWASP advises for CSV injection, such a cell gets
/// a leading `'`, which spreadsheets show as text and do not display. Terminal controls are
/// dropped first, so that one cannot hide the formula sign from the check.
pub fn csv_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let text = terminal_safe(text);
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::{csv_safe, terminal_safe};

    #[test]
    fn an_escape_sequence_in_text_does_not_reach_the_terminal() {
        assert_eq!(terminal_safe("Huawei\u{1b}[2J Ltd"), "Huawei Ltd");
        assert_eq!(terminal_safe("a\u{1b}[38;5;196mb\u{1b}[0m"), "ab");
        assert_eq!(terminal_safe("a\u{1b}]0;title\u{7}b"), "ab");
        assert_eq!(
            terminal_safe("a\u{1b}]8;;http://x.invalid\u{1b}\\link\u{1b}]8;;\u{1b}\\b"),
            "alinkb"
        );
        assert_eq!(terminal_safe("a\u{9b}31mb"), "ab");
        assert_eq!(terminal_safe("a\u{1b}(Bb\u{1b}cd"), "abd");
    }

    #[test]
    fn controls_and_bidi_overrides_are_dropped_but_newline_tab_and_scripts_kept() {
        assert_eq!(terminal_safe("a\u{0}\u{8}\u{7f}\u{85}b\r"), "ab");
        assert_eq!(terminal_safe("ab\u{202e}dc\u{202c}"), "abdc");
        let kept = "华为技术有限公司\tООО «Ромашка»\nشركة";
        assert_eq!(terminal_safe(kept), kept);
    }

    #[test]
    fn a_cut_short_escape_sequence_loses_no_text_after_it() {
        assert_eq!(terminal_safe("a\u{1b}[12华为"), "a华为");
        assert_eq!(terminal_safe("a\u{1b}"), "a");
        assert_eq!(terminal_safe("a\u{1b}]unterminated"), "a");
    }

    #[test]
    fn a_csv_cell_a_spreadsheet_would_run_gets_a_leading_quote() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1"] {
            assert_eq!(csv_safe(cell), format!("'{cell}"));
        }
        assert_eq!(csv_safe("Huawei = Ltd"), "Huawei = Ltd");
        assert_eq!(csv_safe(""), "");
    }

    #[test]
    fn a_control_cannot_hide_the_formula_sign_from_the_csv_check() {
        assert_eq!(csv_safe("\u{0}=1+1"), "'=1+1");
        assert_eq!(csv_safe("\r=1+1"), "'=1+1");
    }
}
