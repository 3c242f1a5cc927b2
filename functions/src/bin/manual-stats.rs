//! Lambda function `manual-stats`: `GET /manual-whatsapp/stats/summary`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("manual-stats").await
}
