//! Item specs: an item as its datasheet describes it.
//!
//! A spec is the input to classification. It holds only datasheet facts, never conclusions:
//! throughput per operand format, die area, bandwidths, and whether the item is designed or
//! marketed for datacenters. Every field but `name` and `kind` may be missing, and a missing
//! fact is never read as zero or as "not controlled": classification turns it into an
//! indeterminate answer that names the field.
//!
//! Specs arrive as JSON or TOML (`Spec::from_json`, `Spec::from_toml`). Nothing a spec says may
//! silently go unused: unknown fields, keys given twice, fields the kind does not read and
//! redefinitions of built-in operand formats are all errors, named by field.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// What kind of item a spec describes; each kind is classified by different paragraphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// An integrated circuit (GPU, TPU, NPU, ASIC, ...): 3A090.a/.b.
    Ic,
    /// A high-bandwidth memory stack or packaged DRAM: 3A090.c.
    Hbm,
    /// A computer, electronic assembly or component containing ICs: 4A090.
    System,
}

impl ItemKind {
    /// The name a spec gives the kind (`ic`, `hbm`, `system`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ic => "ic",
            Self::Hbm => "hbm",
            Self::System => "system",
        }
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One item as its datasheet describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub name: String,
    pub kind: ItemKind,
    /// "Designed or marketed for use in datacenters".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<bool>,
    /// Dense (non-sparse) peak tera-operations per second, per operand format, for the whole IC.
    #[serde(
        default,
        deserialize_with = "unique_keys",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub dense_tops: BTreeMap<String, f64>,
    /// Bit lengths of operand formats that are not built in (e.g. `{ "mx6" = 6 }`).
    #[serde(
        default,
        deserialize_with = "unique_keys",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub bit_lengths: BTreeMap<String, u32>,
    /// Per processing unit throughput, for ICs with several kinds of unit; TPP aggregates them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<ProcessingUnit>,
    /// The applicable die area: all logic dies made on a non-planar (FinFET/GAA) node, in mm².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub die_area_mm2: Option<f64>,
    /// Per-die breakdown; when given, the applicable die area is summed from it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dies: Vec<Die>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_gb: Option<f64>,
    /// Peak memory (DRAM/HBM) bandwidth of the package, GB/s: off-die memory only. The
    /// January 2026 rule's "total DRAM bandwidth" reads it; an IC with no DRAM has 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bandwidth_gbs: Option<f64>,
    /// On-die SRAM bandwidth, GB/s (the Groq LPU's 80 TB/s). Descriptive: never read as
    /// DRAM bandwidth by any rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sram_bandwidth_gbs: Option<f64>,
    /// Aggregate bidirectional transfer rate to ICs other than volatile memory, GB/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interconnect_bidir_gbs: Option<f64>,
    /// Package (or stack) area, mm²: the denominator of memory bandwidth density for `hbm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_area_mm2: Option<f64>,
    /// What a `system` contains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contains: Vec<Component>,
    /// Where the company that developed or produced the item is headquartered (ISO code):
    /// GP10 guidance of 2025-05-13 reaches 3A090-level ICs developed or produced by companies
    /// of China, Macau or D:5, whoever deals in them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<crate::country::Country>,
}

/// One processing unit (or a group of identical ones) on an IC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessingUnit {
    pub name: String,
    #[serde(default = "one")]
    pub count: u32,
    /// Dense peak tera-operations per second of one unit, per operand format.
    #[serde(deserialize_with = "unique_keys")]
    pub dense_tops: BTreeMap<String, f64>,
    /// Analog, multi-value or multi-level units count at 8 bits whatever the format (3A090
    /// of 2022, a.3).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub analog: bool,
}

/// One die in a package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Die {
    pub name: String,
    pub area_mm2: f64,
    #[serde(default = "one")]
    pub count: u32,
    /// A logic die (memory dies never count toward the applicable die area).
    #[serde(default = "yes")]
    pub logic: bool,
    /// Made on a non-planar transistor node (FinFET, GAA); planar dies do not count.
    #[serde(default = "yes")]
    pub non_planar: bool,
}

/// One entry of a system's bill of materials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub item: ItemRef,
    #[serde(default = "one")]
    pub count: u32,
}

