//! The decision contract, on a real engine: the bundled rule pack, the catalog and the bundled
//! list snapshot (`data/lists/`), read from disk as the CLI embeds them. Requests and decisions
//! round-trip through JSON, validate against the published schemas in `schemas/`, shrink to a
//! small stored form and replay from it; the decision never says more than it knows.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "../../earmark-core/tests/support/bundled.rs"]
mod bundled;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use earmark_core::catalog::Catalog;
use earmark_core::country::Country;
use earmark_core::determine::{Outcome, Reading};
use earmark_core::rules::{ListStatus, RulePack, Transaction};
use earmark_core::spec::{Spec, Tf32Reading};
use earmark_core::Date;
use earmark_engine::{
    Engine, ItemRef, ParentHeadquarters, Party, PartyRole, ScreeningBasis, Severity, Shipment,
    ShipmentDecision, StoredDecision,
};
use earmark_screen::load::{csl, entity_list, ofac};
use earmark_screen::{build_index, Index};
use serde_json::Value;

/// The date every check here is made: after the list snapshot's date, so list ages are
/// positive, and fixed, so no answer depends on the clock.
const CHECKED_ON: &str = "2026-08-15";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn date(text: &str) -> Date {
    text.parse().unwrap_or_else(|e| panic!("`{text}`: {e}"))
}

fn country(code: &str) -> Country {
    Country::from_code(code).unwrap_or_else(|| panic!("`{code}` is not a country"))
}

/// Every file under the bundled rule pack's directory, as (path relative to it, text).
fn pack_files() -> Vec<(String, String)> {
    let mut files = bundled::read_files(&bundled::pack_dir());
    files.sort();
    files
}

fn pack_of(files: &[(String, String)]) -> RulePack {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    RulePack::from_files(&refs).unwrap()
}

/// The catalog and its content hash, as the CLI computes it.
fn catalog() -> (Catalog, String) {
    let text = std::fs::read_to_string(root().join("catalog/accelerators.toml")).unwrap();
    let files = [("catalog/accelerators.toml", text.as_str())];
    let catalog = Catalog::from_toml_files(files).unwrap();
    (catalog, earmark_engine::content_hash(&files))
}

/// The bundled snapshot, loaded as `earmark lists` loads it: the CSL without its Entity List
/// rows (the Entity List file is the fuller source of them), then the Entity List.
fn bundled_lists() -> Index {
    let csl_bytes = std::fs::read(root().join("data/lists/csl-2026-07-31.json")).unwrap();
    let mut csl = csl::load(
        "bundled:csl-2026-07-31.json",
        &csl_bytes,
        Some("2026-07-31"),
    )
    .unwrap();
    csl.entries.retain(|e| e.list != "EL");
    csl.info.records = csl.entries.len();
    let el_bytes = std::fs::read(root().join("data/lists/entity-list-2026-07.csv")).unwrap();
    let el = entity_list::load(
        "bundled:entity-list-2026-07.csv",
        &el_bytes,
        Some("2026-07-31"),
    )
    .unwrap();
    build_index(vec![csl, el])
}

fn engine_with(pack: RulePack, lists: Option<Index>) -> Engine {
    let (catalog, catalog_hash) = catalog();
    Engine::new(pack, catalog, catalog_hash, lists).unwrap()
}

/// The engine as the CLI builds it for a check with named parties. Built once: the list
/// index is most of the cost.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| engine_with(pack_of(&pack_files()), Some(bundled_lists())))
}

fn shipment(item: &str, to: &str, as_of: &str) -> Shipment {
    Shipment {
        item: ItemRef::CatalogId(item.to_owned()),
        to: country(to),
        from: Country::us(),
        transaction: Transaction::Export,
        end_use: None,
        quantity: None,
        as_of: date(as_of),
        known_on: None,
        layer: Reading::Enforced,
        exporter_role: Default::default(),
        exporter: None,
        rebuttal: Default::default(),
        tf32: Tf32Reading::Container32,
        parties: Vec::new(),
    }
}

