//! Lambda function `register-customer-update`: `PUT /customers/{customer_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-customer-update").await
}
