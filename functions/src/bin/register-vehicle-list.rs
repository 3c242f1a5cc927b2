//! Lambda function `register-vehicle-list`: `GET /customers/{customer_id}/vehicles`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-vehicle-list").await
}
