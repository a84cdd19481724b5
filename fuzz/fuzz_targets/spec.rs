//! Item specs and catalog files: arbitrary text must never panic the parsers, and whatever
//! parses must classify on every vintage without panicking.
#![no_main]
use earmark_core::catalog::{Catalog, NoLookup};
use earmark_core::classify::{classify_with, ClassifyOptions, Vintages};
use earmark_core::rules::RulePack;
use earmark_core::spec::{Spec, Tf32Reading};
use libfuzzer_sys::fuzz_target;

const DATES: [&str; 4] = ["2022-01-01", "2023-01-01", "2024-06-01", "2025-01-01"];

const PACK: &str = "id = \"fuzz\"\ntitle = \"fuzz\"\nversion = \"0\"\nstarts = 2022-10-07\n";
const GROUPS: &str = "[[group]]\nid = \"D:5\"\nname = \"D:5\"\nmembers = [\"CN\"]\n";
/// The classification rules of the bundled pack, with its numbers and dates, alone: the
/// classifier reads nothing else of a pack.
const CLASSIFICATION: &str = r#"
id = "fuzz-classification"
title = "classification texts"
kind = "rule"
layer = "legal"
confidence = "primary"
published = 2022-10-07
effective = 2022-10-07
[[citations]]
fr = "87 FR 62186"

[[rules]]
id = "ac22"
kind = "classification"
cite = "3A090 (2022)"
[rules.when]
eccn = ["3A090.a", "4A090.a"]
[rules.thresholds]
tpp_a = 4800
interconnect_bidir_gbs = 600

[[rules]]
id = "acs23"
kind = "classification"
cite = "3A090 (2023)"
from = 2023-11-17
[rules.when]
eccn = ["3A090.a", "3A090.b", "4A090.a"]
[rules.thresholds]
tpp_a = 4800
tpp_floor = 1600
pd_a2 = 5.92
tpp_b1 = 2400
pd_b1 = 1.6
pd_b2 = 3.2

[[rules]]
id = "cc24"
kind = "classification"
cite = "4A090.b"
from = 2024-04-04
[rules.when]
eccn = ["4A090.b"]

[[rules]]
id = "hbm24"
kind = "classification"
cite = "3A090.c"
from = 2024-12-02
[rules.when]
eccn = ["3A090.c"]
[rules.thresholds]
hbm_density = 2
"#;

fn load_vintages() -> Option<Vintages> {
    let pack = RulePack::from_files(&[
        ("pack.toml", PACK),
        ("countries.toml", ""),
        ("country-groups.toml", GROUPS),
        ("instruments/classification.toml", CLASSIFICATION),
    ])
    .ok()?;
    Vintages::from_pack(&pack).ok()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    static VINTAGES: std::sync::OnceLock<Option<Vintages>> = std::sync::OnceLock::new();
    let Some(vintages) = VINTAGES.get_or_init(load_vintages) else {
        return;
    };
    let catalog = Catalog::from_toml_files([("fuzz.toml", text)]).unwrap_or_default();
    for spec in [Spec::from_json(text), Spec::from_toml(text)].into_iter().flatten() {
        for date in DATES.iter().filter_map(|d| d.parse().ok()) {
            for tf32 in [Tf32Reading::Container32, Tf32Reading::Significant19] {
                let options = ClassifyOptions { tf32 };
                let _ = classify_with(&spec, date, &options, &catalog, vintages);
                let _ = classify_with(&spec, date, &options, &NoLookup, vintages);
            }
        }
    }
});
