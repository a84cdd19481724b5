//! Item specs: an item as its datasheet describes it.
//!
//! A spec is the input to classification. It holds only datasheet facts, never conclusions:
//! throughput per operand format, die area, bandwidths, and whether the item is designed or
//! marketed for datacenters. Every field but `name` and `kind` may be missing, and a missing
//! fact is never read as zero or as "not controlled": classification turns it into an
//! indeterminate answer that names the field.
//!
//! Specs arrive as JSON or TOML (`Spec::from_json`, `Spec::from_toml`); unknown fields are
//! rejected so that a misspelt figure cannot silently go unused.

use std::collections::BTreeMap;

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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dense_tops: BTreeMap<String, f64>,
    /// Bit lengths of operand formats that are not built in (e.g. `{ "mx6" = 6 }`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
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
    /// Peak memory (DRAM/HBM) bandwidth of the package, GB/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bandwidth_gbs: Option<f64>,
    /// Aggregate bidirectional transfer rate to ICs other than volatile memory, GB/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interconnect_bidir_gbs: Option<f64>,
    /// Package (or stack) area, mm²: the denominator of memory bandwidth density for `hbm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_area_mm2: Option<f64>,
    /// What a `system` contains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contains: Vec<Component>,
}

/// One processing unit (or a group of identical ones) on an IC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessingUnit {
    pub name: String,
    #[serde(default = "one")]
    pub count: u32,
    /// Dense peak tera-operations per second of one unit, per operand format.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ItemRef {
    CatalogId(String),
    Inline(Box<Spec>),
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
}

impl Spec {
    /// Reads a spec from JSON text, rejecting unknown fields.
    pub fn from_json(text: &str) -> Result<Self, SpecError> {
        let spec: Self = serde_json::from_str(text).map_err(|e| {
            SpecError::Parse(format!("line {}, column {}: {e}", e.line(), e.column()))
        })?;
        spec.validate()?;
        Ok(spec)
    }

    /// Reads a spec from TOML text, rejecting unknown fields.
    pub fn from_toml(text: &str) -> Result<Self, SpecError> {
        let spec: Self =
            toml::from_str(text).map_err(|e| SpecError::Parse(toml_error(text, &e)))?;
        spec.validate()?;
        Ok(spec)
    }

    /// Checks what serde cannot: figures are finite and non-negative, formats are known.
    pub fn validate(&self) -> Result<(), SpecError> {
        let invalid = |field: String, reason: &str| SpecError::Invalid {
            field,
            reason: reason.to_owned(),
        };
        if self.name.trim().is_empty() {
            return Err(invalid("name".into(), "must not be empty"));
        }
        let check = |field: &str, value: Option<f64>| match value {
            Some(v) if !v.is_finite() || v < 0.0 => Err(invalid(
                field.to_owned(),
                "must be a finite number, zero or more",
            )),
            _ => Ok(()),
        };
        // An area is a divisor (PD, memory bandwidth density): zero would silently read as
        // "unknown" further on, so it is an input error here.
        let area = |field: &str, value: Option<f64>| match value {
            Some(v) if !v.is_finite() || v <= 0.0 => Err(invalid(
                field.to_owned(),
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
                    field.to_owned(),
                    "implausibly large: give dense tera-operations per second (at most 1e9)",
                ));
            }
            Ok(())
        };
        let counted = |field: String, count: u32| {
            if count == 0 {
                return Err(invalid(field, "must be 1 or more"));
            }
            Ok(())
        };
        area("die_area_mm2", self.die_area_mm2)?;
        check("memory_gb", self.memory_gb)?;
        check("memory_bandwidth_gbs", self.memory_bandwidth_gbs)?;
        check("interconnect_bidir_gbs", self.interconnect_bidir_gbs)?;
        area("package_area_mm2", self.package_area_mm2)?;
        let known = |format: &str| {
            builtin_bit_length(format, Tf32Reading::default()).is_some()
                || self.bit_lengths.contains_key(format)
        };
        for (format, value) in &self.dense_tops {
            tops(&format!("dense_tops.{format}"), *value)?;
            if !known(format) {
                return Err(invalid(
                    format!("dense_tops.{format}"),
                    "unknown operand format: declare its bit length in `bit_lengths`",
                ));
            }
        }
        for (format, bits) in &self.bit_lengths {
            if *bits == 0 || *bits > 128 {
                return Err(invalid(format!("bit_lengths.{format}"), "must be 1 to 128"));
            }
        }
        for (i, unit) in self.units.iter().enumerate() {
            counted(format!("units[{i}].count"), unit.count)?;
            for (format, value) in &unit.dense_tops {
                tops(&format!("units[{i}].dense_tops.{format}"), *value)?;
                if !known(format) {
                    return Err(invalid(
                        format!("units[{i}].dense_tops.{format}"),
                        "unknown operand format: declare its bit length in `bit_lengths`",
                    ));
                }
            }
        }
        for (i, die) in self.dies.iter().enumerate() {
            area(&format!("dies[{i}].area_mm2"), Some(die.area_mm2))?;
            counted(format!("dies[{i}].count"), die.count)?;
        }
        for (i, component) in self.contains.iter().enumerate() {
            counted(format!("contains[{i}].count"), component.count)?;
            if let ItemRef::Inline(spec) = &component.item {
                spec.validate().map_err(|e| match e {
                    SpecError::Invalid { field, reason } => SpecError::Invalid {
                        field: format!("contains[{i}].item.{field}"),
                        reason,
                    },
                    other => other,
                })?;
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

/// Renders a TOML error as `line L, column C: message`.
pub(crate) fn toml_error(text: &str, error: &toml::de::Error) -> String {
    match error.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            format!("line {line}, column {column}: {}", error.message())
        }
        None => error.message().to_owned(),
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
