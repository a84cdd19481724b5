//! The generated shipment mix shared by `benches/check.rs` and `tests/threads.rs`, and the
//! bundled engine they run it on.
//!
//! It lives here, included by both with `#[path]`, rather than in a `testkit` module behind a
//! cargo feature: it reads files (the bundled data, `../shared`), which the library must
//! never do, and a feature would put a test-only module in the crate's public API and one more
//! configuration to build. Test and bench crates may read files; one source file, two
//! includes, no duplication.
//!
//! The mix is deterministic (a seeded SplitMix64, no dependency): every catalog item, about 40
//! destinations, dates across 2022-10-07..=2026-09-19, both layers, exports, reexports and
//! in-country transfers, end uses, quantities, exporter roles and rebuttals, both TF32
//! readings, and parties with headquarters and parent variants. Party names are real: names
//! and aliases of the bundled Entity List and Consolidated Screening List (some listed
//! parties), and SEC EDGAR registrant names (companies on no list, from
//! `../shared/data/screening/negatives/sec_company_tickers.json`), each with a small
//! perturbation (case, a legal form, a typo, a branch suffix).

#![allow(dead_code, reason = "the bench and the test each use part of it")]

#[path = "../../../earmark-core/tests/support/bundled.rs"]
mod bundled;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::Days;
use earmark_core::catalog::Catalog;
use earmark_core::country::Country;
use earmark_core::determine::Reading;
use earmark_core::rules::{EndUse, ExporterRole, ListStatus, Rebuttal, RulePack, Transaction};
use earmark_core::spec::Tf32Reading;
use earmark_core::Date;
use earmark_engine::{Engine, ItemRef, ParentHeadquarters, Party, PartyRole, Shipment};
use earmark_screen::load::{csl, entity_list};
use earmark_screen::{build_index, EntryKind, Index};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The bundled rule pack (`rules/us-ear/`), read as core's tests read it.
pub fn pack() -> RulePack {
    bundled::pack()
}

/// The bundled catalog and its content hash, as the CLI computes it.
pub fn catalog() -> (Catalog, String) {
    let text = std::fs::read_to_string(root().join("catalog/accelerators.toml")).unwrap();
    let files = [("catalog/accelerators.toml", text.as_str())];
    let catalog = Catalog::from_toml_files(files).unwrap();
    (catalog, earmark_engine::content_hash(&files))
}

/// The bundled list snapshot as the CLI loads it (`lists::load_bundled`): the CSL for every
/// list but the Entity List, and the Entity List file, with its addresses, for that one.
pub fn lists() -> Index {
    let read = |p: &str| std::fs::read(root().join(p)).unwrap();
    let mut c = csl::load(
        "bundled:csl-2026-07-31.json",
        &read("data/lists/csl-2026-07-31.json"),
        Some("2026-07-31"),
    )
    .unwrap();
    c.entries.retain(|e| e.list != "EL");
    c.info.records = c.entries.len();
    let el = entity_list::load(
        "bundled:entity-list-2026-07.csv",
        &read("data/lists/entity-list-2026-07.csv"),
        Some("2026-07-31"),
    )
    .unwrap();
    build_index(vec![c, el])
}

/// The engine every front end builds by default: bundled pack, catalog and lists.
pub fn engine() -> Engine {
    let (catalog, hash) = catalog();
    Engine::new(pack(), catalog, hash, Some(lists())).unwrap()
}

/// The date the checks are made: fixed, so that list ages and default known-on dates, and so
/// the decisions, are the same on every run.
pub fn checked_on() -> Date {
    Date::from_ymd_opt(2026, 9, 20).unwrap()
}

/// SplitMix64: small, fast, and the same sequence on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// In `0..n` (`n` > 0); the modulo bias is irrelevant here.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Destinations: the embargoed and D:5 countries, the AI Diffusion tiers, the countries whose
/// group changed (the UAE, Cambodia), transshipment hubs and close allies.
pub const DESTINATIONS: &[&str] = &[
    "CN", "HK", "MO", "RU", "BY", "IR", "KP", "SY", "CU", "VE", "MM", "KH", "LA", "VN", "AE", "SA",
    "QA", "KW", "IL", "TR", "IN", "PK", "MY", "SG", "TH", "ID", "PH", "KZ", "AM", "GE", "DE", "FR",
    "GB", "NL", "PL", "JP", "KR", "TW", "MX", "BR", "CA", "AU",
];

/// Where reexports ship from.
const REEXPORTERS: &[&str] = &["TW", "MY", "SG", "KR", "IL", "MX", "DE", "JP", "NL", "AE"];

const LEGAL_FORMS: &[&str] = &[
    " Co., Ltd.",
    " Inc.",
    " LLC",
    " GmbH",
    " Limited",
    " Corporation",
];
const BRANCHES: &[&str] = &[
    " (Shenzhen)",
    " Technology",
    " International",
    " Holdings",
    " Trading",
];

const FIRST_DAY: (i32, u32, u32) = (2022, 10, 7);
const LAST_DAY: (i32, u32, u32) = (2026, 9, 19);

