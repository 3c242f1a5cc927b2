//! Lambda function `register-customer-get`: `GET /customers/{customer_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-customer-get").await
}
