//! Lambda function `scheduler-start`: `POST /scheduler/maintenance-reminder/start`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("scheduler-start").await
}
