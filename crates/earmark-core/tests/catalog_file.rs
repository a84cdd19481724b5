//! The shipped accelerator catalog (`catalog/accelerators.toml`) loads, and holds the 70 parts
//! of the reference chip table with the figures the table gives.
//!
//! The names and the H20 row are written out here from `chips.csv` so that a catalog edit that
//! drops a part, renames it or changes a figure fails a test instead of passing silently.

use std::collections::BTreeSet;

use earmark_core::catalog::{Catalog, CatalogError};
use earmark_core::spec::ItemKind;

const CATALOG: &str = include_str!("../../../catalog/accelerators.toml");

/// The `name` column of chips.csv, in file order.
const CSV_NAMES: [&str; 70] = [
    "NVIDIA Tesla V100 SXM2 32GB",
    "NVIDIA Tesla T4",
    "NVIDIA A100 SXM4 80GB",
    "NVIDIA A100 PCIe 40GB",
    "NVIDIA A800 SXM4 80GB",
    "NVIDIA A800 PCIe 80GB",
    "NVIDIA A30",
    "NVIDIA A40",
    "NVIDIA A10",
    "NVIDIA H100 SXM5 80GB",
    "NVIDIA H100 PCIe 80GB",
    "NVIDIA H100 NVL (94GB)",
    "NVIDIA H800 SXM5",
    "NVIDIA H20",
    "NVIDIA L20",
    "NVIDIA L2",
    "NVIDIA L4",
    "NVIDIA L40",
    "NVIDIA L40S",
    "NVIDIA RTX 6000 Ada Generation",
    "NVIDIA GH200 Grace Hopper (144GB HBM3e)",
    "NVIDIA H200 SXM",
    "NVIDIA B100",
    "NVIDIA B200 (HGX, per GPU)",
    "NVIDIA GB200 (per Blackwell GPU)",
    "NVIDIA B300 (HGX, per GPU)",
    "NVIDIA GB300 (per Blackwell Ultra GPU)",
    "NVIDIA GeForce RTX 3090",
    "NVIDIA GeForce RTX 4080",
    "NVIDIA GeForce RTX 4090",
    "NVIDIA GeForce RTX 4090 D",
    "NVIDIA GeForce RTX 5090",
    "NVIDIA GeForce RTX 5090 D",
    "NVIDIA GeForce RTX 5090 D V2",
    "NVIDIA RTX 6000D (RTX PRO 6000D / 'B40')",
    "NVIDIA Jetson AGX Orin 64GB",
    "NVIDIA Jetson AGX Thor (T5000)",
    "AMD Instinct MI100",
    "AMD Instinct MI210",
    "AMD Instinct MI250X",
    "AMD Instinct MI300A",
    "AMD Instinct MI300X",
    "AMD Instinct MI308X",
    "AMD Instinct MI325X",
    "AMD Instinct MI350X",
    "AMD Instinct MI355X",
    "Intel Gaudi 2 (HL-225H)",
    "Intel Gaudi 2 China (HL-225B)",
    "Intel Gaudi 3 (HL-325L OAM)",
    "Intel Gaudi 3 China (HL-328 OAM / HL-388 PCIe)",
    "Google TPU v4",
    "Google TPU v5e",
    "Google TPU v5p",
    "Google TPU v6e (Trillium)",
    "Google TPU v7 (Ironwood)",
    "AWS Trainium2",
    "AWS Trainium3",
    "Huawei Ascend 910 (2019)",
    "Huawei Ascend 910B (910B2 bin)",
    "Huawei Ascend 910B4",
    "Huawei Ascend 910C",
    "Huawei Ascend 950PR (Atlas 350 card)",
    "Cambricon MLU370-X8",
    "Biren BR100",
    "Moore Threads MTT S4000",
    "Meta MTIA v2",
    "Microsoft Maia 100",
    "Tesla D1 (Dojo)",
    "Groq GroqChip LPU v1",
    "Apple M4 (Neural Engine)",
];

/// Ids other parts of the project (golden cases, examples, issues) refer to.
const REQUIRED_IDS: [(&str, &str); 18] = [
    ("nvidia-h20", "NVIDIA H20"),
    ("nvidia-h100-sxm", "NVIDIA H100 SXM5 80GB"),
    ("nvidia-h100-pcie", "NVIDIA H100 PCIe 80GB"),
    ("nvidia-h200-sxm", "NVIDIA H200 SXM"),
    ("nvidia-a800-sxm", "NVIDIA A800 SXM4 80GB"),
    ("nvidia-a800-pcie", "NVIDIA A800 PCIe 80GB"),
    ("nvidia-a100-sxm", "NVIDIA A100 SXM4 80GB"),
    ("nvidia-a100-pcie", "NVIDIA A100 PCIe 40GB"),
    ("amd-mi308x", "AMD Instinct MI308X"),
    ("huawei-ascend-910b", "Huawei Ascend 910B (910B2 bin)"),
    ("nvidia-l20", "NVIDIA L20"),
    ("nvidia-rtx-4090", "NVIDIA GeForce RTX 4090"),
    ("nvidia-rtx-4090-d", "NVIDIA GeForce RTX 4090 D"),
    ("amd-mi325x", "AMD Instinct MI325X"),
    ("aws-trainium2", "AWS Trainium2"),
    ("google-tpu-v5p", "Google TPU v5p"),
    ("huawei-ascend-910c", "Huawei Ascend 910C"),
    ("intel-gaudi-2-china", "Intel Gaudi 2 China (HL-225B)"),
];

fn load() -> Result<Catalog, CatalogError> {
    Catalog::from_toml_files([("catalog/accelerators.toml", CATALOG)])
}

#[test]
fn holds_all_seventy_parts() {
    assert_eq!(load().unwrap().len(), 70);
}

