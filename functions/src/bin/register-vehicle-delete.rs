//! Lambda function `register-vehicle-delete`: `DELETE /customers/{customer_id}/vehicles/{vehicle_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-vehicle-delete").await
}
