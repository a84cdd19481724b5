//! How `earmark` behaves as a citizen of a shell pipeline.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn a_reader_that_stops_early_is_not_a_panic() {
    // Enough rows that the JSON Lines output overflows the pipe buffer after the reader left.
    let dir = std::env::temp_dir().join(format!("earmark-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let batch = dir.join("parties.csv");
    let mut file = std::fs::File::create(&batch).unwrap();
    writeln!(file, "id,name").unwrap();
    for i in 0..3000 {
        writeln!(file, "{i},Huawei Technologies Co Ltd").unwrap();
    }
    drop(file);
    let mut child = Command::new(env!("CARGO_BIN_EXE_earmark"))
        .args(["screen", "--batch", batch.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, like `| head -0`
    let output = child.wait_with_output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(answered(&output), "status {:?}: {stderr}", output.status);
}

#[test]
fn a_batch_no_match_row_names_no_list_entry() {
    let dir = std::env::temp_dir().join(format!("earmark-nomatch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let batch = dir.join("parties.csv");
    std::fs::write(
        &batch,
        "id,name\n1,Acme Widgets Inc\n2,Sophgo Technologies\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_earmark"))
        .args([
            "screen",
            "--batch",
            batch.to_str().unwrap(),
            "--output",
            "csv",
            // No list-age warning in the last column: the row must end with empty cells.
            "--max-list-age-days",
            "100000",
        ])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let text = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(
        rows[1].starts_with("1,Acme Widgets Inc,no_match,"),
        "{text}"
    );
    assert!(
        rows[1].ends_with(",,,,"),
        "a no_match row must not name an entry: {text}"
    );
    assert!(
        rows[2].contains(",match,") && rows[2].contains("Sophgo"),
        "{text}"
    );
}

#[test]
fn the_example_batch_screens_every_row_including_an_address_only_one() {
    let manifest = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_earmark"))
        .args([
            "screen",
            "--batch",
            "examples/parties.csv",
            "--output",
            "csv",
        ])
        .current_dir(manifest.join("../.."))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(answered(&output), "{stderr}");
    assert!(stderr.contains("8 rows read, 8 screened"), "{stderr}");
    assert!(stderr.contains("0 skipped"), "{stderr}");
    let text = String::from_utf8(output.stdout).unwrap();
    let row = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap_or_else(|| panic!("no row {id}: {text}"))
            .to_owned()
    };
    assert!(
        row("2").contains(",match,") && row("2").contains("EL-1103"),
        "{text}"
    );
    assert!(row("4").contains(",no_match,"), "AMD is on no list: {text}");
    assert!(
        row("7").contains("EL-1431"),
        "the bare Hong Kong address is listed: {text}"
    );
}

/// Whether the run gave an answer: 0 no match, 4 a possible match, 5 a match (README, "Exit
/// codes"); 2 is bad input or an incomplete batch.
fn answered(o: &std::process::Output) -> bool {
    o.status.code().is_some_and(|c| [0, 4, 5].contains(&c))
}
