//! `earmark screen` fails closed: a broken batch file, a bad option, hostile text in a list or
//! an input, and an old or impossible list date are reported, never passed over in silence.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::earmark;

/// Writes a file for one test into its own directory, so that tests running in parallel do
/// not share files.
fn temp_file(test: &str, name: &str, content: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!(
        "earmark-batch-fail-closed-{}-{test}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn jsonl(o: &Output) -> Vec<serde_json::Value> {
    out(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The real BIS Denied Persons List of September 2022, with its first entry renamed to `name`:
/// a list entry as hostile as a list file can make it.
fn dpl_with_first_name(test: &str, name: &str) -> String {
    let dpl = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/screening/bis_dpl_2022-09/dpl.txt");
    let text = std::fs::read_to_string(dpl).unwrap();
    let text = text.replacen("\" I. ASH\"", &format!("\"{name}\""), 1);
    assert!(text.contains(name));
    let path = temp_file(test, "dpl.txt", text.as_bytes());
    format!("bis-dpl:{path}@2022-09-07")
}

#[test]
fn an_unterminated_quote_swallowing_rows_is_reported_not_screened_as_one_name() {
    let p = temp_file(
        "unterminated",
        "parties.csv",
        b"id,name,country\n1,Sophgo Technologies,CN\n2,\"Huawei Technologies,CN\n3,Moore Threads,CN\n4,Inspur,CN\n",
    );
    let o = earmark(&["screen", "--batch", &p]);
    let e = err(&o);
    assert!(
        e.contains(&format!(
            "{p}:3: `name` runs on over lines 3-5: an unterminated quote"
        )),
        "{e}"
    );
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 1, "only row 1 is screened: {rows:?}");
    assert_eq!(rows[0]["id"], "1");
    assert!(answered(&o), "{e}");
}

#[test]
fn a_row_with_more_fields_than_the_header_is_reported_with_its_line() {
    let p = temp_file(
        "extra",
        "parties.csv",
        b"id,name,country\n1,Huawei Technologies, Co Ltd,CN\n2,Sophgo Technologies,CN\n",
    );
    let o = earmark(&["screen", "--batch", &p]);
    let e = err(&o);
    assert!(
        e.contains(&format!("{p}:2: 4 fields, but the header names 3 columns")),
        "{e}"
    );
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["id"], "2");
}

#[test]
fn a_header_naming_a_column_twice_is_an_error() {
    let p = temp_file(
        "duplicate",
        "parties.csv",
        b"id,name,Name\n1,Contoso Widgets,Huawei Technologies\n",
    );
    let o = earmark(&["screen", "--batch", &p]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains(&format!("{p}:1: the header names the column `name` twice")),
        "{}",
        err(&o)
    );
    assert!(out(&o).is_empty(), "{}", out(&o));
}

#[test]
fn an_invalid_country_is_a_warning_and_the_row_is_still_screened() {
    let p = temp_file(
        "country",
        "parties.csv",
        b"id,name,country\n1,Rosoboronexport,Atlantis\n2,Sophgo Technologies,XX\n",
    );
    let o = earmark(&["screen", "--batch", &p]);
    assert!(answered(&o), "{}", err(&o));
    let e = err(&o);
    assert!(
        e.contains(&format!("{p}:2: country `Atlantis` is not")),
        "{e}"
    );
    assert!(e.contains(&format!("{p}:3: country `XX` is not")), "{e}");
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["band"], "match", "screened by name: {}", rows[0]);
    assert_eq!(rows[1]["band"], "match", "screened by name: {}", rows[1]);
    assert!(rows[1]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("country `XX`"));
}

#[test]
fn a_batch_in_which_every_row_was_skipped_exits_non_zero() {
    let p = temp_file(
        "all-skipped",
        "parties.csv",
        b"id,name\n1,\n,Huawei Technologies\n",
    );
    let o = earmark(&["screen", "--batch", &p]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains(&format!("{p}: every row was skipped: nothing was screened")),
        "{}",
        err(&o)
    );
}