/// A component given by catalog id or inline.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ItemRef {
    CatalogId(String),
    Inline(Box<Spec>),
}

// Not `#[serde(untagged)]` for reading: untagged buffers the inline spec and replaces every
// error inside it (an unknown or repeated field, with its line) by "did not match any variant".
impl<'de> Deserialize<'de> for ItemRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemRefVisitor;

        impl<'de> Visitor<'de> for ItemRefVisitor {
            type Value = ItemRef;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a catalog id or an inline item spec")
            }

            fn visit_str<E: de::Error>(self, id: &str) -> Result<ItemRef, E> {
                Ok(ItemRef::CatalogId(id.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ItemRef, A::Error> {
                Spec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|spec| ItemRef::Inline(Box::new(spec)))
            }
        }

        deserializer.deserialize_any(ItemRefVisitor)
    }
}

/// Reads a table of operand formats, rejecting a format given twice: serde_json would keep the
/// last value silently, so a pasted-over figure would decide the class unseen.
fn unique_keys<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct UniqueKeys<V>(PhantomData<V>);

    impl<'de, V: Deserialize<'de>> Visitor<'de> for UniqueKeys<V> {
        type Value = BTreeMap<String, V>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a table of operand formats")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut formats = BTreeMap::new();
            while let Some(format) = map.next_key::<String>()? {
                if formats.contains_key(&format) {
                    return Err(de::Error::custom(format_args!(
                        "duplicate field `{format}`"
                    )));
                }
                let value = map.next_value()?;
                formats.insert(format, value);
            }
            Ok(formats)
        }
    }

    deserializer.deserialize_map(UniqueKeys(PhantomData))
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// How a TF32 operation's bit length is read. TF32 operands are stored in 32-bit registers but
/// carry 19 significant bits; the EAR's "bit length of the operation" does not say which
/// counts. It decides the class of parts whose TF32 rate equals their 16-bit rate (Trainium).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Tf32Reading {
    /// 32 bits: the input container, as the industry and Epoch AI's TPP column count it.
    #[default]
    Container32,
    /// 19 bits: the significant bits actually multiplied.
    Significant19,
}

impl Tf32Reading {
    /// The bit length a TF32 operation counts for under this reading.
    pub const fn bits(self) -> u32 {
        match self {
            Self::Container32 => 32,
            Self::Significant19 => 19,
        }
    }

    /// The reading that counts TF32 as `bits` (32 or 19).
    pub const fn from_bits(bits: u32) -> Option<Self> {
        match bits {
            32 => Some(Self::Container32),
            19 => Some(Self::Significant19),
            _ => None,
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::Container32 => Self::Significant19,
            Self::Significant19 => Self::Container32,
        }
    }
}

/// The operand formats whose bit lengths are built in. A spec may not redefine them: the bit
/// length of the operation is the regulation's, not the datasheet's.
pub const BUILTIN_FORMATS: [&str; 17] = [
    "fp64", "int64", "fp32", "int32", "tf32", "fp16", "bf16", "int16", "fp8", "int8", "mxfp8",
    "fp6", "mxfp6", "fp4", "int4", "mxfp4", "nvfp4",
];

/// The built-in format `format` spells differently (`FP8`, `fp-8`, `BF_16`), if any: declaring
/// such a spelling with its own bit length would redefine the built-in under another name.
fn builtin_spelt_otherwise(format: &str) -> Option<&'static str> {
    let folded: String = format
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    BUILTIN_FORMATS
        .iter()
        .find(|builtin| **builtin == folded && **builtin != format)
        .copied()
}

/// The bit length of a built-in operand format, or `None` for a format that must be declared.
pub fn builtin_bit_length(format: &str, tf32: Tf32Reading) -> Option<u32> {
    let bits = match format {
        "fp64" | "int64" => 64,
        "fp32" | "int32" => 32,
        "tf32" => tf32.bits(),
        "fp16" | "bf16" | "int16" => 16,
        "fp8" | "int8" | "mxfp8" => 8,
        "fp6" | "mxfp6" => 6,
        "fp4" | "int4" | "mxfp4" | "nvfp4" => 4,
        _ => return None,
    };
    Some(bits)
}

