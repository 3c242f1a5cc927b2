//! One set of store tests, run against both adapters: the embedded store (a fresh file each
//! test) and DynamoDB on the server at `DYNAMODB_ENDPOINT_URL` (moto, started by
//! `infra/test.sh`; a fresh table each test). Without that variable the DynamoDB tests fail:
//! a tier that did not run must not look green.

use std::collections::HashSet;
use std::sync::Arc;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use bengkel::manual::{Counts, ManualRecord};
use bengkel::store::dynamo::{DynamoStore, ensure_table};
use bengkel::store::embedded::EmbeddedStore;
use bengkel::store::{ListQuery, ManualStore, StoreError};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};

type Store = Arc<dyn ManualStore>;

/// The store under test, and whatever must live as long as it.
struct Fixture {
    store: Store,
    _dir: Option<tempfile::TempDir>,
}

fn embedded() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = EmbeddedStore::open(&dir.path().join("store.redb")).expect("embedded store opens");
    Fixture {
        store: Arc::new(store),
        _dir: Some(dir),
    }
}

async fn dynamo(test: &str) -> Fixture {
    let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT_URL") else {
        panic!(
            "DynamoDB conformance needs a server: set DYNAMODB_ENDPOINT_URL or run infra/test.sh"
        );
    };
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "ap-southeast-3".into());
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region))
        .credentials_provider(Credentials::new("test", "test", None, None, "conformance"))
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let table = format!(
        "conformance-{}-{}",
        test.replace('_', "-"),
        uuid::Uuid::new_v4().simple()
    );
    ensure_table(&client, &table)
        .await
        .expect("table created (is the server at DYNAMODB_ENDPOINT_URL up?)");
    Fixture {
        store: Arc::new(DynamoStore::new(client, table)),
        _dir: None,
    }
}

/// Generates, for every test body, one test per adapter: `embedded::name` and `dynamodb::name`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let fixture = super::embedded();
                    super::$name(fixture.store.clone()).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let fixture = super::dynamo(stringify!($name)).await;
                    super::$name(fixture.store.clone()).await;
                }
            )*
        }
    };
}

conformance!(
    insert_get_and_find_by_nopol,
    second_insert_of_a_nopol_is_refused,
    list_is_newest_first_in_pages,
    active_only_pages_skip_inactive_records,
    replace_changes_fields,
    replace_moves_the_nopol,
    replace_onto_a_taken_nopol_is_refused,
    replace_of_a_moved_version_is_stale,
    delete_frees_the_nopol,
    delete_of_a_moved_version_is_stale,
    counts_follow_every_write,
    count_upcoming_counts_active_records_in_range,
    count_reminded_since_is_inclusive,
    most_reminded_is_most_first,
    insert_many_settles_each_row,
    insert_many_of_many_chunks_keeps_row_order,
    concurrent_inserts_of_one_nopol_let_one_win,
);

// ---- helpers ----------------------------------------------------------------------------

fn jakarta() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("valid offset")
}

/// 2026-01-03 10:30:00 +07:00, plus `minutes`.
fn at(minutes: i64) -> DateTime<FixedOffset> {
    let base = jakarta()
        .with_ymd_and_hms(2026, 1, 3, 10, 30, 0)
        .single()
        .expect("valid instant");
    base + Duration::minutes(minutes)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// An active record with plate `nopol`, created `minute` minutes after the base instant.
fn record(nopol: &str, minute: i64) -> ManualRecord {
    ManualRecord {
        id: uuid::Uuid::new_v4().to_string(),
        customer_name: format!("Pelanggan {nopol}"),
        nopol: nopol.to_string(),
        no_hp: "6281234567890".into(),
        last_service: None,
        next_service: None,
        is_active: 1,
        reminder_sent_count: 0,
        last_reminder_sent: None,
        notes: None,
        created_at: at(minute),
        updated_at: at(minute),
        version: 1,
    }
}

/// A distinct plate per `n`: `B 1 AA`, `B 2 AA`, ...
fn plate(n: usize) -> String {
    format!("B {} AA", n + 1)
}

/// The next version of `current`, as the service would write it.
fn next_of(current: &ManualRecord) -> ManualRecord {
    let mut next = current.clone();
    next.version += 1;
    next.updated_at = current.updated_at + Duration::minutes(5);
    next
}

fn is_taken(result: &Result<(), StoreError>, key: &str) -> bool {
    matches!(result, Err(StoreError::NopolTaken(taken)) if taken == key)
}

async fn insert_all(store: &Store, records: &[ManualRecord]) {
    for record in records {
        store.insert(record).await.expect("insert");
    }
}

/// Every page of the list, asserting each page's shape on the way.
async fn all_pages(store: &Store, active_only: bool, limit: usize) -> Vec<Vec<ManualRecord>> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let query = ListQuery {
            active_only,
            limit,
            after: after.clone(),
        };
        let page = store.list(&query).await.expect("list");
        assert!(page.items.len() <= limit, "page longer than its limit");
        let last_key = page.items.last().map(ManualRecord::list_key);
        match page.next_after {
            Some(next) => {
                assert_eq!(
                    page.items.len(),
                    limit,
                    "a page followed by more must be full"
                );
                assert_eq!(
                    Some(next.clone()),
                    last_key,
                    "next_after is the last item's list_key"
                );
                after = Some(next);
                pages.push(page.items);
            }
            None => {
                pages.push(page.items);
                return pages;
            }
        }
        assert!(pages.len() < 1000, "pagination does not end");
    }
}

