//! Lambda function `manual-update`: `PUT /manual-whatsapp/{record_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("manual-update").await
}
