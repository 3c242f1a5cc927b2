//! Lambda function `report-snapshots`: `GET /whatsapp-report/snapshots`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("report-snapshots").await
}
