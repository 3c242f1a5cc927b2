//! One set of store tests, run against both adapters: the embedded store (a fresh file each
//! test) and DynamoDB on the server at `DYNAMODB_ENDPOINT_URL` (moto, started by
//! `infra/test.sh`; a fresh table each test). Without that variable the DynamoDB tests fail:
//! a tier that did not run must not look green.

use crate::common;

use std::collections::HashSet;
use std::sync::Arc;

use bengkel::manual::store::{ListQuery, ManualStore};
use bengkel::manual::{Counts, ManualRecord};
use bengkel::messages::store::{MessageQuery, MessageStore};
use bengkel::messages::{MessageEntry, Source, Status};
use bengkel::reminder::store::{Claim, ReminderStore};
use bengkel::store::dynamo::DynamoStore;
use bengkel::store::embedded::EmbeddedStore;
use bengkel::store_error::StoreError;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde_json::json;

type Store = Arc<dyn ManualStore>;
type Log = Arc<dyn MessageStore>;
type Reminders = Arc<dyn ReminderStore>;

/// The stores under test (one adapter), and whatever must live as long as them.
struct Fixture {
    store: Store,
    log: Log,
    reminders: Reminders,
    _dir: Option<tempfile::TempDir>,
}

/// What a test body takes from its fixture: the records, the message log, the reminder side,
/// or records and one of the others.
trait Given {
    fn given(fixture: &Fixture) -> Self;
}

impl Given for Store {
    fn given(fixture: &Fixture) -> Self {
        fixture.store.clone()
    }
}

impl Given for Log {
    fn given(fixture: &Fixture) -> Self {
        fixture.log.clone()
    }
}

impl Given for (Store, Log) {
    fn given(fixture: &Fixture) -> Self {
        (fixture.store.clone(), fixture.log.clone())
    }
}

impl Given for Reminders {
    fn given(fixture: &Fixture) -> Self {
        fixture.reminders.clone()
    }
}

impl Given for (Store, Reminders) {
    fn given(fixture: &Fixture) -> Self {
        (fixture.store.clone(), fixture.reminders.clone())
    }
}

fn embedded() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = EmbeddedStore::open(&dir.path().join("store.redb")).expect("embedded store opens");
    let store = Arc::new(store);
    Fixture {
        store: store.clone(),
        log: store.clone(),
        reminders: store,
        _dir: Some(dir),
    }
}

