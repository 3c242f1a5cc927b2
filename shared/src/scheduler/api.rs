//! The HTTP handlers of the schedules: start, stop, status, one set for every [`Job`]
//! (`/scheduler/maintenance-reminder/...` and `/scheduler/monthly-report-reset/...`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;

use super::{Job, ScheduleStatus};
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

/// `POST /scheduler/<job>/start`
pub async fn start<J: Scheduled>(
    State(app): State<Arc<App>>,
) -> Result<Json<ScheduleStatus>, ApiError> {
    Ok(Json(app.job_schedule(J::JOB).start().await?))
}

/// `POST /scheduler/<job>/stop`
pub async fn stop<J: Scheduled>(
    State(app): State<Arc<App>>,
) -> Result<Json<ScheduleStatus>, ApiError> {
    Ok(Json(app.job_schedule(J::JOB).stop().await?))
}

/// `GET /scheduler/<job>/status`
pub async fn status<J: Scheduled>(
    State(app): State<Arc<App>>,
) -> Result<Json<ScheduleStatus>, ApiError> {
    Ok(Json(app.job_schedule(J::JOB).status().await?))
}
