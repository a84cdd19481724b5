//! The bundled rule pack (`rules/us-ear/`) loads, and the loader rejects bad packs with file and
//! line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "support/bundled.rs"]
mod bundled;

use earmark_core::country::Country;
use earmark_core::rules::{Effect, RulePack};
use earmark_core::Date;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn c(code: &str) -> Country {
    Country::from_code(code).unwrap()
}

#[test]
fn the_bundled_pack_loads() {
    let pack =
        bundled::load_files(&bundled::read_files(&bundled::pack_dir())).unwrap_or_else(|e| {
            panic!(
                "{}",
                e.problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
    assert_eq!(pack.id, "us-ear");
    assert!(pack.instruments.len() >= 20, "{}", pack.instruments.len());
    assert!(pack.rules.len() >= 50, "{}", pack.rules.len());
    assert_eq!(pack.hash.len(), 64);
    assert!(pack
        .rules
        .iter()
        .any(|r| matches!(r.effect, Effect::Prohibition)));
}

#[test]
fn scope_x_follows_the_dated_groups() {
    let pack = bundled::load_files(&bundled::read_files(&bundled::pack_dir())).unwrap();
    let x = pack.sets.iter().position(|s| s.name == "scope_x").unwrap();
    let on = |date: &str| {
        let groups = pack.groups_on(d(date), d(date), true);
        pack.sets_on(&groups)[x]
    };
    // The reference's derived Scope X as of 2026-07-23: 45 destinations.
    let now = on("2026-07-23");
    assert_eq!(now.len(), 45, "{now:?}");
    assert!(!now.contains(c("IL")), "Israel is D:4 but A:6");
    assert!(!now.contains(c("AE")));
    assert!(now.contains(c("KH")), "Cambodia left D:5 but stays in D:1");
    let before = on("2026-07-09");
    assert!(
        before.contains(c("AE")),
        "the UAE was in D:4 before 2026-07-10"
    );
    assert_eq!(before.len(), 46);
    // Known on a date before the UAE rule was published: the change is not yet known.
    let groups = pack.groups_on(d("2026-07-12"), d("2026-07-12"), true);
    assert!(pack.sets_on(&groups)[x].contains(c("AE")));
    // D:5 and Cambodia.
    let d5 = pack.group("D:5").unwrap();
    assert!(pack.groups_on(d("2025-11-06"), d("2025-11-06"), true)[d5].contains(c("KH")));
    assert!(!pack.groups_on(d("2025-11-07"), d("2025-11-07"), true)[d5].contains(c("KH")));
    assert_eq!(pack.ear_country(c("HK"), d("2023-01-01")), c("CN"));
}

#[test]
fn the_hash_is_stable_and_content_sensitive() {
    let files = bundled::read_files(&bundled::pack_dir());
    let a = bundled::load_files(&files).unwrap().hash;
    let mut reversed = files.clone();
    reversed.reverse();
    assert_eq!(
        bundled::load_files(&reversed).unwrap().hash,
        a,
        "file order must not matter"
    );
    let mut changed = files.clone();
    let pack = changed.iter_mut().find(|(p, _)| p == "pack.toml").unwrap();
    pack.1.push_str("\n# a comment\n");
    assert_ne!(bundled::load_files(&changed).unwrap().hash, a);
}

/// Replaces `from` in one file and returns the problems as `file:line: message` lines.
fn problems_after(file: &str, from: &str, to: &str) -> Vec<String> {
    let mut files = bundled::read_files(&bundled::pack_dir());
    let entry = files.iter_mut().find(|(p, _)| p == file).unwrap();
    assert!(
        entry.1.contains(from),
        "fixture text `{from}` not in {file}"
    );
    entry.1 = entry.1.replacen(from, to, 1);
    match bundled::load_files(&files) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems.iter().map(|p| p.to_string()).collect(),
    }
}

fn line_of(file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(bundled::pack_dir().join(file)).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

const UAE: &str = "instruments/2026-07-10-uae.toml";

#[test]
fn an_unknown_field_is_an_error_with_file_and_line() {
    let p = problems_after(
        UAE,
        "exception = \"STA-UAE\"",
        "exception = \"STA-UAE\"\nexcepton = \"x\"",
    );
    let line = line_of(UAE, "exception = \"STA-UAE\"") + 1;
    assert!(
        p.iter()
            .any(|m| m.starts_with(&format!("{UAE}:{line}:")) && m.contains("excepton")),
        "{p:?}"
    );
}

#[test]
fn an_unknown_country_code_is_an_error() {
    let p = problems_after(UAE, "destination = \"AE\"", "destination = \"XA\"");
    let line = line_of(UAE, "destination = \"AE\"");
    assert!(
        p.iter()
            .any(|m| m.starts_with(&format!("{UAE}:{line}:"))
                && m.contains("unknown country code `XA`")),
        "{p:?}"
    );
    let p = problems_after("country-groups.toml", "\"SG\", \"ZA\"", "\"SG\", \"ZZ\"");
    assert!(
        p.iter()
            .any(|m| m.starts_with("country-groups.toml:") && m.contains("`ZZ`")),
        "{p:?}"
    );
}

#[test]
fn a_missing_citation_is_an_error() {
    let text = std::fs::read_to_string(bundled::pack_dir().join(UAE)).unwrap();
    let start = text.find("[[citations]]").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let p = problems_after(UAE, &text[start..end], "");
    assert!(
        p.iter()
            .any(|m| m.starts_with(UAE) && m.contains("no citations")),
        "{p:?}"
    );
    let p = problems_after(
        UAE,
        "cite = \"15 CFR 742.6(a)(6)(iii)(B) as amended\"\n",
        "",
    );
    assert!(
        p.iter().any(|m| m.contains("rule `uae26-b` has no `cite`")),
        "{p:?}"
    );
}

#[test]
fn an_end_before_the_start_is_an_error() {
    let file = "instruments/2025-11-10-affiliates-stay.toml";
    let p = problems_after(file, "end = 2026-11-09", "end = 2024-11-09");
    let line = line_of(file, "end = 2026-11-09");
    assert!(
        p.iter().any(|m| m.starts_with(&format!("{file}:{line}:"))
            && m.contains("before the effective date")),
        "{p:?}"
    );
}

#[test]
fn contradictory_overlapping_review_policies_are_an_error() {
    let file = "instruments/2026-01-15-h200-review-policy.toml";
    // Same priority as the 2025 H20/MI308 case-by-case rule but the opposite policy would be
    // fine; the same priority as a presumption of denial is not.
    let p = problems_after(file, "priority = 50", "priority = 20");
    assert!(
        p.iter().any(|m| m.starts_with(file)
            && m.contains("contradictory overlapping rules")
            && m.contains("h200-26-case-by-case")),
        "{p:?}"
    );
}

#[test]
fn unknown_names_in_set_expressions_and_supersedes_are_errors() {
    let file = "instruments/2025-05-13-ai-diffusion-non-enforcement.toml";
    let p = problems_after(file, "\"aid25-lpp\"", "\"aid25-lpq\"");
    assert!(
        p.iter().any(|m| m.contains("unknown rule `aid25-lpq`")),
        "{p:?}"
    );
    let p = problems_after(
        UAE,
        "headquarters = \"macau_d5\"",
        "headquarters = \"macau_d6\"",
    );
    assert!(
        p.iter().any(|m| m.contains("unknown set name `macau_d6`")),
        "{p:?}"
    );
    let p = problems_after(
        "countries.toml",
        "members = \"MO | D:5\"",
        "members = \"MO | D:9\"",
    );
    assert!(
        p.iter()
            .any(|m| m.starts_with("countries.toml:") && m.contains("unknown country group `D:9`")),
        "{p:?}"
    );
}

#[test]
fn garbage_never_panics() {
    for text in [
        "",
        "=",
        "[[rules]]",
        "id = 3",
        "\u{0}",
        "[x]\ny=[[",
        "published = 2023-13-45",
    ] {
        let files = [("pack.toml", text), ("instruments/a.toml", text)];
        assert!(RulePack::from_files(&files).is_err());
    }
}

// ---- references, cycles, empty sets and review policies ---------------------------------

use earmark_core::classify::{classify_with, ClassifyOptions, Vintages};
use earmark_core::determine::ItemFacts;

/// Every catalog item classified as of `date`, as the review-policy sweep needs them.
fn catalog_facts(
    catalog: &earmark_core::catalog::Catalog,
    vintages: &Vintages,
    date: Date,
) -> Vec<ItemFacts> {
    catalog
        .items()
        .map(|entry| {
            let c = classify_with(
                &entry.spec,
                date,
                &ClassifyOptions::default(),
                catalog,
                vintages,
            );
            ItemFacts::from_classification(Some(&entry.id), &entry.spec, &c)
        })
        .collect()
}

#[test]
fn the_bundled_pack_has_a_review_policy_wherever_it_requires_a_license() {
    let pack = bundled::pack();
    let catalog = bundled::catalog();
    // The pack is read from disk once, not once per date the sweep visits.
    let vintages = Vintages::from_pack(&pack).unwrap();
    let problems = pack.check_review_policies(&mut |date| catalog_facts(&catalog, &vintages, date));
    let lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert!(lines.is_empty(), "{}", lines.join("\n"));
}

#[test]
fn a_named_id_missing_from_the_catalog_is_an_error_at_its_line() {
    let file = "instruments/2025-04-09-nvidia-h20-letter.toml";
    let mut files = bundled::read_files(&bundled::pack_dir());
    let entry = files.iter_mut().find(|(p, _)| p == file).unwrap();
    let from = "named = [\"nvidia-h20\"] }";
    assert!(
        entry.1.contains(from),
        "fixture text `{from}` not in {file}"
    );
    // The 910D, as the bundled pack named it before the catalog was checked.
    entry.1 = entry.1.replacen(
        from,
        "named = [\"nvidia-h20\", \"huawei-ascend-910d\"] }",
        1,
    );
    let line = entry
        .1
        .lines()
        .position(|l| l.contains("huawei-ascend-910d"))
        .unwrap()
        + 1;
    let pack = bundled::load_files(&files).unwrap();
    let catalog = bundled::catalog();
    let problems: Vec<String> = pack
        .check_references(&|id| catalog.get(id).is_some())
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        problems,
        vec![format!(
            "{file}:{line}: rule `h20-envelope`: `when.named` names `huawei-ascend-910d`, which is not in the catalog"
        )]
    );
}

#[test]
fn the_bundled_pack_names_only_catalog_items() {
    let catalog = bundled::catalog();
    let problems = bundled::pack().check_references(&|id| catalog.get(id).is_some());
    assert!(problems.is_empty(), "{problems:?}");
}

/// A pack of a few lines: China needs a license with a presumption of denial from 2022, and
/// Country Group E:2 (Cuba) loses Cuba on 2024-01-01 by instrument `b`, whose rules are given.
fn tiny_pack(a_rules: &str, b_rules: &str) -> Result<RulePack, Vec<String>> {
    let instrument = |id: &str, rules: &str| {
        format!(
            "id = \"{id}\"\ntitle = \"Instrument {id}\"\nkind = \"rule\"\nlayer = \"legal\"\nconfidence = \"primary\"\npublished = 2022-01-01\neffective = 2022-01-01\n\n[[citations]]\nother = \"test\"\n{rules}"
        )
    };
    let a = instrument(
        "a",
        &format!(
            r#"
[[rules]]
id = "a-china"
kind = "license_requirement"
cite = "test"
[rules.when]
destination = "CN"

[[rules]]
id = "a-china-review"
kind = "review_policy"
cite = "test"
policy = "presumption_of_denial"
priority = 10
[rules.when]
destination = "CN"
{a_rules}"#
        ),
    );
    let b = instrument("b", b_rules);
    let files = [
        (
            "pack.toml",
            "id = \"tiny\"\ntitle = \"Tiny\"\nversion = \"1\"\nstarts = 2022-01-01\n",
        ),
        ("countries.toml", ""),
        (
            "country-groups.toml",
            "[[group]]\nid = \"E:2\"\nname = \"Unilateral embargo\"\nmembers = [\"CU\"]\n[[group.change]]\ncountry = \"CU\"\naction = \"remove\"\ndate = 2024-01-01\ninstrument = \"b\"\n",
        ),
        ("instruments/a.toml", a.as_str()),
        ("instruments/b.toml", b.as_str()),
    ];
    RulePack::from_files(&files).map_err(|e| e.problems.iter().map(|p| p.to_string()).collect())
}

#[test]
fn a_supersedes_cycle_is_an_error_naming_the_cycle() {
    let problems = tiny_pack(
        "",
        r#"
[[rules]]
id = "b-one"
kind = "suspension"
supersedes = ["b-two"]

[[rules]]
id = "b-two"
kind = "suspension"
supersedes = ["b-three"]

[[rules]]
id = "b-three"
kind = "suspension"
supersedes = ["b-one"]
"#,
    )
    .unwrap_err();
    assert_eq!(
        problems,
        vec![
            "instruments/b.toml:13: `supersedes` cycle: `b-one` supersedes `b-two` supersedes `b-three` supersedes `b-one`; rules cannot end each other in a ring"
        ]
    );
}

#[test]
fn a_country_set_that_is_empty_while_its_rule_is_in_force_is_an_error() {
    let requirement = |destination: &str| {
        format!(
            "\n[[rules]]\nid = \"a-embargo\"\nkind = \"license_requirement\"\ncite = \"test\"\n[rules.when]\ndestination = \"{destination}\"\n"
        )
    };
    // Cuba leaves E:2 on 2024-01-01 while the requirement on E:2 stays in force.
    let problems = tiny_pack(&requirement("E:2"), "").unwrap_err();
    assert_eq!(
        problems,
        vec![
            "instruments/a.toml:29: rule `a-embargo` is in force on 2024-01-01 but country set `E:2` has no member then, so the rule could never apply"
        ]
    );
    // An emptied group inside a set that keeps members subtracts nothing.
    let problems = tiny_pack(&requirement("CN | RU - E:2"), "").unwrap_err();
    assert_eq!(
        problems,
        vec![
            "instruments/a.toml:29: rule `a-embargo` is in force on 2024-01-01 but Country Group `E:2` (in `CN | RU - E:2`) has no member then, so the rule could never apply"
        ]
    );
    // Empty from the first day.
    let problems = tiny_pack(&requirement("CN - CN"), "").unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("in force on 2022-01-01 but country set `CN - CN` has no member")),
        "{problems:?}"
    );
    // Ended before the group empties: nothing reads the empty group.
    let ended = requirement("E:2").replace("cite = \"test\"", "cite = \"test\"\nto = 2023-12-31");
    assert!(tiny_pack(&ended, "").is_ok());
}

