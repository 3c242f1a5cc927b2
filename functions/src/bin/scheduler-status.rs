//! Lambda function `scheduler-status`: `GET /scheduler/maintenance-reminder/status`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("scheduler-status").await
}
