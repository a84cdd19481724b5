//! The loaders on the real list files in ../shared/data/screening (beside the checkout).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

use earmark_screen::load::{csl, decode_cp1252, dpl, entity_list, ofac};
use earmark_screen::{EntryKind, Format};

fn data(path: &str) -> Vec<u8> {
    let full = format!(
        "{}/../../../shared/data/screening/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn sdn_2021() -> earmark_screen::Loaded {
    let (sdn, alt, add, com) = (
        data("ofac_sdn_2021-07/sdn.csv"),
        data("ofac_sdn_2021-07/alt.csv"),
        data("ofac_sdn_2021-07/add.csv"),
        data("ofac_sdn_2021-07/sdn_comments.csv"),
    );
    let files = ofac::OfacFiles {
        primary: ("sdn.csv", &sdn),
        aliases: Some(("alt.csv", &alt)),
        addresses: Some(("add.csv", &add)),
        comments: Some(("sdn_comments.csv", &com)),
    };
    ofac::load(&files, false, Some("2021-07-07")).unwrap()
}

#[test]
fn ofac_sdn_2021_loads_every_record_with_aliases_and_addresses() {
    let l = sdn_2021();
    assert_eq!(l.entries.len(), 8976, "sdn.csv has 8,976 records");
    assert!(
        l.issues.is_empty(),
        "{:?}",
        &l.issues[..l.issues.len().min(5)]
    );
    assert_eq!(l.info.format, Format::Ofac);
    assert_eq!(l.info.records, 8976);
    assert!(l.info.content_hash.starts_with("sha256:"));
    let cuba = l.entries.iter().find(|e| e.source_id == "306").unwrap();
    assert_eq!(cuba.name, "BANCO NACIONAL DE CUBA");
    assert_eq!(cuba.list, "SDN");
    assert!(cuba.aliases.contains(&"NATIONAL BANK OF CUBA".to_string()));
    // The weak alias that only the remarks carry.
    assert!(cuba.aliases.contains(&"BNC".to_string()));
    assert!(
        cuba.countries.contains(&"CH".to_string()),
        "{:?}",
        cuba.countries
    );
    assert_eq!(cuba.programs, vec!["CUBA".to_string()]);
    let people = l
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::Person)
        .count();
    assert!(people > 3000, "{people} people");
    let aliases: usize = l.entries.iter().map(|e| e.aliases.len()).sum();
    assert!(aliases >= 11_910, "{aliases} aliases");
}

#[test]
fn trailing_ctrl_z_is_not_a_record() {
    let sdn = data("ofac_sdn_2021-07/sdn.csv");
    assert_eq!(sdn.last(), Some(&0x1A), "the real file ends with Ctrl-Z");
    let files = ofac::OfacFiles {
        primary: ("sdn.csv", &sdn),
        ..Default::default()
    };
    let l = ofac::load(&files, false, None).unwrap();
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let last = l.entries.last().unwrap();
    assert!(!last.name.contains('\u{1a}'));
    assert!(l.entries.iter().all(|e| !e.source_id.contains('\u{1a}')));
}

#[test]
fn remark_overflow_from_comments_file_is_appended() {
    let l = sdn_2021();
    let e = l.entries.iter().find(|e| e.source_id == "12300").unwrap();
    assert!(e.remarks.as_deref().unwrap().contains("Linked To: R D I S"));
}

