//! Lambda function `reminder-preview-due`: `GET /manual-whatsapp/send-reminders/preview`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("reminder-preview-due").await
}