async fn dynamo(test: &str) -> Fixture {
    let (client, table) = common::dynamo_table(&format!("conformance-{test}")).await;
    let store = Arc::new(DynamoStore::new(client, table));
    Fixture {
        store: store.clone(),
        log: store.clone(),
        reminders: store,
        _dir: None,
    }
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
    most_reminded_ties_come_by_id_from_the_highest,
    count_reminded_since_spans_days_and_follows_every_reminder,
    insert_many_settles_each_row,
    insert_many_of_many_chunks_keeps_row_order,
    concurrent_inserts_of_one_nopol_let_one_win,
    appended_message_lists_exactly,
    message_log_is_newest_first,
    message_pages_cover_every_entry_once,
    message_filters_page_over_dropped_entries,
    empty_message_log_lists_nothing,
    message_log_stays_apart_from_records,
    due_between_is_soonest_first_within_inclusive_bounds,
    due_between_reads_every_page,
    claims_are_won_once_and_a_lapsed_one_is_unknown,
    an_unknown_claim_stays_until_released,
    a_message_is_settled_only_from_its_expected_status,
    record_sent_settles_the_claim_for_good,
    record_sent_counts_the_reminder,
    record_sent_on_a_deleted_record_settles_only_the_claim,
    concurrent_claims_of_one_key_let_one_win,
    concurrent_record_sent_counts_every_one,
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

/// DynamoDB's `reminders-index` read backwards orders equal counts by the item key, highest
/// first; the embedded index keeps the same order, so both dashboards show the same five.
async fn most_reminded_ties_come_by_id_from_the_highest(store: Store) {
    let records: Vec<ManualRecord> = (0..8)
        .map(|n| {
            let mut r = record(&plate(n), n as i64);
            r.reminder_sent_count = if n < 6 { 4 } else { 9 };
            r
        })
        .collect();
    insert_all(&store, &records).await;
    let mut expected = records.clone();
    expected.sort_by(|a, b| (b.reminder_sent_count, &b.id).cmp(&(a.reminder_sent_count, &a.id)));
    let ids = |records: &[ManualRecord]| -> Vec<String> {
        records.iter().map(|r| r.id.clone()).collect()
    };
    let top = store.most_reminded(5).await.expect("most_reminded");
    assert_eq!(ids(&top), ids(&expected[..5]));
}

/// Reminders over several days, counted from an instant in the middle of one of them; a new
/// reminder moves a record from one day to another.
async fn count_reminded_since_spans_days_and_follows_every_reminder(
    (store, reminders): (Store, Reminders),
) {
    let hours = [-30i64, -2, 0, 1, 5, 23, 26, 49, 24 * 40];
    let records: Vec<ManualRecord> = hours
        .iter()
        .enumerate()
        .map(|(n, h)| {
            let mut r = record(&plate(n), n as i64);
            r.last_reminder_sent = Some(at(60 * h));
            r.reminder_sent_count = 1;
            r
        })
        .collect();
    insert_all(&store, &records).await;
    let count = |since: DateTime<Utc>| {
        let store = store.clone();
        async move { store.count_reminded_since(since).await.expect("count") }
    };
    for (since_hours, expected) in [(-31, 9), (0, 7), (3, 5), (24, 3), (25 * 40, 0)] {
        let since = at(60 * since_hours).with_timezone(&Utc);
        assert_eq!(count(since).await, expected, "since {since_hours} h");
    }
    // The record reminded 30 hours before is reminded again, 50 hours after.
    reminders
        .record_sent(&records[0].id, at(60 * 50), None)
        .await
        .expect("sent");
    assert_eq!(count(at(0).with_timezone(&Utc)).await, 8);
    assert_eq!(count(at(60 * 49).with_timezone(&Utc)).await, 3);
    store
        .delete(
            &store
                .get(&records[8].id)
                .await
                .expect("get")
                .expect("exists"),
        )
        .await
        .expect("delete");
    assert_eq!(count(at(60 * 49).with_timezone(&Utc)).await, 2);
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

// ---- message log --------------------------------------------------------------------------

/// 2026-01-03 10:30:00.000 +07:00, plus `millis`.
fn at_ms(millis: i64) -> DateTime<FixedOffset> {
    at(0) + Duration::milliseconds(millis)
}

/// A sent custom message without record, response or error, created at `at_ms(millis)`.
fn message(millis: i64) -> MessageEntry {
    MessageEntry {
        id: uuid::Uuid::new_v4().to_string(),
        no_hp: "6281234567890".into(),
        message: format!("Pesan {millis}"),
        source: Source::Custom,
        status: Status::Sent,
        record_id: None,
        api_response: None,
        error: None,
        sent_by: Some("kasir".into()),
        created_at: at_ms(millis),
        claim: None,
        resolution: None,
        provider_message_id: None,
        delivery_status: None,
        delivery: Default::default(),
        delivery_error: None,
        scheduled_for: None,
    }
}

async fn append_all(log: &Log, entries: &[MessageEntry]) {
    for entry in entries {
        log.append(entry).await.expect("append");
    }
}

fn log_query(status: Option<Status>, source: Option<Source>, limit: usize) -> MessageQuery {
    MessageQuery {
        status,
        source,
        limit,
        after: None,
    }
}

/// Every page of the log for `query` (its `after` ignored), asserting each page's shape.
async fn all_log_pages(log: &Log, query: &MessageQuery) -> Vec<Vec<MessageEntry>> {
    let mut pages = Vec::new();
    let mut query = MessageQuery {
        after: None,
        ..query.clone()
    };
    loop {
        let page = log.list(&query).await.expect("list messages");
        assert!(
            page.items.len() <= query.limit,
            "page longer than its limit"
        );
        let last_key = page.items.last().map(MessageEntry::log_key);
        let Some(next) = page.next_after else {
            pages.push(page.items);
            return pages;
        };
        assert_eq!(
            page.items.len(),
            query.limit,
            "a page followed by more must be full"
        );
        assert_eq!(
            Some(next.clone()),
            last_key,
            "next_after is the last item's log_key"
        );
        query.after = Some(next);
        pages.push(page.items);
        assert!(pages.len() < 1000, "pagination does not end");
    }
}

/// Ids of `entries` that pass `keep`, newest first.
fn log_order(entries: &[MessageEntry], keep: impl Fn(&MessageEntry) -> bool) -> Vec<String> {
    let mut kept: Vec<&MessageEntry> = entries.iter().filter(|e| keep(e)).collect();
    kept.sort_by_key(|e| std::cmp::Reverse(e.log_key()));
    kept.into_iter().map(|e| e.id.clone()).collect()
}

fn entry_ids(pages: &[Vec<MessageEntry>]) -> Vec<String> {
    pages.iter().flatten().map(|e| e.id.clone()).collect()
}

async fn appended_message_lists_exactly(log: Log) {
    let mut full = message(1_250);
    full.no_hp = "6289876543210".into();
    full.message = "Halo Budi,\nservis \"berkala\" B 1234 XYZ: 15 Januari 2026 ✓".into();
    full.source = Source::Scheduled;
    full.status = Status::Failed;
    full.record_id = Some(uuid::Uuid::new_v4().to_string());
    full.api_response = Some(json!({
        "success": false,
        "message": "Device tidak terhubung",
        "data": {
            "to": "6289876543210",
            "ids": [1, -2, 18_446_744_073_709_551_615_u64, -9_223_372_036_854_775_808_i64],
            "ratio": 0.1,
            "big": 1.5e300,
            "nested": {"empty": {}, "list": [], "nothing": null, "yes": true, "text": "é\"\\"},
        },
    }));
    full.error = Some("Gateway menjawab success=false: Device tidak terhubung".into());
    // A response of another JSON shape than an object.
    let mut listed = message(2_001);
    listed.status = Status::Outbox;
    listed.api_response = Some(json!(["queued", 3]));
    let bare = message(2_999);
    append_all(&log, &[full.clone(), listed.clone(), bare.clone()]).await;

    let page = log.list(&log_query(None, None, 10)).await.expect("list");
    assert_eq!(page.items, vec![bare, listed, full.clone()]);
    assert_eq!(page.next_after, None);

    // Written once: the same entry again is refused and the log keeps one copy.
    assert!(
        log.append(&full).await.is_err(),
        "a second append of one entry"
    );
    let page = log.list(&log_query(None, None, 10)).await.expect("list");
    assert_eq!(page.items.len(), 3);
}

async fn message_log_is_newest_first(log: Log) {
    // 25 distinct instants appended out of order: seconds apart, plus two entries within one
    // second (10:30:03.100 and 10:30:03.900) and two 1 ms apart.
    let mut millis: Vec<i64> = (0..21).map(|i| ((i * 8) % 21) * 1_000 + 500).collect();
    millis.extend([3_100, 3_900, 60_000, 60_001]);
    let mut entries: Vec<MessageEntry> = millis.iter().map(|&ms| message(ms)).collect();
    // An entry crossing midnight UTC (07:00 +07:00) still sorts by instant.
    entries[5].created_at = jakarta()
        .with_ymd_and_hms(2026, 1, 3, 6, 59, 59)
        .single()
        .expect("valid instant")
        + Duration::milliseconds(999);
    append_all(&log, &entries).await;

    let mut expected: Vec<&MessageEntry> = entries.iter().collect();
    expected.sort_by_key(|e| std::cmp::Reverse(e.created_at));
    let expected: Vec<String> = expected.into_iter().map(|e| e.id.clone()).collect();
    assert_eq!(
        expected,
        log_order(&entries, |_| true),
        "log_key sorts as time does"
    );

    let page = log.list(&log_query(None, None, 100)).await.expect("list");
    assert_eq!(page.next_after, None);
    let listed: Vec<String> = page.items.iter().map(|e| e.id.clone()).collect();
    assert_eq!(listed, expected);
    assert!(
        page.items
            .windows(2)
            .all(|w| w[0].created_at > w[1].created_at)
    );
    let within_second: Vec<i64> = page
        .items
        .iter()
        .filter(|e| e.created_at >= at_ms(3_000) && e.created_at < at_ms(4_000))
        .map(|e| (e.created_at - at(0)).num_milliseconds())
        .collect();
    assert_eq!(within_second, [3_900, 3_500, 3_100]);
}

async fn message_pages_cover_every_entry_once(log: Log) {
    let entries: Vec<MessageEntry> = (0..25)
        .map(|i| message((i * 11) % 25 * 1_000 + i))
        .collect();
    append_all(&log, &entries).await;
    let expected = log_order(&entries, |_| true);
    for limit in [10, 1, 5, 24, 25, 26] {
        let pages = all_log_pages(&log, &log_query(None, None, limit)).await;
        assert_eq!(entry_ids(&pages), expected, "limit {limit}");
        assert_eq!(
            pages.len(),
            expected.len().div_ceil(limit),
            "limit {limit}: no empty last page"
        );
    }
    let pages = all_log_pages(&log, &log_query(None, None, 10)).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 5]);
    let unique: HashSet<String> = entry_ids(&pages).into_iter().collect();
    assert_eq!(unique.len(), 25);
}

