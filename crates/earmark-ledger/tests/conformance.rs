//! The ledger's conformance suite: one function per property, run against SQLite and against
//! PostgreSQL (which must be running: these tests fail, not skip, without it).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

mod common;

use common::{free_line, licensed_line, meta, meta_at, TestDb};
use earmark_ledger::{
    Break, Cap, CapScope, Disposition, Ledger, LedgerError, License, NewShipment, Recorded,
    UsageKey,
};

fn license(number: &str, units: u64) -> License {
    License {
        number: number.into(),
        valid_from: common::date("2024-01-01"),
        valid_to: common::date("2024-12-31"),
        items: vec!["3A090".into()],
        destinations: vec![earmark_core::country::Country::from_code("VN").unwrap()],
        parties: vec![],
        limit_units: Some(units),
        limit_value_cents: None,
        limit_tpp: None,
        provisos: vec!["no reexport without prior authorisation".into()],
    }
}

/// A ledger with a license and five recorded lines: records #1..#6.
fn six_records(db: &TestDb) -> Ledger {
    let mut l = db.open();
    l.add_license(&license("D1234567", 100), &meta()).unwrap();
    for line in 1..=5 {
        let r = l
            .record_shipment(&licensed_line("PO-1", line, 2, "D1234567"), &meta())
            .unwrap();
        assert!(matches!(r, Recorded::New { .. }), "{r:?}");
    }
    l
}

fn broken(l: &mut Ledger) -> Break {
    match l.verify().unwrap() {
        Ok(v) => panic!("the chain verified ({} records) after tampering", v.records),
        Err(b) => b,
    }
}

