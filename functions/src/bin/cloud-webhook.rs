//! Lambda function `cloud-webhook`: the WhatsApp Cloud API webhook's statuses and messages.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("cloud-webhook").await
}
