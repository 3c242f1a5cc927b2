//! Lambda function `register-customer-list`: `GET /customers`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-customer-list").await
}
