//! `earmark check`: does this shipment need a licence, under which rules, with which
//! exceptions and conditions, and what would change the answer.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use earmark_core::classify::{classify_with, Classification, ClassifyOptions, Vintages};
use earmark_core::country::Country;
use earmark_core::determine::{
    Decision, Determiner, ItemFacts, Outcome, Reading, Request, UncertainView,
};
use earmark_core::rules::{
    Confidence, Effect, EndUse, ExporterRole, ListStatus, Rebuttal, RulePack, Transaction,
};
use earmark_core::spec::Tf32Reading;
use earmark_core::trace::RuleStatus;
use earmark_core::Date;
use earmark_screen::{build_index, Band, Query, Thresholds};
use serde::Serialize;

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
    #[command(flatten)]
    pub lists: ListArgs,
    /// Who exports: front-end fabricators and OSATs carry the foundry presumption.
    #[arg(long, value_enum, default_value_t)]
    pub exporter_role: RoleArg,
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

/// The validated request, with notes on the defaults it filled in.
pub struct Validated {
    pub request: Request,
    pub notes: Vec<String>,
}

pub fn validate(args: &Args) -> anyhow::Result<Validated> {
    let to = country("to", &args.to)?;
    let mut from = country("from", &args.from)?;
    let end_user_hq = args
        .end_user_hq
        .as_deref()
        .map(|c| country("end-user-hq", c))
        .transpose()?;
    let parent_hq = match args.parent_hq.as_deref() {
        None => None,
        Some("same") => match end_user_hq {
            Some(hq) => Some(hq),
            None => bail!("`--parent-hq same` needs `--end-user-hq CC`"),
        },
        Some(code) => Some(country("parent-hq", code)?),
    };
    let notes = Vec::new();
    let transaction = match args.transaction {
        TransactionArg::Export => Transaction::Export,
        TransactionArg::Reexport => Transaction::Reexport,
        TransactionArg::InCountry => Transaction::InCountry,
    };
    let from_given = args.from != "US";
    match transaction {
        Transaction::InCountry => {
            if !from_given {
                from = to;
            } else if from != to {
                bail!("`--transaction in-country` is a transfer within one country, but `--from {}` differs from `--to {}`", args.from, args.to);
            }
        }
        Transaction::Export | Transaction::Reexport => {
            if from == to {
                bail!("`--from {}` and `--to {}` are the same country: use `--transaction in-country`", args.from, args.to);
            }
        }
    }
    if transaction == Transaction::Reexport && from == Country::us() {
        bail!("a reexport ships from a country other than the United States: give `--from CC`");
    }
    let as_of = args.as_of.unwrap_or_else(today);
    let known_on = args.known_on.unwrap_or_else(|| today().max(as_of));
    if args.rebuttal.is_some() && args.exporter_role == RoleArg::Other {
        bail!("`--rebuttal` answers the foundry presumption: give `--exporter-role front-end-fabricator` or `osat`");
    }
    let request = Request {
        to,
        from,
        end_user_hq,
        parent_hq,
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
        as_of,
        known_on,
        reading: args.layer.into(),
        exporter_role: match args.exporter_role {
            RoleArg::Other => ExporterRole::Other,
            RoleArg::FrontEndFabricator => ExporterRole::FrontEndFabricator,
            RoleArg::Osat => ExporterRole::Osat,
        },
        rebuttal: match args.rebuttal {
            None => Rebuttal::None,
            Some(RebuttalArg::ApprovedDesigner) => Rebuttal::ApprovedDesigner,
            Some(RebuttalArg::AuthorizedDesigner) => Rebuttal::AuthorizedDesigner,
            Some(RebuttalArg::TransistorCount) => Rebuttal::TransistorCount,
        },
        end_user_list: args.end_user_list.map(|l| match l {
            ListArg::NotListed => ListStatus::NotListed,
            ListArg::Listed => ListStatus::Listed,
            ListArg::Affiliate => ListStatus::Affiliate,
        }),
    };
    Ok(Validated { request, notes })
}

