//! `earmark check`, run as a user runs it: the real binary, the embedded catalog and rule pack.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

mod common;

use common::{copy_dir, earmark, json, stdout, workspace};

#[test]
fn h20_to_china_after_the_letter_needs_a_license_with_no_exception() {
    let d = json(&[
        "check",
        "nvidia-h20",
        "--exporter",
        "nvidia",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2025-04-20",
    ]);
    assert_eq!(d["outcome"], "license_required");
    assert_eq!(d["license_required"], true);
    assert_eq!(d["eccn"], serde_json::Value::Null);
    assert_eq!(d["review_policy"], "presumption_of_denial");
    assert_eq!(d["license_exceptions"], serde_json::json!([]));
    let rules: Vec<&str> = d["determining_rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(rules.contains(&"h20-named"), "{rules:?}");
    assert!(d["citations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["instrument"] == "usg-2025-04-h20-letter"));
    assert_eq!(d["rule_pack"], "us-ear");
    assert_eq!(d["hash"].as_str().unwrap().len(), 64);
    assert!(!d["version"].as_str().unwrap().is_empty());
    assert!(d["trace"].as_array().unwrap().len() > 50);
    assert_eq!(d["classification"]["eccn"], serde_json::Value::Null);
    // Before the letter.
    let before = json(&[
        "check",
        "nvidia-h20",
        "--exporter",
        "nvidia",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2025-04-08",
    ]);
    assert_eq!(before["outcome"], "no_license_required");
    assert_eq!(before["license_required"], false);
}

#[test]
fn the_same_inputs_give_byte_identical_json() {
    let args = [
        "check",
        "nvidia-h200-sxm",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2026-02-01",
        "--format",
        "json",
    ];
    let a = stdout(&earmark(&args));
    let b = stdout(&earmark(&args));
    assert_eq!(a, b);
    let d: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(d["review_policy"], "case_by_case");
    let conditions: Vec<&str> = d["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        conditions.contains(&"us-third-party-testing"),
        "{conditions:?}"
    );
    assert!(conditions.contains(&"volume-cap-50"), "{conditions:?}");
}

#[test]
fn h200_by_reexport_is_presumption_of_denial() {
    let d = json(&[
        "check",
        "nvidia-h200-sxm",
        "--to",
        "CN",
        "--from",
        "TW",
        "--transaction",
        "reexport",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2026-02-01",
    ]);
    assert_eq!(d["outcome"], "license_required");
    assert_eq!(d["review_policy"], "presumption_of_denial");
}

#[test]
fn unknown_headquarters_is_indeterminate_and_named() {
    let d = json(&[
        "check",
        "nvidia-h100-sxm",
        "--to",
        "MY",
        "--as-of",
        "2024-06-01",
    ]);
    assert_eq!(d["outcome"], "indeterminate");
    assert_eq!(d["license_required"], serde_json::Value::Null);
    let missing: Vec<&str> = d["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["field"].as_str().unwrap())
        .collect();
    assert!(missing.contains(&"end_user_hq"), "{missing:?}");
}

#[test]
fn uncertain_rules_relied_on_are_listed() {
    let d = json(&[
        "check",
        "nvidia-h20",
        "--exporter",
        "nvidia",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2025-09-01",
    ]);
    let uncertain: Vec<&str> = d["uncertain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(uncertain.contains(&"share25-condition"), "{uncertain:?}");
}

#[test]
fn the_legal_layer_differs_for_ai_diffusion() {
    let enforced = json(&[
        "check",
        "nvidia-h100-sxm",
        "--to",
        "IN",
        "--end-user-hq",
        "IN",
        "--parent-hq",
        "same",
        "--as-of",
        "2025-06-01",
    ]);
    let legal = json(&[
        "check",
        "nvidia-h100-sxm",
        "--to",
        "IN",
        "--end-user-hq",
        "IN",
        "--parent-hq",
        "same",
        "--as-of",
        "2025-06-01",
        "--layer",
        "legal",
    ]);
    assert_eq!(enforced["outcome"], "no_license_required");
    assert_eq!(legal["outcome"], "license_required");
    assert_eq!(legal["request"]["layer"], "legal");
}

#[test]
fn known_on_hides_instruments_published_later() {
    let d = json(&[
        "check",
        "nvidia-a800-sxm",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2023-12-01",
        "--known-on",
        "2023-10-01",
    ]);
    assert_eq!(d["outcome"], "no_license_required");
    assert_eq!(d["request"]["known_on"], "2023-10-01");
}

#[test]
fn huawei_ascend_910b_is_prohibited() {
    let d = json(&[
        "check",
        "huawei-ascend-910b",
        "--to",
        "MY",
        "--end-user-hq",
        "MY",
        "--as-of",
        "2025-06-01",
    ]);
    assert_eq!(d["outcome"], "prohibited");
    assert_eq!(d["license_required"], serde_json::Value::Null);
}

#[test]
fn the_human_rendering_puts_the_answer_first() {
    let text = stdout(&earmark(&[
        "check",
        "nvidia-rtx-4090",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2024-05-01",
    ]));
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("LICENSE REQUIRED"), "{text}");
    assert!(first.contains("NAC"), "{text}");
    let why = text.find("\nwhy:").unwrap();
    let change = text.find("\nwhat could change it:").unwrap();
    assert!(why < change, "{text}");
    assert!(text.contains("wait"), "NAC's obligations are shown: {text}");
    let text = stdout(&earmark(&[
        "check",
        "nvidia-h20",
        "--exporter",
        "nvidia",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2025-01-01",
    ]));
    assert!(
        // The letter took effect on 2025-04-09 and became public on 2025-04-15; known today,
        // it counts from the day it took effect.
        text.contains("from 2025-04-09 the answer becomes: license required")
            && text.contains("usg-2025-04-h20-letter"),
        "the next change is named: {text}"
    );
}

#[test]
fn a_spec_file_can_be_checked() {
    let d = json(&[
        "check",
        "--spec",
        "rules/us-ear/golden/specs/hbm2-stack-2gbps.toml",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2025-02-01",
    ]);
    assert_eq!(d["outcome"], "license_required");
    assert_eq!(d["eccn"], "3A090.c");
    assert_eq!(d["license_exceptions"][0]["id"], "HBM");
}

#[test]
fn bad_input_is_a_clear_error() {
    let out = earmark(&["check", "nvidia-h20", "--to", "XX"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`--to XX`"), "{err}");
    let out = earmark(&["check", "nvidia-h2O", "--to", "CN"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in the catalog"));
    let out = earmark(&["check", "nvidia-h20", "--to", "CN", "--from", "CN"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("in-country"));
}

#[test]
fn another_rule_pack_can_be_used() {
    let dir = std::env::temp_dir().join(format!("earmark-pack-{}", std::process::id()));
    let src = workspace().join("rules/us-ear");
    copy_dir(&src, &dir);
    // Drop the H20 letter: the H20 to China is then clear.
    std::fs::remove_file(dir.join("instruments/2025-04-09-nvidia-h20-letter.toml")).unwrap();
    let d = json(&[
        "check",
        "nvidia-h20",
        "--exporter",
        "nvidia",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2025-04-20",
        "--rules",
        dir.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(d["outcome"], "no_license_required");
}

/// Checks that no JSON object repeats a key: serde_json keeps the last silently, so a repeated
/// key is a value a consumer never sees.
fn assert_no_repeated_keys(text: &str) {
    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    struct Checked;
    impl<'de> Deserialize<'de> for Checked {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(CheckedVisitor)
        }
    }
    struct CheckedVisitor;
    impl<'de> Visitor<'de> for CheckedVisitor {
        type Value = Checked;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    return Err(serde::de::Error::custom(format!("repeated key `{key}`")));
                }
                map.next_value::<Checked>()?;
            }
            Ok(Checked)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
            while seq.next_element::<Checked>()?.is_some() {}
            Ok(Checked)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_unit<E>(self) -> Result<Checked, E> {
            Ok(Checked)
        }
    }
    if let Err(e) = serde_json::from_str::<Checked>(text) {
        panic!("{e}");
    }
}

#[test]
fn secondary_license_conditions_do_not_repeat_the_confidence_key() {
    let text = stdout(&earmark(&[
        "check",
        "nvidia-h200-sxm",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2026-02-01",
        "--format",
        "json",
    ]));
    assert_no_repeated_keys(&text);
}

#[test]
fn an_end_user_screened_onto_the_entity_list_needs_a_license() {
    let d = json(&[
        "check",
        "nvidia-h20",
        "--exporter",
        "nvidia",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--end-user",
        "Moore Threads",
        "--as-of",
        "2024-06-01",
    ]);
    assert_eq!(d["outcome"], "license_required");
    let rules: Vec<&str> = d["determining_rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert!(rules.contains(&"el-listed"), "{rules:?}");
    let s = &d["parties"][0];
    assert_eq!(s["status"], "listed");
    assert_eq!(s["entity_list"]["source_id"], "EL-0846");
    // Replayable: the lists screened are named by content hash.
    assert!(d["data"]["lists"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["content_hash"].as_str().unwrap().starts_with("sha256:")));
}

#[test]
fn a_possible_entity_list_match_leaves_the_decision_indeterminate() {
    let d = json(&[
        "check",
        "nvidia-l20",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--end-user",
        "Huawei",
        "--as-of",
        "2024-06-01",
    ]);
    assert_eq!(d["parties"][0]["status"], "possible_match");
    assert_eq!(d["outcome"], "indeterminate");
    assert_eq!(d["license_required"], serde_json::Value::Null);
    assert!(d["missing"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["field"] == "end_user_list"));
}

#[test]
fn an_entity_list_entry_added_after_the_as_of_date_is_not_counted() {
    // Sophgo was listed on 2025-01-16 (90 FR 4622).
    let before = json(&[
        "check",
        "nvidia-h20",
        "--exporter",
        "nvidia",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--end-user",
        "Sophgo Technologies Ltd",
        "--as-of",
        "2024-06-01",
    ]);
    assert_eq!(before["parties"][0]["status"], "not_listed");
    assert_eq!(before["outcome"], "no_license_required");
    let after = json(&[
        "check",
        "nvidia-h20",
        "--exporter",
        "nvidia",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--end-user",
        "Sophgo Technologies Ltd",
        "--as-of",
        "2025-03-01",
    ]);
    assert_eq!(after["parties"][0]["status"], "listed");
    assert_eq!(after["outcome"], "license_required");
}

#[test]
fn an_unknown_parent_is_indeterminate_not_assumed_local() {
    // A Malaysian subsidiary of a Chinese parent is caught by the headquarters rule; with the
    // parent not given the answer must not read as clear.
    let unknown = json(&[
        "check",
        "nvidia-h200-sxm",
        "--to",
        "MY",
        "--end-user-hq",
        "MY",
        "--as-of",
        "2026-03-01",
    ]);
    assert_eq!(unknown["outcome"], "indeterminate");
    assert!(unknown["missing"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["field"] == "parent_hq"));
    let chinese_parent = json(&[
        "check",
        "nvidia-h200-sxm",
        "--to",
        "MY",
        "--end-user-hq",
        "MY",
        "--parent-hq",
        "CN",
        "--as-of",
        "2026-03-01",
    ]);
    assert_eq!(chinese_parent["outcome"], "license_required");
    let local = json(&[
        "check",
        "nvidia-h200-sxm",
        "--to",
        "MY",
        "--end-user-hq",
        "MY",
        "--parent-hq",
        "same",
        "--as-of",
        "2026-03-01",
    ]);
    assert_eq!(local["outcome"], "no_license_required");
}

#[test]
fn an_instrument_counts_from_its_effective_date_unless_known_on_says_otherwise() {
    // The H20 letter: effective 2025-04-09, public 2025-04-15.
    let now = json(&[
        "check",
        "nvidia-h20",
        "--exporter",
        "nvidia",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2025-04-10",
    ]);
    assert_eq!(now["outcome"], "license_required");
    let then = json(&[
        "check",
        "nvidia-h20",
        "--exporter",
        "nvidia",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2025-04-10",
        "--known-on",
        "2025-04-10",
    ]);
    assert_eq!(then["outcome"], "no_license_required");
}

#[test]
fn a_decision_that_rests_on_the_tf32_reading_says_so() {
    // Trainium2: TF32 at its BF16 rate gives TPP 21,344 at 32 bits (above the January 2026
    // gate) and 12,673 at 19 bits (inside it).
    let d = json(&[
        "check",
        "aws-trainium2",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2026-03-01",
    ]);
    assert_eq!(d["review_policy"], "presumption_of_denial");
    assert!(d["uncertain"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["id"] == "tf32-bit-length"));
    let h200 = json(&[
        "check",
        "nvidia-h200-sxm",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2026-03-01",
    ]);
    assert!(!h200["uncertain"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["id"] == "tf32-bit-length"));
}

#[test]
fn a_date_past_the_packs_verified_date_is_indeterminate_not_cleared() {
    let is_outside =
        |d: &serde_json::Value| {
            d["outcome"] == "indeterminate"
                && d["missing"].as_array().unwrap().iter().any(|m| {
                    m["field"] == "as_of" && m["why"].as_str().unwrap().contains("2026-09-19")
                })
        };
    let late = json(&[
        "check",
        "nvidia-h200-sxm",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2026-11-01",
    ]);
    assert!(is_outside(&late), "{late}");
    assert!(late["headline"].as_str().unwrap().contains("coverage"));
    let early = json(&[
        "check",
        "nvidia-h200-sxm",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2026-02-01",
    ]);
    assert!(!is_outside(&early), "{early}");
}

#[test]
fn an_h100_to_north_korea_before_the_pack_starts_is_indeterminate_not_cleared() {
    let out = earmark(&[
        "check",
        "nvidia-h100-sxm",
        "--to",
        "KP",
        "--end-user-hq",
        "KP",
        "--as-of",
        "2022-02-23",
    ]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "exit code of an indeterminate answer"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("INDETERMINATE"), "{text}");
    assert!(!text.contains("NO LICENSE REQUIRED"), "{text}");
}

#[test]
fn check_names_a_stale_list_in_the_decision_not_only_in_lists_status() {
    let args = [
        "check",
        "nvidia-h20",
        "--exporter",
        "nvidia",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--end-user",
        "Moore Threads",
        "--as-of",
        "2024-06-01",
    ];
    let d = json(&args);
    let warnings = d["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("days old")),
        "the bundled lists of 2026-07-31 are older than 7 days: {warnings:?}"
    );
    let mut lenient = args.to_vec();
    lenient.extend(["--max-list-age-days", "100000"]);
    let d = json(&lenient);
    assert!(
        !d["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("days old")),
        "{}",
        d["warnings"]
    );
}

#[test]
fn check_exit_codes_say_clear_license_review_or_blocked() {
    let code = |args: &[&str]| earmark(args).status.code();
    // No license required: 0.
    assert_eq!(
        code(&[
            "check",
            "nvidia-h20",
            "--exporter",
            "nvidia",
            "--to",
            "DE",
            "--end-user-hq",
            "DE",
            "--parent-hq",
            "same",
            "--as-of",
            "2024-06-01"
        ]),
        Some(0)
    );
    // License required: 3.
    assert_eq!(
        code(&[
            "check",
            "nvidia-h20",
            "--exporter",
            "nvidia",
            "--to",
            "CN",
            "--end-user-hq",
            "CN",
            "--as-of",
            "2025-04-20"
        ]),
        Some(3)
    );
    // Indeterminate: 4.
    assert_eq!(
        code(&[
            "check",
            "nvidia-h100-sxm",
            "--to",
            "MY",
            "--as-of",
            "2024-06-01"
        ]),
        Some(4)
    );
    // Prohibited: 5.
    assert_eq!(
        code(&[
            "check",
            "huawei-ascend-910b",
            "--to",
            "DE",
            "--end-user-hq",
            "DE",
            "--parent-hq",
            "same",
            "--as-of",
            "2025-06-01"
        ]),
        Some(5)
    );
    // Bad input: 2.
    assert_eq!(code(&["check", "nvidia-h20", "--to", "XX"]), Some(2));
}

#[test]
fn check_end_user_without_an_entity_list_is_unknown_not_no_entry_came_close() {
    // Only OFAC's SDN list is loaded: nothing can say whether the end user is on the Entity
    // List, so the party question is not answered and the Entity List rules are undecided.
    let sdn = format!(
        "ofac:{}/../shared/data/screening/ofac_sdn_2024-05@2024-05-31",
        workspace().display()
    );
    let out = earmark(&[
        "check",
        "nvidia-l20",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--end-user",
        "Moore Threads",
        "--as-of",
        "2024-06-01",
        "--max-list-age-days",
        "100000",
        "--lists",
        &sdn,
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["parties"][0]["status"], "unknown");
    assert_eq!(d["parties"][0]["basis"], "no_entity_list");
    assert_ne!(d["outcome"], "no_license_required");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("came close"));
    assert!(d["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("Entity List")));
}

#[test]
fn a_known_on_date_before_the_pack_starts_is_indeterminate_not_cleared() {
    // Known on 2022-02-23 nothing of the pack was public (it starts on 2022-02-24, and the
    // embargoes in force then are not encoded before it): "nothing applies" cleared an H100 to
    // North Korea with exit 0.
    let out = earmark(&[
        "check",
        "nvidia-h100-sxm",
        "--to",
        "KP",
        "--end-user-hq",
        "KP",
        "--parent-hq",
        "same",
        "--as-of",
        "2022-10-07",
        "--known-on",
        "2022-02-23",
    ]);
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("INDETERMINATE"), "{text}");
    assert!(text.contains("missing `known_on`"), "{text}");
}
