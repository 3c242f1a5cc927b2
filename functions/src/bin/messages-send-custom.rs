//! Lambda function `messages-send-custom`: `POST /manual-whatsapp/send-custom-message`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("messages-send-custom").await
}
