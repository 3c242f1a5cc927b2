//! Entry point of the Lambda functions. Every function in `template.yaml` runs one executable
//! (the `functions` package's `functions` binary, built once by `sam build`); which function it
//! is comes from its `Handler`, which Lambda passes to a custom runtime in `_HANDLER`. A function
//! builds the app once per cold start, then serves its own routes, or (the daily and monthly
//! functions) their schedule's events.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

use crate::app::{App, Reads};
use crate::scheduler::{Job, JobOutcome};
use crate::{routes, telemetry};

/// Time kept back from the invocation's deadline: to log, answer, and let the last send finish.
const DAILY_MARGIN: Duration = Duration::from_secs(10);

/// The variable in which Lambda passes a custom runtime its function's `Handler`.
pub const HANDLER_VAR: &str = "_HANDLER";

/// The daily reminder run, invoked by EventBridge Scheduler.
pub const DAILY: &str = "reminder-daily";
/// The monthly report reset, invoked by EventBridge Scheduler.
pub const MONTHLY_RESET: &str = crate::app::MONTHLY_RESET;

/// StarSender's delivery poll, invoked by EventBridge Scheduler every 15 minutes.
pub const DELIVERY_POLL: &str = "messages-delivery-poll";

/// The functions that are not HTTP endpoints: each runs a schedule's job.
const SCHEDULED: [(&str, Job); 3] = [
    (DAILY, Job::DailyReminders),
    (MONTHLY_RESET, Job::MonthlyReportReset),
    (DELIVERY_POLL, Job::DeliveryPoll),
];

/// The functions that talk to the WhatsApp provider: the only ones that read its secret.
pub const SENDING: [&str; 8] = [
    "messages-send-custom",
    "replies-webhook",
    "cloud-webhook",
    DELIVERY_POLL,
    "reminder-send-due",
    "reminder-send-one",
    "reminder-send-register",
    DAILY,
];

/// What one Lambda function serves, by its name in the route table and `template.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// The routes of the route table that name this function.
    Http(&'static str),
    /// A schedule's job: the daily reminders or the monthly report reset.
    Scheduled(Job),
}

/// A function name that names no function: the process stops before it serves anything.
#[derive(PartialEq, Eq)]
pub enum UnknownFunction {
    /// `_HANDLER` is unset or empty.
    Missing,
    /// No route and no scheduled job has this name.
    Named(String),
}

impl Function {
    /// The function called `name`.
    pub fn named(name: &str) -> Result<Self, UnknownFunction> {
        if let Some((_, job)) = SCHEDULED.iter().find(|(scheduled, _)| *scheduled == name) {
            return Ok(Self::Scheduled(*job));
        }
        routes::routes()
            .into_iter()
            .find(|route| route.function == name)
            .map(|route| Self::Http(route.function))
            .ok_or_else(|| UnknownFunction::Named(name.to_string()))
    }

    /// The function a `Handler` (the value of `_HANDLER`, if set) names.
    pub fn from_handler(handler: Option<&str>) -> Result<Self, UnknownFunction> {
        match handler {
            None | Some("") => Err(UnknownFunction::Missing),
            Some(name) => Self::named(name),
        }
    }

    /// Every function's name: each routed one once, in route-table order, then the scheduled ones.
    pub fn names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for route in routes::routes() {
            if !names.contains(&route.function) {
                names.push(route.function);
            }
        }
        names.extend(SCHEDULED.map(|(name, _)| name));
        names
    }

    /// The secrets this function reads: the JWT secret when one of its routes needs a token,
    /// the StarSender key when it sends.
    pub fn reads(self) -> Reads {
        let token_key = match self {
            Self::Http(name) => routes::routes()
                .iter()
                .any(|route| route.function == name && route.level().is_some()),
            Self::Scheduled(_) => false,
        };
        Reads {
            token_key,
            starsender_key: SENDING.contains(&self.name()),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Http(name) => name,
            Self::Scheduled(job) => SCHEDULED
                .iter()
                .find(|(_, scheduled)| *scheduled == job)
                .map_or(DAILY, |(name, _)| name),
        }
    }

    /// The router of an HTTP function: its own routes, and a 404 for every other path. `None`
    /// for a scheduled job, which answers no HTTP request.
    pub fn router(self, app: Arc<App>) -> Option<Router> {
        match self {
            Self::Http(name) => Some(routes::router_for(app, |route| route.function == name)),
            Self::Scheduled(_) => None,
        }
    }
}

