//! Lambda function `report-reset-monthly`: the monthly reset of the WhatsApp report, invoked by
//! EventBridge Scheduler.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("report-reset-monthly").await
}
