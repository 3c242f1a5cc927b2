//! Lambda function `reminder-daily`: the daily reminder run, invoked by EventBridge Scheduler.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("reminder-daily").await
}
