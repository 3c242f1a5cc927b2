//! Lambda function `manual-create`: `POST /manual-whatsapp`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("manual-create").await
}
