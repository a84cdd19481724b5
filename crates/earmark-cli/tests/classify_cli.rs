//! The `earmark classify` and `earmark catalog` commands, run as a user runs them: the real
//! binary, the embedded catalog, the example spec files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

mod common;

use common::{copy_dir, earmark, json, stdout, workspace};

#[test]
fn h20_in_april_2025_is_outside_3a090_and_says_why() {
    let text = stdout(&earmark(&[
        "classify",
        "nvidia-h20",
        "--as-of",
        "2025-04-20",
    ]));
    assert!(text.contains("Outside 3A090"), "{text}");
    assert!(text.contains("TPP 2368 is below 2400 (b.1)"), "{text}");
    assert!(
        text.contains("performance density 2.91 is below 3.2 (b.2)"),
        "{text}"
    );
    assert!(text.contains("88 FR 73458"), "citation missing: {text}");
}

#[test]
fn json_output_has_the_promised_fields() {
    let text = stdout(&earmark(&[
        "classify",
        "nvidia-h100-sxm",
        "--as-of",
        "2024-01-01",
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["status"], "determined");
    assert_eq!(v["eccn"], "3A090.a");
    assert_eq!(v["paragraph"], "3A090.a.1");
    assert_eq!(v["tpp"], 15832.0);
    assert_eq!(v["catalog_id"], "nvidia-h100-sxm");
    assert!(v["performance_density"].as_f64().unwrap() > 19.0);
    assert!(v["missing"].as_array().unwrap().is_empty());
    let trace = v["trace"].as_array().unwrap();
    assert!(trace
        .iter()
        .any(|e| e["rule_id"] == "3A090.a.1" && e["status"] == "applied"));
    assert!(trace
        .iter()
        .all(|e| e["citation"].as_str().is_some_and(|c| !c.is_empty())));
}

#[test]
fn a800_flips_on_2023_11_17() {
    let before = stdout(&earmark(&[
        "classify",
        "nvidia-a800-sxm",
        "--as-of",
        "2023-11-16",
        "--format",
        "json",
    ]));
    let after = stdout(&earmark(&[
        "classify",
        "nvidia-a800-sxm",
        "--as-of",
        "2023-11-17",
        "--format",
        "json",
    ]));
    let before: serde_json::Value = serde_json::from_str(&before).unwrap();
    let after: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!(before["eccn"], serde_json::Value::Null);
    assert_eq!(after["eccn"], "3A090.a");
}

#[test]
fn spec_files_in_json_and_toml_classify() {
    let text = stdout(&earmark(&[
        "classify",
        "--spec",
        "examples/specs/nvidia-h20.json",
        "--as-of",
        "2025-04-20",
    ]));
    assert!(text.contains("TPP 2368"), "{text}");
    let text = stdout(&earmark(&[
        "classify",
        "--spec",
        "examples/specs/hgx-h100-8gpu.toml",
        "--as-of",
        "2025-04-20",
    ]));
    assert!(text.contains("4A090.a"), "{text}");
}

#[test]
fn a_bad_spec_names_file_line_and_field() {
    let dir = std::env::temp_dir().join(format!("earmark-bad-spec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.json");
    std::fs::write(
        &path,
        "{\"name\": \"x\", \"kind\": \"ic\",\n \"die_areaa_mm2\": 5}",
    )
    .unwrap();
    let out = earmark(&["classify", "--spec", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.json"), "{err}");
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("die_areaa_mm2"), "{err}");
}

#[test]
fn an_unknown_id_suggests_near_ones() {
    let out = earmark(&["classify", "h20"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean nvidia-h20"), "{err}");
}

#[test]
fn unpublished_figures_are_indeterminate_not_uncontrolled() {
    let text = stdout(&earmark(&[
        "classify",
        "amd-mi308x",
        "--as-of",
        "2025-06-01",
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["status"], "indeterminate");
    assert_eq!(v["eccn"], serde_json::Value::Null);
    assert!(v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["field"] == "dense_tops"));
}

#[test]
fn catalog_lists_all_seventy_and_shows_sources() {
    let text = stdout(&earmark(&["catalog", "list", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 70);
    let text = stdout(&earmark(&["catalog", "show", "huawei-ascend-910b"]));
    assert!(text.contains("sources:"), "{text}");
}

#[test]
fn classify_reads_its_thresholds_from_the_pack_given_with_rules() {
    // The 2023 text moved to 2023-12-01 in a copy of the pack: the A800 stays under the 2022
    // interconnect test on 2023-11-20 with that pack, and is 3A090.a with the bundled one.
    let dir = std::env::temp_dir().join(format!("earmark-shifted-pack-{}", std::process::id()));
    copy_dir(&workspace().join("rules/us-ear"), &dir);
    let file = dir.join("instruments/2023-11-17-advanced-computing-update.toml");
    let original = std::fs::read_to_string(&file).unwrap();
    let from = "id = \"acs23-classification\"\nkind = \"classification\"\n";
    assert!(original.contains(from));
    std::fs::write(
        &file,
        original.replace(from, &format!("{from}from = 2023-12-01\n")),
    )
    .unwrap();
    let args = ["classify", "nvidia-a800-sxm", "--as-of", "2023-11-20"];
    let shifted = json(&[&args[..], &["--rules", dir.to_str().unwrap()]].concat());
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(shifted["eccn"], serde_json::Value::Null, "{shifted}");
    assert!(
        shifted["outside"]["note"]
            .as_str()
            .is_some_and(|n| n.starts_with("not 3A090/4A090")),
        "{shifted}"
    );
    let bundled = json(&args);
    assert_eq!(bundled["eccn"], "3A090.a", "{bundled}");
    assert_eq!(bundled["outside"], serde_json::Value::Null, "{bundled}");
}

#[test]
fn an_item_outside_3a090_shows_what_to_classify_it_under() {
    let text = stdout(&earmark(&[
        "classify",
        "nvidia-h20",
        "--as-of",
        "2025-04-20",
    ]));
    assert!(
        text.contains("ECCN: not 3A090/4A090: classify under other entries (e.g. 3A991, EAR99)"),
        "{text}"
    );
}
