//! The repository's bundled data, read from disk for tests and benches: earmark-core does no
//! I/O itself, so each test crate that needs the rule pack or the catalog includes this module.

#![allow(dead_code, reason = "each test crate uses only part of it")]

use std::path::{Path, PathBuf};

use earmark_core::catalog::Catalog;
use earmark_core::rules::{RulePack, RulesError};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The bundled rule pack's directory.
pub fn pack_dir() -> PathBuf {
    root().join("rules/us-ear")
}

/// Every readable file under `dir`, as (path relative to `dir` with `/`, text). The pack
/// loader itself picks the files that belong to the pack.
pub fn read_files(dir: &Path) -> Vec<(String, String)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// Loads a pack from files as `read_files` returns them.
pub fn load_files(files: &[(String, String)]) -> Result<RulePack, RulesError> {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    RulePack::from_files(&refs)
}

/// The bundled rule pack.
pub fn pack() -> RulePack {
    load_files(&read_files(&pack_dir())).unwrap()
}

/// The bundled catalog.
pub fn catalog() -> Catalog {
    let text = std::fs::read_to_string(root().join("catalog/accelerators.toml")).unwrap();
    Catalog::from_toml_files([("catalog/accelerators.toml", text.as_str())]).unwrap()
}
