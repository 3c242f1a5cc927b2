//! The local server: every route of the API on one port, on the embedded store.
//!
//! `cargo run` serves on 127.0.0.1:8000 (`PORT`), keeping data in `./data` (`DATA_DIR`), and
//! logs the staff page's address with a token (`http://127.0.0.1:8000/#token=…`).
//! `cargo run -- token [--role read|staff|admin] [HOURS]` prints a bearer token (admin unless
//! `--role` says otherwise) and exits. Roles are on locally: unless `JWT_ROLE_CLAIM` says
//! otherwise, the claim `role` with the values `read`, `staff` and `admin`.
//! The daily reminder schedule and the monthly report reset run in this process when started
//! (state in `DATA_DIR/scheduler.json` and `DATA_DIR/report-reset-scheduler.json`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bengkel::actor::Level;
use bengkel::app::App;
use bengkel::app::BoxError;
use bengkel::auth::Auth;
use bengkel::config::{self, Config, RoleSettings};
use bengkel::gateway::Provider;
use bengkel::reminder::template::FALLBACK_WORKSHOP_NAME;
use bengkel::scheduler::Job;
use bengkel::scheduler::local::LocalSchedule;
use bengkel::store::embedded::EmbeddedStore;
use bengkel::{routes, telemetry};

/// How long the token printed at start-up stays valid.
const STARTUP_TOKEN_HOURS: u64 = 24;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data_dir = PathBuf::from(config::var("DATA_DIR").unwrap_or_else(|| "data".into()));
    let mut config = Config::from_env()?;
    config.roles.get_or_insert_with(local_roles);
    let auth = Auth::new(&jwt_secret(&data_dir)?, &config)?;
    match args.first().map(String::as_str) {
        Some("token") => {
            let (level, hours) = token_args(&args[1..])?;
            let ttl = Duration::from_secs(hours * 3600);
            println!("{}", auth.issue_as("local-developer", level, ttl, &config));
            Ok(())
        }
        None | Some("serve") => serve(config, auth, &data_dir).await,
        Some(other) => Err(format!(
            "unknown command {other:?}; use `token [--role read|staff|admin] [HOURS]` or nothing \
         to serve"
        )
        .into()),
    }
}

/// The roles of the local server when `JWT_ROLE_CLAIM` is unset: `role` = `read`, `staff` or
/// `admin`, as the tokens it prints carry them.
fn local_roles() -> RoleSettings {
    RoleSettings {
        claim: "role".into(),
        read: vec!["read".into()],
        staff: vec!["staff".into()],
        admin: vec!["admin".into()],
    }
}

/// `[--role LEVEL] [HOURS]`, in either order: admin and a day unless given.
fn token_args(args: &[String]) -> Result<(Level, u64), BoxError> {
    let (mut level, mut hours) = (Level::Admin, STARTUP_TOKEN_HOURS);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--role" {
            let name = args.next().map(String::as_str).unwrap_or_default();
            level = Level::named(name)
                .ok_or_else(|| format!("--role takes read, staff or admin, not {name:?}"))?;
        } else {
            hours = arg.parse()?;
        }
    }
    Ok((level, hours))
}

