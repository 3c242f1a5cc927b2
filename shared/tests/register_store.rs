//! The register and report store traits, one set of bodies run against both adapters: the
//! embedded store (a fresh file each test) and DynamoDB on the server at
//! `DYNAMODB_ENDPOINT_URL` (moto, started by `infra/test.sh`; a fresh table each test).
//! Without that variable the DynamoDB tests fail: a tier that did not run must not look green.

use crate::common;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use bengkel::register::{
    Customer, DueVehicle, RegisterCounts, Registration, Vehicle, Visit, VisitSource,
};
use bengkel::reminder::store::Claim;
use bengkel::report::{
    Delivery, ReportRow, Scope, Snapshot, SnapshotInfo, SnapshotStatus, report_id,
};
use bengkel::store::dynamo::{DynamoStore, report_item};
use bengkel::store::embedded::EmbeddedStore;
use bengkel::store_error::StoreError;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};

type Store = Arc<dyn bengkel::app::Store>;

/// The store under test, and whatever must live as long as it.
struct Fixture {
    store: Store,
    bulk: Bulk,
    _dir: Option<tempfile::TempDir>,
}

/// How to store many report rows at once: through the trait a row costs a delivery each,
/// which on moto takes a while for thousands.
#[derive(Clone)]
enum Bulk {
    /// A delivery per row: quick enough locally.
    Deliveries,
    /// BatchWriteItem of the items deliveries leave.
    Dynamo {
        client: aws_sdk_dynamodb::Client,
        table: String,
    },
}

/// What a test body takes from its fixture: the store, or the store and its bulk loader.
trait Given {
    fn given(fixture: &Fixture) -> Self;
}

impl Given for Store {
    fn given(fixture: &Fixture) -> Self {
        fixture.store.clone()
    }
}

impl Given for (Store, Bulk) {
    fn given(fixture: &Fixture) -> Self {
        (fixture.store.clone(), fixture.bulk.clone())
    }
}

fn embedded() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = EmbeddedStore::open(&dir.path().join("store.redb")).expect("embedded store opens");
    Fixture {
        store: Arc::new(store),
        bulk: Bulk::Deliveries,
        _dir: Some(dir),
    }
}

async fn dynamo(test: &str) -> Fixture {
    let (client, table) = common::dynamo_table(&format!("register-{test}")).await;
    Fixture {
        store: Arc::new(DynamoStore::new(client.clone(), table.clone())),
        bulk: Bulk::Dynamo { client, table },
        _dir: None,
    }
}

conformance!(
    registrations_read_back_and_page_newest_first,
    a_taken_nopol_refuses_the_whole_registration,
    insert_registrations_settles_each_row_in_order,
    a_bulk_insert_over_many_transactions_refuses_only_its_taken_rows,
    concurrent_bulk_inserts_give_each_nopol_to_one_vehicle,
    insert_vehicle_moves_the_owner_and_is_stale_once_it_moved,
    replace_customer_changes_fields_and_is_stale_once_moved,
    replace_vehicle_moving_the_nopol_frees_the_old_one,
    delete_customer_takes_its_vehicles_and_nopols,
    delete_customer_is_stale_after_a_vehicle_was_added,
    delete_vehicle_frees_the_nopol,
    vehicle_nopol_taken_follows_registrations_moves_and_deletes,
    visited_between_is_inclusive_and_brings_the_owner,
    visited_between_follows_vehicle_changes_by_visit_then_id,
    the_due_index_follows_a_visit_and_its_delete,
    record_delivery_creates_then_counts_and_settles_the_claim,
    concurrent_deliveries_to_one_pair_count_each,
    report_rows_follow_the_scope,
    delete_report_row_tells_whether_there_was_one,
    reset_then_restore_gives_back_the_rows,
    a_delivery_between_reset_and_restore_stays_counted,
    a_repeated_reset_or_restore_changes_nothing_more,
    snapshots_are_listed_newest_first_with_their_status,
    a_snapshot_of_many_rows_round_trips,
);

// ---- helpers ----------------------------------------------------------------------------

/// 2026-01-03 10:30:00 +07:00, plus `minutes`.
fn at(minutes: i64) -> DateTime<FixedOffset> {
    let base = FixedOffset::east_opt(7 * 3600)
        .and_then(|tz| tz.with_ymd_and_hms(2026, 1, 3, 10, 30, 0).single())
        .expect("valid instant");
    base + Duration::minutes(minutes)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn customer(minute: i64) -> Customer {
    Customer {
        id: new_id(),
        name: format!("Pelanggan {minute}"),
        no_hp: "6281234567890".into(),
        created_at: at(minute),
        updated_at: at(minute),
        version: 1,
    }
}

fn vehicle(owner: &Customer, nopol: &str, last_visit: Option<NaiveDate>) -> Vehicle {
    Vehicle {
        id: new_id(),
        id_customer: owner.id.clone(),
        nopol: nopol.to_string(),
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
        created_at: owner.created_at,
        updated_at: owner.created_at,
        version: 1,
    }
}

/// A customer created `minute` minutes after the base instant, with a vehicle per plate.
fn registration(minute: i64, plates: &[&str]) -> Registration {
    let customer = customer(minute);
    let vehicles = plates.iter().map(|p| vehicle(&customer, p, None)).collect();
    Registration {
        customer,
        vehicles,
        visits: Vec::new(),
    }
}

/// A distinct plate per `n`: `B 1 AA`, `B 2 AA`, ...
fn plate(n: usize) -> String {
    format!("B {} AA", n + 1)
}

fn by_nopol(vehicles: &[Vehicle]) -> Vec<Vehicle> {
    let mut sorted = vehicles.to_vec();
    sorted.sort_by_key(Vehicle::nopol_key);
    sorted
}

fn is_taken<T: std::fmt::Debug>(result: &Result<T, StoreError>, key: &str) -> bool {
    matches!(result, Err(StoreError::NopolTaken(taken)) if taken == key)
}

fn is_stale<T: std::fmt::Debug>(result: &Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::Stale))
}

async fn register(store: &Store, registration: &Registration) {
    store
        .insert_registration(registration)
        .await
        .expect("registration stored");
}

async fn counts(store: &Store) -> RegisterCounts {
    store.register_counts().await.expect("counts")
}

