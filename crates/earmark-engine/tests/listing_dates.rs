//! Entity List listings count from the day they took effect, not the day the Federal Register
//! published them: `rules/us-ear/golden/entity-list-dates.md`, screened against the bundled
//! list snapshot with the bundled rule pack (its `entity-list-rules.toml`). A failure names
//! the row.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "../../earmark-core/tests/support/bundled.rs"]
mod bundled;

#[path = "../../earmark-core/tests/support/markdown.rs"]
mod markdown;

use earmark_core::country::Country;
use earmark_core::determine::Reading;
use earmark_core::rules::{ListStatus, Transaction};
use earmark_core::spec::Tf32Reading;
use earmark_core::Date;
use earmark_engine::{Engine, ItemRef, ParentHeadquarters, Party, PartyRole, Shipment};
use earmark_screen::build_index;
use earmark_screen::load::entity_list;

fn country(code: &str) -> Country {
    Country::from_code(code).unwrap()
}

#[test]
fn listings_count_from_their_effective_date() {
    let root = bundled::root();
    let el_bytes = std::fs::read(root.join("data/lists/entity-list-2026-07.csv")).unwrap();
    let el = entity_list::load(
        "bundled:entity-list-2026-07.csv",
        &el_bytes,
        Some("2026-07-31"),
    )
    .unwrap();
    let catalog = bundled::catalog();
    let engine = Engine::new(
        bundled::pack(),
        catalog,
        "test".to_owned(),
        Some(build_index(vec![el])),
    )
    .unwrap();
    let mut worker = engine.worker();
    let text =
        std::fs::read_to_string(root.join("rules/us-ear/golden/entity-list-dates.md")).unwrap();
    let rows = markdown::rows(&text);
    assert!(rows.len() >= 14, "only {} rows", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        let id = format!(
            "row {} (line {}): {}",
            row.get("#"),
            row.line,
            row.get("why")
        );
        let to = country(row.get("country"));
        let as_of: Date = row.get("as of").parse().unwrap();
        let shipment = Shipment {
            item: ItemRef::CatalogId(row.get("item").to_owned()),
            to,
            from: Country::us(),
            transaction: Transaction::Export,
            end_use: None,
            quantity: None,
            as_of,
            known_on: None,
            layer: Reading::Enforced,
            exporter_role: Default::default(),
            exporter: None,
            rebuttal: Default::default(),
            tf32: Tf32Reading::Container32,
            parties: vec![Party {
                name: Some(row.get("party").to_owned()),
                country: Some(to),
                headquarters: Some(to),
                parent_headquarters: Some(ParentHeadquarters::Same),
                ..Party::new(PartyRole::EndUser)
            }],
        };
        let d = worker
            .check(&shipment, "2026-08-15".parse().unwrap())
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let party = &d.parties[0];
        let status = match party.status {
            Some(ListStatus::Listed) => "listed",
            Some(ListStatus::PossibleMatch) => "possible_match",
            Some(ListStatus::NotListed) => "not_listed",
            other => panic!("{id}: status {other:?}"),
        };
        let mut problems = Vec::new();
        if status != row.get("status") {
            problems.push(format!(
                "status `{status}`, expected `{}`",
                row.get("status")
            ));
        }
        let effective = party
            .entity_list
            .as_ref()
            .and_then(|m| m.effective_on)
            .map_or("-".to_owned(), |d| d.to_string());
        let want = if row.get("effective").is_empty() {
            "-"
        } else {
            row.get("effective")
        };
        if effective != want {
            problems.push(format!("effective `{effective}`, expected `{want}`"));
        }
        if d.decision.outcome.as_str() != row.get("outcome") {
            problems.push(format!(
                "outcome `{}`, expected `{}`",
                d.decision.outcome.as_str(),
                row.get("outcome")
            ));
        }
        if !problems.is_empty() {
            failures.push(format!("{id}: {}", problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