/// The JSON answer: the decision, the classification it rests on, and the end user's
/// screening when `--end-user` asked for it.
#[derive(Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    decision: &'a Decision,
    classification: &'a Classification,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_user_screening: Option<&'a Screening>,
}

/// What screening found for the end user, recorded with the decision so that it can be
/// replayed: the query, the lists by content hash, and the entries that decided.
#[derive(Debug, Serialize)]
struct Screening {
    name: String,
    address: Option<String>,
    /// The destination, used as country evidence.
    country: String,
    status: ListStatus,
    /// The Entity List entry that decided `status` (absent for `not_listed`).
    entity_list: Option<ScreenedMatch>,
    /// Entity List matches whose listing is dated after the decision's as-of date: the party
    /// was not yet listed then.
    listed_after_as_of: Vec<ScreenedMatch>,
    /// Matches on other lists (SDN, DPL, MEU, UVL, ...): not modelled by this rule pack, but
    /// the officer must see them.
    other_lists: Vec<ScreenedMatch>,
    lists: Vec<ScreenedList>,
}

#[derive(Debug, Serialize)]
struct ScreenedMatch {
    band: Band,
    score: f32,
    list: String,
    source_id: String,
    matched_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    listed_on: Option<String>,
}

#[derive(Debug, Serialize)]
struct ScreenedList {
    source: String,
    date: Option<String>,
    content_hash: String,
}

/// Screens the end user; the best Entity List result listed on or before the as-of date
/// decides the list status: `match` is listed, `review` is a possible match a person must
/// settle, anything lower is not listed. The bundled lists are of one date, so entries dated
/// after the decision's date are set aside, not counted.
fn screen_end_user(
    name: &str,
    address: Option<&str>,
    to: Country,
    as_of: Date,
    lists_args: &ListArgs,
) -> anyhow::Result<Screening> {
    let loaded = lists::load(lists_args)?;
    lists::report_issues(&loaded);
    let index = build_index(loaded.loaded);
    let query = Query {
        name,
        country: Some(to.code()),
        address,
    };
    let matches = index
        .search(&query, &Thresholds::DEFAULT, 20)
        .with_context(|| format!("screening `--end-user {name}`"))?;
    let listed_on = |m: &earmark_screen::Match| {
        index
            .entries()
            .get(m.entry)
            .and_then(|e| e.listed_on.clone())
    };
    let found = |m: &earmark_screen::Match| ScreenedMatch {
        band: m.band,
        score: m.score,
        list: m.list.clone(),
        source_id: m.source_id.clone(),
        matched_name: m.matched_name.clone(),
        listed_on: listed_on(m),
    };
    let is_later = |m: &earmark_screen::Match| {
        listed_on(m)
            .and_then(|d| d.parse::<Date>().ok())
            .is_some_and(|d| d > as_of)
    };
    let hits = || matches.iter().filter(|m| m.band != Band::NoMatch);
    let entity_list = hits().find(|m| m.list == "EL" && !is_later(m));
    let status = match entity_list.map(|m| m.band) {
        Some(Band::Match) => ListStatus::Listed,
        Some(Band::Review) => ListStatus::PossibleMatch,
        _ => ListStatus::NotListed,
    };
    Ok(Screening {
        name: name.to_owned(),
        address: address.map(str::to_owned),
        country: to.code().to_owned(),
        status,
        entity_list: entity_list.map(found),
        listed_after_as_of: hits()
            .filter(|m| m.list == "EL" && is_later(m))
            .map(found)
            .collect(),
        other_lists: hits().filter(|m| m.list != "EL").map(found).collect(),
        lists: index
            .lists()
            .iter()
            .map(|l| ScreenedList {
                source: l.source.clone(),
                date: l.date.clone(),
                content_hash: l.content_hash.clone(),
            })
            .collect(),
    })
}

