//! What the API tests share: an app on a fresh embedded store, a clock they control, and a
//! client that calls the router in-process.
#![allow(dead_code, unused_macros)]

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use bengkel::app::App;
use bengkel::app::Store;
use bengkel::auth::Auth;
use bengkel::clock::Clock;
use bengkel::config::Config;
use bengkel::fakes::starsender::FakeStarSender;
use bengkel::routes;
use bengkel::store::dynamo::DynamoStore;
use bengkel::store::embedded::EmbeddedStore;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const SECRET: &str = "test-secret-of-at-least-32-bytes-long!!";

/// A clock the test moves by hand.
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn set(&self, rfc3339: &str) {
        *self.0.lock().unwrap() = parse_instant(rfc3339);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

fn parse_instant(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

pub struct TestApp {
    pub app: Arc<App>,
    pub router: Router,
    pub clock: Arc<TestClock>,
    pub token: String,
    _dir: Option<tempfile::TempDir>,
}

/// Which store an app under test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    /// A fresh table on the DynamoDB server at `DYNAMODB_ENDPOINT_URL` (moto).
    Dynamo,
}

/// An answer read as bytes: a downloaded file, or JSON ([`FileReply::json`]).
pub struct FileReply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl FileReply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.bytes)))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl TestApp {
    /// A fresh app whose clock reads 2026-01-10 10:30 in Jakarta.
    pub fn new() -> Self {
        Self::with_config(Config::default())
    }

    pub fn with_config(config: Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(&dir.path().join("test.redb")).unwrap();
        Self::assemble(config, Arc::new(store), Some(dir))
    }

    /// A fresh app on `backend`.
    pub async fn on(backend: Backend, config: Config) -> Self {
        match backend {
            Backend::Embedded => Self::with_config(config),
            Backend::Dynamo => Self::assemble(config, Arc::new(fresh_table().await), None),
        }
    }

    /// A fresh app on `backend` paced as `config` says: gaps and quiet hours as configured
    /// (every other app sends at once, as the process tiers pin it).
    pub async fn paced(backend: Backend, config: Config) -> Self {
        match backend {
            Backend::Embedded => {
                let dir = tempfile::tempdir().unwrap();
                let store = EmbeddedStore::open(&dir.path().join("test.redb")).unwrap();
                Self::build(config, Arc::new(store), Some(dir))
            }
            Backend::Dynamo => Self::build(config, Arc::new(fresh_table().await), None),
        }
    }

    fn assemble<S: Store>(
        mut config: Config,
        store: Arc<S>,
        dir: Option<tempfile::TempDir>,
    ) -> Self {
        // As the process tiers pin it: messages leave at once, any hour. The suites written
        // before pacing also remind one record more than once a day; pacing's own suite
        // (`pacing.rs`, through `paced`) keeps the cooldown.
        config.pacing.gap = bengkel::pacing::GapRange { min: 0, max: 0 };
        config.pacing.quiet = None;
        config.pacing.limits.cooldown_hours = 0;
        Self::build(config, store, dir)
    }

    fn build<S: Store>(config: Config, store: Arc<S>, dir: Option<tempfile::TempDir>) -> Self {
        let clock = Arc::new(TestClock(Mutex::new(parse_instant(
            "2026-01-10T10:30:00+07:00",
        ))));
        let auth = Auth::new(SECRET.as_bytes(), &config).unwrap();
        let token = auth.issue("tester", std::time::Duration::from_secs(3600), &config);
        let app = Arc::new(
            App::new(config, auth, store)
                .unwrap()
                .with_clock(clock.clone())
                // The same gaps on every run of a test.
                .with_jitter(Arc::new(bengkel::pacing::RandomGaps::seeded(22))),
        );
        TestApp {
            router: routes::router(app.clone()),
            app,
            clock,
            token,
            _dir: dir,
        }
    }

    /// Sends a request with a valid token.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let auth = format!("Bearer {}", self.token);
        self.send(method, path, Some(&auth), body.map(|b| b.to_string()))
            .await
    }

    /// Sends a raw request: any `Authorization` header, any body text.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        authorization: Option<&str>,
        body: Option<String>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json");
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let request = request
            .body(body.map_or_else(Body::empty, Body::from))
            .unwrap();
        self.request(request).await
    }

    /// Sends a request built by the test, headers and all.
    pub async fn request(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Sends `body` as it is, with `content_type`, and a valid token; the answer's raw bytes.
    pub async fn send_file(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> FileReply {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", content_type)
            .header("authorization", format!("Bearer {}", self.token))
            .body(Body::from(body))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        FileReply {
            status,
            headers,
            bytes,
        }
    }

    pub async fn create(&self, body: Value) -> Value {
        let reply = self
            .call(Method::POST, "/manual-whatsapp/", Some(body))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body
    }
}

impl TestApp {
    /// A fresh app on DynamoDB whose table already holds the report rows `rows`, written with
    /// BatchWriteItem in the adapter's item form (no totals): fast, for tests that need many rows.
    pub async fn on_dynamo_with_rows(config: Config, rows: &[bengkel::report::ReportRow]) -> Self {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        let (client, table) = dynamo_table("api").await;
        let requests: Vec<WriteRequest> = rows
            .iter()
            .map(|row| {
                let put = PutRequest::builder()
                    .set_item(Some(
                        bengkel::store::dynamo::report_item(row).expect("item of a row"),
                    ))
                    .build()
                    .unwrap();
                WriteRequest::builder().put_request(put).build()
            })
            .collect();
        for chunk in requests.chunks(25) {
            let mut pending = chunk.to_vec();
            while !pending.is_empty() {
                let out = client
                    .batch_write_item()
                    .request_items(&table, pending)
                    .send()
                    .await
                    .expect("BatchWriteItem");
                pending = out
                    .unprocessed_items
                    .and_then(|mut left| left.remove(&table))
                    .unwrap_or_default();
            }
        }
        Self::assemble(config, Arc::new(DynamoStore::new(client, table)), None)
    }
}

/// A DynamoDB store on a new table of the server at `DYNAMODB_ENDPOINT_URL`.
async fn fresh_table() -> DynamoStore {
    let (client, table) = dynamo_table("api").await;
    DynamoStore::new(client, table)
}

/// A client of the DynamoDB server at `DYNAMODB_ENDPOINT_URL` (moto) and a new table on it,
/// its name starting with `label`, with every index the adapter reads.
pub async fn dynamo_table(label: &str) -> (aws_sdk_dynamodb::Client, String) {
    let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT_URL") else {
        panic!("DynamoDB tests need a server: set DYNAMODB_ENDPOINT_URL or run infra/test.sh");
    };
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "ap-southeast-3".into());
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let table = format!(
        "{}-{}",
        label.replace('_', "-"),
        uuid::Uuid::new_v4().simple()
    );
    bengkel::store::dynamo::ensure_table(&client, &table)
        .await
        .expect("table created (is the server at DYNAMODB_ENDPOINT_URL up?)");
    (client, table)
}

