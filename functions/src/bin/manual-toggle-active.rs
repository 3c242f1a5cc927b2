//! Lambda function `manual-toggle-active`: `PATCH /manual-whatsapp/{record_id}/toggle-active`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("manual-toggle-active").await
}
