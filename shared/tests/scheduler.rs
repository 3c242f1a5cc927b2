//! The schedule endpoints (`/scheduler/maintenance-reminder/{start,stop,status}`, and the
//! monthly report reset's `/scheduler/monthly-report-reset/...`) on both implementations: the local in-process schedule, and EventBridge Scheduler on the moto server
//! at `MOTO_URL` (started by `infra/test.sh`). Without that variable the EventBridge tests fail:
//! a tier that did not run must not look green.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_scheduler::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_scheduler::types::{
    FlexibleTimeWindow, FlexibleTimeWindowMode, ScheduleState as AwsState, Target,
};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use bengkel::app::App;
use bengkel::auth::Auth;
use bengkel::clock::Clock;
use bengkel::config::Config;
use bengkel::report::Delivery;
use bengkel::routes;
use bengkel::scheduler::eventbridge::EventBridgeSchedule;
use bengkel::scheduler::local::{LocalSchedule, REPORT_RESET_STATE_FILE, STATE_FILE};
use bengkel::scheduler::{Job, ScheduleControl, ScheduleState};
use bengkel::store::embedded::EmbeddedStore;
use chrono::{DateTime, Utc};
use common::TestApp;
use serde_json::{Value, json};
use tower::ServiceExt;

const BASE: &str = "/scheduler/maintenance-reminder";
const JAKARTA: &str = "Asia/Jakarta";
const DAILY: &str = "cron(0 9 * * ? *)";

fn status(enabled: bool, next_run: Option<&str>) -> Value {
    json!({"enabled": enabled, "schedule_expression": DAILY, "timezone": JAKARTA, "next_run": next_run, "paused_reason": null})
}

async fn call(t: &TestApp, method: Method, action: &str) -> Value {
    let reply = t.call(method, &format!("{BASE}/{action}"), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{action}: {}", reply.body);
    reply.body
}

// --- The local schedule, through the router -----------------------------------------------------

#[tokio::test]
async fn local_schedule_starts_disabled_and_switches() {
    let t = TestApp::new(); // 2026-01-10 10:30 in Jakarta
    assert_eq!(call(&t, Method::GET, "status").await, status(false, None));
    let tomorrow = status(true, Some("2026-01-11T09:00:00+07:00"));
    assert_eq!(call(&t, Method::POST, "start").await, tomorrow);
    assert_eq!(
        call(&t, Method::POST, "start").await,
        tomorrow,
        "starting twice changes nothing"
    );
    assert_eq!(
        call(&t, Method::GET, "status/").await,
        tomorrow,
        "the slash form too"
    );
    assert_eq!(call(&t, Method::POST, "stop/").await, status(false, None));
    assert_eq!(call(&t, Method::GET, "status").await, status(false, None));
}

#[tokio::test]
async fn next_run_is_the_coming_nine_oclock_in_jakarta() {
    let t = TestApp::new();
    call(&t, Method::POST, "start").await;
    for (now, next) in [
        ("2026-01-10T08:15:00+07:00", "2026-01-10T09:00:00+07:00"), // before 09:00: today
        ("2026-01-10T08:59:59+07:00", "2026-01-10T09:00:00+07:00"),
        ("2026-01-10T09:00:00+07:00", "2026-01-11T09:00:00+07:00"), // at or after: tomorrow
        ("2026-01-10T10:30:00+07:00", "2026-01-11T09:00:00+07:00"),
        // Near midnight UTC, Jakarta's date is already the next one.
        ("2026-01-10T16:59:59Z", "2026-01-11T09:00:00+07:00"), // 23:59:59 in Jakarta
        ("2026-01-10T17:00:00Z", "2026-01-11T09:00:00+07:00"), // 00:00 on the 11th in Jakarta
        ("2026-01-10T23:30:00Z", "2026-01-11T09:00:00+07:00"), // 06:30 on the 11th in Jakarta
        ("2026-01-11T01:59:00Z", "2026-01-11T09:00:00+07:00"), // 08:59 on the 11th
        ("2026-01-11T02:00:00Z", "2026-01-12T09:00:00+07:00"), // 09:00 on the 11th
        ("2026-12-31T20:00:00Z", "2027-01-01T09:00:00+07:00"), // over the year's end
    ] {
        t.clock.set(now);
        assert_eq!(
            call(&t, Method::GET, "status").await["next_run"],
            json!(next),
            "at {now}"
        );
    }
}

#[tokio::test]
async fn the_schedule_needs_a_token() {
    let t = TestApp::new();
    for (method, action) in [
        (Method::POST, "start"),
        (Method::POST, "stop"),
        (Method::GET, "status"),
    ] {
        let reply = t
            .send(method, &format!("{BASE}/{action}"), None, None)
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{action}");
    }
    let reply = t.call(Method::GET, &format!("{BASE}/start"), None).await;
    assert_eq!(
        reply.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "start is a POST"
    );
}

#[tokio::test]
async fn the_local_state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let zone = chrono_tz::Asia::Jakarta;
    let enabled = |s: ScheduleState| s.enabled;
    assert!(
        !enabled(
            LocalSchedule::open(dir.path(), zone)
                .unwrap()
                .status()
                .await
                .unwrap()
        ),
        "off at first"
    );

    let schedule = LocalSchedule::open(dir.path(), zone).unwrap();
    assert!(enabled(schedule.set_enabled(true).await.unwrap()));
    drop(schedule);
    let reopened = LocalSchedule::open(dir.path(), zone).unwrap();
    assert!(
        enabled(reopened.status().await.unwrap()),
        "started stays started"
    );
    assert!(!enabled(reopened.set_enabled(false).await.unwrap()));
    assert!(!enabled(
        LocalSchedule::open(dir.path(), zone)
            .unwrap()
            .status()
            .await
            .unwrap()
    ));

    std::fs::write(dir.path().join(STATE_FILE), "not json").unwrap();
    let Err(error) = LocalSchedule::open(dir.path(), zone) else {
        panic!("a corrupt state file is reported")
    };
    assert!(error.to_string().contains(STATE_FILE), "{error}");
}