/// An end user with its headquarters, and no separate parent.
fn end_user(name: Option<&str>, hq: &str) -> Party {
    Party {
        name: name.map(str::to_owned),
        headquarters: Some(country(hq)),
        parent_headquarters: Some(ParentHeadquarters::Same),
        ..Party::new(PartyRole::EndUser)
    }
}

fn named(role: PartyRole, name: &str) -> Party {
    Party {
        name: Some(name.to_owned()),
        ..Party::new(role)
    }
}

/// The varied real shipments every contract test runs on, by label.
fn shipments() -> Vec<(&'static str, Shipment)> {
    let mut out = Vec::new();

    let mut s = shipment("nvidia-h20", "CN", "2025-04-20");
    s.parties.push(end_user(Some("Moore Threads"), "CN"));
    out.push(("h20-cn-moore-threads", s));

    let mut s = shipment("nvidia-h200-sxm", "CN", "2026-02-01");
    s.from = country("TW");
    s.transaction = Transaction::Reexport;
    s.parties.push(end_user(None, "CN"));
    out.push(("h200-reexport-tw-cn", s));

    let mut s = shipment("nvidia-h100-sxm", "IN", "2025-06-01");
    s.layer = Reading::Legal;
    s.parties.push(end_user(None, "IN"));
    out.push(("h100-in-legal", s));

    let spec_text = std::fs::read_to_string(root().join("examples/specs/hgx-h100-8gpu.toml"))
        .expect("examples/specs/hgx-h100-8gpu.toml");
    let mut s = shipment("unused", "AE", "2026-07-20");
    s.item = ItemRef::Spec(Box::new(Spec::from_toml(&spec_text).unwrap()));
    s.parties.push(end_user(None, "AE"));
    out.push(("inline-hgx-system-ae", s));

    // TPP 21,344 at 32 bits, 12,673 at 19: the January 2026 case-by-case policy is for
    // TPP below 21,000.
    let mut s = shipment("aws-trainium2", "CN", "2026-02-01");
    s.parties.push(end_user(None, "CN"));
    out.push(("trainium2-tf32", s));

    let mut s = shipment("nvidia-h100-sxm", "AE", "2026-07-20");
    s.parties = vec![
        Party {
            headquarters: Some(country("AE")),
            parent_headquarters: Some(ParentHeadquarters::Same),
            ..named(PartyRole::EndUser, "G42")
        },
        named(PartyRole::UltimateConsignee, "Core42 Cloud Services"),
        Party {
            country: Some(country("SG")),
            ..named(PartyRole::IntermediateConsignee, "Megaspeed International")
        },
        Party {
            country: Some(country("US")),
            address: Some("2788 San Tomas Expressway, Santa Clara".to_owned()),
            ..named(PartyRole::Purchaser, "NVIDIA Corporation")
        },
    ];
    out.push(("h100-ae-four-parties", s));

    let mut s = shipment("nvidia-h100-sxm", "AE", "2026-07-20");
    s.parties.push(end_user(None, "AE"));
    out.push(("h100-ae-sta-uae", s));

    let mut s = shipment("nvidia-h100-sxm", "DE", "2026-07-20");
    s.parties.push(end_user(None, "DE"));
    out.push(("h100-de-no-license", s));

    let mut s = shipment("nvidia-h20", "CN", "2025-04-10");
    s.known_on = Some(date("2025-04-10"));
    s.parties.push(end_user(None, "CN"));
    out.push(("h20-cn-known-on-2025-04-10", s));

    let mut s = shipment("nvidia-a100-sxm", "CN", "2022-10-06");
    s.parties.push(end_user(None, "CN"));
    out.push(("a100-before-the-pack", s));

    out
}

/// Every shipment's decision on the shared engine, made once for all tests.
fn decisions() -> &'static [(&'static str, Shipment, ShipmentDecision)] {
    static DECISIONS: OnceLock<Vec<(&'static str, Shipment, ShipmentDecision)>> = OnceLock::new();
    DECISIONS.get_or_init(|| {
        let engine = engine();
        let mut worker = engine.worker();
        shipments()
            .into_iter()
            .map(|(label, s)| {
                let d = worker
                    .check(&s, date(CHECKED_ON))
                    .unwrap_or_else(|e| panic!("{label}: {e}"));
                (label, s, d)
            })
            .collect()
    })
}

fn decision(label: &str) -> &'static ShipmentDecision {
    decisions()
        .iter()
        .find(|(l, _, _)| *l == label)
        .map(|(_, _, d)| d)
        .unwrap_or_else(|| panic!("no shipment `{label}`"))
}

