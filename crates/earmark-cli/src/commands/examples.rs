//! `earmark examples orders`: a synthetic order book of any size, deterministic for a seed.
//!
//! What it is made of, so that a check of it exercises what a real book would:
//!
//! - items: every catalog item, the datacenter parts most often;
//! - dates across the rule pack's coverage (2022-10-07..=2026-09-19);
//! - about 40 destinations, exports from the US, reexports from Taiwan, Singapore, Malaysia
//!   and the Netherlands, in-country transfers within the US;
//! - customers: real companies on no list (cloud and datacenter operators, universities,
//!   manufacturers), Chinese-headquartered subsidiaries abroad (headquartered where they
//!   are, their ultimate parent in China), parties on the bundled lists as the lists write
//!   them (Entity List, SDN), and near misses (a listed name with a word dropped or a letter
//!   changed); some lines leave the parent's headquarters unknown;
//! - consignees, forwarders (intermediate consignees) and purchasers on some lines;
//! - prices in US dollars, exact to the cent.
//!
//! With `--parties P` larger than the pool of names, names are repeated with a site suffix
//! ("... (Site 12)") so that P distinct parties exist. A SplitMix64 generator (no dependency)
//! makes the book a pure function of `--lines`, `--seed` and `--parties`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Days;
use earmark_core::Date;

use super::lists;
use crate::embedded;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Write a synthetic order book (CSV or JSON Lines) to stdout or `--out`.
    Orders(OrdersArgs),
}

#[derive(Debug, clap::Args)]
pub struct OrdersArgs {
    /// Lines to write.
    #[arg(long, default_value_t = 3000)]
    pub lines: u64,
    /// The seed: the same seed, lines and parties give the same book.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Distinct customers (end users); consignees, forwarders and purchasers come on top.
    #[arg(long, default_value_t = 400)]
    pub parties: usize,
    #[arg(long, value_enum, default_value_t)]
    pub format: BookFormatArg,
    /// Write here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum BookFormatArg {
    #[default]
    Csv,
    Jsonl,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Orders(a) => orders(&a),
    }
}

