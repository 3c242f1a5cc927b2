//! Lambda function `optout-delete`: `DELETE /opt-outs/{no_hp}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("optout-delete").await
}
