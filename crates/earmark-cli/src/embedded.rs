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