/// SplitMix64: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Real companies on no list (as of the bundled lists), with where they are and where they
/// and their parents are headquartered. `parent` is `same` or a country code.
const COMPANIES: &[(&str, &str, &str, &str)] = &[
    ("Microsoft Corporation", "US", "US", "same"),
    ("Amazon Web Services Inc", "US", "US", "US"),
    ("Oracle America Inc", "US", "US", "US"),
    ("CoreWeave Inc", "US", "US", "same"),
    ("Lambda Inc", "US", "US", "same"),
    ("Meta Platforms Inc", "US", "US", "same"),
    ("Crusoe Energy Systems LLC", "US", "US", "same"),
    ("Stanford University", "US", "US", "same"),
    ("Microsoft Ireland Operations Limited", "IE", "IE", "US"),
    ("Google Cloud EMEA Limited", "IE", "IE", "US"),
    ("Nebius B.V.", "NL", "NL", "same"),
    ("Schwarz Digits GmbH", "DE", "DE", "same"),
    ("Deutsche Telekom AG", "DE", "DE", "same"),
    ("Max Planck Society", "DE", "DE", "same"),
    ("Scaleway SAS", "FR", "FR", "FR"),
    ("Mistral AI SAS", "FR", "FR", "same"),
    ("OVH Groupe SA", "FR", "FR", "same"),
    ("Fluidstack Ltd", "GB", "GB", "same"),
    ("University of Cambridge", "GB", "GB", "same"),
    ("Nscale Ltd", "GB", "GB", "same"),
    ("CINECA Consorzio Interuniversitario", "IT", "IT", "same"),
    ("Barcelona Supercomputing Center", "ES", "ES", "same"),
    ("CSC IT Center for Science Ltd", "FI", "FI", "same"),
    ("EcoDataCenter AB", "SE", "SE", "same"),
    ("Swiss National Supercomputing Centre", "CH", "CH", "same"),
    ("Beyond.pl Sp z o o", "PL", "PL", "same"),
    ("Mobileye Vision Technologies Ltd", "IL", "IL", "US"),
    ("G42 Cloud LLC", "AE", "AE", "AE"),
    ("Khazna Data Centers LLC", "AE", "AE", "AE"),
    ("Humain Company", "SA", "SA", "SA"),
    ("Ooredoo QSC", "QA", "QA", "same"),
    ("Yotta Data Services Private Limited", "IN", "IN", "IN"),
    ("Tata Communications Limited", "IN", "IN", "IN"),
    ("Reliance Jio Infocomm Limited", "IN", "IN", "IN"),
    ("Singtel Digital InfraCo Pte Ltd", "SG", "SG", "SG"),
    ("Sea Limited", "SG", "SG", "same"),
    ("YTL Communications Sdn Bhd", "MY", "MY", "MY"),
    ("Siam AI Corporation Co Ltd", "TH", "TH", "same"),
    ("FPT Smart Cloud Company Limited", "VN", "VN", "VN"),
    ("Viettel Group", "VN", "VN", "same"),
    ("Indosat Tbk", "ID", "ID", "QA"),
    ("SoftBank Corp", "JP", "JP", "JP"),
    ("Sakura Internet Inc", "JP", "JP", "same"),
    ("KDDI Corporation", "JP", "JP", "same"),
    ("Naver Cloud Corporation", "KR", "KR", "KR"),
    ("Samsung SDS Co Ltd", "KR", "KR", "KR"),
    ("SK Telecom Co Ltd", "KR", "KR", "same"),
    ("Taiwan Mobile Co Ltd", "TW", "TW", "same"),
    ("Foxconn Industrial Internet Co Ltd", "TW", "TW", "TW"),
    (
        "National Center for High-performance Computing",
        "TW",
        "TW",
        "same",
    ),
    ("Macquarie Data Centres Pty Ltd", "AU", "AU", "AU"),
    ("CSIRO", "AU", "AU", "same"),
    ("Catalyst Cloud Limited", "NZ", "NZ", "same"),
    ("Cohere Inc", "CA", "CA", "same"),
    ("Telus Communications Inc", "CA", "CA", "CA"),
    ("KIO Networks SA de CV", "MX", "MX", "same"),
    ("Scala Data Centers SA", "BR", "BR", "US"),
    ("Teraco Data Environments Pty Ltd", "ZA", "ZA", "US"),
    ("Turkcell Iletisim Hizmetleri AS", "TR", "TR", "same"),
    ("Kazakhtelecom JSC", "KZ", "KZ", "same"),
    ("Telecom Egypt", "EG", "EG", "same"),
    ("Jazz Pakistan", "PK", "PK", "NL"),
    ("Alibaba Cloud Computing Co Ltd", "CN", "CN", "same"),
    ("Tencent Cloud Computing (Beijing) Co Ltd", "CN", "CN", "CN"),
    (
        "Baidu Online Network Technology (Beijing) Co Ltd",
        "CN",
        "CN",
        "CN",
    ),
    ("Kingsoft Cloud Holdings Limited", "CN", "CN", "same"),
    ("Lenovo (Beijing) Limited", "CN", "CN", "HK"),
    ("Meituan", "CN", "CN", "same"),
    (
        "Hong Kong Science and Technology Parks Corporation",
        "HK",
        "CN",
        "same",
    ),
    ("PCCW Global Limited", "HK", "CN", "CN"),
];

/// Chinese groups whose subsidiaries abroad the book ships to: headquartered where they are,
/// their ultimate parent in China (the headquarters rules read the parent).
const CHINESE_GROUPS: &[&str] = &[
    "Alibaba Cloud",
    "Tencent Cloud",
    "ByteDance",
    "Baidu",
    "Lenovo",
    "Kuaishou",
    "NetEase",
    "Xiaomi",
    "JD.com",
    "Trip.com",
];

