//! Test support: an engine over the workspace's rule pack and catalog, decisions to record,
//! and a throwaway database on each backend.

#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use earmark_core::catalog::Catalog;
use earmark_core::country::Country;
use earmark_core::rules::RulePack;
use earmark_core::Date;
use earmark_engine::{
    Engine, ItemRef, ParentHeadquarters, Party, PartyRole, Shipment, ShipmentDecision,
};
use earmark_ledger::{Authorisation, Ledger, Meta, NewShipment};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_dir_files(dir: &Path, prefix: &str, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if path.is_dir() {
            read_dir_files(&path, &rel, out);
        } else {
            out.push((rel, std::fs::read_to_string(&path).unwrap_or_default()));
        }
    }
}

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut files = Vec::new();
        read_dir_files(&workspace().join("rules/us-ear"), "", &mut files);
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let pack = RulePack::from_files(&refs).unwrap();
        let catalog_text =
            std::fs::read_to_string(workspace().join("catalog/accelerators.toml")).unwrap();
        let catalog_files = [("catalog/accelerators.toml", catalog_text.as_str())];
        let catalog = Catalog::from_toml_files(catalog_files.iter().copied()).unwrap();
        let hash = earmark_engine::content_hash(&catalog_files);
        Engine::new(pack, catalog, hash, None).unwrap()
    })
}

pub fn date(s: &str) -> Date {
    s.parse().unwrap()
}

/// A shipment of `quantity` units of a catalog item to an end user headquartered at the
/// destination, with no separate parent.
pub fn shipment(
    item: &str,
    to: &str,
    quantity: u64,
    as_of: &str,
    consignee: Option<&str>,
) -> Shipment {
    let to = Country::from_code(to).unwrap();
    let mut end_user = Party::new(PartyRole::EndUser);
    end_user.headquarters = Some(to);
    end_user.parent_headquarters = Some(ParentHeadquarters::Same);
    let mut parties = vec![end_user];
    if let Some(name) = consignee {
        let mut c = Party::new(PartyRole::UltimateConsignee);
        c.name = Some(name.to_owned());
        c.list_status = Some(earmark_core::rules::ListStatus::NotListed);
        parties.push(c);
    }
    Shipment {
        item: ItemRef::CatalogId(item.to_owned()),
        to,
        from: Country::us(),
        transaction: if to == Country::us() {
            earmark_core::rules::Transaction::InCountry
        } else {
            earmark_core::rules::Transaction::Export
        },
        end_use: None,
        quantity: Some(quantity),
        as_of: date(as_of),
        known_on: None,
        layer: Default::default(),
        exporter_role: Default::default(),
        exporter: None,
        rebuttal: Default::default(),
        tf32: Default::default(),
        parties,
    }
}

pub fn decide(s: &Shipment) -> ShipmentDecision {
    engine().check(s, date("2026-12-01")).unwrap()
}

/// An H100 line to Vietnam in 2024: license required (presumption of approval).
pub fn licensed_line(order: &str, line: u32, quantity: u64, license: &str) -> NewShipment {
    let d = decide(&shipment(
        "nvidia-h100-sxm",
        "VN",
        quantity,
        "2024-03-01",
        Some("Saigon Compute JSC"),
    ));
    assert_eq!(
        d.severity,
        earmark_engine::Severity::LicenseRequired,
        "{}",
        d.headline
    );
    NewShipment::new(
        order,
        line,
        2_500_000 * quantity as i64,
        Authorisation::License {
            number: license.into(),
        },
        &d,
    )
}

/// An H100 line to Germany in 2024: no license required.
pub fn free_line(order: &str, line: u32, quantity: u64) -> NewShipment {
    let d = decide(&shipment(
        "nvidia-h100-sxm",
        "DE",
        quantity,
        "2024-03-01",
        Some("Berlin AI GmbH"),
    ));
    assert_eq!(
        d.severity,
        earmark_engine::Severity::Clear,
        "{}",
        d.headline
    );
    NewShipment::new(
        order,
        line,
        2_500_000 * quantity as i64,
        Authorisation::NoLicenseRequired,
        &d,
    )
}

pub fn meta() -> Meta {
    Meta {
        at: "2026-12-01T10:00:00.000000Z".into(),
        actor: "tester".into(),
    }
}

pub fn meta_at(at: &str) -> Meta {
    Meta {
        at: at.into(),
        actor: "tester".into(),
    }
}

/// A throwaway ledger database, dropped with the value.
pub enum TestDb {
    Sqlite { dir: PathBuf },
    Postgres { name: String },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn pg_admin() -> postgres::Client {
    postgres::Client::connect(PG_ADMIN, postgres::NoTls).unwrap_or_else(|e| {
        panic!(
            "no PostgreSQL answers on 127.0.0.1:5432 as user `postgres` ({e}). The ledger's \
             PostgreSQL tests need one: run `.ci/run` (it installs and starts one), or \
             `apt-get install postgresql && pg_ctlcluster 15 main start` with `trust` auth for \
             127.0.0.1 in pg_hba.conf"
        )
    })
}

impl TestDb {
    pub fn sqlite() -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("earmark-ledger-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self::Sqlite { dir }
    }

    pub fn postgres() -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("earmark_test_{}_{n}", std::process::id());
        let mut admin = pg_admin();
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        Self::Postgres { name }
    }

    pub fn url(&self) -> String {
        match self {
            Self::Sqlite { dir } => format!("sqlite://{}", dir.join("ledger.sqlite").display()),
            Self::Postgres { name } => format!("postgres://postgres@127.0.0.1:5432/{name}"),
        }
    }

    pub fn open(&self) -> Ledger {
        Ledger::open(&self.url()).unwrap()
    }

    /// Runs SQL behind the ledger's back, as someone with database access could.
    pub fn tamper(&self, sql: &str) {
        match self {
            Self::Sqlite { dir } => {
                let conn = rusqlite::Connection::open(dir.join("ledger.sqlite")).unwrap();
                conn.execute_batch(
                    "DROP TRIGGER IF EXISTS records_no_update; DROP TRIGGER IF EXISTS records_no_delete;",
                )
                .unwrap();
                conn.execute_batch(sql).unwrap();
            }
            Self::Postgres { .. } => {
                let mut c = postgres::Client::connect(&self.url(), postgres::NoTls).unwrap();
                c.batch_execute("ALTER TABLE records DISABLE TRIGGER records_no_update")
                    .unwrap();
                c.batch_execute(sql).unwrap();
            }
        }
    }

    /// Runs SQL without removing the append-only guard; returns its error.
    pub fn try_sql(&self, sql: &str) -> Result<(), String> {
        match self {
            Self::Sqlite { dir } => rusqlite::Connection::open(dir.join("ledger.sqlite"))
                .unwrap()
                .execute_batch(sql)
                .map_err(|e| e.to_string()),
            Self::Postgres { .. } => postgres::Client::connect(&self.url(), postgres::NoTls)
                .unwrap()
                .batch_execute(sql)
                .map_err(|e| format!("{e:?}")),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            Self::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Self::Postgres { name } => {
                if let Ok(mut admin) = postgres::Client::connect(PG_ADMIN, postgres::NoTls) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}
