//! What only the embedded store has to prove: its indexes and counts live in the write
//! transaction of each change, so a process killed (`kill -9`) in the middle of a bulk import
//! leaves them exactly as a full recount from the rows finds them; and a database written
//! before the indexes existed opens with every read answering as before.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use bengkel::manual::store::{ListQuery, ManualStore};
use bengkel::manual::{Counts, ManualRecord};
use bengkel::register::store::RegisterStore;
use bengkel::register::{Customer, RegisterCounts, Registration, Vehicle};
use bengkel::reminder::store::ReminderStore;
use bengkel::report::store::ReportStore;
use bengkel::report::{Delivery, ReportRow, Scope, report_id};
use bengkel::store::embedded::EmbeddedStore;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};

/// The child's database, set only when the parent test starts it.
const CHILD_DB: &str = "BENGKEL_CRASH_CHILD_DB";
/// Records per bulk import of the child: one transaction each.
const BATCH: usize = 1_000;

fn jakarta() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("valid offset")
}

fn at(minutes: i64) -> DateTime<FixedOffset> {
    let base = jakarta()
        .with_ymd_and_hms(2026, 1, 3, 10, 30, 0)
        .single()
        .expect("valid instant");
    base + Duration::minutes(minutes)
}

fn day(offset: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 10).expect("valid date") + Duration::days(offset)
}

/// Record `n`: every index has something to hold (active and inactive, with and without a
/// service date, reminded or not, counts with ties).
fn record(n: usize) -> ManualRecord {
    let i = n as i64;
    ManualRecord {
        id: uuid::Uuid::new_v4().to_string(),
        customer_name: format!("Pelanggan {n}"),
        nopol: format!("B {n} AA"),
        no_hp: "6281234567890".into(),
        last_service: None,
        next_service: (!n.is_multiple_of(5)).then(|| day(i % 40 - 10)),
        is_active: u8::from(!n.is_multiple_of(3)),
        reminder_sent_count: (n % 7) as u32,
        last_reminder_sent: (!n.is_multiple_of(7)).then(|| at(i % 500)),
        notes: None,
        created_at: at(i),
        updated_at: at(i),
        version: 1,
    }
}

/// Customer `n` with two vehicles, one with a last visit.
fn registration(n: usize) -> Registration {
    let customer = Customer {
        id: uuid::Uuid::new_v4().to_string(),
        name: format!("Pelanggan {n}"),
        no_hp: "6281234567890".into(),
        created_at: at(n as i64),
        updated_at: at(n as i64),
        version: 1,
    };
    let vehicle = |suffix: &str, last_visit| Vehicle {
        id: uuid::Uuid::new_v4().to_string(),
        id_customer: customer.id.clone(),
        nopol: format!("D {n} {suffix}"),
        model: "Honda Beat".into(),
        last_visit,
        kind: Default::default(),
        service_interval_km: None,
        service_interval_months: None,
        odometer_km: None,
        odometer_date: None,
        service_odometer_km: None,
        measured_km_per_day: None,
        due_on: None,
        created_at: customer.created_at,
        updated_at: customer.created_at,
        version: 1,
    };
    let vehicles = vec![
        vehicle("AB", Some(day(n as i64 % 30 - 120))),
        vehicle("CD", None),
    ];
    Registration {
        customer,
        vehicles,
        visits: Vec::new(),
    }
}

fn delivery_to(registration: &Registration, minute: i64) -> Delivery {
    let vehicle = &registration.vehicles[0];
    Delivery {
        message_id: None,
        id_customer: registration.customer.id.clone(),
        id_vehicle: vehicle.id.clone(),
        customer_name: registration.customer.name.clone(),
        customer_phone: registration.customer.no_hp.clone(),
        vehicle_model: vehicle.model.clone(),
        vehicle_nopol: vehicle.nopol.clone(),
        at: at(minute),
    }
}

/// Fails with every mismatch the recount found; the recount's figures otherwise.
fn consistent(store: &EmbeddedStore) -> bengkel::store::embedded::Recount {
    let recount = store.recount().expect("recount");
    assert!(
        recount.mismatches.is_empty(),
        "indexes or counts differ from the rows: {:#?}",
        &recount.mismatches[..recount.mismatches.len().min(20)]
    );
    recount
}

