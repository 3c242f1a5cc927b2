//! Lambda function `scheduler-report-reset-status`: `GET /scheduler/monthly-report-reset/status`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("scheduler-report-reset-status").await
}
