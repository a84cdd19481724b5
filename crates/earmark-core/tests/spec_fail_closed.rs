//! Item specs fail closed: whatever a spec says either counts or is an error naming the field
//! (and, where the parser knows it, the line). Each test pins one way a malformed spec used to
//! be accepted silently.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "support/bundled.rs"]
mod bundled;

use earmark_core::catalog::{Catalog, NoLookup};
use earmark_core::classify::{classify_with, ClassifyOptions, Status, Vintages};
use earmark_core::spec::{ItemKind, Spec, SpecError};

fn json_error(text: &str) -> String {
    match Spec::from_json(text) {
        Ok(spec) => panic!("accepted: {spec:?}"),
        Err(e) => e.to_string(),
    }
}

fn toml_error(text: &str) -> String {
    match Spec::from_toml(text) {
        Ok(spec) => panic!("accepted: {spec:?}"),
        Err(e) => e.to_string(),
    }
}

fn assert_names(error: &str, parts: &[&str]) {
    for part in parts {
        assert!(error.contains(part), "`{part}` missing from: {error}");
    }
    assert!(!error.contains('\n'), "not one line: {error}");
}

#[test]
fn a_format_given_twice_in_json_dense_tops_is_an_error_naming_line_and_field() {
    let error = json_error(
        "{\"name\": \"x\", \"kind\": \"ic\",\n \"dense_tops\": {\"fp8\": 296,\n \"fp8\": 2}}",
    );
    assert_names(&error, &["line 3", "`dense_tops`", "duplicate field `fp8`"]);
}

#[test]
fn a_field_given_twice_at_the_top_of_a_json_spec_is_an_error_naming_line_and_field() {
    let error = json_error(
        "{\"name\": \"x\", \"kind\": \"ic\",\n \"die_area_mm2\": 814,\n \"die_area_mm2\": 8140}",
    );
    assert_names(&error, &["line 3", "duplicate field `die_area_mm2`"]);
}

#[test]
fn a_key_given_twice_inside_a_json_unit_or_die_is_an_error_naming_its_path() {
    let unit = json_error(
        r#"{"name": "x", "kind": "ic",
            "units": [{"name": "tc", "dense_tops": {"fp16": 80, "fp16": 8}}]}"#,
    );
    assert_names(
        &unit,
        &["line 2", "`units[0].dense_tops`", "duplicate field `fp16`"],
    );
    let unit_count = json_error(
        r#"{"name": "x", "kind": "ic",
            "units": [{"name": "tc", "count": 4, "count": 40, "dense_tops": {"fp16": 80}}]}"#,
    );
    assert_names(
        &unit_count,
        &["line 2", "units[0]", "duplicate field `count`"],
    );
    let die = json_error(
        r#"{"name": "x", "kind": "ic",
            "dies": [{"name": "a", "area_mm2": 100},
                     {"name": "b", "area_mm2": 100, "area_mm2": 1}]}"#,
    );
    assert_names(&die, &["line 3", "dies[1]", "duplicate field `area_mm2`"]);
}

#[test]
fn a_key_given_twice_inside_an_inline_json_contains_item_is_an_error_naming_its_path() {
    let error = json_error(
        r#"{"name": "sys", "kind": "system", "contains": [
              {"item": "nvidia-h100-sxm", "count": 8},
              {"item": {"name": "y", "kind": "ic",
                        "dense_tops": {"fp8": 1000, "fp8": 1}}}]}"#,
    );
    assert_names(
        &error,
        &[
            "line 4",
            "`contains[1].item.dense_tops`",
            "duplicate field `fp8`",
        ],
    );
    let top = json_error(
        r#"{"name": "sys", "kind": "system", "contains": [
              {"item": {"name": "y", "kind": "ic", "kind": "hbm"}}]}"#,
    );
    assert_names(
        &top,
        &["line 2", "contains[0].item", "duplicate field `kind`"],
    );
}

