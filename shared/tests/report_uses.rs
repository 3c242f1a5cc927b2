//! The report's own use cases, on both stores: never- and rarely-messaged pairs, ranking,
//! paging, statistics kept exact under concurrent writes, and the monthly reset.

use crate::common;

use std::collections::HashSet;

use axum::http::{Method, StatusCode};
use bengkel::config::Config;
use bengkel::report::api::HasReport;
use bengkel::report::service::Statistics;
use bengkel::report::{Delivery, ReportRow, Scope, Trigger, report_id};
use common::{Backend, TestApp};
use futures::StreamExt;
use serde_json::{Value, json};

on_both_stores!(
    never_messaged_pairs_appear_until_their_first_reminder,
    lists_rank_by_frequency_and_last_message,
    paging_gives_every_row_exactly_once,
    statistics_equal_a_recount_after_concurrent_writes,
    the_monthly_run_resets_with_a_scheduled_snapshot,
);

const REPORT: &str = "/whatsapp-report";

async fn get(t: &TestApp, path: &str) -> common::Reply {
    let reply = t.call(Method::GET, path, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    reply
}

/// A (customer, vehicle) pair by ids, as a delivery names it.
#[derive(Clone)]
struct Pair {
    customer: String,
    vehicle: String,
}

fn delivery(t: &TestApp, pair: &Pair) -> Delivery {
    Delivery {
        at: t.app.time.now(),
        ..delivery_to(pair)
    }
}

fn delivery_to(pair: &Pair) -> Delivery {
    Delivery {
        message_id: None,
        id_customer: pair.customer.clone(),
        id_vehicle: pair.vehicle.clone(),
        customer_name: "Budi".into(),
        customer_phone: "6281234567890".into(),
        vehicle_model: "Avanza".into(),
        vehicle_nopol: "B 1 AA".into(),
        at: chrono::DateTime::parse_from_rfc3339("2026-01-10T10:30:00+07:00").unwrap(),
    }
}

async fn deliver(t: &TestApp, pair: &Pair, times: usize) {
    for _ in 0..times {
        t.app
            .reports
            .record_delivery(&delivery(t, pair), None)
            .await
            .unwrap();
    }
}

fn random_pair() -> Pair {
    Pair {
        customer: uuid::Uuid::new_v4().to_string(),
        vehicle: uuid::Uuid::new_v4().to_string(),
    }
}

/// Registers a customer with two vehicles; its two pairs.
async fn registered(t: &TestApp) -> Vec<Pair> {
    let body = json!({"name": "Siti", "no_hp": "081299998888", "vehicles": [
        {"nopol": "B 1111 AA", "model": "Beat"}, {"nopol": "B 2222 BB", "model": "Brio"}]});
    let reply = t.call(Method::POST, "/customers/", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let customer = reply.body["id"].as_str().unwrap().to_string();
    let mut pairs: Vec<(String, Pair)> = reply.body["vehicles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let pair = Pair {
                customer: customer.clone(),
                vehicle: v["id"].as_str().unwrap().to_string(),
            };
            (v["nopol"].as_str().unwrap().to_string(), pair)
        })
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs.into_iter().map(|(_, p)| p).collect()
}

