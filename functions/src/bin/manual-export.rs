//! Lambda function `manual-export`: `GET /manual-whatsapp/export`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("manual-export").await
}