fn refusal(r: Result<Recorded, LedgerError>) -> String {
    match r {
        Err(e @ LedgerError::Refused(_)) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn an_untouched_chain_verifies_and_survives_reopening(db: &TestDb) {
    drop(six_records(db));
    let mut l = db.open();
    let v = l.verify().unwrap().unwrap();
    assert_eq!(v.records, 6);
    assert_eq!(v.head.seq, 6);
    assert_eq!(l.head().unwrap(), v.head);
}

fn an_edited_record_is_named_by_verify(db: &TestDb) {
    let mut l = six_records(db);
    db.tamper("UPDATE records SET body = replace(body, '\"line\":3', '\"line\":33') WHERE seq = 4");
    let b = broken(&mut l);
    assert_eq!(b, Break::Edited { seq: 4 }, "{b}");
    assert!(b.to_string().contains("record #4 was edited"), "{b}");
}

fn an_edited_record_with_recomputed_hashes_is_still_named(db: &TestDb) {
    let mut l = six_records(db);
    // A careful forger recomputes the edited record's own hashes; the next record's link
    // still names the old one.
    let rec = l.record(3).unwrap().unwrap();
    let body = rec
        .body
        .replace("\"value_cents\":5000000", "\"value_cents\":1");
    assert_ne!(body, rec.body);
    let content =
        earmark_ledger::chain::content_hash(&rec.kind, &rec.recorded_at, &rec.actor, &body);
    let hash = earmark_ledger::chain::link_hash(&rec.prev_hash, &content);
    db.tamper(&format!(
        "UPDATE records SET body = '{}', content_hash = '{content}', hash = '{hash}' WHERE seq = 3",
        body.replace('\'', "''")
    ));
    assert_eq!(broken(&mut l), Break::Replaced { seq: 3 });
}

fn a_deleted_record_is_named_by_verify(db: &TestDb) {
    let mut l = six_records(db);
    db.tamper("DELETE FROM records WHERE seq = 2");
    let b = broken(&mut l);
    assert_eq!(
        b,
        Break::Deleted {
            seq: 2,
            before: 1,
            after: 3
        },
        "{b}"
    );
}

fn a_deleted_last_record_is_named_by_verify(db: &TestDb) {
    let mut l = six_records(db);
    db.tamper("DELETE FROM records WHERE seq = 6");
    let b = broken(&mut l);
    assert_eq!(b.seq(), Some(6), "{b}");
    assert!(b.to_string().contains("record #6 was deleted"), "{b}");
}

fn a_deleted_and_renumbered_record_is_named_by_verify(db: &TestDb) {
    let mut l = six_records(db);
    db.tamper("DELETE FROM records WHERE seq = 4; UPDATE records SET seq = seq - 1 WHERE seq > 4; UPDATE chain_head SET seq = 5");
    assert_eq!(broken(&mut l).seq(), Some(3));
}

fn reordered_records_are_named_by_verify(db: &TestDb) {
    let mut l = six_records(db);
    db.tamper("UPDATE records SET seq = 100 WHERE seq = 4; UPDATE records SET seq = 4 WHERE seq = 5; UPDATE records SET seq = 5 WHERE seq = 100");
    let b = broken(&mut l);
    assert_eq!(
        b,
        Break::Reordered {
            seq: 4,
            written_after: 5
        },
        "{b}"
    );
    assert!(b.to_string().contains("record #4 is out of order"), "{b}");
}

fn an_edited_license_depletion_is_found_by_verify(db: &TestDb) {
    let mut l = six_records(db);
    // Freeing room on a license by editing the table beside the chain.
    db.tamper("UPDATE licenses SET used_units = 0 WHERE number = 'D1234567'");
    let b = broken(&mut l);
    assert_eq!(b.seq(), None);
    assert!(
        b.to_string().contains("license `D1234567` shows 0 units")
            && b.to_string().contains("add up to 10 units"),
        "{b}"
    );
}

fn a_deleted_shipment_row_is_found_by_verify(db: &TestDb) {
    let mut l = six_records(db);
    // Deleting the row would let the same order line be recorded (and depleted) again.
    db.tamper("DELETE FROM shipments WHERE order_id = 'PO-1' AND line = 2");
    let b = broken(&mut l);
    assert!(
        b.to_string()
            .contains("holds 4 lines but the chain records 5"),
        "{b}"
    );
}

fn records_cannot_be_updated_or_deleted_through_the_database_guard(db: &TestDb) {
    drop(six_records(db));
    let e = db
        .try_sql("UPDATE records SET actor = 'someone else' WHERE seq = 1")
        .unwrap_err();
    assert!(e.contains("append-only"), "{e}");
    let e = db.try_sql("DELETE FROM records WHERE seq = 1").unwrap_err();
    assert!(e.contains("append-only"), "{e}");
}

fn a_license_depletes_and_an_overdraw_is_refused(db: &TestDb) {
    let mut l = db.open();
    l.add_license(&license("D1", 10), &meta()).unwrap();
    l.record_shipment(&licensed_line("PO-9", 1, 6, "D1"), &meta())
        .unwrap();
    let e = refusal(l.record_shipment(&licensed_line("PO-9", 2, 5, "D1"), &meta()));
    assert!(e.contains("overdraws license `D1`"), "{e}");
    assert!(e.contains("11 units of 10"), "{e}");
    let status = l.license("D1").unwrap().unwrap();
    assert_eq!(status.used.units, 6, "a refused line must not deplete");
    assert!(matches!(
        l.record_shipment(&licensed_line("PO-9", 2, 4, "D1"), &meta())
            .unwrap(),
        Recorded::New { .. }
    ));
    assert_eq!(l.license("D1").unwrap().unwrap().used.units, 10);
    assert_eq!(l.shipment_count().unwrap(), 2);
    l.verify().unwrap().unwrap();
}

fn license_thresholds_warn_at_80_90_and_100_percent(db: &TestDb) {
    let mut l = db.open();
    l.add_license(&license("D2", 10), &meta()).unwrap();
    let mut warnings = Vec::new();
    for (line, qty) in [(1, 7), (2, 1), (3, 1), (4, 1)] {
        match l
            .record_shipment(&licensed_line("PO-8", line, qty, "D2"), &meta())
            .unwrap()
        {
            Recorded::New { warnings: w, .. } => warnings.push(w),
            other => panic!("{other:?}"),
        }
    }
    assert!(warnings[0].is_empty(), "{warnings:?}");
    assert_eq!(
        warnings[1],
        vec!["license `D2`: units 80 % used".to_owned()]
    );
    assert_eq!(
        warnings[2],
        vec!["license `D2`: units 90 % used".to_owned()]
    );
    assert_eq!(
        warnings[3],
        vec!["license `D2`: units 100 % used".to_owned()]
    );
}

fn an_expired_license_authorises_nothing(db: &TestDb) {
    let mut l = db.open();
    let mut lic = license("D3", 100);
    lic.valid_to = common::date("2024-02-29");
    l.add_license(&lic, &meta()).unwrap();
    let e = refusal(l.record_shipment(&licensed_line("PO-7", 1, 1, "D3"), &meta()));
    assert!(e.contains("expired on 2024-02-29"), "{e}");
    assert_eq!(l.license("D3").unwrap().unwrap().used.units, 0);
    assert_eq!(l.shipment_count().unwrap(), 0);
}

fn a_license_that_does_not_cover_the_destination_or_item_refuses(db: &TestDb) {
    let mut l = db.open();
    let mut lic = license("D4", 100);
    lic.items = vec!["nvidia-h20".into()];
    l.add_license(&lic, &meta()).unwrap();
    let e = refusal(l.record_shipment(&licensed_line("PO-6", 1, 1, "D4"), &meta()));
    assert!(e.contains("does not cover `nvidia-h100-sxm`"), "{e}");
    let e = refusal(l.record_shipment(&licensed_line("PO-6", 1, 1, "NOPE"), &meta()));
    assert!(e.contains("license `NOPE` is not in the ledger"), "{e}");
}

fn a_license_required_decision_cannot_ship_as_no_license_required(db: &TestDb) {
    let mut l = db.open();
    let mut line = licensed_line("PO-5", 1, 1, "X");
    line.authorisation = earmark_ledger::Authorisation::NoLicenseRequired;
    let e = refusal(l.record_shipment(&line, &meta()));
    assert!(e.contains("requires a license"), "{e}");
}

fn reimporting_a_line_is_idempotent_and_a_changed_line_is_refused(db: &TestDb) {
    let mut l = db.open();
    l.add_license(&license("D5", 100), &meta()).unwrap();
    let first = l
        .record_shipment(&licensed_line("PO-4", 1, 3, "D5"), &meta())
        .unwrap();
    let Recorded::New { seq, .. } = first else {
        panic!("{first:?}")
    };
    let again = l
        .record_shipment(
            &licensed_line("PO-4", 1, 3, "D5"),
            &meta_at("2026-12-02T00:00:00Z"),
        )
        .unwrap();
    assert_eq!(again, Recorded::AlreadyRecorded { seq });
    assert_eq!(
        l.license("D5").unwrap().unwrap().used.units,
        3,
        "no double depletion"
    );
    let e = refusal(l.record_shipment(&licensed_line("PO-4", 1, 4, "D5"), &meta()));
    assert!(
        e.contains("was recorded (record #2) with other content"),
        "{e}"
    );
}

fn a_batch_records_good_lines_and_reports_refused_ones(db: &TestDb) {
    let mut l = db.open();
    l.add_license(&license("D6", 5), &meta()).unwrap();
    let batch = vec![
        licensed_line("PO-3", 1, 3, "D6"),
        licensed_line("PO-3", 2, 3, "D6"),
        free_line("PO-3", 3, 8),
    ];
    let results = l.record_shipments(&batch, &meta()).unwrap();
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    assert!(results[1]
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("overdraws"));
    assert_eq!(l.shipment_count().unwrap(), 2);
    l.verify().unwrap().unwrap();
}

fn a_disposition_answers_the_same_entry_and_reopens_on_a_new_list(db: &TestDb) {
    let mut l = db.open();
    let d = Disposition {
        party: "Saigon  compute jsc".into(),
        entry: "EL:1234".into(),
        list_hash: "aaaa".into(),
        why: "different address and registration number".into(),
        by: "j.officer".into(),
    };
    let seq = l.add_disposition(&d, &meta()).unwrap();
    let found = l
        .disposition_for("SAIGON COMPUTE JSC", "EL:1234", "aaaa")
        .unwrap()
        .unwrap();
    assert_eq!(found.seq, seq);
    assert_eq!(found.disposition.by, "j.officer");
    assert!(
        l.disposition_for("Saigon Compute JSC", "EL:1234", "bbbb")
            .unwrap()
            .is_none(),
        "a new list re-opens it"
    );
    assert!(
        l.disposition_for("Saigon Compute JSC", "EL:9999", "aaaa")
            .unwrap()
            .is_none(),
        "another entry is not cleared"
    );
    let e = l
        .add_disposition(
            &Disposition {
                why: " ".into(),
                ..d
            },
            &meta(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("needs its why"), "{e}");
}

fn usage_counts_tpp_per_consignee_and_the_h200_volume_ratio(db: &TestDb) {
    let mut l = db.open();
    l.add_license(&license("D7", 100), &meta()).unwrap();
    l.record_shipment(&licensed_line("PO-2", 1, 4, "D7"), &meta())
        .unwrap();
    l.record_shipment(&free_line("PO-2", 2, 2), &meta())
        .unwrap();
    let by_consignee = l.usage(2024, UsageKey::Consignee).unwrap();
    let saigon = by_consignee
        .iter()
        .find(|r| r.key == "SAIGON COMPUTE JSC")
        .unwrap();
    assert_eq!(saigon.units, 4);
    assert!(
        saigon.tpp > 4.0 * 15_000.0 && saigon.tpp < 4.0 * 17_000.0,
        "{saigon:?}"
    );
    let by_country = l.usage(2024, UsageKey::Country).unwrap();
    assert_eq!(
        by_country
            .iter()
            .map(|r| r.key.as_str())
            .collect::<Vec<_>>(),
        ["DE", "VN"]
    );
    assert!(l.usage(2025, UsageKey::Country).unwrap().is_empty());
    l.add_cap(
        &Cap {
            id: "lpp".into(),
            description: "LPP allowance".into(),
            per: CapScope::Consignee,
            destinations: vec![],
            limit_tpp: 26_900_000.0,
            counts: Default::default(),
            period: Default::default(),
            source: None,
        },
        &meta(),
    )
    .unwrap();
    assert_eq!(l.caps().unwrap().len(), 1);
}

fn a_cap_counts_only_its_destinations_per_consignee(db: &TestDb) {
    let mut l = db.open();
    l.add_license(&license("C1", 100), &meta()).unwrap();
    l.record_shipment(&licensed_line("PO-C", 1, 4, "C1"), &meta())
        .unwrap();
    l.record_shipment(&free_line("PO-C", 2, 2), &meta())
        .unwrap();
    let vn_only = Cap {
        id: "vn".into(),
        description: String::new(),
        per: CapScope::Consignee,
        destinations: vec![earmark_core::country::Country::from_code("VN").unwrap()],
        limit_tpp: 1e9,
        counts: Default::default(),
        period: Default::default(),
        source: None,
    };
    let rows = l.cap_usage(2024, &vn_only).unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.key.as_str(), r.units))
            .collect::<Vec<_>>(),
        [("SAIGON COMPUTE JSC", 4)]
    );
    let everywhere = Cap {
        destinations: vec![],
        per: CapScope::Country,
        ..vn_only
    };
    let rows = l.cap_usage(2024, &everywhere).unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.key.as_str(), r.units))
            .collect::<Vec<_>>(),
        [("DE", 2), ("VN", 4)]
    );
}

