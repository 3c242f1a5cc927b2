//! Lambda function `optout-create`: `POST /opt-outs`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("optout-create").await
}