fn ids(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

async fn never_messaged_pairs_appear_until_their_first_reminder(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let pairs = registered(&t).await;
    let [beat, brio] = [&pairs[0], &pairs[1]];
    // A row of a pair no longer in the register (its customer deleted) stays a row.
    let gone = random_pair();
    deliver(&t, &gone, 2).await;

    let never = get(&t, &format!("{REPORT}/detail?max_frequency=0"))
        .await
        .body;
    let mut expected: Vec<Value> = [(beat, "Beat", "B 1111 AA"), (brio, "Brio", "B 2222 BB")]
        .iter()
        .map(|(pair, model, nopol)| {
            json!({
                "id": report_id(&pair.customer, &pair.vehicle),
                "customer_name": "Siti",
                "customer_phone": "6281299998888",
                "vehicle_model": model,
                "vehicle_nopol": nopol,
                "last_message_date": null,
                "frequency": 0,
                "created_at": null,
                "updated_at": null,
                "last_delivery_status": null,
            })
        })
        .collect();
    expected.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    assert_eq!(never, json!(expected), "both vehicles never messaged");

    deliver(&t, beat, 1).await;
    let never = get(&t, &format!("{REPORT}/detail?max_frequency=0"))
        .await
        .body;
    assert_eq!(
        ids(&never),
        [report_id(&brio.customer, &brio.vehicle)],
        "the Beat had its first reminder"
    );
    let rarely = get(
        &t,
        &format!("{REPORT}/detail?max_frequency=1&sort=frequency&order=asc"),
    )
    .await
    .body;
    assert_eq!(
        ids(&rarely),
        [
            report_id(&brio.customer, &brio.vehicle),
            report_id(&beat.customer, &beat.vehicle)
        ],
        "at most once, fewest first"
    );
    assert_eq!(rarely[1]["frequency"], json!(1));
    assert_eq!(
        rarely[1]["created_at"],
        json!(t.app.time.now().to_rfc3339())
    );
    let often = get(&t, &format!("{REPORT}/detail?min_frequency=1"))
        .await
        .body;
    assert_eq!(
        ids(&often),
        [
            report_id(&gone.customer, &gone.vehicle),
            report_id(&beat.customer, &beat.vehicle)
        ]
    );
    // Without a filter the detail is the rows only, as before.
    assert_eq!(
        ids(&get(&t, &format!("{REPORT}/detail")).await.body).len(),
        2
    );

    for (query, name) in [
        ("max_frequency=-1", "max_frequency"),
        ("min_frequency=x", "min_frequency"),
        ("min_frequency=3&max_frequency=1", "min_frequency"),
        ("sort=name", "sort"),
        ("order=up", "order"),
        ("limit=0", "limit"),
        ("cursor=%25%25", "cursor"),
    ] {
        let reply = t
            .call(Method::GET, &format!("{REPORT}/detail?{query}"), None)
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(
            reply.body["detail"][0]["loc"],
            json!(["query", name]),
            "{query}"
        );
    }
}

async fn lists_rank_by_frequency_and_last_message(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let [a, b, c] = [random_pair(), random_pair(), random_pair()];
    // a: 3 messages, the oldest; b: 1, the newest; c: 2, in between.
    deliver(&t, &a, 3).await;
    t.clock.set("2026-01-11T10:30:00+07:00");
    deliver(&t, &c, 2).await;
    t.clock.set("2026-01-12T10:30:00+07:00");
    deliver(&t, &b, 1).await;
    let id = |p: &Pair| report_id(&p.customer, &p.vehicle);
    for (query, order) in [
        ("", [&a, &c, &b]),
        ("?sort=frequency", [&a, &c, &b]),
        ("?sort=frequency&order=desc", [&a, &c, &b]),
        ("?sort=frequency&order=asc", [&b, &c, &a]),
        ("?order=asc", [&b, &c, &a]),
        ("?sort=last_message_date", [&b, &c, &a]),
        ("?sort=last_message_date&order=asc", [&a, &c, &b]),
    ] {
        let expected: Vec<String> = order.iter().map(|p| id(p)).collect();
        for list in ["", "/detail"] {
            let rows = get(&t, &format!("{REPORT}{list}{query}")).await.body;
            assert_eq!(ids(&rows), expected, "{list}{query}");
        }
    }
    let plain = get(&t, &format!("{REPORT}/?sort=frequency")).await.body;
    assert_eq!(
        plain[0]["id_customer"],
        json!(a.customer),
        "the list keeps its shape"
    );
    assert!(plain[0].get("customer_name").is_none());
}

/// Follows `X-Next-Cursor` from `first` to the last page; every page's rows.
async fn pages(t: &TestApp, first: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut path = first.to_string();
    loop {
        let reply = get(t, &path).await;
        pages.push(ids(&reply.body));
        match reply.headers.get("x-next-cursor") {
            Some(cursor) => {
                path = format!("{first}&cursor={}", cursor.to_str().unwrap());
            }
            None => return pages,
        }
    }
}

async fn paging_gives_every_row_exactly_once(backend: Backend) {
    let pairs: Vec<Pair> = (0..2_500).map(|_| random_pair()).collect();
    // A few pairs reminded more than once, so that ranking has something to order.
    let times = |n: usize| if n < 60 { 1 + n % 3 } else { 1 };
    let t = match backend {
        Backend::Embedded => {
            let t = TestApp::on(backend, Config::default()).await;
            // A few at once, as reminder runs send.
            let deliveries = pairs.iter().enumerate().map(|(n, pair)| {
                let t = &t;
                async move { deliver(t, pair, times(n)).await }
            });
            futures::stream::iter(deliveries)
                .buffer_unordered(8)
                .collect::<Vec<()>>()
                .await;
            t
        }
        // moto's transactions slow down as its table grows: the rows are loaded as a batch,
        // in the form the deliveries leave them.
        Backend::Dynamo => {
            let at = chrono::DateTime::parse_from_rfc3339("2026-01-10T10:30:00+07:00").unwrap();
            let rows: Vec<ReportRow> = pairs
                .iter()
                .enumerate()
                .map(|(n, pair)| {
                    let mut row = ReportRow::after_delivery(
                        None,
                        &Delivery {
                            at,
                            ..delivery_to(pair)
                        },
                    );
                    row.frequency = times(n) as u64;
                    row
                })
                .collect();
            TestApp::on_dynamo_with_rows(Config::default(), &rows).await
        }
    };
    let all: HashSet<String> = pairs
        .iter()
        .map(|p| report_id(&p.customer, &p.vehicle))
        .collect();
    let frequency_of = |id: &String| {
        let n = pairs
            .iter()
            .position(|p| report_id(&p.customer, &p.vehicle) == *id);
        times(n.unwrap())
    };
    for (first, limit, ascending) in [
        (format!("{REPORT}/?limit=1000"), 1000, false),
        (format!("{REPORT}/detail?limit=1000"), 1000, false),
        (
            format!("{REPORT}/detail?limit=1000&sort=frequency&order=asc"),
            1000,
            true,
        ),
        (
            format!("{REPORT}/?limit=700&sort=last_message_date"),
            700,
            false,
        ),
    ] {
        let pages = pages(&t, &first).await;
        let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
        assert!(
            sizes[..sizes.len() - 1].iter().all(|&s| s == limit),
            "{first}: {sizes:?}"
        );
        let seen: Vec<String> = pages.into_iter().flatten().collect();
        if ascending {
            let frequencies: Vec<usize> = seen.iter().map(frequency_of).collect();
            assert!(
                frequencies.windows(2).all(|w| w[0] <= w[1]),
                "{first}: in order across pages"
            );
        }
        assert_eq!(seen.len(), all.len(), "{first}: no row twice");
        assert_eq!(
            seen.into_iter().collect::<HashSet<_>>(),
            all,
            "{first}: every row"
        );
    }
}

/// A fixed-seed generator for the random mix (SplitMix64): the same mix on every run.
struct Mix(u64);

impl Mix {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % below as u64) as usize
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Deliver(usize),
    Delete(usize),
    ResetAll,
    ResetCustomer(usize),
    RestoreLatest,
}

