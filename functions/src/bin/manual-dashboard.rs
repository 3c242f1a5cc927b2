//! Lambda function `manual-dashboard`: `GET /manual-whatsapp/dashboard`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("manual-dashboard").await
}