// --- The local schedule's task ------------------------------------------------------------------

/// A clock that stands wherever the test puts it.
struct StillClock(Mutex<DateTime<Utc>>);

impl StillClock {
    fn at(rfc3339: &str) -> Arc<Self> {
        Arc::new(StillClock(Mutex::new(instant(rfc3339))))
    }
}

impl Clock for StillClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

fn instant(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

/// An app on a fresh embedded store with `schedule`, and its router and a token.
struct Setup {
    app: Arc<App>,
    router: Router,
    token: String,
    _dir: tempfile::TempDir,
}

impl Setup {
    fn new(clock: Arc<dyn Clock>, schedule: Arc<dyn ScheduleControl>) -> Self {
        Self::for_job(clock, Job::DailyReminders, schedule)
    }

    /// An app whose schedule of `job` is `schedule`.
    fn for_job(clock: Arc<dyn Clock>, job: Job, schedule: Arc<dyn ScheduleControl>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(&dir.path().join("test.redb")).unwrap();
        let config = Config::default();
        let auth = Auth::new(common::SECRET.as_bytes(), &config).unwrap();
        let token = auth.issue("tester", Duration::from_secs(3600), &config);
        let app = App::new(config, auth, Arc::new(store))
            .unwrap()
            .with_clock(clock);
        let app = Arc::new(match job {
            Job::DailyReminders => app.with_schedule(schedule),
            Job::MonthlyReportReset | Job::DeliveryPoll => app.with_report_reset_schedule(schedule),
        });
        Setup {
            router: routes::router(app.clone()),
            app,
            token,
            _dir: dir,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&bytes).unwrap()
            },
        )
    }

    async fn ok(&self, method: Method, path: &str) -> Value {
        let (status, body) = self.call(method, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    async fn sent_count(&self, id: &str) -> Value {
        self.ok(Method::GET, &format!("/manual-whatsapp/{id}"))
            .await["reminder_sent_count"]
            .clone()
    }
}

#[tokio::test]
async fn the_local_task_runs_the_reminders_at_nine_only_while_started() {
    // Half a second before 09:00 in Jakarta, with a record due in two days.
    let clock = StillClock::at("2026-01-10T08:59:59.500+07:00");
    let schedule = Arc::new(LocalSchedule::in_memory(chrono_tz::Asia::Jakarta));
    let s = Setup::new(clock.clone(), schedule.clone());
    let _task = schedule.spawn(Arc::downgrade(&s.app));
    let body = json!({"customer_name": "Bapak Joko", "nopol": "B 1234 XYZ", "no_hp": "08123456789", "next_service": "2026-01-12"});
    let (status, record) = s.call(Method::POST, "/manual-whatsapp/", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{record}");
    let id = record["id"].as_str().unwrap().to_string();

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        s.sent_count(&id).await,
        json!(0),
        "stopped: 09:00 passes without a run"
    );

    s.ok(Method::POST, &format!("{BASE}/start")).await;
    let mut count = json!(0);
    for _ in 0..50 {
        count = s.sent_count(&id).await;
        if count == json!(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        count,
        json!(1),
        "started: the 09:00 run reminded the due record"
    );

    // The clock stands still: the next run is tomorrow's, not another one now.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let log = s.ok(Method::GET, "/messages").await;
    let entries = log["data"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "one message: {log}");
    assert_eq!(entries[0]["source"], json!("scheduled"), "{log}");
    assert_eq!(
        entries[0]["sent_by"],
        json!("jadwal"),
        "the schedule sent it: {log}"
    );
}

// --- EventBridge Scheduler on moto --------------------------------------------------------------

fn scheduler_client() -> aws_sdk_scheduler::Client {
    let Ok(endpoint) = std::env::var("MOTO_URL") else {
        panic!("EventBridge Scheduler tests need moto: set MOTO_URL or run infra/test.sh");
    };
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "ap-southeast-3".into());
    let config = aws_sdk_scheduler::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region))
        .credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "scheduler-tests",
        ))
        .build();
    aws_sdk_scheduler::Client::from_conf(config)
}

