//! Lambda function `staff-page`: `GET /` and `GET /assets/{file}`, the staff page.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("staff-page").await
}
