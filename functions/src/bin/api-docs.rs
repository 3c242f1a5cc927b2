//! Lambda function `api-docs`: `GET /openapi.json`, `GET /docs` and the docs page's files.

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run("api-docs").await
}
