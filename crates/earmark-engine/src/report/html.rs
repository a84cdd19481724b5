//! Escaping and number formatting for the report.
//!
//! An order book is untrusted input: every string that reaches the page goes through
//! [`esc`], in text and in (always double-quoted) attribute values alike, so a party named
//! `<script>` is text on the page, never markup. Numbers are formatted here once so the
//! headline, the tables and the charts print the same figure the same way.

use std::fmt::Write as _;

/// HTML-escapes `s` for text and double- or single-quoted attribute values. C0 control
/// characters other than tab, newline and carriage return (which HTML does not allow) become
/// U+FFFD, so a hostile cell cannot produce a page the parser has to repair.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_esc(&mut out, s);
    out
}

/// [`esc`] into an existing buffer.
pub fn push_esc(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// An integer with thousands separators: `1234567` → `1,234,567`.
pub fn int(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A signed integer with thousands separators.
pub fn signed(n: i128) -> String {
    if n < 0 {
        format!("-{}", int(n.unsigned_abs()))
    } else {
        int(n.unsigned_abs())
    }
}

/// An amount of money in cents, in whole units of the currency with separators:
/// `USD 1,234,568` (rounded half away from zero; the exact cents are in the page's data).
pub fn money(cents: i128, currency: &str) -> String {
    let units = (cents + if cents < 0 { -50 } else { 50 }) / 100;
    format!("{} {}", esc(currency), signed(units))
}

/// A non-negative figure (TPP, H100-equivalents) rounded to whole units with separators.
/// Not finite (which the builder never produces) prints as a dash rather than a number.
pub fn figure(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    let r = x.round();
    if r < 0.0 {
        // Deltas can be negative; the magnitude is formatted like any figure.
        return format!("-{}", figure(-x));
    }
    // f64 → u128 is exact for the magnitudes a book reaches (well under 2^53).
    int(r as u128)
}

/// A figure with one decimal when it is small, so that 0.4 H100-equivalents does not print
/// as 0.
pub fn figure_1(x: f64) -> String {
    if x.is_finite() && x.abs() < 100.0 {
        let mut s = String::new();
        let _ = write!(s, "{x:.1}");
        s
    } else {
        figure(x)
    }
}

/// A figure in three significant digits with a unit word, for chart labels where the exact
/// figure would not fit (the tables keep it exact): `590.3 M`, `1.23 bn`, `12.5 k`, `950`.
pub fn compact(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    let a = x.abs();
    let (v, unit) = if a >= 1e9 {
        (x / 1e9, " bn")
    } else if a >= 1e6 {
        (x / 1e6, " M")
    } else if a >= 1e4 {
        (x / 1e3, " k")
    } else {
        return figure(x);
    };
    let digits = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.digits$}{unit}")
}

/// An element id from arbitrary text: letters, digits, `-` and `_` kept, anything else
/// becomes `_`. Callers add a number that makes it unique.
pub fn id_part(s: &str) -> String {
    s.chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_user_text_is_escaped() {
        assert_eq!(
            esc(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(esc("a\u{0}b\u{1b}[31m\tc"), "a\u{fffd}b\u{fffd}[31m\tc");
        assert_eq!(esc("华为技术有限公司"), "华为技术有限公司");
    }

    #[test]
    fn numbers_have_thousands_separators() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1,000");
        assert_eq!(int(1_234_567), "1,234,567");
        assert_eq!(money(123_456_789, "USD"), "USD 1,234,568");
        assert_eq!(money(-150, "EUR"), "EUR -2");
        assert_eq!(figure(15_832.4), "15,832");
        assert_eq!(figure(-2_500.0), "-2,500");
        assert_eq!(figure_1(0.42), "0.4");
        assert_eq!(figure(f64::NAN), "–");
        assert_eq!(compact(590_282_050.0), "590 M");
        assert_eq!(compact(1_229_186_140.0), "1.23 bn");
        assert_eq!(compact(45_200_000.0), "45.2 M");
        assert_eq!(compact(12_500.0), "12.5 k");
        assert_eq!(compact(9_500.0), "9,500");
    }

    #[test]
    fn ids_keep_only_safe_characters() {
        assert_eq!(id_part("PO-1/2 \"x\""), "PO-1_2__x_");
    }
}
