//! The state built once per cold start and shared by every request.

use std::sync::Arc;

use std::time::Instant;

use async_trait::async_trait;

use crate::audit::api::HasAudit;
use crate::audit::store::AuditStore;
use crate::auth::Auth;
use crate::clock::{Clock, SystemClock, WorkshopClock};
use crate::config::{self, Config};
use crate::gateway::ProviderSettings;
use crate::manual::api::HasRecords;
use crate::manual::store::ManualStore;
use crate::messages::api::HasMessenger;
use crate::messages::gateway::MessageGateway;
use crate::messages::store::{DeliveryStore, MessageStore};
use crate::optout::OptOutStore;
use crate::optout::api::HasOptOuts;
use crate::pacing::{Jitter, PacingStore, RandomGaps};
use crate::register::api::HasRegister;
use crate::register::store::RegisterStore;
use crate::reminder::api::HasReminders;
use crate::reminder::store::ReminderStore;
use crate::replies::InboxStore;
use crate::replies::api::HasReplies;
use crate::report::api::HasReport;
use crate::report::store::ReportStore;
use crate::scheduler::api::HasSchedules;
use crate::scheduler::eventbridge::{self, EventBridgeSchedule};
use crate::scheduler::local::LocalSchedule;
use crate::scheduler::schedule::{Job, NoSchedule, Runner, ScheduleControl};
use crate::store::dynamo::DynamoStore;
use crate::{audit, manual, messages, optout, register, reminder, replies, report, scheduler};

/// The function of the scheduled monthly reset, and its action in the change log.
pub const MONTHLY_RESET: &str = "report-reset-monthly";

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub struct App {
    pub config: Config,
    pub auth: Auth,
    /// Now and today, in the workshop's zone.
    pub time: WorkshopClock,
    /// The provider `WHATSAPP_PROVIDER` picked.
    pub gateway: Box<dyn MessageGateway>,
    pub manual: Arc<dyn ManualStore>,
    pub messages: Arc<dyn MessageStore>,
    pub deliveries: Arc<dyn DeliveryStore>,
    pub reminders: Arc<dyn ReminderStore>,
    pub register: Arc<dyn RegisterStore>,
    pub reports: Arc<dyn ReportStore>,
    pub opt_outs: Arc<dyn OptOutStore>,
    /// Customers' replies: the inbox.
    pub inbox: Arc<dyn InboxStore>,
    /// The change log.
    pub audit: Arc<dyn AuditStore>,
    /// Pacing's counters, cooldowns and brake.
    pub pacing: Arc<dyn PacingStore>,
    /// Where the random gaps between a run's messages come from.
    pub jitter: Arc<dyn Jitter>,
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
            gateway: crate::gateway::build(config.gateway())
                .map_err(|e| config::ConfigError::Invalid(format!("HTTP client: {e}")))?,
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
            deliveries: store.clone(),
            reminders: store.clone(),
            register: store.clone(),
            opt_outs: store.clone(),
            inbox: store.clone(),
            audit: store.clone(),
            pacing: store.clone(),
            jitter: Arc::new(RandomGaps::new()),
            reports: store,
        })
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.time = WorkshopClock::new(clock, self.config.timezone);
        self
    }

    /// The gaps from `jitter` (tests choose them).
    pub fn with_jitter(mut self, jitter: Arc<dyn Jitter>) -> Self {
        self.jitter = jitter;
        self
    }

    /// Pacing on this app's store, settings, clock and gaps.
    pub fn pacing(&self) -> crate::pacing::Pacing<'_> {
        crate::pacing::Pacing {
            store: self.pacing.as_ref(),
            settings: &self.config.pacing,
            time: &self.time,
            jitter: self.jitter.as_ref(),
            schedules: self.gateway.limits().schedules,
        }
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
            Job::MonthlyReportReset | Job::DeliveryPoll => self.report_reset_schedule.as_ref(),
        }
    }

    /// Builds the app of a Lambda function: DynamoDB table `TABLE_NAME`, and the secrets it
    /// `reads`, each once: the JWT secret (`jwt_secret` of the secret `JWT_SECRET_ID`) and the
    /// StarSender key (`starsender_api_key` of `STARSENDER_SECRET_ID`).
    pub async fn from_lambda_env(reads: Reads) -> Result<Self, BoxError> {
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
        let secrets = aws_sdk_secretsmanager::Client::new(&aws);
        if reads.starsender_key {
            let id = required_var("STARSENDER_SECRET_ID")?;
            // The same secret keeps every provider's credentials.
            for field in ProviderSettings::secret_fields() {
                if let Some(value) = secret_field(&secrets, &id, field).await? {
                    config.providers.set_secret(field, value);
                }
            }
        }
        if reads.starsender_key
            && config.whatsapp_provider == crate::gateway::Provider::StarSender
            && config.providers.starsender.api_key.is_none()
        {
            tracing::error!(
                "WHATSAPP_PROVIDER=starsender but the secret's starsender_api_key is empty: every \
                 send answers 503 and the daily run fails until it is set"
            );
        }
        let auth = if reads.token_key {
            let id = required_var("JWT_SECRET_ID")?;
            let key = secret_field(&secrets, &id, "jwt_secret")
                .await?
                .ok_or_else(|| {
                    config::ConfigError::Invalid(format!("secret {id} has no jwt_secret"))
                })?;
            Auth::new(key.as_bytes(), &config)?
        } else {
            Auth::refusing_all(&config)
        };
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

impl HasRecords for App {
    /// The records' service on this app's store and clock.
    fn records(&self) -> manual::Records<'_> {
        manual::Records {
            store: self.manual.as_ref(),
            time: &self.time,
            opt_outs: self.opt_outs(),
            pacing: self.pacing(),
        }
    }
}