/// Every page of customers, asserting each page's shape on the way.
async fn customer_pages(store: &Store, limit: usize) -> Vec<Vec<Customer>> {
    let mut pages = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .customers(limit, after.as_deref())
            .await
            .expect("customers");
        assert!(page.items.len() <= limit, "page longer than its limit");
        let more = page.next_after.is_some();
        if more {
            assert_eq!(page.items.len(), limit, "a page followed by more is full");
            assert_eq!(page.next_after, page.items.last().map(Customer::list_key));
        }
        after = page.next_after;
        pages.push(page.items);
        if !more {
            return pages;
        }
        assert!(pages.len() < 1000, "pagination does not end");
    }
}

/// One reminder to the pair at `minute`.
fn delivery(id_customer: &str, id_vehicle: &str, minute: i64) -> Delivery {
    Delivery {
        message_id: None,
        id_customer: id_customer.to_string(),
        id_vehicle: id_vehicle.to_string(),
        customer_name: format!("Pelanggan {id_customer:.8}"),
        customer_phone: "6281234567890".into(),
        vehicle_model: "Honda Beat".into(),
        vehicle_nopol: "B 1 AA".into(),
        at: at(minute),
    }
}

/// `times` deliveries to the pair, a minute apart from `minute`.
async fn deliver(store: &Store, id_customer: &str, id_vehicle: &str, minute: i64, times: i64) {
    for i in 0..times {
        store
            .record_delivery(&delivery(id_customer, id_vehicle, minute + i), None)
            .await
            .expect("delivery recorded");
    }
}

async fn row(store: &Store, id_customer: &str, id_vehicle: &str) -> ReportRow {
    store
        .report_row(&report_id(id_customer, id_vehicle))
        .await
        .expect("report row")
        .expect("the row exists")
}

async fn rows(store: &Store, scope: &Scope) -> Vec<ReportRow> {
    let mut rows = store.report_rows(scope).await.expect("report rows");
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    rows
}

fn of_customer(id: &str) -> Scope {
    Scope {
        id_customer: Some(id.to_string()),
        id_vehicle: None,
    }
}

/// Stores a row per delivery (each to another pair), as that delivery alone would leave it.
async fn seed(store: &Store, bulk: &Bulk, deliveries: &[Delivery]) -> Vec<ReportRow> {
    let rows: Vec<ReportRow> = deliveries
        .iter()
        .map(|d| ReportRow::after_delivery(None, d))
        .collect();
    match bulk {
        Bulk::Deliveries => {
            for one in deliveries {
                store.record_delivery(one, None).await.expect("recorded");
            }
        }
        Bulk::Dynamo { client, table } => {
            for chunk in rows.chunks(25) {
                let puts = chunk
                    .iter()
                    .map(|row| {
                        let put = PutRequest::builder()
                            .set_item(Some(report_item(row).expect("item of a row")))
                            .build()
                            .expect("put request");
                        WriteRequest::builder().put_request(put).build()
                    })
                    .collect();
                let mut pending = HashMap::from([(table.clone(), puts)]);
                while !pending.is_empty() {
                    let out = client
                        .batch_write_item()
                        .set_request_items(Some(pending))
                        .send()
                        .await
                        .expect("batch written");
                    pending = out.unprocessed_items.unwrap_or_default();
                    pending.retain(|_, left| !left.is_empty());
                }
            }
        }
    }
    rows
}

/// A snapshot of the rows in `scope` with some frequency, taken at `minute`, as the service
/// takes it.
async fn snapshot_of(store: &Store, scope: Scope, minute: i64) -> Snapshot {
    let rows = rows(store, &scope)
        .await
        .into_iter()
        .filter(|r| r.frequency > 0)
        .collect();
    Snapshot::new(new_id(), at(minute), scope, rows)
}

// ---- the register -------------------------------------------------------------------------

async fn registrations_read_back_and_page_newest_first(store: Store) {
    let registrations: Vec<Registration> = (0..5)
        .map(|i| registration(i as i64, &[&plate(2 * i + 1), &plate(2 * i)]))
        .collect();
    for registration in &registrations {
        register(&store, registration).await;
    }
    for registration in &registrations {
        let id = &registration.customer.id;
        let customer = store.customer(id).await.expect("customer");
        assert_eq!(customer.as_ref(), Some(&registration.customer));
        for vehicle in &registration.vehicles {
            let found = store.vehicle(&vehicle.id).await.expect("vehicle");
            assert_eq!(found.as_ref(), Some(vehicle));
        }
        let vehicles = store.vehicles_of(id).await.expect("vehicles");
        assert_eq!(vehicles, by_nopol(&registration.vehicles));
    }

    let pages = customer_pages(&store, 2).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    let listed: Vec<&str> = pages.iter().flatten().map(|c| c.id.as_str()).collect();
    let newest_first: Vec<&str> = registrations
        .iter()
        .rev()
        .map(|r| r.customer.id.as_str())
        .collect();
    assert_eq!(listed, newest_first);
    assert_eq!(
        customer_pages(&store, 10).await.concat().len(),
        5,
        "one page holds all, with no page after it"
    );
    assert_eq!(
        counts(&store).await,
        RegisterCounts {
            customers: 5,
            vehicles: 10
        }
    );

    let empty = store.customers(0, None).await.expect("customers");
    assert!(empty.items.is_empty() && empty.next_after.is_none());
    let before_all = store.customers(5, Some("")).await.expect("customers");
    assert!(before_all.items.is_empty() && before_all.next_after.is_none());
    // Unknown, empty and over-long ids, and ids of the other kind, name nothing.
    let (customer_id, vehicle_id) = (
        &registrations[0].customer.id,
        &registrations[0].vehicles[0].id,
    );
    let huge = "x".repeat(5000);
    for id in [vehicle_id.as_str(), "", huge.as_str(), "meta#register"] {
        assert_eq!(
            store.customer(id).await.expect("customer"),
            None,
            "{id:.20}"
        );
    }
    for id in [customer_id.as_str(), "", huge.as_str()] {
        assert_eq!(store.vehicle(id).await.expect("vehicle"), None, "{id:.20}");
    }
    assert!(
        store
            .vehicles_of(&new_id())
            .await
            .expect("vehicles")
            .is_empty()
    );
    assert!(store.vehicles_of("").await.expect("vehicles").is_empty());
}

