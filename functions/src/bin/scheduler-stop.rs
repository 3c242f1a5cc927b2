//! Lambda function `scheduler-stop`: `POST /scheduler/maintenance-reminder/stop`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("scheduler-stop").await
}
