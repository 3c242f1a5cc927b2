//! Lambda function `report-pair`: `GET /whatsapp-report/customer/{customer_id}/vehicle/{vehicle_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("report-pair").await
}