/// Where Chinese groups' subsidiaries are, with the legal form used there.
const ABROAD: &[(&str, &str, &str)] = &[
    ("SG", "Singapore", "Pte Ltd"),
    ("MY", "Malaysia", "Sdn Bhd"),
    ("ID", "Indonesia", "PT"),
    ("TH", "Thailand", "Co Ltd"),
    ("AE", "Middle East", "FZ-LLC"),
    ("SA", "Saudi Arabia", "LLC"),
    ("NL", "Netherlands", "B.V."),
    ("DE", "Germany", "GmbH"),
    ("GB", "UK", "Limited"),
    ("JP", "Japan", "KK"),
    ("BR", "Brasil", "Ltda"),
    ("MX", "Mexico", "S de RL de CV"),
];

/// Forwarders and distributors (intermediate consignees).
const FORWARDERS: &[(&str, &str)] = &[
    ("DHL Global Forwarding (Hong Kong) Limited", "HK"),
    ("Kuehne + Nagel Pte Ltd", "SG"),
    ("Aramex International LLC", "AE"),
    ("Expeditors Hong Kong Limited", "HK"),
    ("Nippon Express (Singapore) Pte Ltd", "SG"),
    ("CEVA Logistics Netherlands B.V.", "NL"),
    ("Agility Logistics LLC", "AE"),
    ("Schenker (H.K.) Limited", "HK"),
];

/// Integrators and resellers that buy for end users (purchasers).
const RESELLERS: &[(&str, &str)] = &[
    ("Supermicro Computer Inc", "US"),
    ("Dell Technologies Inc", "US"),
    ("Hewlett Packard Enterprise Company", "US"),
    ("Lenovo Global Technology (Hong Kong) Limited", "HK"),
    ("Inventec Corporation", "TW"),
    ("Quanta Cloud Technology Inc", "TW"),
    ("Wistron Corporation", "TW"),
    ("Gigabyte Technology Co Ltd", "TW"),
    ("Atos SE", "FR"),
    ("Arrow Electronics Inc", "US"),
];

/// Destinations with a weight (lines per hundred, roughly).
const DESTINATIONS: &[(&str, u32)] = &[
    ("US", 14),
    ("CA", 2),
    ("MX", 2),
    ("BR", 2),
    ("GB", 4),
    ("DE", 4),
    ("FR", 3),
    ("NL", 3),
    ("IE", 2),
    ("SE", 1),
    ("FI", 1),
    ("PL", 1),
    ("ES", 1),
    ("IT", 1),
    ("CH", 1),
    ("IL", 2),
    ("AE", 4),
    ("SA", 3),
    ("QA", 1),
    ("IN", 4),
    ("SG", 4),
    ("MY", 4),
    ("TH", 2),
    ("VN", 2),
    ("ID", 2),
    ("PH", 1),
    ("JP", 4),
    ("KR", 4),
    ("TW", 3),
    ("AU", 2),
    ("NZ", 1),
    ("CN", 9),
    ("HK", 3),
    ("MO", 1),
    ("RU", 1),
    ("TR", 1),
    ("ZA", 1),
    ("EG", 1),
    ("KZ", 1),
    ("PK", 1),
    ("BY", 1),
    ("IR", 1),
];

/// Items shipped most: the rest of the catalog comes less often.
const POPULAR: &[&str] = &[
    "nvidia-h100-sxm",
    "nvidia-h200-sxm",
    "nvidia-h20",
    "nvidia-b200",
    "nvidia-gb200",
    "nvidia-a100-sxm",
    "nvidia-l40s",
    "nvidia-h800-sxm",
    "nvidia-a800-sxm",
    "amd-mi300x",
    "amd-mi308x",
    "intel-gaudi-3",
    "nvidia-rtx-4090-d",
    "nvidia-l20",
    "nvidia-b300",
];