const TARGET: &str = "arn:aws:lambda:ap-southeast-3:123456789012:function:reminder-daily";
const ROLE: &str = "arn:aws:iam::123456789012:role/reminder-schedule";

/// Creates an enabled schedule in moto (a fresh name each test) as the stack deploys it.
async fn deployed(client: &aws_sdk_scheduler::Client, expression: &str, zone: &str) -> String {
    let name = format!("maintenance-reminder-{}", uuid::Uuid::new_v4().simple());
    client
        .create_schedule()
        .name(&name)
        .schedule_expression(expression)
        .schedule_expression_timezone(zone)
        .description("Daily maintenance reminders")
        .flexible_time_window(
            FlexibleTimeWindow::builder()
                .mode(FlexibleTimeWindowMode::Off)
                .build()
                .unwrap(),
        )
        .target(
            Target::builder()
                .arn(TARGET)
                .role_arn(ROLE)
                .input("{}")
                .build()
                .unwrap(),
        )
        .state(AwsState::Enabled)
        .send()
        .await
        .expect("create the schedule in moto");
    name
}

/// The schedule as moto has it: state, expression, zone, target, window, description.
async fn in_moto(client: &aws_sdk_scheduler::Client, name: &str) -> (Option<AwsState>, Value) {
    let s = client
        .get_schedule()
        .name(name)
        .send()
        .await
        .expect("GetSchedule from moto");
    let target = s.target().expect("target");
    let rest = json!({
        "expression": s.schedule_expression(),
        "timezone": s.schedule_expression_timezone(),
        "description": s.description(),
        "target": [target.arn(), target.role_arn(), target.input()],
        "window": s.flexible_time_window().map(|w| w.mode().as_str().to_string()),
    });
    (s.state().cloned(), rest)
}

fn on_moto(name: &str) -> Setup {
    let schedule = EventBridgeSchedule::new(scheduler_client(), name, "default");
    Setup::new(
        StillClock::at("2026-01-10T10:30:00+07:00"),
        Arc::new(schedule),
    )
}

#[tokio::test]
async fn eventbridge_schedule_is_read_stopped_and_started() {
    let client = scheduler_client();
    let name = deployed(&client, DAILY, JAKARTA).await;
    let (_, deployed_fields) = in_moto(&client, &name).await;
    let s = on_moto(&name);
    let tomorrow = status(true, Some("2026-01-11T09:00:00+07:00"));

    assert_eq!(s.ok(Method::GET, &format!("{BASE}/status")).await, tomorrow);

    assert_eq!(
        s.ok(Method::POST, &format!("{BASE}/stop")).await,
        status(false, None)
    );
    let (state, fields) = in_moto(&client, &name).await;
    assert_eq!(
        state,
        Some(AwsState::Disabled),
        "moto's schedule is disabled"
    );
    assert_eq!(
        fields, deployed_fields,
        "UpdateSchedule kept every other field"
    );
    assert_eq!(
        s.ok(Method::GET, &format!("{BASE}/status/")).await,
        status(false, None)
    );
    assert_eq!(
        s.ok(Method::POST, &format!("{BASE}/stop/")).await,
        status(false, None),
        "stopping twice"
    );

    assert_eq!(s.ok(Method::POST, &format!("{BASE}/start")).await, tomorrow);
    let (state, fields) = in_moto(&client, &name).await;
    assert_eq!(
        state,
        Some(AwsState::Enabled),
        "moto's schedule is enabled again"
    );
    assert_eq!(fields, deployed_fields);
    assert_eq!(s.ok(Method::GET, &format!("{BASE}/status")).await, tomorrow);
}

