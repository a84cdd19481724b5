//! Three-valued evaluation of rule conditions against a request and an item.

use super::*;

// ---- three-valued evaluation --------------------------------------------------------------

/// Facts that can be missing, as bits.
pub(super) mod fact {
    pub const ECCN: u32 = 1;
    pub const DATACENTER: u32 = 1 << 1;
    pub const TPP: u32 = 1 << 2;
    pub const PERFORMANCE_DENSITY: u32 = 1 << 3;
    pub const MEMORY_BANDWIDTH: u32 = 1 << 4;
    pub const INTERCONNECT: u32 = 1 << 5;
    pub const MEMORY_BANDWIDTH_DENSITY: u32 = 1 << 6;
    pub const END_USER_HQ: u32 = 1 << 7;
    pub const PARENT_HQ: u32 = 1 << 8;
    pub const QUANTITY: u32 = 1 << 9;
    pub const END_USER_LIST: u32 = 1 << 10;
    pub const EXPORTER: u32 = 1 << 11;
    pub const ORIGIN: u32 = 1 << 12;

    pub const FIELDS: [(u32, &str); 13] = [
        (ECCN, "classification"),
        (DATACENTER, "datacenter"),
        (TPP, "tpp"),
        (PERFORMANCE_DENSITY, "performance_density"),
        (MEMORY_BANDWIDTH, "memory_bandwidth_gbs"),
        (INTERCONNECT, "interconnect_bidir_gbs"),
        (MEMORY_BANDWIDTH_DENSITY, "memory_bandwidth_density"),
        (END_USER_HQ, "end_user_hq"),
        (PARENT_HQ, "parent_hq"),
        (QUANTITY, "quantity"),
        (END_USER_LIST, "end_user_list"),
        (EXPORTER, "exporter"),
        (ORIGIN, "origin"),
    ];
}

/// Kleene logic with the missing facts of an unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tri {
    False,
    True,
    Unknown(u32),
}

impl Tri {
    pub(super) fn from_bool(b: bool) -> Self {
        if b {
            Self::True
        } else {
            Self::False
        }
    }

    pub(super) fn and(self, other: impl FnOnce() -> Self) -> Self {
        match self {
            Self::False => Self::False,
            Self::True => other(),
            Self::Unknown(m) => match other() {
                Self::False => Self::False,
                Self::True => Self::Unknown(m),
                Self::Unknown(n) => Self::Unknown(m | n),
            },
        }
    }

    pub(super) fn or(self, other: Self) -> Self {
        match (self, other) {
            (Self::True, _) | (_, Self::True) => Self::True,
            (Self::False, x) | (x, Self::False) => x,
            (Self::Unknown(m), Self::Unknown(n)) => Self::Unknown(m | n),
        }
    }

    pub(super) fn not(self) -> Self {
        match self {
            Self::False => Self::True,
            Self::True => Self::False,
            u @ Self::Unknown(_) => u,
        }
    }
}

/// A request with countries read as the EAR reads them, and the item after presumptions.
pub(super) struct Facts<'a> {
    pub(super) to: Country,
    pub(super) from: Country,
    pub(super) end_user_hq: Option<Country>,
    pub(super) parent_hq: Option<Country>,
    pub(super) req: &'a Request,
    pub(super) item: &'a ItemFacts,
    pub(super) eccn: EccnFact,
    pub(super) datacenter: Option<bool>,
}

impl Facts<'_> {
    pub(super) fn number(&self, name: FactName) -> (Option<f64>, u32) {
        let item = self.item;
        match name {
            FactName::Tpp => (item.tpp, fact::TPP),
            FactName::PerformanceDensity => (item.performance_density, fact::PERFORMANCE_DENSITY),
            FactName::MemoryBandwidthGbs => (item.memory_bandwidth_gbs, fact::MEMORY_BANDWIDTH),
            FactName::InterconnectBidirGbs => (item.interconnect_bidir_gbs, fact::INTERCONNECT),
            FactName::MemoryBandwidthDensity => (
                item.memory_bandwidth_density,
                fact::MEMORY_BANDWIDTH_DENSITY,
            ),
            FactName::ShipmentTpp => {
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "quantities far below 2^53 units are exact in f64"
                )]
                let value = match (item.tpp, self.req.quantity) {
                    (Some(t), Some(q)) => Some(t * q as f64),
                    _ => None,
                };
                let mut mask = 0;
                if item.tpp.is_none() {
                    mask |= fact::TPP;
                }
                if self.req.quantity.is_none() {
                    mask |= fact::QUANTITY;
                }
                (value, mask)
            }
        }
    }

    pub(super) fn test(&self, t: &FactTest) -> Tri {
        match self.number(t.fact) {
            (Some(v), _) => Tri::from_bool(t.compare.holds(v, t.value)),
            (None, mask) => Tri::Unknown(mask),
        }
    }

    pub(super) fn headquarters_in(&self, set: &CountrySet) -> Tri {
        match (self.end_user_hq, self.parent_hq) {
            (Some(e), _) if set.contains(e) => Tri::True,
            (_, Some(p)) if set.contains(p) => Tri::True,
            (Some(_), Some(_)) => Tri::False,
            (None, None) => Tri::Unknown(fact::END_USER_HQ | fact::PARENT_HQ),
            (None, Some(_)) => Tri::Unknown(fact::END_USER_HQ),
            (Some(_), None) => Tri::Unknown(fact::PARENT_HQ),
        }
    }
}