/// One distinct party of the pool: a name with the evidence screened with it, so that each
/// pool party is one entry of a worker's screening cache.
#[derive(Debug, Clone)]
pub struct PoolParty {
    pub name: String,
    pub country: Country,
    pub address: Option<String>,
    /// Drawn from a list (possibly perturbed out of matching) rather than from SEC names.
    pub from_list: bool,
}

fn any_country(rng: &mut Rng, codes: &[&str]) -> Country {
    Country::from_code(codes[rng.below(codes.len())]).unwrap()
}

/// A name the screener can read: at least one word that is not a legal form.
fn screenable(name: &str) -> bool {
    earmark_screen::normalize::tokens(name)
        .iter()
        .any(|t| !t.legal_form)
}

/// A small change a data-entry clerk or another system might make.
fn perturb(name: &str, rng: &mut Rng) -> String {
    match rng.below(8) {
        0 => name.to_lowercase(),
        1 => name.to_uppercase(),
        2 => format!("{name}{}", rng.pick(LEGAL_FORMS)),
        3 => format!("{name}{}", rng.pick(BRANCHES)),
        // A dropped letter, or two swapped, in a longer word (ASCII only, to stay on char
        // boundaries).
        4 | 5 => {
            let words: Vec<&str> = name.split(' ').collect();
            let long: Vec<usize> = (0..words.len())
                .filter(|&i| words[i].len() > 5 && words[i].is_ascii())
                .collect();
            let Some(&w) = long.get(rng.below(long.len().max(1))) else {
                return name.to_owned();
            };
            let mut word: Vec<u8> = words[w].bytes().collect();
            let at = 1 + rng.below(word.len() - 3);
            if rng.percent(50) {
                word.remove(at);
            } else {
                word.swap(at, at + 1);
            }
            let mut out: Vec<String> = words.iter().map(|s| (*s).to_owned()).collect();
            out[w] = String::from_utf8(word).unwrap();
            out.join(" ")
        }
        _ => name.to_owned(),
    }
}

