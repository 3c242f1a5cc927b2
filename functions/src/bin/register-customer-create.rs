//! Lambda function `register-customer-create`: `POST /customers`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-customer-create").await
}