fn any_3a090a(_date: Date) -> Vec<ItemFacts> {
    use earmark_core::determine::EccnFact;
    use earmark_core::rules::Eccn;
    vec![ItemFacts {
        id: None,
        components: Vec::new(),
        origin: None,
        name: "a 3A090.a datacenter IC".to_owned(),
        kind: earmark_core::spec::ItemKind::Ic,
        eccn: EccnFact::Listed(Eccn::A3090A),
        paragraph: Some("3A090.a".to_owned()),
        datacenter: Some(true),
        tpp: Some(5000.0),
        performance_density: Some(6.0),
        memory_bandwidth_density: None,
        memory_bandwidth_gbs: Some(3000.0),
        interconnect_bidir_gbs: Some(900.0),
        classified_as_of: None,
        classification_missing: Vec::new(),
    }]
}

#[test]
fn a_review_policy_ended_while_its_requirement_stays_in_force_is_an_error() {
    let pack = tiny_pack("", "").unwrap();
    assert!(pack.check_review_policies(&mut any_3a090a).is_empty());
    // Instrument b ends the review policy on 2024-01-01, the requirement stays.
    let pack = tiny_pack(
        "",
        "\n[[rules]]\nid = \"b-lift\"\nkind = \"suspension\"\nfrom = 2024-01-01\nsupersedes = [\"a-china-review\"]\n",
    )
    .unwrap();
    let problems: Vec<String> = pack
        .check_review_policies(&mut any_3a090a)
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    for (p, reading) in problems.iter().zip(["enforced", "legal"]) {
        assert!(
            p.starts_with(&format!(
                "instruments/a.toml:13: license required with no review policy ({reading} reading): `a-china` requires a license for `a 3A090.a datacenter IC (3A090.a)`: export from US to CN on 2024-01-01"
            )),
            "{p}"
        );
    }
}

