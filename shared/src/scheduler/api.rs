//! The HTTP handlers of the schedule: start, stop, status.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;

use super::{ScheduleState, ScheduleStatus};
use crate::{ApiError, App};

fn answer(app: &App, state: ScheduleState) -> Json<ScheduleStatus> {
    Json(ScheduleStatus::of(
        state,
        app.clock.now(),
        app.config.timezone,
    ))
}

/// `POST /scheduler/maintenance-reminder/start`
pub async fn start(State(app): State<Arc<App>>) -> Result<Json<ScheduleStatus>, ApiError> {
    Ok(answer(&app, app.schedule.set_enabled(true).await?))
}

/// `POST /scheduler/maintenance-reminder/stop`
pub async fn stop(State(app): State<Arc<App>>) -> Result<Json<ScheduleStatus>, ApiError> {
    Ok(answer(&app, app.schedule.set_enabled(false).await?))
}

/// `GET /scheduler/maintenance-reminder/status`
pub async fn status(State(app): State<Arc<App>>) -> Result<Json<ScheduleStatus>, ApiError> {
    Ok(answer(&app, app.schedule.status().await?))
}
