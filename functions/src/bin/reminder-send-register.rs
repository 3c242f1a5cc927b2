//! Lambda function `reminder-send-register`: `POST /customers/send-maintenance-reminder`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("reminder-send-register").await
}
