//! Lambda function `register-customer-delete`: `DELETE /customers/{customer_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-customer-delete").await
}