fn recorded_parties_are_kept_with_their_latest_details(db: &TestDb) {
    let mut l = db.open();
    l.add_license(&license("P1", 100), &meta()).unwrap();
    l.record_shipment(&licensed_line("PO-P", 1, 1, "P1"), &meta())
        .unwrap();
    let mut moved = licensed_line("PO-P", 2, 1, "P1");
    moved.decision.shipment.parties[1].address = Some("12 Le Loi, District 1".into());
    l.record_shipment(&moved, &meta()).unwrap();
    let parties = l.parties().unwrap();
    assert_eq!(parties.len(), 1, "{parties:?}");
    let p = &parties[0];
    assert_eq!(
        (p.name.as_str(), p.role.as_str()),
        ("SAIGON COMPUTE JSC", "ultimate consignee")
    );
    assert_eq!(p.address.as_deref(), Some("12 Le Loi, District 1"));
    assert_eq!((p.first_record_seq, p.last_record_seq), (2, 3));
}

/// SQL text literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A database as version 2 of the schema left it: shipment records carry their whole
/// decision, and the shipments table has no exception or conditions. Built from the version 1
/// and 2 migration files and records written in that format, hashed as the chain hashes.
fn a_version_2_database(db: &TestDb) -> (NewShipment, NewShipment) {
    let (create, mig1, mig2, versions) = match db {
        TestDb::Sqlite { .. } => (
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);",
            include_str!("../migrations/sqlite/0001_records.sql"),
            include_str!("../migrations/sqlite/0002_parties.sql"),
            "INSERT INTO schema_migrations VALUES (1, 'records', '2026-01-01'), (2, 'parties', '2026-01-01');",
        ),
        TestDb::Postgres { .. } => (
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());",
            include_str!("../migrations/postgres/0001_records.sql"),
            include_str!("../migrations/postgres/0002_parties.sql"),
            "INSERT INTO schema_migrations (version, name) VALUES (1, 'records'), (2, 'parties');",
        ),
    };
    let mut sql = format!("{create}\n{mig1}\n{mig2}\n{versions}\n");
    let lic = License {
        number: "IN-1".into(),
        valid_from: common::date("2025-01-01"),
        valid_to: common::date("2026-12-31"),
        items: vec!["3A090".into()],
        destinations: vec![earmark_core::country::Country::from_code("IN").unwrap()],
        parties: vec![],
        limit_units: Some(100_000),
        limit_value_cents: None,
        limit_tpp: None,
        provisos: vec![],
    };
    let licensed = common::allocation_line("PO-OLD", 1, 10, "2025-06-01", "IN-1");
    let lpp = common::lpp_line("PO-OLD", 2, 100, "2025-06-01", "Delhi AI Labs Ltd");
    let tpp = licensed.tpp().unwrap();
    let mut old_licensed = serde_json::to_value(&licensed).unwrap();
    old_licensed["depletion"] = serde_json::json!({"license": "IN-1", "units": 10, "value_cents": licensed.value_cents, "tpp": tpp});
    let bodies = [
        ("license", serde_json::to_string(&lic).unwrap()),
        ("shipment", old_licensed.to_string()),
        ("shipment", serde_json::to_value(&lpp).unwrap().to_string()),
    ];
    let at = "2025-06-01T09:00:00.000000Z";
    let mut prev = earmark_ledger::chain::GENESIS.to_owned();
    for (i, (kind, body)) in bodies.iter().enumerate() {
        let content = earmark_ledger::chain::content_hash(kind, at, "old", body);
        let hash = earmark_ledger::chain::link_hash(&prev, &content);
        sql.push_str(&format!(
            "INSERT INTO records (seq, kind, recorded_at, actor, body, content_hash, prev_hash, hash) VALUES ({}, {}, {}, 'old', {}, {}, {}, {});\n",
            i + 1, lit(kind), lit(at), lit(body), lit(&content), lit(&prev), lit(&hash)
        ));
        prev = hash;
    }
    sql.push_str(&format!(
        "UPDATE chain_head SET seq = 3, hash = {};\n\
         INSERT INTO licenses (number, record_seq, body, used_units, used_value_cents, used_tpp) VALUES ('IN-1', 1, {}, 10, {}, {tpp});\n",
        lit(&prev),
        lit(&bodies[0].1),
        licensed.value_cents
    ));
    for (seq, line, auth, license) in [
        (2, &licensed, "license IN-1", "'IN-1'"),
        (3, &lpp, "license exception LPP", "NULL"),
    ] {
        sql.push_str(&format!(
            "INSERT INTO shipments (order_id, line, record_seq, facts_hash, item, quantity, value_cents, tpp, destination, consignee, ship_date, year, authorisation, license) \
             VALUES ('PO-OLD', {}, {seq}, 'old', 'nvidia-h100-sxm', {}, {}, {}, 'IN', {}, '2025-06-01', 2025, {}, {license});\n",
            line.line,
            line.decision.shipment.quantity.unwrap(),
            line.value_cents,
            line.tpp().unwrap(),
            lit(&line.consignee().unwrap()),
            lit(auth),
        ));
    }
    db.try_sql(&sql).unwrap();
    (licensed, lpp)
}

