//! Lambda function `register-vehicle-get`: `GET /customers/{customer_id}/vehicles/{vehicle_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-vehicle-get").await
}