/// Whether the item is one of the condition's `incorporates` ids or contains one.
pub(super) fn incorporates(cond: &Condition, item: &ItemFacts) -> bool {
    cond.incorporates
        .iter()
        .any(|n| item.id.as_deref() == Some(n.as_str()) || item.components.iter().any(|c| c == n))
}

/// Resolves a set expression of a condition; the fast path looks bitsets up, the explaining
/// path resolves from the groups each time.
pub(super) trait Sets {
    fn resolve(&self, set: &SetRef) -> CountrySet;
}

/// Evaluates a condition. Clauses are tested cheapest and most selective first (destination
/// before facts), which only matters for speed: three-valued AND is commutative.
pub(super) fn eval(cond: &Condition, f: &Facts<'_>, sets: &dyn Sets) -> Tri {
    let mut t = Tri::True;
    if let Some(d) = &cond.destination {
        t = t.and(|| Tri::from_bool(sets.resolve(d).contains(f.to)));
    }
    if t == Tri::False {
        return t;
    }
    if let Some(mask) = cond.eccn {
        t = t.and(|| match f.eccn {
            EccnFact::Unknown => Tri::Unknown(fact::ECCN),
            EccnFact::NotListed => Tri::False,
            EccnFact::Listed(code) => Tri::from_bool(Condition::eccn_matches(mask, code)),
        });
    }
    if !cond.item_kind.is_empty() {
        t = t.and(|| Tri::from_bool(cond.item_kind.contains(&f.item.kind)));
    }
    if !cond.named.is_empty() {
        t = t.and(|| {
            Tri::from_bool(
                f.item
                    .id
                    .as_deref()
                    .is_some_and(|id| cond.named.iter().any(|n| n == id)),
            )
        });
    }
    if !cond.incorporates.is_empty() {
        t = t.and(|| Tri::from_bool(incorporates(cond, f.item)));
    }
    if let Some(from) = &cond.from {
        t = t.and(|| Tri::from_bool(sets.resolve(from).contains(f.from)));
    }
    if !cond.transaction.is_empty() {
        t = t.and(|| Tri::from_bool(cond.transaction.contains(&f.req.transaction)));
    }
    if !cond.end_use.is_empty() {
        t = t.and(|| Tri::from_bool(f.req.end_use.is_some_and(|u| cond.end_use.contains(&u))));
    }
    if !cond.exporter_role.is_empty() {
        t = t.and(|| Tri::from_bool(cond.exporter_role.contains(&f.req.exporter_role)));
    }
    if !cond.exporter.is_empty() {
        t = t.and(|| match f.req.exporter {
            Some(e) => Tri::from_bool(cond.exporter.contains(&e)),
            None => Tri::Unknown(fact::EXPORTER),
        });
    }
    if !cond.rebuttal.is_empty() {
        t = t.and(|| Tri::from_bool(cond.rebuttal.contains(&f.req.rebuttal)));
    }
    if !cond.end_user_list.is_empty() {
        t = t.and(|| match f.req.end_user_list {
            Some(ListStatus::PossibleMatch | ListStatus::Unknown) => {
                Tri::Unknown(fact::END_USER_LIST)
            }
            status => Tri::from_bool(status.is_some_and(|s| cond.end_user_list.contains(&s))),
        });
    }
    if let Some(dc) = cond.datacenter {
        t = t.and(|| match f.datacenter {
            Some(v) => Tri::from_bool(v == dc),
            None => Tri::Unknown(fact::DATACENTER),
        });
    }
    for test in &cond.facts {
        t = t.and(|| f.test(test));
    }
    if !cond.facts_any.is_empty() {
        t = t.and(|| {
            cond.facts_any
                .iter()
                .fold(Tri::False, |acc, test| acc.or(f.test(test)))
        });
    }
    if let Some(hq) = &cond.headquarters {
        t = t.and(|| f.headquarters_in(&sets.resolve(hq)));
    }
    if let Some(origin) = &cond.origin {
        t = t.and(|| match f.item.origin {
            Some(c) => Tri::from_bool(sets.resolve(origin).contains(c)),
            None => Tri::Unknown(fact::ORIGIN),
        });
    }
    if !cond.any.is_empty() {
        t = t.and(|| {
            cond.any
                .iter()
                .fold(Tri::False, |acc, c| acc.or(eval(c, f, sets)))
        });
    }
    if let Some(not) = &cond.not {
        t = t.and(|| eval(not, f, sets).not());
    }
    t
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::rules::Compare;

    #[test]
    fn kleene_logic() {
        let u = Tri::Unknown(fact::TPP);
        assert_eq!(Tri::False.and(|| u), Tri::False);
        assert_eq!(u.and(|| Tri::False), Tri::False);
        assert_eq!(u.and(|| Tri::True), u);
        assert_eq!(u.or(Tri::True), Tri::True);
        assert_eq!(u.or(Tri::False), u);
        assert_eq!(
            u.or(Tri::Unknown(fact::ECCN)),
            Tri::Unknown(fact::TPP | fact::ECCN)
        );
        assert_eq!(u.not(), u);
        assert_eq!(Tri::True.not(), Tri::False);
    }

    #[test]
    fn compare_is_inclusive_where_it_says() {
        assert!(Compare::AtLeast.holds(4000.0, 4000.0));
        assert!(!Compare::Above.holds(2.0, 2.0));
        assert!(Compare::Below.holds(20999.0, 21000.0));
        assert!(!Compare::Below.holds(21000.0, 21000.0));
    }
}
