//! The HTTP handlers of the reminders.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use std::collections::HashMap;

use super::Reminders;
use super::preview::Preview;
use super::{Detail, Outcome, Reach, Run, RunReport};
use crate::actor::{Actor, Level};
use crate::body::{Fields, Slot};
use crate::error::ApiError;
use crate::extract::{FromBody, FromQuery, Valid, ValidQuery};
use crate::messages::{MessageEntry, Source};
use crate::openapi::Doc;
use crate::query::Params;
use crate::route::{Route, route};
use axum::http::Method;

/// What this domain's handlers need of the application that serves them.
pub trait HasReminders: Send + Sync + 'static {
    /// The reminders, sent on behalf of `sent_by`.
    fn reminders<'a>(&'a self, sent_by: &'a str) -> Reminders<'a>;
}

/// An API call's time budget, inside API Gateway's 30 s.
const API_BUDGET: Duration = Duration::from_secs(25);
/// Largest `days_threshold` accepted.
const MAX_DAYS_THRESHOLD: u64 = 365;
/// The window when the request names none.
const DEFAULT_DAYS_THRESHOLD: u32 = 3;

/// `{"days_threshold": 3, "only_active": true}`; both optional, an empty body is the defaults.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"days_threshold": 3, "only_active": true}))]
pub struct SendReminders {
    /// Days ahead, today included, whose next services are due.
    #[schema(minimum = 0, maximum = 365, default = 3)]
    pub days_threshold: Option<u32>,
    /// Only active records (default `true`).
    #[schema(default = true)]
    pub only_active: Option<bool>,
}

/// `{"days_threshold": 3}`, optional: the register has no inactive vehicles.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"days_threshold": 3}))]
pub struct SendMaintenanceReminders {
    #[schema(minimum = 0, maximum = 365, default = 3)]
    pub days_threshold: Option<u32>,
}

/// Reads `days_threshold` and, for the manual records, `only_active`.
fn read_run(body: Value, reach: Reach) -> Result<(Option<u32>, Option<bool>), ApiError> {
    let mut f = Fields::new(body, vec![json!("body")]).map_err(ApiError::Invalid)?;
    let days_threshold = f.whole("days_threshold", MAX_DAYS_THRESHOLD).given();
    let only_active = match reach {
        Reach::Register => Slot::Absent,
        _ => f.boolean("only_active"),
    };
    f.finish().map_err(ApiError::Invalid)?;
    Ok((days_threshold.map(|d| d as u32), only_active.given()))
}

impl FromBody for SendReminders {
    type Shape = SendReminders;
    const OPTIONAL: bool = true;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        let (days_threshold, only_active) = read_run(body, Reach::Manual)?;
        Ok(SendReminders {
            days_threshold,
            only_active,
        })
    }
}

impl FromBody for SendMaintenanceReminders {
    type Shape = SendMaintenanceReminders;
    const OPTIONAL: bool = true;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        let (days_threshold, _) = read_run(body, Reach::Register)?;
        Ok(SendMaintenanceReminders { days_threshold })
    }
}

/// The run a request asks for, with the API's time budget from `started`.
fn api_run(reach: Reach, days_threshold: Option<u32>, only_active: bool, started: Instant) -> Run {
    Run {
        reach,
        days_threshold: days_threshold.unwrap_or(DEFAULT_DAYS_THRESHOLD),
        only_active,
        source: Source::Bulk,
        explain: true,
        deadline: started + API_BUDGET,
    }
}

/// `POST /manual-whatsapp/send-reminders`: the manual records.
pub async fn send_reminders<A: HasReminders>(
    State(app): State<Arc<A>>,
    actor: Actor,
    Valid(request): Valid<SendReminders>,
) -> Result<Json<RunReport>, ApiError> {
    let only_active = request.only_active.unwrap_or(true);
    let run = api_run(
        Reach::Manual,
        request.days_threshold,
        only_active,
        Instant::now(),
    );
    Ok(Json(app.reminders(&actor.sub).run(&run).await?))
}

/// `POST /customers/send-maintenance-reminder`: the register's vehicles.
pub async fn send_maintenance_reminders<A: HasReminders>(
    State(app): State<Arc<A>>,
    actor: Actor,
    Valid(request): Valid<SendMaintenanceReminders>,
) -> Result<Json<RunReport>, ApiError> {
    let run = api_run(
        Reach::Register,
        request.days_threshold,
        true,
        Instant::now(),
    );
    Ok(Json(app.reminders(&actor.sub).run(&run).await?))
}

