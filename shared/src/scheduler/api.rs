//! The HTTP handlers of the schedules: start, stop, status, one set for every [`Job`]
//! (`/scheduler/maintenance-reminder/...` and `/scheduler/monthly-report-reset/...`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;

use super::{Job, ScheduleState, ScheduleStatus};
use crate::{ApiError, App};

/// Names the job of a set of handlers in the route table (`start::<Reminders>`).
pub trait Scheduled {
    const JOB: Job;
}

/// `/scheduler/maintenance-reminder/...`
pub struct Reminders;
/// `/scheduler/monthly-report-reset/...`
pub struct ReportReset;

impl Scheduled for Reminders {
    const JOB: Job = Job::DailyReminders;
}

impl Scheduled for ReportReset {
    const JOB: Job = Job::MonthlyReportReset;
}

fn answer(app: &App, state: ScheduleState) -> Json<ScheduleStatus> {
    Json(ScheduleStatus::of(
        state,
        app.time.instant(),
        app.config.timezone,
    ))
}

/// `POST /scheduler/<job>/start`
pub async fn start<J: Scheduled>(
    State(app): State<Arc<App>>,
) -> Result<Json<ScheduleStatus>, ApiError> {
    let state = app.schedule_of(J::JOB).set_enabled(true).await?;
    Ok(answer(&app, state))
}

/// `POST /scheduler/<job>/stop`
pub async fn stop<J: Scheduled>(
    State(app): State<Arc<App>>,
) -> Result<Json<ScheduleStatus>, ApiError> {
    let state = app.schedule_of(J::JOB).set_enabled(false).await?;
    Ok(answer(&app, state))
}

/// `GET /scheduler/<job>/status`
pub async fn status<J: Scheduled>(
    State(app): State<Arc<App>>,
) -> Result<Json<ScheduleStatus>, ApiError> {
    let state = app.schedule_of(J::JOB).status().await?;
    Ok(answer(&app, state))
}
