//! Lambda function `audit-list`: `GET /audit`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("audit-list").await
}
