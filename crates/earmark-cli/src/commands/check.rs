//! `earmark check`: does this shipment need a license, under which rules, with which
//! exceptions and conditions, and what would change the answer.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use earmark_core::country::Country;
use earmark_core::rules::{
    Confidence, EndUse, Exporter, ExporterRole, ListStatus, Rebuttal, Transaction,
};
use earmark_core::spec::Tf32Reading;
use earmark_core::trace::RuleStatus;
use earmark_core::Date;
use earmark_engine::engine::{brief, figure};
use earmark_engine::{
    Engine, ItemRef, ParentHeadquarters, Party, PartyRole, ScreeningBasis, Shipment,
    ShipmentDecision,
};
use earmark_screen::build_index;

use super::lists::{self, ListArgs};
use super::rules::{load_pack, LayerArg};
use super::{load_item, today, Format, ItemArgs};
use crate::embedded;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub item: ItemArgs,
    /// Country of ultimate destination (ISO 3166-1 alpha-2; Hong Kong is read as China).
    #[arg(long, value_name = "CC")]
    pub to: String,
    /// Where the end user is headquartered. Needed whenever the headquarters rule could apply.
    #[arg(long, value_name = "CC")]
    pub end_user_hq: Option<String>,
    /// Where the end user's ultimate parent is headquartered, or `same` for an end user with no
    /// separate parent. Unknown when not given: the headquarters rule reads the parent too, so
    /// a decision that depends on it is indeterminate rather than assumed clear.
    #[arg(long, value_name = "CC|same")]
    pub parent_hq: Option<String>,
    /// Country exported or reexported from.
    #[arg(long, value_name = "CC", default_value = "US")]
    pub from: String,
    #[arg(long, value_enum, default_value_t)]
    pub transaction: TransactionArg,
    /// A known end use (end-use controls apply on knowledge).
    #[arg(long, value_enum, value_name = "KIND")]
    pub end_use: Option<EndUseArg>,
    /// Units shipped (for TPP allowances such as LPP's).
    #[arg(long, value_name = "N")]
    pub quantity: Option<u64>,
    /// The date whose rules apply (YYYY-MM-DD); defaults to today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<Date>,
    /// Decide with only the instruments public on this date (to replay a decision as it could
    /// have been made then). Defaults to today: what is known now about the as-of date,
    /// including instruments published after it that took effect on or before it.
    #[arg(long, value_name = "DATE")]
    pub known_on: Option<Date>,
    /// `enforced` (the legal text plus BIS's enforcement posture) or `legal` (the text alone).
    #[arg(long, value_enum, default_value_t)]
    pub layer: LayerArg,
    /// The end user's restricted-list status, as settled by a reviewer or by screening
    /// elsewhere (`earmark screen`).
    #[arg(long, value_enum, value_name = "STATUS")]
    pub end_user_list: Option<ListArg>,
    /// The end user's name: screened here against the restricted-party lists (the bundled
    /// snapshot, or `--lists`), and the Entity List answer decides the Entity List rules. A
    /// possible match leaves the decision indeterminate until a reviewer settles it with
    /// `--end-user-list`.
    #[arg(long, value_name = "NAME", conflicts_with = "end_user_list")]
    pub end_user: Option<String>,
    /// The end user's address: evidence for screening, and how address-only entries are found.
    #[arg(long, value_name = "TEXT", requires = "end_user")]
    pub end_user_address: Option<String>,
    /// The ultimate consignee's name, screened like the end user's.
    #[arg(long, value_name = "NAME")]
    pub consignee: Option<String>,
    /// The intermediate consignee's name (a forwarder, a distributor), screened too.
    #[arg(long, value_name = "NAME")]
    pub intermediate_consignee: Option<String>,
    /// The purchaser's name, screened too.
    #[arg(long, value_name = "NAME")]
    pub purchaser: Option<String>,
    #[command(flatten)]
    pub lists: ListArgs,
    /// Who exports: front-end fabricators and OSATs carry the foundry presumption.
    #[arg(long, value_enum, default_value_t)]
    pub exporter_role: RoleArg,
    /// The exporting company (`nvidia`, `amd`, ...): an is-informed letter is a license
    /// requirement for the company it was sent to and a red flag for anyone else. Without it,
    /// a letter's items are indeterminate where the letter could decide.
    #[arg(long, value_name = "NAME", value_parser = parse_exporter)]
    pub exporter: Option<Exporter>,
    /// How a fabricator or OSAT rebuts the foundry presumption.
    #[arg(long, value_enum, value_name = "HOW")]
    pub rebuttal: Option<RebuttalArg>,
    /// Bits a TF32 operation counts for in classification: 32 (default) or 19.
    #[arg(long, value_name = "BITS", default_value = "32")]
    pub tf32_bits: u32,
    /// Use the rule pack in this directory instead of the bundled one.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

