//! The rule-pack loader: arbitrary text in place of an instrument file (and of the country
//! files) must never panic; whatever loads must answer a determination without panicking.
#![no_main]
use earmark_core::country::Country;
use earmark_core::determine::{determine, EccnFact, ItemFacts, Request};
use earmark_core::rules::RulePack;
use earmark_core::spec::ItemKind;
use libfuzzer_sys::fuzz_target;

const PACK: &str = "id = \"fuzz\"\ntitle = \"fuzz\"\nversion = \"0\"\nstarts = 2022-10-07\n";
const COUNTRIES: &str = "[[set]]\nname = \"macau_d5\"\nmembers = \"MO | D:5\"\n";
const GROUPS: &str = "[[group]]\nid = \"D:5\"\nname = \"D:5\"\nmembers = [\"CN\"]\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = RulePack::from_files(&[
        ("pack.toml", PACK),
        ("countries.toml", text),
        ("country-groups.toml", GROUPS),
    ]);
    let _ = RulePack::from_files(&[
        ("pack.toml", PACK),
        ("countries.toml", COUNTRIES),
        ("country-groups.toml", text),
    ]);
    let files = [
        ("pack.toml", PACK),
        ("countries.toml", COUNTRIES),
        ("country-groups.toml", GROUPS),
        ("instruments/fuzz.toml", text),
    ];
    if let Ok(pack) = RulePack::from_files(&files) {
        let item = ItemFacts {
            id: Some("x".into()),
            components: Vec::new(),
            origin: None,
            name: "x".into(),
            kind: ItemKind::Ic,
            eccn: EccnFact::Unknown,
            paragraph: None,
            datacenter: None,
            tpp: Some(5000.0),
            performance_density: None,
            memory_bandwidth_density: None,
            memory_bandwidth_gbs: None,
            interconnect_bidir_gbs: None,
            classified_as_of: None,
            classification_missing: Vec::new(),
        };
        for code in ["CN", "MO", "DE"] {
            if let (Some(to), Some(date)) = (Country::from_code(code), "2025-01-01".parse().ok()) {
                let _ = determine(&pack, &Request::export(to, date), &item);
            }
        }
    }
});
