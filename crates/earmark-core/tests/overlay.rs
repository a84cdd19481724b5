//! Rule-pack overlays (`examples/scenarios/`): each applies to the bundled pack and makes a
//! validated pack that cannot pass for the real one; bad overlays are refused with file and
//! line. Expected answers come from the regulation text (regulations.md), not from the pack.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "support/bundled.rs"]
mod bundled;

use earmark_core::classify::{classify_with, ClassifyOptions, Vintages};
use earmark_core::country::Country;
use earmark_core::determine::{Determiner, ItemFacts, Outcome, Request};
use earmark_core::rules::{ListStatus, Overlay, RulePack, RulesError};
use earmark_core::Date;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn c(code: &str) -> Country {
    Country::from_code(code).unwrap()
}

fn base_files() -> Vec<(String, String)> {
    bundled::read_files(&bundled::pack_dir())
}

fn refs(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect()
}

fn scenarios_dir() -> std::path::PathBuf {
    bundled::root().join("examples/scenarios")
}

fn apply_files(overlay: &[(String, String)]) -> Result<RulePack, RulesError> {
    let overlay = Overlay::from_files("ov", &refs(overlay))?;
    overlay.apply("rules/us-ear", &refs(&base_files()))
}

fn apply_example(name: &str) -> RulePack {
    let files = bundled::read_files(&scenarios_dir().join(name));
    let overlay = Overlay::from_files(&format!("examples/scenarios/{name}"), &refs(&files))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let catalog = bundled::catalog();
    overlay
        .apply_checked("rules/us-ear", &refs(&base_files()), &|p| {
            p.check_references(&|id| catalog.get(id).is_some())
        })
        .unwrap_or_else(|e| {
            let lines: Vec<String> = e.problems.iter().map(ToString::to_string).collect();
            panic!("{name}:\n{}", lines.join("\n"))
        })
}

fn problems(e: RulesError) -> Vec<String> {
    e.problems.iter().map(ToString::to_string).collect()
}

fn facts(pack: &RulePack, id: &str, date: Date) -> ItemFacts {
    let catalog = bundled::catalog();
    let vintages = Vintages::from_pack(pack).unwrap();
    let entry = catalog.get(id).unwrap();
    let cl = classify_with(
        &entry.spec,
        date,
        &ClassifyOptions::default(),
        &catalog,
        &vintages,
    );
    ItemFacts::from_classification(Some(id), &entry.spec, &cl)
}

/// A local end user headquartered where it is, known on the date itself.
fn request(to: &str, date: &str) -> Request {
    let mut r = Request::export(c(to), d(date));
    r.end_user_hq = Some(c(to));
    r.parent_hq = Some(c(to));
    r
}

/// Same checks as `earmark rules validate`: every license required has a review policy.
fn sweep(pack: &RulePack, catalog: &earmark_core::catalog::Catalog) -> Vec<String> {
    let vintages = Vintages::from_pack(pack).unwrap();
    pack.check_review_policies(&mut |date| {
        catalog
            .items()
            .map(|entry| {
                let cl = classify_with(
                    &entry.spec,
                    date,
                    &ClassifyOptions::default(),
                    catalog,
                    &vintages,
                );
                ItemFacts::from_classification(Some(&entry.id), &entry.spec, &cl)
            })
            .collect()
    })
    .iter()
    .map(ToString::to_string)
    .collect()
}

