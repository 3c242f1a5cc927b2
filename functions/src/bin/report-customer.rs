//! Lambda function `report-customer`: `GET /whatsapp-report/customer/{customer_id}`.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("report-customer").await
}