async fn message_filters_page_over_dropped_entries(log: Log) {
    // 130 entries; exactly 7 are failed scheduled sends, with a run of 114 others between two
    // of them, so that an adapter reading ahead must drop whole batches to fill a page.
    let matching = [0, 1, 2, 5, 120, 128, 129];
    let entries: Vec<MessageEntry> = (0..130)
        .map(|i| {
            let mut entry = message(i as i64 * 1_000 + 7);
            if matching.contains(&i) {
                entry.status = Status::Failed;
                entry.source = Source::Scheduled;
            } else {
                entry.status = Status::ALL[i % 3];
                entry.source = Source::ALL[i % 4];
                if (entry.status, entry.source) == (Status::Failed, Source::Scheduled) {
                    entry.source = Source::Bulk;
                }
            }
            entry
        })
        .collect();
    append_all(&log, &entries).await;

    let both = log_order(&entries, |e| {
        e.status == Status::Failed && e.source == Source::Scheduled
    });
    assert_eq!(both.len(), 7);
    for limit in [1, 3, 7, 10] {
        let query = log_query(Some(Status::Failed), Some(Source::Scheduled), limit);
        let pages = all_log_pages(&log, &query).await;
        assert_eq!(entry_ids(&pages), both, "limit {limit}");
        assert_eq!(pages.len(), both.len().div_ceil(limit), "limit {limit}");
        assert!(
            pages
                .iter()
                .flatten()
                .all(|e| e.status == Status::Failed && e.source == Source::Scheduled)
        );
    }

    let statuses = Status::ALL.map(Some).into_iter().chain([None]);
    for status in statuses {
        let sources = Source::ALL.map(Some).into_iter().chain([None]);
        for source in sources {
            let expected = log_order(&entries, |e| {
                status.is_none_or(|s| s == e.status) && source.is_none_or(|s| s == e.source)
            });
            for limit in [10, 50] {
                let pages = all_log_pages(&log, &log_query(status, source, limit)).await;
                assert_eq!(
                    entry_ids(&pages),
                    expected,
                    "{status:?} {source:?} limit {limit}"
                );
                assert_eq!(
                    pages.len(),
                    expected.len().div_ceil(limit).max(1),
                    "{status:?} {source:?} limit {limit}"
                );
            }
        }
    }
}