/// The StarSender device key of the apps [`with_gateway`] builds.
pub const GATEWAY_KEY: &str = "device-api-key-123";

/// An app on `backend` that sends through a fresh fake StarSender with [`GATEWAY_KEY`] and a
/// 700 ms timeout, after `configure` has had its say.
pub async fn with_gateway(
    backend: Backend,
    configure: impl FnOnce(&mut Config),
) -> (TestApp, FakeStarSender) {
    let fake = FakeStarSender::start().await.unwrap();
    let mut config = Config {
        providers: bengkel::gateway::ProviderSettings::starsender_at(
            fake.url.clone(),
            Some(GATEWAY_KEY.into()),
        ),
        whatsapp_provider: bengkel::gateway::Provider::StarSender,
        gateway_timeout: std::time::Duration::from_millis(700),
        ..Config::default()
    };
    configure(&mut config);
    (TestApp::on(backend, config).await, fake)
}

/// A valid create body.
pub fn customer(name: &str, nopol: &str, no_hp: &str) -> Value {
    json!({"customer_name": name, "nopol": nopol, "no_hp": no_hp})
}

/// Runs each API test body (taking a [`Backend`]) once per store: `embedded::name` and
/// `dynamodb::name`.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::Backend::Embedded).await
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::Backend::Dynamo).await
                }
            )*
        }
    };
}

/// Generates, for every store test body, one test per adapter: `embedded::name` and
/// `dynamodb::name`. The test file defines its fixtures `embedded()` and `dynamo(name)`, and a
/// `Given` trait by which a body takes what it tests from a fixture.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let fixture = super::embedded();
                    super::$name(super::Given::given(&fixture)).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let fixture = super::dynamo(stringify!($name)).await;
                    super::$name(super::Given::given(&fixture)).await;
                }
            )*
        }
    };
}

/// The register as it reads through the API: each customer as (name, phone, [(nopol, model,
/// last_visit)]), in a fixed order, to compare two stores.
pub async fn register_of(app: &TestApp) -> Vec<Value> {
    let list = app.call(Method::GET, "/customers/", None).await;
    let mut out = Vec::new();
    for customer in list.body["data"].as_array().unwrap() {
        let id = customer["id"].as_str().unwrap();
        let vehicles = app
            .call(Method::GET, &format!("/customers/{id}/vehicles"), None)
            .await;
        let vehicles: Vec<Value> = vehicles
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|v| json!([v["nopol"], v["model"], v["last_visit"]]))
            .collect();
        out.push(json!([customer["name"], customer["no_hp"], vehicles]));
    }
    out.sort_by_key(|c| c.to_string());
    out
}

/// Every record as the API lists it, by nopol.
pub async fn records_of(app: &TestApp) -> Vec<Value> {
    let reply = app.call(Method::GET, "/manual-whatsapp/", None).await;
    let mut data = reply.body["data"].as_array().unwrap().clone();
    data.sort_by_key(|r| r["nopol"].as_str().unwrap().to_string());
    data
}

/// What an import gives a record: everything but the server's own fields.
pub fn imported_fields(records: &[Value]) -> Vec<Value> {
    records
        .iter()
        .map(|r| {
            json!([
                r["customer_name"],
                r["nopol"],
                r["no_hp"],
                r["last_service"],
                r["next_service"],
                r["notes"]
            ])
        })
        .collect()
}

/// A customer's number, `6281234000nn`, the `i`th of a test's many.
pub fn number(i: usize) -> String {
    format!("6281234{i:05}")
}

/// `n` records due tomorrow (the test clock's 2026-01-11); their ids.
pub async fn due_records(t: &TestApp, n: usize) -> Vec<String> {
    let rows: Vec<Value> = (0..n)
        .map(|i| {
            json!({"customer_name": format!("Pelanggan {i}"), "nopol": format!("B {} PCG", 1000 + i),
                   "no_hp": number(i), "next_service": "2026-01-11"})
        })
        .collect();
    let reply = t
        .call(
            Method::POST,
            "/manual-whatsapp/bulk-import",
            Some(json!(rows)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let list = t
        .call(Method::GET, "/manual-whatsapp/?limit=1000", None)
        .await;
    list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}
