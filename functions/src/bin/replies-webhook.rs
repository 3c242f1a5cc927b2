//! Lambda function `replies-webhook`: `POST /webhooks/starsender/{secret}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("replies-webhook").await
}