fn parse_exporter(text: &str) -> Result<Exporter, String> {
    Exporter::parse(text).map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TransactionArg {
    #[default]
    Export,
    Reexport,
    InCountry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EndUseArg {
    Supercomputer,
    AdvancedNodeIc,
    AiTraining,
    TechnicalEvaluation,
    Development,
    Production,
    Storage,
    Datacenter,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListArg {
    NotListed,
    Listed,
    Affiliate,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    #[default]
    Other,
    FrontEndFabricator,
    Osat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RebuttalArg {
    ApprovedDesigner,
    AuthorizedDesigner,
    TransistorCount,
}

fn country(flag: &str, code: &str) -> anyhow::Result<Country> {
    Country::from_code(code).ok_or_else(|| {
        anyhow::anyhow!(
            "`--{flag} {code}`: not an ISO 3166-1 alpha-2 country code (e.g. CN, AE, DE)"
        )
    })
}

/// What the user typed, validated into the engine's request.
pub fn shipment(args: &Args, item: ItemRef) -> anyhow::Result<Shipment> {
    let to = country("to", &args.to)?;
    let from = country("from", &args.from)?;
    let end_user_hq = args
        .end_user_hq
        .as_deref()
        .map(|c| country("end-user-hq", c))
        .transpose()?;
    let parent_headquarters = match args.parent_hq.as_deref() {
        None => None,
        Some("same") => {
            if end_user_hq.is_none() {
                bail!("`--parent-hq same` needs `--end-user-hq CC`");
            }
            Some(ParentHeadquarters::Same)
        }
        Some(code) => Some(ParentHeadquarters::Country(country("parent-hq", code)?)),
    };
    let transaction = match args.transaction {
        TransactionArg::Export => Transaction::Export,
        TransactionArg::Reexport => Transaction::Reexport,
        TransactionArg::InCountry => Transaction::InCountry,
    };
    // `--from` defaults to US; an in-country transfer without it happens in `--to`.
    let from_given = args.from != "US";
    match transaction {
        Transaction::InCountry if from_given && from != to => bail!(
            "`--transaction in-country` is a transfer within one country, but `--from {}` \
             differs from `--to {}`",
            args.from,
            args.to
        ),
        Transaction::Export | Transaction::Reexport if from == to => bail!(
            "`--from {}` and `--to {}` are the same country: use `--transaction in-country`",
            args.from,
            args.to
        ),
        Transaction::Reexport if from == Country::us() => {
            bail!("a reexport ships from a country other than the United States: give `--from CC`")
        }
        _ => {}
    }
    if args.rebuttal.is_some() && args.exporter_role == RoleArg::Other {
        bail!("`--rebuttal` answers the foundry presumption: give `--exporter-role front-end-fabricator` or `osat`");
    }
    let Some(tf32) = Tf32Reading::from_bits(args.tf32_bits) else {
        bail!(
            "`--tf32-bits {}`: TF32 counts as 32 or 19 bits",
            args.tf32_bits
        );
    };
    let mut end_user = Party::new(PartyRole::EndUser);
    end_user.name = args.end_user.clone();
    end_user.address = args.end_user_address.clone();
    end_user.headquarters = end_user_hq;
    end_user.parent_headquarters = parent_headquarters;
    end_user.list_status = args.end_user_list.map(|l| match l {
        ListArg::NotListed => ListStatus::NotListed,
        ListArg::Listed => ListStatus::Listed,
        ListArg::Affiliate => ListStatus::Affiliate,
    });
    let mut parties = vec![end_user];
    for (role, name) in [
        (PartyRole::UltimateConsignee, &args.consignee),
        (
            PartyRole::IntermediateConsignee,
            &args.intermediate_consignee,
        ),
        (PartyRole::Purchaser, &args.purchaser),
    ] {
        if let Some(name) = name {
            let mut party = Party::new(role);
            party.name = Some(name.clone());
            parties.push(party);
        }
    }
    Ok(Shipment {
        item,
        to,
        from: if transaction == Transaction::InCountry {
            to
        } else {
            from
        },
        transaction,
        end_use: args.end_use.map(|u| match u {
            EndUseArg::Supercomputer => EndUse::Supercomputer,
            EndUseArg::AdvancedNodeIc => EndUse::AdvancedNodeIc,
            EndUseArg::AiTraining => EndUse::AiTraining,
            EndUseArg::TechnicalEvaluation => EndUse::TechnicalEvaluation,
            EndUseArg::Development => EndUse::Development,
            EndUseArg::Production => EndUse::Production,
            EndUseArg::Storage => EndUse::Storage,
            EndUseArg::Datacenter => EndUse::Datacenter,
            EndUseArg::Other => EndUse::Other,
        }),
        quantity: args.quantity,
        as_of: args.as_of.unwrap_or_else(today),
        known_on: args.known_on,
        layer: args.layer.into(),
        exporter_role: match args.exporter_role {
            RoleArg::Other => ExporterRole::Other,
            RoleArg::FrontEndFabricator => ExporterRole::FrontEndFabricator,
            RoleArg::Osat => ExporterRole::Osat,
        },
        exporter: args.exporter,
        rebuttal: match args.rebuttal {
            None => Rebuttal::None,
            Some(RebuttalArg::ApprovedDesigner) => Rebuttal::ApprovedDesigner,
            Some(RebuttalArg::AuthorizedDesigner) => Rebuttal::AuthorizedDesigner,
            Some(RebuttalArg::TransistorCount) => Rebuttal::TransistorCount,
        },
        tf32,
        parties,
    })
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let catalog = embedded::catalog()?;
    let item = load_item(&args.item, &catalog)?;
    let item = match item.catalog_id {
        Some(id) => ItemRef::CatalogId(id),
        None => ItemRef::Spec(Box::new(item.spec)),
    };
    let pack = load_pack(args.rules.as_deref())?;
    let shipment = shipment(&args, item)?;
    let screens = shipment.parties.iter().any(|p| p.name.is_some());
    if !screens && !args.lists.lists.is_empty() {
        bail!("`--lists` is for screening the parties: give `--end-user NAME` (or another party's name)");
    }
    // Lists are loaded only when a party is to be screened: loading the bundled snapshot is
    // most of the time a single check takes.
    let lists = if screens {
        let loaded = lists::load(&args.lists)?;
        lists::report_issues(&loaded);
        // A list dated after today is an error here; the engine names old lists in the
        // decision's warnings.
        lists::age_warnings(&loaded, today(), args.lists.max_list_age_days)?;
        Some(build_index(loaded.loaded))
    } else {
        None
    };
    let engine = Engine::new(pack, catalog, embedded::catalog_hash(), lists)
        .map_err(|e| anyhow::anyhow!("the rule pack cannot classify: {e}"))?
        .with_max_list_age_days(args.lists.max_list_age_days);
    let decision = engine
        .check(&shipment, today())
        .context("checking the shipment")?;
    match args.format {
        Format::Json => {
            // The human text carries the warnings; a program reading JSON gets them in the
            // value, and a person watching the run on stderr.
            for w in &decision.warnings {
                eprintln!("warning: {}", crate::output::terminal_safe(w));
            }
            outln!(
                "{}",
                serde_json::to_string_pretty(&decision).context("rendering the decision")?
            );
        }
        Format::Human => out!("{}", render_human(&decision)),
    }
    Ok(ExitCode::from(decision.severity.exit_code()))
}

/// The answer first, then why, then what could change it. Reads only the decision value: the
/// JSON carries everything printed here.
pub fn render_human(d: &ShipmentDecision) -> String {
    let mut out = String::new();
    let det = &d.decision;
    let r = &det.request;
    let c = &d.classification;
    let item = det.item.id.as_deref().map_or_else(
        || det.item.name.clone(),
        |id| format!("{} ({id})", det.item.name),
    );
    let _ = writeln!(out, "{}", d.headline);
    let _ = writeln!(
        out,
        "  {item}, {} from {} to {}, as of {}{}, {} layer",
        r.transaction.as_str().replace('_', "-"),
        r.from,
        r.to,
        r.as_of,
        if r.known_on == r.as_of {
            String::new()
        } else {
            format!(" (known on {})", r.known_on)
        },
        r.reading.as_str()
    );
    let eccn = det.eccn.map_or_else(
        || {
            c.outside
                .as_ref()
                .map_or_else(|| "not 3A090/4A090".to_owned(), |o| o.note.clone())
        },
        |e| e.as_str().to_owned(),
    );
    let _ = writeln!(
        out,
        "  classification: {}{} (as of {}; TPP {})",
        if c.missing.is_empty() || det.eccn.is_some() {
            eccn
        } else {
            "undecided".to_owned()
        },
        det.paragraph
            .as_deref()
            .map(|p| format!(", paragraph {p}"))
            .unwrap_or_default(),
        c.as_of,
        figure(c.tpp),
    );
    for p in &d.parties {
        let who = p.name.as_deref().map_or_else(
            || p.role.as_str().to_owned(),
            |n| format!("{} `{n}`", p.role.as_str()),
        );
        let status = p
            .status
            .map_or("not screened".to_owned(), |s| format!("{s:?}"));
        let text = match p.basis {
            ScreeningBasis::NotScreened => continue,
            ScreeningBasis::Given => format!("{who}: list status given: {}", snake(&status)),
            ScreeningBasis::NoEntityList => {
                format!("{who}: list status unknown: no Entity List was loaded")
            }
            ScreeningBasis::Screened => match &p.entity_list {
                Some(m) => format!(
                    "{who}: {} {} \"{}\" (score {:.2}, {})",
                    if p.status == Some(ListStatus::Listed) {
                        "on the Entity List as"
                    } else {
                        "possible Entity List match: a reviewer must confirm or clear"
                    },
                    m.source_id,
                    m.matched_name,
                    m.score,
                    m.band.as_str()
                ),
                None => {
                    format!("{who}: no Entity List entry came close (not a clearance of the party)")
                }
            },
        };
        let _ = writeln!(out, "  screened: {}", crate::output::terminal_safe(&text));
        for m in &p.listed_after_as_of {
            let _ = writeln!(
                out,
                "    resembles EL {} \"{}\", listed on {}: after this decision's date, not counted",
                m.source_id,
                crate::output::terminal_safe(&m.matched_name),
                m.listed_on.as_deref().unwrap_or("?")
            );
        }
    }
    for e in &det.license_exceptions {
        let _ = writeln!(out, "\n  license exception {} ({})", e.id, e.citation);
        for o in &e.obligations {
            let _ = writeln!(out, "    - {}", o.text);
        }
    }
    if !det.conditions.is_empty() {
        let _ = writeln!(out, "\n  license conditions:");
        for cond in &det.conditions {
            let flag = if cond.confidence == Confidence::Primary {
                String::new()
            } else {
                format!(" [{}]", cond.confidence.as_str())
            };
            let _ = writeln!(out, "    - {}{flag}", cond.condition.text);
        }
    }

    let _ = writeln!(out, "\nwhy:");
    for entry in &det.trace {
        // Classification vintages, suspensions and advisories are shown elsewhere.
        if matches!(
            entry.effect.as_str(),
            "classification" | "suspension" | "advisory"
        ) {
            continue;
        }
        let mark = match entry.status {
            RuleStatus::Applied => "applies",
            RuleStatus::MissingFacts => "unknown",
            RuleStatus::Errored => "error",
            RuleStatus::NotApplicable | RuleStatus::NotInForce => continue,
        };
        let _ = writeln!(out, "  {mark:<8} {:<30} {}", entry.rule_id, entry.reason);
        let _ = writeln!(out, "           {}", entry.citation);
    }
    let count = |s: RuleStatus| det.trace.iter().filter(|e| e.status == s).count();
    let _ = writeln!(
        out,
        "  ({} rules in force did not apply, {} were not in force; `--format json` lists each with its reason)",
        count(RuleStatus::NotApplicable),
        count(RuleStatus::NotInForce)
    );
    for a in &det.advisories {
        let _ = writeln!(out, "  advisory ({}): {}", a.rule, a.text);
    }

    let _ = writeln!(out, "\nwhat could change it:");
    for m in &det.missing {
        let _ = writeln!(out, "  missing `{}`: {}", m.field, m.why);
    }
    for u in &det.uncertain {
        let _ = writeln!(
            out,
            "  relies on {} ({}): {}",
            u.id,
            u.confidence.as_str(),
            u.why
        );
    }
    if d.other_layer.differs {
        let _ = writeln!(
            out,
            "  under the {} layer the answer is: {}",
            d.other_layer.layer.as_str(),
            brief(&d.other_layer.answer)
        );
    }
    match &d.next_change {
        Some(next) => {
            let by = if next.instruments.is_empty() {
                String::new()
            } else {
                format!(" ({})", next.instruments.join(", "))
            };
            let _ = writeln!(
                out,
                "  from {} the answer becomes: {}{by}",
                next.date,
                brief(&next.answer)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  no later date in the pack, as known on {}, changes the answer{}",
                r.known_on,
                d.data
                    .rule_pack_verified_through
                    .map(|v| format!(" (its sources were verified through {v})"))
                    .unwrap_or_default()
            );
        }
    }
    for n in &det.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    for w in &d.warnings {
        let _ = writeln!(out, "  warning: {}", crate::output::terminal_safe(w));
    }
    let _ = writeln!(
        out,
        "\nrule pack {} {} (sha256 {}); catalog sha256 {}",
        d.data.rule_pack, d.data.rule_pack_version, d.data.rule_pack_hash, d.data.catalog_hash
    );
    for l in &d.data.lists {
        let _ = writeln!(
            out,
            "list {} of {}{} ({})",
            l.source,
            l.date.as_deref().unwrap_or("unknown date"),
            l.age_days
                .map(|a| format!(", {a} days old"))
                .unwrap_or_default(),
            l.content_hash
        );
    }
    out
}

/// `NotListed` as `not listed`.
fn snake(debug: &str) -> String {
    let mut out = String::new();
    for (i, ch) in debug.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(ch.to_lowercase());
    }
    out
}
