//! Lambda function `scheduler-report-reset-stop`: `POST /scheduler/monthly-report-reset/stop`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("scheduler-report-reset-stop").await
}
