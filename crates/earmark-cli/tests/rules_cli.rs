//! `earmark rules list | show | validate | diff`, run as a user runs them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

mod common;

use common::{copy_dir, earmark, stdout, workspace};

#[test]
fn list_shows_every_instrument_with_layer_and_confidence() {
    let text = stdout(&earmark(&["rules", "list"]));
    for id in [
        "bis-2022-10-advanced-computing",
        "bis-2023-01-macau",
        "bis-2023-10-acs",
        "bis-2024-04-corrections",
        "bis-2024-12-fdp-hbm",
        "bis-2025-01-ai-diffusion",
        "bis-2025-01-foundry",
        "usg-2025-04-h20-letter",
        "usg-2025-04-mi308-letter",
        "bis-2025-05-aid-non-enforcement",
        "bis-2025-05-gp10-guidance",
        "usg-2025-08-revenue-share",
        "bis-2025-09-affiliates",
        "bis-2025-11-affiliates-stay",
        "bis-2026-01-h200-review",
        "bis-2026-04-designer-extension",
        "bis-2026-07-uae",
        "state-2025-11-cambodia-itar",
    ] {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&earmark(&["rules", "list", "--format", "json"]))).unwrap();
    assert_eq!(json["rule_pack"], "us-ear");
    assert!(json["instruments"].as_array().unwrap().len() >= 20);
}

#[test]
fn show_prints_an_instrument_and_a_rule() {
    let text = stdout(&earmark(&["rules", "show", "usg-2025-04-h20-letter"]));
    assert!(text.contains("legal layer"), "{text}");
    assert!(text.contains("PROJECT INTERPRETATION"), "{text}");
    assert!(text.contains("sec.gov"), "{text}");
    // The letter binds its addressee: the rule shows the exporter and what it incorporates.
    let text = stdout(&earmark(&["rules", "show", "h20-named"]));
    assert!(text.contains("exporter in [nvidia]"), "{text}");
    assert!(
        text.contains("is or contains one of [nvidia-h20]"),
        "{text}"
    );
    let text = stdout(&earmark(&["rules", "show", "h200-26-case-by-case"]));
    assert!(text.contains("91 FR 1684"), "{text}");
    assert!(text.contains("tpp < 21000"), "{text}");
    // A declared review-policy gap is shown with its rule.
    let text = stdout(&earmark(&["rules", "show", "uae26-a"]));
    assert!(
        text.contains("no review policy: The reference's review policy matrix (4.4)"),
        "{text}"
    );
    let text = stdout(&earmark(&["rules", "show", "AE"]));
    assert!(
        text.contains("2026-07-10: added A:5 (bis-2026-07-uae)"),
        "{text}"
    );
    assert!(text.contains("2026-07-10: removed D:4"), "{text}");
    let text = stdout(&earmark(&["rules", "show", "HK"]));
    assert!(text.contains("read by the EAR as CN"), "{text}");
    let out = earmark(&["rules", "show", "h20-letterr"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean"));
}

#[test]
fn validate_accepts_the_bundled_pack_and_names_file_and_line_of_errors() {
    let text = stdout(&earmark(&["rules", "validate"]));
    assert!(text.contains("ok"), "{text}");
    let dir = std::env::temp_dir().join(format!("earmark-bad-pack-{}", std::process::id()));
    copy_dir(&workspace().join("rules/us-ear"), &dir);
    let file = dir.join("instruments/2026-07-10-uae.toml");
    let original = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        original.replace("destination = \"AE\"", "destination = \"QQ\""),
    )
    .unwrap();
    let out = earmark(&["rules", "validate", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = original
        .lines()
        .position(|l| l.contains("destination = \"AE\""))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!(
            "instruments/2026-07-10-uae.toml:{line}: `when.destination`: unknown country code `QQ`"
        )),
        "{err}"
    );
}

#[test]
fn diff_names_the_instruments_and_the_answers_that_flip() {
    let text = stdout(&earmark(&[
        "rules",
        "diff",
        "2023-11-16",
        "2023-11-17",
        "--to",
        "CN,AE",
    ]));
    assert!(text.contains("bis-2023-10-acs"), "{text}");
    assert!(text.contains("nvidia-a800-sxm"), "the A800 flips: {text}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&earmark(&[
        "rules",
        "diff",
        "2026-07-09",
        "2026-07-20",
        "--to",
        "AE",
        "--format",
        "json",
    ])))
    .unwrap();
    let flips = json["flips"].as_array().unwrap();
    assert!(
        flips.iter().any(|f| f["item"] == "nvidia-h100-sxm"
            && f["before"]
                .as_str()
                .unwrap()
                .starts_with("license_required")
            // From 2026-07-10 the UAE is A:5 and out of Scope X, but .a items still need a
            // license (uncertain reading of the UAE rule), with STA-UAE for approved entities.
            && f["after"] == "license_required [STA-UAE]"),
        "{flips:?}"
    );
    assert!(json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c.as_str().unwrap().contains("AE")));
}

