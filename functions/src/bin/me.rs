//! Lambda function `me`: `GET /me`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("me").await
}
