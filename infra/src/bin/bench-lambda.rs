//! Measures the release Lambda executable under a minimal Lambda Runtime API on loopback, run
//! as Lambda runs it (the function named in `_HANDLER`): cold start of `manual-list` (process
//! start to first response, median of 10) and peak memory of `manual-bulk-import` while serving
//! a 1,000-row import. Needs a DynamoDB + Secrets Manager endpoint in `AWS_ENDPOINT_URL` (moto).
//! Prints figures; asserts nothing beyond the answers being the expected ones.
//!
//! usage: bench-lambda EXECUTABLE   the `bootstrap` every function deploys (e.g.
//!                                  `target/lambda/x86_64/functions/bootstrap`)
//! It must run on this machine (x86_64 here). Each function's log goes to a file in the
//! temporary directory, named in the error when a function does not answer as expected.

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
/// How long a function may take to answer; the bulk import on moto takes a while.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(300);
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
        + ANSWER_TIMEOUT;
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
    let addr = bengkel::fakes::serve(app).await?.to_string();
    Ok((addr, rx))
}

/// What one invocation gave: time from spawn to response, the response, peak RSS in KiB.
struct Answer {
    elapsed: Duration,
    response: Value,
    peak_kib: u64,
}

/// Runs `binary` as the function `handler` for one `event`, its stdout and stderr appended to
/// `log`.
async fn invoke(
    binary: &Path,
    handler: &str,
    env: &[(String, String)],
    event: Value,
    log: &Path,
) -> Result<Answer, BoxError> {
    let (addr, mut responses) = runtime_api(event).await?;
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let err = out.try_clone()?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env_clear()
        .envs(env.iter().cloned())
        .env(bengkel::lambda::HANDLER_VAR, handler)
        .env("AWS_LAMBDA_RUNTIME_API", addr)
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let response = tokio::select! {
        response = responses.recv() => response.ok_or("the runtime API stopped")?,
        status = child.wait() => {
            return Err(format!("{} exited ({}) without answering; log: {}",
                binary.display(), status?, log.display()).into());
        }
        () = tokio::time::sleep(ANSWER_TIMEOUT) => {
            return Err(format!("{} did not answer within {ANSWER_TIMEOUT:?}; log: {}",
                binary.display(), log.display()).into());
        }
    };
    let elapsed = started.elapsed();
    let peak_kib = child.id().map_or(0, peak_rss_kib);
    child.kill().await?;
    Ok(Answer {
        elapsed,
        response,
        peak_kib,
    })
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
        ("JWT_SECRET_ID", secret.arn().unwrap_or_default()),
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

/// The median: the mean of the two middle samples when their number is even.
fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let mid = samples.len() / 2;
    if samples.len().is_multiple_of(2) {
        (samples[mid - 1] + samples[mid]) / 2
    } else {
        samples[mid]
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// The executable, from the one argument.
fn executable(args: &[String]) -> Result<PathBuf, BoxError> {
    const USAGE: &str = "usage: bench-lambda EXECUTABLE (the bootstrap every function deploys)";
    let [path] = args else {
        return Err(USAGE.into());
    };
    let path = PathBuf::from(path);
    if !path.is_file() {
        return Err(format!("{} is not a file\n{USAGE}", path.display()).into());
    }
    Ok(path)
}

/// The body of an API Gateway v2 response, as JSON.
fn body(response: &Value) -> Value {
    response["body"]
        .as_str()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let binary = executable(&args)?;
    let env = provision().await?;
    let logs = std::env::temp_dir().join(format!("bench-lambda-{}", std::process::id()));
    std::fs::create_dir_all(&logs)?;
    let token = Auth::new(SECRET.as_bytes(), &Config::default())?.issue(
        "bench",
        Duration::from_secs(3600),
        &Config::default(),
    );
    let size = std::fs::metadata(&binary)?.len();
    println!(
        "executable: {} ({:.2} MiB), as manual-list and manual-bulk-import",
        binary.display(),
        size as f64 / 1024.0 / 1024.0
    );

    let list = http_event("GET", "/manual-whatsapp/", &token, None);
    let mut samples = Vec::new();
    let mut peaks = Vec::new();
    for _ in 0..RUNS {
        let answer = invoke(
            &binary,
            "manual-list",
            &env,
            list.clone(),
            &logs.join("manual-list.log"),
        )
        .await?;
        if answer.response["statusCode"] != 200 {
            return Err(format!(
                "manual-list answered {}; log: {}",
                answer.response,
                logs.join("manual-list.log").display()
            )
            .into());
        }
        samples.push(answer.elapsed);
        peaks.push(answer.peak_kib);
    }
    samples.sort();
    println!(
        "cold start, manual-list (GET /manual-whatsapp/, empty table), process start to first response: \
         median {} of {RUNS} (min {}, max {}); peak RSS {}",
        ms(median(samples.clone())),
        ms(samples[0]),
        ms(samples[RUNS - 1]),
        mib(peaks.iter().copied().max().unwrap_or(0)),
    );

    let rows: Vec<Value> = (0..1000)
        .map(|i| json!({"customer_name": format!("Pelanggan {i}"), "nopol": format!("B {} BEN", i + 1), "no_hp": "08123456789", "next_service": "2026-12-01"}))
        .collect();
    let payload = json!(rows).to_string();
    let payload_kib = payload.len() as f64 / 1024.0;
    let import = http_event(
        "POST",
        "/manual-whatsapp/bulk-import",
        &token,
        Some(payload),
    );
    let log = logs.join("manual-bulk-import.log");
    let answer = invoke(&binary, "manual-bulk-import", &env, import, &log).await?;
    let data = &body(&answer.response)["data"];
    if answer.response["statusCode"] != 200 || data["imported"] != 1000 {
        return Err(format!(
            "manual-bulk-import answered {}; log: {}",
            answer.response,
            log.display()
        )
        .into());
    }
    println!(
        "bulk import of 1,000 rows ({payload_kib:.0} KiB body), cold process: answered in {}, \
         imported {}, failed {}; peak RSS (VmHWM) {}",
        ms(answer.elapsed),
        data["imported"],
        data["failed"],
        mib(answer.peak_kib),
    );
    let _ = std::fs::remove_dir_all(&logs);
    Ok(())
}