async fn a_taken_nopol_refuses_the_whole_registration(store: Store) {
    register(&store, &registration(0, &["B 1 AA"])).await;
    // Another spelling of a registered plate, beside a free one.
    let refused = registration(1, &["B 2 AA", "b 1aa"]);
    let result = store.insert_registration(&refused).await;
    assert!(is_taken(&result, "B1AA"), "{result:?}");
    assert_eq!(
        store
            .customer(&refused.customer.id)
            .await
            .expect("customer"),
        None
    );
    for vehicle in &refused.vehicles {
        assert_eq!(store.vehicle(&vehicle.id).await.expect("vehicle"), None);
    }
    assert_eq!(
        counts(&store).await,
        RegisterCounts {
            customers: 1,
            vehicles: 1
        }
    );
    // Its free plate was not kept either.
    register(&store, &registration(2, &["B 2 AA"])).await;
    // A plate twice within one registration.
    let twice = registration(3, &["B 3 AA", "B3AA"]);
    let result = store.insert_registration(&twice).await;
    assert!(is_taken(&result, "B3AA"), "{result:?}");
    register(&store, &registration(4, &["B 3 AA"])).await;
    assert_eq!(
        counts(&store).await,
        RegisterCounts {
            customers: 3,
            vehicles: 3
        }
    );
}

async fn insert_registrations_settles_each_row_in_order(store: Store) {
    register(&store, &registration(0, &["B 1 AA"])).await;
    let batch = vec![
        registration(1, &["B 2 AA"]),
        registration(2, &["B 1 AA"]),
        registration(3, &["B 3 AA", "B 4 AA"]),
        registration(4, &["B 3 AA"]),
        registration(5, &["B 5 AA"]),
        registration(6, &[]),
    ];
    let outcomes = store
        .insert_registrations(&batch)
        .await
        .expect("bulk insert");
    assert_eq!(outcomes.len(), batch.len());
    assert!(outcomes[0].is_ok(), "{:?}", outcomes[0]);
    assert!(is_taken(&outcomes[1], "B1AA"), "{:?}", outcomes[1]);
    assert!(outcomes[2].is_ok(), "{:?}", outcomes[2]);
    // The earlier row wins a plate repeated within the batch.
    assert!(is_taken(&outcomes[3], "B3AA"), "{:?}", outcomes[3]);
    assert!(outcomes[4].is_ok() && outcomes[5].is_ok(), "{outcomes:?}");
    for (registration, outcome) in batch.iter().zip(&outcomes) {
        let stored = store
            .customer(&registration.customer.id)
            .await
            .expect("customer");
        assert_eq!(stored.is_some(), outcome.is_ok());
    }
    assert_eq!(
        counts(&store).await,
        RegisterCounts {
            customers: 5,
            vehicles: 5
        }
    );
    assert!(
        store
            .insert_registrations(&[])
            .await
            .expect("empty")
            .is_empty()
    );
}

/// 45 customers of two vehicles each: three transactions of DynamoDB's 100 actions, with a
/// taken plate in each (a customer's second plate, a first one, the last customer's).
async fn a_bulk_insert_over_many_transactions_refuses_only_its_taken_rows(store: Store) {
    let taken = [11, 50, 89];
    for &n in &taken {
        register(&store, &registration(-1, &[&plate(n)])).await;
    }
    let batch: Vec<Registration> = (0..45)
        .map(|i| registration(i, &[&plate(2 * i as usize), &plate(2 * i as usize + 1)]))
        .collect();
    let outcomes = store
        .insert_registrations(&batch)
        .await
        .expect("bulk insert");
    assert_eq!(outcomes.len(), batch.len());
    for (i, (registration, outcome)) in batch.iter().zip(&outcomes).enumerate() {
        let refused = taken.iter().find(|&&n| n / 2 == i);
        match refused {
            Some(&n) => {
                let key = bengkel::nopol::key(&plate(n));
                assert!(is_taken(outcome, &key), "row {i}: {outcome:?}");
                // Nothing of a refused customer is left: neither it nor its free plate.
                let free = registration
                    .vehicles
                    .iter()
                    .find(|v| v.nopol_key() != key)
                    .expect("the other vehicle");
                assert!(
                    !store
                        .vehicle_nopol_taken(&free.nopol_key())
                        .await
                        .expect("read")
                );
                assert_eq!(store.vehicle(&free.id).await.expect("read"), None);
            }
            None => assert!(outcome.is_ok(), "row {i}: {outcome:?}"),
        }
        let stored = store
            .customer(&registration.customer.id)
            .await
            .expect("customer");
        assert_eq!(stored.is_some(), outcome.is_ok(), "row {i}");
        if outcome.is_ok() {
            let vehicles = store
                .vehicles_of(&registration.customer.id)
                .await
                .expect("vehicles");
            assert_eq!(vehicles, by_nopol(&registration.vehicles), "row {i}");
        }
    }
    assert_eq!(
        counts(&store).await,
        RegisterCounts {
            customers: 3 + 42,
            vehicles: 3 + 84
        }
    );
}

/// Two imports at once naming the same 40 plates among others: each plate ends up with one
/// vehicle, the refused customers left nothing behind, and the counts add up.
async fn concurrent_bulk_inserts_give_each_nopol_to_one_vehicle(store: Store) {
    let batch = |from: usize| -> Vec<Registration> {
        (from..from + 80)
            .map(|n| registration(n as i64, &[&plate(n)]))
            .collect()
    };
    let (first, second) = (batch(0), batch(40));
    let (a, b) = tokio::join!(
        store.insert_registrations(&first),
        store.insert_registrations(&second)
    );
    let (a, b) = (a.expect("first import"), b.expect("second import"));
    let mut holders: HashMap<String, usize> = HashMap::new();
    for (registrations, outcomes) in [(&first, &a), (&second, &b)] {
        for (registration, outcome) in registrations.iter().zip(outcomes) {
            let key = registration.vehicles[0].nopol_key();
            match outcome {
                Ok(()) => *holders.entry(key).or_default() += 1,
                Err(_) => assert!(is_taken(outcome, &key), "{outcome:?}"),
            }
            let stored = store
                .customer(&registration.customer.id)
                .await
                .expect("customer");
            assert_eq!(stored.is_some(), outcome.is_ok());
        }
    }
    assert_eq!(holders.len(), 120, "every plate is held");
    assert!(holders.values().all(|&n| n == 1), "{holders:?}");
    assert_eq!(
        counts(&store).await,
        RegisterCounts {
            customers: 120,
            vehicles: 120
        }
    );
}

