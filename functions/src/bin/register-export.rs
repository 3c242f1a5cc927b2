//! Lambda function `register-export`: `GET /customers/export`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-export").await
}