#[tokio::test]
async fn eventbridge_next_run_is_read_in_the_schedules_zone_and_shown_in_the_workshops() {
    let client = scheduler_client();
    // 02:00 UTC is 09:00 in Jakarta; at 03:30 UTC (10:30 in Jakarta) that is tomorrow's.
    let name = deployed(&client, "cron(0 2 * * ? *)", "UTC").await;
    let body = on_moto(&name)
        .ok(Method::GET, &format!("{BASE}/status"))
        .await;
    assert_eq!(
        body,
        json!({"enabled": true, "schedule_expression": "cron(0 2 * * ? *)", "timezone": "UTC", "next_run": "2026-01-11T09:00:00+07:00", "paused_reason": null})
    );

    // Another form than the daily one: described, but no next run computed.
    let name = deployed(&client, "cron(0 9 ? * MON-FRI *)", JAKARTA).await;
    let body = on_moto(&name)
        .ok(Method::GET, &format!("{BASE}/status"))
        .await;
    assert_eq!(body["enabled"], json!(true));
    assert_eq!(
        body["schedule_expression"],
        json!("cron(0 9 ? * MON-FRI *)")
    );
    assert_eq!(body["next_run"], Value::Null);
}

#[tokio::test]
async fn a_missing_eventbridge_schedule_is_a_500_without_details() {
    let s = on_moto(&format!(
        "no-such-schedule-{}",
        uuid::Uuid::new_v4().simple()
    ));
    for (method, action) in [
        (Method::GET, "status"),
        (Method::POST, "start"),
        (Method::POST, "stop"),
    ] {
        let (status, body) = s.call(method, &format!("{BASE}/{action}"), None).await;
        assert_eq!(
            status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{action}: {body}"
        );
        assert_eq!(
            body,
            json!({"detail": "Terjadi kesalahan internal server"}),
            "{action}"
        );
    }
}

// --- The monthly report reset: the same schedule, another job ----------------------------------

const MONTHLY_BASE: &str = "/scheduler/monthly-report-reset";
const MONTHLY: &str = "cron(5 0 1 * ? *)";

fn monthly_status(enabled: bool, next_run: Option<&str>) -> Value {
    json!({"enabled": enabled, "schedule_expression": MONTHLY, "timezone": JAKARTA, "next_run": next_run, "paused_reason": null})
}