async fn insert_vehicle_moves_the_owner_and_is_stale_once_it_moved(store: Store) {
    let first = registration(0, &["B 1 AA"]);
    register(&store, &first).await;
    let owner = first.customer.clone();
    let added = vehicle(&owner, "B 2 AA", Some(date(2026, 1, 2)));
    store
        .insert_vehicle(&owner, &added)
        .await
        .expect("vehicle added");
    let moved = store
        .customer(&owner.id)
        .await
        .expect("customer")
        .expect("exists");
    assert_eq!(
        moved,
        Customer {
            version: owner.version + 1,
            ..owner.clone()
        }
    );
    assert_eq!(
        store.vehicle(&added.id).await.expect("vehicle"),
        Some(added.clone())
    );

    // The owner as read before: it moved meanwhile.
    let result = store
        .insert_vehicle(&owner, &vehicle(&owner, "B 3 AA", None))
        .await;
    assert!(is_stale(&result), "{result:?}");
    let result = store
        .insert_vehicle(&moved, &vehicle(&owner, "b1 aa", None))
        .await;
    assert!(is_taken(&result, "B1AA"), "{result:?}");
    let gone = customer(9);
    let result = store
        .insert_vehicle(&gone, &vehicle(&gone, "B 4 AA", None))
        .await;
    assert!(is_stale(&result), "{result:?}");

    // The refused ones changed nothing.
    let stored = store.customer(&owner.id).await.expect("customer");
    assert_eq!(stored, Some(moved));
    assert_eq!(
        store.vehicles_of(&owner.id).await.expect("vehicles").len(),
        2
    );
    assert_eq!(
        counts(&store).await,
        RegisterCounts {
            customers: 1,
            vehicles: 2
        }
    );
    register(&store, &registration(1, &["B 3 AA", "B 4 AA"])).await;
}

async fn replace_customer_changes_fields_and_is_stale_once_moved(store: Store) {
    let first = registration(0, &["B 1 AA"]);
    register(&store, &first).await;
    let current = first.customer.clone();
    let next = Customer {
        name: "Budi Santoso".into(),
        no_hp: "6289876543210".into(),
        ..current.revise(at(30))
    };
    store
        .replace_customer(&current, &next)
        .await
        .expect("replaced");
    assert_eq!(
        store.customer(&current.id).await.expect("customer"),
        Some(next.clone())
    );
    let listed = store.customers(10, None).await.expect("customers").items;
    assert_eq!(listed, std::slice::from_ref(&next));

    let result = store
        .replace_customer(&current, &current.revise(at(40)))
        .await;
    assert!(is_stale(&result), "{result:?}");
    let gone = customer(1);
    let result = store.replace_customer(&gone, &gone.revise(at(40))).await;
    assert!(is_stale(&result), "{result:?}");
    assert_eq!(store.customer(&gone.id).await.expect("customer"), None);
    assert_eq!(
        store.customer(&current.id).await.expect("customer"),
        Some(next)
    );
}

async fn replace_vehicle_moving_the_nopol_frees_the_old_one(store: Store) {
    let mine = registration(0, &["B 1 AA"]);
    let other = registration(1, &["B 2 AA"]);
    register(&store, &mine).await;
    register(&store, &other).await;
    let current = mine.vehicles[0].clone();
    let next = Vehicle {
        nopol: "B 9 AA".into(),
        last_visit: Some(date(2026, 1, 2)),
        ..current.revise(at(30))
    };
    store
        .replace_vehicle(&current, &next)
        .await
        .expect("replaced");
    assert_eq!(
        store.vehicle(&current.id).await.expect("vehicle"),
        Some(next.clone())
    );

    // The old plate is free, the new one taken.
    register(&store, &registration(2, &["B 1 AA"])).await;
    let result = store
        .insert_registration(&registration(3, &["B 9 AA"]))
        .await;
    assert!(is_taken(&result, "B9AA"), "{result:?}");

    let result = store
        .replace_vehicle(&current, &current.revise(at(40)))
        .await;
    assert!(is_stale(&result), "{result:?}");
    let onto_taken = Vehicle {
        nopol: "B 2 AA".into(),
        ..next.revise(at(50))
    };
    let result = store.replace_vehicle(&next, &onto_taken).await;
    assert!(is_taken(&result, "B2AA"), "{result:?}");
    assert_eq!(
        store.vehicle(&next.id).await.expect("vehicle"),
        Some(next.clone())
    );

    // A replace keeping the plate keeps it reserved; a cleared visit leaves the window.
    let same_plate = Vehicle {
        model: "Vario".into(),
        last_visit: None,
        ..next.revise(at(60))
    };
    store
        .replace_vehicle(&next, &same_plate)
        .await
        .expect("replaced");
    let result = store
        .insert_registration(&registration(4, &["B 9 AA"]))
        .await;
    assert!(is_taken(&result, "B9AA"), "{result:?}");
    let window = store
        .visited_between(date(2026, 1, 1), date(2026, 1, 31))
        .await
        .expect("visited");
    assert!(window.is_empty(), "{window:?}");
    assert_eq!(
        counts(&store).await,
        RegisterCounts {
            customers: 3,
            vehicles: 3
        }
    );
}

