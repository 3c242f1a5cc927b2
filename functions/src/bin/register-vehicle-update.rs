//! Lambda function `register-vehicle-update`: `PUT /customers/{customer_id}/vehicles/{vehicle_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-vehicle-update").await
}