impl fmt::Display for UnknownFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known = Function::names().join(", ");
        match self {
            Self::Missing => write!(
                f,
                "{HANDLER_VAR} is not set: Lambda sets it to the function's Handler in \
                 template.yaml, which names the function this executable runs (one of: {known})"
            ),
            Self::Named(name) => write!(
                f,
                "no function named {name:?} (the function's Handler in template.yaml, passed in \
                 {HANDLER_VAR}); the functions are: {known}"
            ),
        }
    }
}

// What `main` prints when it returns the error: the sentence, not the variant.
impl fmt::Debug for UnknownFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for UnknownFunction {}

/// Runs the function its `Handler` names (`_HANDLER`): the deployed executable's entry point.
/// An unset or unknown name stops it at start, before it reads any configuration.
pub async fn run_handler() -> Result<(), Error> {
    telemetry::init_lambda();
    let handler = std::env::var(HANDLER_VAR).ok();
    serve(Function::from_handler(handler.as_deref())).await
}

/// Runs the function `name`: the entry point of the per-function binaries that
/// `cargo lambda watch` starts by name.
pub async fn run(name: &str) -> Result<(), Error> {
    telemetry::init_lambda();
    serve(Function::named(name)).await
}

async fn serve(function: Result<Function, UnknownFunction>) -> Result<(), Error> {
    let function = function.inspect_err(|error| tracing::error!("{error}"))?;
    let app = Arc::new(App::from_lambda_env(function.reads()).await?);
    match function.router(app.clone()) {
        Some(router) => lambda_http::run(router).await,
        // Each event (EventBridge Scheduler's, whose content does not matter) is one run of the
        // job, answered with its outcome.
        None => {
            let Function::Scheduled(job) = function else {
                unreachable!("only a scheduled job has no router")
            };
            lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
                let app = app.clone();
                async move { scheduled(&app, job, event).await }
            }))
            .await
        }
    }
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
    app.run(job, deadline).await.map_err(|error| {
        tracing::error!(%error, job = job.name(), "scheduled run failed");
        error.into()
    })
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
    fn a_name_resolves_to_its_function() {
        assert_eq!(
            Function::named("manual-get"),
            Ok(Function::Http("manual-get"))
        );
        assert_eq!(
            Function::named(DAILY),
            Ok(Function::Scheduled(Job::DailyReminders))
        );
        assert_eq!(
            Function::named(MONTHLY_RESET),
            Ok(Function::Scheduled(Job::MonthlyReportReset))
        );
        assert_eq!(
            Function::from_handler(Some("report-pair")),
            Ok(Function::Http("report-pair"))
        );
        let names = Function::names();
        assert_eq!(names.first(), Some(&"manual-create"));
        assert_eq!(names.last(), Some(&DELIVERY_POLL));
        for name in names {
            assert_eq!(Function::named(name).map(Function::name), Ok(name));
        }
    }

    #[test]
    fn an_unknown_or_missing_name_is_a_clear_error() {
        let unknown = Function::from_handler(Some("manual-gett")).unwrap_err();
        assert_eq!(unknown, UnknownFunction::Named("manual-gett".into()));
        let message = unknown.to_string();
        assert!(
            message.starts_with("no function named \"manual-gett\""),
            "{message}"
        );
        assert!(
            message.contains("manual-get, "),
            "lists the functions: {message}"
        );
        // `main` returning it prints the same sentence.
        assert_eq!(format!("{unknown:?}"), message);

        for missing in [None, Some("")] {
            let error = Function::from_handler(missing).unwrap_err();
            assert_eq!(error, UnknownFunction::Missing);
            assert!(
                error.to_string().starts_with("_HANDLER is not set"),
                "{error}"
            );
        }
        // Names are exact: no case folding, no trailing slash, no `bootstrap`.
        for near in ["Manual-Get", "manual-get/", "bootstrap", "functions"] {
            assert!(Function::named(near).is_err(), "{near}");
        }
    }

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
