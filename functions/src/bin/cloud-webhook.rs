//! Lambda function `cloud-webhook`: the WhatsApp Cloud API's webhook (handshake, statuses, messages).

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("cloud-webhook").await
}