#[test]
fn a_batch_with_a_header_and_no_rows_exits_non_zero() {
    let p = temp_file("empty", "parties.csv", b"id,name,country\n");
    let o = earmark(&["screen", "--batch", &p]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("no rows to screen"), "{}", err(&o));
}

#[test]
fn the_batch_summary_counts_rows_read_screened_skipped_and_warned() {
    let p = temp_file(
        "summary",
        "parties.csv",
        b"id,name,country\n1,Sophgo Technologies,CN\n2,,CN\n3,Contoso Widgets,Atlantis\n4,?!*,US\n",
    );
    let o = earmark(&["screen", "--batch", &p]);
    assert!(answered(&o), "{}", err(&o));
    assert!(
        err(&o).contains(&format!(
            "{p}: 4 rows read, 2 screened (1 match, 0 review, 1 no_match), 2 skipped, 1 screened \
             with warnings"
        )),
        "{}",
        err(&o)
    );
}

#[test]
fn screen_country_that_is_no_iso_code_is_rejected_like_check_to() {
    let o = earmark(&["screen", "Huawei Technologies", "--country", "XX"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("`--country XX`: not an ISO 3166-1 alpha-2 country code"),
        "{}",
        err(&o)
    );
    let check = earmark(&["check", "nvidia-h20", "--to", "XX"]);
    assert!(
        err(&check).contains("`--to XX`: not an ISO 3166-1 alpha-2 country code"),
        "the two commands word it alike: {}",
        err(&check)
    );
    // Names still work, as the help says.
    let o = earmark(&["screen", "Huawei Technologies", "--country", "China"]);
    assert!(answered(&o), "{}", err(&o));
}

#[test]
fn batch_rejects_country_and_address_options_it_would_ignore() {
    let o = earmark(&[
        "screen",
        "--batch",
        "examples/parties.csv",
        "--country",
        "CN",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("cannot be used with"), "{}", err(&o));
}

#[test]
fn csv_output_neutralises_cells_a_spreadsheet_would_run_as_formulas() {
    let lists = dpl_with_first_name("formula", "=1+2 ACME HOSTILE TRADING");
    let p = temp_file(
        "formula",
        "parties.csv",
        b"id,name\n=1+1,Sophgo Technologies\n2,\"=HYPERLINK(\"\"http://x.invalid\"\",\"\"y\"\")\"\n3,@SUM(A1)\n4,+Contoso Widgets\n5,-Contoso Widgets\n6,ACME Hostile Trading\n",
    );
    let o = earmark(&[
        "screen", "--batch", &p, "--output", "csv", "--lists", &lists,
    ]);
    assert!(answered(&o), "{}", err(&o));
    let text = out(&o);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 7, "{text}");
    assert!(rows[1].starts_with("'=1+1,"), "{text}");
    assert!(rows[2].starts_with("2,\"'=HYPERLINK("), "{text}");
    assert!(rows[3].starts_with("3,'@SUM(A1),"), "{text}");
    assert!(rows[4].starts_with("4,'+Contoso Widgets,"), "{text}");
    assert!(rows[5].starts_with("5,'-Contoso Widgets,"), "{text}");
    assert!(
        rows[6].contains(",'=1+2 ACME HOSTILE TRADING,"),
        "list text too: {text}"
    );
}

#[test]
fn human_output_strips_escape_sequences_from_the_query_and_list_entries() {
    let lists = dpl_with_first_name("escape", "ACME HOSTILE\u{1b}[2J TRADING\u{1b}]0;owned\u{7}");
    let o = earmark(&[
        "screen",
        "ACME Hostile Trading\u{1b}[2J\u{9b}31m",
        "--lists",
        &lists,
    ]);
    assert!(answered(&o), "{}", err(&o));
    let text = out(&o);
    assert!(text.contains("ACME HOSTILE TRADING"), "{text}");
    assert!(
        !text.contains(['\u{1b}', '\u{9b}', '\u{7}']),
        "a control reached the terminal: {text:?}"
    );
}

#[test]
fn an_error_quoting_input_strips_escape_sequences() {
    let o = earmark(&["screen", "Huawei", "--country", "\u{1b}[2J"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!err(&o).contains('\u{1b}'), "{:?}", err(&o));
}

#[test]
fn screen_warns_when_a_list_is_older_than_max_list_age_days() {
    // The bundled snapshot is dated 2026-07-31: older than a week on any day after 2026-08-07.
    let o = earmark(&["screen", "Sophgo Technologies", "--format", "json"]);
    assert!(answered(&o), "{}", err(&o));
    assert!(
        err(&o).contains("`bundled:entity-list-2026-07.csv` is dated 2026-07-31"),
        "{}",
        err(&o)
    );
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let warnings = v["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2, "{v}");
    assert!(warnings[0]
        .as_str()
        .unwrap()
        .contains("days before today (more than 7)"));

    let o = earmark(&[
        "screen",
        "Sophgo Technologies",
        "--format",
        "json",
        "--max-list-age-days",
        "100000",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["warnings"], serde_json::json!([]), "{v}");
    assert!(!err(&o).contains("warning"), "{}", err(&o));
}

#[test]
fn a_list_without_a_date_warns_where_it_is_used() {
    let dpl = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/screening/bis_dpl_2022-09/dpl.txt");
    let lists = format!("bis-dpl:{}", dpl.display());
    let o = earmark(&["screen", "Aaron Abraham Villa", "--lists", &lists]);
    assert!(answered(&o), "{}", err(&o));
    assert!(
        err(&o).contains("the list date is unknown, so its age cannot be checked"),
        "{}",
        err(&o)
    );
}

#[test]
fn batch_jsonl_rows_carry_the_list_age_warnings() {
    let o = earmark(&["screen", "--batch", "examples/parties.csv"]);
    assert!(answered(&o), "{}", err(&o));
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 8);
    for row in &rows {
        let warnings = row["warnings"].as_array().unwrap();
        assert!(
            warnings
                .iter()
                .any(|w| w.as_str().unwrap().contains("is dated 2026-07-31")),
            "{row}"
        );
    }
    // Once on stderr, not once per row.
    assert_eq!(
        err(&o).matches("is dated 2026-07-31").count(),
        2,
        "{}",
        err(&o)
    );
}

#[test]
fn a_list_dated_after_today_is_an_error() {
    let dpl = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/screening/bis_dpl_2022-09/dpl.txt");
    let lists = format!("bis-dpl:{}@2999-01-01", dpl.display());
    let o = earmark(&["screen", "Aaron Abraham Villa", "--lists", &lists]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("is dated 2999-01-01, after today"),
        "{}",
        err(&o)
    );
    assert!(
        out(&o).is_empty(),
        "no answer from an impossible list: {}",
        out(&o)
    );
}

#[test]
fn a_record_larger_than_a_mebibyte_stops_the_batch_with_an_error() {
    let mut csv = b"id,name\n1,Sophgo Technologies\n2,\"".to_vec();
    csv.extend(std::iter::repeat_n(b'A', 3 << 20));
    csv.extend(b"\n3,Huawei Technologies\n");
    let p = temp_file("large", "parties.csv", &csv);
    let o = earmark(&["screen", "--batch", &p]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains(&format!("{p}:3: a record longer than 1 MiB")),
        "{}",
        err(&o)
    );
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 1, "row 1 is screened before it: {rows:?}");
}

#[cfg(unix)]
#[test]
fn a_batch_from_dev_zero_ends_with_a_clear_error() {
    let o = earmark(&["screen", "--batch", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("/dev/zero:1: the header is longer than 1 MiB"),
        "{}",
        err(&o)
    );
}

/// Whether the run gave an answer: 0 no match, 4 a possible match, 5 a match (README, "Exit
/// codes"); 2 is bad input or an incomplete batch.
fn answered(o: &Output) -> bool {
    o.status.code().is_some_and(|c| [0, 4, 5].contains(&c))
}