fn newest_first(records: &[ManualRecord]) -> Vec<String> {
    let mut sorted: Vec<&ManualRecord> = records.iter().collect();
    sorted.sort_by_key(|r| std::cmp::Reverse(r.list_key()));
    sorted.into_iter().map(|r| r.id.clone()).collect()
}

fn ids(pages: &[Vec<ManualRecord>]) -> Vec<String> {
    pages.iter().flatten().map(|r| r.id.clone()).collect()
}

// ---- test bodies ------------------------------------------------------------------------

async fn insert_get_and_find_by_nopol(store: Store) {
    let mut full = record("B 1234 XYZ", 0);
    full.last_service = Some(date(2025, 12, 1));
    full.next_service = Some(date(2026, 3, 1));
    full.reminder_sent_count = 2;
    full.last_reminder_sent = Some(at(5));
    full.notes = Some("Ganti oli, catatan \"penting\"".into());
    full.updated_at = at(7) + Duration::milliseconds(250);
    let bare = record("D 1", 1);
    insert_all(&store, &[full.clone(), bare.clone()]).await;

    assert_eq!(store.get(&full.id).await.expect("get"), Some(full.clone()));
    assert_eq!(store.get(&bare.id).await.expect("get"), Some(bare.clone()));
    assert_eq!(
        store.find_by_nopol("B1234XYZ").await.expect("find"),
        Some(full.clone())
    );
    assert_eq!(store.find_by_nopol("D1").await.expect("find"), Some(bare));
    let huge = "x".repeat(5000);
    for key in ["B1234XY", "", huge.as_str()] {
        assert_eq!(
            store.find_by_nopol(key).await.expect("find"),
            None,
            "{key:.20}"
        );
    }
    assert_eq!(
        store
            .get(&uuid::Uuid::new_v4().to_string())
            .await
            .expect("get"),
        None
    );
    // Whatever an adapter keeps beside the records never reads back as one.
    for id in [
        "meta#counts",
        "nopol#B1234XYZ",
        "B1234XYZ",
        "",
        huge.as_str(),
    ] {
        assert_eq!(store.get(id).await.expect("get"), None, "{id}");
    }
}

async fn second_insert_of_a_nopol_is_refused(store: Store) {
    let first = record("B 1234 XYZ", 0);
    store.insert(&first).await.expect("first insert");
    // Another spelling of the same plate is the same vehicle.
    let second = record("b  1234xyz", 1);
    assert!(is_taken(&store.insert(&second).await, "B1234XYZ"));
    assert_eq!(store.get(&second.id).await.expect("get"), None);
    assert_eq!(
        store.find_by_nopol("B1234XYZ").await.expect("find"),
        Some(first)
    );
    assert_eq!(store.counts().await.expect("counts").total, 1);
}

