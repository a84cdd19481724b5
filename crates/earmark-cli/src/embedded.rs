//! The embedded defaults: catalog, rule packs and list snapshot compiled into the binary, so
//! that `earmark` answers with no files around it.

use anyhow::Context;
use earmark_core::catalog::Catalog;

/// The accelerator catalog as shipped in `catalog/`.
const CATALOG_FILES: &[(&str, &str)] = &[(
    "catalog/accelerators.toml",
    include_str!("../../../catalog/accelerators.toml"),
)];

/// The bundled catalog. Parsing 70 entries takes well under a millisecond, so it is parsed per
/// call rather than cached.
pub fn catalog() -> anyhow::Result<Catalog> {
    Catalog::from_toml_files(CATALOG_FILES.iter().copied()).context("loading the bundled catalog")
}

mod rule_pack_files {
    include!(concat!(env!("OUT_DIR"), "/rule_pack.rs"));
}

/// The US EAR rule pack as shipped in `rules/us-ear/` (listed by `build.rs`).
pub fn rule_pack_files() -> &'static [(&'static str, &'static str)] {
    rule_pack_files::RULE_PACK_FILES
}

/// The bundled rule pack, parsed and validated.
pub fn rule_pack() -> anyhow::Result<earmark_core::rules::RulePack> {
    earmark_core::rules::RulePack::from_files(rule_pack_files())
        .map_err(|e| anyhow::anyhow!("the bundled rule pack is invalid: {e}"))
}

/// The content hash of the bundled catalog, as decisions record it.
pub fn catalog_hash() -> String {
    earmark_engine::content_hash(CATALOG_FILES)
}
