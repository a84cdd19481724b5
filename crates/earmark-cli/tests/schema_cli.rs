//! `earmark schema`: the published JSON Schemas, printed or written, as `schemas/` holds them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

mod common;

use common::{earmark, workspace};

const NAMES: [&str; 3] = ["shipment", "decision", "stored-decision"];

#[test]
fn schema_write_writes_the_committed_schemas() {
    let dir = std::env::temp_dir().join(format!("earmark-schemas-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = earmark(&["schema", "--write", dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in NAMES {
        let file = format!("{name}.schema.json");
        let written = std::fs::read_to_string(dir.join(&file)).unwrap();
        let committed = std::fs::read_to_string(workspace().join("schemas").join(&file)).unwrap();
        assert!(written == committed, "`{file}` differs from schemas/{file}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn schema_name_prints_exactly_that_file() {
    for name in NAMES {
        let out = earmark(&["schema", name]);
        assert_eq!(out.status.code(), Some(0));
        let committed = std::fs::read(
            workspace()
                .join("schemas")
                .join(format!("{name}.schema.json")),
        )
        .unwrap();
        assert!(out.stdout == committed, "`earmark schema {name}` differs");
    }
}

#[test]
fn schema_without_a_name_prints_every_schema_as_one_json_object() {
    let out = earmark(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for name in NAMES {
        assert!(all[format!("{name}.schema.json")].is_object(), "{name}");
    }
}

#[test]
fn an_unknown_schema_name_is_an_error_naming_it_and_the_known_ones() {
    let out = earmark(&["schema", "shipments"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`shipments`") && stderr.contains("stored-decision"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