async fn list_is_newest_first_in_pages(store: Store) {
    // Inserted out of order; two share a creation second, ordered then by id.
    let mut records: Vec<_> = (0..23)
        .map(|i| record(&plate(i), (i as i64 * 7) % 23))
        .collect();
    records.push(record(&plate(23), 3));
    insert_all(&store, &records).await;
    let expected = newest_first(&records);
    for limit in [1, 4, 6, 24, 50] {
        let pages = all_pages(&store, false, limit).await;
        assert_eq!(ids(&pages), expected, "limit {limit}");
        assert_eq!(
            pages.len(),
            expected.len().div_ceil(limit),
            "limit {limit}: no empty last page"
        );
    }
    let first = store
        .list(&ListQuery {
            active_only: false,
            limit: 3,
            after: None,
        })
        .await
        .expect("list");
    assert_eq!(first.items.len(), 3);
    assert!(
        first
            .items
            .windows(2)
            .all(|w| w[0].list_key() > w[1].list_key())
    );
}

async fn active_only_pages_skip_inactive_records(store: Store) {
    // 130 records, only 5 of them active, with long inactive runs between them, so that
    // an adapter reading ahead must drop whole batches to fill a page.
    let active = [0, 1, 60, 61, 129];
    let records: Vec<ManualRecord> = (0..130)
        .map(|i| {
            let mut r = record(&plate(i), i as i64);
            r.is_active = u8::from(active.contains(&i));
            r
        })
        .collect();
    let outcomes = store.insert_many(&records).await.expect("insert_many");
    assert!(outcomes.iter().all(Result::is_ok));
    let expected: Vec<String> = active
        .iter()
        .rev()
        .map(|&i| records[i].id.clone())
        .collect();
    for limit in [1, 2, 3, 5, 10] {
        let pages = all_pages(&store, true, limit).await;
        assert_eq!(ids(&pages), expected, "limit {limit}");
        assert_eq!(pages.len(), expected.len().div_ceil(limit), "limit {limit}");
    }
    let all = all_pages(&store, false, 40).await;
    assert_eq!(ids(&all), newest_first(&records));
}

async fn replace_changes_fields(store: Store) {
    let current = record("B 1 A", 0);
    store.insert(&current).await.expect("insert");
    let mut next = next_of(&current);
    next.customer_name = "Budi Santoso".into();
    next.notes = Some("servis besar".into());
    next.next_service = Some(date(2026, 2, 1));
    store.replace(&current, &next).await.expect("replace");
    assert_eq!(
        store.get(&current.id).await.expect("get"),
        Some(next.clone())
    );
    assert_eq!(
        store.find_by_nopol("B1A").await.expect("find"),
        Some(next.clone())
    );
    // Clearing optional fields clears them.
    let mut cleared = next_of(&next);
    cleared.notes = None;
    cleared.next_service = None;
    store.replace(&next, &cleared).await.expect("replace");
    assert_eq!(store.get(&current.id).await.expect("get"), Some(cleared));
}

async fn replace_moves_the_nopol(store: Store) {
    let current = record("B 1 A", 0);
    store.insert(&current).await.expect("insert");
    let mut next = next_of(&current);
    next.nopol = "D 2 B".into();
    store.replace(&current, &next).await.expect("replace");
    assert_eq!(store.find_by_nopol("B1A").await.expect("find"), None);
    assert_eq!(store.find_by_nopol("D2B").await.expect("find"), Some(next));
    assert!(
        store.insert(&record("B 1 A", 1)).await.is_ok(),
        "the old nopol is free"
    );
    assert!(
        is_taken(&store.insert(&record("D 2 B", 2)).await, "D2B"),
        "the new one is taken"
    );
    assert_eq!(store.counts().await.expect("counts").total, 2);
}

async fn replace_onto_a_taken_nopol_is_refused(store: Store) {
    let (one, two) = (record("B 1 A", 0), record("B 2 A", 1));
    insert_all(&store, &[one.clone(), two.clone()]).await;
    let mut next = next_of(&two);
    next.nopol = "b 1 a".into();
    assert!(is_taken(&store.replace(&two, &next).await, "B1A"));
    assert_eq!(
        store.get(&two.id).await.expect("get"),
        Some(two.clone()),
        "record unchanged"
    );
    assert_eq!(store.find_by_nopol("B2A").await.expect("find"), Some(two));
    assert_eq!(store.find_by_nopol("B1A").await.expect("find"), Some(one));
}

