//! Lambda function `manual-get-by-nopol`: `GET /manual-whatsapp/by-nopol/{nopol}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("manual-get-by-nopol").await
}