async fn empty_message_log_lists_nothing(log: Log) {
    let statuses = Status::ALL.map(Some).into_iter().chain([None]);
    for status in statuses {
        let sources = Source::ALL.map(Some).into_iter().chain([None]);
        for source in sources {
            let page = log
                .list(&log_query(status, source, 10))
                .await
                .expect("list");
            assert!(page.items.is_empty(), "{status:?} {source:?}");
            assert_eq!(page.next_after, None, "{status:?} {source:?}");
        }
    }
    let mut query = log_query(None, None, 10);
    query.after = Some(message(0).log_key());
    let page = log.list(&query).await.expect("list");
    assert!(page.items.is_empty() && page.next_after.is_none());
}

async fn message_log_stays_apart_from_records((store, log): (Store, Log)) {
    let record = record("B 1234 XYZ", 0);
    store.insert(&record).await.expect("insert");
    let mut entry = message(0);
    entry.record_id = Some(record.id.clone());
    log.append(&entry).await.expect("append");

    let page = log.list(&log_query(None, None, 10)).await.expect("list");
    assert_eq!(page.items, vec![entry.clone()]);
    let records = all_pages(&store, false, 10).await;
    assert_eq!(ids(&records), vec![record.id.clone()]);
    assert_eq!(store.counts().await.expect("counts").total, 1);
    for id in [entry.id.clone(), format!("msg#{}", entry.id)] {
        assert_eq!(store.get(&id).await.expect("get"), None, "{id}");
    }
    assert_eq!(store.most_reminded(10).await.expect("most").len(), 1);
}

// ---- reminders ----------------------------------------------------------------------------

/// The claim key of `record` for its service date, as the reminder runs build it.
fn claim_key(record: &ManualRecord) -> String {
    let date = record.next_service.expect("a service date");
    format!("manual#{}#{date}", record.id)
}

/// The base instant plus `minutes`, in UTC as claims take it.
fn utc(minutes: i64) -> DateTime<Utc> {
    at(minutes).with_timezone(&Utc)
}

fn due_ids(records: &[ManualRecord]) -> Vec<String> {
    records.iter().map(|r| r.id.clone()).collect()
}

/// Ids of `records` passing `keep`, soonest `next_service` first, then by id.
fn soonest_first(records: &[ManualRecord], keep: impl Fn(&ManualRecord) -> bool) -> Vec<String> {
    let mut kept: Vec<&ManualRecord> = records.iter().filter(|r| keep(r)).collect();
    kept.sort_by(|a, b| (a.next_service, &a.id).cmp(&(b.next_service, &b.id)));
    kept.into_iter().map(|r| r.id.clone()).collect()
}

