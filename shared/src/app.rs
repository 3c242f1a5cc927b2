//! The state built once per cold start and shared by every request.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, SubsecRound};

use crate::auth::Auth;
use crate::clock::{Clock, SystemClock};
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
    pub clock: Arc<dyn Clock>,
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
            config,
            auth,
            clock: Arc::new(SystemClock),
            manual: store.clone(),
            messages: store.clone(),
            reminders: store.clone(),
            register: store.clone(),
            reports: store,
        })
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
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

    /// The schedule of `job`.
    pub fn schedule_of(&self, job: Job) -> &dyn ScheduleControl {
        match job {
            Job::DailyReminders => self.schedule.as_ref(),
            Job::MonthlyReportReset => self.report_reset_schedule.as_ref(),
        }
    }

    /// Now, to the second, in the workshop's zone: the form every timestamp is stored and shown in.
    pub fn now(&self) -> DateTime<FixedOffset> {
        self.now_to(0)
    }

    /// Now, to the millisecond, in the workshop's zone: for logs, where order within a second matters.
    pub fn now_precise(&self) -> DateTime<FixedOffset> {
        self.now_to(3)
    }

    fn now_to(&self, subsec_digits: u16) -> DateTime<FixedOffset> {
        let local = self.clock.now().with_timezone(&self.config.timezone);
        local.fixed_offset().trunc_subsecs(subsec_digits)
    }

    /// Today in the workshop's zone.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Builds the app of a Lambda function: DynamoDB table `TABLE_NAME`, and the JWT secret
    /// (and StarSender key) from the Secrets Manager secret `SECRET_ID`, read once.
    pub async fn from_lambda_env() -> Result<Self, BoxError> {
        let mut config = Config::from_env()?;
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