impl HasAudit for App {
    /// The change log on this app's store and clock.
    fn audit(&self) -> audit::AuditLog<'_> {
        audit::AuditLog {
            store: self.audit.as_ref(),
            time: &self.time,
        }
    }
}

impl HasRegister for App {
    /// The register's service on this app's store and clock, and its service interval.
    fn register_service(&self) -> register::Register<'_> {
        register::Register {
            store: self.register.as_ref(),
            time: &self.time,
            plan: self.config.service_plan,
            opt_outs: self.opt_outs(),
        }
    }
}

impl HasReport for App {
    /// The report's service on this app's report store, register and clock.
    fn report(&self) -> report::Report<'_> {
        report::Report {
            store: self.reports.as_ref(),
            register: self.register.as_ref(),
            messages: self.messages.as_ref(),
            time: &self.time,
        }
    }
}

impl HasMessenger for App {
    /// Sending and the message log, on this app's gateway, log and clock.
    fn messenger<'a>(&'a self, sent_by: &'a str) -> messages::Messenger<'a> {
        messages::Messenger {
            gateway: self.gateway.as_ref(),
            opt_outs: self.opt_outs(),
            log: self.messages.as_ref(),
            deliveries: self.deliveries.as_ref(),
            time: &self.time,
            unset: &self.unset_for_sending,
            sent_by,
            pacing: self.pacing(),
        }
    }
}

impl HasOptOuts for App {
    /// The opt-outs on this app's store and clock.
    fn opt_outs(&self) -> optout::OptOuts<'_> {
        optout::OptOuts {
            store: self.opt_outs.as_ref(),
            time: &self.time,
        }
    }
}

impl HasReplies for App {
    /// Customers' replies on this app's inbox, opt-outs and messenger.
    fn replies(&self) -> replies::Replies<'_> {
        replies::Replies {
            inbox: self.inbox.as_ref(),
            opt_outs: self.opt_outs(),
            register: self.register_service(),
            messenger: self.messenger(replies::SENT_BY),
            time: &self.time,
        }
    }
}

impl crate::gateway::starsender_webhook::HasStarSenderWebhook for App {
    fn webhook_secret(&self) -> Option<&str> {
        self.config.starsender_webhook_secret.as_deref()
    }
}

impl App {
    /// The providers' statuses on this app's log, gateway and clock.
    pub fn deliveries_service(&self) -> messages::delivery::Deliveries<'_> {
        messages::delivery::Deliveries {
            store: self.deliveries.as_ref(),
            log: self.messages.as_ref(),
            gateway: self.gateway.as_ref(),
            time: &self.time,
        }
    }
}

impl crate::gateway::cloud_webhook::HasCloudWebhook for App {
    fn deliveries(&self) -> messages::delivery::Deliveries<'_> {
        self.deliveries_service()
    }

    fn cloud_api(&self) -> &crate::gateway::cloud_api::Settings {
        &self.config.providers.cloud_api
    }
}