async fn due_between_is_soonest_first_within_inclusive_bounds(
    (store, reminders): (Store, Reminders),
) {
    let (from, to) = (date(2026, 1, 10), date(2026, 1, 17));
    let with = |n: usize, next: Option<NaiveDate>, active: bool| {
        let mut r = record(&plate(n), n as i64);
        r.next_service = next;
        r.is_active = u8::from(active);
        r
    };
    let last_active = with(0, Some(to), true);
    let first_inactive = with(1, Some(from), false);
    let middle_active = with(2, Some(date(2026, 1, 13)), true);
    let first_active = with(3, Some(from), true);
    let middle_inactive = with(4, Some(date(2026, 1, 12)), false);
    let records = [
        last_active.clone(),
        first_inactive.clone(),
        middle_active.clone(),
        first_active.clone(),
        middle_inactive.clone(),
        // Just outside, on either side, active and not.
        with(5, Some(date(2026, 1, 9)), true),
        with(6, Some(date(2026, 1, 18)), true),
        with(7, Some(date(2026, 1, 9)), false),
        with(8, Some(date(2026, 1, 18)), false),
        // Never due: no service date.
        with(9, None, true),
        with(10, None, false),
    ];
    insert_all(&store, &records).await;
    let in_range = |r: &ManualRecord| r.next_service.is_some_and(|d| d >= from && d <= to);

    let active = reminders.due_between(from, to, true).await.expect("due");
    assert_eq!(
        due_ids(&active),
        soonest_first(&records, |r| in_range(r) && r.is_active())
    );
    assert_eq!(
        due_ids(&active)[..],
        [
            first_active.id.clone(),
            middle_active.id.clone(),
            last_active.id.clone()
        ]
    );
    assert_eq!(active[0], first_active, "whole records come back");
    let all = reminders.due_between(from, to, false).await.expect("due");
    assert_eq!(due_ids(&all), soonest_first(&records, in_range));
    assert_eq!(all.len(), 5);
    assert!(
        all.windows(2)
            .all(|w| w[0].next_service <= w[1].next_service),
        "soonest first"
    );
    // One-day windows on either edge; a reversed window is empty.
    let on_to = reminders.due_between(to, to, false).await.expect("due");
    assert_eq!(due_ids(&on_to), vec![last_active.id.clone()]);
    let on_from = reminders.due_between(from, from, false).await.expect("due");
    assert_eq!(
        due_ids(&on_from),
        soonest_first(&[first_active.clone(), first_inactive.clone()], |_| true)
    );
    assert!(
        reminders
            .due_between(to, from, false)
            .await
            .expect("due")
            .is_empty()
    );
    // The upcoming count still counts active records only.
    assert_eq!(store.count_upcoming(from, to).await.expect("count"), 3);

    // Writes move records between active and inactive, in and out.
    let mut asleep = next_of(&middle_active);
    asleep.is_active = 0;
    store
        .replace(&middle_active, &asleep)
        .await
        .expect("replace");
    let mut awake = next_of(&middle_inactive);
    awake.is_active = 1;
    store
        .replace(&middle_inactive, &awake)
        .await
        .expect("replace");
    let mut unscheduled = next_of(&last_active);
    unscheduled.next_service = None;
    store
        .replace(&last_active, &unscheduled)
        .await
        .expect("replace");
    store.delete(&first_inactive).await.expect("delete");
    let active = reminders.due_between(from, to, true).await.expect("due");
    assert_eq!(
        due_ids(&active),
        [first_active.id.clone(), awake.id.clone()]
    );
    assert_eq!(active[1], awake);
    let all = reminders.due_between(from, to, false).await.expect("due");
    assert_eq!(
        due_ids(&all),
        [first_active.id.clone(), awake.id.clone(), asleep.id.clone()]
    );
    assert_eq!(store.count_upcoming(from, to).await.expect("count"), 2);
}

async fn due_between_reads_every_page((store, reminders): (Store, Reminders)) {
    // 150 active and 130 inactive due records of ~8 KB each: more than the 1 MB one DynamoDB
    // query returns, in both partitions, so each must be followed over pages. Records outside
    // the window and without a date are mixed in.
    let (from, to) = (date(2026, 2, 1), date(2026, 2, 28));
    let notes = "catatan servis ".repeat(540);
    let records: Vec<ManualRecord> = (0..300)
        .map(|i| {
            let mut r = record(&plate(i), i as i64);
            r.notes = Some(notes.clone());
            r.is_active = u8::from(!(150..280).contains(&i));
            r.next_service = match i {
                280..290 => Some(date(2026, 3, 1) + Duration::days(i as i64 - 280)),
                290..295 => Some(date(2026, 1, 31)),
                295.. => None,
                _ => Some(from + Duration::days((i as i64 * 7) % 28)),
            };
            r
        })
        .collect();
    let outcomes = store.insert_many(&records).await.expect("insert_many");
    assert!(outcomes.iter().all(Result::is_ok));
    let in_range = |r: &ManualRecord| r.next_service.is_some_and(|d| d >= from && d <= to);

    let active = reminders.due_between(from, to, true).await.expect("due");
    let expected = soonest_first(&records, |r| in_range(r) && r.is_active());
    assert_eq!(expected.len(), 150);
    assert_eq!(due_ids(&active), expected);
    let all = reminders.due_between(from, to, false).await.expect("due");
    let expected = soonest_first(&records, in_range);
    assert_eq!(expected.len(), 280);
    assert_eq!(due_ids(&all), expected);
    let unique: HashSet<&String> = all.iter().map(|r| &r.id).collect();
    assert_eq!(unique.len(), 280, "no record twice");
    assert_eq!(store.count_upcoming(from, to).await.expect("count"), 150);
}