#[test]
fn toml_keys_given_twice_are_errors_naming_the_line_everywhere() {
    let top = toml_error("name = 'x'\nkind = 'ic'\ndie_area_mm2 = 814\ndie_area_mm2 = 8140\n");
    assert_names(&top, &["line 4", "die_area_mm2"]);
    let formats = toml_error("name = 'x'\nkind = 'ic'\ndense_tops = { fp8 = 296, fp8 = 2 }\n");
    assert_names(&formats, &["line 3", "fp8"]);
    let unit = toml_error(
        "name = 'x'\nkind = 'ic'\n[[units]]\nname = 'tc'\ncount = 4\ncount = 40\n\
         dense_tops = { fp16 = 80 }\n",
    );
    assert_names(&unit, &["line 6", "count"]);
    let die = toml_error(
        "name = 'x'\nkind = 'ic'\n[[dies]]\nname = 'a'\narea_mm2 = 100\n[dies.area_mm2]\n",
    );
    assert_names(&die, &["line 6", "area_mm2"]);
    let inline = toml_error(
        "name = 's'\nkind = 'system'\n[[contains]]\ncount = 1\n[contains.item]\nname = 'y'\n\
         kind = 'ic'\n[contains.item.dense_tops]\nfp8 = 1000\nfp8 = 1\n",
    );
    assert_names(&inline, &["line 10", "fp8"]);
}

#[test]
fn a_field_the_kind_does_not_read_is_an_error_naming_field_and_kind() {
    let cases = [
        ("ic", "[[contains]]\nitem = 'nvidia-h100-sxm'\n", "contains"),
        ("ic", "package_area_mm2 = 121\n", "package_area_mm2"),
        ("hbm", "dense_tops = { fp8 = 296 }\n", "dense_tops"),
        ("hbm", "die_area_mm2 = 814\n", "die_area_mm2"),
        ("hbm", "bit_lengths = { mx6 = 6 }\n", "bit_lengths"),
        (
            "hbm",
            "[[units]]\nname = 'u'\ndense_tops = { fp8 = 1 }\n",
            "units",
        ),
        ("hbm", "[[dies]]\nname = 'd'\narea_mm2 = 100\n", "dies"),
        (
            "hbm",
            "[[contains]]\nitem = 'nvidia-h100-sxm'\n",
            "contains",
        ),
        ("system", "dense_tops = { fp8 = 296 }\n", "dense_tops"),
        ("system", "die_area_mm2 = 814\n", "die_area_mm2"),
        ("system", "package_area_mm2 = 121\n", "package_area_mm2"),
    ];
    for (kind, body, field) in cases {
        let error = Spec::from_toml(&format!("name = 'x'\nkind = '{kind}'\n{body}")).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("field `{field}` is not used by kind `{kind}`"),
            "{kind}: {body}"
        );
    }
    // The facts determination reads apply to every kind.
    for kind in ["ic", "hbm", "system"] {
        Spec::from_toml(&format!(
            "name = 'x'\nkind = '{kind}'\ndatacenter = true\nmemory_gb = 80\n\
             memory_bandwidth_gbs = 4000\ninterconnect_bidir_gbs = 900\n"
        ))
        .unwrap();
    }
}

#[test]
fn a_field_the_kind_does_not_read_inside_an_inline_component_names_its_path() {
    let error = Spec::from_json(
        r#"{"name": "sys", "kind": "system", "contains": [
              {"item": {"name": "y", "kind": "hbm", "dense_tops": {"fp8": 1}}}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        error,
        SpecError::NotUsed {
            field: "contains[0].item.dense_tops".into(),
            kind: ItemKind::Hbm
        }
    );
}

#[test]
fn a_die_area_beside_a_die_breakdown_is_an_error_not_ignored() {
    let error = toml_error(
        "name = 'x'\nkind = 'ic'\ndie_area_mm2 = 5000\n[[dies]]\nname = 'a'\narea_mm2 = 100\n",
    );
    assert_names(&error, &["field `die_area_mm2`", "`dies`"]);
}

#[test]
fn dense_tops_beside_a_unit_breakdown_is_an_error_not_ignored() {
    let error = toml_error(
        "name = 'x'\nkind = 'ic'\ndense_tops = { fp8 = 5000 }\n\
         [[units]]\nname = 'u'\ndense_tops = { fp8 = 1 }\n",
    );
    assert_names(&error, &["field `dense_tops`", "`units`"]);
}

#[test]
fn a_bit_length_for_a_built_in_format_is_an_error() {
    // fp8 at 4 bits would halve TPP; every built-in, not only fp8, is fixed.
    for format in ["fp8", "int8", "fp16", "bf16", "fp4", "nvfp4", "fp64"] {
        let error = toml_error(&format!(
            "name = 'x'\nkind = 'ic'\nbit_lengths = {{ {format} = 4 }}\ndense_tops = {{ {format} = 296 }}\n"
        ));
        assert_names(
            &error,
            &[
                &format!("field `bit_lengths.{format}`"),
                "built in",
                "cannot be redefined",
            ],
        );
    }
}

