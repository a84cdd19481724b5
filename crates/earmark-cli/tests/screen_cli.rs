//! `earmark screen` and `earmark lists status`, run as the real binary on the bundled snapshot
//! and on the real list files in ../shared/data/screening.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn earmark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_earmark"))
        .args(args)
        .output()
        .expect("the earmark binary runs")
}

fn shared(path: &str) -> String {
    format!(
        "{}/../../../shared/data/screening/{path}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_file(name: &str, content: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("earmark-screen-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn screen_json_on_the_bundled_snapshot() {
    let o = earmark(&[
        "screen",
        "Huawei Technologies Co Ltd",
        "--country",
        "CN",
        "--format",
        "json",
    ]);
    assert!(answered(&o), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["band"], "match");
    let m = &v["matches"][0];
    assert_eq!(m["band"], "match");
    assert!(m["score"].as_f64().unwrap() > 0.99);
    for key in [
        "list",
        "source_id",
        "matched_name",
        "is_alias",
        "explanation",
        "entry",
    ] {
        assert!(!m[key].is_null(), "missing {key}: {m}");
    }
    let el = v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["list"] == "EL")
        .expect("the Entity List entry");
    assert_eq!(el["source_id"], "EL-0755");
    assert_eq!(el["entry"]["footnotes"][0], "FN1");
    assert!(el["explanation"]["pairs"].as_array().unwrap().len() >= 2);
    assert_eq!(v["lists"].as_array().unwrap().len(), 2);
    assert!(v["lists"][0]["content_hash"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
}

#[test]
fn screen_human_says_no_match_not_clear() {
    let o = earmark(&["screen", "Contoso Widgets Incorporated"]);
    assert!(answered(&o), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(": no_match"), "{out}");
    assert!(out.contains("not a clearance"), "{out}");
    assert!(!out.to_lowercase().contains("clear\n"), "{out}");
}

#[test]
fn screen_finds_address_only_entries() {
    let o = earmark(&[
        "screen",
        "Bright Future Trading Ltd",
        "--address",
        "Room 803, Chevalier House 45-51, Chatham Road South, Tsim Sha Tsui, Hong Kong",
        "--format",
        "json",
    ]);
    assert!(answered(&o), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let hit = v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["source_id"] == "EL-1434")
        .unwrap_or_else(|| panic!("Address 04 not found: {v}"));
    assert_eq!(hit["band"], "match");
    assert_eq!(hit["entry"]["kind"], "address-only");
}

#[test]
fn screen_with_given_ofac_files() {
    let dir = shared("ofac_sdn_2021-07");
    let o = earmark(&[
        "screen",
        "Banco Nacional de Cuba",
        "--lists",
        &format!("ofac:{dir}"),
        "--format",
        "json",
    ]);
    assert!(answered(&o), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["matches"][0]["source_id"], "306");
    assert_eq!(v["matches"][0]["list"], "SDN");
    assert_eq!(v["lists"][0]["records"], 8976);
    assert!(v["lists"][0]["date_basis"]
        .as_str()
        .unwrap()
        .starts_with("unknown: the file carries no date"));
    assert!(v["lists"][0]["date"].is_null());
}

#[test]
fn bad_list_rows_are_reported_with_file_and_line() {
    let mut text = std::fs::read_to_string(shared("bis_dpl_2022-09/dpl.txt")).unwrap();
    text.insert_str(text.find('\n').unwrap() + 1, "\"ONLY TWO\"\t\"FIELDS\"\n");
    let path = temp_file("dpl_bad.txt", text.as_bytes());
    let p = path.display().to_string();
    let o = earmark(&[
        "lists",
        "status",
        "--lists",
        &format!("bis-dpl:{p}"),
        "--format",
        "json",
    ]);
    assert!(answered(&o), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{p}:2: expected 12 tab-separated fields, found 2")),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v[0]["records"], 581);
    assert_eq!(v[0]["skipped"], 1);
}

#[test]
fn batch_reports_bad_rows_and_screens_the_rest() {
    let csv = "id,name,country,address\n\
               1,Aerocaribbean Airlines,CU,\n\
               2,,US,\n\
               3,Contoso Widgets Incorporated,US,\n\
               4,Rosoboronexport,Atlantis,\n\
               5,Huawei Technologies Co. Ltd.,CN,\n";
    let path = temp_file("batch.csv", csv.as_bytes());
    let p = path.display().to_string();
    let o = earmark(&["screen", "--batch", &p]);
    assert!(answered(&o), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("{p}:3: empty `name`")), "{err}");
    // An unknown country is a warning: the row is still screened by name.
    assert!(err.contains(&format!("{p}:5: country `Atlantis`")), "{err}");
    assert!(
        err.contains("5 rows read, 4 screened (3 match, 0 review, 1 no_match), 1 skipped"),
        "{err}"
    );
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["id"], "1");
    assert_eq!(lines[0]["band"], "match");
    assert_eq!(lines[1]["band"], "no_match");
    assert_eq!(lines[2]["id"], "4");
    assert_eq!(lines[2]["band"], "match");
    assert_eq!(lines[3]["id"], "5");
    assert_eq!(lines[3]["band"], "match");

    let o = earmark(&["screen", "--batch", &p, "--output", "csv"]);
    assert!(answered(&o));
    let out = stdout(&o);
    let mut rows = out.lines();
    assert_eq!(
        rows.next(),
        Some("id,name,band,score,list,source_id,matched_name,lists_matched,warnings")
    );
    assert_eq!(rows.count(), 4);
}

#[test]
fn batch_without_name_column_is_an_error() {
    let path = temp_file("nocol.csv", b"id,company\n1,Foo\n");
    let o = earmark(&["screen", "--batch", &path.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(":1: the header must name the columns `id` and `name`"));
}

#[test]
fn lists_status_prints_source_date_count_hash_and_warns_when_old() {
    let o = earmark(&["lists", "status"]);
    assert!(answered(&o), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("bundled:csl-2026-07-31.json"), "{out}");
    assert!(out.contains("date:     2026-07-31"), "{out}");
    assert!(out.contains("SDN 19181"), "{out}");
    assert!(out.contains("EL 3431"), "{out}");
    assert!(out.contains(
        "hash:     sha256:4cb2be849d976ae3d72f69c03681d7284663ba7ffd9dbe4c2274c89760bd7c8e"
    ));
    // The snapshot is older than the default 7 days (as for `screen`) after 2026-08-07.
    let err = stderr(&o);
    assert!(err.contains("days old (more than 7)"), "{err}");
    let o = earmark(&["lists", "status", "--max-age-days", "100000"]);
    assert!(!stderr(&o).contains("days old"), "{}", stderr(&o));
}

#[test]
fn unknown_list_format_is_an_error() {
    let o = earmark(&["screen", "X", "--lists", "sdn-xml:/tmp/x"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("unknown list format `sdn-xml`"), "{err}");
}

#[test]
fn a_name_without_letters_is_an_error() {
    let o = earmark(&["screen", "?!*"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("name `?!*` has no letters or digits"));
}

#[test]
fn a_list_without_a_date_is_stale_until_one_is_given() {
    let dpl = shared("bis_dpl_2022-09/dpl.txt");
    let o = earmark(&["lists", "status", "--lists", &format!("bis-dpl:{dpl}")]);
    assert!(answered(&o), "{}", stderr(&o));
    assert!(stdout(&o).contains("date:     unknown"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("the list date is unknown"),
        "{}",
        stderr(&o)
    );
    let o = earmark(&[
        "lists",
        "status",
        "--max-age-days",
        "100000",
        "--lists",
        &format!("bis-dpl:{dpl}@2022-09-07"),
    ]);
    assert!(stdout(&o).contains("date:     2022-09-07 (given on the command line)"));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

/// Whether the run gave an answer: 0 no match, 4 a possible match, 5 a match (README, "Exit
/// codes"); 2 is bad input or an incomplete batch.
fn answered(o: &Output) -> bool {
    o.status.code().is_some_and(|c| [0, 4, 5].contains(&c))
}

/// Issue 11: Huawei is on the Entity List and on the CMIC list with the same name. The CMIC
/// list bans investment and does not govern exports, so the row must name the Entity List
/// entry, and still show that the CMIC list has one too.
#[test]
fn batch_headline_is_the_most_consequential_list_not_cmic() {
    let csl = format!(
        "csl:{}@2026-07-31",
        shared("csl_2026-07_compact/screening-list.json")
    );
    let p = temp_file(
        "huawei.csv",
        "id,name\n1,HUAWEI TECHNOLOGIES CO. LTD.\n2,華為技術有限公司\n".as_bytes(),
    )
    .display()
    .to_string();
    let o = earmark(&[
        "screen",
        "--batch",
        &p,
        "--lists",
        &csl,
        "--max-list-age-days",
        "100000",
    ]);
    assert!(answered(&o), "{}", stderr(&o));
    for line in stdout(&o).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["band"], "match", "{v}");
        assert_eq!(v["list"], "EL", "{v}");
        let lists: Vec<&str> = v["lists_matched"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert_eq!(lists.first(), Some(&"EL"), "{v}");
        assert!(lists.contains(&"CMIC"), "{v}");
    }

    let o = earmark(&[
        "screen",
        "Huawei Technologies Co., Ltd.",
        "--lists",
        &csl,
        "--max-list-age-days",
        "100000",
        "--format",
        "json",
    ]);
    assert!(answered(&o), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["headline"]["list"], "EL");
    assert_eq!(v["headline"]["consequence"], "entity_license");
    let groups: Vec<&str> = v["by_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["list"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["EL", "CMIC"]);
    assert_eq!(v["by_list"][1]["consequence"], "not_exports");
}

/// `lists diff` between the OFAC SDN files of July 2021 and May 2024: Sberbank (designated
/// in 2022, entry 17018) is added; the counts add up to each side's entries.
#[test]
fn lists_diff_between_two_real_sdn_snapshots() {
    let old = format!("ofac:{}", shared("ofac_sdn_2021-07/sdn.csv"));
    let new = format!("ofac:{}", shared("ofac_sdn_2024-05/sdn.csv"));
    let o = earmark(&["lists", "diff", &old, &new, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let d = &v["diff"];
    let n = |k: &str| d[k].as_array().unwrap().len();
    assert!(d["added"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["source_id"] == "17018" && e["name"].as_str().unwrap().contains("SBERBANK")));
    let unchanged = d["unchanged"].as_u64().unwrap() as usize;
    // The 2021 file has 8,976 entries (as screen_with_given_ofac_files reads it).
    assert_eq!(n("removed") + n("changed") + unchanged, 8976);
    assert!(n("added") > 0 && n("removed") > 0);
    let o = earmark(&["lists", "diff", &old, &old]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("0 added, 0 removed, 0 changed, 8976 unchanged"),
        "{}",
        stdout(&o)
    );
}