async fn claims_are_won_once_and_a_lapsed_one_is_unknown(reminders: Reminders) {
    let key = "manual#6f1c#2026-01-15";
    // A claim at minute `now` with a five-minute lease.
    let claim = |now: i64| {
        let reminders = reminders.clone();
        async move {
            reminders
                .claim(key, utc(now), utc(now + 5))
                .await
                .expect("claim")
        }
    };
    assert_eq!(claim(0).await, Claim::Won);
    assert_eq!(claim(1).await, Claim::Busy, "held by the first run");
    assert_eq!(
        claim(5).await,
        Claim::Busy,
        "a lease ending now still holds"
    );
    // Its run died: once the lease ran out, its send may have gone out; never taken over.
    assert_eq!(
        reminders
            .claim(key, utc(5) + Duration::seconds(1), utc(11))
            .await
            .expect("claim"),
        Claim::Unknown
    );
    assert_eq!(claim(8).await, Claim::Unknown, "until a person resolves it");

    // Released (resolved as not sent, or after a failed send): the next run may try at once.
    reminders.release(key).await.expect("release");
    assert_eq!(claim(9).await, Claim::Won);
    reminders.release(key).await.expect("release");
    reminders
        .release(key)
        .await
        .expect("releasing a free claim is no error");

    // Other keys, other claims; any text is a key.
    assert_eq!(claim(10).await, Claim::Won);
    for other in ["manual#6f1c#2026-04-15", "manual#7a2d#2026-01-15", "x"] {
        assert_eq!(
            reminders
                .claim(other, utc(10), utc(15))
                .await
                .expect("claim"),
            Claim::Won,
            "{other}"
        );
    }
    assert_eq!(claim(11).await, Claim::Busy);
}

async fn an_unknown_claim_stays_until_released((store, reminders): (Store, Reminders)) {
    let mut record = record("B 1 U", 0);
    record.next_service = Some(date(2026, 1, 15));
    store.insert(&record).await.expect("insert");
    let key = claim_key(&record);
    assert_eq!(
        reminders.claim(&key, utc(0), utc(5)).await.unwrap(),
        Claim::Won
    );
    reminders.mark_unknown(&key, utc(1)).await.expect("mark");
    for now in [2, 60 * 24 * 30] {
        assert_eq!(
            reminders.claim(&key, utc(now), utc(now + 5)).await.unwrap(),
            Claim::Unknown,
            "minute {now}"
        );
    }
    // Resolved as sent: settled for good, and marking it unknown again changes nothing.
    let sent_at = at(3);
    reminders
        .record_sent(&record.id, sent_at, Some(&key))
        .await
        .expect("record_sent");
    reminders.mark_unknown(&key, utc(4)).await.expect("mark");
    assert_eq!(
        reminders.claim(&key, utc(5), utc(10)).await.unwrap(),
        Claim::AlreadySent
    );
    // Another one resolved as not sent: free again.
    let other = "manual#other#2026-01-15";
    assert_eq!(
        reminders.claim(other, utc(0), utc(5)).await.unwrap(),
        Claim::Won
    );
    reminders.mark_unknown(other, utc(1)).await.expect("mark");
    reminders.release(other).await.expect("release");
    assert_eq!(
        reminders.claim(other, utc(2), utc(7)).await.unwrap(),
        Claim::Won
    );
}

async fn a_message_is_settled_only_from_its_expected_status(log: Log) {
    let pending = MessageEntry {
        status: Status::Unknown,
        claim: Some("manual#6f1c#2026-01-15".into()),
        ..message(0)
    };
    log.append(&pending).await.expect("append");
    assert_eq!(
        log.message(&pending.id).await.unwrap(),
        Some(pending.clone())
    );
    let sent = MessageEntry {
        status: Status::Sent,
        api_response: Some(serde_json::json!({"success": true})),
        ..pending.clone()
    };
    assert!(log.settle(&sent, Status::Unknown).await.unwrap());
    let failed = MessageEntry {
        status: Status::Failed,
        ..pending.clone()
    };
    assert!(
        !log.settle(&failed, Status::Unknown).await.unwrap(),
        "settled once"
    );
    assert_eq!(log.message(&pending.id).await.unwrap(), Some(sent.clone()));
    let page = log
        .list(&MessageQuery {
            status: None,
            source: None,
            limit: 10,
            after: None,
        })
        .await
        .unwrap();
    assert_eq!(page.items, vec![sent], "settled in place, not appended");
    assert_eq!(log.message("no-such-id").await.unwrap(), None);
    let stray = message(5);
    assert!(
        !log.settle(&stray, Status::Unknown).await.unwrap(),
        "no such entry"
    );
}