#[test]
fn a_declared_review_policy_gap_is_accepted_only_on_a_license_requirement() {
    let lift = "\n[[rules]]\nid = \"b-lift\"\nkind = \"suspension\"\nfrom = 2024-01-01\nsupersedes = [\"a-china-review\"]\n";
    let declared = "\n[[rules]]\nid = \"a-macau\"\nkind = \"license_requirement\"\ncite = \"test\"\nreview_policy_gap = \"the sources give no policy\"\n[rules.when]\ndestination = \"MO\"\n";
    let pack = tiny_pack(declared, lift).unwrap();
    let problems = pack.check_review_policies(&mut any_3a090a);
    // Macau's declared gap is accepted; China's silent one is not.
    assert!(
        problems
            .iter()
            .all(|p| p.message.contains("`a-china` requires")),
        "{problems:?}"
    );
    assert_eq!(problems.len(), 2, "{problems:?}");
    let misplaced = declared.replace(
        "kind = \"license_requirement\"",
        "kind = \"advisory\"\ntext = \"x\"",
    );
    let problems = tiny_pack(&misplaced, "").unwrap_err();
    assert!(
        problems.iter().any(|p| {
            p.contains(
            "rule `a-macau`: field `review_policy_gap` does not belong to a rule of kind `advisory`"
        )
        }),
        "{problems:?}"
    );
}
