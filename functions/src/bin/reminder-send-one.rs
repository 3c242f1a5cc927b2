//! Lambda function `reminder-send-one`: `POST /manual-whatsapp/{record_id}/send-reminder`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("reminder-send-one").await
}
