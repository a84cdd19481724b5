//! Golden classification cases, read from the Markdown tables in `golden/classification.md`.
//!
//! The tables were computed by hand from the regulation text, independently of the classifier,
//! so they are an oracle rather than a snapshot. Each row names an item (a catalog id or an
//! inline mini-spec), a date and the expected answer; a failure names the row.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

use std::collections::BTreeMap;

#[path = "support/markdown.rs"]
mod markdown;

#[path = "support/bundled.rs"]
mod bundled;

use earmark_core::catalog::Catalog;
use earmark_core::classify::{classify_with, ClassifyOptions, Status, Vintages};
use earmark_core::spec::{Component, ItemKind, ItemRef, Spec};
use earmark_core::Date;

const TABLE: &str = include_str!("golden/classification.md");
const CATALOG: &str = include_str!("../../../catalog/accelerators.toml");

#[derive(Debug)]
struct Row {
    line: usize,
    case: String,
    item: String,
    as_of: Date,
    status: String,
    eccn: String,
    paragraph: String,
    missing: Vec<String>,
}

fn rows() -> Vec<Row> {
    markdown::rows(TABLE)
        .into_iter()
        .map(|row| {
            let as_of = row.get("as_of");
            Row {
                line: row.line,
                case: row.get("case").to_owned(),
                item: row.get("item").to_owned(),
                as_of: as_of
                    .parse()
                    .unwrap_or_else(|e| panic!("line {}: bad as_of `{as_of}`: {e}", row.line)),
                status: row.get("status").to_owned(),
                eccn: row.get("eccn").to_owned(),
                paragraph: row.get("paragraph").to_owned(),
                missing: match row.get("missing") {
                    "-" | "" => vec![],
                    list => list.split(',').map(|s| s.trim().to_owned()).collect(),
                },
            }
        })
        .collect()
}

/// Parses an inline mini-spec: `ic dc=yes tops.fp16=150 area=1500 icx=600 mbw=4000 pkg=100
/// contains=nvidia-h100-sxm*8`.
fn mini_spec(text: &str, line: usize) -> Spec {
    let mut words = text.split_whitespace();
    let kind = match words.next() {
        Some("ic") => ItemKind::Ic,
        Some("hbm") => ItemKind::Hbm,
        Some("system") => ItemKind::System,
        other => panic!("line {line}: unknown item kind {other:?}"),
    };
    let mut spec = Spec {
        name: text.to_owned(),
        kind,
        datacenter: None,
        dense_tops: BTreeMap::new(),
        bit_lengths: BTreeMap::new(),
        units: vec![],
        die_area_mm2: None,
        dies: vec![],
        memory_gb: None,
        memory_bandwidth_gbs: None,
        interconnect_bidir_gbs: None,
        package_area_mm2: None,
        contains: vec![],
        origin: None,
        sram_bandwidth_gbs: None,
    };
    let number = |v: &str| -> f64 {
        v.parse()
            .unwrap_or_else(|e| panic!("line {line}: bad number `{v}`: {e}"))
    };
    for word in words {
        let (key, value) = word
            .split_once('=')
            .unwrap_or_else(|| panic!("line {line}: `{word}` is not key=value"));
        match key {
            "dc" => spec.datacenter = Some(value == "yes"),
            "area" => spec.die_area_mm2 = Some(number(value)),
            "icx" => spec.interconnect_bidir_gbs = Some(number(value)),
            "mbw" => spec.memory_bandwidth_gbs = Some(number(value)),
            "pkg" => spec.package_area_mm2 = Some(number(value)),
            "contains" => {
                for part in value.split(',') {
                    let (id, count) = part.split_once('*').unwrap_or((part, "1"));
                    spec.contains.push(Component {
                        item: ItemRef::CatalogId(id.to_owned()),
                        count: count.parse().unwrap_or_else(|e| panic!("line {line}: {e}")),
                    });
                }
            }
            k if k.starts_with("tops.") => {
                spec.dense_tops
                    .insert(k["tops.".len()..].to_owned(), number(value));
            }
            other => panic!("line {line}: unknown key `{other}`"),
        }
    }
    spec.validate()
        .unwrap_or_else(|e| panic!("line {line}: invalid mini-spec: {e}"));
    spec
}

#[test]
fn golden_classification_table() {
    let catalog = Catalog::from_toml_files([("catalog/accelerators.toml", CATALOG)]).unwrap();
    // The table was computed by hand from the regulation text; the bundled pack's thresholds
    // and dates must reproduce it.
    let vintages = Vintages::from_pack(&bundled::pack()).unwrap();
    let rows = rows();
    assert!(rows.len() >= 60, "only {} golden rows", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        let spec = match catalog.get(&row.item) {
            Some(entry) => entry.spec.clone(),
            None => mini_spec(&row.item, row.line),
        };
        let got = classify_with(
            &spec,
            row.as_of,
            &ClassifyOptions::default(),
            &catalog,
            &vintages,
        );
        let status = match got.status {
            Status::Determined => "determined",
            Status::Indeterminate => "indeterminate",
        };
        let eccn = got.eccn.map_or("-", |e| e.as_str());
        let paragraph = got.paragraph.as_deref().unwrap_or("-");
        let mut missing: Vec<String> = got
            .missing
            .iter()
            .map(|m| m.field.rsplit('.').next().unwrap_or(&m.field).to_owned())
            .collect();
        missing.sort();
        missing.dedup();
        let mut expected_missing = row.missing.clone();
        expected_missing.sort();
        if status != row.status
            || eccn != row.eccn
            || paragraph != row.paragraph
            || missing != expected_missing
        {
            failures.push(format!(
                "line {} `{}`: expected {} {} {} missing {:?}; got {status} {eccn} {paragraph} \
                 missing {missing:?} (TPP {:?}, PD {:?}) — {}",
                row.line,
                row.case,
                row.status,
                row.eccn,
                row.paragraph,
                expected_missing,
                got.tpp,
                got.performance_density,
                got.summary,
            ));
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
