//! The HTTP handlers of the schedules: start, stop, status, one set for every [`Job`]
//! (`/scheduler/maintenance-reminder/...` and `/scheduler/monthly-report-reset/...`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;

use super::JobSchedule;
use super::{Job, ScheduleStatus};
use crate::actor::Level;
use crate::error::ApiError;
use crate::openapi::Doc;
use crate::route::{Route, route};
use axum::http::Method;
use axum::http::StatusCode;

/// What this domain's handlers need of the application that serves them.
pub trait HasSchedules: Send + Sync + 'static {
    fn job_schedule(&self, job: super::Job) -> JobSchedule<'_>;
}

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
pub async fn start<J: Scheduled, A: HasSchedules>(
    State(app): State<Arc<A>>,
) -> Result<Json<ScheduleStatus>, ApiError> {
    Ok(Json(app.job_schedule(J::JOB).start().await?))
}

/// `POST /scheduler/<job>/stop`
pub async fn stop<J: Scheduled, A: HasSchedules>(
    State(app): State<Arc<A>>,
) -> Result<Json<ScheduleStatus>, ApiError> {
    Ok(Json(app.job_schedule(J::JOB).stop().await?))
}

/// `GET /scheduler/<job>/status`
pub async fn status<J: Scheduled, A: HasSchedules>(
    State(app): State<Arc<A>>,
) -> Result<Json<ScheduleStatus>, ApiError> {
    Ok(Json(app.job_schedule(J::JOB).status().await?))
}

/// The routes of this domain, served on any application that gives its handlers what they need.
pub fn routes<A: HasSchedules>() -> Vec<Route<Arc<A>>> {
    vec![
        route(
            "scheduler-start",
            Method::POST,
            "/scheduler/maintenance-reminder/start",
            Level::Admin,
            start::<Reminders, A>,
        )
        .doc(|| {
            schedule_doc("Start the daily reminder schedule, and clear a paused run's brake")
                .fails(&[StatusCode::UNPROCESSABLE_ENTITY])
        }),
        route(
            "scheduler-stop",
            Method::POST,
            "/scheduler/maintenance-reminder/stop",
            Level::Admin,
            stop::<Reminders, A>,
        )
        .doc(|| schedule_doc("Stop the daily reminder schedule")),
        route(
            "scheduler-status",
            Method::GET,
            "/scheduler/maintenance-reminder/status",
            Level::Read,
            status::<Reminders, A>,
        )
        .doc(|| schedule_doc("The daily reminder schedule")),
        route(
            "scheduler-report-reset-start",
            Method::POST,
            "/scheduler/monthly-report-reset/start",
            Level::Admin,
            start::<ReportReset, A>,
        )
        .doc(|| schedule_doc("Start the monthly report reset")),
        route(
            "scheduler-report-reset-stop",
            Method::POST,
            "/scheduler/monthly-report-reset/stop",
            Level::Admin,
            stop::<ReportReset, A>,
        )
        .doc(|| schedule_doc("Stop the monthly report reset")),
        route(
            "scheduler-report-reset-status",
            Method::GET,
            "/scheduler/monthly-report-reset/status",
            Level::Read,
            status::<ReportReset, A>,
        )
        .doc(|| schedule_doc("The monthly report reset schedule")),
    ]
}

/// The document of the three endpoints of a schedule.
fn schedule_doc(summary: &str) -> Doc {
    Doc::new("scheduler", summary)
        .json::<ScheduleStatus>(StatusCode::OK, "The schedule's state after the call")
}
