//! Lambda function `register-visit-create`: `POST /customers/{customer_id}/vehicles/{vehicle_id}/visits`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-visit-create").await
}
