//! Pacing: the daily and hourly limits under concurrent sends, the hour and the day in the
//! workshop's zone, the cooldown through every send path, the quiet hours with the
//! `schedule` StarSender receives, the gaps of a run, the brake, and the 429 in the document.

use crate::common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use bengkel::config::Config;
use bengkel::fakes::starsender::{Behaviour, FakeStarSender};
use bengkel::pacing::{BRAKE, GapRange, PacingSettings};
use bengkel::scheduler::Job;
use chrono::{DateTime, FixedOffset, Timelike};
use common::{Backend, TestApp, due_records, number};
use serde_json::{Value, json};

const CUSTOM: &str = "/manual-whatsapp/send-custom-message";
const BULK: &str = "/manual-whatsapp/send-reminders";

/// An app on `backend` sending through a fake StarSender, paced as `configure` leaves it
/// (gaps off and no quiet hours unless it says otherwise).
async fn paced(backend: Backend, configure: impl FnOnce(&mut Config)) -> (TestApp, FakeStarSender) {
    let fake = FakeStarSender::start().await.unwrap();
    let mut config = Config {
        providers: bengkel::gateway::ProviderSettings::starsender_at(
            fake.url.clone(),
            Some(common::GATEWAY_KEY.into()),
        ),
        whatsapp_provider: bengkel::gateway::Provider::StarSender,
        gateway_timeout: Duration::from_millis(700),
        ..Config::default()
    };
    config.pacing.gap = GapRange { min: 0, max: 0 };
    config.pacing.quiet = None;
    configure(&mut config);
    (TestApp::paced(backend, config).await, fake)
}

async fn custom(t: &TestApp, to: &str) -> common::Reply {
    let body = json!({"no_hp": to, "message": "Halo, promo service minggu ini"});
    t.call(Method::POST, CUSTOM, Some(body)).await
}

/// Sends `n` custom messages to different numbers at once; how many went and how many got 429.
async fn at_once(t: &TestApp, first: usize, n: usize) -> (usize, usize) {
    let replies = futures::future::join_all(
        (first..first + n).map(|i| async move { custom(t, &number(i)).await }),
    )
    .await;
    let count = |status| replies.iter().filter(|r| r.status == status).count();
    (count(StatusCode::OK), count(StatusCode::TOO_MANY_REQUESTS))
}

async fn twenty_concurrent_sends_against_a_limit_of_five_let_exactly_five_through(
    backend: Backend,
) {
    let (t, fake) = paced(backend, |c| c.pacing.limits.daily = 5).await;
    assert_eq!(at_once(&t, 0, 20).await, (5, 15));
    assert_eq!(fake.received().len(), 5);
    let stats = t
        .call(Method::GET, "/manual-whatsapp/stats/summary", None)
        .await;
    assert_eq!(stats.body["data"]["sent_today"], 5);
    assert_eq!(stats.body["data"]["left_today"], 0);
    assert_eq!(stats.body["data"]["sent_this_hour"], 5);
}

async fn nineteen_and_then_twenty_concurrent_sends_fit_a_limit_of_twenty(backend: Backend) {
    let (t, fake) = paced(backend, |c| c.pacing.limits.hourly = 20).await;
    assert_eq!(at_once(&t, 0, 19).await, (19, 0));
    assert_eq!(at_once(&t, 19, 20).await, (1, 19));
    assert_eq!(fake.received().len(), 20);
}

