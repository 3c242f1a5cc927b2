//! The executable every Lambda function in `template.yaml` runs, built once by `sam build`: it
//! serves the function its `Handler` names (Lambda passes it in `_HANDLER`).

#[tokio::main]
async fn main() -> Result<(), bengkel::lambda::Error> {
    bengkel::lambda::run_handler().await
}
