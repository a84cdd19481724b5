//! The bundled rule pack (`rules/us-ear/`) loads, and the loader rejects bad packs with file and
//! line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "support/bundled.rs"]
mod bundled;

use earmark_core::country::Country;
use earmark_core::rules::{Effect, RulePack};
use earmark_core::Date;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn c(code: &str) -> Country {
    Country::from_code(code).unwrap()
}

#[test]
fn the_bundled_pack_loads() {
    let pack =
        bundled::load_files(&bundled::read_files(&bundled::pack_dir())).unwrap_or_else(|e| {
            panic!(
                "{}",
                e.problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
    assert_eq!(pack.id, "us-ear");
    assert!(pack.instruments.len() >= 20, "{}", pack.instruments.len());
    assert!(pack.rules.len() >= 50, "{}", pack.rules.len());
    assert_eq!(pack.hash.len(), 64);
    assert!(pack
        .rules
        .iter()
        .any(|r| matches!(r.effect, Effect::Prohibition)));
}

#[test]
fn scope_x_follows_the_dated_groups() {
    let pack = bundled::load_files(&bundled::read_files(&bundled::pack_dir())).unwrap();
    let x = pack.sets.iter().position(|s| s.name == "scope_x").unwrap();
    let on = |date: &str| {
        let groups = pack.groups_on(d(date), d(date), true);
        pack.sets_on(&groups)[x]
    };
    // The reference's derived Scope X as of 2026-07-23: 45 destinations.
    let now = on("2026-07-23");
    assert_eq!(now.len(), 45, "{now:?}");
    assert!(!now.contains(c("IL")), "Israel is D:4 but A:6");
    assert!(!now.contains(c("AE")));
    assert!(now.contains(c("KH")), "Cambodia left D:5 but stays in D:1");
    let before = on("2026-07-09");
    assert!(
        before.contains(c("AE")),
        "the UAE was in D:4 before 2026-07-10"
    );
    assert_eq!(before.len(), 46);
    // Known on a date before the UAE rule was published: the change is not yet known.
    let groups = pack.groups_on(d("2026-07-12"), d("2026-07-12"), true);
    assert!(pack.sets_on(&groups)[x].contains(c("AE")));
    // D:5 and Cambodia.
    let d5 = pack.group("D:5").unwrap();
    assert!(pack.groups_on(d("2025-11-06"), d("2025-11-06"), true)[d5].contains(c("KH")));
    assert!(!pack.groups_on(d("2025-11-07"), d("2025-11-07"), true)[d5].contains(c("KH")));
    assert_eq!(pack.ear_country(c("HK"), d("2023-01-01")), c("CN"));
}

#[test]
fn the_hash_is_stable_and_content_sensitive() {
    let files = bundled::read_files(&bundled::pack_dir());
    let a = bundled::load_files(&files).unwrap().hash;
    let mut reversed = files.clone();
    reversed.reverse();
    assert_eq!(
        bundled::load_files(&reversed).unwrap().hash,
        a,
        "file order must not matter"
    );
    let mut changed = files.clone();
    let pack = changed.iter_mut().find(|(p, _)| p == "pack.toml").unwrap();
    pack.1.push_str("\n# a comment\n");
    assert_ne!(bundled::load_files(&changed).unwrap().hash, a);
}

/// Replaces `from` in one file and returns the problems as `file:line: message` lines.
fn problems_after(file: &str, from: &str, to: &str) -> Vec<String> {
    let mut files = bundled::read_files(&bundled::pack_dir());
    let entry = files.iter_mut().find(|(p, _)| p == file).unwrap();
    assert!(
        entry.1.contains(from),
        "fixture text `{from}` not in {file}"
    );
    entry.1 = entry.1.replacen(from, to, 1);
    match bundled::load_files(&files) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems.iter().map(|p| p.to_string()).collect(),
    }
}

fn line_of(file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(bundled::pack_dir().join(file)).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

const UAE: &str = "instruments/2026-07-10-uae.toml";

#[test]
fn an_unknown_field_is_an_error_with_file_and_line() {
    let p = problems_after(
        UAE,
        "exception = \"STA-UAE\"",
        "exception = \"STA-UAE\"\nexcepton = \"x\"",
    );
    let line = line_of(UAE, "exception = \"STA-UAE\"") + 1;
    assert!(
        p.iter()
            .any(|m| m.starts_with(&format!("{UAE}:{line}:")) && m.contains("excepton")),
        "{p:?}"
    );
}

#[test]
fn an_unknown_country_code_is_an_error() {
    let p = problems_after(UAE, "destination = \"AE\"", "destination = \"XA\"");
    let line = line_of(UAE, "destination = \"AE\"");
    assert!(
        p.iter()
            .any(|m| m.starts_with(&format!("{UAE}:{line}:"))
                && m.contains("unknown country code `XA`")),
        "{p:?}"
    );
    let p = problems_after("country-groups.toml", "\"SG\", \"ZA\"", "\"SG\", \"ZZ\"");
    assert!(
        p.iter()
            .any(|m| m.starts_with("country-groups.toml:") && m.contains("`ZZ`")),
        "{p:?}"
    );
}

#[test]
fn a_missing_citation_is_an_error() {
    let text = std::fs::read_to_string(bundled::pack_dir().join(UAE)).unwrap();
    let start = text.find("[[citations]]").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let p = problems_after(UAE, &text[start..end], "");
    assert!(
        p.iter()
            .any(|m| m.starts_with(UAE) && m.contains("no citations")),
        "{p:?}"
    );
    let p = problems_after(
        UAE,
        "cite = \"15 CFR 742.6(a)(6)(iii)(B) as amended\"\n",
        "",
    );
    assert!(
        p.iter().any(|m| m.contains("rule `uae26-b` has no `cite`")),
        "{p:?}"
    );
}

#[test]
fn an_end_before_the_start_is_an_error() {
    let file = "instruments/2025-11-10-affiliates-stay.toml";
    let p = problems_after(file, "end = 2026-11-09", "end = 2024-11-09");
    let line = line_of(file, "end = 2026-11-09");
    assert!(
        p.iter().any(|m| m.starts_with(&format!("{file}:{line}:"))
            && m.contains("before the effective date")),
        "{p:?}"
    );
}

#[test]
fn contradictory_overlapping_review_policies_are_an_error() {
    let file = "instruments/2026-01-15-h200-review-policy.toml";
    // Same priority as the 2025 H20/MI308 case-by-case rule but the opposite policy would be
    // fine; the same priority as a presumption of denial is not.
    let p = problems_after(file, "priority = 50", "priority = 20");
    assert!(
        p.iter().any(|m| m.starts_with(file)
            && m.contains("contradictory overlapping rules")
            && m.contains("h200-26-case-by-case")),
        "{p:?}"
    );
}

#[test]
fn unknown_names_in_set_expressions_and_supersedes_are_errors() {
    let file = "instruments/2025-05-13-ai-diffusion-non-enforcement.toml";
    let p = problems_after(file, "\"aid25-lpp\"", "\"aid25-lpq\"");
    assert!(
        p.iter().any(|m| m.contains("unknown rule `aid25-lpq`")),
        "{p:?}"
    );
    let p = problems_after(
        UAE,
        "headquarters = \"macau_d5\"",
        "headquarters = \"macau_d6\"",
    );
    assert!(
        p.iter().any(|m| m.contains("unknown set name `macau_d6`")),
        "{p:?}"
    );
    let p = problems_after(
        "countries.toml",
        "members = \"MO | D:5\"",
        "members = \"MO | D:9\"",
    );
    assert!(
        p.iter()
            .any(|m| m.starts_with("countries.toml:") && m.contains("unknown country group `D:9`")),
        "{p:?}"
    );
}

#[test]
fn garbage_never_panics() {
    for text in [
        "",
        "=",
        "[[rules]]",
        "id = 3",
        "\u{0}",
        "[x]\ny=[[",
        "published = 2023-13-45",
    ] {
        let files = [("pack.toml", text), ("instruments/a.toml", text)];
        assert!(RulePack::from_files(&files).is_err());
    }
}