async fn the_hour_and_the_day_turn_in_the_workshops_zone(backend: Backend) {
    let (t, _fake) = paced(backend, |c| {
        c.pacing.limits.hourly = 2;
        c.pacing.limits.daily = 3;
    })
    .await;
    t.clock.set("2026-01-10T23:58:00+07:00");
    assert_eq!(custom(&t, &number(1)).await.status, StatusCode::OK);
    assert_eq!(custom(&t, &number(2)).await.status, StatusCode::OK);
    let full = custom(&t, &number(3)).await;
    assert_eq!(full.status, StatusCode::TOO_MANY_REQUESTS, "{}", full.body);
    assert_eq!(full.header("retry-after"), "120");
    let detail = full.body["detail"].as_str().unwrap();
    assert!(detail.starts_with("Kuota per jam tercapai"), "{detail}");
    // 00:00 in Jakarta is 17:00 UTC: a new hour and a new day.
    t.clock.set("2026-01-11T00:00:00+07:00");
    assert_eq!(custom(&t, &number(3)).await.status, StatusCode::OK);
    assert_eq!(custom(&t, &number(4)).await.status, StatusCode::OK);
    t.clock.set("2026-01-11T01:00:00+07:00");
    assert_eq!(custom(&t, &number(5)).await.status, StatusCode::OK);
    let day = custom(&t, &number(6)).await;
    assert_eq!(day.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(day.header("retry-after"), (23 * 3600).to_string());
    assert!(
        day.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("Kuota harian tercapai")
    );
}

async fn a_number_gets_three_custom_messages_a_day(backend: Backend) {
    let (t, fake) = paced(backend, |_| {}).await;
    for _ in 0..3 {
        assert_eq!(custom(&t, &number(7)).await.status, StatusCode::OK);
    }
    let fourth = custom(&t, &number(7)).await;
    assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(fake.received().len(), 3);
    assert_eq!(custom(&t, &number(8)).await.status, StatusCode::OK);
}

async fn the_cooldown_holds_through_every_send_path(backend: Backend) {
    let (t, fake) = paced(backend, |_| {}).await;
    let ids = due_records(&t, 2).await;
    let one = |id: &str| format!("/manual-whatsapp/{id}/send-reminder");
    assert_eq!(
        t.call(Method::POST, &one(&ids[0]), None).await.status,
        StatusCode::OK
    );
    let again = t.call(Method::POST, &one(&ids[0]), None).await;
    assert_eq!(
        again.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        again.body
    );
    assert_eq!(again.header("retry-after"), (24 * 3600).to_string());
    assert!(
        again.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("Sudah diingatkan dalam 24 jam terakhir")
    );
    // The preview says so before the run...
    let preview = t
        .call(Method::GET, "/manual-whatsapp/send-reminders/preview", None)
        .await
        .body;
    let held = preview["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == ids[0].as_str())
        .unwrap()
        .clone();
    assert_eq!(
        held["reason"], "Sudah diingatkan dalam 24 jam terakhir",
        "{preview}"
    );
    assert_eq!(preview["would_send"], 1);
    // ...and the run leaves the reminded record for later and reminds the other.
    let run = t.call(Method::POST, BULK, None).await.body;
    assert_eq!(run["reminder_sent"], 1, "{run}");
    let line = |id: &str| {
        run["details"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        line(&ids[0])["reason"],
        "Sudah diingatkan dalam 24 jam terakhir"
    );
    assert_eq!(line(&ids[0])["deferred"], true);
    // ...and the one the run reminded is held from send-reminder.
    let after_run = t.call(Method::POST, &one(&ids[1]), None).await;
    assert_eq!(after_run.status, StatusCode::TOO_MANY_REQUESTS);
    // The daily run too: the record in its cooldown waits, the other was sent already.
    let daily = t
        .app
        .run(
            Job::DailyReminders,
            Instant::now() + Duration::from_secs(60),
        )
        .await
        .unwrap();
    let daily = serde_json::to_value(&daily).unwrap();
    assert_eq!(daily["deferred"], 1, "{daily}");
    assert_eq!(daily["reminder_sent"], 0, "{daily}");
    assert_eq!(fake.received().len(), 2);
    t.clock.set("2026-01-11T10:30:00+07:00");
    assert_eq!(
        t.call(Method::POST, &one(&ids[0]), None).await.status,
        StatusCode::OK
    );
}

async fn quiet_hours_schedule_for_the_first_allowed_minute(backend: Backend) {
    let (t, fake) = paced(backend, |c| {
        c.pacing.quiet = PacingSettings::default().quiet
    })
    .await;
    let cases = [
        ("2026-01-10T19:59:00+07:00", None),
        (
            "2026-01-10T20:00:00+07:00",
            Some("2026-01-11T08:00:00+07:00"),
        ),
        (
            "2026-01-11T07:59:00+07:00",
            Some("2026-01-11T08:00:00+07:00"),
        ),
        ("2026-01-11T08:00:00+07:00", None),
    ];
    for (i, (now, slot)) in cases.into_iter().enumerate() {
        t.clock.set(now);
        let reply = custom(&t, &number(20 + i)).await;
        assert_eq!(reply.status, StatusCode::OK, "{now}: {}", reply.body);
        let received = fake.received();
        let schedule = &received.last().unwrap().body["schedule"];
        match slot {
            None => {
                assert_eq!(reply.body["status"], "sent", "{now}");
                assert_eq!(*schedule, Value::Null, "{now}");
            }
            Some(slot) => {
                assert_eq!(reply.body["status"], "scheduled", "{now}");
                assert_eq!(reply.body["scheduled_for"], slot, "{now}");
                let at = DateTime::parse_from_rfc3339(slot).unwrap();
                assert_eq!(*schedule, json!(at.timestamp_millis()), "{now}");
            }
        }
    }
}

/// The instants StarSender was told to send at (now for a message without `schedule`).
fn slots(fake: &FakeStarSender, now: &str) -> Vec<DateTime<FixedOffset>> {
    let now = DateTime::parse_from_rfc3339(now).unwrap();
    let mut slots: Vec<_> = fake
        .received()
        .iter()
        .map(|r| match r.body["schedule"].as_i64() {
            Some(ms) => DateTime::from_timestamp_millis(ms)
                .unwrap()
                .with_timezone(&chrono_tz::Asia::Jakarta)
                .fixed_offset(),
            None => now,
        })
        .collect();
    slots.sort();
    slots
}

async fn a_run_of_twenty_leaves_with_random_gaps_under_the_hourly_limit(backend: Backend) {
    let (t, fake) = paced(backend, |c| c.pacing = PacingSettings::default()).await;
    due_records(&t, 20).await;
    let run = t.call(Method::POST, BULK, None).await.body;
    assert_eq!(run["reminder_sent"], 1, "the first leaves now: {run}");
    assert_eq!(run["reminder_scheduled"], 19, "{run}");
    let slots = slots(&fake, "2026-01-10T10:30:00+07:00");
    assert_eq!(slots.len(), 20);
    for pair in slots.windows(2) {
        let gap = (pair[1] - pair[0]).num_seconds();
        // 20-60 s, and never closer than 80 an hour allows (45 s).
        assert!((45..=60).contains(&gap), "gap {gap}");
    }
    let log = t
        .call(Method::GET, "/messages?status=scheduled&limit=100", None)
        .await;
    let entries = log.body["data"].as_array().unwrap();
    assert_eq!(entries.len(), 19);
    assert!(entries.iter().all(|e| e["scheduled_for"].is_string()));
}

async fn the_brake_stops_a_run_on_a_disconnected_device(backend: Backend) {
    let (t, fake) = paced(backend, |c| c.reminder_concurrency = 1).await;
    due_records(&t, 3).await;
    fake.behave(Behaviour::Disconnected);
    let run = t.call(Method::POST, BULK, None).await.body;
    assert_eq!(run["reminder_failed"], 1, "{run}");
    assert_eq!(run["deferred"], 2, "{run}");
    let reason = run["paused_reason"].as_str().unwrap().to_string();
    assert!(reason.starts_with(BRAKE), "{reason}");
    assert_eq!(fake.received().len(), 1);
    let status = t
        .call(Method::GET, "/scheduler/maintenance-reminder/status", None)
        .await;
    assert_eq!(status.body["paused_reason"], reason.as_str());
    // Paused, the daily run sends nothing and fails, so that its alarm fires.
    fake.behave(Behaviour::Accept);
    let daily = t
        .app
        .run(
            Job::DailyReminders,
            Instant::now() + Duration::from_secs(60),
        )
        .await;
    assert!(daily.expect_err("paused").to_string().contains(BRAKE));
    assert_eq!(fake.received().len(), 1);
    let started = t
        .call(Method::POST, "/scheduler/maintenance-reminder/start", None)
        .await;
    assert_eq!(
        started.body["paused_reason"],
        Value::Null,
        "{}",
        started.body
    );
    let run = t.call(Method::POST, BULK, None).await.body;
    assert_eq!(run["reminder_sent"], 3, "{run}");
}

async fn the_brake_stops_a_run_after_six_failures_in_ten(backend: Backend) {
    let (t, fake) = paced(backend, |c| c.reminder_concurrency = 1).await;
    due_records(&t, 10).await;
    fake.behave(Behaviour::ServerError);
    let run = t.call(Method::POST, BULK, None).await.body;
    assert_eq!(run["reminder_failed"], 6, "{run}");
    assert_eq!(run["deferred"], 4, "{run}");
    assert!(run["paused_reason"].as_str().unwrap().contains("6 dari"));
    assert_eq!(fake.received().len(), 6);
}

on_both_stores!(
    twenty_concurrent_sends_against_a_limit_of_five_let_exactly_five_through,
    nineteen_and_then_twenty_concurrent_sends_fit_a_limit_of_twenty,
    the_hour_and_the_day_turn_in_the_workshops_zone,
    a_number_gets_three_custom_messages_a_day,
    the_cooldown_holds_through_every_send_path,
    quiet_hours_schedule_for_the_first_allowed_minute,
    a_run_of_twenty_leaves_with_random_gaps_under_the_hourly_limit,
    the_brake_stops_a_run_on_a_disconnected_device,
    the_brake_stops_a_run_after_six_failures_in_ten,
);

#[tokio::test]
async fn a_429_is_documented_with_retry_after_and_its_detail() {
    let t = TestApp::new();
    let doc = t.call(Method::GET, "/openapi.json", None).await.body;
    for path in [CUSTOM, "/manual-whatsapp/{record_id}/send-reminder"] {
        let answer = &doc["paths"][path]["post"]["responses"]["429"];
        assert_eq!(
            answer["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/HttpError",
            "{path}"
        );
        assert_eq!(
            answer["headers"]["retry-after"]["schema"],
            json!({"type": "integer", "minimum": 1}),
            "{path}"
        );
    }
}

/// The figures of a run of 300 due reminders with the default pacing, started by the daily
/// run at 09:00 (`cargo test -p bengkel --test integration pacing::figures -- --ignored
/// --nocapture`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore]
async fn figures() {
    let (t, fake) = paced(Backend::Embedded, |c| c.pacing = PacingSettings::default()).await;
    due_records(&t, 300).await;
    let now = "2026-01-10T09:00:00+07:00";
    t.clock.set(now);
    let started = Instant::now();
    let summary = t
        .app
        .run(
            Job::DailyReminders,
            Instant::now() + Duration::from_secs(300),
        )
        .await
        .expect("the daily run");
    let took = started.elapsed();
    let slots = slots(&fake, now);
    let gaps: Vec<i64> = slots
        .windows(2)
        .map(|p| (p[1] - p[0]).num_seconds())
        .collect();
    let mut per_hour = BTreeMap::new();
    for slot in &slots {
        *per_hour
            .entry(slot.format("%Y-%m-%d %H").to_string())
            .or_insert(0) += 1;
    }
    let quiet = PacingSettings::default().quiet.unwrap();
    let in_quiet = slots.iter().filter(|s| quiet.contains(s.time())).count();
    println!("run summary: {}", serde_json::to_string(&summary).unwrap());
    println!("gateway calls: {}", fake.received().len());
    println!("first send: {}", slots.first().unwrap());
    println!("last send: {}", slots.last().unwrap());
    println!("smallest gap: {} s", gaps.iter().min().unwrap());
    println!("largest gap: {} s", gaps.iter().max().unwrap());
    println!("most in any hour: {}", per_hour.values().max().unwrap());
    println!("per hour: {per_hour:?}");
    println!("invocation time: {took:?}");
    println!("gateway calls leaving within quiet hours: {in_quiet}");
    assert_eq!(slots.len(), 300);
    assert_eq!(in_quiet, 0);
    assert!(slots.iter().all(|s| s.hour() >= 8));
}

#[tokio::test]
async fn a_schedule_in_the_quiet_hours_is_refused_at_start() {
    let mut config = Config::default();
    config.pacing.quiet = bengkel::pacing::QuietHours::parse("08:30-10:00");
    let t = TestApp::paced(Backend::Embedded, config).await;
    let reply = t
        .call(Method::POST, "/scheduler/maintenance-reminder/start", None)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let msg = reply.body["detail"][0]["msg"].as_str().unwrap();
    assert!(msg.contains("jam tenang (08:30-10:00"), "{msg}");
    let status = t
        .call(Method::GET, "/scheduler/maintenance-reminder/status", None)
        .await;
    assert_eq!(status.body["enabled"], false, "nothing changed");
}
