//! Lambda function `scheduler-report-reset-start`: `POST /scheduler/monthly-report-reset/start`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("scheduler-report-reset-start").await
}
