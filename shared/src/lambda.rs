//! Entry point of every Lambda function binary: build the app once per cold start, then serve
//! the function's own routes.

use std::sync::Arc;

use crate::{App, routes, telemetry};

/// Runs the Lambda function `function` (its name in the route table and `template.yaml`).
pub async fn run(function: &'static str) -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let app = Arc::new(App::from_lambda_env().await?);
    let router = routes::router_for(app, |route| route.function == function);
    lambda_http::run(router).await
}

pub use lambda_http::Error;