/// Every (key, value) pair in a JSON value, at any depth; array items under their array's key.
fn walk<'v>(key: &str, value: &'v Value, out: &mut Vec<(String, &'v Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                walk(k, v, out);
            }
        }
        Value::Array(items) => {
            for v in items {
                walk(key, v, out);
            }
        }
        _ => out.push((key.to_owned(), value)),
    }
}

fn leaves(value: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

// ---- The published schemas ----

#[test]
fn committed_schemas_are_the_ones_the_code_generates() {
    for (name, generated) in earmark_engine::schema::files().unwrap() {
        let path = root().join("schemas").join(name);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "`schemas/{name}` differs from the schema the code generates (or is missing): run \
             `cargo run -- schema --write schemas` and commit the result"
        );
    }
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schemas").join(name)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_valid(validator: &jsonschema::Validator, what: &str, instance: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

#[test]
fn every_shipment_decision_and_stored_decision_validates_against_its_schema() {
    let shipment_schema = validator("shipment.schema.json");
    let decision_schema = validator("decision.schema.json");
    let stored_schema = validator("stored-decision.schema.json");
    for (label, s, d) in decisions() {
        assert_valid(
            &shipment_schema,
            &format!("{label}: shipment"),
            &serde_json::to_value(s).unwrap(),
        );
        assert_valid(
            &decision_schema,
            &format!("{label}: decision"),
            &serde_json::to_value(d).unwrap(),
        );
        assert_valid(
            &stored_schema,
            &format!("{label}: stored decision"),
            &serde_json::to_value(StoredDecision::from(d)).unwrap(),
        );
    }
}

#[test]
fn the_schemas_reject_what_the_types_reject() {
    // A validator that accepts anything would pass every test above.
    let shipment_schema = validator("shipment.schema.json");
    let (_, s, d) = &decisions()[0];
    let mut bad = serde_json::to_value(s).unwrap();
    bad["destination"] = Value::from("CN");
    assert!(!shipment_schema.is_valid(&bad), "unknown field accepted");
    let mut bad = serde_json::to_value(s).unwrap();
    bad.as_object_mut().unwrap().remove("as_of");
    assert!(!shipment_schema.is_valid(&bad), "missing as_of accepted");
    let decision_schema = validator("decision.schema.json");
    let mut bad = serde_json::to_value(d).unwrap();
    bad["severity"] = Value::from("fine");
    assert!(!decision_schema.is_valid(&bad), "unknown severity accepted");
}

// ---- Round trips ----

#[test]
fn shipments_and_decisions_round_trip_through_json_unchanged() {
    for (label, s, d) in decisions() {
        let text = serde_json::to_string(s).unwrap();
        let back: Shipment = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(&back, s, "{label}: shipment changed through JSON");

        let text = serde_json::to_string_pretty(d).unwrap();
        let back: ShipmentDecision =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(&back, d, "{label}: decision changed through JSON");
        let again = serde_json::to_string_pretty(&back).unwrap();
        assert!(
            again == text,
            "{label}: the decision re-serializes differently"
        );
    }
}

#[test]
fn every_catalog_item_decision_round_trips_and_validates() {
    // Figures differ per item (fractional densities, unpublished figures, systems): every
    // float the classifier computes must read back as the same f64.
    let engine = engine_with(pack_of(&pack_files()), None);
    let decision_schema = validator("decision.schema.json");
    let mut worker = engine.worker();
    let ids: Vec<String> = engine.catalog().items().map(|i| i.id.clone()).collect();
    assert!(ids.len() >= 70, "{} catalog items", ids.len());
    for id in ids {
        for (to, as_of) in [("CN", "2025-01-20"), ("AE", "2026-07-20")] {
            let mut s = shipment(&id, to, as_of);
            s.parties.push(end_user(None, to));
            let d = worker.check(&s, date(CHECKED_ON)).unwrap();
            let text = serde_json::to_string(&d).unwrap();
            let back: ShipmentDecision = serde_json::from_str(&text).unwrap();
            assert_eq!(back, d, "{id} to {to}: changed through JSON");
            assert!(
                serde_json::to_string(&back).unwrap() == text,
                "{id} to {to}"
            );
            assert_valid(
                &decision_schema,
                &format!("{id} to {to}"),
                &serde_json::from_str(&text).unwrap(),
            );
        }
    }
}

#[test]
fn a_decision_whose_item_has_no_z_paragraphs_or_components_reads_back_from_its_json() {
    // A single IC has neither; the JSON leaves both out, and reading it back required them.
    let d = decision("h20-cn-moore-threads");
    assert!(d.classification.z_paragraphs.is_empty() && d.classification.components.is_empty());
    let value = serde_json::to_value(d).unwrap();
    assert!(value["classification"].get("z_paragraphs").is_none());
    let back: Result<ShipmentDecision, _> = serde_json::from_value(value);
    assert!(back.is_ok(), "{}", back.unwrap_err());
}

#[test]
fn the_shipments_cover_the_cases_they_are_named_for() {
    // The round trips above are only as good as the variety of what they carry.
    let h20 = decision("h20-cn-moore-threads");
    assert_eq!(h20.parties[0].status, Some(ListStatus::Listed));
    assert!(h20.parties[0].entity_list.is_some());
    let tf32 = decision("trainium2-tf32");
    assert!(
        tf32.tf32_alternative.as_ref().is_some_and(|a| a.differs),
        "trainium2: the answer should depend on TF32: {:?}",
        tf32.tf32_alternative
    );
    assert_eq!(decision("h100-ae-four-parties").parties.len(), 4);
    let before = decision("a100-before-the-pack");
    assert_eq!(before.decision.outcome, Outcome::Indeterminate);
    assert!(matches!(
        decision("inline-hgx-system-ae").shipment.item,
        ItemRef::Spec(_)
    ));
}

// ---- The stored form and replay ----

/// Compact JSON, as a ledger would keep it.
fn stored_json(d: &ShipmentDecision) -> String {
    serde_json::to_string(&StoredDecision::from(d)).unwrap()
}

#[test]
fn a_stored_decision_is_small_and_replays_to_the_decision_it_records() {
    let engine = engine();
    let mut sizes = Vec::new();
    for (label, _, d) in decisions() {
        let full = serde_json::to_string(d).unwrap().len();
        let text = stored_json(d);
        println!("{label}: stored {} bytes, full {full} bytes", text.len());
        sizes.push(text.len());
        assert!(
            text.len() * 10 < full,
            "{label}: stored {} bytes is not a tenth of the full {full}",
            text.len()
        );
        let stored: StoredDecision = serde_json::from_str(&text).unwrap();
        let replay = engine.replay(&stored).unwrap();
        assert!(replay.same_rule_pack && replay.same_catalog && replay.same_lists);
        assert!(
            replay.agrees,
            "{label}: the replay disagrees with its record"
        );
        assert_eq!(
            &replay.decision, d,
            "{label}: replay rebuilt another decision"
        );
        assert!(
            serde_json::to_string(&replay.decision).unwrap() == serde_json::to_string(d).unwrap(),
            "{label}: the replayed decision serializes differently"
        );
    }
    sizes.sort_unstable();
    let (min, median, max) = (sizes[0], sizes[sizes.len() / 2], sizes[sizes.len() - 1]);
    println!("stored sizes: min {min}, median {median}, max {max} bytes");
    assert!(max <= 2048, "a stored decision of {max} bytes is not small");
}

/// The bundled pack's files with one file's text replaced.
fn edited_pack(file: &str, edit: impl Fn(&str) -> String) -> RulePack {
    let mut files = pack_files();
    let (_, text) = files
        .iter_mut()
        .find(|(p, _)| p == file)
        .unwrap_or_else(|| panic!("no `{file}` in the pack"));
    let edited = edit(text);
    assert_ne!(&edited, text, "the edit of `{file}` changed nothing");
    *text = edited;
    pack_of(&files)
}

fn h20_to_china() -> Shipment {
    let mut s = shipment("nvidia-h20", "CN", "2025-04-20");
    // The letter binds NVIDIA, the company it was sent to.
    s.exporter = Some(earmark_core::rules::Exporter::parse("nvidia").unwrap());
    s.parties.push(end_user(None, "CN"));
    s
}

#[test]
fn a_replay_under_another_rule_pack_says_the_pack_changed_and_whether_the_answer_did() {
    let original = engine_with(pack_of(&pack_files()), None);
    let d = original.check(&h20_to_china(), date(CHECKED_ON)).unwrap();
    assert_eq!(d.decision.outcome, Outcome::LicenseRequired);
    let stored: StoredDecision = serde_json::from_str(&stored_json(&d)).unwrap();

    let letter = "instruments/2025-04-09-nvidia-h20-letter.toml";
    // A wording change elsewhere: another pack, the same answer.
    let reworded = engine_with(
        edited_pack("instruments/2026-07-10-uae.toml", |t| {
            t.replace(
                "Enhanced Favorable Treatment",
                "Enhanced favourable treatment",
            )
        }),
        None,
    );
    let replay = reworded.replay(&stored).unwrap();
    assert!(!replay.same_rule_pack);
    assert!(
        replay.agrees,
        "a wording change elsewhere changed the answer"
    );

    // The H20's review policy softened: the outcome stands, the policy does not.
    let softened = engine_with(
        edited_pack(letter, |t| {
            t.replacen(
                "policy = \"presumption_of_denial\"\npriority = 40\n[rules.when]\nincorporates = [\"nvidia-h20\"]",
                "policy = \"case_by_case\"\npriority = 45\n[rules.when]\nincorporates = [\"nvidia-h20\"]",
                1,
            )
        }),
        None,
    );
    let replay = softened.replay(&stored).unwrap();
    assert!(!replay.same_rule_pack);
    assert!(!replay.agrees, "a changed review policy went unnoticed");
    assert_eq!(replay.decision.decision.outcome, Outcome::LicenseRequired);

    // The letter dropped: nothing requires a license for the H20 any more.
    let mut files = pack_files();
    files.retain(|(p, _)| p != letter);
    let dropped = engine_with(pack_of(&files), None);
    let replay = dropped.replay(&stored).unwrap();
    assert!(!replay.same_rule_pack);
    assert!(!replay.agrees, "a dropped instrument went unnoticed");
    assert_ne!(replay.decision.decision.outcome, Outcome::LicenseRequired);
}

fn entity_list_only() -> Index {
    let bytes = std::fs::read(root().join("data/lists/entity-list-2026-07.csv")).unwrap();
    build_index(vec![entity_list::load(
        "entity-list-2026-07.csv",
        &bytes,
        Some("2026-07-31"),
    )
    .unwrap()])
}

#[test]
fn a_replay_that_no_longer_blocks_a_sanctioned_party_does_not_agree() {
    // An SDN match blocks the shipment whatever the license answer; the stored form kept no
    // trace of it, and `agrees` ignored severity, so a replay on lists without the SDN
    // "agreed" with a blocked record while clearing the shipment.
    let mut s = shipment("nvidia-h100-sxm", "DE", "2026-07-20");
    s.parties.push(end_user(Some("Tropic Tours GmbH"), "DE"));
    let d = engine().check(&s, date(CHECKED_ON)).unwrap();
    assert_eq!(d.severity, Severity::Blocked, "{}", d.headline);
    let stored: StoredDecision = serde_json::from_str(&stored_json(&d)).unwrap();
    assert!(
        stored.parties[0]
            .other_lists
            .iter()
            .any(|e| e.starts_with("SDN:")),
        "the stored party does not say which SDN entry blocked it: {:?}",
        stored.parties[0]
    );

    let replay = engine_with(pack_of(&pack_files()), Some(entity_list_only()))
        .replay(&stored)
        .unwrap();
    assert!(!replay.same_lists);
    assert_eq!(replay.decision.severity, Severity::Clear);
    assert!(
        !replay.agrees,
        "a blocked record replayed as clear, and agreed"
    );
}

#[test]
fn a_stored_decision_of_an_unknown_schema_version_is_refused() {
    let (_, _, d) = &decisions()[0];
    let mut stored = StoredDecision::from(d);
    stored.schema_version = 999;
    let text = serde_json::to_string(&stored).unwrap();
    let stored: StoredDecision = serde_json::from_str(&text).unwrap();
    let error = engine().replay(&stored).unwrap_err();
    assert!(error.to_string().contains("999"), "{error}");
}

// ---- Known-on ----

#[test]
fn a_known_on_check_reveals_nothing_published_after_the_known_on_date() {
    let known_on = date("2025-04-10");
    let d = decision("h20-cn-known-on-2025-04-10");
    let pack = engine().pack();
    let letter = pack
        .instruments
        .iter()
        .find(|i| i.id == "usg-2025-04-h20-letter")
        .expect("the H20 letter is in the pack");
    assert!(
        !letter.is_known_on(known_on),
        "the test date must precede the letter"
    );
    let later: Vec<&earmark_core::rules::Instrument> = pack
        .instruments
        .iter()
        .filter(|i| !i.is_known_on(known_on))
        .collect();
    if let Some(next) = &d.next_change {
        for i in &later {
            assert!(
                !next.instruments.contains(&i.id),
                "next_change names `{}`, not public on {known_on}",
                i.id
            );
        }
    }
    // Anything a reader or a program sees: the whole decision, trace and notes included.
    let texts = [serde_json::to_string(d).unwrap()];
    for i in &later {
        let mut names = vec![i.id.clone(), i.title.clone()];
        names.extend(
            i.rules
                .iter()
                .filter_map(|&r| pack.rules.get(r))
                .map(|r| format!("\"{}\"", r.id)),
        );
        for text in &texts {
            for name in &names {
                if let Some(at) = text.find(name.as_str()) {
                    let near = text
                        .get(at.saturating_sub(200)..(at + 200).min(text.len()))
                        .unwrap_or(name);
                    panic!(
                        "the decision as known on {known_on} mentions `{name}` of `{}`, public \
                         later: ...{near}...",
                        i.id
                    );
                }
            }
        }
    }
}

#[test]
fn the_next_change_stops_at_the_date_the_rule_pack_was_verified_through() {
    // After the date its sources were verified through, the pack answers indeterminate for
    // want of coverage. That is no change the rules make: the next change was reported at the
    // next rule boundary after it (2026-11-10, the end of the Affiliates rule's stay), naming
    // instruments that change nothing for the shipment. No date past the horizon is reported.
    let pack = engine().pack();
    let horizon = pack.verified_through.unwrap();
    for label in [
        "h20-cn-moore-threads",
        "h100-de-no-license",
        "h20-cn-known-on-2025-04-10",
    ] {
        let d = decision(label);
        if let Some(next) = d.next_change.as_ref() {
            assert!(next.date <= horizon, "{label}: {next:?}");
            assert_ne!(
                next.answer.outcome,
                Outcome::Indeterminate,
                "{label}: {next:?}"
            );
        }
        assert_eq!(d.data.rule_pack_verified_through, Some(horizon), "{label}");
    }
}

// ---- The headline does not overstate ----

#[test]
fn a_clearance_with_no_party_named_says_no_party_screened() {
    let d = decision("h100-de-no-license");
    assert_eq!(d.decision.outcome, Outcome::NoLicenseRequired);
    assert!(
        d.headline.contains("no party screened"),
        "headline: {}",
        d.headline
    );
}

#[test]
fn an_sta_uae_exception_holds_only_if_eligible() {
    let d = decision("h100-ae-sta-uae");
    assert_eq!(d.decision.outcome, Outcome::LicenseRequired);
    assert!(
        d.decision
            .license_exceptions
            .iter()
            .any(|e| e.id == "STA-UAE"),
        "{:?}",
        d.decision.license_exceptions
    );
    assert!(
        d.headline.contains("STA-UAE only if eligible"),
        "headline: {}",
        d.headline
    );
    assert!(
        !d.headline.contains("available"),
        "headline: {}",
        d.headline
    );
}

// ---- What the JSON says ----

#[test]
fn scores_in_a_decision_have_at_most_four_decimals() {
    let mut seen = 0;
    for (label, _, d) in decisions() {
        let value = serde_json::to_value(d).unwrap();
        for (key, v) in leaves(&value) {
            if key != "score" {
                continue;
            }
            seen += 1;
            let text = v.to_string();
            let decimals = text.split_once('.').map_or(0, |(_, f)| f.len());
            assert!(decimals <= 4, "{label}: score {text}");
        }
    }
    assert!(seen > 0, "no score was checked");
}

#[test]
fn no_citation_repeats_a_part() {
    let mut seen = 0;
    for (label, _, d) in decisions() {
        let value = serde_json::to_value(d).unwrap();
        for (key, v) in leaves(&value) {
            let (true, Some(text)) = (key == "cite" || key == "citation", v.as_str()) else {
                continue;
            };
            seen += 1;
            let parts: Vec<&str> = text.split(';').map(str::trim).collect();
            for (i, part) in parts.iter().enumerate() {
                assert!(
                    !parts[..i].contains(part),
                    "{label}: citation `{text}` repeats `{part}`"
                );
            }
        }
    }
    assert!(seen > 0, "no citation was checked");
}

#[test]
fn no_entity_list_text_in_a_decision_ends_in_a_footnote_digit() {
    let mut seen = 0;
    for (label, _, d) in decisions() {
        let value = serde_json::to_value(d).unwrap();
        for p in &d.parties {
            for m in p.entity_list.iter().chain(&p.listed_after_as_of) {
                seen += 1;
                assert!(
                    !m.matched_name.ends_with(|c: char| c.is_ascii_digit()),
                    "{label}: Entity List name `{}`",
                    m.matched_name
                );
            }
        }
        for (_, v) in leaves(&value) {
            let Some(text) = v.as_str() else { continue };
            if text.contains("subject to the EAR") {
                seen += 1;
                assert!(
                    !text.trim_end().ends_with(|c: char| c.is_ascii_digit()),
                    "{label}: Entity List license text ends in a footnote marker: `{text}`"
                );
            }
        }
    }
    assert!(seen > 0, "no Entity List text was checked");
}

// ---- Fail closed: no Entity List loaded ----

fn sdn_only() -> Index {
    let bytes = std::fs::read(root().join("../shared/data/screening/ofac_sdn_2024-05/sdn.csv"))
        .expect("../shared/data/screening/ofac_sdn_2024-05/sdn.csv");
    let files = ofac::OfacFiles {
        primary: ("sdn.csv", &bytes),
        ..Default::default()
    };
    build_index(vec![ofac::load(&files, false, Some("2024-05-03")).unwrap()])
}

#[test]
fn a_party_that_cannot_be_screened_without_an_entity_list_is_unknown_never_not_listed() {
    let engine = engine_with(pack_of(&pack_files()), Some(sdn_only()));
    // The H100 to Germany needs no license unless a party is listed: the rules read the
    // list status, which an SDN list cannot answer.
    let mut s = shipment("nvidia-h100-sxm", "DE", "2026-07-20");
    s.parties
        .push(end_user(Some("Rheinmetall Datacenter GmbH"), "DE"));
    let d = engine.check(&s, date(CHECKED_ON)).unwrap();
    let party = &d.parties[0];
    assert_eq!(party.status, Some(ListStatus::Unknown));
    assert_eq!(party.basis, ScreeningBasis::NoEntityList);
    assert_eq!(d.decision.outcome, Outcome::Indeterminate);
    assert!(
        d.decision
            .missing
            .iter()
            .any(|m| m.field == "end_user_list"),
        "missing: {:?}",
        d.decision.missing
    );
    assert_eq!(d.severity, Severity::Review);
    assert!(
        !d.headline.to_lowercase().contains("not listed"),
        "{}",
        d.headline
    );
    assert!(
        !d.headline.contains("NO LICENSE REQUIRED"),
        "{}",
        d.headline
    );
    let value = serde_json::to_value(party).unwrap();
    assert_eq!(value["status"], "unknown");
    assert_eq!(value["basis"], "no_entity_list");
}