async fn replace_of_a_moved_version_is_stale(store: Store) {
    let current = record("B 1 A", 0);
    store.insert(&current).await.expect("insert");
    let mut first = next_of(&current);
    first.customer_name = "Pertama".into();
    store.replace(&current, &first).await.expect("replace");
    let mut late = next_of(&current);
    late.customer_name = "Terlambat".into();
    late.nopol = "D 9 Z".into();
    assert!(matches!(
        store.replace(&current, &late).await,
        Err(StoreError::Stale)
    ));
    assert_eq!(
        store.get(&current.id).await.expect("get"),
        Some(first.clone())
    );
    assert_eq!(
        store.find_by_nopol("D9Z").await.expect("find"),
        None,
        "no nopol taken"
    );
    store.delete(&first).await.expect("delete");
    let gone = next_of(&first);
    assert!(
        matches!(store.replace(&first, &gone).await, Err(StoreError::Stale)),
        "vanished"
    );
    assert_eq!(store.get(&current.id).await.expect("get"), None);
}

async fn delete_frees_the_nopol(store: Store) {
    let (keep, doomed) = (record("B 1 A", 0), record("B 2 A", 1));
    insert_all(&store, &[keep.clone(), doomed.clone()]).await;
    store.delete(&doomed).await.expect("delete");
    assert_eq!(store.get(&doomed.id).await.expect("get"), None);
    assert_eq!(store.find_by_nopol("B2A").await.expect("find"), None);
    assert_eq!(
        ids(&all_pages(&store, false, 10).await),
        vec![keep.id.clone()]
    );
    let again = record("B 2 A", 2);
    store.insert(&again).await.expect("the nopol is free again");
    assert_eq!(store.find_by_nopol("B2A").await.expect("find"), Some(again));
}

async fn delete_of_a_moved_version_is_stale(store: Store) {
    let current = record("B 1 A", 0);
    store.insert(&current).await.expect("insert");
    let next = next_of(&current);
    store.replace(&current, &next).await.expect("replace");
    assert!(matches!(
        store.delete(&current).await,
        Err(StoreError::Stale)
    ));
    assert_eq!(
        store.get(&current.id).await.expect("get"),
        Some(next.clone())
    );
    assert_eq!(
        store.find_by_nopol("B1A").await.expect("find"),
        Some(next.clone())
    );
    store.delete(&next).await.expect("delete");
    assert!(
        matches!(store.delete(&next).await, Err(StoreError::Stale)),
        "already gone"
    );
    assert_eq!(store.counts().await.expect("counts"), Counts::default());
}

async fn counts_follow_every_write(store: Store) {
    let counts = |total, active, reminders_sent| Counts {
        total,
        active,
        reminders_sent,
    };
    assert_eq!(
        store.counts().await.expect("counts"),
        Counts::default(),
        "empty store"
    );
    let mut a = record("B 1 A", 0);
    a.reminder_sent_count = 2;
    let mut b = record("B 2 A", 1);
    b.is_active = 0;
    insert_all(&store, &[a.clone(), b.clone()]).await;
    assert_eq!(store.counts().await.expect("counts"), counts(2, 1, 2));

    let c = record("B 3 A", 2);
    let mut d = record("B 4 A", 3);
    d.reminder_sent_count = 1;
    let outcomes = store
        .insert_many(&[c, d.clone(), record("B 1 A", 4)])
        .await
        .expect("insert_many");
    assert!(outcomes[0].is_ok() && outcomes[1].is_ok() && is_taken(&outcomes[2], "B1A"));
    assert_eq!(store.counts().await.expect("counts"), counts(4, 3, 3));

    let mut a2 = next_of(&a);
    a2.is_active = 0;
    a2.reminder_sent_count = 3;
    store.replace(&a, &a2).await.expect("replace a");
    assert_eq!(store.counts().await.expect("counts"), counts(4, 2, 4));
    let mut b2 = next_of(&b);
    b2.is_active = 1;
    store.replace(&b, &b2).await.expect("replace b");
    let current = store.counts().await.expect("counts");
    assert_eq!(current, counts(4, 3, 4));
    assert_eq!(current.inactive(), 1);

    // Refused writes leave the counts alone.
    assert!(store.insert(&record("B 3 A", 9)).await.is_err());
    assert!(store.replace(&a, &next_of(&a)).await.is_err());
    assert!(store.delete(&b).await.is_err());
    assert_eq!(store.counts().await.expect("counts"), counts(4, 3, 4));

    store.delete(&d).await.expect("delete d");
    store.delete(&a2).await.expect("delete a");
    assert_eq!(store.counts().await.expect("counts"), counts(2, 2, 0));
}