async fn record_sent_settles_the_claim_for_good((store, reminders): (Store, Reminders)) {
    let mut reminded = record("B 1 A", 0);
    reminded.next_service = Some(date(2026, 1, 15));
    store.insert(&reminded).await.expect("insert");
    let key = claim_key(&reminded);
    assert_eq!(
        reminders.claim(&key, utc(0), utc(5)).await.expect("claim"),
        Claim::Won
    );
    reminders
        .record_sent(&reminded.id, at(1), Some(&key))
        .await
        .expect("record_sent");
    for now in [1, 6, 60 * 24 * 30] {
        assert_eq!(
            reminders
                .claim(&key, utc(now), utc(now + 5))
                .await
                .expect("claim"),
            Claim::AlreadySent,
            "minute {now}"
        );
    }
    reminders.release(&key).await.expect("release");
    assert_eq!(
        reminders
            .claim(&key, utc(10), utc(15))
            .await
            .expect("claim"),
        Claim::AlreadySent,
        "a sent claim is never given back"
    );

    // A claim nobody held is created as sent.
    let mut moved = reminded.clone();
    moved.next_service = Some(date(2026, 4, 15));
    let next_key = claim_key(&moved);
    reminders
        .record_sent(&reminded.id, at(20), Some(&next_key))
        .await
        .expect("record_sent");
    assert_eq!(
        reminders
            .claim(&next_key, utc(21), utc(26))
            .await
            .expect("claim"),
        Claim::AlreadySent
    );
    // Without a claim (a reminder sent by hand), no claim changes.
    let third = format!("manual#{}#2026-07-15", reminded.id);
    reminders
        .record_sent(&reminded.id, at(30), None)
        .await
        .expect("record_sent");
    assert_eq!(
        reminders
            .claim(&third, utc(31), utc(36))
            .await
            .expect("claim"),
        Claim::Won
    );
    let stored = store.get(&reminded.id).await.expect("get").expect("stored");
    assert_eq!(stored.reminder_sent_count, 3);
    // Claims are not records, nor counted as ones.
    assert_eq!(store.counts().await.expect("counts").total, 1);
    assert_eq!(
        ids(&all_pages(&store, false, 10).await),
        [reminded.id.clone()]
    );
    for id in [key.clone(), format!("claim#{key}")] {
        assert_eq!(store.get(&id).await.expect("get"), None, "{id}");
    }
}

async fn record_sent_counts_the_reminder((store, reminders): (Store, Reminders)) {
    let mut original = record("B 1234 XYZ", 0);
    original.next_service = Some(date(2026, 1, 15));
    original.notes = Some("oli".into());
    let other = record("D 1 A", 1);
    insert_all(&store, &[original.clone(), other.clone()]).await;
    assert_eq!(store.counts().await.expect("counts").reminders_sent, 0);

    let first = at(60) + Duration::milliseconds(250);
    reminders
        .record_sent(&original.id, first, None)
        .await
        .expect("record_sent");
    let second = at(120).with_timezone(&FixedOffset::east_opt(0).expect("utc"));
    reminders
        .record_sent(&original.id, second, None)
        .await
        .expect("record_sent");

    let stored = store.get(&original.id).await.expect("get").expect("stored");
    let expected = ManualRecord {
        reminder_sent_count: 2,
        last_reminder_sent: Some(second),
        version: original.version + 2,
        ..original.clone()
    };
    assert_eq!(
        stored, expected,
        "count, last reminder and version; updated_at kept"
    );
    assert_eq!(
        store.find_by_nopol("B1234XYZ").await.expect("find"),
        Some(expected.clone())
    );
    let listed = all_pages(&store, false, 10).await;
    assert!(listed.iter().flatten().any(|r| *r == expected));
    let due = reminders
        .due_between(date(2026, 1, 15), date(2026, 1, 15), true)
        .await
        .expect("due");
    assert_eq!(due, vec![expected.clone()]);

    // The summary and the dashboard follow.
    let counts = store.counts().await.expect("counts");
    assert_eq!((counts.total, counts.reminders_sent), (2, 2));
    let since = |minutes: i64| at(minutes).with_timezone(&Utc);
    assert_eq!(
        store.count_reminded_since(since(0)).await.expect("count"),
        1
    );
    assert_eq!(
        store.count_reminded_since(since(120)).await.expect("count"),
        1
    );
    assert_eq!(
        store.count_reminded_since(since(121)).await.expect("count"),
        0
    );
    let most = store.most_reminded(1).await.expect("most");
    assert_eq!(most, vec![expected.clone()]);

    // An edit made from the record as it was before the reminders is stale.
    let mut late = next_of(&original);
    late.customer_name = "Terlambat".into();
    assert!(matches!(
        store.replace(&original, &late).await,
        Err(StoreError::Stale)
    ));
    assert!(matches!(
        store.delete(&original).await,
        Err(StoreError::Stale)
    ));
    // Read again, the edit keeps the count.
    let mut edited = next_of(&stored);
    edited.customer_name = "Budi".into();
    store.replace(&stored, &edited).await.expect("replace");
    assert_eq!(
        store.get(&original.id).await.expect("get"),
        Some(edited.clone())
    );
    assert_eq!(store.counts().await.expect("counts").reminders_sent, 2);
    reminders
        .record_sent(&edited.id, at(180), None)
        .await
        .expect("record_sent");
    assert_eq!(store.counts().await.expect("counts").reminders_sent, 3);
    let gone = store.get(&edited.id).await.expect("get").expect("stored");
    store.delete(&gone).await.expect("delete");
    assert_eq!(
        store.counts().await.expect("counts"),
        Counts {
            total: 1,
            active: 1,
            reminders_sent: 0
        }
    );
    assert_eq!(
        store.count_reminded_since(since(0)).await.expect("count"),
        0
    );
    assert_eq!(store.most_reminded(5).await.expect("most"), [other]);
}

