//! Logging: in Lambda, lambda_runtime's subscriber, which follows the function's logging
//! configuration (`LoggingConfig` in `template.yaml`: JSON lines, which CloudWatch reads, and
//! the level, `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`); locally, readable lines with the time.

use tracing_subscriber::EnvFilter;

pub fn init_lambda() {
    lambda_http::tracing::init_default_subscriber();
}

pub fn init_local() {
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
}
