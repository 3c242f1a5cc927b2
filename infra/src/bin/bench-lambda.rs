//! Measures release Lambda functions under a minimal Lambda Runtime API on loopback:
//! cold start (process start to first response, median of 10) and peak memory while serving a
//! 1,000-row bulk import. Needs a DynamoDB + Secrets Manager endpoint in `AWS_ENDPOINT_URL`
//! (moto). Prints figures; asserts nothing beyond the answers being the expected ones.
//!
//! usage: bench-lambda <dir of release function binaries>

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::{get, post};
use bengkel::app::BoxError;
use bengkel::auth::Auth;
use bengkel::config::Config;
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};

const RUNS: usize = 10;
const SECRET: &str = "bench-secret-that-is-certainly-32-bytes-or-more";

/// One invocation handed to the function, and where its response goes.
struct Invocation {
    event: Mutex<Option<Value>>,
    responses: mpsc::Sender<Value>,
}

async fn next(State(inv): State<Arc<Invocation>>) -> (HeaderMap, String) {
    let event = inv.event.lock().await.take();
    let Some(event) = event else {
        // The function asks for a second event: park it; the benchmark kills it soon.
        std::future::pending::<()>().await;
        unreachable!()
    };
    let mut headers = HeaderMap::new();
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        + Duration::from_secs(30);
    headers.insert(
        "lambda-runtime-aws-request-id",
        HeaderValue::from_static("bench-request"),
    );
    headers.insert(
        "lambda-runtime-deadline-ms",
        HeaderValue::from(deadline.as_millis() as u64),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:ap-southeast-3:123456789012:function:bench"),
    );
    (headers, event.to_string())
}

async fn respond(State(inv): State<Arc<Invocation>>, body: String) -> &'static str {
    let value = serde_json::from_str(&body).unwrap_or_else(|_| json!({"unparsed": body}));
    let _ = inv.responses.send(value).await;
    "{}"
}

/// Starts a runtime API for one invocation; returns its address and the response channel.
async fn runtime_api(event: Value) -> Result<(String, mpsc::Receiver<Value>), BoxError> {
    let (tx, rx) = mpsc::channel(4);
    let inv = Arc::new(Invocation {
        event: Mutex::new(Some(event)),
        responses: tx,
    });
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(respond),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(respond))
        .route("/2018-06-01/runtime/init/error", post(respond))
        .with_state(inv);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((addr, rx))
}

/// Runs `binary` for one `event`: (time from spawn to response, response, peak RSS in KiB).
async fn invoke(
    binary: &Path,
    env: &[(String, String)],
    event: Value,
) -> Result<(Duration, Value, u64), BoxError> {
    let (addr, mut responses) = runtime_api(event).await?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .envs(env.iter().cloned())
        .env("AWS_LAMBDA_RUNTIME_API", addr)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let response = tokio::time::timeout(Duration::from_secs(30), responses.recv())
        .await?
        .ok_or("the function closed without answering")?;
    let elapsed = started.elapsed();
    let peak_kib = child.id().map_or(0, peak_rss_kib);
    child.kill().await?;
    Ok((elapsed, response, peak_kib))
}

/// VmHWM of a live process: its peak resident memory.
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// An API Gateway HTTP API (payload 2.0) event.
fn http_event(method: &str, path: &str, token: &str, body: Option<String>) -> Value {
    json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"authorization": format!("Bearer {token}"), "content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "bench", "domainName": "bench.local", "domainPrefix": "bench",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench"},
            "requestId": "bench", "routeKey": format!("{method} {path}"), "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 1767225600000u64
        },
        "isBase64Encoded": false,
        "body": body
    })
}

/// A fresh table and secret on the emulator, and the environment a function needs to use them.
async fn provision() -> Result<Vec<(String, String)>, BoxError> {
    let aws = aws_config::load_from_env().await;
    let table = format!("bench-{}", uuid::Uuid::new_v4().simple());
    bengkel::store::dynamo::ensure_table(&aws_sdk_dynamodb::Client::new(&aws), &table).await?;
    let secret = aws_sdk_secretsmanager::Client::new(&aws)
        .create_secret()
        .name(format!("bench-{}", uuid::Uuid::new_v4().simple()))
        .secret_string(json!({"jwt_secret": SECRET}).to_string())
        .send()
        .await?;
    let mut env: Vec<(String, String)> = [
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
    ]
    .iter()
    .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
    .collect();
    for (key, value) in [
        ("TABLE_NAME", table.as_str()),
        ("SECRET_ID", secret.arn().unwrap_or_default()),
        ("AWS_LAMBDA_FUNCTION_NAME", "bench"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "bench"),
    ] {
        env.push((key.into(), value.into()));
    }
    Ok(env)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: bench-lambda <dir of function binaries>")?,
    );
    let env = provision().await?;
    let token = Auth::new(SECRET.as_bytes(), &Config::default())?.issue(
        "bench",
        Duration::from_secs(3600),
        &Config::default(),
    );

    let list = http_event("GET", "/manual-whatsapp/", &token, None);
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let (elapsed, response, _) = invoke(&dir.join("manual-list"), &env, list.clone()).await?;
        if response["statusCode"] != 200 {
            return Err(format!("manual-list answered {response}").into());
        }
        samples.push(elapsed);
    }
    println!(
        "cold start, manual-list, process start to first response: median {:?} of {RUNS} (min {:?}, max {:?})",
        median(samples.clone()),
        samples.iter().min().unwrap_or(&Duration::ZERO),
        samples.iter().max().unwrap_or(&Duration::ZERO)
    );

    let rows: Vec<Value> = (0..1000)
        .map(|i| json!({"customer_name": format!("Pelanggan {i}"), "nopol": format!("B {} BEN", i + 1), "no_hp": "08123456789", "next_service": "2026-12-01"}))
        .collect();
    let import = http_event(
        "POST",
        "/manual-whatsapp/bulk-import",
        &token,
        Some(json!(rows).to_string()),
    );
    let (elapsed, response, peak) = invoke(&dir.join("manual-bulk-import"), &env, import).await?;
    let body: Value =
        serde_json::from_str(response["body"].as_str().unwrap_or("{}")).unwrap_or_default();
    println!(
        "bulk import of 1,000 rows, cold: {elapsed:?}, answer {:?}, peak RSS {:.1} MiB",
        body["message"],
        peak as f64 / 1024.0
    );
    Ok(())
}