#[test]
fn malformed_ofac_rows_are_reported_with_line_and_skipped() {
    let mut sdn = data("ofac_sdn_2021-07/sdn.csv");
    // Line 3 becomes a row of three fields; line 5 gets a non-numeric ent_num.
    let text = String::from_utf8(sdn.clone()).unwrap();
    let mut lines: Vec<String> = text.split("\r\n").map(str::to_string).collect();
    lines[2] = "999999,\"SHORT ROW\",-0- ".to_string();
    lines[4] = lines[4].replacen("475", "X75", 1);
    sdn = lines.join("\r\n").into_bytes();
    let files = ofac::OfacFiles {
        primary: ("sdn.csv", &sdn),
        ..Default::default()
    };
    let l = ofac::load(&files, false, None).unwrap();
    assert_eq!(l.entries.len(), 8974);
    assert_eq!(l.issues.len(), 2, "{:?}", l.issues);
    assert_eq!(l.issues[0].line, 3);
    assert!(
        l.issues[0].reason.contains("expected 12 fields"),
        "{}",
        l.issues[0]
    );
    assert_eq!(l.issues[1].line, 5);
    assert!(l.issues[1].reason.contains("`X75`"), "{}", l.issues[1]);
    assert_eq!(
        l.issues[0].to_string(),
        format!("sdn.csv:3: {}", l.issues[0].reason)
    );
}

#[test]
fn aliases_of_missing_entries_are_reported_not_fatal() {
    // The 2025 alias file against the 2024 primary file: 1,468 aliases have no entry.
    let sdn = data("ofac_sdn_2024-05/sdn.csv");
    let alt = data("ofac_sdn_2025-02_partial/alt.csv");
    let files = ofac::OfacFiles {
        primary: ("sdn.csv", &sdn),
        aliases: Some(("alt.csv", &alt)),
        ..Default::default()
    };
    let l = ofac::load(&files, false, None).unwrap();
    assert_eq!(l.entries.len(), 14_965);
    let unjoined = l
        .issues
        .iter()
        .filter(|i| i.source == "alt.csv" && i.reason.contains("not in the primary file"))
        .count();
    assert_eq!(unjoined, 19_486 - 18_018);
}

#[test]
fn ofac_consolidated_list_codes_come_from_programmes() {
    let prim = data("ofac_cons_2025-12/cons_prim.csv");
    let alt = data("ofac_cons_2025-12/cons_alt.csv");
    let add = data("ofac_cons_2025-12/cons_add.csv");
    let com = data("ofac_cons_2025-12/cons_comments.csv");
    let files = ofac::OfacFiles {
        primary: ("cons_prim.csv", &prim),
        aliases: Some(("cons_alt.csv", &alt)),
        addresses: Some(("cons_add.csv", &add)),
        comments: Some(("cons_comments.csv", &com)),
    };
    let l = ofac::load(&files, true, None).unwrap();
    assert_eq!(l.entries.len(), 442);
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let cmic = l.entries.iter().filter(|e| e.list == "CMIC").count();
    assert_eq!(cmic, 68, "68 Chinese military-industrial complex companies");
    let haniya = l.entries.iter().find(|e| e.source_id == "9639").unwrap();
    assert_eq!(haniya.list, "PLC");
    assert!(haniya.aliases.iter().any(|a| a == "HANIYA, Ismail"));
}

#[test]
fn csl_compact_2026_loads_all_twelve_lists() {
    let l = csl::load(
        "screening-list.json",
        &data("csl_2026-07_compact/screening-list.json"),
        None,
    )
    .unwrap();
    assert_eq!(l.entries.len(), 25_921);
    assert!(l.issues.is_empty());
    assert_eq!(
        l.info.date.as_deref(),
        Some("2026-07-31"),
        "date from sourceGeneratedAt"
    );
    let count = |code: &str| l.entries.iter().filter(|e| e.list == code).count();
    for (code, n) in [
        ("SDN", 19_181),
        ("EL", 3_420),
        ("DPL", 1_596),
        ("DTC", 787),
        ("SSI", 286),
        ("UVL", 222),
        ("ISN", 161),
        ("PLC", 78),
        ("MEU", 70),
        ("CMIC", 68),
        ("NS-MBS", 51),
        ("CAP", 1),
    ] {
        assert_eq!(count(code), n, "{code}");
    }
    let telecom = l
        .entries
        .iter()
        .find(|e| e.name == "China Telecom Corporation Limited")
        .unwrap();
    assert_eq!(telecom.source_id, "CMIC-30882");
    assert_eq!(telecom.countries, vec!["CN".to_string()]);
    assert!(telecom
        .aliases
        .contains(&"CHINA TELECOM CORP LTD".to_string()));
    // Entries without an entity number get a content-derived id, stable across loads.
    let dpl: Vec<&str> = l
        .entries
        .iter()
        .filter(|e| e.list == "DPL")
        .map(|e| e.source_id.as_str())
        .collect();
    assert!(dpl.iter().all(|id| id.starts_with("DPL-")));
    let again = csl::load("x", &data("csl_2026-07_compact/screening-list.json"), None).unwrap();
    assert_eq!(again.entries[5000].source_id, l.entries[5000].source_id);
}

