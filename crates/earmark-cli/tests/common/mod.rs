//! Running the real `earmark` binary from integration tests, as a user runs it: from the
//! workspace root, so that `examples/` and `rules/` paths in arguments resolve.

#![allow(
    dead_code,
    reason = "each test crate includes this module and uses only some of it"
)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn earmark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_earmark"))
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap()
}

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Exit codes of a run that gave an answer: 0 clear, 3 license required, 4 review or
/// indeterminate, 5 blocked (README, "Exit codes"). 2 is bad input; 1 is never an answer.
pub const ANSWER_CODES: [i32; 4] = [0, 3, 4, 5];

/// The standard output of a run that must have given an answer (any answer's exit code).
pub fn stdout(output: &Output) -> String {
    assert!(
        output
            .status
            .code()
            .is_some_and(|c| ANSWER_CODES.contains(&c)),
        "failed ({:?}): {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Runs with `--format json` appended and parses the answer.
pub fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&stdout(&earmark(&all))).unwrap()
}

/// Copies a directory tree (a rule pack to edit in a test).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