#[test]
fn every_example_overlay_makes_a_valid_pack_named_as_a_hypothesis() {
    let base = bundled::pack();
    let catalog = bundled::catalog();
    let mut hashes = std::collections::BTreeSet::new();
    let mut names: Vec<String> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("overlay.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    // The review-policy sweep decides thousands of shipments per overlay: one thread each.
    let packs: Vec<(String, RulePack, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .iter()
            .map(|name| {
                let catalog = &catalog;
                scope.spawn(move || {
                    let pack = apply_example(name);
                    let lines = sweep(&pack, catalog);
                    (name.clone(), pack, lines)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (name, pack, lines) in packs {
        assert_eq!(pack.id, format!("us-ear+{name}"));
        assert_ne!(pack.hash, base.hash, "{name}");
        assert!(hashes.insert(pack.hash.clone()), "{name}: hash shared");
        let info = pack.overlay.as_ref().unwrap();
        assert_eq!(info.base_hash, base.hash);
        assert!(!info.citations.is_empty(), "{name}");
        assert!(lines.is_empty(), "{name}:\n{}", lines.join("\n"));
    }
    assert!(base.overlay.is_none());
}

#[test]
fn without_the_h20_letter_an_h20_to_china_needs_no_license_and_the_decision_says_why() {
    // regulations.md row 12 and section 2.10: the H20 is not 3A090 (TPP about 2,368); only the
    // April 2025 letter requires a license for it to China.
    let base = bundled::pack();
    let overlay = apply_example("h20-letter-never");
    let req = {
        let mut r = request("CN", "2025-06-02");
        r.known_on = d("2026-09-01");
        // The letter binds NVIDIA, the exporter it was sent to.
        r.exporter = Some(earmark_core::rules::Exporter::parse("nvidia").unwrap());
        r
    };
    let real = Determiner::new(&base).explain(&req, &facts(&base, "nvidia-h20", req.as_of));
    assert_eq!(real.outcome, Outcome::LicenseRequired);
    assert!(real.notes.iter().all(|n| !n.contains("hypothetical")));
    let hypo = Determiner::new(&overlay).explain(&req, &facts(&overlay, "nvidia-h20", req.as_of));
    assert_eq!(hypo.outcome, Outcome::NoLicenseRequired);
    assert_eq!(hypo.rule_pack, "us-ear+h20-letter-never");
    assert_eq!(hypo.hash, overlay.hash);
    assert!(
        hypo.notes[0].starts_with("hypothetical rule pack `us-ear+h20-letter-never`"),
        "{:?}",
        hypo.notes
    );
    // Before the letter both answer alike.
    let mut before = req.clone();
    before.as_of = d("2025-03-01");
    let a = Determiner::new(&base).decide(&before, &facts(&base, "nvidia-h20", before.as_of));
    let b = Determiner::new(&overlay).decide(&before, &facts(&overlay, "nvidia-h20", before.as_of));
    assert_eq!(a.outcome, Outcome::NoLicenseRequired);
    assert_eq!(b.outcome, Outcome::NoLicenseRequired);
}

#[test]
fn an_assumed_coverage_moves_only_the_overlaid_pack() {
    // After 2026-09-19 the real pack is unverified: indeterminate, whatever the overlay does.
    let base = bundled::pack();
    let reinstated = apply_example("affiliates-reinstated");
    let extended = apply_example("affiliates-stay-extended");
    assert_eq!(base.verified_through, Some(d("2026-09-19")));
    assert_eq!(reinstated.verified_through, Some(d("2026-12-31")));
    let mut req = request("DE", "2026-11-16");
    req.known_on = req.as_of;
    req.end_user_list = Some(ListStatus::Affiliate);
    let item = |p: &RulePack| facts(p, "nvidia-l4", req.as_of);
    assert_eq!(
        Determiner::new(&base).decide(&req, &item(&base)).outcome,
        Outcome::Indeterminate
    );
    // 90 FR 47201: an affiliate of a listed party inherits the license requirement.
    let on = Determiner::new(&reinstated).explain(&req, &item(&reinstated));
    assert_eq!(on.outcome, Outcome::LicenseRequired, "{:?}", on.notes);
    assert!(
        on.notes[0].contains("covered only on the assumption"),
        "{:?}",
        on.notes
    );
    let off = Determiner::new(&extended).decide(&req, &item(&extended));
    assert_eq!(off.outcome, Outcome::NoLicenseRequired);
    // Past the assumed coverage, indeterminate again.
    let mut later = req.clone();
    later.as_of = d("2027-01-01");
    later.known_on = later.as_of;
    assert_eq!(
        Determiner::new(&reinstated)
            .decide(&later, &facts(&reinstated, "nvidia-l4", later.as_of))
            .outcome,
        Outcome::Indeterminate
    );
}

#[test]
fn removing_an_instrument_removes_what_it_did_to_country_groups() {
    // regulations.md row 16: Cambodia left D:5 on 2025-11-07 by the ITAR change.
    let base = bundled::pack();
    let pack = apply_example("cambodia-stays-d5");
    let info = pack.overlay.as_ref().unwrap();
    assert!(
        info.consequences
            .iter()
            .any(|c| c.contains("D:5") && c.contains("KH")),
        "{:?}",
        info.consequences
    );
    let d5 = |p: &RulePack| {
        let g = p.group("D:5").unwrap();
        p.groups_on(d("2026-03-01"), d("2026-03-01"), true)[g].contains(c("KH"))
    };
    assert!(!d5(&base));
    assert!(d5(&pack));
}

#[test]
fn removing_a_suspended_rule_takes_the_suspension_with_it() {
    // The non-enforcement announcement only ends AI Diffusion rules: without the rule, it
    // ends nothing and goes too.
    let overlay = vec![(
        "overlay.toml".to_owned(),
        "id = \"x\"\ntitle = \"No AI Diffusion\"\nremove = [\"bis-2025-01-ai-diffusion\"]\n\n[[citations]]\nfr = \"90 FR 4544\"\n".to_owned(),
    )];
    let pack = apply_files(&overlay).unwrap();
    assert!(pack.rule("nonenf25-ai-diffusion").is_none());
    let info = pack.overlay.unwrap();
    assert!(
        info.consequences
            .iter()
            .any(|c| c.starts_with("suspension `nonenf25-ai-diffusion`")),
        "{:?}",
        info.consequences
    );
}

fn manifest(body: &str) -> Vec<(String, String)> {
    vec![(
        "overlay.toml".to_owned(),
        format!("id = \"test\"\ntitle = \"Test\"\n{body}\n[[citations]]\nother = \"test\"\n"),
    )]
}

#[test]
fn an_unknown_id_to_remove_is_an_error_at_its_line() {
    let e = apply_files(&manifest(
        "remove = [\n  \"usg-2025-04-h20-letter\",\n  \"usg-2025-04-h30-letter\",\n]\n",
    ))
    .unwrap_err();
    assert_eq!(
        problems(e),
        vec!["ov/overlay.toml:5: `remove` names `usg-2025-04-h30-letter`, which is no instrument or rule of pack `us-ear`"]
    );
}

#[test]
fn a_bad_field_in_a_change_is_an_error_at_the_change() {
    let e = apply_files(&manifest(
        "\n[[change]]\ninstrument = \"bis-2025-11-affiliates-stay\"\nset = { ends = 2027-11-09 }\n",
    ))
    .unwrap_err();
    let lines = problems(e);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("ov/overlay.toml:5: `rules/us-ear/instruments/2025-11-10-affiliates-stay.toml` as changed: unknown field `ends`"),
        "{lines:?}"
    );
    // A change that makes the dates contradict is caught by the pack's own checks.
    let e = apply_files(&manifest(
        "\n[[change]]\ninstrument = \"bis-2025-11-affiliates-stay\"\nset = { end = 2025-01-01 }\n",
    ))
    .unwrap_err();
    let lines = problems(e);
    assert!(
        lines.iter().any(|l| l.starts_with("ov/overlay.toml:5:")
            && l.contains("end 2025-01-01 is before the effective date")),
        "{lines:?}"
    );
    // Unknown targets, and fields a change may not touch.
    let e = apply_files(&manifest(
        "\n[[change]]\nrule = \"no-such-rule\"\nset = { note = \"x\" }\n\n[[change]]\ninstrument = \"bis-2025-11-affiliates-stay\"\nset = { id = \"other\" }\n",
    ))
    .unwrap_err();
    let lines = problems(e);
    assert_eq!(
        lines,
        vec!["ov/overlay.toml:10: a change cannot set `id` of `bis-2025-11-affiliates-stay`: give the instrument's file in the overlay's `instruments/` to replace it"]
    );
    let e = apply_files(&manifest(
        "\n[[change]]\nrule = \"no-such-rule\"\nset = { note = \"x\" }\n",
    ))
    .unwrap_err();
    assert_eq!(
        problems(e),
        vec!["ov/overlay.toml:5: the change names unknown rule `no-such-rule`"]
    );
}

#[test]
fn an_overlay_instrument_file_is_validated_as_a_pack_file_with_its_own_path_and_line() {
    let mut files = manifest("");
    files.push((
        "instruments/extra.toml".to_owned(),
        "id = \"extra-2026\"\ntitle = \"Extra\"\nkind = \"rule\"\nlayer = \"legal\"\nconfidence = \"primary\"\npublished = 2026-03-01\neffective = 2026-03-01\n\n[[citations]]\nother = \"t\"\n\n[[rules]]\nid = \"extra-rule\"\nkind = \"license_requirement\"\ncite = \"t\"\n[rules.when]\ndestination = \"XX\"\n".to_owned(),
    ));
    let lines = problems(apply_files(&files).unwrap_err());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("ov/instruments/extra.toml:17:"),
        "{lines:?}"
    );
}

#[test]
fn an_added_instrument_after_the_verified_date_needs_an_assumed_coverage() {
    let instrument = "id = \"bis-2026-11-hypothetical\"\ntitle = \"A hypothetical rule\"\nkind = \"rule\"\nlayer = \"legal\"\nconfidence = \"uncertain\"\npublished = 2026-11-10\neffective = 2026-11-10\n\n[[citations]]\nother = \"hypothesis\"\n\n[[rules]]\nid = \"hypo-advisory\"\nkind = \"advisory\"\ncite = \"hypothesis\"\ntext = \"hypothetical\"\n";
    let mut files = manifest("");
    files.push(("instruments/hypo.toml".to_owned(), instrument.to_owned()));
    let lines = problems(apply_files(&files).unwrap_err());
    assert!(
        lines[0].starts_with("ov/instruments/hypo.toml:7: instrument `bis-2026-11-hypothetical` starts 2026-11-10, after 2026-09-19"),
        "{lines:?}"
    );
    let mut files =
        manifest("assume_through = 2026-12-31\nassumption = \"nothing else was published\"\n");
    files.push(("instruments/hypo.toml".to_owned(), instrument.to_owned()));
    let pack = apply_files(&files).unwrap();
    assert!(pack.instrument("bis-2026-11-hypothetical").is_some());
    assert_eq!(
        pack.overlay.unwrap().added,
        vec!["bis-2026-11-hypothetical"]
    );
    // An assumption must be stated, and must extend the coverage.
    let lines = problems(apply_files(&manifest("assume_through = 2026-12-31\n")).unwrap_err());
    assert!(
        lines[0].starts_with("ov/overlay.toml:3: `assume_through` needs `assumption`"),
        "{lines:?}"
    );
    let lines = problems(
        apply_files(&manifest(
            "assume_through = 2026-01-01\nassumption = \"x\"\n",
        ))
        .unwrap_err(),
    );
    assert!(lines[0].contains("is not after 2026-09-19"), "{lines:?}");
}

#[test]
fn an_overlay_without_citations_or_for_another_pack_is_refused() {
    let files = vec![(
        "overlay.toml".to_owned(),
        "id = \"x\"\ntitle = \"X\"\n".to_owned(),
    )];
    let lines = problems(apply_files(&files).unwrap_err());
    assert!(lines[0].contains("has no citations"), "{lines:?}");
    let lines = problems(apply_files(&manifest("base = \"eu-dual-use\"\n")).unwrap_err());
    assert_eq!(
        lines,
        vec!["ov/overlay.toml:3: the overlay is written for pack `eu-dual-use`, not `us-ear`"]
    );
    let lines = problems(apply_files(&manifest("bogus = 1\n")).unwrap_err());
    assert!(
        lines[0].starts_with("ov/overlay.toml:3: unknown field `bogus`"),
        "{lines:?}"
    );
}

#[test]
fn replacing_an_instrument_by_id_keeps_one_instrument_of_that_id() {
    let base = base_files();
    let (_, text) = base
        .iter()
        .find(|(p, _)| p == "instruments/2025-11-10-affiliates-stay.toml")
        .unwrap();
    let mut files = manifest("");
    files.push((
        "instruments/stay.toml".to_owned(),
        text.replace("end = 2026-11-09", "end = 2026-05-09"),
    ));
    let pack = apply_files(&files).unwrap();
    let stays: Vec<_> = pack
        .instruments
        .iter()
        .filter(|i| i.id == "bis-2025-11-affiliates-stay")
        .collect();
    assert_eq!(stays.len(), 1);
    assert_eq!(stays[0].end, Some(d("2026-05-09")));
    assert_eq!(
        pack.overlay.unwrap().replaced,
        vec!["bis-2025-11-affiliates-stay"]
    );
}