async fn statistics_equal_a_recount_after_concurrent_writes(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    // Two customers with four vehicles each.
    let customers = [
        uuid::Uuid::new_v4().to_string(),
        uuid::Uuid::new_v4().to_string(),
    ];
    let pairs: Vec<Pair> = (0..8)
        .map(|n| Pair {
            customer: customers[n % 2].clone(),
            vehicle: uuid::Uuid::new_v4().to_string(),
        })
        .collect();
    let mut mix = Mix(0x5eed_2026);
    let workers: Vec<Vec<Op>> = (0..4)
        .map(|_| {
            (0..25)
                .map(|_| match mix.next(20) {
                    0..=12 => Op::Deliver(mix.next(8)),
                    13..=14 => Op::Delete(mix.next(8)),
                    15 => Op::ResetAll,
                    16..=17 => Op::ResetCustomer(mix.next(2)),
                    _ => Op::RestoreLatest,
                })
                .collect()
        })
        .collect();
    let run = |ops: Vec<Op>| {
        let (t, pairs, customers) = (&t, &pairs, &customers);
        async move {
            for op in ops {
                match op {
                    Op::Deliver(n) => deliver(t, &pairs[n], 1).await,
                    Op::Delete(n) => {
                        let id = report_id(&pairs[n].customer, &pairs[n].vehicle);
                        t.app.reports.delete_report_row(&id).await.unwrap();
                    }
                    Op::ResetAll | Op::ResetCustomer(_) => {
                        let scope = match op {
                            Op::ResetCustomer(c) => Scope {
                                id_customer: Some(customers[c].clone()),
                                id_vehicle: None,
                            },
                            _ => Scope::default(),
                        };
                        t.app
                            .report()
                            .reset_scope(scope, Trigger::Manual)
                            .await
                            .unwrap();
                    }
                    Op::RestoreLatest => {
                        let snapshots = t.app.report().snapshots().await.unwrap();
                        if let Some(latest) = snapshots.first() {
                            // Another worker may have restored it already: a 409, nothing changed.
                            let _ = t.app.report().restore(&latest.id).await;
                        }
                    }
                }
            }
        }
    };
    futures::future::join_all(workers.into_iter().map(run)).await;

    let rows = t.app.reports.report_rows(&Scope::default()).await.unwrap();
    assert!(!rows.is_empty());
    let recount = Statistics::of(&rows);
    assert_eq!(t.app.report().statistics().await.unwrap(), recount);
    let answered = get(&t, &format!("{REPORT}/statistics")).await.body;
    assert_eq!(answered, json!(recount));
}

