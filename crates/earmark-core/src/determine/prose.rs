//! Words for the trace: effects, failing clauses, facts read.

use super::eval::*;
use super::*;

pub(super) fn window_text(w: &Window) -> String {
    match w.to {
        Some(to) => format!("{} to {to}", w.from),
        None => format!("from {}", w.from),
    }
}

pub(super) fn set_text(expr: &str) -> String {
    format!("`{expr}`")
}

pub(super) fn describe_effect(rule: &Rule) -> String {
    match &rule.effect {
        Effect::Requirement { bars_exceptions } => {
            if *bars_exceptions {
                "a license is required; no license exception may be used".to_owned()
            } else {
                "a license is required".to_owned()
            }
        }
        Effect::Prohibition => "do not proceed: the transaction risks a violation".to_owned(),
        Effect::ReviewPolicy { policy, priority } => {
            format!("review policy {} (priority {priority})", policy.as_str())
        }
        Effect::Exception { code, .. } => format!("license exception {code} is available"),
        Effect::Conditions(c) => format!(
            "license conditions attach: {}",
            c.iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Effect::Advisory { text } => text.clone(),
        Effect::Presumption { eccn, datacenter } => format!(
            "the item is presumed {}{}",
            eccn.as_str(),
            if *datacenter {
                " and designed or marketed for datacenters"
            } else {
                ""
            }
        ),
        Effect::Classification { .. } => "classification thresholds of this vintage".to_owned(),
        Effect::Suspension => "ends the rules it supersedes".to_owned(),
    }
}

pub(super) fn eccn_value(e: EccnFact) -> serde_json::Value {
    match e {
        EccnFact::Unknown => serde_json::Value::Null,
        EccnFact::NotListed => serde_json::Value::String("not 3A090/4A090".to_owned()),
        EccnFact::Listed(c) => serde_json::Value::String(c.as_str().to_owned()),
    }
}

pub(super) fn opt_country(c: Option<Country>) -> serde_json::Value {
    c.map_or(serde_json::Value::Null, |c| {
        serde_json::Value::String(c.code().to_owned())
    })
}

pub(super) fn number_value(v: Option<f64>) -> serde_json::Value {
    v.and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// The facts a condition reads, with their values.
pub(super) fn facts_read(cond: &Condition, f: &Facts<'_>, out: &mut Vec<FactRead>) {
    let mut push = |fact: &str, value: serde_json::Value| {
        if !out.iter().any(|r| r.fact == fact) {
            out.push(FactRead {
                fact: fact.to_owned(),
                value,
            });
        }
    };
    if cond.destination.is_some() {
        push(
            "destination",
            serde_json::Value::String(f.to.code().to_owned()),
        );
    }
    if cond.eccn.is_some() {
        push("eccn", eccn_value(f.eccn));
    }
    if !cond.item_kind.is_empty() {
        push("item_kind", serde_json::json!(f.item.kind));
    }
    if !cond.named.is_empty() {
        push("item_id", serde_json::json!(f.item.id));
    }
    if cond.from.is_some() {
        push("from", serde_json::Value::String(f.from.code().to_owned()));
    }
    if !cond.transaction.is_empty() {
        push("transaction", serde_json::json!(f.req.transaction));
    }
    if !cond.end_use.is_empty() {
        push("end_use", serde_json::json!(f.req.end_use));
    }
    if !cond.exporter_role.is_empty() {
        push("exporter_role", serde_json::json!(f.req.exporter_role));
    }
    if !cond.exporter.is_empty() {
        push("exporter", serde_json::json!(f.req.exporter));
    }
    if !cond.incorporates.is_empty() {
        push("item_id", serde_json::json!(f.item.id));
        push("components", serde_json::json!(f.item.components));
    }
    if !cond.rebuttal.is_empty() {
        push("rebuttal", serde_json::json!(f.req.rebuttal));
    }
    if !cond.end_user_list.is_empty() {
        push("end_user_list", serde_json::json!(f.req.end_user_list));
    }
    if cond.datacenter.is_some() {
        push("datacenter", serde_json::json!(f.datacenter));
    }
    for t in cond.facts.iter().chain(&cond.facts_any) {
        push(t.fact.as_str(), number_value(f.number(t.fact).0));
    }
    if cond.origin.is_some() {
        push("origin", opt_country(f.item.origin));
    }
    if cond.headquarters.is_some() {
        push("end_user_hq", opt_country(f.end_user_hq));
        push("parent_hq", opt_country(f.parent_hq));
    }
    for c in &cond.any {
        facts_read(c, f, out);
    }
    if let Some(n) = &cond.not {
        facts_read(n, f, out);
    }
}

/// A condition's first false clause: which kind of clause, and the words for it.
pub(super) struct ClauseFailure {
    pub clause: Clause,
    pub text: String,
}

fn fail(clause: Clause, text: String) -> ClauseFailure {
    ClauseFailure { clause, text }
}

/// The first clause that is false, in words (for "not applicable" reasons).
pub(super) fn failing_clause(cond: &Condition, f: &Facts<'_>, sets: &dyn Sets) -> ClauseFailure {
    let single = |c: Condition| eval(&c, f, sets) == Tri::False;
    if let Some(d) = &cond.destination {
        if single(Condition {
            destination: Some(d.clone()),
            ..Condition::default()
        }) {
            return fail(
                Clause::Destination,
                format!("destination {} is not in {}", f.to, set_text(&d.text)),
            );
        }
    }
    if let Some(mask) = cond.eccn {
        if single(Condition {
            eccn: Some(mask),
            ..Condition::default()
        }) {
            let codes: Vec<&str> = cond.eccn_codes().iter().map(|c| c.as_str()).collect();
            let have = match f.eccn {
                EccnFact::Listed(c) => c.as_str(),
                EccnFact::NotListed => "not 3A090/4A090",
                EccnFact::Unknown => "unknown",
            };
            return fail(
                Clause::Eccn,
                format!("the item is {have}, not {}", codes.join(" or ")),
            );
        }
    }
    if !cond.item_kind.is_empty() && !cond.item_kind.contains(&f.item.kind) {
        return fail(
            Clause::ItemKind,
            "the item is not of the kind this rule covers".to_owned(),
        );
    }
    if !cond.named.is_empty()
        && single(Condition {
            named: cond.named.clone(),
            ..Condition::default()
        })
    {
        return fail(
            Clause::NamedItem,
            format!("the item is not one of {}", cond.named.join(", ")),
        );
    }
    if !cond.incorporates.is_empty() && !incorporates(cond, f.item) {
        return fail(
            Clause::Incorporates,
            format!(
                "the item neither is nor contains any of {}",
                cond.incorporates.join(", ")
            ),
        );
    }
    if let Some(origin) = &cond.origin {
        if single(Condition {
            origin: Some(origin.clone()),
            ..Condition::default()
        }) {
            return fail(
                Clause::Origin,
                format!(
                    "the item was developed or produced by a company of {}, not of {}",
                    f.item.origin.map_or("?", |c| c.code()),
                    set_text(&origin.text)
                ),
            );
        }
    }
    if let Some(from) = &cond.from {
        if single(Condition {
            from: Some(from.clone()),
            ..Condition::default()
        }) {
            return fail(
                Clause::From,
                format!(
                    "exported from {}, not from {}",
                    f.from,
                    set_text(&from.text)
                ),
            );
        }
    }
    if !cond.transaction.is_empty() && !cond.transaction.contains(&f.req.transaction) {
        return fail(
            Clause::Transaction,
            format!(
                "the transaction is {}, not {}",
                f.req.transaction.as_str(),
                cond.transaction
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        );
    }
    if !cond.end_use.is_empty() && !f.req.end_use.is_some_and(|u| cond.end_use.contains(&u)) {
        let uses: Vec<&str> = cond.end_use.iter().map(|u| u.as_str()).collect();
        return fail(
            Clause::EndUse,
            match f.req.end_use {
                None => format!(
                    "no end use is known; applies on knowledge of: {}",
                    uses.join(", ")
                ),
                Some(u) => format!("the end use is {}, not {}", u.as_str(), uses.join(" or ")),
            },
        );
    }
    if !cond.exporter_role.is_empty() && !cond.exporter_role.contains(&f.req.exporter_role) {
        return fail(
            Clause::ExporterRole,
            "the exporter is not a front-end fabricator or OSAT".to_owned(),
        );
    }
    if !cond.exporter.is_empty() && f.req.exporter.is_some_and(|e| !cond.exporter.contains(&e)) {
        let names: Vec<&str> = cond.exporter.iter().map(Exporter::as_str).collect();
        return fail(
            Clause::Exporter,
            format!(
                "the exporter is {}, not {}",
                f.req
                    .exporter
                    .map_or_else(|| "unknown".to_owned(), |e| e.to_string()),
                names.join(" or ")
            ),
        );
    }
    if !cond.rebuttal.is_empty() && !cond.rebuttal.contains(&f.req.rebuttal) {
        return fail(Clause::Rebuttal, "the presumption is rebutted".to_owned());
    }
    if !cond.end_user_list.is_empty()
        && !f
            .req
            .end_user_list
            .is_some_and(|s| cond.end_user_list.contains(&s))
    {
        return fail(
            Clause::ListStatus,
            match f.req.end_user_list {
                None => "no list status given for the end user (screen with `earmark screen`)"
                    .to_owned(),
                Some(_) => "no party's list status matches".to_owned(),
            },
        );
    }
    if let Some(dc) = cond.datacenter {
        if f.datacenter == Some(!dc) {
            return fail(
                Clause::Datacenter,
                if dc {
                    "the item is not designed or marketed for datacenters".to_owned()
                } else {
                    "the item is designed or marketed for datacenters".to_owned()
                },
            );
        }
    }
    for t in &cond.facts {
        if f.test(t) == Tri::False {
            return fail(
                Clause::Fact,
                format!(
                    "{} is not {} {}",
                    t.fact.as_str(),
                    t.compare.symbol(),
                    t.value
                ),
            );
        }
    }
    if !cond.facts_any.is_empty() && cond.facts_any.iter().all(|t| f.test(t) == Tri::False) {
        let tests: Vec<String> = cond
            .facts_any
            .iter()
            .map(|t| format!("{} {} {}", t.fact.as_str(), t.compare.symbol(), t.value))
            .collect();
        return fail(
            Clause::FactsAny,
            format!("none of {} holds", tests.join(", ")),
        );
    }
    if let Some(hq) = &cond.headquarters {
        if f.headquarters_in(&sets.resolve(hq)) == Tri::False {
            return fail(
                Clause::Headquarters,
                format!(
                    "neither the end user nor its ultimate parent is headquartered in {}",
                    set_text(&hq.text)
                ),
            );
        }
    }
    if !cond.any.is_empty() {
        let parts: Vec<String> = cond
            .any
            .iter()
            .map(|c| failing_clause(c, f, sets).text)
            .collect();
        return fail(
            Clause::Any,
            format!("none of its alternatives holds ({})", parts.join("; ")),
        );
    }
    if cond.not.is_some() {
        return fail(Clause::Exclusion, "an exclusion applies".to_owned());
    }
    fail(Clause::Other, "its conditions do not hold".to_owned())
}

pub(super) fn missing_text(mask: u32) -> Vec<&'static str> {
    fact::FIELDS
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

pub(super) fn rule_citation(pack: &RulePack, rule: &Rule) -> String {
    let source = pack
        .instruments
        .get(rule.instrument)
        .and_then(|i| i.citations.first())
        .map(Citation::short)
        .unwrap_or_default();
    // The rule's own cite and its instrument's often name the same section (the Entity List
    // rules cite 15 CFR 744.11 both ways): each part is printed once, in order.
    let mut parts: Vec<&str> = Vec::new();
    for part in rule.cite.split("; ").chain(source.split("; ")) {
        let part = part.trim();
        if !part.is_empty() && !parts.contains(&part) {
            parts.push(part);
        }
    }
    parts.join("; ")
}

/// A trace reason in words.
pub(super) fn reason_text(
    reason: &Reason,
    pack: &RulePack,
    rule: &Rule,
    req: &Request,
    item: &ItemFacts,
) -> String {
    let title_of = |id: &str| {
        pack.rule(id)
            .and_then(|r| pack.instruments.get(r.instrument))
            .map_or("", |i| i.title.as_str())
    };
    match reason {
        Reason::LayerNotAsked => {
            "an enforcement-posture instrument; the legal layer was asked for".to_owned()
        }
        Reason::NotYetPublic { public_on } => format!(
            "not yet public on the known-on date {} (public {public_on})",
            req.known_on
        ),
        Reason::OutsideWindow => format!(
            "not in force on {} (in force {})",
            req.as_of,
            window_text(&rule.window)
        ),
        Reason::Superseded { by } => format!("superseded by `{by}` ({})", title_of(by)),
        Reason::NotApplicable { detail, .. } => detail.clone(),
        Reason::MissingFacts { facts } => format!("could apply; unknown: {}", facts.join(", ")),
        Reason::Applied => describe_effect(rule),
        Reason::OverriddenByProhibition => format!(
            "{} (overridden: the transaction is prohibited)",
            describe_effect(rule)
        ),
        Reason::HoldsButNoLicenseRequired => "holds, but no license is required".to_owned(),
        Reason::HoldsButOutranked { by } => format!("holds, but `{by}` has a higher priority"),
        Reason::HoldsButPolicyNotUsed { policy } => format!(
            "holds, but these conditions belong to the review path of `{policy}`, which is not the one used"
        ),
        Reason::HoldsButUndecidedAbove { by } => {
            format!("holds, but higher-priority `{by}` is undecided")
        }
        Reason::HoldsButExceptionsBarred { by } => {
            format!("holds, but `{by}` bars license exceptions")
        }
        Reason::ClassificationInForce => format!(
            "classification thresholds in force; the item was classified as of {}",
            item.classified_as_of
                .map_or_else(|| "an unknown date".to_owned(), |d| d.to_string())
        ),
        Reason::Suspends => format!(
            "in force: ends {}",
            rule.supersedes
                .iter()
                .filter_map(|&t| pack.rules.get(t))
                .map(|r| format!("`{}`", r.id))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