/// A customer (end user) of the book.
#[derive(Clone)]
struct Customer {
    name: String,
    country: String,
    address: Option<String>,
    hq: String,
    parent: String,
}

/// Real names the lists carry: Entity List entries (as the Entity List writes them, with
/// their address) and SDN entities, for the list matches and near misses.
fn listed_names() -> anyhow::Result<(Vec<Customer>, Vec<Customer>)> {
    let loaded = lists::load_bundled()?;
    let mut out = Vec::new();
    let mut sdn = Vec::new();
    for l in &loaded.loaded {
        for e in &l.entries {
            let wanted = match e.list.as_str() {
                "EL" => ["CN", "HK", "RU", "IR", "AE", "SG", "TR"]
                    .iter()
                    .any(|c| e.countries.iter().any(|x| x == c)),
                "SDN" => {
                    e.kind == earmark_screen::EntryKind::Entity
                        && ["RU", "IR", "BY"]
                            .iter()
                            .any(|c| e.countries.iter().any(|x| x == c))
                }
                _ => false,
            };
            if !wanted || e.name.len() > 80 || e.name.contains(['\n', '\r']) {
                continue;
            }
            let country = e.countries.first().cloned().unwrap_or_else(|| "CN".into());
            let hq = if country == "HK" {
                "CN".to_owned()
            } else {
                country.clone()
            };
            let c = Customer {
                name: e.name.clone(),
                country,
                address: e.addresses.first().filter(|a| a.len() < 120).cloned(),
                hq,
                parent: "same".to_owned(),
            };
            if e.list == "EL" {
                out.push(c);
            } else {
                sdn.push(c);
            }
        }
    }
    // Keep a stable order whatever the list files' order.
    for v in [&mut out, &mut sdn] {
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v.dedup_by(|a, b| a.name == b.name);
    }
    Ok((out, sdn))
}

/// A near miss: the listed name with a word dropped, a letter changed or a legal form swapped.
fn near_miss(rng: &mut Rng, name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    match rng.below(3) {
        0 if words.len() > 2 => {
            let drop = rng.below(words.len());
            words
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, w)| *w)
                .collect::<Vec<_>>()
                .join(" ")
        }
        1 => {
            let mut chars: Vec<char> = name.chars().collect();
            let letters: Vec<usize> = chars
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_ascii_lowercase())
                .map(|(i, _)| i)
                .collect();
            if !letters.is_empty() {
                let i = letters[rng.below(letters.len())];
                chars[i] = if chars[i] == 'e' { 'a' } else { 'e' };
            }
            chars.into_iter().collect()
        }
        _ => {
            // The most distinctive word of the name, with a generic trading name around it.
            let common = [
                "LIMITED",
                "LIABILITY",
                "COMPANY",
                "JOINT",
                "STOCK",
                "OPEN",
                "CLOSED",
            ];
            let word = words
                .iter()
                .filter(|w| !common.contains(&w.to_ascii_uppercase().as_str()))
                .max_by_key(|w| w.len())
                .copied()
                .unwrap_or(name);
            format!("{word} Trading Company")
        }
    }
}

