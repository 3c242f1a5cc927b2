//! Lambda function `register-visit-delete`: `DELETE /customers/{customer_id}/vehicles/{vehicle_id}/visits/{visit_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("register-visit-delete").await
}