/// Not a test of its own: the process the crash test starts and kills. It imports records in
/// bulk, registers customers and counts reminders, without end, announcing each commit.
#[tokio::test]
#[ignore = "the child of kill_9_during_a_bulk_import_leaves_indexes_and_counts_consistent"]
async fn crash_child() {
    let path = std::env::var(CHILD_DB).expect("started by the crash test");
    let store = EmbeddedStore::open(Path::new(&path)).expect("child opens the store");
    let mut next = store.counts().await.expect("counts").total as usize;
    for batch in 0.. {
        let records: Vec<ManualRecord> = (next..next + BATCH).map(record).collect();
        let outcomes = store.insert_many(&records).await.expect("bulk import");
        assert!(outcomes.iter().all(Result::is_ok));
        let registrations: Vec<Registration> = (next..next + 20).map(registration).collect();
        store
            .insert_registrations(&registrations)
            .await
            .expect("registrations");
        for (i, record) in records.iter().take(10).enumerate() {
            let sent = at(1_000 + i as i64);
            store
                .record_sent(&record.id, sent, None)
                .await
                .expect("sent");
            let delivery = delivery_to(&registrations[i], 1_000 + i as i64);
            store
                .record_delivery(&delivery, None)
                .await
                .expect("delivery");
        }
        next += BATCH;
        println!("committed {batch}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_bulk_import_leaves_indexes_and_counts_consistent() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("store.redb");
    // Each round kills the child a little later after a commit, so that the kill falls at
    // different points of the next bulk import's transaction.
    for (round, delay_ms) in [0u64, 9, 23, 41].into_iter().enumerate() {
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--ignored",
                "--exact",
                "embedded_store::crash_child",
                "--nocapture",
            ])
            .args(["--test-threads", "1"])
            .env(CHILD_DB, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("child starts");
        let stdout = child.stdout.take().expect("child's output");
        let mut lines = BufReader::new(stdout).lines();
        let committed = lines
            .by_ref()
            .map_while(Result::ok)
            .filter(|line| line.starts_with("committed"))
            .nth(1);
        assert!(
            committed.is_some(),
            "round {round}: the child committed twice"
        );
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().expect("kill -9");
        child.wait().expect("child reaped");

        let store = EmbeddedStore::open(&path).expect("reopens after the kill");
        let recount = consistent(&store);
        assert_eq!(
            recount.counts.total as usize % BATCH,
            0,
            "round {round}: a bulk import is all or nothing"
        );
        assert!(recount.counts.total as usize >= (round + 2) * BATCH);
        assert_eq!(store.counts().await.expect("counts"), recount.counts);
        assert_eq!(
            store.register_counts().await.expect("register counts"),
            recount.register
        );
        assert_eq!(
            recount.register.vehicles,
            2 * recount.register.customers,
            "a registration is all or nothing"
        );
    }
}

#[tokio::test]
async fn every_write_path_keeps_indexes_and_counts_consistent() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = EmbeddedStore::open(&dir.path().join("store.redb")).expect("store opens");
    let records: Vec<ManualRecord> = (0..60).map(record).collect();
    store.insert_many(&records).await.expect("bulk import");
    store.insert(&record(100)).await.expect("insert");
    for current in records.iter().take(20) {
        let mut next = current.clone();
        next.version += 1;
        next.nopol = format!("{} X", current.nopol);
        next.is_active = 1 - current.is_active;
        next.next_service = current.next_service.map(|d| d + Duration::days(3));
        store.replace(current, &next).await.expect("replace");
        store
            .record_sent(&next.id, at(900), Some("claim"))
            .await
            .expect("sent");
    }
    for current in records.iter().skip(50) {
        store.delete(current).await.expect("delete");
    }
    let registrations: Vec<Registration> = (0..6).map(registration).collect();
    store
        .insert_registrations(&registrations)
        .await
        .expect("registrations");
    let first = &registrations[0];
    let vehicle = &first.vehicles[0];
    let mut moved = vehicle.clone();
    moved.version += 1;
    moved.last_visit = None;
    moved.nopol = "D 9999 ZZ".into();
    store
        .replace_vehicle(vehicle, &moved)
        .await
        .expect("replace vehicle");
    store
        .delete_vehicle(&first.vehicles[1])
        .await
        .expect("delete vehicle");
    let mut renamed = registrations[1].customer.clone();
    renamed.version += 1;
    renamed.name = "Budi".into();
    store
        .replace_customer(&registrations[1].customer, &renamed)
        .await
        .expect("replace customer");
    let owner = store
        .customer(&registrations[2].customer.id)
        .await
        .expect("customer")
        .expect("exists");
    let extra = Vehicle {
        id: uuid::Uuid::new_v4().to_string(),
        nopol: "D 8888 ZZ".into(),
        ..registrations[2].vehicles[0].clone()
    };
    store.insert_vehicle(&owner, &extra).await.expect("vehicle");
    for registration in &registrations[3..5] {
        store
            .record_delivery(&delivery_to(registration, 5), None)
            .await
            .expect("delivery");
    }
    let victim = &registrations[3];
    store
        .delete_customer(&victim.customer, &victim.vehicles)
        .await
        .expect("delete customer");
    let gone = report_id(
        &registrations[4].customer.id,
        &registrations[4].vehicles[0].id,
    );
    assert!(store.delete_report_row(&gone).await.expect("delete row"));

    let recount = consistent(&store);
    assert_eq!(
        recount.counts,
        Counts {
            total: 51,
            active: recount.counts.active,
            reminders_sent: recount.counts.reminders_sent
        }
    );
    assert_eq!(
        recount.register,
        RegisterCounts {
            customers: 5,
            vehicles: 10
        }
    );
    assert_eq!(store.counts().await.expect("counts"), recount.counts);
}