fn a_database_at_schema_version_2_is_migrated_on_open(db: &TestDb) {
    let (licensed, lpp) = a_version_2_database(db);
    let mut l = db.open();
    l.declare_caps(common::pack_caps());
    l.verify().unwrap().unwrap();
    // Whole decisions in old records still read.
    assert_eq!(l.stored_decision(2).unwrap(), licensed.decision);
    assert_eq!(l.stored_decision(3).unwrap(), lpp.decision);
    // The migration filled in what the caps count by, from the records.
    let caps = l.all_caps().unwrap();
    let lpp_cap = caps.iter().find(|c| c.id == "aid25-lpp").unwrap();
    let rows = l.cap_usage(2025, lpp_cap).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].key, "DELHI AI LABS LTD");
    assert_eq!(rows[0].units, 100);
    let allocation = caps
        .iter()
        .find(|c| c.id == "tier2-country-allocation")
        .unwrap();
    let rows = l.cap_usage(2026, allocation).unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.key.as_str(), r.units))
            .collect::<Vec<_>>(),
        [("IN", 10)],
        "the 2025 licensed line counts in 2026 too (2025-2027 together); the LPP line does not"
    );
    // New lines go in the new form beside the old ones, and the chain still verifies.
    l.record_shipment(
        &common::allocation_line("PO-NEW", 1, 5, "2026-03-01", "IN-1"),
        &meta(),
    )
    .unwrap();
    l.verify().unwrap().unwrap();
    let rows = l.cap_usage(2025, allocation).unwrap();
    assert_eq!(rows[0].units, 15);
}

