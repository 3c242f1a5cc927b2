//! Lambda function `messages-list`: `GET /messages`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("messages-list").await
}