async fn delete_customer_takes_its_vehicles_and_nopols(store: Store) {
    let owner = customer(0);
    let gone = Registration {
        vehicles: vec![
            vehicle(&owner, "B 1 AA", Some(date(2026, 1, 5))),
            vehicle(&owner, "B 2 AA", None),
        ],
        customer: owner,
        visits: Vec::new(),
    };
    let kept = registration(1, &["B 3 AA"]);
    register(&store, &gone).await;
    register(&store, &kept).await;
    let current = store
        .customer(&gone.customer.id)
        .await
        .expect("customer")
        .expect("exists");
    let vehicles = store.vehicles_of(&current.id).await.expect("vehicles");
    store
        .delete_customer(&current, &vehicles)
        .await
        .expect("deleted");

    assert_eq!(store.customer(&current.id).await.expect("customer"), None);
    for vehicle in &vehicles {
        assert_eq!(store.vehicle(&vehicle.id).await.expect("vehicle"), None);
    }
    assert!(
        store
            .vehicles_of(&current.id)
            .await
            .expect("vehicles")
            .is_empty()
    );
    let listed = store.customers(10, None).await.expect("customers").items;
    assert_eq!(listed, std::slice::from_ref(&kept.customer));
    assert_eq!(
        counts(&store).await,
        RegisterCounts {
            customers: 1,
            vehicles: 1
        }
    );
    let window = store
        .visited_between(date(2026, 1, 1), date(2026, 1, 31))
        .await
        .expect("visited");
    assert!(window.is_empty(), "{window:?}");
    register(&store, &registration(2, &["B 1 AA", "B 2 AA"])).await;

    // Deleting it again: it is gone.
    let result = store.delete_customer(&current, &[]).await;
    assert!(is_stale(&result), "{result:?}");
}

async fn delete_customer_is_stale_after_a_vehicle_was_added(store: Store) {
    let first = registration(0, &["B 1 AA"]);
    register(&store, &first).await;
    let read = first.customer.clone();
    let vehicles = store.vehicles_of(&read.id).await.expect("vehicles");
    let added = vehicle(&read, "B 2 AA", None);
    store.insert_vehicle(&read, &added).await.expect("added");

    let result = store.delete_customer(&read, &vehicles).await;
    assert!(is_stale(&result), "{result:?}");
    assert!(store.customer(&read.id).await.expect("customer").is_some());
    assert_eq!(
        store.vehicles_of(&read.id).await.expect("vehicles").len(),
        2
    );
    // A vehicle changed since it was read is stale too.
    let current = store
        .customer(&read.id)
        .await
        .expect("customer")
        .expect("exists");
    let old = vehicles[0].clone();
    store
        .replace_vehicle(&old, &old.revise(at(10)))
        .await
        .expect("replaced");
    let result = store
        .delete_customer(&current, &[old.clone(), added.clone()])
        .await;
    assert!(is_stale(&result), "{result:?}");
    // A vehicle list missing one (as a lagging index could read it) is stale, even at the
    // customer's current version: the vehicle would be left behind, its nopol taken.
    let result = store
        .delete_customer(&current, std::slice::from_ref(&added))
        .await;
    assert!(is_stale(&result), "{result:?}");
    assert_eq!(
        counts(&store).await,
        RegisterCounts {
            customers: 1,
            vehicles: 2
        }
    );
    // Read afresh, it goes.
    let vehicles = store.vehicles_of(&read.id).await.expect("vehicles");
    store
        .delete_customer(&current, &vehicles)
        .await
        .expect("deleted");
    assert_eq!(counts(&store).await, RegisterCounts::default());
}

async fn vehicle_nopol_taken_follows_registrations_moves_and_deletes(store: Store) {
    let taken = |key: &'static str| {
        let store = store.clone();
        async move { store.vehicle_nopol_taken(key).await.expect("lookup") }
    };
    assert!(!taken("B1AA").await, "nothing registered yet");
    let first = registration(0, &["B 1 AA", "B 2 AA"]);
    register(&store, &first).await;
    assert!(taken("B1AA").await && taken("B2AA").await);
    assert!(!taken("B3AA").await);
    let current = first.vehicles[0].clone();
    let mut moved = current.revise(at(10));
    moved.nopol = "B 3 AA".into();
    store
        .replace_vehicle(&current, &moved)
        .await
        .expect("replaced");
    assert!(
        !taken("B1AA").await && taken("B3AA").await,
        "the nopol moved"
    );
    store.delete_vehicle(&moved).await.expect("deleted");
    assert!(!taken("B3AA").await, "a deleted vehicle frees its nopol");
    assert!(!taken("").await, "a key that names nothing");
}

async fn delete_vehicle_frees_the_nopol(store: Store) {
    let first = registration(0, &["B 1 AA", "B 2 AA"]);
    register(&store, &first).await;
    let current = first.vehicles[0].clone();
    let moved = current.revise(at(10));
    store
        .replace_vehicle(&current, &moved)
        .await
        .expect("replaced");
    let result = store.delete_vehicle(&current).await;
    assert!(is_stale(&result), "{result:?}");
    store.delete_vehicle(&moved).await.expect("deleted");
    assert_eq!(store.vehicle(&current.id).await.expect("vehicle"), None);
    let result = store.delete_vehicle(&moved).await;
    assert!(is_stale(&result), "{result:?}");
    assert_eq!(
        store
            .vehicles_of(&first.customer.id)
            .await
            .expect("vehicles"),
        [first.vehicles[1].clone()]
    );
    assert_eq!(
        counts(&store).await,
        RegisterCounts {
            customers: 1,
            vehicles: 1
        }
    );
    register(&store, &registration(1, &["B 1 AA"])).await;
}