#[test]
fn a_bit_length_for_tf32_is_an_error_since_its_reading_is_an_option() {
    let error = toml_error("name = 'x'\nkind = 'ic'\nbit_lengths = { tf32 = 19 }\n");
    assert_names(
        &error,
        &["field `bit_lengths.tf32`", "classification option"],
    );
}

#[test]
fn a_built_in_format_spelt_otherwise_cannot_be_given_its_own_bit_length() {
    let error = toml_error(
        "name = 'x'\nkind = 'ic'\nbit_lengths = { FP8 = 2 }\ndense_tops = { FP8 = 296 }\n",
    );
    assert_names(&error, &["field `bit_lengths.FP8`", "built-in `fp8`"]);
    let undeclared = toml_error("name = 'x'\nkind = 'ic'\ndense_tops = { 'bf-16' = 148 }\n");
    assert_names(&undeclared, &["field `dense_tops.bf-16`", "write `bf16`"]);
}

#[test]
fn tops_summed_over_many_units_beyond_the_cap_is_an_error_not_an_infinite_tpp() {
    let mut text = String::from("name = 'x'\nkind = 'ic'\n");
    for i in 0..3 {
        text.push_str(&format!(
            "[[units]]\nname = 'u{i}'\ncount = 4294967295\ndense_tops = {{ fp64 = 1e9 }}\n"
        ));
    }
    let error = toml_error(&text);
    assert_names(&error, &["field `units`", "`fp64` summed over the units"]);
}

#[test]
fn die_areas_summing_to_infinity_are_an_error_not_an_infinite_area() {
    let error = toml_error(
        "name = 'x'\nkind = 'ic'\ndense_tops = { fp8 = 296 }\n\
         [[dies]]\nname = 'a'\narea_mm2 = 1e300\ncount = 4000000000\n",
    );
    assert_names(&error, &["field `dies`", "finite"]);
}

#[test]
fn a_die_area_so_small_that_performance_density_is_infinite_is_an_error() {
    let error =
        toml_error("name = 'x'\nkind = 'ic'\ndense_tops = { fp8 = 296 }\ndie_area_mm2 = 1e-320\n");
    assert_names(&error, &["field `die_area_mm2`", "performance density"]);
    let dies = toml_error(
        "name = 'x'\nkind = 'ic'\ndense_tops = { fp8 = 296 }\n\
         [[dies]]\nname = 'a'\narea_mm2 = 1e-320\n",
    );
    assert_names(&dies, &["field `dies`", "performance density"]);
}

#[test]
fn a_package_area_so_small_that_bandwidth_density_is_infinite_is_an_error() {
    let error = toml_error(
        "name = 'x'\nkind = 'hbm'\nmemory_bandwidth_gbs = 1229\npackage_area_mm2 = 5e-324\n",
    );
    assert_names(
        &error,
        &["field `package_area_mm2`", "memory bandwidth density"],
    );
}

#[test]
fn a_negative_zero_figure_is_an_error_not_a_tpp_of_minus_zero() {
    let error = toml_error("name = 'x'\nkind = 'ic'\ndense_tops = { fp8 = -0.0 }\n");
    assert_names(&error, &["field `dense_tops.fp8`", "zero or more"]);
}

#[test]
fn a_json_spec_with_a_byte_order_mark_is_read() {
    let text =
        std::fs::read_to_string(bundled::root().join("examples/specs/nvidia-h20.json")).unwrap();
    let spec = Spec::from_json(&format!("\u{feff}{text}")).unwrap();
    assert_eq!(spec, Spec::from_json(&text).unwrap());
    let toml = Spec::from_toml("\u{feff}name = 'x'\nkind = 'hbm'\n").unwrap();
    assert_eq!(toml.kind, ItemKind::Hbm);
}

#[test]
fn an_unknown_field_in_an_inline_contains_item_is_named_with_its_path_and_line() {
    let json = json_error(
        r#"{"name": "sys", "kind": "system", "contains": [
              {"item": "nvidia-h100-sxm"},
              {"item": {"name": "y", "kind": "ic",
                        "die_areaa": 814}}]}"#,
    );
    assert_names(
        &json,
        &["line 4", "contains[1].item.die_areaa", "unknown field"],
    );
    let toml = toml_error(
        "name = 's'\nkind = 'system'\n[[contains]]\nitem = 'nvidia-h100-sxm'\n\
         [[contains]]\n[contains.item]\nname = 'y'\nkind = 'ic'\ndie_areaa = 814\n",
    );
    assert_names(&toml, &["line 9", "contains[1].item", "die_areaa"]);
}

