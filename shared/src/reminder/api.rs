//! The HTTP handlers of the reminders.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Outcome, Reach, Run};
use crate::body::{Fields, OptionalJsonBody, Slot};
use crate::messages::Source;
use crate::{ApiError, App};

/// An API call's time budget, inside API Gateway's 30 s.
const API_BUDGET: Duration = Duration::from_secs(25);
/// Largest `days_threshold` accepted.
const MAX_DAYS_THRESHOLD: u64 = 365;

/// `{"days_threshold": 3, "only_active": true}`; both optional, an empty body is the defaults.
/// The register has no inactive vehicles, so its runs take `days_threshold` alone.
fn run_request(body: Value, started: Instant, reach: Reach) -> Result<Run, ApiError> {
    let mut f = Fields::new(body, vec![json!("body")]).map_err(ApiError::Invalid)?;
    let days_threshold = f.whole("days_threshold", MAX_DAYS_THRESHOLD);
    let only_active = match reach {
        Reach::Register => Slot::Absent,
        _ => f.boolean("only_active"),
    };
    f.finish().map_err(ApiError::Invalid)?;
    Ok(Run {
        reach,
        days_threshold: match days_threshold {
            Slot::Given(days) => days as u32,
            _ => 3,
        },
        only_active: !matches!(only_active, Slot::Given(false)),
        source: Source::Bulk,
        explain: true,
        deadline: started + API_BUDGET,
    })
}

/// `POST /manual-whatsapp/send-reminders`: the manual records.
pub async fn send_reminders(
    State(app): State<Arc<App>>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Json<Value>, ApiError> {
    let run = run_request(body, Instant::now(), Reach::Manual)?;
    Ok(Json(json!(super::run(&app, &run).await?)))
}

/// `POST /customers/send-maintenance-reminder`: the register's vehicles.
pub async fn send_maintenance_reminders(
    State(app): State<Arc<App>>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Json<Value>, ApiError> {
    let run = run_request(body, Instant::now(), Reach::Register)?;
    Ok(Json(json!(super::run(&app, &run).await?)))
}

/// 200 when sent; 502 with the same shape when the gateway failed.
pub async fn send_reminder(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let detail = super::send_one(&app, &id).await?;
    let (status, success, message) = match detail.status {
        Outcome::Failed => (StatusCode::BAD_GATEWAY, false, "Reminder gagal dikirim"),
        _ => (StatusCode::OK, true, "Reminder berhasil dikirim"),
    };
    Ok((
        status,
        Json(json!({"success": success, "data": detail, "message": message})),
    ))
}
