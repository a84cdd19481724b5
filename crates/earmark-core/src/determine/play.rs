//! Which rules are in play on a date, known on a date, for a reading.

use super::*;

// ---- which rules are in play --------------------------------------------------------------

/// Why a rule is not in play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Out {
    Layer,
    NotPublished,
    Window,
    Superseded(usize),
}

/// Whether each rule is in play for a date, known-on date and reading.
pub(super) fn play(
    pack: &RulePack,
    as_of: Date,
    known_on: Date,
    reading: Reading,
) -> Vec<Option<Out>> {
    let base: Vec<Option<Out>> = pack
        .rules
        .iter()
        .map(|r| {
            let Some(instrument) = pack.instruments.get(r.instrument) else {
                return Some(Out::Layer);
            };
            if !reading.includes(instrument.layer) {
                Some(Out::Layer)
            } else if !instrument.is_known_on(known_on) {
                Some(Out::NotPublished)
            } else if !r.window.contains(as_of) || as_of < pack.starts {
                Some(Out::Window)
            } else {
                None
            }
        })
        .collect();
    let mut out = base.clone();
    for (i, r) in pack.rules.iter().enumerate() {
        if base.get(i).copied().flatten().is_some() {
            continue;
        }
        for &target in &r.supersedes {
            if let Some(slot) = out.get_mut(target) {
                if slot.is_none() {
                    *slot = Some(Out::Superseded(i));
                }
            }
        }
    }
    out
}

/// The last date a classification may be made as of: the day before the earliest
/// classification vintage in force on `as_of` that was not yet public on `known_on` (`None`
/// when every vintage in force was known).
pub(super) fn classification_cutoff(
    pack: &RulePack,
    as_of: Date,
    known_on: Date,
    reading: Reading,
) -> Option<Date> {
    let unknown_start = pack
        .rules
        .iter()
        .filter(|r| matches!(r.effect, Effect::Classification { .. }))
        .filter(|r| r.window.from <= as_of)
        .filter(|r| {
            pack.instruments
                .get(r.instrument)
                .is_none_or(|i| !i.is_known_on(known_on) || !reading.includes(i.layer))
        })
        .map(|r| r.window.from)
        .min();
    unknown_start.and_then(|d| d.pred_opt())
}

/// The date to classify items as of for a request.
pub fn classification_date(pack: &RulePack, as_of: Date, known_on: Date, reading: Reading) -> Date {
    classification_cutoff(pack, as_of, known_on, reading).map_or(as_of, |d| d.min(as_of))
}

/// Why the pack cannot answer for a date: it encodes nothing before its first instrument, and
/// its sources were checked only through `verified_through`. Either way the answer is
/// indeterminate, never "no license required" (an H100 to North Korea the week before the
/// 2022 rule was still under the Part 746 embargo, which the pack starts encoding with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageGap {
    BeforeStart {
        starts: Date,
    },
    AfterVerified {
        verified_through: Date,
    },
    /// Known on a date before the pack's first instrument: nothing of it could be known, and
    /// what governed then (the Part 746 embargoes) is not encoded, so "nothing applies" would
    /// clear an H100 to North Korea.
    KnownBeforeStart {
        starts: Date,
    },
}

impl CoverageGap {
    /// The gap a request dated `as_of`, known on `known_on`, falls in, if any.
    pub fn of(pack: &RulePack, as_of: Date, known_on: Date) -> Option<Self> {
        if as_of < pack.starts {
            Some(Self::BeforeStart {
                starts: pack.starts,
            })
        } else if known_on < pack.starts {
            Some(Self::KnownBeforeStart {
                starts: pack.starts,
            })
        } else {
            pack.verified_through
                .filter(|v| as_of > *v)
                .map(|verified_through| Self::AfterVerified { verified_through })
        }
    }
}

impl CoverageGap {
    /// The request field whose date lies outside the coverage.
    pub fn field(&self) -> &'static str {
        match self {
            Self::BeforeStart { .. } | Self::AfterVerified { .. } => "as_of",
            Self::KnownBeforeStart { .. } => "known_on",
        }
    }
}

impl std::fmt::Display for CoverageGap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BeforeStart { starts } => write!(
                f,
                "the as-of date is before the rule pack's coverage, which starts on {starts}: \
                 the controls in force then are not encoded"
            ),
            Self::KnownBeforeStart { starts } => write!(
                f,
                "the known-on date is before the rule pack's coverage, which starts on {starts}: \
                 what was known and in force then is not encoded"
            ),
            Self::AfterVerified { verified_through } => write!(
                f,
                "the as-of date is after {verified_through}, the date the rule pack's sources \
                 were verified through: rules published since are not encoded"
            ),
        }
    }
}
