//! Golden license decisions: `rules/us-ear/golden/decisions.md`, a Markdown table of requests
//! and expected answers, run against the bundled rule pack and catalog. A failure names the
//! row. Each row also holds the fast path (`Determiner::decide`) to the explaining one, and
//! checks that the JSON of a decision is byte-identical when made twice.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "support/markdown.rs"]
mod markdown;

#[path = "support/bundled.rs"]
mod bundled;

use earmark_core::classify::{classify_with, ClassifyOptions, Vintages};
use earmark_core::country::Country;
use earmark_core::determine::{Determiner, ItemFacts, Reading, Request};
use earmark_core::rules::{EndUse, Exporter, ExporterRole, ListStatus, Rebuttal, Transaction};
use earmark_core::spec::Spec;
use earmark_core::Date;

fn list(cell: &str) -> Vec<String> {
    if cell.is_empty() || cell == "-" {
        return Vec::new();
    }
    cell.split(',').map(|s| s.trim().to_owned()).collect()
}

fn country(code: &str) -> Country {
    Country::from_code(code).unwrap_or_else(|| panic!("bad country `{code}`"))
}

#[test]
fn golden_decisions() {
    let pack = bundled::pack();
    let catalog = bundled::catalog();
    let vintages = Vintages::from_pack(&pack).unwrap();
    let text =
        std::fs::read_to_string(bundled::root().join("rules/us-ear/golden/decisions.md")).unwrap();
    let rows = markdown::rows(&text);
    let mut determiner = Determiner::new(&pack);
    let mut failures = Vec::new();
    let mut seen = std::collections::HashSet::new();
    assert!(rows.len() >= 100, "only {} golden rows", rows.len());
    for row in &rows {
        let get = |name: &str| row.get(name);
        let id = format!("row {} (line {}): {}", get("#"), row.line, get("why"));
        assert!(
            seen.insert(get("#").to_owned()),
            "duplicate row number in {id}"
        );
        let item_cell = get("item");
        let (catalog_id, spec): (Option<&str>, Spec) = match item_cell.strip_prefix("spec:") {
            Some(name) => {
                let path = bundled::root().join(format!("rules/us-ear/golden/specs/{name}.toml"));
                (
                    None,
                    Spec::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap(),
                )
            }
            None => (
                Some(item_cell),
                catalog
                    .get(item_cell)
                    .unwrap_or_else(|| panic!("{id}: `{item_cell}` not in the catalog"))
                    .spec
                    .clone(),
            ),
        };
        let to = country(get("to"));
        let transaction = match get("tx") {
            "" | "export" => Transaction::Export,
            "reexport" => Transaction::Reexport,
            "in-country" => Transaction::InCountry,
            other => panic!("{id}: bad tx `{other}`"),
        };
        let from = match (get("from"), transaction) {
            ("", Transaction::InCountry) => to,
            ("", _) => Country::us(),
            (c, _) => country(c),
        };
        let hq = (!get("hq").is_empty()).then(|| country(get("hq")));
        let parent = if get("parent").is_empty() {
            hq
        } else {
            Some(country(get("parent")))
        };
        let as_of: Date = get("as of").parse().unwrap();
        let known_on: Date = if get("known on").is_empty() {
            as_of
        } else {
            get("known on").parse().unwrap()
        };
        let reading = match get("layer") {
            "" | "enforced" => Reading::Enforced,
            "legal" => Reading::Legal,
            other => panic!("{id}: bad layer `{other}`"),
        };
        let end_use = match get("end use") {
            "" => None,
            "supercomputer" => Some(EndUse::Supercomputer),
            "advanced-node-ic" => Some(EndUse::AdvancedNodeIc),
            "ai-training" => Some(EndUse::AiTraining),
            "technical-evaluation" => Some(EndUse::TechnicalEvaluation),
            "storage" => Some(EndUse::Storage),
            "development" => Some(EndUse::Development),
            "production" => Some(EndUse::Production),
            other => panic!("{id}: bad end use `{other}`"),
        };
        let mut request = Request {
            to,
            from,
            end_user_hq: hq,
            parent_hq: parent,
            transaction,
            end_use,
            quantity: None,
            as_of,
            known_on,
            reading,
            exporter_role: ExporterRole::Other,
            exporter: None,
            rebuttal: Rebuttal::None,
            end_user_list: None,
        };
        for kv in list(get("extra")) {
            let (k, v) = kv
                .split_once('=')
                .unwrap_or_else(|| panic!("{id}: bad extra `{kv}`"));
            match (k, v) {
                ("qty", n) => request.quantity = Some(n.parse().unwrap()),
                ("list", "listed") => request.end_user_list = Some(ListStatus::Listed),
                ("list", "affiliate") => request.end_user_list = Some(ListStatus::Affiliate),
                ("list", "not-listed") => request.end_user_list = Some(ListStatus::NotListed),
                ("role", "front-end-fabricator") => {
                    request.exporter_role = ExporterRole::FrontEndFabricator
                }
                ("role", "osat") => request.exporter_role = ExporterRole::Osat,
                ("rebuttal", "approved-designer") => request.rebuttal = Rebuttal::ApprovedDesigner,
                ("rebuttal", "authorized-designer") => {
                    request.rebuttal = Rebuttal::AuthorizedDesigner
                }
                ("rebuttal", "transistor-count") => request.rebuttal = Rebuttal::TransistorCount,
                ("rebuttal", "none") => request.rebuttal = Rebuttal::None,
                ("exporter", name) => request.exporter = Some(Exporter::parse(name).unwrap()),
                _ => panic!("{id}: bad extra `{kv}`"),
            }
        }

        let when = determiner.classification_date(as_of, known_on, reading);
        let c = classify_with(
            &spec,
            when,
            &ClassifyOptions::default(),
            &catalog,
            &vintages,
        );
        let facts = ItemFacts::from_classification(catalog_id, &spec, &c);
        let decision = determiner.explain(&request, &facts);
        let verdict = determiner.decide(&request, &facts);
        let mut problems = Vec::new();
        if !decision.agrees_with(&verdict, &pack) {
            problems.push(format!(
                "fast path disagrees: {:?}/{:?}/{:?} vs {:?}/{:?}",
                verdict.outcome,
                verdict.review_policy,
                verdict.exceptions(&pack),
                decision.outcome,
                decision.review_policy
            ));
        }
        let again =
            serde_json::to_string(&Determiner::new(&pack).explain(&request, &facts)).unwrap();
        if again != serde_json::to_string(&decision).unwrap() {
            problems.push("JSON differs between two runs".to_owned());
        }
        let outcome = decision.outcome.as_str();
        if outcome != get("outcome") {
            problems.push(format!(
                "outcome `{outcome}`, expected `{}`",
                get("outcome")
            ));
        }
        let eccn = decision.eccn.map_or("-", |e| e.as_str());
        if !get("eccn").is_empty() && eccn != get("eccn") {
            problems.push(format!("eccn `{eccn}`, expected `{}`", get("eccn")));
        }
        let policy = decision.review_policy.map_or("-", |p| p.as_str());
        if !get("policy").is_empty() && policy != get("policy") {
            problems.push(format!(
                "review policy `{policy}`, expected `{}`",
                get("policy")
            ));
        }
        if !get("exceptions").is_empty() {
            let mut got: Vec<String> = decision
                .license_exceptions
                .iter()
                .map(|e| e.id.clone())
                .collect();
            got.sort();
            let mut want = list(get("exceptions"));
            want.sort();
            if got != want {
                problems.push(format!("exceptions {got:?}, expected {want:?}"));
            }
        }
        for rule in list(get("rules")) {
            assert!(
                pack.rule(&rule).is_some(),
                "{id}: unknown rule `{rule}` in the table"
            );
            if !decision.determining_rules.contains(&rule) {
                problems.push(format!(
                    "`{rule}` not among determining rules {:?}",
                    decision.determining_rules
                ));
            }
        }
        for field in list(get("missing")) {
            if !decision.missing.iter().any(|m| m.field == field) {
                let got: Vec<&str> = decision.missing.iter().map(|m| m.field.as_str()).collect();
                problems.push(format!("`{field}` not among missing {got:?}"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{id}: {}", problems.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
