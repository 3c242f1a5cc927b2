//! Lambda function `report-restore`: `POST /whatsapp-report/snapshots/{snapshot_id}/restore`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("report-restore").await
}