// ---- the layout before the indexes -------------------------------------------------------

/// The tables and writes of the embedded store before it kept indexes and counts (schema 0):
/// the rows as JSON under their id with their version, the nopol guards and the list orders;
/// nothing else. Written here with redb directly, as that code wrote them.
mod before_indexes {
    use redb::{Database, TableDefinition};

    use super::{Customer, ManualRecord, ReportRow, Vehicle};

    const RECORDS: TableDefinition<&str, (u64, &str)> = TableDefinition::new("manual_whatsapp");
    const NOPOLS: TableDefinition<&str, &str> = TableDefinition::new("manual_whatsapp_nopol");
    const LISTING: TableDefinition<&str, &str> = TableDefinition::new("manual_whatsapp_listing");
    const CUSTOMERS: TableDefinition<&str, (u64, &str)> = TableDefinition::new("customers");
    const CUSTOMER_LISTING: TableDefinition<&str, &str> = TableDefinition::new("customers_listing");
    const VEHICLES: TableDefinition<&str, (u64, &str)> = TableDefinition::new("vehicles");
    const VEHICLE_NOPOLS: TableDefinition<&str, &str> = TableDefinition::new("vehicles_nopol");
    const REPORTS: TableDefinition<&str, &str> = TableDefinition::new("whatsapp_report");

    pub fn write(
        path: &std::path::Path,
        records: &[ManualRecord],
        customers: &[Customer],
        vehicles: &[Vehicle],
        reports: &[ReportRow],
    ) {
        let db = Database::create(path).expect("old database");
        let txn = db.begin_write().expect("write");
        {
            let mut t = txn.open_table(RECORDS).unwrap();
            let mut nopols = txn.open_table(NOPOLS).unwrap();
            let mut listing = txn.open_table(LISTING).unwrap();
            for r in records {
                t.insert(r.id.as_str(), (r.version, json(r).as_str()))
                    .unwrap();
                nopols
                    .insert(r.nopol_key().as_str(), r.id.as_str())
                    .unwrap();
                listing
                    .insert(r.list_key().as_str(), r.id.as_str())
                    .unwrap();
            }
            let mut t = txn.open_table(CUSTOMERS).unwrap();
            let mut listing = txn.open_table(CUSTOMER_LISTING).unwrap();
            for c in customers {
                t.insert(c.id.as_str(), (c.version, json(c).as_str()))
                    .unwrap();
                listing
                    .insert(c.list_key().as_str(), c.id.as_str())
                    .unwrap();
            }
            let mut t = txn.open_table(VEHICLES).unwrap();
            let mut nopols = txn.open_table(VEHICLE_NOPOLS).unwrap();
            for v in vehicles {
                t.insert(v.id.as_str(), (v.version, json(v).as_str()))
                    .unwrap();
                nopols
                    .insert(v.nopol_key().as_str(), v.id.as_str())
                    .unwrap();
            }
            let mut t = txn.open_table(REPORTS).unwrap();
            for r in reports {
                t.insert(r.id.as_str(), json(r).as_str()).unwrap();
            }
        }
        txn.commit().expect("commit");
    }

    fn json(value: &impl serde::Serialize) -> String {
        serde_json::to_string(value).expect("json")
    }
}