fn customers(rng: &mut Rng, wanted: usize) -> anyhow::Result<Vec<Customer>> {
    let (entity_list, sdn) = listed_names()?;
    let mut pool: Vec<Customer> = Vec::new();
    for (name, country, hq, parent) in COMPANIES {
        pool.push(Customer {
            name: (*name).to_owned(),
            country: (*country).to_owned(),
            address: None,
            hq: (*hq).to_owned(),
            parent: (*parent).to_owned(),
        });
    }
    for group in CHINESE_GROUPS {
        for (cc, place, form) in ABROAD {
            let name = if *form == "PT" {
                format!("PT {group} {place}")
            } else {
                format!("{group} {place} {form}")
            };
            pool.push(Customer {
                name,
                country: (*cc).to_owned(),
                address: None,
                hq: (*cc).to_owned(),
                parent: "CN".to_owned(),
            });
        }
    }
    // About one customer in twenty is a listed party as the list writes it, one in twenty a
    // near miss; the rest are real companies and Chinese groups' subsidiaries abroad, each
    // once, then again at other sites.
    let mut out: Vec<Customer> = Vec::with_capacity(wanted);
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut next_pool = 0usize;
    let mut attempts = 0usize;
    while out.len() < wanted {
        attempts += 1;
        let roll = rng.below(20);
        // Entity List parties twice as often as SDN ones: the list export controls read.
        let listed = if rng.below(3) < 2 || sdn.is_empty() {
            &entity_list
        } else {
            &sdn
        };
        let mut c = if roll == 0 && !listed.is_empty() && attempts < wanted * 20 {
            rng.pick(listed).clone()
        } else if roll == 1 && !listed.is_empty() && attempts < wanted * 20 {
            let mut c = rng.pick(listed).clone();
            c.name = near_miss(rng, &c.name);
            c.address = None;
            c
        } else {
            let mut c = pool[next_pool % pool.len()].clone();
            let round = next_pool / pool.len();
            if round > 0 {
                c.name = format!("{} (Site {})", c.name, round + 1);
            }
            next_pool += 1;
            c
        };
        // Some books do not know the parent: the headquarters rules then stay undecided.
        if rng.chance(4) {
            c.parent = String::new();
        }
        if names.insert(c.name.clone()) {
            out.push(c);
        }
    }
    Ok(out)
}

/// Columns written, in order (a subset of the book columns).
const HEADER: [&str; 25] = [
    "order_id",
    "line",
    "date",
    "item",
    "quantity",
    "unit_price",
    "currency",
    "ship_from",
    "destination",
    "transaction",
    "end_use",
    "exporter",
    "end_user_name",
    "end_user_address",
    "end_user_country",
    "end_user_hq",
    "end_user_parent_hq",
    "consignee_name",
    "consignee_country",
    "intermediate_consignee_name",
    "intermediate_consignee_country",
    "purchaser_name",
    "purchaser_country",
    "purchaser_hq",
    "purchaser_parent_hq",
];

