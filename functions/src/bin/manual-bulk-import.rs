//! Lambda function `manual-bulk-import`: `POST /manual-whatsapp/bulk-import`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("manual-bulk-import").await
}
