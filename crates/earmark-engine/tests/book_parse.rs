//! Order-book parsing: every bad row is named by line and column and the rest is read; a
//! header that cannot be trusted stops the book; nothing panics on any input. The rows are
//! written by hand here, from the column table in the module docs.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use earmark_core::country::Country;
use earmark_core::rules::{EndUse, Transaction};
use earmark_core::Date;
use earmark_engine::book::parse::catalog_ids;
use earmark_engine::book::{parse, Book, BookError, BookFormat, ParseOptions};
use earmark_engine::{ItemRef, ParentHeadquarters, PartyRole};
use proptest::prelude::*;

fn csv(text: &str) -> Result<Book, BookError> {
    parse(
        text.as_bytes(),
        BookFormat::Csv,
        &ParseOptions::default(),
        &mut catalog_ids,
    )
}

fn jsonl(text: &str) -> Book {
    parse(
        text.as_bytes(),
        BookFormat::JsonLines,
        &ParseOptions::default(),
        &mut catalog_ids,
    )
    .unwrap()
}

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

const HEADER: &str = "order_id,line,date,item,quantity,unit_price,currency,destination,end_user_name,end_user_hq,end_user_parent_hq";

#[test]
fn a_good_row_reads_into_the_shipment_with_exact_money() {
    let book = csv(&format!(
        "{HEADER}\nPO-1,1,2025-04-20,nvidia-h20,8,12500.10,usd,CN,Example Cloud Ltd,CN,same\n"
    ))
    .unwrap();
    assert!(book.errors.is_empty(), "{:?}", book.errors);
    let l = &book.lines[0];
    assert_eq!(l.source_line, 2);
    assert_eq!(l.order_id, "PO-1");
    assert_eq!(l.line, 1);
    assert_eq!(l.quantity, 8);
    assert_eq!(l.unit_price_cents, Some(1_250_010));
    assert_eq!(l.value_cents, Some(10_000_080));
    assert_eq!(l.currency.as_deref(), Some("USD"));
    assert_eq!(l.shipment.item, ItemRef::CatalogId("nvidia-h20".to_owned()));
    assert_eq!(l.shipment.to, Country::from_code("CN").unwrap());
    assert_eq!(l.shipment.from, Country::us());
    assert_eq!(l.shipment.transaction, Transaction::Export);
    assert_eq!(l.shipment.as_of, date("2025-04-20"));
    assert_eq!(l.shipment.quantity, Some(8));
    let eu = &l.shipment.parties[0];
    assert_eq!(eu.role, PartyRole::EndUser);
    assert_eq!(eu.name.as_deref(), Some("Example Cloud Ltd"));
    assert_eq!(eu.parent_headquarters, Some(ParentHeadquarters::Same));
}

#[test]
fn bad_rows_name_line_and_column_and_the_rest_is_read() {
    let text = format!(
        "{HEADER}\n\
         PO-1,1,2025-04-20,nvidia-h20,8,100,USD,CN,A,CN,same\n\
         PO-1,2,2025-13-01,nvidia-h20,8,100,USD,CN,A,CN,same\n\
         PO-1,3,2025-04-20,nvidia-h20,eight,100,USD,CN,A,CN,same\n\
         PO-1,4,2025-04-20,nvidia-h20,8,1.005,USD,CN,A,CN,same\n\
         PO-1,5,2025-04-20,nvidia-h20,8,100,,CN,A,CN,same\n\
         PO-1,6,2025-04-20,nvidia-h20,8,100,USD,XX,A,CN,same\n\
         PO-1,7,2025-04-20,nvidia-h20,8,100,USD,CN,A,,same\n\
         PO-1,8,2025-04-20,nvidia-h20,8,100,USD,CN,A,CN,same,extra\n\
         ,9,2025-04-20,nvidia-h20,8,100,USD,CN,A,CN,same\n\
         PO-1,0,2025-04-20,nvidia-h20,8,100,USD,CN,A,CN,same\n\
         PO-1,11,,nvidia-h20,8,100,USD,CN,A,CN,same\n\
         PO-1,12,2025-04-20,nvidia-h20,8,100,USD,CN,A,CN,same\n"
    );
    let book = csv(&text).unwrap();
    let got: Vec<(u64, Option<&str>)> = book
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, Some("date")),
            (4, Some("quantity")),
            (5, Some("unit_price")),
            (6, Some("currency")),
            (7, Some("destination")),
            (8, Some("end_user_parent_hq")),
            (9, None),
            (10, Some("order_id")),
            (11, Some("line")),
            (12, Some("date")),
        ]
    );
    assert_eq!(
        book.lines.iter().map(|l| l.line).collect::<Vec<_>>(),
        vec![1, 12]
    );
    assert_eq!(book.rows, 12);
    assert!(!book.stopped);
    let shown = book.errors[0].to_string();
    assert!(shown.starts_with("line 3: `date`: `2025-13-01`"), "{shown}");
}