async fn the_monthly_run_resets_with_a_scheduled_snapshot(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let [a, b] = [random_pair(), random_pair()];
    deliver(&t, &a, 3).await;
    deliver(&t, &b, 1).await;
    let before = get(&t, &format!("{REPORT}/")).await.body;

    let done = bengkel::scheduler::run_monthly_reset(t.app.report())
        .await
        .unwrap();
    assert_eq!(done.reset_count, 2);
    let snapshot = done.snapshot_id.clone().unwrap();
    let rows = get(&t, &format!("{REPORT}/")).await.body;
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["frequency"] == json!(0)),
        "{rows}"
    );
    let stats = get(&t, &format!("{REPORT}/statistics")).await.body;
    assert_eq!(stats["total_messages_sent"], json!(0));
    assert_eq!(stats["customers_by_frequency"], json!({"0": 2}));

    // The same run delivered twice finds nothing left to reset.
    let again = bengkel::scheduler::run_monthly_reset(t.app.report())
        .await
        .unwrap();
    assert_eq!((again.reset_count, again.snapshot_id), (0, None));

    // A manual reset beside it: the list tells them apart.
    deliver(&t, &a, 1).await;
    let manual = t
        .call(Method::POST, &format!("{REPORT}/reset-frequency"), None)
        .await
        .body;
    let listed = get(&t, &format!("{REPORT}/snapshots")).await.body;
    let trigger_of = |id: &Value| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| &s["id"] == id)
            .map(|s| s["trigger"].clone())
    };
    assert_eq!(
        trigger_of(&json!(snapshot)),
        Some(json!("scheduled")),
        "{listed}"
    );
    assert_eq!(
        trigger_of(&manual["snapshot_id"]),
        Some(json!("manual")),
        "{listed}"
    );

    // Undo the manual one, then the month: the rows are as before the monthly run, plus the
    // send in between.
    for id in [manual["snapshot_id"].as_str().unwrap(), &snapshot] {
        let reply = t
            .call(
                Method::POST,
                &format!("{REPORT}/snapshots/{id}/restore"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let restored = get(&t, &format!("{REPORT}/")).await.body;
    let frequency = |rows: &Value, pair: &Pair| {
        let id = report_id(&pair.customer, &pair.vehicle);
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == json!(id))
            .map(|r| r["frequency"].as_u64().unwrap())
    };
    assert_eq!(frequency(&before, &a), Some(3));
    assert_eq!(frequency(&restored, &a), Some(4));
    assert_eq!(frequency(&restored, &b), Some(1));
    assert_eq!(
        get(&t, &format!("{REPORT}/statistics")).await.body,
        json!(Statistics::of(
            &t.app.reports.report_rows(&Scope::default()).await.unwrap()
        ))
    );
}
