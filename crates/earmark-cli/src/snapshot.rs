//! The bundled restricted-party list snapshot (data/lists), compiled into the binary so that
//! `earmark screen` answers with no files around it. Each file carries its format, date and
//! where it came from; data/lists/README.md has the full provenance and hashes.

use earmark_screen::Format;

/// One bundled list file.
#[derive(Debug, Clone, Copy)]
pub struct Bundled {
    /// The label shown in `lists status` and in messages.
    pub label: &'static str,
    pub format: Format,
    /// Date of the list content (YYYY-MM-DD).
    pub date: &'static str,
    /// Where the content comes from.
    pub origin: &'static str,
    pub bytes: &'static [u8],
}

pub const CSL: Bundled = Bundled {
    label: "bundled:csl-2026-07-31.json",
    format: Format::Csl,
    date: "2026-07-31",
    origin: "trade.gov Consolidated Screening List (all 12 lists), generated 2026-07-31T13:15Z",
    bytes: include_bytes!("../../../data/lists/csl-2026-07-31.json"),
};

pub const ENTITY_LIST: Bundled = Bundled {
    label: "bundled:entity-list-2026-07.csv",
    format: Format::EntityList,
    date: "2026-07-31",
    origin: "BIS Entity List, Supplement No. 4 to 15 CFR Part 744 (eCFR July 2026, checked against the CSL of 2026-07-31)",
    bytes: include_bytes!("../../../data/lists/entity-list-2026-07.csv"),
};

/// The bundled files, in load order.
pub const ALL: [Bundled; 2] = [CSL, ENTITY_LIST];