#[tokio::test]
async fn a_database_from_before_the_indexes_opens_with_every_read_intact() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("store.redb");
    let records: Vec<ManualRecord> = (1..=40).map(record).collect();
    let registrations: Vec<Registration> = (0..4).map(registration).collect();
    let customers: Vec<Customer> = registrations.iter().map(|r| r.customer.clone()).collect();
    let vehicles: Vec<Vehicle> = registrations
        .iter()
        .flat_map(|r| r.vehicles.clone())
        .collect();
    let reports: Vec<ReportRow> = registrations
        .iter()
        .take(3)
        .map(|r| ReportRow::after_delivery(None, &delivery_to(r, 7)))
        .collect();
    before_indexes::write(&path, &records, &customers, &vehicles, &reports);

    let store = EmbeddedStore::open(&path).expect("opens and upgrades");
    consistent(&store);

    // Counts, the list, look-ups.
    let expected: Counts = records.iter().map(Counts::of).sum();
    assert_eq!(store.counts().await.expect("counts"), expected);
    let page = ManualStore::list(
        &store,
        &ListQuery {
            active_only: false,
            limit: 1_000,
            after: None,
        },
    )
    .await
    .expect("list");
    let mut newest: Vec<&ManualRecord> = records.iter().collect();
    newest.sort_by_key(|r| std::cmp::Reverse(r.list_key()));
    assert_eq!(page.items.iter().collect::<Vec<_>>(), newest);
    for r in &records {
        assert_eq!(store.get(&r.id).await.unwrap().as_ref(), Some(r));
        assert_eq!(
            store.find_by_nopol(&r.nopol_key()).await.unwrap().as_ref(),
            Some(r)
        );
    }
    // Due window, upcoming, reminded since, most reminded: as computed from the rows.
    let (from, to) = (day(0), day(6));
    let in_window = |r: &&ManualRecord| r.next_service.is_some_and(|d| d >= from && d <= to);
    let mut due: Vec<ManualRecord> = records.iter().filter(in_window).cloned().collect();
    due.sort_by(|a, b| (a.next_service, &a.id).cmp(&(b.next_service, &b.id)));
    assert_eq!(store.due_between(from, to, false).await.unwrap(), due);
    let active_due: Vec<ManualRecord> = due.iter().filter(|r| r.is_active()).cloned().collect();
    assert!(!active_due.is_empty() && active_due.len() < due.len());
    assert_eq!(store.due_between(from, to, true).await.unwrap(), active_due);
    assert_eq!(
        store.count_upcoming(from, to).await.unwrap(),
        active_due.len() as u64
    );
    let since = at(20).with_timezone(&Utc);
    let reminded = records
        .iter()
        .filter(|r| r.last_reminder_sent.is_some_and(|t| t >= since))
        .count();
    assert!(reminded > 0);
    assert_eq!(
        store.count_reminded_since(since).await.unwrap(),
        reminded as u64
    );
    let mut most = records.clone();
    most.sort_by(|a, b| (b.reminder_sent_count, &b.id).cmp(&(a.reminder_sent_count, &a.id)));
    most.truncate(5);
    assert_eq!(store.most_reminded(5).await.unwrap(), most);

    // The register and the report.
    assert_eq!(
        store.register_counts().await.unwrap(),
        RegisterCounts {
            customers: 4,
            vehicles: 8
        }
    );
    for registration in &registrations {
        let mut own = registration.vehicles.clone();
        own.sort_by_key(Vehicle::nopol_key);
        let id = &registration.customer.id;
        assert_eq!(store.vehicles_of(id).await.unwrap(), own);
        assert_eq!(
            store.customer(id).await.unwrap().as_ref(),
            Some(&registration.customer)
        );
    }
    let page = store.customers(10, None).await.expect("customers");
    assert_eq!(page.items.len(), 4);
    let visited = store
        .visited_between(day(-200), day(0))
        .await
        .expect("visited");
    assert_eq!(visited.len(), 4, "each customer's one visited vehicle");
    let customer = &registrations[0].customer.id;
    let scope = Scope {
        id_customer: Some(customer.clone()),
        id_vehicle: None,
    };
    assert_eq!(
        store.report_rows(&scope).await.unwrap(),
        vec![reports[0].clone()]
    );
    assert_eq!(store.report_rows(&Scope::default()).await.unwrap().len(), 3);

    // Once: a second open finds it current and changes nothing.
    drop(store);
    let again = EmbeddedStore::open(&path).expect("opens again");
    assert_eq!(consistent(&again).counts, expected);
}