async fn count_upcoming_counts_active_records_in_range(store: Store) {
    let with = |n: usize, next: Option<NaiveDate>, active: bool| {
        let mut r = record(&plate(n), n as i64);
        r.next_service = next;
        r.is_active = u8::from(active);
        r
    };
    let (from, to) = (date(2026, 1, 10), date(2026, 1, 17));
    let dormant = with(4, Some(date(2026, 1, 12)), false);
    let on_first = with(0, Some(from), true);
    let records = [
        on_first.clone(),
        with(1, Some(to), true),
        with(2, Some(date(2026, 1, 18)), true),
        with(3, Some(date(2026, 1, 9)), true),
        dormant.clone(),
        with(5, None, true),
        with(6, Some(date(2026, 1, 13)), true),
    ];
    insert_all(&store, &records).await;
    assert_eq!(store.count_upcoming(from, to).await.expect("count"), 3);
    assert_eq!(store.count_upcoming(to, to).await.expect("count"), 1);
    assert_eq!(
        store.count_upcoming(to, from).await.expect("count"),
        0,
        "empty range"
    );

    let mut woken = next_of(&dormant);
    woken.is_active = 1;
    store.replace(&dormant, &woken).await.expect("replace");
    assert_eq!(store.count_upcoming(from, to).await.expect("count"), 4);
    let mut unscheduled = next_of(&on_first);
    unscheduled.next_service = None;
    store
        .replace(&on_first, &unscheduled)
        .await
        .expect("replace");
    assert_eq!(store.count_upcoming(from, to).await.expect("count"), 3);
    store.delete(&woken).await.expect("delete");
    assert_eq!(store.count_upcoming(from, to).await.expect("count"), 2);
}

async fn count_reminded_since_is_inclusive(store: Store) {
    let since: DateTime<Utc> = at(60).with_timezone(&Utc);
    let reminded = |n: usize, when: Option<DateTime<FixedOffset>>| {
        let mut r = record(&plate(n), n as i64);
        r.last_reminder_sent = when;
        r.reminder_sent_count = u32::from(when.is_some());
        r
    };
    let records = [
        reminded(0, Some(at(59))),
        reminded(1, Some(at(60))),
        reminded(2, Some(at(120))),
        reminded(3, None),
        // Another offset, same instant rules.
        reminded(
            4,
            Some(at(24 * 60).with_timezone(&FixedOffset::east_opt(0).expect("utc"))),
        ),
        reminded(5, Some(at(60) + Duration::milliseconds(500))),
    ];
    insert_all(&store, &records).await;
    assert_eq!(store.count_reminded_since(since).await.expect("count"), 4);
    let later = since + Duration::milliseconds(250);
    assert_eq!(
        store.count_reminded_since(later).await.expect("count"),
        3,
        "sub-second"
    );
    let future = since + Duration::days(30);
    assert_eq!(store.count_reminded_since(future).await.expect("count"), 0);
}

async fn most_reminded_is_most_first(store: Store) {
    let counts = [0u32, 5, 2, 9, 1, 0];
    let records: Vec<ManualRecord> = counts
        .iter()
        .enumerate()
        .map(|(n, &count)| {
            let mut r = record(&plate(n), n as i64);
            r.reminder_sent_count = count;
            r
        })
        .collect();
    insert_all(&store, &records).await;
    let top = store.most_reminded(3).await.expect("most_reminded");
    let top_counts: Vec<u32> = top.iter().map(|r| r.reminder_sent_count).collect();
    assert_eq!(top_counts, [9, 5, 2]);
    assert_eq!(top[0], records[3], "whole records come back");
    let all = store.most_reminded(50).await.expect("most_reminded");
    assert_eq!(all.len(), records.len());
    assert!(
        all.windows(2)
            .all(|w| w[0].reminder_sent_count >= w[1].reminder_sent_count)
    );
    assert!(
        store
            .most_reminded(0)
            .await
            .expect("most_reminded")
            .is_empty()
    );
}

