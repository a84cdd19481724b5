//! `--lists` files that are empty, of another format, cut short or endless must stop
//! `earmark screen` and `earmark lists status` with the file and the reason, never screen
//! against what little could be read.

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

const SCREENING: &str = "../shared/data/screening";

/// A scratch directory of its own for each test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("earmark-lists-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The run failed with exit status 2 and an error on stderr; returns stderr.
fn failed(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(output.stdout.is_empty(), "no answer may be printed");
    stderr
}

#[test]
fn a_list_file_with_zero_records_stops_screen_and_status() {
    let dir = scratch("empty");
    let path = dir.join("entities.csv");
    std::fs::write(
        &path,
        "id,name,aliases,country,addresses,federal_register_citation,date_added,footnote,license_requirement,license_review_policy,source_url\n",
    )
    .unwrap();
    let spec = format!("entity-list:{}", path.display());
    for args in [
        vec!["lists", "status", "--lists", &spec],
        vec!["screen", "Huawei Technologies", "--lists", &spec],
    ] {
        let err = failed(&earmark(&args));
        assert!(
            err.contains(&format!("`{}` holds no records", path.display())),
            "{err}"
        );
    }
}

#[test]
fn the_csl_json_given_as_ofac_stops_with_what_the_file_is() {
    let spec = format!("ofac:{SCREENING}/csl_2026-07_compact/screening-list.json");
    let err = failed(&earmark(&["lists", "status", "--lists", &spec]));
    assert!(
        err.contains("screening-list.json` is not an OFAC SDN CSV (sdn.csv): it looks like JSON"),
        "{err}"
    );
}

#[test]
fn an_entity_list_given_as_dpl_stops_screening() {
    let spec = format!("bis-dpl:{SCREENING}/entity_list_extract/entities.csv");
    let err = failed(&earmark(&["screen", "Huawei", "--lists", &spec]));
    assert!(
        err.contains("is not a BIS Denied Persons List") && err.contains("Entity List CSV"),
        "{err}"
    );
}

#[test]
fn dev_zero_as_a_list_stops_at_the_size_limit() {
    let err = failed(&earmark(&[
        "lists",
        "status",
        "--max-list-bytes",
        "1048576",
        "--lists",
        "ofac:/dev/zero",
    ]));
    assert!(
        err.contains("`/dev/zero` is larger than the 1 MiB limit"),
        "{err}"
    );
}

#[test]
fn a_list_file_over_the_size_limit_is_refused() {
    let spec = format!("bis-dpl:{SCREENING}/bis_dpl_2022-09/dpl.txt");
    let err = failed(&earmark(&[
        "screen",
        "Aaron Abraham Villa",
        "--max-list-bytes",
        "1000",
        "--lists",
        &spec,
    ]));
    assert!(
        err.contains(
            "dpl.txt` is larger than the 1000-byte limit (raise it with --max-list-bytes)"
        ),
        "{err}"
    );
}

/// sdn.csv cut after its `rows`-th record, with `tail` appended.
fn cut_sdn(name: &str, rows: usize, tail: &[u8]) -> PathBuf {
    let sdn = std::fs::read(
        common::workspace()
            .join(SCREENING)
            .join("ofac_sdn_2021-07/sdn.csv"),
    )
    .unwrap();
    let mut seen = 0;
    let end = sdn
        .windows(2)
        .position(|w| {
            seen += usize::from(w == b"\r\n");
            seen == rows
        })
        .unwrap();
    let mut cut = sdn[..end + 2].to_vec();
    cut.extend_from_slice(tail);
    let dir = scratch(name);
    let path = dir.join("sdn.csv");
    std::fs::write(&path, cut).unwrap();
    path
}

#[test]
fn an_sdn_file_cut_mid_record_stops_screening() {
    let path = cut_sdn(
        "cut",
        4000,
        b"36001,\"SOME NAME\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 19",
    );
    let spec = format!("ofac:{}", path.display());
    let err = failed(&earmark(&[
        "screen",
        "Banco Nacional de Cuba",
        "--lists",
        &spec,
    ]));
    assert!(
        err.contains("sdn.csv` is cut short: the last row (line 4001) ends inside a quoted field"),
        "{err}"
    );
}

#[test]
fn an_sdn_file_without_its_end_marker_warns_on_stderr_and_in_status_json() {
    let path = cut_sdn("nomarker", 4000, b"");
    let spec = format!("ofac:{}@2021-07-07", path.display());
    let output = earmark(&["lists", "status", "--lists", &spec, "--format", "json"]);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(answered(&output), "{stderr}");
    assert!(
        stderr.contains("warning: `") && stderr.contains("end-of-file marker (Ctrl-Z)"),
        "{stderr}"
    );
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let warnings = status[0]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0]
        .as_str()
        .unwrap()
        .contains("entries after line 4000 are missing"));
}

#[test]
fn the_bundled_lists_carry_no_warnings() {
    let output = earmark(&["lists", "status", "--format", "json"]);
    assert!(answered(&output));
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for list in status.as_array().unwrap() {
        assert_eq!(list["warnings"], serde_json::json!([]), "{list}");
    }
}

#[test]
fn screen_json_scores_carry_no_float_noise() {
    let output = earmark(&["screen", "Huawei Technologies", "--format", "json"]);
    assert!(answered(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut scores = Vec::new();
    collect_scores(&value, &mut scores);
    assert!(!scores.is_empty(), "{text}");
    for s in scores {
        let decimals = s.split('.').nth(1).map_or(0, str::len);
        assert!(decimals <= 4, "score {s} in {text}");
    }
}

fn collect_scores(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if k == "score" {
                    out.push(v.to_string());
                }
                collect_scores(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_scores(v, out)),
        _ => {}
    }
}

/// Whether the run gave an answer: 0 no match, 4 a possible match, 5 a match (README, "Exit
/// codes"); 2 is bad input or an incomplete batch.
fn answered(o: &Output) -> bool {
    o.status.code().is_some_and(|c| [0, 4, 5].contains(&c))
}