/// The largest dense throughput a spec may state, in TOPS: a million times today's largest
/// chips, and far below where TPP (TOPS × 64 bits) could overflow.
pub const MAX_DENSE_TOPS: f64 = 1e9;

/// A spec that could not be read or is not usable.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SpecError {
    #[error("{0}")]
    Parse(String),
    #[error("field `{field}`: {reason}")]
    Invalid { field: String, reason: String },
    /// A field classification reads only for another kind: accepting it would let a figure
    /// the user believes counts go unread.
    #[error("field `{field}` is not used by kind `{kind}`")]
    NotUsed { field: String, kind: ItemKind },
}

impl SpecError {
    /// The same error for a spec nested at `prefix` (`contains[2].item`, `spec`).
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Self::Invalid { field, reason } => Self::Invalid {
                field: format!("{prefix}.{field}"),
                reason,
            },
            Self::NotUsed { field, kind } => Self::NotUsed {
                field: format!("{prefix}.{field}"),
                kind,
            },
            parse @ Self::Parse(_) => parse,
        }
    }
}

impl Spec {
    /// Reads a spec from JSON text (a leading byte-order mark is skipped), rejecting unknown
    /// and repeated fields with their line and path.
    pub fn from_json(text: &str) -> Result<Self, SpecError> {
        let text = without_bom(text);
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let spec: Self = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let field = e.path().to_string();
            SpecError::Parse(json_error(&field, e.inner()))
        })?;
        deserializer
            .end()
            .map_err(|e| SpecError::Parse(json_error("", &e)))?;
        spec.validate()?;
        Ok(spec)
    }

    /// Reads a spec from TOML text (a leading byte-order mark is skipped), rejecting unknown
    /// and repeated fields with their line and path.
    pub fn from_toml(text: &str) -> Result<Self, SpecError> {
        let text = without_bom(text);
        let spec: Self = serde_path_to_error::deserialize(toml::Deserializer::new(text))
            .map_err(|e| SpecError::Parse(toml_error_at(text, &e.path().to_string(), e.inner())))?;
        spec.validate()?;
        Ok(spec)
    }

    /// Checks what serde cannot: figures are finite and non-negative; formats are known and
    /// built-in ones are not redefined; every field is one the kind reads; and the figures
    /// classification derives from them (sums over units and dies, densities) stay finite.
    pub fn validate(&self) -> Result<(), SpecError> {
        let invalid = |field: &str, reason: &str| SpecError::Invalid {
            field: field.to_owned(),
            reason: reason.to_owned(),
        };
        if self.name.trim().is_empty() {
            return Err(invalid("name", "must not be empty"));
        }
        for (field, given, reader) in self.fields_read_by_one_kind() {
            if given && reader != self.kind {
                return Err(SpecError::NotUsed {
                    field: field.to_owned(),
                    kind: self.kind,
                });
            }
        }
        // Where two fields say the same thing, classification reads one; the other would be
        // ignored, however different.
        if !self.dies.is_empty() && self.die_area_mm2.is_some() {
            return Err(invalid(
                "die_area_mm2",
                "not used when `dies` is given: the applicable die area is summed from the dies",
            ));
        }
        if !self.units.is_empty() && !self.dense_tops.is_empty() {
            return Err(invalid(
                "dense_tops",
                "not used when `units` is given: throughput is summed from the units",
            ));
        }
        // `is_sign_negative` also refuses -0, which would print as TPP "-0".
        let check = |field: &str, value: Option<f64>| match value {
            Some(v) if !v.is_finite() || v.is_sign_negative() => {
                Err(invalid(field, "must be a finite number, zero or more"))
            }
            _ => Ok(()),
        };
        // An area is a divisor (PD, memory bandwidth density): zero would silently read as
        // "unknown" further on, so it is an input error here.
        let area = |field: &str, value: Option<f64>| match value {
            Some(v) if !v.is_finite() || v <= 0.0 => Err(invalid(
                field,
                "must be a finite number of square millimetres, more than zero",
            )),
            _ => Ok(()),
        };
        // Throughput far beyond any chip is a unit slip (TFLOPS given as FLOPS); it would also
        // overflow TPP to infinity.
        let tops = |field: &str, value: f64| {
            check(field, Some(value))?;
            if value > MAX_DENSE_TOPS {
                return Err(invalid(
                    field,
                    "implausibly large: give dense tera-operations per second (at most 1e9)",
                ));
            }
            Ok(())
        };
        let counted = |field: &str, count: u32| {
            if count == 0 {
                return Err(invalid(field, "must be 1 or more"));
            }
            Ok(())
        };
        area("die_area_mm2", self.die_area_mm2)?;
        check("memory_gb", self.memory_gb)?;
        check("memory_bandwidth_gbs", self.memory_bandwidth_gbs)?;
        check("sram_bandwidth_gbs", self.sram_bandwidth_gbs)?;
        check("interconnect_bidir_gbs", self.interconnect_bidir_gbs)?;
        area("package_area_mm2", self.package_area_mm2)?;
        for (format, bits) in &self.bit_lengths {
            let field = format!("bit_lengths.{format}");
            if format == "tf32" {
                return Err(invalid(
                    &field,
                    "`tf32` is built in: whether it counts 32 or 19 bits is a classification \
                     option, not a figure of the spec",
                ));
            }
            if builtin_bit_length(format, Tf32Reading::default()).is_some() {
                return Err(invalid(
                    &field,
                    &format!(
                        "`{format}` is built in: its bit length is fixed by the regulation and \
                         cannot be redefined"
                    ),
                ));
            }
            if let Some(builtin) = builtin_spelt_otherwise(format) {
                return Err(invalid(
                    &field,
                    &format!(
                        "`{format}` is the built-in `{builtin}` spelt otherwise: write \
                         `{builtin}`, whose bit length is fixed by the regulation"
                    ),
                ));
            }
            if *bits == 0 || *bits > 128 {
                return Err(invalid(&field, "must be 1 to 128"));
            }
        }
        let known_format = |field: &str, format: &str| {
            if let Some(builtin) = builtin_spelt_otherwise(format) {
                return Err(invalid(
                    field,
                    &format!(
                        "`{format}` is the built-in `{builtin}` spelt otherwise: write `{builtin}`"
                    ),
                ));
            }
            if builtin_bit_length(format, Tf32Reading::default()).is_none()
                && !self.bit_lengths.contains_key(format)
            {
                return Err(invalid(
                    field,
                    "unknown operand format: declare its bit length in `bit_lengths`",
                ));
            }
            Ok(())
        };
        for (format, value) in &self.dense_tops {
            let field = format!("dense_tops.{format}");
            tops(&field, *value)?;
            known_format(&field, format)?;
        }
        let mut summed_over_units: BTreeMap<&str, f64> = BTreeMap::new();
        for (i, unit) in self.units.iter().enumerate() {
            counted(&format!("units[{i}].count"), unit.count)?;
            for (format, value) in &unit.dense_tops {
                let field = format!("units[{i}].dense_tops.{format}");
                tops(&field, *value)?;
                known_format(&field, format)?;
                *summed_over_units.entry(format).or_default() += value * f64::from(unit.count);
            }
        }
        // The cap on one figure holds for the whole IC too: a million units of a billion TOPS
        // is a slip, and enough of them would overflow TPP to infinity.
        for (format, total) in summed_over_units {
            if !total.is_finite() || total > MAX_DENSE_TOPS {
                return Err(invalid(
                    "units",
                    &format!(
                        "`{format}` summed over the units (TOPS × count) is implausibly large: \
                         at most 1e9 dense tera-operations per second for the whole IC"
                    ),
                ));
            }
        }
        let mut summed_die_area = 0.0;
        for (i, die) in self.dies.iter().enumerate() {
            area(&format!("dies[{i}].area_mm2"), Some(die.area_mm2))?;
            counted(&format!("dies[{i}].count"), die.count)?;
            summed_die_area += die.area_mm2 * f64::from(die.count);
        }
        if !f64::is_finite(summed_die_area) {
            return Err(invalid(
                "dies",
                "the die areas (area × count) sum to more than any finite number",
            ));
        }
        self.check_densities()?;
        for (i, component) in self.contains.iter().enumerate() {
            counted(&format!("contains[{i}].count"), component.count)?;
            if let ItemRef::Inline(spec) = &component.item {
                spec.validate()
                    .map_err(|e| e.within(&format!("contains[{i}].item")))?;
            }
        }
        Ok(())
    }

    /// Catalog ids of the components this spec names, directly or inside inline components,
    /// in order, without repeats. A catalog component's own components are not expanded here
    /// (the spec alone does not have them).
    pub fn component_ids(&self) -> Vec<String> {
        fn walk(spec: &Spec, out: &mut Vec<String>) {
            for c in &spec.contains {
                match &c.item {
                    ItemRef::CatalogId(id) => {
                        if !out.contains(id) {
                            out.push(id.clone());
                        }
                    }
                    ItemRef::Inline(inner) => walk(inner, out),
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// The fields only classification reads, each with the one kind whose paragraphs read it
    /// (3A090.a/.b for `ic`, 3A090.c for `hbm`, 4A090 for `system`). The other fields apply to
    /// every kind: `datacenter`, `memory_bandwidth_gbs` and `interconnect_bidir_gbs` are item
    /// facts license determination tests whatever the kind (the 2026 case-by-case gate reads a
    /// system's memory bandwidth), and `memory_gb` only describes.
    fn fields_read_by_one_kind(&self) -> [(&'static str, bool, ItemKind); 7] {
        [
            ("dense_tops", !self.dense_tops.is_empty(), ItemKind::Ic),
            ("bit_lengths", !self.bit_lengths.is_empty(), ItemKind::Ic),
            ("units", !self.units.is_empty(), ItemKind::Ic),
            ("die_area_mm2", self.die_area_mm2.is_some(), ItemKind::Ic),
            ("dies", !self.dies.is_empty(), ItemKind::Ic),
            (
                "package_area_mm2",
                self.package_area_mm2.is_some(),
                ItemKind::Hbm,
            ),
            ("contains", !self.contains.is_empty(), ItemKind::System),
        ]
    }

    /// Quotients of finite figures can still leave the finite range (1 TOPS over 1e-320 mm²);
    /// an infinite density would decide a paragraph on a figure that means nothing.
    fn check_densities(&self) -> Result<(), SpecError> {
        let too_small = |field: &str, density: &str| SpecError::Invalid {
            field: field.to_owned(),
            reason: format!("so small that {density} is not a finite number"),
        };
        // TF32 read at 32 bits gives the larger TPP, so if its density is finite, so is the
        // 19-bit one.
        let tpp = crate::classify::total_processing_performance(self, Tf32Reading::Container32)
            .map(|basis| basis.dense_tops * f64::from(basis.bit_length));
        let area = self.applicable_die_area_mm2().filter(|a| *a > 0.0);
        if let Some((tpp, area)) = tpp.zip(area) {
            if !(tpp / area).is_finite() {
                let field = if self.dies.is_empty() {
                    "die_area_mm2"
                } else {
                    "dies"
                };
                return Err(too_small(field, "performance density (TPP ÷ die area)"));
            }
        }
        if let Some((bandwidth, area)) = self.memory_bandwidth_gbs.zip(self.package_area_mm2) {
            if !(bandwidth / area).is_finite() {
                return Err(too_small(
                    "package_area_mm2",
                    "memory bandwidth density (bandwidth ÷ package area)",
                ));
            }
        }
        Ok(())
    }

    /// The bit length of `format` for this spec (built in or declared).
    pub fn bit_length(&self, format: &str, tf32: Tf32Reading) -> Option<u32> {
        builtin_bit_length(format, tf32).or_else(|| self.bit_lengths.get(format).copied())
    }

    /// The applicable die area: the sum of non-planar logic dies when a breakdown is given,
    /// otherwise `die_area_mm2`.
    pub fn applicable_die_area_mm2(&self) -> Option<f64> {
        if self.dies.is_empty() {
            return self.die_area_mm2;
        }
        Some(
            self.dies
                .iter()
                .filter(|d| d.logic && d.non_planar)
                .map(|d| d.area_mm2 * f64::from(d.count))
                .sum(),
        )
    }

    /// Whether any throughput figure is given.
    pub fn has_throughput(&self) -> bool {
        !self.dense_tops.is_empty() || self.units.iter().any(|u| !u.dense_tops.is_empty())
    }
}

/// Text without its UTF-8 byte-order mark, which Windows editors write and parsers refuse.
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// serde's messages in the user's words: `expected f64` names a Rust type.
fn plain(message: &str) -> String {
    message
        .replace("expected f64", "expected a number")
        .replace("expected u32", "expected a whole number, zero or more")
        .replace("expected u16", "expected a whole number, zero or more")
}

/// `field `path`: ` for an error inside a field, nothing at the top (path `.`).
fn field_prefix(path: &str) -> String {
    if path.is_empty() || path == "." {
        String::new()
    } else {
        format!("field `{path}`: ")
    }
}

/// Renders a JSON error as `line L, column C: field `path`: message`.
fn json_error(path: &str, error: &serde_json::Error) -> String {
    let (line, column) = (error.line(), error.column());
    let message = error.to_string();
    // serde_json appends the position to its message; it is already at the front.
    let suffix = format!(" at line {line} column {column}");
    let message = message.strip_suffix(&suffix).unwrap_or(&message);
    format!(
        "line {line}, column {column}: {}{}",
        field_prefix(path),
        plain(message)
    )
}

/// Renders a TOML error as `line L, column C: field `path`: message`.
pub(crate) fn toml_error_at(text: &str, path: &str, error: &toml::de::Error) -> String {
    let message = plain(error.message().trim_end()).replace('\n', "; ");
    let field = field_prefix(path);
    match error.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            format!("line {line}, column {column}: {field}{message}")
        }
        None => format!("{field}{message}"),
    }
}

/// One-based line and column of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_issue_example() {
        let spec = Spec::from_json(
            r#"{"name":"NVIDIA H20","kind":"ic","datacenter":true,
               "dense_tops":{"fp64":1,"fp32":44,"tf32":74,"fp16":148,"bf16":148,"fp8":296,"int8":296},
               "die_area_mm2":814,"memory_bandwidth_gbs":4000,"interconnect_bidir_gbs":900}"#,
        )
        .unwrap();
        assert_eq!(spec.dense_tops["fp8"], 296.0);
        assert_eq!(spec.applicable_die_area_mm2(), Some(814.0));
    }

    #[test]
    fn rejects_a_misspelt_field_with_its_position() {
        let err = Spec::from_json("{\"name\":\"x\",\"kind\":\"ic\",\n\"die_area\":5}").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("die_area"), "{text}");
    }

    #[test]
    fn rejects_an_undeclared_format_naming_the_field() {
        let err = Spec::from_toml("name='x'\nkind='ic'\n[dense_tops]\nmx6=3000\n").unwrap_err();
        assert_eq!(
            err,
            SpecError::Invalid {
                field: "dense_tops.mx6".into(),
                reason: "unknown operand format: declare its bit length in `bit_lengths`".into()
            }
        );
    }

    #[test]
    fn rejects_figures_that_would_read_as_unknown_or_overflow() {
        let err = |body: &str| {
            Spec::from_toml(&format!("name='x'\nkind='ic'\n{body}"))
                .unwrap_err()
                .to_string()
        };
        assert!(err("die_area_mm2 = 0").contains("die_area_mm2"));
        assert!(err("package_area_mm2 = 0").contains("package_area_mm2"));
        assert!(err("[dense_tops]\nfp8 = 1e308").contains("implausibly large"));
        let system = Spec::from_toml(
            "name='x'\nkind='system'\n[[contains]]\nitem='nvidia-h100-sxm'\ncount=0\n",
        )
        .unwrap_err();
        assert!(system.to_string().contains("contains[0].count"), "{system}");
    }

    #[test]
    fn sums_only_non_planar_logic_dies() {
        let spec = Spec::from_toml(
            "name='x'\nkind='ic'\n[[dies]]\nname='xcd'\narea_mm2=110\ncount=8\n\
             [[dies]]\nname='io'\narea_mm2=400\ncount=2\nnon_planar=false\n\
             [[dies]]\nname='hbm'\narea_mm2=100\ncount=8\nlogic=false\n",
        )
        .unwrap();
        assert_eq!(spec.applicable_die_area_mm2(), Some(880.0));
    }
}