#[test]
fn csl_csv_old_layout_2019() {
    let l = csl::load("csl.csv", &data("csl_samples/csl_sample_2019.csv"), None).unwrap();
    assert_eq!(l.entries.len(), 115);
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let count = |code: &str| l.entries.iter().filter(|e| e.list == code).count();
    assert_eq!(count("EL"), 22);
    assert_eq!(count("SDN"), 28);
    assert_eq!(count("DPL"), 8);
}

#[test]
fn csl_csv_current_layout_uses_the_csl_id() {
    let l = csl::load(
        "consolidated.csv",
        &data("csl_samples/csl_sample_2025.csv"),
        None,
    )
    .unwrap();
    assert_eq!(l.entries.len(), 13);
    let uvl = l
        .entries
        .iter()
        .find(|e| e.name == "Atlas Sanatgaran")
        .unwrap();
    assert_eq!(
        uvl.source_id,
        "1b5979e8fd3920a1a0985bf5088dad930a6a5562d1513f9e4b015e42"
    );
    assert_eq!(uvl.list, "UVL");
    assert_eq!(uvl.countries, vec!["AM".to_string()]);
}

#[test]
fn csl_json_layout_loads_the_same_records_as_the_csv() {
    // The bulk JSON layout, built from the real current-layout CSV sample row by row.
    let bytes = data("csl_samples/csl_sample_2025.csv");
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let headers = r.headers().unwrap().clone();
    let mut results = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let mut obj = serde_json::Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            let value = match h {
                "alt_names" | "programs" => serde_json::Value::from(
                    v.split("; ")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect::<Vec<_>>(),
                ),
                "_id" => {
                    obj.insert("id".into(), v.into());
                    continue;
                }
                _ => v.into(),
            };
            obj.insert(h.to_string(), value);
        }
        results.push(serde_json::Value::Object(obj));
    }
    let json = serde_json::json!({ "results": results }).to_string();
    let from_json = csl::load("consolidated.json", json.as_bytes(), None).unwrap();
    let from_csv = csl::load("consolidated.csv", &bytes, None).unwrap();
    assert_eq!(from_json.entries.len(), from_csv.entries.len());
    for (a, b) in from_json.entries.iter().zip(&from_csv.entries) {
        assert_eq!(
            (&a.name, &a.source_id, &a.list),
            (&b.name, &b.source_id, &b.list)
        );
        assert_eq!(a.aliases, b.aliases);
    }
}

#[test]
fn csl_json_bad_records_are_counted() {
    let json = r#"{"results": [{"name": "GOOD ONE", "source": "Entity List (EL) - Bureau of Industry and Security"}, 42, {"source": "x"}]}"#;
    let l = csl::load("bad.json", json.as_bytes(), None).unwrap();
    assert_eq!(l.entries.len(), 1);
    assert_eq!(l.issues.len(), 2);
    assert!(
        l.issues[0].reason.starts_with("record 2"),
        "{}",
        l.issues[0]
    );
    assert!(csl::load("x.json", b"{\"results\": 3}", None).is_err());
    assert!(csl::load("x.json", b"{ not json", None).is_err());
}

