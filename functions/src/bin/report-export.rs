//! Lambda function `report-export`: `GET /whatsapp-report/export`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("report-export").await
}
