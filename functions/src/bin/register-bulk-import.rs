//! Lambda function `register-bulk-import`: `POST /customers/bulk-import`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-bulk-import").await
}
