//! Broken list input must never load as a shorter list, and so screen as "no match": empty
//! files, files of another format, files cut short, files missing announced entries. Built
//! from the real list files in ../shared/data/screening, damaged the way downloads get damaged.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

use earmark_screen::load::{csl, dpl, entity_list, ofac, strip_footnote_markers};
use earmark_screen::{build_index, LoadError, Loaded, Query, Thresholds};

fn data(path: &str) -> Vec<u8> {
    let full = format!(
        "{}/../../../shared/data/screening/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn sdn_only(label: &str, bytes: &[u8]) -> Result<Loaded, LoadError> {
    let files = ofac::OfacFiles {
        primary: (label, bytes),
        ..Default::default()
    };
    ofac::load(&files, false, None)
}

/// The bytes up to the `n`-th occurrence of `needle` (exclusive), for cutting a file at a
/// known place.
fn cut_before_nth(bytes: &[u8], needle: &[u8], n: usize) -> Vec<u8> {
    let mut seen = 0;
    for i in 0..bytes.len() {
        if bytes[i..].starts_with(needle) {
            seen += 1;
            if seen == n {
                return bytes[..i].to_vec();
            }
        }
    }
    panic!("fewer than {n} occurrences");
}

#[test]
fn a_list_file_with_zero_records_is_an_error() {
    let header_only_el = b"id,name,aliases,country,addresses,federal_register_citation,date_added,footnote,license_requirement,license_review_policy,source_url\n";
    let cases: Vec<(&str, Result<Loaded, LoadError>)> = vec![
        ("ofac empty", sdn_only("sdn.csv", b"")),
        ("ofac ctrl-z only", sdn_only("sdn.csv", b"\r\n\x1a")),
        ("csl empty", csl::load("c.csv", b"  \n", None)),
        (
            "csl csv header only",
            csl::load("c.csv", b"_id,source,name,alt_names\n", None),
        ),
        (
            "csl json no results",
            csl::load("c.json", br#"{"results": []}"#, None),
        ),
        (
            "csl compact no entries",
            csl::load("c.json", br#"{"entries": [], "tables": {}}"#, None),
        ),
        ("dpl header only", dpl::load("d.txt", b"Name\tCity\n", None)),
        (
            "entity list header only",
            entity_list::load("e.csv", header_only_el, None),
        ),
    ];
    for (what, result) in cases {
        match result {
            Err(e @ LoadError::NoRecords { .. }) => {
                assert!(e.to_string().contains("holds no records"), "{what}: {e}")
            }
            other => panic!("{what}: expected no records, got {other:?}"),
        }
    }
}

fn wrong_format(result: Result<Loaded, LoadError>) -> String {
    match result {
        Err(e @ LoadError::WrongFormat { .. }) => e.to_string(),
        Err(e) => panic!("expected a wrong-format error, got: {e}"),
        Ok(l) => panic!(
            "expected a wrong-format error, loaded {} entries",
            l.entries.len()
        ),
    }
}

#[test]
fn the_csl_json_given_as_ofac_is_refused_as_json() {
    let json = data("csl_2026-07_compact/screening-list.json");
    let msg = wrong_format(sdn_only("screening-list.json", &json));
    assert_eq!(
        msg,
        "`screening-list.json` is not an OFAC SDN CSV (sdn.csv): it looks like JSON"
    );
}

#[test]
fn a_passwd_file_given_as_ofac_is_refused() {
    let passwd = b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nbin:x:2:2:bin:/bin:/usr/sbin/nologin\n";
    let msg = wrong_format(sdn_only("/etc/passwd", passwd));
    assert!(
        msg.contains("is not an OFAC SDN CSV") && msg.contains("`root:x:0:0:root:/root:/bin/bash`"),
        "{msg}"
    );
}

#[test]
fn ofac_alt_csv_given_as_the_sdn_file_is_refused_naming_what_it_is() {
    let alt = data("ofac_sdn_2021-07/alt.csv");
    let msg = wrong_format(sdn_only("alt.csv", &alt));
    assert!(msg.contains("5 fields"), "{msg}");
    assert!(msg.contains("OFAC's alt.csv"), "{msg}");
}

#[test]
fn ofac_add_csv_given_as_the_alias_file_is_refused() {
    let sdn = data("ofac_sdn_2021-07/sdn.csv");
    let add = data("ofac_sdn_2021-07/add.csv");
    let files = ofac::OfacFiles {
        primary: ("sdn.csv", &sdn),
        aliases: Some(("add.csv", &add)),
        ..Default::default()
    };
    let msg = wrong_format(ofac::load(&files, false, None));
    assert!(
        msg.starts_with("`add.csv` is not an OFAC alias file") && msg.contains("OFAC's add.csv"),
        "{msg}"
    );
}

#[test]
fn an_ofac_file_whose_rows_are_mostly_unreadable_is_the_wrong_format() {
    // Every row merged with its neighbour: 24 fields a row, the shape of no OFAC file; the
    // few rows left over would otherwise load as a list of a handful of entries.
    let sdn = data("ofac_sdn_2021-07/sdn.csv");
    let text = String::from_utf8_lossy(&sdn).to_string();
    let lines: Vec<&str> = text.split("\r\n").collect();
    let merged: Vec<String> = lines.chunks(2).map(|c| c.join(",")).collect();
    let msg = wrong_format(sdn_only("sdn.csv", merged.join("\r\n").as_bytes()));
    assert!(msg.contains("24 fields"), "{msg}");
}

#[test]
fn an_entity_list_csv_given_as_dpl_is_refused() {
    let el = data("entity_list_extract/entities.csv");
    let msg = wrong_format(dpl::load("entities.csv", &el, None));
    assert!(msg.contains("it looks like an Entity List CSV"), "{msg}");
}

#[test]
fn a_csl_csv_given_as_entity_list_is_refused() {
    let c = data("csl_samples/csl_sample_2025.csv");
    let msg = wrong_format(entity_list::load("consolidated.csv", &c, None));
    assert!(
        msg.contains("it looks like a Consolidated Screening List CSV"),
        "{msg}"
    );
}

#[test]
fn a_dpl_given_as_csl_is_refused() {
    let d = data("bis_dpl_2022-09/dpl.txt");
    let msg = wrong_format(csl::load("dpl.txt", &d, None));
    assert!(
        msg.contains("tab-separated") && msg.contains("`Name`"),
        "{msg}"
    );
}

#[test]
fn a_json_file_that_is_not_the_csl_is_refused_naming_its_keys() {
    let sec = data("negatives/sec_company_tickers.json");
    let msg = wrong_format(csl::load("tickers.json", &sec, None));
    assert!(msg.contains("it is JSON with the keys `0`"), "{msg}");
}

fn truncated(result: Result<Loaded, LoadError>) -> String {
    match result {
        Err(e @ LoadError::Truncated { .. }) => e.to_string(),
        Err(e) => panic!("expected a truncation error, got: {e}"),
        Ok(l) => panic!(
            "expected a truncation error, loaded {} entries",
            l.entries.len()
        ),
    }
}

#[test]
fn an_sdn_file_cut_mid_record_without_its_end_marker_is_truncated() {
    let sdn = data("ofac_sdn_2021-07/sdn.csv");
    // Cut inside the remarks of the 5,000th record: a quoted field left open.
    let mut cut = cut_before_nth(&sdn, b"\r\n", 5000);
    cut.extend_from_slice(b"\r\n12345,\"SOME NAME\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1970; a.k.a. 'SO");
    let msg = truncated(sdn_only("sdn.csv", &cut));
    assert!(msg.contains("line 5001") && msg.contains("lost"), "{msg}");

    // Cut after the sixth field of a record: the row is short.
    let mut cut = cut_before_nth(&sdn, b"\r\n", 5000);
    cut.extend_from_slice(b"\r\n12345,\"SOME NAME\",\"individual\",\"SDGT\",-0- ,-0- ");
    let msg = truncated(sdn_only("sdn.csv", &cut));
    assert!(msg.contains("6 of its 12 fields"), "{msg}");
}

#[test]
fn an_sdn_file_cut_at_a_row_boundary_loads_only_with_a_warning() {
    let sdn = data("ofac_sdn_2021-07/sdn.csv");
    let cut = cut_before_nth(&sdn, b"\r\n", 5000);
    let l = sdn_only("sdn.csv", &cut).unwrap();
    assert_eq!(l.entries.len(), 5000);
    assert_eq!(l.info.warnings.len(), 1, "{:?}", l.info.warnings);
    let w = &l.info.warnings[0];
    assert!(
        w.contains("end-of-file marker (Ctrl-Z)") && w.contains("after line 5000"),
        "{w}"
    );
    // The whole file, marker and all, carries no such warning.
    assert!(sdn_only("sdn.csv", &sdn).unwrap().info.warnings.is_empty());
}

#[test]
fn an_alias_file_cut_mid_record_is_truncated() {
    let sdn = data("ofac_sdn_2021-07/sdn.csv");
    let alt = data("ofac_sdn_2021-07/alt.csv");
    let mut cut = cut_before_nth(&alt, b"\r\n", 300);
    cut.extend_from_slice(b"\r\n306,1234,\"a.k.a.\",\"NATIONAL BA");
    let files = ofac::OfacFiles {
        primary: ("sdn.csv", &sdn),
        aliases: Some(("alt.csv", &cut)),
        ..Default::default()
    };
    let msg = truncated(ofac::load(&files, false, None));
    assert!(msg.starts_with("`alt.csv` is cut short"), "{msg}");
}

#[test]
fn an_entity_list_csv_whose_last_row_is_cut_is_truncated() {
    let el = data("entity_list_extract/entities_all.csv");
    // Cut inside the quoted addresses of Huawei's row.
    let at = el.windows(12).position(|w| w == b"Bantian Huaw").unwrap();
    let msg = truncated(entity_list::load("el.csv", &el[..at], None));
    assert!(msg.contains("inside a quoted field"), "{msg}");
    // Cut between fields: the last row is short.
    let line_end = at + el[at..].iter().position(|&b| b == b'\n').unwrap();
    let row_start = el[..line_end].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    let mut short = el[..row_start].to_vec();
    short.extend_from_slice(b"EL-9999,Some Name,,CN");
    let msg = truncated(entity_list::load("el.csv", &short, None));
    assert!(msg.contains("has 4 of its 11 fields"), "{msg}");
}

#[test]
fn a_csl_csv_whose_last_row_is_cut_is_truncated() {
    let c = data("csl_samples/csl_sample_2019.csv");
    let cut = &c[..c.len() * 2 / 3];
    let msg = truncated(csl::load("csl.csv", cut, None));
    assert!(msg.contains("the last row (line"), "{msg}");
}

#[test]
fn a_dpl_whose_last_row_is_cut_is_truncated() {
    let d = data("bis_dpl_2022-09/dpl.txt");
    let mut cut = cut_before_nth(&d, b"\n", 300);
    cut.extend_from_slice(b"\nSOME NAME\tSOME STREET\tEL PASO");
    let msg = truncated(dpl::load("dpl.txt", &cut, None));
    assert!(msg.contains("3 of its"), "{msg}");
}

#[test]
fn a_csl_json_cut_short_is_truncated() {
    let json = data("csl_2026-07_compact/screening-list.json");
    let msg = truncated(csl::load("csl.json", &json[..json.len() / 2], None));
    assert!(msg.contains("before it is closed"), "{msg}");
}

#[test]
fn a_csl_compact_json_missing_announced_entries_is_an_error() {
    let json = data("csl_2026-07_compact/screening-list.json");
    let mut root: serde_json::Value = serde_json::from_slice(&json).unwrap();
    root["entries"].as_array_mut().unwrap().truncate(25_000);
    let bytes = serde_json::to_vec(&root).unwrap();
    let err = csl::load("csl.json", &bytes, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`csl.json` holds 25000 of the 25921 entries its `entryCount` announces: 921 are missing"
    );
}

#[test]
fn a_csl_compact_json_missing_one_lists_entries_is_an_error() {
    // The total is doctored to match, but one list lost entries.
    let json = data("csl_2026-07_compact/screening-list.json");
    let mut root: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let sources = root["tables"]["sources"].clone();
    let el = sources
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s.as_str().unwrap().starts_with("Entity List"))
        .unwrap() as u64;
    let entries = root["entries"].as_array_mut().unwrap();
    let mut dropped = 0;
    entries.retain(|e| {
        let drop = e["s"].as_u64() == Some(el) && dropped < 20;
        dropped += usize::from(drop);
        !drop
    });
    root["entryCount"] = serde_json::json!(25_901);
    let bytes = serde_json::to_vec(&root).unwrap();
    let msg = csl::load("csl.json", &bytes, None).unwrap_err().to_string();
    assert!(
        msg.contains("holds 3400 of the 3420") && msg.contains("Entity List (EL)"),
        "{msg}"
    );
}

#[test]
fn a_paged_csl_api_answer_is_refused() {
    let json = br#"{"total": 25921, "results": [{"name": "HUAWEI TECHNOLOGIES CO., LTD.", "source": "Entity List (EL) - Bureau of Industry and Security"}]}"#;
    let err = csl::load("page1.json", json, None).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::MissingEntries {
                held: 1,
                announced: 25921,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_csl_json_with_more_entries_than_announced_loads_with_a_warning() {
    let json =
        br#"{"total": 1, "results": [{"name": "A", "source": "x"}, {"name": "B", "source": "x"}]}"#;
    let l = csl::load("c.json", json, None).unwrap();
    assert_eq!(
        l.info.warnings,
        vec!["`c.json` holds 2 entries but its `total` announces 1".to_string()]
    );
}

#[test]
fn the_real_list_files_load_without_warnings() {
    let ofac_sets: [(&str, &[&str]); 3] = [
        (
            "ofac_sdn_2021-07",
            &["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"],
        ),
        ("ofac_sdn_2024-05", &["sdn.csv"]),
        (
            "ofac_cons_2025-12",
            &[
                "cons_prim.csv",
                "cons_alt.csv",
                "cons_add.csv",
                "cons_comments.csv",
            ],
        ),
    ];
    for (dir, names) in ofac_sets {
        let bytes: Vec<Vec<u8>> = names.iter().map(|n| data(&format!("{dir}/{n}"))).collect();
        let pick = |i: usize| bytes.get(i).map(|b| (names[i], b.as_slice()));
        let files = ofac::OfacFiles {
            primary: (names[0], &bytes[0]),
            aliases: pick(1),
            addresses: pick(2),
            comments: pick(3),
        };
        let l = ofac::load(&files, dir.contains("cons"), None).unwrap();
        assert!(l.info.warnings.is_empty(), "{dir}: {:?}", l.info.warnings);
        assert!(
            l.issues.is_empty(),
            "{dir}: {:?}",
            &l.issues[..3.min(l.issues.len())]
        );
    }
    let others: Vec<Loaded> = vec![
        csl::load("c", &data("csl_2026-07_compact/screening-list.json"), None).unwrap(),
        csl::load("c", &data("csl_samples/csl_sample_2019.csv"), None).unwrap(),
        csl::load("c", &data("csl_samples/csl_sample_2025.csv"), None).unwrap(),
        dpl::load("d", &data("bis_dpl_2022-09/dpl.txt"), None).unwrap(),
        entity_list::load("e", &data("entity_list_extract/entities_all.csv"), None).unwrap(),
        entity_list::load("e", &data("entity_list_extract/entities.csv"), None).unwrap(),
        entity_list::load(
            "e",
            &data("csl_samples/bis_entity_list_format_sample.csv"),
            None,
        )
        .unwrap(),
        entity_list::load(
            "e",
            &data("csl_samples/bis_unverified_list_format_sample.csv"),
            None,
        )
        .unwrap(),
    ];
    for l in others {
        assert!(l.info.warnings.is_empty(), "{:?}", l.info.warnings);
        assert!(
            l.issues.is_empty(),
            "{:?}",
            &l.issues[..3.min(l.issues.len())]
        );
    }
}

#[test]
fn entity_list_license_texts_carry_no_footnote_markers() {
    let l = entity_list::load(
        "el.csv",
        &data("entity_list_extract/entities_all.csv"),
        None,
    )
    .unwrap();
    let huawei = l.entries.iter().find(|e| e.source_id == "EL-0755").unwrap();
    assert_eq!(
        huawei.license_requirement.as_deref(),
        Some("For all items subject to the EAR, see §§ 734.9(e) and 744.11 of the EAR")
    );
    assert_eq!(huawei.footnotes, vec!["FN1", "FN2"]);
    for e in &l.entries {
        for text in [&e.license_requirement, &e.license_policy]
            .into_iter()
            .flatten()
        {
            for glued in [
                "EAR 2", "EAR) 4", "EAR)4", "EAR) 5", "(g),3", "(g)3", "(g), 3", "(e) 1",
            ] {
                assert!(!text.contains(glued), "{}: {text}", e.source_id);
            }
        }
    }
    let fn4 = l
        .entries
        .iter()
        .filter(|e| e.footnotes.iter().any(|f| f == "FN4"))
        .count();
    assert_eq!(fn4, 96, "every FN4 entry keeps its footnote");
    let russia = l
        .entries
        .iter()
        .find(|e| {
            e.license_requirement.as_deref()
                == Some("For all items subject to the EAR. (See §§ 734.9(g), 746.8(a)(3), and 744.21(b) of the EAR)")
        })
        .unwrap();
    assert_eq!(russia.footnotes, vec!["FN3"]);
}

#[test]
fn csl_license_texts_carry_no_footnote_markers_either() {
    let l = csl::load(
        "csl.json",
        &data("csl_2026-07_compact/screening-list.json"),
        None,
    )
    .unwrap();
    let texts: Vec<&str> = l
        .entries
        .iter()
        .filter_map(|e| e.license_requirement.as_deref())
        .collect();
    assert!(texts
        .iter()
        .all(|t| !t.ends_with("EAR2") && !t.ends_with("EAR)4")));
    assert!(
        texts.contains(&"For all items subject to the EAR, see §§ 734.9(e) and 744.11 of the EAR")
    );
}

#[test]
fn footnote_stripping_leaves_section_numbers_and_dates_alone() {
    for text in [
        "General License No. 1B of March 2, 2021",
        "License Exception GOV under § 740.11(b)(2) and (e).",
        "ECCN 3B001.a.4, .c, .d, f.1.b.2, .k to .p; 3B002.c",
        "See §§ 746.8(b) and 744.21(e)",
    ] {
        assert_eq!(strip_footnote_markers(text), (text.to_string(), vec![]));
    }
    assert_eq!(
        strip_footnote_markers("(See §734.9(g), 3 §746.8(a)(3) of the EAR)2."),
        (
            "(See §734.9(g), §746.8(a)(3) of the EAR).".to_string(),
            vec!["FN3".to_string(), "FN2".to_string()]
        )
    );
}

#[test]
fn scores_serialize_without_float_noise() {
    assert_eq!(
        serde_json::to_string(&Thresholds::DEFAULT).unwrap(),
        r#"{"match_at":0.86,"review_at":0.72}"#
    );
    let l = dpl::load("dpl.txt", &data("bis_dpl_2022-09/dpl.txt"), None).unwrap();
    let index = build_index(vec![l]);
    let query = Query::name("Aaron Abraham Vila");
    let results = index.search(&query, &Thresholds::DEFAULT, 3).unwrap();
    let top = &results[0];
    assert!(top.score < 1.0, "the test needs a fractional score");
    let json = serde_json::to_value(top).unwrap();
    let printed = json["score"].to_string();
    let decimals = printed.split('.').nth(1).map_or(0, str::len);
    assert!(decimals <= 4, "{printed}");
    let explained = serde_json::to_string(&index.explain(&query, top)).unwrap();
    assert!(
        !explained.contains("00000") && !explained.contains("99999"),
        "{explained}"
    );
}