#[test]
fn as_of_fills_a_missing_date_and_overrides_a_given_one() {
    let text =
        format!("{HEADER}\nPO-1,1,,nvidia-h20,1,,,CN,,,\nPO-1,2,2024-01-01,nvidia-h20,1,,,CN,,,\n");
    let opts = ParseOptions {
        as_of: Some(date("2026-02-01")),
        ..ParseOptions::default()
    };
    let book = parse(text.as_bytes(), BookFormat::Csv, &opts, &mut catalog_ids).unwrap();
    assert!(book.errors.is_empty(), "{:?}", book.errors);
    assert_eq!(book.lines[0].date, None);
    assert_eq!(book.lines[1].date, Some(date("2024-01-01")));
    assert!(book
        .lines
        .iter()
        .all(|l| l.shipment.as_of == date("2026-02-01")));
    assert!(book.lines.iter().all(|l| l.value_cents.is_none()));
}

#[test]
fn an_unknown_or_duplicated_or_missing_column_stops_the_book() {
    assert_eq!(
        csv("order_id,line,item,quantity,destination,end_user_nmae\n").unwrap_err(),
        BookError::UnknownColumn("end_user_nmae".to_owned())
    );
    assert_eq!(
        csv("order_id,line,item,quantity,destination,Line\n").unwrap_err(),
        BookError::DuplicateColumn("line".to_owned())
    );
    assert_eq!(
        csv("order_id,line,item,destination\n").unwrap_err(),
        BookError::MissingColumn("quantity")
    );
    // A byte-order mark and spaces around names are spreadsheet habits, not new columns.
    assert!(csv("\u{feff}order_id, line ,item,quantity,destination\n").is_ok());
}

#[test]
fn an_unterminated_quote_is_named_and_does_not_swallow_the_book_silently() {
    let text = "order_id,line,date,item,quantity,destination\n\
                PO-1,1,2025-01-01,\"nvidia-h20,1,CN\n\
                PO-1,2,2025-01-01,nvidia-h20,1,CN\n";
    let book = csv(text).unwrap();
    assert!(book.lines.is_empty());
    assert_eq!(book.errors.len(), 1);
    assert_eq!(book.errors[0].line, 2);
}

#[test]
fn a_record_over_one_mib_is_a_row_error_not_a_memory_blowup() {
    let big = "x".repeat(1_100_000);
    let text =
        format!("order_id,line,date,item,quantity,destination\nPO-1,1,2025-01-01,\"{big}\",1,CN\n");
    let book = csv(&text).unwrap();
    assert!(!book.stopped);
    assert_eq!(book.errors.len(), 1);
    assert!(book.errors[0].message.contains("longer than 1 MiB"));

    // One whose end is past the reader's cap: where it ends is unknowable, reading stops.
    let huge = "x".repeat(2_000_000);
    let text = format!(
        "order_id,line,date,item,quantity,destination\nPO-1,1,2025-01-01,\"{huge}\",1,CN\nPO-1,2,2025-01-01,nvidia-h20,1,CN\n"
    );
    let book = csv(&text).unwrap();
    assert!(book.stopped);
    assert!(book.errors[0].message.contains("reading stopped"));

    // JSON Lines ends a record at a line break, so the next line is still read.
    let text = format!(
        "{{\"order_id\":\"{big}\"}}\n{{\"order_id\":\"PO-1\",\"line\":2,\"date\":\"2025-01-01\",\"item\":\"nvidia-h20\",\"quantity\":1,\"destination\":\"CN\"}}\n"
    );
    let book = jsonl(&text);
    assert_eq!(book.errors.len(), 1);
    assert_eq!(book.errors[0].line, 1);
    assert_eq!(book.lines.len(), 1);
    assert_eq!(book.lines[0].source_line, 2);
}

