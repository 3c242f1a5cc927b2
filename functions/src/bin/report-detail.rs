//! Lambda function `report-detail`: `GET /whatsapp-report/detail`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("report-detail").await
}