/// The answer of a single reminder: `{"success", "data", "message"}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReminderAnswer {
    pub success: bool,
    pub data: Detail,
    #[schema(example = "Reminder berhasil dikirim")]
    pub message: String,
}

/// The message of a reminder asked for in the quiet hours.
const SCHEDULED: &str = "Reminder dijadwalkan: di luar jam kirim, dikirim pada scheduled_for";

/// 200 when sent (or scheduled); 502 with the same shape when the gateway failed; 429 when a
/// limit or the record's cooldown refuses it.
pub async fn send_reminder<A: HasReminders>(
    State(app): State<Arc<A>>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<ReminderAnswer>), ApiError> {
    let detail = app.reminders(&actor.sub).send_one(&id).await?;
    let (status, success, message) = match detail.status {
        Outcome::Failed => (StatusCode::BAD_GATEWAY, false, "Reminder gagal dikirim"),
        Outcome::Unknown => (StatusCode::BAD_GATEWAY, false, super::UNKNOWN_PENDING),
        Outcome::Skipped => (StatusCode::CONFLICT, false, crate::optout::OPTED_OUT),
        Outcome::Scheduled => (StatusCode::OK, true, SCHEDULED),
        Outcome::Sent => (StatusCode::OK, true, "Reminder berhasil dikirim"),
    };
    Ok((
        status,
        Json(ReminderAnswer {
            success,
            data: detail,
            message: message.into(),
        }),
    ))
}

/// `POST /messages/{message_id}/resolve`: settles a send whose outcome is unknown.
pub async fn resolve<A: HasReminders>(
    State(app): State<Arc<A>>,
    actor: Actor,
    Path(id): Path<String>,
    Valid(request): Valid<super::resolve::Resolve>,
) -> Result<Json<MessageEntry>, ApiError> {
    Ok(Json(
        app.reminders(&actor.sub)
            .resolve(&id, request.outcome)
            .await?,
    ))
}

/// Preview lines per page, by default and at most.
const DEFAULT_PREVIEW_PAGE: usize = 100;
const MAX_PREVIEW_PAGE: usize = 1000;

/// `?limit=&cursor=`: a page of a preview (the daily run's takes only this).
#[derive(Debug, Clone, PartialEq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewPage {
    #[param(value_type = u32, required = false, minimum = 1, maximum = 1000, default = 100)]
    pub limit: usize,
    /// The previous page's `next_cursor`; empty or absent: the first page.
    #[param(rename = "cursor", value_type = Option<String>)]
    pub start: usize,
}

/// `?days_threshold=3&only_active=true&limit=&cursor=`: the window of `send-reminders`.
#[derive(Debug, Clone, PartialEq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    #[param(value_type = Option<u32>, minimum = 0, maximum = 365)]
    pub days_threshold: Option<u32>,
    #[param(value_type = Option<bool>)]
    pub only_active: bool,
    #[param(value_type = u32, required = false, minimum = 1, maximum = 1000, default = 100)]
    pub limit: usize,
    /// The previous page's `next_cursor`; empty or absent: the first page.
    #[param(rename = "cursor", value_type = Option<String>)]
    pub start: usize,
}

/// Reads the page of a preview.
fn preview_page(p: &mut Params<'_>) -> PreviewPage {
    PreviewPage {
        limit: p.limit(DEFAULT_PREVIEW_PAGE, MAX_PREVIEW_PAGE),
        start: p
            .cursor(|c| c.parse::<usize>().is_ok())
            .and_then(|c| c.parse().ok())
            .unwrap_or(0),
    }
}

impl FromQuery for PreviewPage {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        let page = preview_page(&mut p);
        p.finish().map(|()| page).map_err(ApiError::Invalid)
    }
}

impl FromQuery for PreviewQuery {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        let days_threshold = p.whole("days_threshold");
        if days_threshold.is_some_and(|d| d > MAX_DAYS_THRESHOLD) {
            p.refuse(
                "days_threshold",
                "Input should be less than or equal to 365",
            );
        }
        let only_active = p.flag("only_active", true);
        let page = preview_page(&mut p);
        let query = PreviewQuery {
            days_threshold: days_threshold.map(|d| d.min(MAX_DAYS_THRESHOLD) as u32),
            only_active,
            limit: page.limit,
            start: page.start,
        };
        p.finish().map(|()| query).map_err(ApiError::Invalid)
    }
}