/// A copy of the bundled pack in a fresh temporary directory, to break in one test.
fn pack_copy(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("earmark-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    copy_dir(&workspace().join("rules/us-ear"), &dir);
    dir
}

fn edit(file: &std::path::Path, from: &str, to: &str) -> String {
    let original = std::fs::read_to_string(file).unwrap();
    assert!(
        original.contains(from),
        "fixture text `{from}` not in {}",
        file.display()
    );
    std::fs::write(file, original.replacen(from, to, 1)).unwrap();
    original
}

#[test]
fn validate_and_check_reject_a_pack_naming_an_item_the_catalog_lacks() {
    let dir = pack_copy("named-missing");
    let file = dir.join("instruments/2025-04-09-nvidia-h20-letter.toml");
    edit(
        &file,
        "named = [\"nvidia-h20\"] }",
        "named = [\"nvidia-h20\", \"huawei-ascend-910d\"] }",
    );
    let line = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .position(|l| l.contains("huawei-ascend-910d"))
        .unwrap()
        + 1;
    let validate = earmark(&["rules", "validate", dir.to_str().unwrap()]);
    let check = earmark(&[
        "check",
        "nvidia-h20",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2025-06-01",
        "--rules",
        dir.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).ok();
    let expected = format!(
        "instruments/2025-04-09-nvidia-h20-letter.toml:{line}: rule `h20-envelope`: `when.named` names `huawei-ascend-910d`, which is not in the catalog"
    );
    assert_eq!(validate.status.code(), Some(1));
    let err = String::from_utf8_lossy(&validate.stderr);
    assert!(err.contains(&expected), "{err}");
    assert!(
        !check.status.success(),
        "a check on the pack must not answer"
    );
    assert!(check.stdout.is_empty());
    let err = String::from_utf8_lossy(&check.stderr);
    assert!(err.contains(&expected), "{err}");
}

#[test]
fn validate_rejects_a_license_requirement_left_without_a_review_policy() {
    let dir = pack_copy("policy-gap");
    let file = dir.join("instruments/2026-07-10-uae.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let declared: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("review_policy_gap = "))
        .collect();
    assert_eq!(declared.len(), 2, "{text}");
    let undeclared: String = text
        .lines()
        .filter(|l| !l.starts_with("review_policy_gap = "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&file, undeclared).unwrap();
    let out = earmark(&["rules", "validate", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("instruments/2026-07-10-uae.toml:")
            && err.contains(
                "license required with no review policy (enforced reading): `uae26-a` requires a license for"
            )
            && err.contains("to AE on 2026-07-10"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_pack_is_refused_naming_it() {
    let dir = pack_copy("symlink-out");
    let outside = std::env::temp_dir().join(format!("earmark-outside-{}.toml", std::process::id()));
    std::fs::write(&outside, "# not part of the pack\n").unwrap();
    let link = dir.join("instruments/outside.toml");
    std::os::unix::fs::symlink(&outside, &link).unwrap();
    let out = earmark(&["rules", "validate", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_file(&outside).ok();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("`{}` is a symbolic link to", link.display()))
            && err.contains("outside the rule pack"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_inside_the_pack_is_followed() {
    let dir = pack_copy("symlink-in");
    let real = dir.join("instruments/2026-07-10-uae.toml");
    let moved = dir.join("uae.toml.real");
    std::fs::rename(&real, &moved).unwrap();
    std::os::unix::fs::symlink(&moved, &real).unwrap();
    let out = earmark(&["rules", "validate", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert!(stdout(&out).contains("ok"));
}

#[cfg(unix)]
#[test]
fn a_rule_file_that_is_a_fifo_is_refused_without_blocking() {
    let dir = pack_copy("fifo");
    let fifo = dir.join("instruments/fifo.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Opening a FIFO with no writer blocks: the old walker hung here.
    let out = earmark(&["rules", "validate", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("`{}` is not a regular file", fifo.display())),
        "{err}"
    );
}

#[test]
fn a_rule_file_over_the_size_cap_is_refused() {
    let dir = pack_copy("huge");
    let huge = dir.join("instruments/huge.toml");
    let mut text = String::from("# ");
    text.push_str(&"x".repeat(4 * 1024 * 1024));
    std::fs::write(&huge, text).unwrap();
    let out = earmark(&["rules", "validate", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "`{}` is larger than 4 MiB, the most a rule file may hold",
            huge.display()
        )),
        "{err}"
    );
}

#[test]
fn validate_and_classify_refuse_a_pack_whose_classification_texts_leave_a_gap() {
    let dir = std::env::temp_dir().join(format!("earmark-gap-pack-{}", std::process::id()));
    copy_dir(&workspace().join("rules/us-ear"), &dir);
    let file = dir.join("instruments/2022-10-07-advanced-computing.toml");
    let original = std::fs::read_to_string(&file).unwrap();
    let rule = "id = \"ac22-classification\"\nkind = \"classification\"\n";
    assert!(original.contains(rule));
    std::fs::write(
        &file,
        original.replace(rule, &format!("{rule}to = 2023-06-30\n")),
    )
    .unwrap();
    let validate = earmark(&["rules", "validate", dir.to_str().unwrap()]);
    let classify = earmark(&[
        "classify",
        "nvidia-h20",
        "--as-of",
        "2023-09-01",
        "--rules",
        dir.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(validate.status.code(), Some(1));
    let line = original
        .lines()
        .position(|l| l == "id = \"ac22-classification\"")
        .unwrap()
        + 1;
    let err = String::from_utf8_lossy(&validate.stderr);
    assert!(
        err.contains(&format!(
            "instruments/2022-10-07-advanced-computing.toml:{line}: classification rule \
             `ac22-classification` ends on 2023-06-30"
        )),
        "{err}"
    );
    assert_eq!(classify.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&classify.stderr).contains("no rule would classify"),
        "{}",
        String::from_utf8_lossy(&classify.stderr)
    );
}
