//! The request contract: arbitrary bytes as a shipment's JSON must never panic the parser, and
//! whatever parses must get an answer or a `CheckError` from the engine on the bundled pack and
//! catalog, with the fast path agreeing with the full check.
#![no_main]
use std::path::Path;
use std::sync::OnceLock;

use earmark_core::catalog::Catalog;
use earmark_core::rules::RulePack;
use earmark_engine::{Engine, Shipment};
use libfuzzer_sys::fuzz_target;

fn read_dir(base: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            read_dir(base, &path, out);
        } else if let (Ok(text), Ok(rel)) =
            (std::fs::read_to_string(&path), path.strip_prefix(base))
        {
            out.push((rel.to_string_lossy().replace('\\', "/"), text));
        }
    }
}

/// The engine on the repository's bundled pack and catalog, read once.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let pack_dir = root.join("rules/us-ear");
        let mut files = Vec::new();
        read_dir(&pack_dir, &pack_dir, &mut files);
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let pack = RulePack::from_files(&refs).expect("the bundled rule pack loads");
        let catalog_text = std::fs::read_to_string(root.join("catalog/accelerators.toml"))
            .expect("the bundled catalog is readable");
        let catalog = Catalog::from_toml_files([("catalog/accelerators.toml", catalog_text.as_str())])
            .expect("the bundled catalog loads");
        Engine::new(pack, catalog, "fuzz".to_owned(), None).expect("the pack classifies")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(shipment) = serde_json::from_slice::<Shipment>(data) else {
        return;
    };
    let today = "2026-12-03".parse().expect("a date");
    let mut worker = engine().worker();
    let fast = worker.verdict(&shipment, today);
    let full = worker.check(&shipment, today);
    match (fast, full) {
        (Ok(fast), Ok(full)) => {
            assert_eq!(fast.verdict.outcome, full.decision.outcome);
            assert_eq!(fast.severity, full.severity);
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("the fast path and the full check disagree on whether the request is valid"),
    }
});