fn orders(a: &OrdersArgs) -> anyhow::Result<ExitCode> {
    let catalog = embedded::catalog()?;
    let exporter_of = |id: &str| -> String {
        catalog
            .get(id)
            .map(|e| {
                e.vendor
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join("-")
                    .to_lowercase()
            })
            .unwrap_or_default()
    };
    let items: Vec<String> = catalog.items().map(|i| i.id.clone()).collect();
    let tpp_of = |id: &str| -> f64 {
        catalog
            .get(id)
            .and_then(|i| i.published_tpp)
            .unwrap_or(2000.0)
    };
    let mut rng = Rng(a.seed ^ 0x6561_726D_6172_6B00);
    let customers = customers(&mut rng, a.parties.max(1))?;
    let start: Date = "2022-10-07".parse()?;
    let end: Date = "2026-09-19".parse()?;
    let span = (end - start).num_days().max(1) as usize;
    let total_weight: u32 = DESTINATIONS.iter().map(|(_, w)| w).sum();

    let out: Box<dyn Write> = match &a.out {
        Some(p) => Box::new(
            std::fs::File::create(p).with_context(|| format!("cannot write `{}`", p.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let out = std::io::BufWriter::with_capacity(1 << 16, out);
    let mut csv_out = None;
    let mut json_out = None;
    match a.format {
        BookFormatArg::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(HEADER)?;
            csv_out = Some(w);
        }
        BookFormatArg::Jsonl => json_out = Some(out),
    }

    let mut written = 0u64;
    let mut order = 0u64;
    while written < a.lines {
        order += 1;
        // An order: one customer, one date, one destination, one to eight lines.
        let c = &customers[rng.below(customers.len())];
        let date = start + Days::new(rng.below(span + 1) as u64);
        let to = if rng.chance(70) {
            c.country.clone()
        } else {
            let mut pick = rng.below(total_weight as usize) as u32;
            let mut chosen = "US";
            for (cc, w) in DESTINATIONS {
                if pick < *w {
                    chosen = cc;
                    break;
                }
                pick -= w;
            }
            chosen.to_owned()
        };
        let (from, transaction) = if to == "US" {
            ("US", "in_country")
        } else if rng.chance(15) {
            let from = *rng.pick(&["TW", "SG", "MY", "NL"]);
            if from == to {
                ("US", "export")
            } else {
                (from, "reexport")
            }
        } else {
            ("US", "export")
        };
        let end_use = match rng.below(100) {
            0..=19 => "ai_training",
            20..=29 => "datacenter",
            30 => "supercomputer",
            _ => "",
        };
        let consignee = rng.chance(40).then(|| {
            let r = rng.pick(RESELLERS);
            (format!("{} {} Branch", r.0, to), to.clone())
        });
        let forwarder = (rng.chance(12) && to != "US").then(|| *rng.pick(FORWARDERS));
        let purchaser = rng.chance(25).then(|| *rng.pick(RESELLERS));
        let lines = 1 + rng.below(8) as u64;
        for n in 1..=lines.min(a.lines - written) {
            let item: &str = if rng.chance(70) {
                POPULAR[rng.below(POPULAR.len())]
            } else {
                items[rng.below(items.len())].as_str()
            };
            let quantity = [1u64, 2, 4, 8, 8, 16, 32, 64, 128, 256, 512, 1024][rng.below(12)];
            // Roughly what such parts sell for: dollars per TPP, to the ten dollars.
            let price = ((tpp_of(item) * 1.7 + 1500.0) / 10.0).round() as u64 * 10;
            let (cname, ccountry) = consignee.clone().unwrap_or_default();
            let (fname, fcountry) = forwarder.unwrap_or(("", ""));
            let (pname, pcountry) = purchaser.unwrap_or(("", ""));
            let (phq, pparent) = if purchaser.is_some() {
                (pcountry, "same")
            } else {
                ("", "")
            };
            let record: [String; 25] = [
                format!("SO-{}-{order:06}", date.format("%Y")),
                n.to_string(),
                date.to_string(),
                item.to_owned(),
                quantity.to_string(),
                format!("{price}.00"),
                "USD".to_owned(),
                from.to_owned(),
                to.clone(),
                transaction.to_owned(),
                end_use.to_owned(),
                // Each line is shipped by the item's maker (`nvidia`, `amd`, ...): is-informed
                // letters bind the exporter they were sent to, so the example book shows the
                // letters as law where they apply rather than as red flags.
                exporter_of(item),
                c.name.clone(),
                c.address.clone().unwrap_or_default(),
                c.country.clone(),
                c.hq.clone(),
                c.parent.clone(),
                cname,
                ccountry,
                fname.to_owned(),
                fcountry.to_owned(),
                pname.to_owned(),
                pcountry.to_owned(),
                phq.to_owned(),
                pparent.to_owned(),
            ];
            if let Some(w) = csv_out.as_mut() {
                w.write_record(&record)?;
            }
            if let Some(w) = json_out.as_mut() {
                let mut obj = serde_json::Map::new();
                for (k, v) in HEADER.iter().zip(&record) {
                    if v.is_empty() {
                        continue;
                    }
                    let value = match *k {
                        "line" | "quantity" => v
                            .parse::<u64>()
                            .map_or_else(|_| v.clone().into(), serde_json::Value::from),
                        _ => v.clone().into(),
                    };
                    obj.insert((*k).to_owned(), value);
                }
                serde_json::to_writer(&mut *w, &obj)?;
                w.write_all(b"\n")?;
            }
            written += 1;
        }
    }
    if let Some(mut w) = csv_out {
        w.flush()?;
    }
    if let Some(mut w) = json_out {
        w.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}