#[test]
fn json_lines_read_like_csv_and_name_their_bad_fields() {
    let text = r#"{"order_id":"PO-7","line":1,"date":"2026-02-01","item":"nvidia-h200-sxm","quantity":2,"unit_price":31000.5,"currency":"USD","destination":"CN","ship_from":"TW","transaction":"reexport","end_use":"ai_training","end_user_name":"Alibaba Cloud Computing Co Ltd","end_user_hq":"CN","end_user_parent_hq":"same","consignee_name":null}

{"order_id":"PO-7","line":2,"item":"nvidia-h20","quantity":1,"destination":"CN","date":"2026-02-01","colour":"red"}
{"order_id":"PO-7","line":3,"line":4,"item":"nvidia-h20","quantity":1,"destination":"CN","date":"2026-02-01"}
{"order_id":"PO-7","line":5,"item":"nvidia-h20","quantity":true,"destination":"CN","date":"2026-02-01"}
{"order_id":"PO-7","line":6,"item":"nvidia-h20","quantity":1,"destination":"CN","date":"2026-02-01","end_use":"mining"}
not json
"#;
    let book = jsonl(text);
    let got: Vec<(u64, Option<&str>)> = book
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, Some("colour")),
            (4, Some("line")),
            (5, Some("quantity")),
            (6, Some("end_use")),
            (7, None),
        ]
    );
    let l = &book.lines[0];
    assert_eq!(l.value_cents, Some(6_200_100));
    assert_eq!(l.shipment.transaction, Transaction::Reexport);
    assert_eq!(l.shipment.from, Country::from_code("TW").unwrap());
    assert_eq!(l.shipment.end_use, Some(EndUse::AiTraining));
    // A null party column is no party.
    assert_eq!(l.shipment.parties.len(), 1);
    assert_eq!(book.rows, 6);
}

#[test]
fn the_resolver_error_is_a_row_error_on_item() {
    let text = "order_id,line,date,item,quantity,destination\nPO-1,1,2025-01-01,specs/missing.toml,1,CN\nPO-1,2,2025-01-01,nvidia-h20,1,CN\n";
    let mut resolve = |item: &str| {
        if item.ends_with(".toml") {
            Err(format!("cannot read `{item}`"))
        } else {
            Ok(ItemRef::CatalogId(item.to_owned()))
        }
    };
    let book = parse(
        text.as_bytes(),
        BookFormat::Csv,
        &ParseOptions::default(),
        &mut resolve,
    )
    .unwrap();
    assert_eq!(book.errors.len(), 1);
    assert_eq!(book.errors[0].field.as_deref(), Some("item"));
    assert_eq!(book.lines.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_parser_never_panics_on_bytes(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse(&data[..], BookFormat::Csv, &ParseOptions::default(), &mut catalog_ids);
        let _ = parse(&data[..], BookFormat::JsonLines, &ParseOptions::default(), &mut catalog_ids);
    }

    #[test]
    fn the_parser_never_panics_on_rows_of_real_columns(
        cells in proptest::collection::vec(
            prop_oneof![
                Just(String::new()),
                "[A-Za-z0-9 .,\"\n-]{0,12}",
                Just("2025-04-20".to_owned()),
                Just("CN".to_owned()),
                Just("same".to_owned()),
                Just("18446744073709551615".to_owned()),
            ],
            0..80,
        )
    ) {
        let mut text = String::from(HEADER);
        for (i, c) in cells.iter().enumerate() {
            text.push(if i % 11 == 0 { '\n' } else { ',' });
            text.push_str(c);
        }
        if let Ok(book) = csv(&text) {
            for e in &book.errors {
                prop_assert!(e.line >= 2);
            }
        }
        let mut json = String::new();
        for chunk in cells.chunks(11) {
            let fields: Vec<String> = HEADER
                .split(',')
                .zip(chunk)
                .map(|(k, v)| format!("{}:{}", serde_json::json!(k), serde_json::json!(v)))
                .collect();
            json.push('{');
            json.push_str(&fields.join(","));
            json.push_str("}\n");
        }
        let _ = jsonl(&json);
    }
}
