//! Lambda function `report-statistics`: `GET /whatsapp-report/statistics`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("report-statistics").await
}
