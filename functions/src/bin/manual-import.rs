//! Lambda function `manual-import`: `POST /manual-whatsapp/import`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("manual-import").await
}
