//! Lambda function `reminder-send-due`: `POST /manual-whatsapp/send-reminders`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("reminder-send-due").await
}