/// `visit-index` order (the last visit, then the vehicle id), and its entries moving with a
/// vehicle's changed or cleared visit and its delete.
async fn visited_between_follows_vehicle_changes_by_visit_then_id(store: Store) {
    let day = date(2026, 1, 10);
    let owner = customer(0);
    let vehicles: Vec<Vehicle> = (0..6)
        .map(|n| {
            let visit = day.checked_add_days(chrono::Days::new((n % 3) as u64));
            vehicle(&owner, &plate(n), visit)
        })
        .collect();
    register(
        &store,
        &Registration {
            customer: owner.clone(),
            vehicles: vehicles.clone(),
            visits: Vec::new(),
        },
    )
    .await;
    let to = date(2026, 1, 31);
    let visited = |store: Store| async move {
        let due = store.visited_between(day, to).await.expect("visited");
        due.into_iter().map(|d| d.vehicle).collect::<Vec<_>>()
    };
    let in_order = |vehicles: &[Vehicle]| {
        let mut sorted: Vec<Vehicle> = vehicles
            .iter()
            .filter(|v| v.last_visit.is_some_and(|d| d >= day && d <= to))
            .cloned()
            .collect();
        sorted.sort_by(|a, b| (a.last_visit, &a.id).cmp(&(b.last_visit, &b.id)));
        sorted
    };
    assert_eq!(visited(store.clone()).await, in_order(&vehicles));

    let mut now = vehicles.clone();
    let moved = Vehicle {
        last_visit: Some(date(2026, 1, 20)),
        ..vehicles[0].revise(at(5))
    };
    let cleared = Vehicle {
        last_visit: None,
        ..vehicles[1].revise(at(5))
    };
    store
        .replace_vehicle(&vehicles[0], &moved)
        .await
        .expect("moved");
    store
        .replace_vehicle(&vehicles[1], &cleared)
        .await
        .expect("cleared");
    store.delete_vehicle(&vehicles[2]).await.expect("deleted");
    now[0] = moved;
    now[1] = cleared;
    now.remove(2);
    assert_eq!(visited(store.clone()).await, in_order(&now));
    assert_eq!(
        store.vehicles_of(&owner.id).await.expect("vehicles"),
        by_nopol(&now)
    );
}

async fn visited_between_is_inclusive_and_brings_the_owner(store: Store) {
    let day = date(2026, 1, 10);
    let a = customer(0);
    let b = customer(1);
    let a_vehicles = vec![
        vehicle(&a, "B 1 AA", day.pred_opt()),
        vehicle(&a, "B 2 AA", Some(day)),
        vehicle(&a, "B 3 AA", None),
    ];
    let b_vehicles = vec![
        vehicle(&b, "B 4 AA", day.checked_add_days(chrono::Days::new(5))),
        vehicle(&b, "B 5 AA", day.checked_add_days(chrono::Days::new(6))),
    ];
    register(
        &store,
        &Registration {
            customer: a.clone(),
            vehicles: a_vehicles.clone(),
            visits: Vec::new(),
        },
    )
    .await;
    register(
        &store,
        &Registration {
            customer: b.clone(),
            vehicles: b_vehicles.clone(),
            visits: Vec::new(),
        },
    )
    .await;

    let window = |from: NaiveDate, days: u64| {
        let store = store.clone();
        async move {
            let to = from
                .checked_add_days(chrono::Days::new(days))
                .expect("date");
            let mut due = store.visited_between(from, to).await.expect("visited");
            due.sort_by_key(|d| d.vehicle.nopol_key());
            due
        }
    };
    let due = window(day, 5).await;
    assert_eq!(
        due,
        [
            DueVehicle {
                customer: a.clone(),
                vehicle: a_vehicles[1].clone()
            },
            DueVehicle {
                customer: b.clone(),
                vehicle: b_vehicles[0].clone()
            },
        ]
    );
    let one_day = window(day, 0).await;
    assert_eq!(one_day.len(), 1);
    assert_eq!(one_day[0].vehicle, a_vehicles[1]);
    let reversed = store
        .visited_between(day, day.pred_opt().expect("date"))
        .await
        .expect("visited");
    assert!(reversed.is_empty());
    // The owner as it stands now.
    let renamed = Customer {
        name: "Baru".into(),
        ..b.revise(at(5))
    };
    store.replace_customer(&b, &renamed).await.expect("renamed");
    let due = window(day, 5).await;
    assert_eq!(due[1].customer, renamed);
}

// ---- the report ---------------------------------------------------------------------------

async fn record_delivery_creates_then_counts_and_settles_the_claim(store: Store) {
    let (c, v) = (new_id(), new_id());
    let key = format!("register#{v}#2026-01-10");
    let now = Utc::now();
    let claimed = store
        .claim(&key, now, now + Duration::minutes(5))
        .await
        .expect("claim");
    assert_eq!(claimed, Claim::Won);
    let first = delivery(&c, &v, 0);
    store
        .record_delivery(&first, Some(&key))
        .await
        .expect("recorded");
    let created = row(&store, &c, &v).await;
    assert_eq!(created, ReportRow::after_delivery(None, &first));
    assert_eq!(
        (created.frequency, created.created_at, created.updated_at),
        (1, at(0), at(0))
    );
    let again = store
        .claim(&key, now, now + Duration::minutes(5))
        .await
        .expect("claim");
    assert_eq!(again, Claim::AlreadySent);

    let second = Delivery {
        customer_name: "Nama Baru".into(),
        vehicle_nopol: "B 2 AA".into(),
        ..delivery(&c, &v, 30)
    };
    store
        .record_delivery(&second, None)
        .await
        .expect("recorded");
    let counted = row(&store, &c, &v).await;
    assert_eq!(counted, ReportRow::after_delivery(Some(created), &second));
    assert_eq!(counted.frequency, 2);
    assert_eq!(counted.created_at, at(0));
    assert_eq!(counted.last_message_date, Some(at(30)));
    assert_eq!(counted.updated_at, at(30));
}

