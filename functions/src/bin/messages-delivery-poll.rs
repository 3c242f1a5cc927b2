//! Lambda function `messages-delivery-poll`: StarSender's delivery statuses, every 15 minutes.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("messages-delivery-poll").await
}
