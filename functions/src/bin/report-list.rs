//! Lambda function `report-list`: `GET /whatsapp-report`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("report-list").await
}
