//! Lambda function `manual-list`: `GET /manual-whatsapp`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("manual-list").await
}
