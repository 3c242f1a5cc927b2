//! Lambda function `scheduler-preview`: `GET /scheduler/maintenance-reminder/preview`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("scheduler-preview").await
}