#[tokio::test]
async fn the_monthly_reset_schedule_switches_on_its_own() {
    let t = TestApp::new(); // 2026-01-10 10:30 in Jakarta
    let monthly = |action: &str| format!("{MONTHLY_BASE}/{action}");
    let t = &t;
    let get = |path: String| async move { t.call(Method::GET, &path, None).await.body };
    assert_eq!(get(monthly("status")).await, monthly_status(false, None));
    let next = monthly_status(true, Some("2026-02-01T00:05:00+07:00"));
    assert_eq!(
        t.call(Method::POST, &monthly("start"), None).await.body,
        next
    );
    assert_eq!(get(monthly("status/")).await, next);
    assert_eq!(
        call(t, Method::GET, "status").await,
        status(false, None),
        "the reminder schedule is another one"
    );
    // On the first, before and after 00:05.
    t.clock.set("2026-02-01T00:04:00+07:00");
    assert_eq!(
        get(monthly("status")).await["next_run"],
        json!("2026-02-01T00:05:00+07:00")
    );
    t.clock.set("2026-02-01T00:05:00+07:00");
    assert_eq!(
        get(monthly("status")).await["next_run"],
        json!("2026-03-01T00:05:00+07:00")
    );
    assert_eq!(
        t.call(Method::POST, &monthly("stop"), None).await.body,
        monthly_status(false, None)
    );
    let reply = t.send(Method::GET, &monthly("status"), None, None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_monthly_state_is_kept_apart_from_the_reminders() {
    let dir = tempfile::tempdir().unwrap();
    let zone = chrono_tz::Asia::Jakarta;
    let monthly = LocalSchedule::open_for(Job::MonthlyReportReset, dir.path(), zone).unwrap();
    assert!(!monthly.status().await.unwrap().enabled, "off at first");
    assert!(monthly.set_enabled(true).await.unwrap().enabled);
    drop(monthly);
    assert!(dir.path().join(REPORT_RESET_STATE_FILE).exists());
    let reopened = LocalSchedule::open_for(Job::MonthlyReportReset, dir.path(), zone).unwrap();
    let state = reopened.status().await.unwrap();
    assert!(state.enabled, "started stays started");
    assert_eq!(state.expression, MONTHLY);
    let reminders = LocalSchedule::open(dir.path(), zone).unwrap();
    assert!(!reminders.status().await.unwrap().enabled);
}

#[tokio::test]
async fn the_local_task_resets_the_report_on_the_first_only_while_started() {
    // Half a second before 00:05 on the first, with a pair reminded three times.
    let clock = StillClock::at("2026-02-01T00:04:59.500+07:00");
    let schedule = Arc::new(LocalSchedule::in_memory_for(
        Job::MonthlyReportReset,
        chrono_tz::Asia::Jakarta,
    ));
    let s = Setup::for_job(clock.clone(), Job::MonthlyReportReset, schedule.clone());
    let _task = schedule.spawn(Arc::downgrade(&s.app));
    let delivery = Delivery {
        message_id: None,
        id_customer: uuid::Uuid::new_v4().to_string(),
        id_vehicle: uuid::Uuid::new_v4().to_string(),
        customer_name: "Budi".into(),
        customer_phone: "6281234567890".into(),
        vehicle_model: "Avanza".into(),
        vehicle_nopol: "B 1 AA".into(),
        at: s.app.time.now(),
    };
    for _ in 0..3 {
        s.app
            .reports
            .record_delivery(&delivery, None)
            .await
            .unwrap();
    }
    let frequency =
        || async { s.ok(Method::GET, "/whatsapp-report/").await[0]["frequency"].clone() };

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        frequency().await,
        json!(3),
        "stopped: 00:05 passes without a reset"
    );

    s.ok(Method::POST, &format!("{MONTHLY_BASE}/start")).await;
    let mut now = json!(3);
    for _ in 0..50 {
        now = frequency().await;
        if now == json!(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(now, json!(0), "started: the run on the first reset the row");
    let snapshots = s.ok(Method::GET, "/whatsapp-report/snapshots").await;
    assert_eq!(snapshots.as_array().unwrap().len(), 1, "{snapshots}");
    assert_eq!(snapshots[0]["trigger"], json!("scheduled"));
    assert_eq!(snapshots[0]["total_frequency"], json!(3));
}

#[tokio::test]
async fn eventbridge_monthly_schedule_is_read_stopped_and_started() {
    let client = scheduler_client();
    let name = deployed(&client, MONTHLY, JAKARTA).await;
    let (_, deployed_fields) = in_moto(&client, &name).await;
    let schedule = EventBridgeSchedule::new(scheduler_client(), &name, "default");
    let s = Setup::for_job(
        StillClock::at("2026-01-10T10:30:00+07:00"),
        Job::MonthlyReportReset,
        Arc::new(schedule),
    );
    let next = monthly_status(true, Some("2026-02-01T00:05:00+07:00"));
    assert_eq!(
        s.ok(Method::GET, &format!("{MONTHLY_BASE}/status")).await,
        next
    );
    assert_eq!(
        s.ok(Method::POST, &format!("{MONTHLY_BASE}/stop")).await,
        monthly_status(false, None)
    );
    let (state, fields) = in_moto(&client, &name).await;
    assert_eq!(
        state,
        Some(AwsState::Disabled),
        "moto's schedule is disabled"
    );
    assert_eq!(
        fields, deployed_fields,
        "UpdateSchedule kept every other field"
    );
    assert_eq!(
        s.ok(Method::POST, &format!("{MONTHLY_BASE}/start")).await,
        next
    );
    assert_eq!(in_moto(&client, &name).await.0, Some(AwsState::Enabled));
    // The reminder endpoints of this app drive another schedule (here the in-memory one).
    assert_eq!(
        s.ok(Method::GET, &format!("{BASE}/status")).await,
        status(false, None)
    );
}