#[test]
fn bis_denied_persons_tab_separated() {
    let l = dpl::load("dpl.txt", &data("bis_dpl_2022-09/dpl.txt"), None).unwrap();
    assert_eq!(l.entries.len() + l.issues.len(), 581);
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let villa = l
        .entries
        .iter()
        .find(|e| e.name == "AARON ABRAHAM VILLA")
        .unwrap();
    assert_eq!(villa.list, "DPL");
    assert!(villa.addresses[0].contains("EL PASO"));
    assert_eq!(villa.citations, vec!["87 F.R. 52741 8/29/2022".to_string()]);
}

#[test]
fn entity_list_whole_list_with_addresses_and_footnotes() {
    let l = entity_list::load(
        "entities_all.csv",
        &data("entity_list_extract/entities_all.csv"),
        None,
    )
    .unwrap();
    assert_eq!(l.entries.len(), 3431);
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let address_only: Vec<_> = l
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::AddressOnly)
        .collect();
    assert!(address_only.len() >= 18, "{}", address_only.len());
    let a1 = l.entries.iter().find(|e| e.source_id == "EL-1431").unwrap();
    assert_eq!(a1.kind, EntryKind::AddressOnly);
    assert!(a1.addresses[0].contains("One Capital Place"));
    let fn4 = l
        .entries
        .iter()
        .filter(|e| e.footnotes.iter().any(|f| f == "FN4"))
        .count();
    assert_eq!(fn4, 96);
    let huawei = l
        .entries
        .iter()
        .find(|e| e.name == "Huawei Technologies Co., Ltd.")
        .unwrap();
    assert_eq!(huawei.countries, vec!["CN".to_string()]);
    assert!(huawei.license_policy.is_some());
}

#[test]
fn entity_list_old_bis_layout_merges_alias_rows() {
    let l = entity_list::load(
        "el.csv",
        &data("csl_samples/bis_entity_list_format_sample.csv"),
        None,
    )
    .unwrap();
    let farid = l
        .entries
        .iter()
        .find(|e| e.name == "Fazal Rahim Farid")
        .unwrap();
    assert_eq!(farid.countries, vec!["AF".to_string()]);
    for a in ["Fazel Rahim Farid", "Farid", "Engineer Idris"] {
        assert!(
            farid.aliases.iter().any(|x| x == a),
            "{a}: {:?}",
            farid.aliases
        );
    }
    assert_eq!(farid.addresses.len(), 2);
}

#[test]
fn cp1252_names_decode() {
    let bytes = data("csl_samples/bis_unverified_list_format_sample.csv");
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the sample is not UTF-8"
    );
    let l = entity_list::load("uvl.csv", &bytes, None).unwrap();
    let advent = l
        .entries
        .iter()
        .find(|e| e.name == "Advent International Limited")
        .unwrap();
    assert!(
        advent.addresses[0].contains("53\u{2013}59 Wuhu Street"),
        "{:?}",
        advent.addresses
    );
    let training = l
        .entries
        .iter()
        .find(|e| e.name == "Training 2 Business Academy")
        .unwrap();
    assert!(training.aliases.iter().any(|a| a == "T2BA"));
    assert_eq!(decode_cp1252(b"caf\xe9 \x80 \x9c"), "café € œ");
}

#[test]
fn unrecognised_files_are_errors_not_empty_lists() {
    assert!(dpl::load("x", b"a,b,c\n1,2,3\n", None).is_err());
    assert!(entity_list::load("x", b"foo,bar\n1,2\n", None).is_err());
    assert!(csl::load("x", b"", None).is_err());
    let files = ofac::OfacFiles {
        primary: ("empty.csv", b"\x1a"),
        ..Default::default()
    };
    let err = ofac::load(&files, false, None).unwrap_err();
    assert!(err.to_string().contains("`empty.csv`"), "{err}");
}
