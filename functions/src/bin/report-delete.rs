//! Lambda function `report-delete`: `DELETE /whatsapp-report/{report_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("report-delete").await
}