async fn insert_many_settles_each_row(store: Store) {
    assert!(
        store
            .insert_many(&[])
            .await
            .expect("empty batch")
            .is_empty()
    );
    let existing = record("B 7 X", 0);
    store.insert(&existing).await.expect("insert");
    let batch = [
        record("B 1 A", 1),
        record("B 7 X", 2), // registered already
        record("D 5 C", 3),
        record("d5c", 4), // repeats row 2 inside the batch
        record("E 8 F", 5),
    ];
    let outcomes = store.insert_many(&batch).await.expect("insert_many");
    assert_eq!(outcomes.len(), batch.len());
    assert!(outcomes[0].is_ok());
    assert!(is_taken(&outcomes[1], "B7X"));
    assert!(outcomes[2].is_ok());
    assert!(is_taken(&outcomes[3], "D5C"));
    assert!(outcomes[4].is_ok());
    assert_eq!(
        store.find_by_nopol("D5C").await.expect("find"),
        Some(batch[2].clone()),
        "first wins"
    );
    assert_eq!(
        store.find_by_nopol("B7X").await.expect("find"),
        Some(existing)
    );
    assert_eq!(store.get(&batch[3].id).await.expect("get"), None);
    assert_eq!(store.counts().await.expect("counts").total, 4);
}

async fn insert_many_of_many_chunks_keeps_row_order(store: Store) {
    let rows = 120;
    let batch: Vec<ManualRecord> = (0..rows).map(|i| record(&plate(i), i as i64)).collect();
    // Registered before the batch: rows 5, 70 and 119 collide with them.
    let taken = [5, 70, 119];
    for (n, &row) in taken.iter().enumerate() {
        store
            .insert(&record(&batch[row].nopol, 1000 + n as i64))
            .await
            .expect("insert");
    }
    // Rows 30 and 100 repeat rows 10 and 99.
    let mut batch = batch;
    batch[30].nopol = batch[10].nopol.to_lowercase();
    batch[100].nopol = batch[99].nopol.clone();
    let refused: HashSet<usize> = [5, 30, 70, 100, 119].into();

    let outcomes = store.insert_many(&batch).await.expect("insert_many");
    assert_eq!(outcomes.len(), rows);
    for (row, outcome) in outcomes.iter().enumerate() {
        if refused.contains(&row) {
            assert!(
                is_taken(outcome, &batch[row].nopol_key()),
                "row {row}: {outcome:?}"
            );
        } else {
            assert!(outcome.is_ok(), "row {row}: {outcome:?}");
        }
    }
    for (row, record) in batch.iter().enumerate() {
        let stored = store.get(&record.id).await.expect("get");
        assert_eq!(stored.is_some(), !refused.contains(&row), "row {row}");
    }
    let owner = store
        .find_by_nopol(&batch[10].nopol_key())
        .await
        .expect("find");
    assert_eq!(
        owner.map(|r| r.id),
        Some(batch[10].id.clone()),
        "the first occurrence wins"
    );
    let expected_total = (taken.len() + rows - refused.len()) as u64;
    assert_eq!(store.counts().await.expect("counts").total, expected_total);
    let listed = ids(&all_pages(&store, false, 1000).await);
    assert_eq!(listed.len() as u64, expected_total);
}

async fn concurrent_inserts_of_one_nopol_let_one_win(store: Store) {
    store.insert(&record("Z 1", 0)).await.expect("insert");
    let before = store.counts().await.expect("counts").total;
    let contenders: Vec<ManualRecord> = (0..20).map(|i| record("B 4321 RAC", i)).collect();
    let tasks: Vec<_> = contenders
        .iter()
        .cloned()
        .map(|r| {
            let store = store.clone();
            tokio::spawn(async move { store.insert(&r).await })
        })
        .collect();
    let mut winners = Vec::new();
    for (task, contender) in tasks.into_iter().zip(&contenders) {
        match task.await.expect("task") {
            Ok(()) => winners.push(contender.id.clone()),
            Err(StoreError::NopolTaken(key)) => assert_eq!(key, "B4321RAC"),
            Err(other) => panic!("unexpected outcome {other:?}"),
        }
    }
    // Threaded moto_server does not isolate transactions (two can both pass their condition
    // checks); infra/test.sh runs it one request at a time.
    assert_eq!(winners.len(), 1, "exactly one insert wins: {winners:?}");
    let owner = store.find_by_nopol("B4321RAC").await.expect("find");
    assert_eq!(owner.map(|r| r.id), winners.first().cloned());
    assert_eq!(store.counts().await.expect("counts").total, before + 1);
}