async fn record_sent_on_a_deleted_record_settles_only_the_claim(
    (store, reminders): (Store, Reminders),
) {
    let mut doomed = record("B 1 A", 0);
    doomed.next_service = Some(date(2026, 1, 15));
    doomed.reminder_sent_count = 1;
    let keep = record("B 2 A", 1);
    insert_all(&store, &[doomed.clone(), keep.clone()]).await;
    let key = claim_key(&doomed);
    assert_eq!(
        reminders.claim(&key, utc(0), utc(5)).await.expect("claim"),
        Claim::Won
    );
    store.delete(&doomed).await.expect("delete");
    let before = store.counts().await.expect("counts");
    assert_eq!(before.reminders_sent, 0);

    reminders
        .record_sent(&doomed.id, at(1), Some(&key))
        .await
        .expect("a vanished record is no error");
    assert_eq!(
        reminders
            .claim(&key, utc(10), utc(15))
            .await
            .expect("claim"),
        Claim::AlreadySent
    );
    assert_eq!(
        store.get(&doomed.id).await.expect("get"),
        None,
        "not revived"
    );
    assert_eq!(
        store.counts().await.expect("counts"),
        before,
        "counts untouched"
    );

    // Unknown ids, and ids naming what an adapter keeps beside the records, change nothing.
    let huge = "x".repeat(5000);
    for id in [
        uuid::Uuid::new_v4().to_string(),
        "meta#counts".into(),
        "nopol#B2A".into(),
        format!("claim#{key}"),
        String::new(),
        huge,
    ] {
        reminders
            .record_sent(&id, at(2), None)
            .await
            .expect("record_sent");
        assert_eq!(store.get(&id).await.expect("get"), None, "{id:.20}");
    }
    assert_eq!(store.counts().await.expect("counts"), before);
    assert_eq!(
        store.find_by_nopol("B2A").await.expect("find"),
        Some(keep.clone())
    );
    assert_eq!(store.most_reminded(5).await.expect("most"), [keep]);
    assert_eq!(
        reminders
            .claim(&key, utc(20), utc(25))
            .await
            .expect("claim"),
        Claim::AlreadySent
    );
}

async fn concurrent_claims_of_one_key_let_one_win(reminders: Reminders) {
    let key = "manual#race#2026-01-15";
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let reminders = reminders.clone();
            tokio::spawn(async move { reminders.claim(key, utc(0), utc(5)).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("task").expect("claim"));
    }
    let won = outcomes.iter().filter(|&&c| c == Claim::Won).count();
    let busy = outcomes.iter().filter(|&&c| c == Claim::Busy).count();
    assert_eq!((won, busy), (1, 19), "{outcomes:?}");
}

async fn concurrent_record_sent_counts_every_one((store, reminders): (Store, Reminders)) {
    let mut target = record("B 1 A", 0);
    target.next_service = Some(date(2026, 1, 15));
    store.insert(&target).await.expect("insert");
    store.insert(&record("B 2 A", 1)).await.expect("insert");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let reminders = reminders.clone();
            let id = target.id.clone();
            // Half settle a claim each, half none.
            let key = (i % 2 == 0).then(|| format!("manual#{id}#2026-01-{:02}", i + 1));
            tokio::spawn(async move { reminders.record_sent(&id, at(i), key.as_deref()).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("record_sent");
    }
    let stored = store.get(&target.id).await.expect("get").expect("stored");
    assert_eq!(stored.reminder_sent_count, 20);
    assert_eq!(stored.version, target.version + 20);
    assert!(stored.last_reminder_sent.is_some());
    assert_eq!(store.counts().await.expect("counts").reminders_sent, 20);
    assert_eq!(store.most_reminded(1).await.expect("most"), [stored]);
    for i in (0..20).step_by(2) {
        let key = format!("manual#{}#2026-01-{:02}", target.id, i + 1);
        assert_eq!(
            reminders
                .claim(&key, utc(30), utc(35))
                .await
                .expect("claim"),
            Claim::AlreadySent,
            "{key}"
        );
    }
}
