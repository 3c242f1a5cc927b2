//! Lambda function `register-visit-list`: `GET /customers/{customer_id}/vehicles/{vehicle_id}/visits`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-visit-list").await
}
