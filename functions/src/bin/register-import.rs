//! Lambda function `register-import`: `POST /customers/import`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-import").await
}