/// What the decision should tell the officer about the screening.
fn screening_notes(s: &Screening) -> Vec<String> {
    let mut notes = Vec::new();
    let show = |m: &ScreenedMatch| {
        format!(
            "{} {} \"{}\" (score {:.2}, {})",
            m.list,
            m.source_id,
            m.matched_name,
            m.score,
            m.band.as_str()
        )
    };
    notes.push(match (&s.entity_list, s.status) {
        (Some(m), ListStatus::Listed) => {
            format!(
                "end user `{}` screened: on the Entity List as {}",
                s.name,
                show(m)
            )
        }
        (Some(m), _) => format!(
            "end user `{}` screened: possible Entity List match {}; a reviewer must confirm or \
             clear it (then give `--end-user-list listed` or `not-listed`)",
            s.name,
            show(m)
        ),
        (None, _) => format!(
            "end user `{}` screened: no Entity List entry came close (no list match is not a \
             clearance of the party)",
            s.name
        ),
    });
    for m in &s.listed_after_as_of {
        notes.push(format!(
            "end user resembles {}, listed on {}: after this decision's date, so not counted",
            show(m),
            m.listed_on.as_deref().unwrap_or("?")
        ));
    }
    for m in &s.other_lists {
        notes.push(format!(
            "end user also matches {}: that list's restrictions are outside this rule pack \
             (e.g. OFAC sanctions, BIS Denied Persons): resolve it before shipping",
            show(m)
        ));
    }
    notes
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let catalog = embedded::catalog()?;
    let item = load_item(&args.item, &catalog)?;
    let pack = load_pack(args.rules.as_deref())?;
    let vintages = Vintages::from_pack(&pack)?;
    let Some(tf32) = Tf32Reading::from_bits(args.tf32_bits) else {
        bail!(
            "`--tf32-bits {}`: TF32 counts as 32 or 19 bits",
            args.tf32_bits
        );
    };
    let Validated {
        mut request,
        mut notes,
    } = validate(&args)?;
    let screening = match &args.end_user {
        Some(name) => {
            let s = screen_end_user(
                name,
                args.end_user_address.as_deref(),
                request.to,
                request.as_of,
                &args.lists,
            )?;
            request.end_user_list = Some(s.status);
            notes.extend(screening_notes(&s));
            Some(s)
        }
        None => {
            if !args.lists.lists.is_empty() {
                bail!("`--lists` is for screening the end user: give `--end-user NAME`");
            }
            None
        }
    };
    let mut determiner = Determiner::new(&pack);
    let decide_with = |det: &mut Determiner<'_>, request: &Request, tf32: Tf32Reading| {
        let when = det.classification_date(request.as_of, request.known_on, request.reading);
        let c = classify_with(
            &item.spec,
            when,
            &ClassifyOptions { tf32 },
            &catalog,
            &vintages,
        );
        let facts = ItemFacts::from_classification(item.catalog_id.as_deref(), &item.spec, &c);
        (det.explain(request, &facts), c)
    };
    let decide = |det: &mut Determiner<'_>, request: &Request| decide_with(det, request, tf32);
    let (mut decision, classification) = decide(&mut determiner, &request);
    decision.notes.extend(notes);
    // What classification had to say (an unmodelled .z paragraph, an interpretation) bears on
    // the decision too.
    decision.notes.extend(
        classification
            .notes
            .iter()
            .map(|n| format!("classification: {n}")),
    );
    // TPP rests on how TF32 counts (32 or 19 bits) for parts whose TF32 rate is their highest
    // (Trainium): when the other reading changes the decision, the answer must say it rests
    // on an interpretation.
    let (alternative, alt_class) = decide_with(&mut determiner, &request, tf32.other());
    if alt_class.tpp != classification.tpp && differs(&decision, &alternative) {
        let why = format!(
            "the answer depends on how TF32 counts: at {} bits TPP is {} and the outcome {}; at \
             {} bits (`--tf32-bits {}`) TPP is {} and the outcome {}",
            tf32.bits(),
            classification.tpp.unwrap_or_default(),
            summary(&decision),
            tf32.other().bits(),
            tf32.other().bits(),
            alt_class.tpp.unwrap_or_default(),
            summary(&alternative),
        );
        decision.notes.push(why.clone());
        decision.uncertain.push(UncertainView {
            id: "tf32-bit-length".to_owned(),
            confidence: Confidence::Uncertain,
            why,
        });
    }
    match args.format {
        Format::Json => {
            let out = Output {
                decision: &decision,
                classification: &classification,
                end_user_screening: screening.as_ref(),
            };
            outln!(
                "{}",
                serde_json::to_string_pretty(&out).context("rendering the decision")?
            );
        }
        Format::Human => {
            let mut other = request.clone();
            other.reading = match request.reading {
                Reading::Enforced => Reading::Legal,
                Reading::Legal => Reading::Enforced,
            };
            let (other_decision, _) = decide(&mut determiner, &other);
            let next = next_change(&pack, &mut determiner, &request, &decision, &|date| {
                let c = classify_with(
                    &item.spec,
                    date,
                    &ClassifyOptions { tf32 },
                    &catalog,
                    &vintages,
                );
                ItemFacts::from_classification(item.catalog_id.as_deref(), &item.spec, &c)
            });
            out!(
                "{}",
                render_human(&pack, &decision, &classification, &other_decision, next)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether two decisions differ in what an officer acts on.
fn differs(a: &Decision, b: &Decision) -> bool {
    let ids = |d: &Decision| {
        d.license_exceptions
            .iter()
            .map(|e| e.id.clone())
            .collect::<Vec<_>>()
    };
    a.outcome != b.outcome || a.review_policy != b.review_policy || ids(a) != ids(b)
}

/// Outcome and review policy in a few words.
fn summary(d: &Decision) -> String {
    let mut text = d.outcome.as_str().replace('_', " ");
    if let Some(p) = d.review_policy {
        text.push_str(&format!(" ({})", p.as_str().replace('_', " ")));
    }
    text
}

/// The first later date on which the pack gives this shipment a different answer, with what
/// the answer becomes and the instruments dated that day.
fn next_change(
    pack: &RulePack,
    determiner: &mut Determiner<'_>,
    request: &Request,
    now: &Decision,
    facts_on: &dyn Fn(Date) -> ItemFacts,
) -> Option<(Date, String, Vec<String>)> {
    let mut dates = pack.boundaries();
    dates.extend(pack.publication_dates());
    dates.sort_unstable();
    dates.dedup();
    let mut exceptions_now: Vec<&str> = now
        .license_exceptions
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    exceptions_now.sort_unstable();
    for date in dates.into_iter().filter(|d| *d > request.as_of) {
        let mut later = request.clone();
        later.as_of = date;
        later.known_on = date.max(request.known_on);
        let when = determiner.classification_date(later.as_of, later.known_on, later.reading);
        let facts = facts_on(when);
        let v = determiner.decide(&later, &facts);
        let mut exceptions = v.exceptions(pack);
        exceptions.sort_unstable();
        if v.outcome != now.outcome
            || v.review_policy != now.review_policy
            || exceptions != exceptions_now
        {
            let mut text = v.outcome.as_str().replace('_', " ");
            if let Some(p) = v.review_policy {
                text.push_str(&format!(", review policy {}", p.as_str().replace('_', " ")));
            }
            if !exceptions.is_empty() {
                text.push_str(&format!(", licence exception {}", exceptions.join(", ")));
            }
            let instruments: Vec<String> = pack
                .instruments
                .iter()
                .filter(|i| {
                    i.announced == date
                        || i.effective == date
                        || i.compliance == Some(date)
                        || i.end.and_then(|e| e.succ_opt()) == Some(date)
                        || i.rules
                            .iter()
                            .any(|&r| pack.rules.get(r).is_some_and(|r| r.window.from == date))
                })
                .map(|i| i.id.clone())
                .collect();
            return Some((date, text, instruments));
        }
    }
    None
}

fn headline(d: &Decision) -> String {
    let mut s = match d.outcome {
        Outcome::LicenseRequired => "LICENCE REQUIRED".to_owned(),
        Outcome::NoLicenseRequired => "NO LICENCE REQUIRED".to_owned(),
        Outcome::Prohibited => "PROHIBITED: do not proceed".to_owned(),
        Outcome::Indeterminate => "INDETERMINATE: facts are missing".to_owned(),
    };
    if let Some(p) = d.review_policy {
        let _ = write!(s, "; review policy {}", p.as_str().replace('_', " "));
    }
    if !d.license_exceptions.is_empty() {
        let ids: Vec<&str> = d.license_exceptions.iter().map(|e| e.id.as_str()).collect();
        let _ = write!(s, "; licence exception available: {}", ids.join(", "));
    }
    s
}

/// The answer first, then why, then what could change it.
pub fn render_human(
    pack: &RulePack,
    d: &Decision,
    c: &Classification,
    other: &Decision,
    next: Option<(Date, String, Vec<String>)>,
) -> String {
    let mut out = String::new();
    let r = &d.request;
    let item = d.item.id.as_deref().map_or_else(
        || d.item.name.clone(),
        |id| format!("{} ({id})", d.item.name),
    );
    let _ = writeln!(out, "{}", headline(d));
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
    let eccn = d
        .eccn
        .map_or_else(|| "not 3A090/4A090".to_owned(), |e| e.as_str().to_owned());
    let _ = writeln!(
        out,
        "  classification: {}{} (as of {})",
        if c.missing.is_empty() || d.eccn.is_some() {
            eccn
        } else {
            "undecided".to_owned()
        },
        d.paragraph
            .as_deref()
            .map(|p| format!(", paragraph {p}"))
            .unwrap_or_default(),
        c.as_of
    );
    for e in &d.license_exceptions {
        let _ = writeln!(out, "\n  licence exception {} ({})", e.id, e.citation);
        for o in &e.obligations {
            let _ = writeln!(out, "    - {}", o.text);
        }
    }
    if !d.conditions.is_empty() {
        let _ = writeln!(out, "\n  licence conditions:");
        for cond in &d.conditions {
            let flag = if cond.confidence == Confidence::Primary {
                String::new()
            } else {
                format!(" [{}]", cond.confidence.as_str())
            };
            let _ = writeln!(out, "    - {}{flag}", cond.condition.text);
        }
    }

    let _ = writeln!(out, "\nwhy:");
    for entry in &d.trace {
        // Classification vintages, suspensions and advisories are shown elsewhere.
        let shown = pack.rule(&entry.rule_id).is_some_and(|r| {
            !matches!(
                r.effect,
                Effect::Classification { .. } | Effect::Suspension | Effect::Advisory { .. }
            )
        });
        if !shown {
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
    let considered = d
        .trace
        .iter()
        .filter(|e| e.status == RuleStatus::NotApplicable)
        .count();
    let out_of_force = d
        .trace
        .iter()
        .filter(|e| e.status == RuleStatus::NotInForce)
        .count();
    let _ = writeln!(
        out,
        "  ({considered} rules in force did not apply, {out_of_force} were not in force; `--format json` lists each with its reason)"
    );
    for a in &d.advisories {
        let _ = writeln!(out, "  advisory ({}): {}", a.rule, a.text);
    }

    let _ = writeln!(out, "\nwhat could change it:");
    for m in &d.missing {
        let _ = writeln!(out, "  missing `{}`: {}", m.field, m.why);
    }
    for u in &d.uncertain {
        let _ = writeln!(
            out,
            "  relies on {} ({}): {}",
            u.id,
            u.confidence.as_str(),
            u.why
        );
    }
    if other.outcome != d.outcome || other.review_policy != d.review_policy {
        let _ = writeln!(
            out,
            "  under the {} layer the answer is: {}",
            other.request.reading.as_str(),
            headline(other).to_lowercase()
        );
    }
    match next {
        Some((date, text, instruments)) => {
            let by = if instruments.is_empty() {
                String::new()
            } else {
                format!(" ({})", instruments.join(", "))
            };
            let _ = writeln!(out, "  from {date} the answer becomes: {text}{by}");
        }
        None => {
            let _ = writeln!(out, "  no later date in the pack changes the answer");
        }
    }
    for n in &d.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    let _ = writeln!(
        out,
        "\nrule pack {} {} (sha256 {})",
        d.rule_pack, d.version, d.hash
    );
    out
}