#[test]
fn required_ids_name_the_right_parts() {
    let catalog = load().unwrap();
    for (id, name) in REQUIRED_IDS {
        let item = catalog
            .get(id)
            .unwrap_or_else(|| panic!("missing id `{id}`"));
        assert_eq!(item.spec.name, name, "id `{id}`");
    }
}

#[test]
fn every_spec_validates_and_is_an_ic() {
    for item in load().unwrap().items() {
        item.spec
            .validate()
            .unwrap_or_else(|e| panic!("`{}`: {e}", item.id));
        assert_eq!(item.spec.kind, ItemKind::Ic, "`{}`", item.id);
    }
}

#[test]
fn names_are_the_csv_names_each_once() {
    let catalog = load().unwrap();
    let csv: BTreeSet<&str> = CSV_NAMES.into_iter().collect();
    assert_eq!(csv.len(), 70, "the CSV name list has duplicates");
    let names: BTreeSet<&str> = catalog.items().map(|i| i.spec.name.as_str()).collect();
    assert_eq!(names.len(), catalog.len(), "two items share a name");
    assert_eq!(names, csv);
}

#[test]
fn h20_figures_equal_the_csv() {
    let catalog = load().unwrap();
    let item = catalog.get("nvidia-h20").unwrap();
    let spec = &item.spec;
    assert_eq!(item.vendor, "NVIDIA");
    assert_eq!(item.release_year, Some(2024));
    assert!(item.figures_published);
    assert_eq!(item.published_tpp, Some(2368.0));
    assert!(!item.published_tpp_suspect);
    assert_eq!(spec.datacenter, Some(true));
    let tops: Vec<(&str, f64)> = spec
        .dense_tops
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        tops,
        vec![
            ("bf16", 148.0),
            ("fp16", 148.0),
            ("fp32", 44.0),
            ("fp64", 1.0),
            ("fp8", 296.0),
            ("int8", 296.0),
            ("tf32", 74.0),
        ]
    );
    assert_eq!(spec.die_area_mm2, Some(814.0));
    assert_eq!(spec.memory_gb, Some(96.0));
    assert_eq!(spec.memory_bandwidth_gbs, Some(4000.0));
    assert_eq!(spec.interconnect_bidir_gbs, Some(900.0));
    assert!(spec.dies.is_empty() && spec.units.is_empty() && spec.contains.is_empty());
}

#[test]
fn unpublished_parts_carry_no_throughput() {
    let catalog = load().unwrap();
    let unpublished: BTreeSet<&str> = catalog
        .items()
        .filter(|i| !i.figures_published)
        .map(|i| i.id.as_str())
        .collect();
    let expected: BTreeSet<&str> = [
        "amd-mi308x",
        "nvidia-rtx-6000d",
        "intel-gaudi-2-china",
        "intel-gaudi-3-china",
    ]
    .into_iter()
    .collect();
    assert_eq!(unpublished, expected);
    let mi308x = catalog.get("amd-mi308x").unwrap();
    assert!(!mi308x.figures_published);
    for id in expected {
        assert!(!catalog.get(id).unwrap().spec.has_throughput(), "`{id}`");
    }
}

#[test]
fn only_the_tagged_rows_are_suspect() {
    let suspect: BTreeSet<String> = load()
        .unwrap()
        .items()
        .filter(|i| i.published_tpp_suspect)
        .map(|i| i.id.clone())
        .collect();
    let expected: BTreeSet<String> = [
        "nvidia-gb300",
        "amd-mi350x",
        "amd-mi355x",
        "microsoft-maia-100",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(suspect, expected);
}

#[test]
fn precisions_from_the_notes_are_present() {
    let catalog = load().unwrap();
    let tops = |id: &str, format: &str| {
        catalog
            .get(id)
            .unwrap()
            .spec
            .dense_tops
            .get(format)
            .copied()
    };
    assert_eq!(tops("nvidia-a30", "int4"), Some(661.0));
    assert_eq!(tops("amd-mi350x", "fp6"), Some(9228.0));
    assert_eq!(tops("amd-mi355x", "fp6"), Some(10066.0));
    assert_eq!(tops("microsoft-maia-100", "mx6"), Some(3000.0));
    assert_eq!(tops("microsoft-maia-100", "mx9"), Some(1500.0));
    let maia = &catalog.get("microsoft-maia-100").unwrap().spec;
    assert_eq!(maia.bit_lengths.get("mx6"), Some(&6));
    assert_eq!(maia.bit_lengths.get("mx9"), Some(&9));
}

#[test]
fn no_figure_is_a_zero_placeholder() {
    for item in load().unwrap().items() {
        let spec = &item.spec;
        for (format, value) in &spec.dense_tops {
            assert!(*value > 0.0, "`{}` dense_tops.{format} is zero", item.id);
        }
        for (field, value) in [
            ("die_area_mm2", spec.die_area_mm2),
            ("memory_gb", spec.memory_gb),
            ("memory_bandwidth_gbs", spec.memory_bandwidth_gbs),
            ("interconnect_bidir_gbs", spec.interconnect_bidir_gbs),
        ] {
            // A part with no DRAM at all (the Groq LPU, SRAM only) states 0 GB/s of DRAM
            // bandwidth beside its SRAM figure: a fact, not a placeholder.
            let no_dram = field == "memory_bandwidth_gbs" && spec.sram_bandwidth_gbs.is_some();
            assert!(
                value != Some(0.0) || no_dram,
                "`{}` {field} is zero",
                item.id
            );
        }
        assert!(
            item.sources.iter().all(|s| s.starts_with("https://")),
            "`{}`",
            item.id
        );
        assert!(!item.sources.is_empty(), "`{}` has no sources", item.id);
    }
}