/// Real non-listed company names: SEC EDGAR registrants, minus any that a list prints.
fn sec_names(listed: &HashSet<String>) -> Vec<String> {
    let path = root().join("../shared/data/screening/negatives/sec_company_tickers.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut names: Vec<String> = value
        .as_object()
        .unwrap()
        .values()
        .filter_map(|v| v.get("title")?.as_str().map(str::to_owned))
        .filter(|n| !listed.contains(&n.to_lowercase()))
        .collect();
    // JSON object order is not the file's: sort for a deterministic pool.
    names.sort_unstable();
    names.dedup();
    names
}

/// `count` distinct parties, about a quarter drawn from the lists (three in five of those from
/// the Entity List), the rest SEC company names.
pub fn party_pool(index: &Index, count: usize, seed: u64) -> Vec<PoolParty> {
    let mut rng = Rng::new(seed);
    let entries: Vec<_> = index
        .entries()
        .iter()
        .filter(|e| e.kind != EntryKind::AddressOnly && !e.name.is_empty())
        .collect();
    let listed_names: HashSet<String> = entries
        .iter()
        .flat_map(|e| std::iter::once(&e.name).chain(&e.aliases))
        .map(|n| n.to_lowercase())
        .collect();
    let entity_list: Vec<_> = entries.iter().filter(|e| e.list == "EL").collect();
    let other_lists: Vec<_> = entries.iter().filter(|e| e.list != "EL").collect();
    let sec = sec_names(&listed_names);
    let mut seen = HashSet::new();
    let mut pool = Vec::with_capacity(count);
    while pool.len() < count {
        let from_list = rng.percent(25);
        let party = if from_list {
            let e = if rng.percent(60) {
                rng.pick(&entity_list)
            } else {
                rng.pick(&other_lists)
            };
            let name = if e.aliases.is_empty() || rng.percent(60) {
                &e.name
            } else {
                rng.pick(&e.aliases)
            };
            // Most list names as printed (a true match), some perturbed.
            let name = if rng.percent(60) {
                name.clone()
            } else {
                perturb(name, &mut rng)
            };
            let country = e
                .countries
                .first()
                .and_then(|c| Country::from_code(c))
                .unwrap_or_else(|| any_country(&mut rng, DESTINATIONS));
            let address = e.addresses.first().filter(|_| rng.percent(20)).cloned();
            PoolParty {
                name,
                country,
                address,
                from_list,
            }
        } else {
            PoolParty {
                name: {
                    let name = sec[rng.below(sec.len())].as_str();
                    perturb(name, &mut rng)
                },
                country: any_country(&mut rng, DESTINATIONS),
                address: None,
                from_list,
            }
        };
        if screenable(&party.name)
            && seen.insert((party.name.clone(), party.country, party.address.clone()))
        {
            pool.push(party);
        }
    }
    pool
}

fn pool_party(role: PartyRole, p: &PoolParty) -> Party {
    Party {
        name: Some(p.name.clone()),
        country: Some(p.country),
        address: p.address.clone(),
        ..Party::new(role)
    }
}

/// `count` shipments over `catalog` with parties drawn from `pool` (every catalog item at
/// least once when `count` allows). Every shipment is a valid request: the mix measures and
/// tests answers, not request errors.
pub fn shipments(catalog: &Catalog, pool: &[PoolParty], count: usize, seed: u64) -> Vec<Shipment> {
    let mut rng = Rng::new(seed);
    let items: Vec<&str> = catalog.items().map(|i| i.id.as_str()).collect();
    let first = Date::from_ymd_opt(FIRST_DAY.0, FIRST_DAY.1, FIRST_DAY.2).unwrap();
    let last = Date::from_ymd_opt(LAST_DAY.0, LAST_DAY.1, LAST_DAY.2).unwrap();
    let span = (last - first).num_days() as usize + 1;
    let end_uses = [
        EndUse::Supercomputer,
        EndUse::AdvancedNodeIc,
        EndUse::AiTraining,
        EndUse::TechnicalEvaluation,
        EndUse::Development,
        EndUse::Production,
        EndUse::Storage,
        EndUse::Datacenter,
        EndUse::Other,
    ];
    let rebuttals = [
        Rebuttal::ApprovedDesigner,
        Rebuttal::AuthorizedDesigner,
        Rebuttal::TransistorCount,
    ];
    let given = [
        ListStatus::NotListed,
        ListStatus::Listed,
        ListStatus::Affiliate,
    ];
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let item = if i < items.len() {
            items[i]
        } else {
            *rng.pick(&items)
        };
        let to = any_country(&mut rng, DESTINATIONS);
        let (transaction, from) = match rng.below(100) {
            0..=79 => (Transaction::Export, Country::us()),
            80..=91 => {
                let from = any_country(&mut rng, REEXPORTERS);
                if from == to {
                    (Transaction::Export, Country::us())
                } else {
                    (Transaction::Reexport, from)
                }
            }
            n if n % 2 == 0 => (Transaction::InCountry, to),
            _ => (Transaction::InCountry, Country::us()),
        };
        let as_of = first + Days::new(rng.below(span) as u64);
        // A replay as it could be known on the day, or later.
        let known_on = match rng.below(10) {
            0 => Some(as_of),
            1 => Some(as_of + Days::new(rng.below(400) as u64)),
            _ => None,
        };
        let exporter_role = match rng.below(20) {
            0 => ExporterRole::FrontEndFabricator,
            1 => ExporterRole::Osat,
            _ => ExporterRole::Other,
        };
        let rebuttal = if exporter_role != ExporterRole::Other && rng.percent(50) {
            *rng.pick(&rebuttals)
        } else {
            Rebuttal::None
        };

        let mut parties = Vec::new();
        if rng.percent(85) {
            let mut end_user = if rng.percent(80) {
                pool_party(PartyRole::EndUser, rng.pick(pool))
            } else {
                Party::new(PartyRole::EndUser)
            };
            end_user.headquarters = match rng.below(20) {
                0..=13 => Some(to),
                14..=16 => Some(any_country(&mut rng, DESTINATIONS)),
                _ => None,
            };
            end_user.parent_headquarters = match rng.below(10) {
                0..=3 if end_user.headquarters.is_some() => Some(ParentHeadquarters::Same),
                0..=6 => Some(ParentHeadquarters::Country(any_country(
                    &mut rng,
                    DESTINATIONS,
                ))),
                _ => None,
            };
            if rng.percent(3) {
                end_user.list_status = Some(*rng.pick(&given));
            }
            parties.push(end_user);
        }
        for (role, percent) in [
            (PartyRole::UltimateConsignee, 30),
            (PartyRole::IntermediateConsignee, 15),
            (PartyRole::Purchaser, 15),
        ] {
            if rng.percent(percent) {
                parties.push(pool_party(role, rng.pick(pool)));
            }
        }

        out.push(Shipment {
            item: ItemRef::CatalogId(item.to_owned()),
            to,
            from,
            transaction,
            end_use: rng.percent(30).then(|| *rng.pick(&end_uses)),
            quantity: rng.percent(20).then(|| 1 + rng.below(10_000) as u64),
            as_of,
            known_on,
            layer: if rng.percent(25) {
                Reading::Legal
            } else {
                Reading::Enforced
            },
            exporter_role,
            exporter: None,
            rebuttal,
            tf32: if rng.percent(10) {
                Tf32Reading::Significant19
            } else {
                Tf32Reading::Container32
            },
            parties,
        });
    }
    out
}

/// One shipment per pool party, that party the end user: a worker that checks these screens
/// every pool party once.
pub fn one_per_party(catalog: &Catalog, pool: &[PoolParty], seed: u64) -> Vec<Shipment> {
    let mut out = shipments(catalog, pool, pool.len(), seed);
    for (shipment, party) in out.iter_mut().zip(pool) {
        shipment.parties = vec![pool_party(PartyRole::EndUser, party)];
    }
    out
}
