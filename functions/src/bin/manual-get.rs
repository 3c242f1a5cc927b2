//! Lambda function `manual-get`: `GET /manual-whatsapp/{record_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("manual-get").await
}
