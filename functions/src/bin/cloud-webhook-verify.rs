//! Lambda function `cloud-webhook-verify`: the WhatsApp Cloud API webhook's verification handshake.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("cloud-webhook-verify").await
}
