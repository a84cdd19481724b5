//! `earmark ledger` and `earmark audit`, run as a user runs them: the real binary against a
//! real SQLite file or PostgreSQL database (which must be running: these tests fail without
//! it), including killing the binary mid-batch.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::workspace;
use earmark_ledger::Ledger;

static COUNTER: AtomicU32 = AtomicU32::new(0);
const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A throwaway ledger: a SQLite file in its own directory, or a PostgreSQL database.
struct Db {
    url: String,
    dir: PathBuf,
    pg: Option<String>,
}

impl Db {
    fn sqlite() -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("earmark-ledger-cli-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            url: format!("sqlite://{}", dir.join("ledger.sqlite").display()),
            dir,
            pg: None,
        }
    }

    fn postgres() -> Self {
        let mut db = Self::sqlite();
        let name = format!(
            "earmark_cli_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = postgres::Client::connect(PG_ADMIN, postgres::NoTls).unwrap_or_else(|e| {
            panic!("no PostgreSQL answers on 127.0.0.1:5432 as `postgres` ({e}): run `.ci/run`, which starts one")
        });
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        db.url = format!("postgres://postgres@127.0.0.1:5432/{name}");
        db.pg = Some(name);
        db
    }

    /// Waits until no other session on the test database is inside a transaction: a client
    /// killed mid-transaction leaves its server session to finish (roll back, or complete a
    /// COMMIT already sent) after the client is gone, and the checks must see the end state.
    /// Idle sessions (the test's own watcher) hold nothing back.
    fn wait_for_other_sessions(&self) {
        let Some(name) = &self.pg else { return };
        let mut admin = postgres::Client::connect(PG_ADMIN, postgres::NoTls).unwrap();
        for _ in 0..200 {
            let others: i64 = admin
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 \
                     AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'",
                    &[name],
                )
                .unwrap()
                .get(0);
            if others == 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("sessions on `{name}` did not end within 5 s");
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_earmark"))
            .args(args)
            .args(["--db", &self.url, "--by", "tester"])
            .current_dir(workspace())
            .output()
            .unwrap()
    }

    fn ledger(&self) -> Ledger {
        Ledger::open(&self.url).unwrap()
    }

    fn tamper(&self, sql: &str) {
        match &self.pg {
            None => {
                let c = rusqlite::Connection::open(self.dir.join("ledger.sqlite")).unwrap();
                c.execute_batch("DROP TRIGGER records_no_update; DROP TRIGGER records_no_delete;")
                    .unwrap();
                c.execute_batch(sql).unwrap();
            }
            Some(_) => {
                let mut c = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
                c.batch_execute("ALTER TABLE records DISABLE TRIGGER records_no_update")
                    .unwrap();
                c.batch_execute(sql).unwrap();
            }
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(name) = &self.pg {
            if let Ok(mut admin) = postgres::Client::connect(PG_ADMIN, postgres::NoTls) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
    text(o)
}

fn add_license(db: &Db, number: &str, units: &str) {
    ok(&db.run(&[
        "ledger",
        "license",
        "add",
        "--number",
        number,
        "--valid-from",
        "2024-01-01",
        "--valid-to",
        "2024-12-31",
        "--item",
        "3A090",
        "--destination",
        "VN",
        "--units",
        units,
    ]));
}

fn record_vn(db: &Db, order: &str, line: &str, quantity: &str, license: &str) -> Output {
    db.run(&[
        "ledger",
        "record",
        "nvidia-h100-sxm",
        "--to",
        "VN",
        "--end-user-hq",
        "VN",
        "--parent-hq",
        "same",
        "--quantity",
        quantity,
        "--as-of",
        "2024-03-01",
        "--order",
        order,
        "--line",
        line,
        "--value",
        "25000",
        "--license",
        license,
    ])
}

/// A batch of `lines` one-unit H100 lines to Vietnam under `license`.
fn batch_file(dir: &Path, name: &str, order_prefix: &str, lines: usize, license: &str) -> PathBuf {
    let path = dir.join(name);
    let mut text = String::new();
    for i in 0..lines {
        let row = serde_json::json!({
            "order_id": format!("{order_prefix}-{}", i / 10), "line": i % 10 + 1, "value_cents": 2_500_000,
            "license": license,
            "shipment": {"item": {"catalog_id": "nvidia-h100-sxm"}, "to": "VN", "quantity": 1,
                "as_of": "2024-03-01",
                "parties": [{"role": "end_user", "headquarters": "VN", "parent_headquarters": "same"}]},
        });
        text.push_str(&row.to_string());
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// The ledger is consistent: the chain verifies, every license's depletion equals the lines
/// recorded under it, and every shipment row has its record.
fn assert_consistent(db: &Db, license: &str) -> u64 {
    db.wait_for_other_sessions();
    let mut l = db.ledger();
    let v = l
        .verify()
        .unwrap()
        .unwrap_or_else(|b| panic!("chain broken: {b}"));
    let shipments = l.shipment_count().unwrap();
    let used = l.license(license).unwrap().unwrap().used.units;
    assert_eq!(used, shipments, "depletion must equal the lines recorded");
    // One license record, then one record per line.
    assert_eq!(v.records, shipments + 1);
    shipments
}

#[test]
fn recording_depletes_a_license_and_refuses_an_overdraw_with_exit_4() {
    let db = Db::sqlite();
    add_license(&db, "D1", "10");
    let out = ok(&record_vn(&db, "PO-1", "1", "9", "D1"));
    assert!(out.contains("as record #2"), "{out}");
    assert!(out.contains("units 90 % used"), "{out}");
    let refused = record_vn(&db, "PO-1", "2", "2", "D1");
    assert_eq!(refused.status.code(), Some(4), "{}", text(&refused));
    assert!(text(&refused).contains("overdraws license `D1`: it would ship 11 units of 10"));
    let status = ok(&db.run(&["ledger", "status", "--year", "2024"]));
    assert!(status.contains("units 9 of 10 (1 left)"), "{status}");
    assert!(status.contains("VN: 1 lines, 9 units"), "{status}");
    let again = ok(&record_vn(&db, "PO-1", "1", "9", "D1"));
    assert!(again.contains("already recorded (record #2)"), "{again}");
    ok(&db.run(&[
        "ledger",
        "cap",
        "add",
        "--id",
        "lpp",
        "--per",
        "consignee",
        "--tpp",
        "26900000",
    ]));
    let status = ok(&db.run(&["ledger", "status", "--year", "2024"]));
    // Nine H100s are 9 x 15,832 TPP: nine H100-equivalents by the convention.
    assert!(
        status.contains(
            "(no consignee named): used TPP 142488 (9.0 H100-eq), left 26757512 (1690.1 H100-eq)"
        ),
        "{status}"
    );
}

#[test]
fn a_license_with_no_limit_is_refused_by_the_cli() {
    let db = Db::sqlite();
    let out = db.run(&[
        "ledger",
        "license",
        "add",
        "--number",
        "D9",
        "--valid-from",
        "2024-01-01",
        "--valid-to",
        "2024-12-31",
        "--item",
        "3A090",
        "--destination",
        "VN",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("give at least one limit"),
        "{}",
        text(&out)
    );
}

fn audit_verify_names_the_first_edited_record(db: &Db) {
    add_license(db, "D1", "10");
    for line in ["1", "2", "3"] {
        ok(&record_vn(db, "PO-1", line, "1", "D1"));
    }
    assert!(ok(&db.run(&["audit", "verify"])).contains("the chain verifies: 4 records"));
    db.tamper("UPDATE records SET actor = 'someone else' WHERE seq = 3");
    let out = db.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        text(&out).contains("record #3 was edited"),
        "{}",
        text(&out)
    );
}

#[test]
fn audit_verify_names_the_first_edited_record_on_sqlite() {
    audit_verify_names_the_first_edited_record(&Db::sqlite());
}

#[test]
fn audit_verify_names_the_first_edited_record_on_postgresql() {
    audit_verify_names_the_first_edited_record(&Db::postgres());
}

#[test]
fn audit_export_writes_records_and_a_manifest_whose_hashes_check() {
    let db = Db::sqlite();
    add_license(&db, "D1", "10");
    ok(&record_vn(&db, "PO-1", "1", "2", "D1"));
    let out_dir = db.dir.join("export");
    let today = chrono::Utc::now().date_naive().to_string();
    let out = ok(&db.run(&[
        "audit",
        "export",
        "--from",
        &today,
        "--to",
        &today,
        "--out",
        out_dir.to_str().unwrap(),
    ]));
    assert!(out.contains("exported 2 records"), "{out}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(out_dir.join("records.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    // A reader recomputes each hash from the exported text alone.
    let mut prev = earmark_ledger::chain::GENESIS.to_owned();
    for r in &lines {
        let content = earmark_ledger::chain::content_hash(
            r["kind"].as_str().unwrap(),
            r["recorded_at"].as_str().unwrap(),
            r["actor"].as_str().unwrap(),
            r["body_text"].as_str().unwrap(),
        );
        assert_eq!(content, r["content_hash"].as_str().unwrap());
        assert_eq!(prev, r["prev_hash"].as_str().unwrap());
        prev = earmark_ledger::chain::link_hash(&prev, &content);
        assert_eq!(prev, r["hash"].as_str().unwrap());
    }
    assert_eq!(manifest["chain_head"]["hash"].as_str().unwrap(), prev);
    assert_eq!(manifest["records"], 2);
    // Exporting into a directory that holds files is refused rather than mixed.
    let again = db.run(&[
        "audit",
        "export",
        "--from",
        &today,
        "--to",
        &today,
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn audit_export_refuses_a_broken_chain() {
    let db = Db::sqlite();
    add_license(&db, "D1", "10");
    ok(&record_vn(&db, "PO-1", "1", "2", "D1"));
    db.tamper("DELETE FROM records WHERE seq = 1");
    let out_dir = db.dir.join("export");
    let out = db.run(&[
        "audit",
        "export",
        "--from",
        "2020-01-01",
        "--to",
        "2099-12-31",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("nothing exported: record #1 was deleted"),
        "{}",
        text(&out)
    );
    assert!(!out_dir.exists());
}

#[test]
fn audit_replay_rebuilds_the_decision_and_says_it_agrees() {
    let db = Db::sqlite();
    add_license(&db, "D1", "10");
    ok(&record_vn(&db, "PO-1", "1", "2", "D1"));
    let out = ok(&db.run(&["audit", "replay", "2"]));
    assert!(
        out.contains("record #2: decided LicenseRequired on"),
        "{out}"
    );
    assert!(
        out.contains("the same rule pack, the same catalog"),
        "{out}"
    );
    assert!(out.contains("the same answer as recorded"), "{out}");
    let missing = db.run(&["audit", "replay", "99"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing).contains("there is no record #99"),
        "{}",
        text(&missing)
    );
}

#[test]
fn a_cleared_possible_match_is_answered_by_the_disposition_and_says_so() {
    let db = Db::sqlite();
    let record = |line: &str| {
        db.run(&[
            "ledger",
            "record",
            "nvidia-l20",
            "--to",
            "CN",
            "--end-user-hq",
            "CN",
            "--end-user",
            "Huawei",
            "--as-of",
            "2024-06-01",
            "--quantity",
            "1",
            "--order",
            "PO-7",
            "--line",
            line,
            "--value",
            "9000",
        ])
    };
    let before = record("1");
    assert_eq!(before.status.code(), Some(4), "{}", text(&before));
    assert!(
        text(&before).contains("the decision is `review`"),
        "{}",
        text(&before)
    );
    let cleared = ok(&db.run(&[
        "ledger",
        "clear",
        "--party",
        "Huawei",
        "--entry",
        "EL:EL-0755",
        "--why",
        "a university lab of the same name, different address",
    ]));
    assert!(cleared.contains("disposition #1"), "{cleared}");
    // "Huawei" also resembles a second Entity List entry (EL-1332, an alias "Huawei
    // Technology" of another listing): clearing the first leaves that one to decide, and the
    // party is still a possible match. (Forcing "not listed" on one clearance, as the ledger
    // once did, cleared entries no officer had looked at.)
    let half = record("1");
    assert_eq!(half.status.code(), Some(4), "{}", text(&half));
    assert!(
        text(&half).contains("possible match EL:EL-0755 was cleared by disposition #1 (tester"),
        "{}",
        text(&half)
    );
    let json = db.run(&[
        "check",
        "nvidia-l20",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--end-user",
        "Huawei",
        "--as-of",
        "2024-06-01",
        "--format",
        "json",
    ]);
    let d: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let party = &d["parties"][0];
    assert_eq!(party["status"], "possible_match", "{party}");
    assert_eq!(party["entity_list"]["source_id"], "EL-1332", "{party}");
    assert_eq!(party["dispositions"][0]["applied"], true, "{party}");
    assert_eq!(party["dispositions"][0]["record"], 1, "{party}");
    ok(&db.run(&[
        "ledger",
        "clear",
        "--party",
        "huawei",
        "--entry",
        "EL:EL-1332",
        "--why",
        "the same lab; the alias belongs to the Shenzhen listing",
    ]));
    let after = ok(&record("1"));
    assert!(
        after.contains("cleared by disposition #1 (tester"),
        "{after}"
    );
    // Record #3: both clearances are #1 and #2.
    let stored = db.ledger().stored_decision(3).unwrap();
    assert_eq!(stored.severity, earmark_engine::Severity::Clear);
    assert_eq!(stored.shipment.parties[0].name.as_deref(), Some("Huawei"));
    assert_eq!(
        stored.parties[0].basis,
        earmark_engine::ScreeningBasis::Disposition
    );
    let kept: Vec<Option<u64>> = stored.shipment.parties[0]
        .dispositions
        .iter()
        .map(|d| d.record)
        .collect();
    assert_eq!(kept, [Some(2), Some(1)], "the request keeps its evidence");
    let parties = ok(&db.run(&["ledger", "parties"]));
    assert!(
        parties.contains("HUAWEI (end user): headquartered in CN; records #3 to #3"),
        "{parties}"
    );
    let bad = db.run(&[
        "ledger", "clear", "--party", "Huawei", "--entry", "EL:NOPE", "--why", "x",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_batch_reports_bad_rows_by_line_and_records_the_rest_once() {
    let db = Db::sqlite();
    add_license(&db, "D1", "100");
    let file = batch_file(&db.dir, "b.jsonl", "PO", 20, "D1");
    let mut text_ = std::fs::read_to_string(&file).unwrap();
    text_.insert_str(0, "{\"order_id\": \"PO-X\", \"line\": 1}\n");
    std::fs::write(&file, text_).unwrap();
    let out = db.run(&["ledger", "record-batch", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("b.jsonl:1: missing field"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("20 recorded, 0 already recorded, 0 refused, 1 bad rows"),
        "{}",
        text(&out)
    );
    let again = db.run(&["ledger", "record-batch", file.to_str().unwrap()]);
    assert!(
        text(&again).contains("0 recorded, 20 already recorded"),
        "{}",
        text(&again)
    );
    assert_eq!(assert_consistent(&db, "D1"), 20);
}

/// A small deterministic generator: the kill points vary across runs of the test without a
/// random-number dependency, and a failure prints the seed.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

fn killed_batches_leave_the_ledger_consistent_and_a_rerun_completes_it_once(db: &Db) {
    const LINES: usize = 2_000;
    add_license(db, "D1", "100000");
    let file = batch_file(&db.dir, "book.jsonl", "PO", LINES, "D1");
    let mut seed = u64::from(std::process::id()) | 1;
    eprintln!("kill seed {seed}");
    let mut kills = 0;
    let mut partial = 0;
    let mut watcher = db.ledger();
    for _ in 0..20 {
        let before = watcher.shipment_count().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_earmark"))
            .args([
                "ledger",
                "record-batch",
                file.to_str().unwrap(),
                "--per-transaction",
                "50",
            ])
            .args(["--db", &db.url])
            .current_dir(workspace())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill once the run has committed something, at a random point after: a kill before
        // the first commit, or after the last, would prove nothing.
        while child.try_wait().unwrap().is_none() && watcher.shipment_count().unwrap() == before {
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(next(&mut seed) % 150));
        // SIGKILL: no destructor, no rollback by the process; only the database's atomicity.
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        let recorded = assert_consistent(db, "D1");
        if recorded > 0 && recorded < LINES as u64 {
            partial += 1;
        }
    }
    // Otherwise the loop proved nothing: every kill came before the first or after the last
    // commit.
    assert!(partial > 0, "no kill landed mid-batch ({kills} kills)");
    let out = ok(&db.run(&["ledger", "record-batch", file.to_str().unwrap()]));
    assert!(out.contains(" refused, 0 bad rows"), "{out}");
    assert_eq!(
        assert_consistent(db, "D1"),
        LINES as u64,
        "after {kills} kills"
    );
    let again = ok(&db.run(&["ledger", "record-batch", file.to_str().unwrap()]));
    assert!(
        again.contains(&format!("0 recorded, {LINES} already recorded")),
        "{again}"
    );
}

#[test]
fn killed_batches_leave_the_ledger_consistent_and_a_rerun_completes_it_once_on_sqlite() {
    killed_batches_leave_the_ledger_consistent_and_a_rerun_completes_it_once(&Db::sqlite());
}

#[test]
fn killed_batches_leave_the_ledger_consistent_and_a_rerun_completes_it_once_on_postgresql() {
    killed_batches_leave_the_ledger_consistent_and_a_rerun_completes_it_once(&Db::postgres());
}

fn two_processes_lose_nothing_and_never_overdraw(db: &Db) {
    add_license(db, "D1", "300");
    let a = batch_file(&db.dir, "a.jsonl", "A", 250, "D1");
    let b = batch_file(&db.dir, "b.jsonl", "B", 250, "D1");
    let children: Vec<_> = [a, b]
        .iter()
        .map(|f| {
            Command::new(env!("CARGO_BIN_EXE_earmark"))
                .args([
                    "ledger",
                    "record-batch",
                    f.to_str().unwrap(),
                    "--db",
                    &db.url,
                ])
                .current_dir(workspace())
                .output_async()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut recorded = 0;
    let mut refused = 0;
    for o in &outputs {
        let t = text(o);
        let summary = t
            .lines()
            .find(|l| l.contains(" recorded, "))
            .unwrap_or_else(|| panic!("{t}"));
        let n: Vec<usize> = summary
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|s| s.parse().ok())
            .collect();
        recorded += n[0];
        refused += n[2];
    }
    assert_eq!(recorded, 300, "every unit the license allows is shipped");
    assert_eq!(refused, 200, "and every line past it is refused, none lost");
    assert_eq!(assert_consistent(db, "D1"), 300);
}

trait SpawnPiped {
    fn output_async(&mut self) -> std::process::Child;
}

impl SpawnPiped for Command {
    fn output_async(&mut self) -> std::process::Child {
        self.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

#[test]
fn two_processes_lose_nothing_and_never_overdraw_on_sqlite() {
    two_processes_lose_nothing_and_never_overdraw(&Db::sqlite());
}

#[test]
fn two_processes_lose_nothing_and_never_overdraw_on_postgresql() {
    two_processes_lose_nothing_and_never_overdraw(&Db::postgres());
}

/// A line to India under the AI Diffusion text (legal layer), shipped under LPP.
fn record_lpp(db: &Db, line: &str, quantity: &str) -> Output {
    db.run(&[
        "ledger",
        "record",
        "nvidia-h100-sxm",
        "--to",
        "IN",
        "--end-user-hq",
        "IN",
        "--parent-hq",
        "same",
        "--layer",
        "legal",
        "--quantity",
        quantity,
        "--as-of",
        "2025-06-01",
        "--order",
        "PO-LPP",
        "--line",
        line,
        "--value",
        "1000",
        "--exception",
        "LPP",
    ])
}

#[test]
fn the_pack_s_lpp_allowance_is_enforced_and_shown_in_status() {
    let db = Db::sqlite();
    // 1,500 H100s are 23,748,000 TPP, 88 % of LPP's 26,900,000 per consignee per year.
    let first = ok(&record_lpp(&db, "1", "1500"));
    assert!(
        first.contains("warning: cap `aid25-lpp` for `(no consignee named)` in 2025: 80 % used"),
        "{first}"
    );
    // 200 more would be 1,700: past the allowance (1,699.1 H100-equivalents).
    let refused = record_lpp(&db, "2", "200");
    assert_eq!(refused.status.code(), Some(4), "{}", text(&refused));
    assert!(
        text(&refused).contains("exceeds cap `aid25-lpp` for `(no consignee named)` in 2025"),
        "{}",
        text(&refused)
    );
    let status = ok(&db.run(&["ledger", "status", "--year", "2025"]));
    assert!(
        status.contains(
            "aid25-lpp: 26900000 TPP (1699.1 H100-eq) per ultimate consignee over 2025; counts shipments under license exception LPP; rule pack: aid25-lpp, 15 CFR 740.29 (secondary source)"
        ),
        "{status}"
    );
    assert!(
        status.contains(
            "(no consignee named): used TPP 23748000 (1500.0 H100-eq), left 3152000 (199.1 H100-eq)"
        ),
        "{status}"
    );
    assert!(
        status.contains("tier2-country-allocation: 790000000 TPP (49898.9 H100-eq) per country over 2025-2027 together"),
        "{status}"
    );
    let json = ok(&db.run(&["ledger", "status", "--year", "2025", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let lpp = v["caps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cap"] == "aid25-lpp")
        .unwrap();
    assert_eq!(lpp["rows"][0]["left_tpp"], 3_152_000.0);
}

#[test]
fn check_and_screen_record_decisions_that_audit_replays() {
    let db = Db::sqlite();
    let out = db.run(&[
        "check",
        "nvidia-h20",
        "--to",
        "CN",
        "--end-user-hq",
        "CN",
        "--as-of",
        "2025-04-20",
        // The April 2025 letter binds the exporter it was sent to.
        "--exporter",
        "nvidia",
        "--record",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("recorded as decision #1 in the sqlite ledger"),
        "{}",
        text(&out)
    );
    let stored = db.ledger().stored_decision(1).unwrap();
    assert_eq!(
        stored.outcome,
        earmark_core::determine::Outcome::LicenseRequired
    );
    let record = db.ledger().record(1).unwrap().unwrap();
    assert_eq!(
        (record.kind.as_str(), record.actor.as_str()),
        ("decision", "tester")
    );
    let replay = ok(&db.run(&["audit", "replay", "1"]));
    assert!(replay.contains("the same answer as recorded"), "{replay}");

    let out = db.run(&["screen", "Moore Threads", "--country", "CN", "--record"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        text(&out).contains("recorded as screening #2"),
        "{}",
        text(&out)
    );
    let replay = ok(&db.run(&["audit", "replay", "2"]));
    assert!(
        replay.contains("screened again with the same lists: match"),
        "{replay}"
    );
    assert!(replay.contains("the same answer as recorded"), "{replay}");
    // Against other lists the answer may differ, and replay says so.
    let other = db.run(&[
        "audit",
        "replay",
        "2",
        "--lists",
        "ofac:../shared/data/screening/ofac_sdn_2021-07@2021-07-07",
        "--max-list-age-days",
        "100000",
    ]);
    assert_eq!(other.status.code(), Some(4), "{}", text(&other));
    assert!(
        text(&other).contains("a DIFFERENT answer"),
        "{}",
        text(&other)
    );
    // A batch records each screened row as its own screening; a skipped row (no name) is
    // not screened and not recorded. The batch's rows are written here, not taken from the
    // matcher: Moore Threads is on the Entity List (regulations.md), the other is invented.
    let batch = db.dir.join("names.csv");
    std::fs::write(
        &batch,
        "id,name,country,address\n\
         1,Moore Threads,CN,\n\
         2,,CN,\n\
         3,Quiet Meadow Bakery,US,\n",
    )
    .unwrap();
    let out = db.run(&[
        "screen",
        "--batch",
        batch.to_str().unwrap(),
        "--output",
        "jsonl",
        "--record",
    ]);
    assert!(
        text(&out).contains("recorded 2 screenings in the sqlite ledger"),
        "{}",
        text(&out)
    );
    let third = db.ledger().record(3).unwrap().unwrap();
    let fourth = db.ledger().record(4).unwrap().unwrap();
    assert_eq!(third.kind, "screening");
    assert_eq!(fourth.kind, "screening");
    assert!(db.ledger().record(5).unwrap().is_none());
    let replay = ok(&db.run(&["audit", "replay", "3"]));
    assert!(replay.contains("the same answer as recorded"), "{replay}");
    ok(&db.run(&["audit", "verify"]));
    // Without `--db` or `--record`, check reads and writes no ledger.
    let plain = Command::new(env!("CARGO_BIN_EXE_earmark"))
        .args([
            "check",
            "nvidia-h20",
            "--to",
            "CN",
            "--end-user-hq",
            "CN",
            "--as-of",
            "2025-04-20",
        ])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(!text(&plain).contains("recorded"), "{}", text(&plain));
}

#[test]
fn record_batch_screens_against_the_lists_given() {
    let db = Db::sqlite();
    add_license(&db, "D1", "100");
    let path = db.dir.join("named.jsonl");
    let row = serde_json::json!({
        "order_id": "PO-N", "line": 1, "value_cents": 2_500_000, "license": "D1",
        "shipment": {"item": {"catalog_id": "nvidia-h100-sxm"}, "to": "VN", "quantity": 1,
            "as_of": "2024-03-01",
            "parties": [{"role": "end_user", "name": "Saigon Compute JSC",
                "headquarters": "VN", "parent_headquarters": "same"}]},
    });
    std::fs::write(&path, format!("{row}\n")).unwrap();
    let out = ok(&db.run(&[
        "ledger",
        "record-batch",
        path.to_str().unwrap(),
        "--lists",
        "entity-list:../shared/data/screening/entity_list_extract/entities.csv@2026-07-09",
        "--max-list-age-days",
        "100000",
    ]));
    assert!(out.contains("1 recorded"), "{out}");
    let stored = db.ledger().stored_decision(2).unwrap();
    // One list, the one given: not the bundled snapshot's two.
    assert_eq!(stored.list_hashes.len(), 1, "{:?}", stored.list_hashes);
    let status = ok(&Command::new(env!("CARGO_BIN_EXE_earmark"))
        .args([
            "lists",
            "status",
            "--lists",
            "entity-list:../shared/data/screening/entity_list_extract/entities.csv@2026-07-09",
            "--max-list-age-days",
            "100000",
            "--format",
            "json",
        ])
        .current_dir(workspace())
        .output()
        .unwrap());
    assert!(status.contains(&stored.list_hashes[0]), "{status}");
    // A list that cannot answer the Entity List question leaves the party unknown: refused.
    let path2 = db.dir.join("named2.jsonl");
    std::fs::write(
        &path2,
        format!("{}\n", row.to_string().replace("PO-N", "PO-O")),
    )
    .unwrap();
    let out = db.run(&[
        "ledger",
        "record-batch",
        path2.to_str().unwrap(),
        "--lists",
        "ofac:../shared/data/screening/ofac_sdn_2021-07@2021-07-07",
        "--max-list-age-days",
        "100000",
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("the decision is `review`"),
        "{}",
        text(&out)
    );
}
