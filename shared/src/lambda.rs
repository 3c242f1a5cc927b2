//! Entry point of every Lambda function binary: build the app once per cold start, then serve
//! the function's own routes, or (the daily and monthly functions) their schedule's events.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

use crate::scheduler::{Job, JobOutcome};
use crate::{App, routes, telemetry};

/// Time kept back from the invocation's deadline: to log, answer, and let the last send finish.
const DAILY_MARGIN: Duration = Duration::from_secs(10);

/// Runs the Lambda function `function` (its name in the route table and `template.yaml`).
pub async fn run(function: &'static str) -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let app = Arc::new(App::from_lambda_env().await?);
    let router = routes::router_for(app, |route| route.function == function);
    lambda_http::run(router).await
}

/// Runs the daily reminder function `reminder-daily`: each event (EventBridge Scheduler's, whose
/// content does not matter) is one daily run, answered with its counts.
pub async fn run_daily() -> Result<(), Error> {
    run_scheduled(Job::DailyReminders).await
}

/// Runs the monthly function `report-reset-monthly`: each event is one reset of every report
/// row with its (scheduled) snapshot, answered as `reset-frequency` answers.
pub async fn run_monthly_reset() -> Result<(), Error> {
    run_scheduled(Job::MonthlyReportReset).await
}

async fn run_scheduled(job: Job) -> Result<(), Error> {
    telemetry::init_lambda();
    let app = Arc::new(App::from_lambda_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let app = app.clone();
        async move { scheduled(&app, job, event).await }
    }))
    .await
}

async fn scheduled(app: &App, job: Job, event: LambdaEvent<Value>) -> Result<JobOutcome, Error> {
    let deadline = deadline(event.context.deadline(), SystemTime::now());
    // What template.yaml has Scheduler fill in, when present: which run, which delivery attempt.
    let field = |name| {
        event
            .payload
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("-")
    };
    tracing::info!(
        scheduled_time = field("scheduled_time"),
        attempt_number = field("attempt_number"),
        execution_id = field("execution_id"),
        job = job.name(),
        "scheduled run starts"
    );
    // An error fails the invocation, so Lambda retries it: claims keep a reminder retry from
    // resending, and a reset retried finds only what the first attempt left (a reset resumed).
    Ok(job.run(app, deadline).await?)
}

/// The instant to stop starting sends: the invocation's deadline less the margin.
fn deadline(invocation_deadline: SystemTime, now: SystemTime) -> Instant {
    let left = invocation_deadline.duration_since(now).unwrap_or_default();
    Instant::now() + left.saturating_sub(DAILY_MARGIN)
}

pub use lambda_http::Error;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_keeps_the_margin() {
        let now = SystemTime::now();
        let before = Instant::now();
        let at = deadline(now + Duration::from_secs(300), now);
        assert!(
            at >= before + Duration::from_secs(290)
                && at <= Instant::now() + Duration::from_secs(290)
        );
        // A deadline already past (or within the margin): no time at all, never a panic.
        assert!(deadline(now - Duration::from_secs(5), now) <= Instant::now());
        assert!(deadline(now + Duration::from_secs(3), now) <= Instant::now());
    }
}