#[test]
fn a_system_with_no_resolved_parts_has_an_unknown_tpp_not_minus_zero() {
    let date = "2025-01-01".parse().unwrap();
    let options = ClassifyOptions::default();
    let empty = Spec::from_toml("name = 's'\nkind = 'system'\n").unwrap();
    let unresolved =
        Spec::from_toml("name = 's'\nkind = 'system'\n[[contains]]\nitem = 'no-such-part'\n")
            .unwrap();
    for spec in [&empty, &unresolved] {
        let c = classify_with(spec, date, &options, &NoLookup, &vintages());
        assert_eq!(c.status, Status::Indeterminate);
        assert_eq!(c.tpp, None, "{}", spec.name);
    }
    // One part resolved and one not: a partial sum would understate TPP under a TPP gate.
    let half = Spec::from_toml(
        "name = 's'\nkind = 'system'\n[[contains]]\nitem = 'nvidia-h100-sxm'\n\
         [[contains]]\nitem = 'no-such-part'\n",
    )
    .unwrap();
    let c = classify_with(&half, date, &options, &bundled::catalog(), &vintages());
    assert_eq!(c.tpp, None);
    // Every part resolved: the sum, zero included, is a number.
    let idle = Spec::from_toml(
        "name = 's'\nkind = 'system'\n[[contains]]\n[contains.item]\nname = 'idle'\nkind = 'ic'\n\
         dense_tops = { fp8 = 0 }\n",
    )
    .unwrap();
    let c = classify_with(&idle, date, &options, &NoLookup, &vintages());
    assert_eq!(c.tpp.map(|t| (t, t.is_sign_positive())), Some((0.0, true)));
}

#[test]
fn a_catalog_entry_goes_through_the_spec_checks_with_its_path() {
    let entry = |spec: &str| {
        format!("[[item]]\nid = 'x-part'\nvendor = 'X'\n[item.spec]\nname = 'X'\n{spec}")
    };
    let unused = Catalog::from_toml_files([(
        "a.toml",
        entry("kind = 'hbm'\ndense_tops = { fp8 = 1 }\n").as_str(),
    )])
    .unwrap_err();
    assert_eq!(unused.file, "a.toml");
    assert!(
        unused
            .message
            .contains("field `spec.dense_tops` is not used by kind `hbm`"),
        "{}",
        unused.message
    );
    let unknown =
        Catalog::from_toml_files([("a.toml", entry("kind = 'ic'\ndie_areaa = 1\n").as_str())])
            .unwrap_err();
    assert!(unknown.message.contains("line 7"), "{}", unknown.message);
    assert!(
        unknown.message.contains("item[0].spec"),
        "{}",
        unknown.message
    );
    let twice = Catalog::from_toml_files([(
        "a.toml",
        entry("kind = 'ic'\ndense_tops = { fp8 = 1, fp8 = 2 }\n").as_str(),
    )])
    .unwrap_err();
    assert!(twice.message.contains("line 7"), "{}", twice.message);
    let builtin = Catalog::from_toml_files([(
        "a.toml",
        entry("kind = 'ic'\nbit_lengths = { fp8 = 4 }\n").as_str(),
    )])
    .unwrap_err();
    assert!(
        builtin.message.contains("spec.bit_lengths.fp8"),
        "{}",
        builtin.message
    );
}

#[test]
fn a_catalog_published_tpp_that_is_not_a_positive_number_is_an_error() {
    for tpp in ["nan", "inf", "-1", "0"] {
        let text = format!(
            "[[item]]\nid = 'x-part'\nvendor = 'X'\npublished_tpp = {tpp}\n\
             [item.spec]\nname = 'X'\nkind = 'ic'\n"
        );
        let error = Catalog::from_toml_files([("a.toml", text.as_str())]).unwrap_err();
        assert!(
            error.message.contains("published_tpp"),
            "{tpp}: {}",
            error.message
        );
    }
}

#[test]
fn the_bundled_catalog_and_every_shipped_spec_still_load() {
    assert_eq!(bundled::catalog().len(), 70);
    let root = bundled::root();
    let mut read = 0;
    for dir in ["examples/specs", "rules/us-ear/golden/specs"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let parsed = match path.extension().and_then(|e| e.to_str()) {
                Some("json") => Spec::from_json(&text),
                _ => Spec::from_toml(&text),
            };
            parsed.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            read += 1;
        }
    }
    assert!(read >= 10, "only {read} specs");
}

/// The bundled pack's classification texts.
fn vintages() -> Vintages {
    Vintages::from_pack(&bundled::pack()).unwrap()
}
