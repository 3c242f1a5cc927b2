//! Lambda function `messages-resolve`: `POST /messages/{message_id}/resolve`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("messages-resolve").await
}
