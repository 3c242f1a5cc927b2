//! Logging: JSON lines in Lambda (CloudWatch reads them), readable lines locally.

use tracing_subscriber::EnvFilter;

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("info"))
}

pub fn init_lambda() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter())
        .with_current_span(true)
        .with_target(false)
        .without_time()
        .init();
}

pub fn init_local() {
    tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_target(false)
        .init();
}