fn a_database_newer_than_this_earmark_is_refused(db: &TestDb) {
    drop(db.open());
    db.tamper("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', '2030-01-01')");
    let e = Ledger::open(&db.url()).unwrap_err();
    assert!(
        e.to_string()
            .contains("schema version 99 is newer than this earmark's (3)"),
        "{e}"
    );
}

fn the_h200_ratio_compares_china_and_macau_with_us_shipments(db: &TestDb) {
    let mut l = db.open();
    let cn = common::decide(&common::shipment(
        "nvidia-h200-sxm",
        "CN",
        3,
        "2026-02-01",
        Some("Beijing AI"),
    ));
    let us = common::decide(&common::shipment(
        "nvidia-h200-sxm",
        "US",
        10,
        "2026-02-01",
        Some("Austin AI"),
    ));
    // Record the facts with whatever authorisation the decisions allow: the ratio counts units.
    for (i, d) in [(1, &cn), (2, &us)] {
        let auth = match d.severity {
            earmark_engine::Severity::Clear => earmark_ledger::Authorisation::NoLicenseRequired,
            _ => {
                let number = format!("H200-{i}");
                let mut lic = license(&number, 100);
                lic.valid_to = common::date("2026-12-31");
                lic.items = vec!["nvidia-h200-sxm".into()];
                lic.destinations = vec![d.shipment.to];
                l.add_license(&lic, &meta()).unwrap();
                earmark_ledger::Authorisation::License { number }
            }
        };
        let line = NewShipment::new("PO-H200", i, 1, auth, d);
        if let Err(e) = l.record_shipment(&line, &meta()) {
            panic!("line {i} ({}): {e}", d.headline);
        }
    }
    let ratios = l.volume_ratios(2026).unwrap();
    assert_eq!(ratios.len(), 1, "{ratios:?}");
    assert_eq!(ratios[0].china_macau_units, 3);
    assert_eq!(ratios[0].us_units, 10);
    assert_eq!(ratios[0].ratio, Some(0.3));
}

fn a_recorded_decision_replays_to_the_same_answer(db: &TestDb) {
    let mut l = db.open();
    l.add_license(&license("D8", 100), &meta()).unwrap();
    let line = licensed_line("PO-1", 1, 2, "D8");
    let Recorded::New { seq, .. } = l.record_shipment(&line, &meta()).unwrap() else {
        panic!()
    };
    let stored = l.stored_decision(seq).unwrap();
    assert_eq!(stored, line.decision);
    let replay = common::engine().replay(&stored).unwrap();
    assert!(replay.agrees && replay.same_rule_pack && replay.same_catalog);
    let e = l.stored_decision(1).unwrap_err();
    assert!(
        e.to_string().contains("record #1 is a license record"),
        "{e}"
    );
}

