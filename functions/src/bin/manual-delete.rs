//! Lambda function `manual-delete`: `DELETE /manual-whatsapp/{record_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("manual-delete").await
}
