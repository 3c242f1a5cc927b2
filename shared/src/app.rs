//! The state built once per cold start and shared by every request.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, SubsecRound};

use crate::auth::Auth;
use crate::clock::{Clock, SystemClock};
use crate::config::{self, Config};
use crate::store::ManualStore;
use crate::store::dynamo::DynamoStore;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub struct App {
    pub config: Config,
    pub auth: Auth,
    pub clock: Arc<dyn Clock>,
    pub manual: Arc<dyn ManualStore>,
}

impl App {
    pub fn new(config: Config, auth: Auth, manual: Arc<dyn ManualStore>) -> Self {
        App {
            config,
            auth,
            clock: Arc::new(SystemClock),
            manual,
        }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Now, to the second, in the workshop's zone: the form every timestamp is stored and shown in.
    pub fn now(&self) -> DateTime<FixedOffset> {
        self.clock
            .now()
            .with_timezone(&self.config.timezone)
            .fixed_offset()
            .trunc_subsecs(0)
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
        Ok(App::new(config, auth, Arc::new(store)))
    }
}

fn required_var(name: &'static str) -> Result<String, config::ConfigError> {
    config::var(name).ok_or_else(|| config::ConfigError::Invalid(format!("{name} must be set")))
}