fn two_writers_never_overdraw_a_license(db: &TestDb) {
    let mut l = db.open();
    l.add_license(&license("D9", 50), &meta()).unwrap();
    let url = db.url();
    let handles: Vec<_> = (0..2)
        .map(|w| {
            let url = url.clone();
            let line = licensed_line("X", 0, 1, "D9");
            std::thread::spawn(move || {
                let mut l = Ledger::open(&url).unwrap();
                let mut recorded = 0;
                for i in 0..40u32 {
                    let mut s = line.clone();
                    s.order_id = format!("W{w}");
                    s.line = i;
                    match l.record_shipment(&s, &meta()) {
                        Ok(Recorded::New { .. }) => recorded += 1,
                        Ok(other) => panic!("{other:?}"),
                        Err(e) => assert!(e.to_string().contains("overdraws"), "{e}"),
                    }
                }
                recorded
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, 50);
    assert_eq!(l.license("D9").unwrap().unwrap().used.units, 50);
    assert_eq!(l.shipment_count().unwrap(), 50);
    assert_eq!(l.verify().unwrap().unwrap().records, 51);
}

fn an_unbounded_or_empty_license_is_refused(db: &TestDb) {
    let mut l = db.open();
    let mut lic = license("D10", 1);
    lic.limit_units = None;
    let e = l.add_license(&lic, &meta()).unwrap_err();
    assert!(e.to_string().contains("at least one limit"), "{e}");
    let mut lic = license("D10", 1);
    lic.destinations.clear();
    assert!(l.add_license(&lic, &meta()).is_err());
    l.add_license(&license("D10", 1), &meta()).unwrap();
    let e = l.add_license(&license("D10", 1), &meta()).unwrap_err();
    assert!(e.to_string().contains("already in the ledger"), "{e}");
}

fn export_selects_records_by_time(db: &TestDb) {
    let mut l = db.open();
    l.add_license(&license("E1", 10), &meta_at("2026-11-30T23:59:59.000000Z"))
        .unwrap();
    l.add_license(&license("E2", 10), &meta_at("2026-12-01T08:00:00.000000Z"))
        .unwrap();
    l.add_license(&license("E3", 10), &meta_at("2026-12-02T00:00:00.000000Z"))
        .unwrap();
    let r = l.records_between("2026-12-01", "2026-12-02").unwrap();
    assert_eq!(r.iter().map(|r| r.seq).collect::<Vec<_>>(), [2]);
}

fn lines_of_one_decision_share_its_body_and_read_back_whole(db: &TestDb) {
    let mut l = six_records(db);
    // Five lines with the same decision but their own requests? No: the five lines of
    // `six_records` are the same request too. Their records differ (order line), their
    // decision is one body.
    let first = l.record(2).unwrap().unwrap();
    let second = l.record(3).unwrap().unwrap();
    let refs: Vec<String> = [&first, &second]
        .iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            v["decision"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(refs[0], refs[1]);
    assert!(refs[0].starts_with("sha256:"), "{}", refs[0]);
    let body = l.decision_body(&refs[0]).unwrap().unwrap();
    assert!(
        !body.contains("\"shipment\""),
        "the request stays in the record: {body}"
    );
    let want = licensed_line("PO-1", 1, 2, "D1234567").decision;
    for seq in 2..=6 {
        assert_eq!(l.stored_decision(seq).unwrap(), want);
    }
    // A line with another quantity has another request and the same verdict.
    l.record_shipment(&licensed_line("PO-2", 1, 3, "D1234567"), &meta())
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&l.record(7).unwrap().unwrap().body).unwrap();
    assert_eq!(v["decision"].as_str().unwrap(), refs[0]);
    assert_eq!(v["request"]["quantity"], 3);
    assert_eq!(l.stored_decision(7).unwrap().shipment.quantity, Some(3));
}

fn an_edited_decision_body_is_found_by_verify(db: &TestDb) {
    let mut l = six_records(db);
    let edit = "UPDATE decision_bodies SET body = replace(body, 'license_required', 'no_license_required')";
    assert!(db.try_sql(edit).is_err(), "the table is append-only");
    match db {
        TestDb::Sqlite { .. } => {
            db.tamper(&format!("DROP TRIGGER decision_bodies_no_update; {edit}"))
        }
        TestDb::Postgres { .. } => db.tamper(&format!(
            "ALTER TABLE decision_bodies DISABLE TRIGGER decision_bodies_append_only; {edit}"
        )),
    }
    match broken(&mut l) {
        Break::Index(msg) => {
            assert!(msg.contains("record #2 names decision"), "{msg}");
            assert!(msg.contains("decision_bodies table"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
}

fn the_pack_declares_the_lpp_allowance_and_the_tier2_allocation(_db: &TestDb) {
    // Figures from the reference (regulations.md 4.2): LPP, 26,900,000 TPP per ultimate
    // consignee per calendar year (15 CFR 740.29); the Tier 2 allocation, 790,000,000 TPP per
    // country for 2025-2027 together, from secondary sources.
    let caps = common::pack_caps();
    let lpp = caps.iter().find(|c| c.id == "aid25-lpp").unwrap();
    assert_eq!(lpp.limit_tpp, 26_900_000.0);
    assert_eq!(lpp.per, CapScope::Consignee);
    assert_eq!(lpp.period, earmark_engine::CapPeriod::CalendarYear);
    assert_eq!(
        lpp.counts,
        earmark_engine::CapCounts::Exception { id: "LPP".into() }
    );
    assert_eq!(lpp.source.as_ref().unwrap().cite, "15 CFR 740.29");
    let alloc = caps
        .iter()
        .find(|c| c.id == "tier2-country-allocation")
        .unwrap();
    assert_eq!(alloc.limit_tpp, 790_000_000.0);
    assert_eq!(alloc.per, CapScope::Country);
    assert_eq!(
        alloc.period,
        earmark_engine::CapPeriod::Years {
            first: 2025,
            last: 2027
        }
    );
    assert_eq!(
        alloc.source.as_ref().unwrap().confidence,
        earmark_core::rules::Confidence::Secondary
    );
    // About 1,699 and 49,901 H100-equivalents, as the sources round them.
    assert_eq!(
        earmark_ledger::h100_equivalents(lpp.limit_tpp).round(),
        1699.0
    );
    assert_eq!(
        earmark_ledger::h100_equivalents(alloc.limit_tpp).round(),
        49_899.0
    );
}

fn lpp_lines_past_the_allowance_are_refused_with_warnings_before(db: &TestDb) {
    let mut l = db.open();
    l.declare_caps(common::pack_caps());
    // 26,900,000 / 15,832 = 1,699.09 H100s a year for one consignee.
    let warn = |r: Recorded| match r {
        Recorded::New { warnings, .. } => warnings,
        other => panic!("{other:?}"),
    };
    let w = warn(
        l.record_shipment(
            &common::lpp_line("PO-L", 1, 1_300, "2025-06-01", "Delhi AI Labs Ltd"),
            &meta(),
        )
        .unwrap(),
    );
    assert_eq!(w, Vec::<String>::new(), "1,300 is 76.5 %");
    let w = warn(
        l.record_shipment(
            &common::lpp_line("PO-L", 2, 100, "2025-07-01", "Delhi AI Labs Ltd"),
            &meta(),
        )
        .unwrap(),
    );
    assert_eq!(
        w,
        ["cap `aid25-lpp` for `DELHI AI LABS LTD` in 2025: 80 % used"],
        "1,400 is 82.4 %"
    );
    let e = refusal(l.record_shipment(
        &common::lpp_line("PO-L", 3, 300, "2025-08-01", "Delhi AI Labs Ltd"),
        &meta(),
    ));
    assert!(
        e.contains("exceeds cap `aid25-lpp` for `DELHI AI LABS LTD` in 2025"),
        "1,700 is over 1,699.09: {e}"
    );
    // Nothing was written for the refused line.
    assert_eq!(l.shipment_count().unwrap(), 2);
    // 299 fit: 1,699 H100s, 99.99 %.
    let w = warn(
        l.record_shipment(
            &common::lpp_line("PO-L", 3, 299, "2025-08-01", "Delhi AI Labs Ltd"),
            &meta(),
        )
        .unwrap(),
    );
    assert_eq!(
        w,
        ["cap `aid25-lpp` for `DELHI AI LABS LTD` in 2025: 90 % used"]
    );
    // Another consignee and another year each have their own allowance.
    l.record_shipment(
        &common::lpp_line("PO-L", 4, 1_000, "2025-08-01", "Pune Compute Ltd"),
        &meta(),
    )
    .unwrap();
    l.record_shipment(
        &common::lpp_line("PO-L", 5, 1_000, "2026-02-01", "Delhi AI Labs Ltd"),
        &meta(),
    )
    .unwrap();
    // A batch checks each line against the lines before it in the same batch.
    let batch = [
        common::lpp_line("PO-B", 1, 600, "2026-03-01", "Delhi AI Labs Ltd"),
        common::lpp_line("PO-B", 2, 200, "2026-03-01", "Delhi AI Labs Ltd"),
    ];
    let out = l.record_shipments(&batch, &meta()).unwrap();
    assert!(out[0].is_ok(), "{out:?}");
    assert!(
        out[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("exceeds cap `aid25-lpp`"),
        "1,000 + 600 + 200 = 1,800: {out:?}"
    );
    // The record names what the line took from the cap.
    let v: serde_json::Value = serde_json::from_str(&l.record(1).unwrap().unwrap().body).unwrap();
    assert_eq!(v["caps"][0]["cap"], "aid25-lpp");
    assert_eq!(v["caps"][0]["key"], "DELHI AI LABS LTD");
    l.verify().unwrap().unwrap();
}

fn the_allocation_counts_licensed_lines_over_2025_to_2027_and_not_lpp(db: &TestDb) {
    let mut l = db.open();
    l.declare_caps(common::pack_caps());
    l.add_license(
        &License {
            number: "IN-9".into(),
            valid_from: common::date("2025-01-01"),
            valid_to: common::date("2026-12-31"),
            items: vec!["3A090".into()],
            destinations: vec![earmark_core::country::Country::from_code("IN").unwrap()],
            parties: vec![],
            limit_units: Some(1_000_000),
            limit_value_cents: None,
            limit_tpp: None,
            provisos: vec![],
        },
        &meta(),
    )
    .unwrap();
    // 790,000,000 / 15,832 = 49,899.0 H100s for India over 2025-2027.
    l.record_shipment(
        &common::allocation_line("PO-A", 1, 40_000, "2025-06-01", "IN-9"),
        &meta(),
    )
    .unwrap();
    // LPP lines do not count against the allocation.
    l.record_shipment(
        &common::lpp_line("PO-A", 2, 1_000, "2025-06-01", "Delhi AI Labs Ltd"),
        &meta(),
    )
    .unwrap();
    let r = l
        .record_shipment(
            &common::allocation_line("PO-A", 3, 9_000, "2026-03-01", "IN-9"),
            &meta(),
        )
        .unwrap();
    assert_eq!(
        r,
        Recorded::New {
            seq: 4,
            warnings: vec![
                "cap `tier2-country-allocation` for `IN` in 2025-2027: 90 % used".into()
            ]
        },
        "49,000 of 49,899"
    );
    let e = refusal(l.record_shipment(
        &common::allocation_line("PO-A", 4, 900, "2026-04-01", "IN-9"),
        &meta(),
    ));
    assert!(
        e.contains("exceeds cap `tier2-country-allocation` for `IN` in 2025-2027"),
        "{e}"
    );
    let caps = l.all_caps().unwrap();
    let alloc = caps
        .iter()
        .find(|c| c.id == "tier2-country-allocation")
        .unwrap();
    let rows = l.cap_usage(2026, alloc).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].units, 49_000);
    assert!(
        l.cap_usage(2028, alloc).unwrap().is_empty(),
        "outside 2025-2027"
    );
}

fn a_cap_refuses_a_line_of_unknown_tpp(db: &TestDb) {
    let mut l = db.open();
    l.add_license(&license("D1", 100), &meta()).unwrap();
    l.add_cap(
        &Cap {
            id: "vn-all".into(),
            description: "every line to Vietnam".into(),
            per: CapScope::Country,
            destinations: vec![earmark_core::country::Country::from_code("VN").unwrap()],
            limit_tpp: 1e12,
            counts: Default::default(),
            period: Default::default(),
            source: None,
        },
        &meta(),
    )
    .unwrap();
    let mut line = licensed_line("PO-U", 1, 1, "D1");
    line.tpp_per_unit = None;
    let e = refusal(l.record_shipment(&line, &meta()));
    assert!(
        e.contains("cap `vn-all` counts this line but its TPP is unknown"),
        "{e}"
    );
}

fn an_edited_cap_column_is_found_by_verify(db: &TestDb) {
    let mut l = db.open();
    l.declare_caps(common::pack_caps());
    l.record_shipment(
        &common::lpp_line("PO-T", 1, 1_600, "2025-06-01", "Delhi AI Labs Ltd"),
        &meta(),
    )
    .unwrap();
    l.verify().unwrap().unwrap();
    // Hiding the line from LPP's count would free the consignee's allowance.
    db.tamper("UPDATE shipments SET exception = NULL");
    match broken(&mut l) {
        Break::Index(msg) => assert!(msg.contains("the shipments table holds"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

fn cap_totals_kept_between_batches_see_another_writer(db: &TestDb) {
    let mut a = db.open();
    let mut b = db.open();
    a.declare_caps(common::pack_caps());
    b.declare_caps(common::pack_caps());
    let line = |n: u32, q: u64| common::lpp_line("PO-W", n, q, "2025-06-01", "Delhi AI Labs Ltd");
    a.record_shipment(&line(1, 1_000), &meta()).unwrap();
    // Another process's line moves the head: `a`'s kept total (1,000) is stale.
    b.record_shipment(&line(2, 600), &meta()).unwrap();
    let e = refusal(a.record_shipment(&line(3, 200), &meta()));
    assert!(e.contains("exceeds cap `aid25-lpp`"), "1,800 of 1,699: {e}");
    // And `a`'s own next batch, with nobody between, starts from what it read.
    a.record_shipment(&line(4, 90), &meta()).unwrap();
    let e = refusal(a.record_shipment(&line(5, 10), &meta()));
    assert!(e.contains("exceeds cap `aid25-lpp`"), "1,700 of 1,699: {e}");
}

fn a_recorded_screening_is_a_record_of_its_own(db: &TestDb) {
    let mut l = db.open();
    let body = serde_json::json!({"query": {"name": "Example Cloud Ltd"}, "band": "no_match"});
    let seq = l.record_screening(&body, &meta()).unwrap();
    let r = l.record(seq).unwrap().unwrap();
    assert_eq!(r.kind, "screening");
    let e = l.stored_decision(seq).unwrap_err().to_string();
    assert!(e.contains("is a screening record"), "{e}");
    l.verify().unwrap().unwrap();
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(&super::TestDb::sqlite()) } )*
        }
        mod postgresql {
            $( #[test] fn $name() { super::$name(&super::TestDb::postgres()) } )*
        }
    };
}

conformance!(
    an_untouched_chain_verifies_and_survives_reopening,
    an_edited_record_is_named_by_verify,
    an_edited_record_with_recomputed_hashes_is_still_named,
    a_deleted_record_is_named_by_verify,
    a_deleted_last_record_is_named_by_verify,
    a_deleted_and_renumbered_record_is_named_by_verify,
    reordered_records_are_named_by_verify,
    records_cannot_be_updated_or_deleted_through_the_database_guard,
    an_edited_license_depletion_is_found_by_verify,
    a_deleted_shipment_row_is_found_by_verify,
    a_license_depletes_and_an_overdraw_is_refused,
    license_thresholds_warn_at_80_90_and_100_percent,
    an_expired_license_authorises_nothing,
    a_license_that_does_not_cover_the_destination_or_item_refuses,
    a_license_required_decision_cannot_ship_as_no_license_required,
    reimporting_a_line_is_idempotent_and_a_changed_line_is_refused,
    a_batch_records_good_lines_and_reports_refused_ones,
    a_disposition_answers_the_same_entry_and_reopens_on_a_new_list,
    usage_counts_tpp_per_consignee_and_the_h200_volume_ratio,
    the_h200_ratio_compares_china_and_macau_with_us_shipments,
    a_cap_counts_only_its_destinations_per_consignee,
    recorded_parties_are_kept_with_their_latest_details,
    a_database_at_schema_version_2_is_migrated_on_open,
    lines_of_one_decision_share_its_body_and_read_back_whole,
    an_edited_decision_body_is_found_by_verify,
    the_pack_declares_the_lpp_allowance_and_the_tier2_allocation,
    lpp_lines_past_the_allowance_are_refused_with_warnings_before,
    the_allocation_counts_licensed_lines_over_2025_to_2027_and_not_lpp,
    a_cap_refuses_a_line_of_unknown_tpp,
    a_recorded_screening_is_a_record_of_its_own,
    an_edited_cap_column_is_found_by_verify,
    cap_totals_kept_between_batches_see_another_writer,
    a_database_newer_than_this_earmark_is_refused,
    a_recorded_decision_replays_to_the_same_answer,
    two_writers_never_overdraw_a_license,
    an_unbounded_or_empty_license_is_refused,
    export_selects_records_by_time,
);
