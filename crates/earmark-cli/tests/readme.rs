//! README.md stays true: every `earmark ...` (or `cargo run --release -- ...`) command it
//! shows runs and gives an answer.
//!
//! Commands are taken from the README's `sh` blocks. A trailing `# comment` and a `> file`
//! redirection are dropped; a line with `...` is an illustration, not a command, and is skipped.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

use std::path::PathBuf;
use std::process::Command;

/// Splits a command line into words, honouring double quotes.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let (mut quoted, mut started) = (false, false);
    for ch in line.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(word);
    }
    out
}

fn readme_commands() -> Vec<(usize, Vec<String>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut commands = Vec::new();
    let mut in_sh = false;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        // `cargo run --release -- ARGS` is the first of the README's two commands: the same
        // binary, built by cargo.
        let Some(rest) = line
            .strip_prefix("earmark ")
            .or_else(|| line.strip_prefix("cargo run --release -- "))
            .filter(|_| in_sh)
        else {
            continue;
        };
        if rest.contains("...") {
            continue;
        }
        let without_comment = match rest.find("  #") {
            Some(at) => &rest[..at],
            None => rest,
        };
        let args: Vec<String> = words(without_comment)
            .into_iter()
            .take_while(|w| w != ">")
            .collect();
        commands.push((i + 1, args));
    }
    commands
}

#[test]
fn every_earmark_command_in_the_readme_runs() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let commands = readme_commands();
    assert!(
        commands.len() >= 20,
        "only {} commands found",
        commands.len()
    );
    let mut failures = Vec::new();
    for (line, args) in &commands {
        let output = Command::new(env!("CARGO_BIN_EXE_earmark"))
            .args(args)
            .current_dir(&root)
            .output()
            .unwrap();
        // An answer exits 0, 3, 4 or 5 (README, "Exit codes"); 2 is bad input.
        let answered = output
            .status
            .code()
            .is_some_and(|c| [0, 3, 4, 5].contains(&c));
        if !answered {
            failures.push(format!(
                "README.md:{line}: earmark {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
