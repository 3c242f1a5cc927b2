//! Lambda function `register-vehicle-create`: `POST /customers/{customer_id}/vehicles`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-vehicle-create").await
}