async fn concurrent_deliveries_to_one_pair_count_each(store: Store) {
    let (c, v) = (new_id(), new_id());
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            let one = delivery(&c, &v, i);
            // Half of them settle a claim, as the reminder runs do.
            let claim = (i % 2 == 0).then(|| format!("register#{v}#{i}"));
            tokio::spawn(async move { store.record_delivery(&one, claim.as_deref()).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("recorded");
    }
    assert_eq!(row(&store, &c, &v).await.frequency, 20);
    let now = Utc::now();
    let settled = store
        .claim(&format!("register#{v}#0"), now, now + Duration::minutes(5))
        .await
        .expect("claim");
    assert_eq!(settled, Claim::AlreadySent);
}

async fn report_rows_follow_the_scope(store: Store) {
    // A registered customer: its register items share its id, and are no report rows.
    let owner = registration(0, &["B 1 AA", "B 2 AA"]);
    register(&store, &owner).await;
    let c1 = owner.customer.id.clone();
    let (v1, v2) = (owner.vehicles[0].id.clone(), owner.vehicles[1].id.clone());
    let (c2, v3) = (new_id(), new_id());
    deliver(&store, &c1, &v1, 0, 2).await;
    deliver(&store, &c1, &v2, 5, 1).await;
    deliver(&store, &c2, &v3, 10, 3).await;

    let ids =
        |rows: Vec<ReportRow>| -> BTreeSet<String> { rows.into_iter().map(|r| r.id).collect() };
    let all = rows(&store, &Scope::default()).await;
    assert_eq!(all.len(), 3);
    assert_eq!(all.iter().map(|r| r.frequency).sum::<u64>(), 6);
    assert_eq!(
        ids(rows(&store, &of_customer(&c1)).await),
        BTreeSet::from([report_id(&c1, &v1), report_id(&c1, &v2)])
    );
    let pair = Scope {
        id_customer: Some(c1.clone()),
        id_vehicle: Some(v2.clone()),
    };
    assert_eq!(rows(&store, &pair).await, [row(&store, &c1, &v2).await]);
    let no_pair = Scope {
        id_customer: Some(c2.clone()),
        id_vehicle: Some(v1.clone()),
    };
    assert!(rows(&store, &no_pair).await.is_empty());
    assert!(rows(&store, &of_customer(&new_id())).await.is_empty());
    assert!(rows(&store, &of_customer("")).await.is_empty());
    let vehicle_only = Scope {
        id_customer: None,
        id_vehicle: Some(v3.clone()),
    };
    assert_eq!(
        ids(rows(&store, &vehicle_only).await),
        BTreeSet::from([report_id(&c2, &v3)])
    );
    assert_eq!(store.report_row(&new_id()).await.expect("row"), None);
    assert_eq!(store.report_row("").await.expect("row"), None);
}

async fn delete_report_row_tells_whether_there_was_one(store: Store) {
    let (c, v) = (new_id(), new_id());
    deliver(&store, &c, &v, 0, 2).await;
    let id = report_id(&c, &v);
    assert!(store.delete_report_row(&id).await.expect("delete"));
    assert_eq!(store.report_row(&id).await.expect("row"), None);
    assert!(rows(&store, &Scope::default()).await.is_empty());
    assert!(!store.delete_report_row(&id).await.expect("delete"));
    assert!(!store.delete_report_row("").await.expect("delete"));
    // A delivery afterwards starts a new row.
    deliver(&store, &c, &v, 10, 1).await;
    let fresh = row(&store, &c, &v).await;
    assert_eq!((fresh.frequency, fresh.created_at), (1, at(10)));
}

async fn reset_then_restore_gives_back_the_rows(store: Store) {
    let (c1, c2) = (new_id(), new_id());
    let vehicles: Vec<String> = (0..4).map(|_| new_id()).collect();
    for (i, v) in vehicles.iter().enumerate() {
        deliver(&store, &c1, v, 10 * i as i64, i as i64 + 1).await;
    }
    let outside = new_id();
    deliver(&store, &c2, &outside, 0, 2).await;
    let before = rows(&store, &Scope::default()).await;

    let snapshot = snapshot_of(&store, of_customer(&c1), 100).await;
    assert_eq!(snapshot.rows.len(), 4);
    assert_eq!(store.reset(&snapshot).await.expect("reset"), 4);
    for reset in rows(&store, &of_customer(&c1)).await {
        assert_eq!(reset.frequency, 0);
        assert_eq!(reset.updated_at, at(100));
        assert_eq!(reset.resets, BTreeSet::from([snapshot.info.id.clone()]));
    }
    assert_eq!(row(&store, &c2, &outside).await.frequency, 2);
    let kept = store
        .snapshot(&snapshot.info.id)
        .await
        .expect("snapshot")
        .expect("kept");
    assert_eq!(kept.rows, snapshot.rows);
    assert_eq!(kept.info.status, SnapshotStatus::Reset);

    assert_eq!(store.restore(&kept, at(200)).await.expect("restore"), 4);
    assert_eq!(rows(&store, &Scope::default()).await, before);
    let restored = store
        .snapshot(&snapshot.info.id)
        .await
        .expect("snapshot")
        .expect("kept");
    assert_eq!(
        restored.info,
        SnapshotInfo {
            status: SnapshotStatus::Restored,
            restored_at: Some(at(200)),
            ..snapshot.info.clone()
        }
    );
    assert_eq!(restored.rows, snapshot.rows);
    assert_eq!(store.snapshot(&new_id()).await.expect("snapshot"), None);
    assert_eq!(store.snapshot("").await.expect("snapshot"), None);
}

async fn a_delivery_between_reset_and_restore_stays_counted(store: Store) {
    let (c, v, w) = (new_id(), new_id(), new_id());
    deliver(&store, &c, &v, 0, 3).await;
    deliver(&store, &c, &w, 0, 2).await;
    let snapshot = snapshot_of(&store, of_customer(&c), 100).await;
    assert_eq!(store.reset(&snapshot).await.expect("reset"), 2);
    deliver(&store, &c, &v, 150, 1).await;
    // A deleted row is not brought back.
    assert!(
        store
            .delete_report_row(&report_id(&c, &w))
            .await
            .expect("delete")
    );

    assert_eq!(store.restore(&snapshot, at(200)).await.expect("restore"), 1);
    let restored = row(&store, &c, &v).await;
    assert_eq!(restored.frequency, 4);
    assert_eq!(restored.last_message_date, Some(at(150)));
    // Changed after the reset: it keeps the instant of that change.
    assert_eq!(restored.updated_at, at(150));
    assert!(restored.resets.is_empty());
    assert_eq!(
        store.report_row(&report_id(&c, &w)).await.expect("row"),
        None
    );
}

async fn a_repeated_reset_or_restore_changes_nothing_more(store: Store) {
    let (c, v, w) = (new_id(), new_id(), new_id());
    deliver(&store, &c, &v, 0, 3).await;
    deliver(&store, &c, &w, 0, 1).await;
    let snapshot = snapshot_of(&store, of_customer(&c), 100).await;
    // Taken from the same rows before the first reset ran.
    let late = snapshot_of(&store, of_customer(&c), 110).await;

    assert_eq!(store.reset(&snapshot).await.expect("reset"), 2);
    let after_reset = rows(&store, &Scope::default()).await;
    assert_eq!(store.reset(&snapshot).await.expect("reset again"), 0);
    assert_eq!(rows(&store, &Scope::default()).await, after_reset);
    // Its rows fell below what it saw: another reset took them.
    assert_eq!(store.reset(&late).await.expect("late reset"), 0);
    assert_eq!(rows(&store, &Scope::default()).await, after_reset);

    assert_eq!(store.restore(&snapshot, at(200)).await.expect("restore"), 2);
    let after_restore = rows(&store, &Scope::default()).await;
    assert_eq!(after_restore.iter().map(|r| r.frequency).sum::<u64>(), 4);
    assert_eq!(
        store
            .restore(&snapshot, at(210))
            .await
            .expect("restore again"),
        0
    );
    assert_eq!(rows(&store, &Scope::default()).await, after_restore);
    assert_eq!(
        store.restore(&late, at(220)).await.expect("late restore"),
        0
    );
    assert_eq!(rows(&store, &Scope::default()).await, after_restore);
}

async fn snapshots_are_listed_newest_first_with_their_status(store: Store) {
    assert!(store.snapshots().await.expect("snapshots").is_empty());
    let customers: Vec<String> = (0..3).map(|_| new_id()).collect();
    let mut taken = Vec::new();
    for (c, minute) in customers.iter().zip([100, 50, 150]) {
        deliver(&store, c, &new_id(), 0, 2).await;
        let snapshot = snapshot_of(&store, of_customer(c), minute).await;
        store.reset(&snapshot).await.expect("reset");
        taken.push(snapshot);
    }
    store.restore(&taken[0], at(300)).await.expect("restore");

    let listed = store.snapshots().await.expect("snapshots");
    let status = |info: &SnapshotInfo, status, restored_at| SnapshotInfo {
        status,
        restored_at,
        ..info.clone()
    };
    assert_eq!(
        listed,
        [
            status(&taken[2].info, SnapshotStatus::Reset, None),
            status(&taken[0].info, SnapshotStatus::Restored, Some(at(300))),
            status(&taken[1].info, SnapshotStatus::Reset, None),
        ]
    );
}

/// More rows than one part item holds: the snapshot reads back whole and in order.
async fn a_snapshot_of_many_rows_round_trips((store, bulk): (Store, Bulk)) {
    const ROWS: usize = 1_200;
    let c = new_id();
    let deliveries: Vec<Delivery> = (0..ROWS)
        .map(|i| delivery(&c, &new_id(), (i % 60) as i64))
        .collect();
    let mut seeded = seed(&store, &bulk, &deliveries).await;
    seeded.sort_by(|a, b| a.id.cmp(&b.id));

    let snapshot = Snapshot::new(new_id(), at(100), Scope::default(), seeded.clone());
    assert_eq!(store.reset(&snapshot).await.expect("reset"), ROWS);
    let kept = store
        .snapshot(&snapshot.info.id)
        .await
        .expect("snapshot")
        .expect("kept");
    assert_eq!(kept.rows, seeded, "every row, in order");
    assert_eq!(
        kept.info,
        SnapshotInfo {
            status: SnapshotStatus::Reset,
            ..snapshot.info.clone()
        }
    );
    assert_eq!(
        (kept.info.row_count, kept.info.total_frequency),
        (ROWS, ROWS as u64)
    );
    // Restoring is what the smaller tests check; here it would double the time on moto.
}

/// `due-index` (`vehicle` partition): a visit's write moves the vehicle to its new `due_on`
/// together with the visit, and the visit's delete moves it back; a stale vehicle moves nothing.
async fn the_due_index_follows_a_visit_and_its_delete(store: Store) {
    let owner = customer(0);
    let before = Vehicle {
        due_on: Some(date(2026, 5, 1)),
        ..vehicle(&owner, "B 1 AA", Some(date(2026, 1, 1)))
    };
    register(
        &store,
        &Registration {
            customer: owner.clone(),
            vehicles: vec![before.clone()],
            visits: Vec::new(),
        },
    )
    .await;
    let due_in = |store: Store, from, to| async move {
        let due = store.vehicles_due_between(from, to).await.expect("due");
        due.into_iter()
            .map(|d| (d.customer.id, d.vehicle.id, d.vehicle.due_on))
            .collect::<Vec<_>>()
    };
    let may = (date(2026, 5, 1), date(2026, 5, 31));
    let feb = (date(2026, 2, 1), date(2026, 2, 28));
    let shown = |v: &Vehicle| vec![(owner.id.clone(), v.id.clone(), v.due_on)];
    assert_eq!(due_in(store.clone(), may.0, may.1).await, shown(&before));

    let visit = Visit {
        id: new_id(),
        id_vehicle: before.id.clone(),
        id_customer: owner.id.clone(),
        visit_date: date(2026, 1, 5),
        odometer_km: Some(23_450),
        work: Some("Ganti oli".into()),
        notes: None,
        source: VisitSource::Staff,
        created_at: at(5),
    };
    let after = Vehicle {
        due_on: Some(date(2026, 2, 14)),
        odometer_km: Some(23_450),
        ..before.revise(at(5))
    };
    store
        .insert_visit(&before, &after, &visit)
        .await
        .expect("visit");
    assert_eq!(due_in(store.clone(), may.0, may.1).await, []);
    assert_eq!(due_in(store.clone(), feb.0, feb.1).await, shown(&after));
    let visits = store
        .visits_of(&owner.id, &before.id)
        .await
        .expect("visits");
    assert_eq!(visits, std::slice::from_ref(&visit));
    let stale = store.insert_visit(&before, &after, &visit).await;
    assert!(is_stale(&stale), "{stale:?}");

    let back = Vehicle {
        due_on: before.due_on,
        odometer_km: None,
        ..after.revise(at(6))
    };
    store
        .delete_visit(&after, &back, &visit)
        .await
        .expect("deleted");
    assert_eq!(due_in(store.clone(), feb.0, feb.1).await, []);
    assert_eq!(due_in(store.clone(), may.0, may.1).await, shown(&back));
    let left = store
        .visits_of(&owner.id, &before.id)
        .await
        .expect("visits");
    assert!(left.is_empty(), "{left:?}");
    let phone = store
        .customers_with_phone(&owner.no_hp)
        .await
        .expect("by phone");
    assert_eq!(phone, std::slice::from_ref(&owner));
}