async fn serve(config: Config, auth: Auth, data_dir: &Path) -> Result<(), BoxError> {
    telemetry::init_local();
    let store = EmbeddedStore::open(&data_dir.join("bengkel.redb"))?;
    let token = auth.issue(
        "local-developer",
        Duration::from_secs(STARTUP_TOKEN_HOURS * 3600),
        &config,
    );
    let outbox = match (
        config.whatsapp_provider,
        &config.providers.starsender.api_key,
    ) {
        (Provider::Outbox, _) => "local outbox (WHATSAPP_PROVIDER=outbox)",
        (Provider::StarSender, Some(_)) => "StarSender",
        (Provider::StarSender, None) => "nowhere: STARSENDER_API_KEY is unset, sends answer 503",
        (Provider::CloudApi, _) => "the WhatsApp Cloud API",
    };
    let port: u16 = config::var("PORT").map_or(Ok(8000), |p| p.parse())?;
    // The daily reminders and the monthly report reset run in this process while their
    // schedule is started (POST /scheduler/maintenance-reminder/start,
    // /scheduler/monthly-report-reset/start); each stays as it was left, off at first.
    let reminders = Arc::new(LocalSchedule::open_for(
        Job::DailyReminders,
        data_dir,
        config.timezone,
    )?);
    let report_reset = Arc::new(LocalSchedule::open_for(
        Job::MonthlyReportReset,
        data_dir,
        config.timezone,
    )?);
    let app = Arc::new(
        App::new(config, auth, Arc::new(store))?
            .with_schedule(reminders.clone())
            .with_report_reset_schedule(report_reset.clone()),
    );
    let _schedule_tasks = [reminders, report_reset].map(|s| s.spawn(Arc::downgrade(&app)));
    let _poll_task = spawn_delivery_poll(Arc::downgrade(&app))?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    tracing::info!("data folder: {}", data_dir.canonicalize()?.display());
    tracing::info!("messages go to: {outbox}");
    for name in app.config.workshop.unset() {
        let effect = match name {
            "WORKSHOP_NAME" => format!("reminders call the workshop \"{FALLBACK_WORKSHOP_NAME}\""),
            _ => "reminders leave out the clauses with {workshop_phone}".to_string(),
        };
        tracing::warn!("{name} is not set: {effect}; a deployed stack sends nothing without it");
    }
    for (job, path) in [
        (Job::DailyReminders, "maintenance-reminder"),
        (Job::MonthlyReportReset, "monthly-report-reset"),
    ] {
        let state = app.schedule_of(job).status().await?;
        tracing::info!(
            "{}: {} {} in {} (POST /scheduler/{path}/start or /stop)",
            job.name(),
            if state.enabled {
                "on,"
            } else {
                "off; would run"
            },
            state.expression,
            state.timezone
        );
    }
    tracing::info!("bearer token (valid {STARTUP_TOKEN_HOURS} h): {token}");
    // The fragment never reaches a server: the page reads the token from it and forgets it.
    tracing::info!(
        "staff page, signed in: http://{}/#token={token}",
        listener.local_addr()?
    );
    tracing::info!(
        "try: curl -H 'Authorization: Bearer {token}' http://{}/manual-whatsapp/",
        listener.local_addr()?
    );
    tracing::info!(
        "docs: http://{}/docs (authorise with the token above), the document at /openapi.json",
        listener.local_addr()?
    );
    axum::serve(listener, routes::router(app))
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

/// `JWT_SECRET`, or a secret generated once and kept in the data folder so tokens survive restarts.
fn jwt_secret(data_dir: &Path) -> Result<Vec<u8>, BoxError> {
    if let Some(secret) = config::var("JWT_SECRET") {
        return Ok(secret.into_bytes());
    }
    let path = data_dir.join("jwt_secret");
    if let Ok(secret) = std::fs::read_to_string(&path) {
        return Ok(secret.trim().as_bytes().to_vec());
    }
    std::fs::create_dir_all(data_dir)?;
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    std::fs::write(&path, &secret)?;
    restrict_to_owner(&path)?;
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_to_owner(_: &Path) -> std::io::Result<()> {
    Ok(())
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}

/// Polls the provider's delivery statuses (StarSender with an account key) every
/// `DELIVERY_POLL_SECS` (default 900), as the deployed stack's scheduled function does.
fn spawn_delivery_poll(app: std::sync::Weak<App>) -> Result<tokio::task::JoinHandle<()>, BoxError> {
    let every: u64 = config::var("DELIVERY_POLL_SECS").map_or(Ok(900), |s| s.parse())?;
    Ok(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(every.max(1)));
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let Some(app) = app.upgrade() else { return };
            if !app.gateway.polls_status() {
                return;
            }
            match app.deliveries_service().poll().await {
                Ok(summary) => tracing::info!(?summary, "delivery statuses polled"),
                Err(error) => tracing::warn!(%error, "delivery poll failed"),
            }
        }
    }))
}