impl HasReminders for App {
    /// The reminders' service: the stores it reads and counts in, the messenger, and what it
    /// reads of the configuration.
    fn reminders<'a>(&'a self, sent_by: &'a str) -> reminder::Reminders<'a> {
        let config = &self.config;
        reminder::Reminders {
            records: self.records(),
            register: self.register.as_ref(),
            claims: self.reminders.as_ref(),
            reports: self.reports.as_ref(),
            messenger: self.messenger(sent_by),
            settings: reminder::ReminderSettings {
                manual_template: &config.reminder_template,
                register_template: &config.register_template,
                undated_template: &config.undated_template,
                days_threshold: config.reminder_days_threshold,
                concurrency: config.reminder_concurrency,
                worst_send: config.gateway().worst_send(),
                service_plan: config.service_plan,
                ask_odometer: config.ask_odometer,
                workshop: &config.workshop,
            },
            time: &self.time,
        }
    }
}

impl HasSchedules for App {
    /// The `start`, `stop` and `status` of `job`'s schedule.
    fn job_schedule(&self, job: Job) -> scheduler::JobSchedule<'_> {
        scheduler::JobSchedule {
            control: self.schedule_of(job),
            time: &self.time,
            // Only the reminders' schedule carries the brake and is held to the quiet hours.
            pacing: (job == Job::DailyReminders).then(|| self.pacing()),
        }
    }
}

impl App {
    /// One scheduled run of `job`, with no new reminder started after `deadline`: the services
    /// it composes, each on its context from this app.
    pub async fn run(
        &self,
        job: Job,
        deadline: Instant,
    ) -> Result<scheduler::JobOutcome, scheduler::RunError> {
        Ok(match job {
            Job::DailyReminders => scheduler::JobOutcome::Reminders(
                scheduler::run_daily(self.reminders(crate::actor::SCHEDULE), deadline).await?,
            ),
            Job::DeliveryPoll => scheduler::JobOutcome::DeliveryPoll(
                self.deliveries_service()
                    .poll()
                    .await
                    .map_err(scheduler::RunError::from)?,
            ),
            Job::MonthlyReportReset => {
                let answer = scheduler::run_monthly_reset(self.report()).await?;
                self.audit()
                    .record(audit::Change {
                        actor: crate::actor::SCHEDULE,
                        action: MONTHLY_RESET,
                        target: audit::Target {
                            kind: "report".into(),
                            id: answer.snapshot_id.clone(),
                        },
                        summary: answer.summary(),
                    })
                    .await;
                scheduler::JobOutcome::ReportReset(answer)
            }
        })
    }
}

#[async_trait]
impl Runner for App {
    fn clock(&self) -> &WorkshopClock {
        &self.time
    }

    async fn run(&self, job: Job, deadline: Instant) -> Result<(), String> {
        App::run(self, job, deadline)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

/// The secrets a Lambda function reads: each function's policy allows only its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reads {
    /// The JWT secret: every function with a route behind a token.
    pub token_key: bool,
    /// The StarSender key: the functions that send.
    pub starsender_key: bool,
}

/// The text of `field` of the JSON secret `secret_id`; `None` when blank or absent.
async fn secret_field(
    client: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
    field: &str,
) -> Result<Option<String>, config::ConfigError> {
    let invalid = |why: String| config::ConfigError::Invalid(format!("secret {secret_id}: {why}"));
    let output = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| invalid(format!("cannot be read: {e}")))?;
    let text = output
        .secret_string()
        .ok_or_else(|| invalid("has no string value".into()))?;
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("is not JSON: {e}")))?;
    Ok(json
        .get(field)
        .and_then(serde_json::Value::as_str)
        .filter(|value| !value.trim().is_empty())
        .map(str::to_string))
}

fn required_var(name: &'static str) -> Result<String, config::ConfigError> {
    config::var(name).ok_or_else(|| config::ConfigError::Invalid(format!("{name} must be set")))
}

/// Everything a deployment keeps: what an [`App`] is built on.
pub trait Store:
    ManualStore
    + MessageStore
    + DeliveryStore
    + ReminderStore
    + RegisterStore
    + ReportStore
    + OptOutStore
    + InboxStore
    + AuditStore
    + PacingStore
    + 'static
{
}

impl<T> Store for T where
    T: ManualStore
        + MessageStore
        + DeliveryStore
        + ReminderStore
        + RegisterStore
        + ReportStore
        + OptOutStore
        + InboxStore
        + AuditStore
        + PacingStore
        + 'static
{
}