/// `GET /manual-whatsapp/send-reminders/preview`: what `send-reminders` would do now.
pub async fn preview_due<A: HasReminders>(
    State(app): State<Arc<A>>,
    actor: Actor,
    ValidQuery(query): ValidQuery<PreviewQuery>,
) -> Result<Json<Preview>, ApiError> {
    let run = api_run(
        Reach::Manual,
        query.days_threshold,
        query.only_active,
        Instant::now(),
    );
    let reminders = app.reminders(&actor.sub);
    Ok(Json(
        reminders.preview(&run, query.start, query.limit).await?,
    ))
}

/// `GET /scheduler/maintenance-reminder/preview`: what the daily run would do now.
pub async fn preview_daily<A: HasReminders>(
    State(app): State<Arc<A>>,
    actor: Actor,
    ValidQuery(page): ValidQuery<PreviewPage>,
) -> Result<Json<Preview>, ApiError> {
    let reminders = app.reminders(&actor.sub);
    let run = Run::daily(&reminders.settings, Instant::now());
    Ok(Json(reminders.preview(&run, page.start, page.limit).await?))
}

/// The routes of this domain, served on any application that gives its handlers what they need.
pub fn routes<A: HasReminders>() -> Vec<Route<Arc<A>>> {
    vec![
        route(
            "reminder-preview-due",
            Method::GET,
            "/manual-whatsapp/send-reminders/preview",
            Level::Read,
            preview_due::<A>,
        )
        .doc(|| {
            Doc::new(
                "reminders",
                "Who send-reminders would send to now, and who it would skip and why; writes nothing",
            )
            .query::<PreviewQuery>()
            .json::<Preview>(StatusCode::OK, "A page of the preview and the counts of all")
        }),
        route(
            "scheduler-preview",
            Method::GET,
            "/scheduler/maintenance-reminder/preview",
            Level::Read,
            preview_daily::<A>,
        )
        .doc(|| {
            Doc::new(
                "scheduler",
                "Who the daily run would send to now (manual records and the register), and who it would skip and why; writes nothing",
            )
            .query::<PreviewPage>()
            .json::<Preview>(StatusCode::OK, "A page of the preview and the counts of all")
        }),
        route(
            "messages-resolve",
            Method::POST,
            "/messages/{message_id}/resolve",
            Level::Admin,
            resolve::<A>,
        )
        .doc(|| {
            Doc::new(
                "messages",
                "Settle a send whose outcome is unknown: sent (counted) or not_sent (sendable again)",
            )
            .body::<super::resolve::Resolve>()
            .json::<MessageEntry>(StatusCode::OK, "The entry as settled (also on a repeat)")
            .fails(&[StatusCode::NOT_FOUND, StatusCode::CONFLICT])
        }),
        route(
            "reminder-send-due",
            Method::POST,
            "/manual-whatsapp/send-reminders",
            Level::Staff,
            send_reminders::<A>,
        )
        .doc(|| {
            Doc::new("reminders", "Send the due reminders of the manual records")
                .body::<super::api::SendReminders>()
                .json::<super::RunReport>(StatusCode::OK, "The run's counts and a line per record")
        }),
        route(
            "reminder-send-one",
            Method::POST,
            "/manual-whatsapp/{record_id}/send-reminder",
            Level::Staff,
            send_reminder::<A>,
        )
        .doc(|| {
            Doc::new(
                "reminders",
                "Send one record's reminder now, whatever the date",
            )
            .json::<super::api::ReminderAnswer>(
                StatusCode::OK,
                "Sent, or scheduled for the end of the quiet hours (`data.status` scheduled, \
                 `data.scheduled_for`)",
            )
            .paced()
            .json::<super::api::ReminderAnswer>(
                StatusCode::BAD_GATEWAY,
                "The gateway failed; `success` false",
            )
            .json::<super::api::ReminderAnswer>(
                StatusCode::CONFLICT,
                "The number opted out; nothing was sent; `success` false",
            )
        }),
        route(
            "reminder-send-register",
            Method::POST,
            "/customers/send-maintenance-reminder",
            Level::Staff,
            send_maintenance_reminders::<A>,
        )
        .doc(|| {
            Doc::new(
                "reminders",
                "Send the due maintenance reminders of the register's vehicles",
            )
            .body::<super::api::SendMaintenanceReminders>()
            .json::<super::RunReport>(StatusCode::OK, "The run's counts and a line per vehicle")
        }),
    ]
}
