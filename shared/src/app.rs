//! The state built once per cold start and shared by every request.

use std::sync::Arc;

use crate::auth::Auth;
use crate::clock::{Clock, SystemClock, WorkshopClock};
use crate::config::{self, Config};
use crate::gateway::Gateway;
use crate::scheduler::eventbridge::{self, EventBridgeSchedule};
use crate::scheduler::local::LocalSchedule;
use crate::scheduler::schedule::{Job, NoSchedule, ScheduleControl};
use crate::store::dynamo::DynamoStore;
use crate::store::{ManualStore, MessageStore, RegisterStore, ReminderStore, ReportStore, Store};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub struct App {
    pub config: Config,
    pub auth: Auth,
    /// Now and today, in the workshop's zone.
    pub time: WorkshopClock,
    pub gateway: Gateway,
    pub manual: Arc<dyn ManualStore>,
    pub messages: Arc<dyn MessageStore>,
    pub reminders: Arc<dyn ReminderStore>,
    pub register: Arc<dyn RegisterStore>,
    pub reports: Arc<dyn ReportStore>,
    /// The daily reminder schedule; an in-memory local one unless set with `with_schedule`.
    pub schedule: Arc<dyn ScheduleControl>,
    /// The monthly report reset schedule; likewise (`with_report_reset_schedule`).
    pub report_reset_schedule: Arc<dyn ScheduleControl>,
    /// The workshop settings this deployment sends nothing without that are unset.
    unset_for_sending: Vec<&'static str>,
}

impl App {
    /// An app on `store`, which keeps the records, the message log, the reminder claims, the
    /// customer register and the report.
    pub fn new<S: Store>(
        config: Config,
        auth: Auth,
        store: Arc<S>,
    ) -> Result<Self, config::ConfigError> {
        Ok(App {
            gateway: Gateway::new(&config)?,
            schedule: Arc::new(LocalSchedule::in_memory(config.timezone)),
            report_reset_schedule: Arc::new(LocalSchedule::in_memory_for(
                Job::MonthlyReportReset,
                config.timezone,
            )),
            time: WorkshopClock::new(Arc::new(SystemClock), config.timezone),
            unset_for_sending: config.unset_for_sending(),
            config,
            auth,
            manual: store.clone(),
            messages: store.clone(),
            reminders: store.clone(),
            register: store.clone(),
            reports: store,
        })
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.time = WorkshopClock::new(clock, self.config.timezone);
        self
    }

    pub fn with_schedule(mut self, schedule: Arc<dyn ScheduleControl>) -> Self {
        self.schedule = schedule;
        self
    }

    pub fn with_report_reset_schedule(mut self, schedule: Arc<dyn ScheduleControl>) -> Self {
        self.report_reset_schedule = schedule;
        self
    }

    /// The records' service on this app's store and clock.
    pub fn records(&self) -> crate::manual::Records<'_> {
        crate::manual::Records {
            store: self.manual.as_ref(),
            time: &self.time,
        }
    }

    /// The register's service on this app's store and clock, and its service interval.
    pub fn register_service(&self) -> crate::register::Register<'_> {
        crate::register::Register {
            store: self.register.as_ref(),
            time: &self.time,
            service_interval_months: self.config.service_interval_months,
        }
    }

    /// The report's service on this app's report store, register and clock.
    pub fn report(&self) -> crate::report::Report<'_> {
        crate::report::Report {
            store: self.reports.as_ref(),
            register: self.register.as_ref(),
            time: &self.time,
        }
    }

    /// Sending and the message log, on this app's gateway, log and clock.
    pub fn messenger(&self) -> crate::messages::Messenger<'_> {
        crate::messages::Messenger {
            gateway: &self.gateway,
            log: self.messages.as_ref(),
            time: &self.time,
            unset: &self.unset_for_sending,
        }
    }

    /// The reminders' service: the stores it reads and counts in, the messenger, and what it
    /// reads of the configuration.
    pub fn reminders(&self) -> crate::reminder::Reminders<'_> {
        let config = &self.config;
        crate::reminder::Reminders {
            records: self.records(),
            register: self.register.as_ref(),
            claims: self.reminders.as_ref(),
            reports: self.reports.as_ref(),
            messenger: self.messenger(),
            settings: crate::reminder::ReminderSettings {
                manual_template: &config.reminder_template,
                register_template: &config.register_template,
                undated_template: &config.undated_template,
                days_threshold: config.reminder_days_threshold,
                concurrency: config.reminder_concurrency,
                gateway_timeout: config.gateway_timeout,
                service_interval_months: config.service_interval_months,
            },
            time: &self.time,
        }
    }

    /// The `start`, `stop` and `status` of `job`'s schedule.
    pub fn job_schedule(&self, job: Job) -> crate::scheduler::JobSchedule<'_> {
        crate::scheduler::JobSchedule {
            control: self.schedule_of(job),
            time: &self.time,
        }
    }

    /// The schedule of `job`.
    pub fn schedule_of(&self, job: Job) -> &dyn ScheduleControl {
        match job {
            Job::DailyReminders => self.schedule.as_ref(),
            Job::MonthlyReportReset => self.report_reset_schedule.as_ref(),
        }
    }

    /// Builds the app of a Lambda function: DynamoDB table `TABLE_NAME`, and the JWT secret
    /// (and StarSender key) from the Secrets Manager secret `SECRET_ID`, read once.
    pub async fn from_lambda_env() -> Result<Self, BoxError> {
        let mut config = Config::from_env()?;
        // Customers read who writes to them: a stack sends nothing without the workshop's name
        // and phone (the local server only warns).
        config.require_workshop = true;
        if let unset @ [_, ..] = config.unset_for_sending().as_slice() {
            tracing::error!(
                unset = unset.join(", "),
                "sending is disabled until these are set"
            );
        }
        let aws = aws_config::load_from_env().await;
        let secret_id = required_var("SECRET_ID")?;
        let secrets =
            crate::auth::Secrets::fetch(&aws_sdk_secretsmanager::Client::new(&aws), &secret_id)
                .await?;
        if secrets.starsender_api_key.is_some() {
            config.starsender_api_key = secrets.starsender_api_key.clone();
        }
        let auth = Auth::new(secrets.jwt_secret.as_bytes(), &config)?;
        let table = required_var("TABLE_NAME")?;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
        // Only the scheduler functions are given a schedule, each its own; the others never
        // touch one.
        let schedule = |job: Job| -> Arc<dyn ScheduleControl> {
            match config::var(job.schedule_name_var()) {
                Some(name) => Arc::new(EventBridgeSchedule::new(
                    aws_sdk_scheduler::Client::new(&aws),
                    name,
                    config::var("SCHEDULE_GROUP")
                        .unwrap_or_else(|| eventbridge::DEFAULT_GROUP.into()),
                )),
                None => Arc::new(NoSchedule(job)),
            }
        };
        let reminders = schedule(Job::DailyReminders);
        let report_reset = schedule(Job::MonthlyReportReset);
        Ok(App::new(config, auth, Arc::new(store))?
            .with_schedule(reminders)
            .with_report_reset_schedule(report_reset))
    }
}

fn required_var(name: &'static str) -> Result<String, config::ConfigError> {
    config::var(name).ok_or_else(|| config::ConfigError::Invalid(format!("{name} must be set")))
}
