//! Lambda function `report-reset`: `POST /whatsapp-report/reset-frequency`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("report-reset").await
}
