//! Reading `--spec FILE` as a user gives it: the real binary, files written to a temporary
//! directory. Each test pins one way a spec file used to be misread or to exhaust memory.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

mod common;

use std::path::PathBuf;

use common::{earmark, json, stdout};

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("earmark-spec-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `earmark classify --spec FILE` expecting an error; returns its message.
fn refused(path: &str) -> String {
    let output = earmark(&["classify", "--spec", path, "--as-of", "2025-01-01"]);
    assert_eq!(output.status.code(), Some(2), "not refused: {path}");
    String::from_utf8(output.stderr).unwrap()
}

const H20_JSON: &str = include_str!("../../../examples/specs/nvidia-h20.json");

#[test]
fn a_spec_file_larger_than_the_limit_is_refused_naming_the_file() {
    let dir = scratch("large");
    let path = dir.join("huge.json");
    let padding = " ".repeat(1024 * 1024);
    std::fs::write(&path, format!("{H20_JSON}{padding}")).unwrap();
    let error = refused(path.to_str().unwrap());
    assert!(
        error.contains(&format!(
            "`{}` is larger than the 1 MiB limit for a spec",
            path.display()
        )),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn spec_from_dev_zero_fails_on_the_size_limit_instead_of_filling_memory() {
    let error = refused("/dev/zero");
    assert!(
        error.contains("`/dev/zero` is larger than the 1 MiB limit for a spec"),
        "{error}"
    );
}

#[test]
fn a_json_spec_with_a_byte_order_mark_is_read_by_the_cli() {
    let dir = scratch("bom");
    let path = dir.join("h20.json");
    std::fs::write(&path, format!("\u{feff}{H20_JSON}")).unwrap();
    let v = json(&[
        "classify",
        "--spec",
        path.to_str().unwrap(),
        "--as-of",
        "2025-04-20",
    ]);
    assert_eq!(v["tpp"], 2368.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_spec_file_named_neither_json_nor_toml_is_read_by_its_content() {
    let dir = scratch("sniff");
    let toml_text =
        std::fs::read_to_string(common::workspace().join("examples/specs/hbm3e-stack.toml"))
            .unwrap();
    // TOML used to be read as JSON whatever it held, unless named `.toml`.
    for (name, text) in [
        ("hbm.spec", toml_text.as_str()),
        ("hbm", toml_text.as_str()),
        ("h20.txt", H20_JSON),
        ("h20.JSON", H20_JSON),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let v = json(&[
            "classify",
            "--spec",
            path.to_str().unwrap(),
            "--as-of",
            "2025-04-20",
        ]);
        assert_eq!(v["status"], "determined", "{name}: {v}");
    }
    let path = dir.join("hbm.TOML");
    std::fs::write(&path, &toml_text).unwrap();
    let v = json(&["classify", "--spec", path.to_str().unwrap()]);
    assert_eq!(v["kind"], "hbm");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_spec_file_that_is_not_utf8_is_refused_naming_the_line() {
    let dir = scratch("latin1");
    let path = dir.join("part.toml");
    std::fs::write(&path, b"name = 'x'\nkind = 'ic'\n# caf\xe9\n").unwrap();
    let error = refused(path.to_str().unwrap());
    assert!(error.contains("line 3: not UTF-8 text"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_duplicate_figure_in_a_json_spec_file_is_refused_with_file_line_and_field() {
    let dir = scratch("dup");
    let path = dir.join("h20.json");
    std::fs::write(
        &path,
        H20_JSON.replace("\"fp8\": 296,", "\"fp8\": 296, \"fp8\": 2,"),
    )
    .unwrap();
    let error = refused(path.to_str().unwrap());
    assert!(
        error.contains(&format!("spec `{}`", path.display())),
        "{error}"
    );
    assert!(error.contains("line 5"), "{error}");
    assert!(
        error.contains("field `dense_tops`: duplicate field `fp8`"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_system_with_no_resolved_parts_prints_no_negative_zero_tpp() {
    let dir = scratch("empty-system");
    let path = dir.join("system.toml");
    std::fs::write(
        &path,
        "name = 'rack'\nkind = 'system'\n[[contains]]\nitem = 'no-such-part'\ncount = 8\n",
    )
    .unwrap();
    let spec = path.to_str().unwrap();
    let text = stdout(&earmark(&[
        "classify",
        "--spec",
        spec,
        "--as-of",
        "2025-01-01",
    ]));
    // Dates print "-0" too: look at the TPP figures only.
    assert!(
        text.lines()
            .filter(|line| line.contains("TPP"))
            .all(|line| !line.contains(" -0")),
        "{text}"
    );
    assert!(text.contains("Indeterminate"), "{text}");
    let v = json(&["classify", "--spec", spec, "--as-of", "2025-01-01"]);
    assert!(v["tpp"].is_null(), "{v}");
    std::fs::remove_dir_all(&dir).unwrap();
}
