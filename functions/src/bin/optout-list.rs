//! Lambda function `optout-list`: `GET /opt-outs`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("optout-list").await
}
