//! Lambda function `replies-inbox`: `GET /inbox`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("replies-inbox").await
}
