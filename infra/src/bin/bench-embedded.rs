//! The local server on the embedded store, over the HTTP API, beside the FastAPI reference in
//! the same run; and the cost of writes at the store level.
//!
//! `bench-embedded http LOCAL_BIN REFERENCE_DIR [SIZES]`: for each size (records; default
//! 100,10000,100000) a fresh data folder is loaded at the store level, the release server
//! started on it, and measured with wrk (8 connections, 2 threads, 5 s per endpoint; 30 s for
//! the reference, whose whole-table answers take seconds) on
//! `stats/summary`, `?limit=50` and `dashboard`; then `send-reminders` with 10 due, one request
//! at a time on a fresh due set each (10 records imported before, deleted after, untimed: a
//! repeated request would only skip what the first claimed), and register customer deletes
//! (8 at a time, each a distinct customer with two vehicles). The reference gets the same at
//! 10,000 records, loaded through its bulk import.
//!
//! `bench-embedded writes`: one create (median of 200) and a 1,000-row bulk import (median of
//! 5), at the store level, on a store holding 10,000 records. Built from another checkout it
//! measures that checkout's store: the figures before and after a change, on one machine.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bengkel::manual::ManualRecord;
use bengkel::manual::store::ManualStore;
use bengkel::register::store::RegisterStore;
use bengkel::register::{Customer, Registration, Vehicle};
use bengkel::store::embedded::EmbeddedStore;
use chrono::{DateTime, Days, FixedOffset, NaiveDate, Utc};
use serde_json::{Value, json};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const SECRET: &str = "bench-secret-of-at-least-32-bytes-long!!";
const WRK_SECONDS: u32 = 5;
/// The reference answers a whole-table request in seconds: long enough for a few of them.
const REFERENCE_WRK_SECONDS: u32 = 30;
const REMINDER_ROUNDS: usize = 15;
const DELETES: usize = 400;
const DELETE_CONNECTIONS: usize = 8;
/// Records the reference is compared at.
const REFERENCE_SIZE: usize = 10_000;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("writes") => writes().await,
        Some("http") if args.len() >= 3 => {
            let sizes = match args.get(3) {
                Some(list) => list
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<Vec<usize>, _>>()?,
                None => vec![100, 10_000, 100_000],
            };
            http(Path::new(&args[1]), Path::new(&args[2]), &sizes).await
        }
        _ => Err("usage: bench-embedded writes | http LOCAL_BIN REFERENCE_DIR [SIZES]".into()),
    }
}

// ---- data ---------------------------------------------------------------------------------

fn jakarta() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("valid offset")
}

fn today() -> NaiveDate {
    Utc::now().with_timezone(&jakarta()).date_naive()
}

/// Record `n` of a workshop's list: service dates spread over the year but never within 8
/// days of today (so that the due set is exactly what a round adds), most active, reminded
/// over the last two months.
fn record(n: usize, now: DateTime<FixedOffset>) -> ManualRecord {
    let spread = Days::new(9 + (n % 300) as u64);
    let next = if n.is_multiple_of(2) {
        today() + spread
    } else {
        today() - spread
    };
    let reminded =
        (!n.is_multiple_of(5)).then(|| now - chrono::Duration::hours((n % 1_440) as i64));
    ManualRecord {
        id: uuid::Uuid::new_v4().to_string(),
        customer_name: format!("Pelanggan {n}"),
        nopol: plate(n),
        no_hp: "6281234567890".into(),
        last_service: None,
        next_service: Some(next),
        is_active: u8::from(!n.is_multiple_of(10)),
        reminder_sent_count: (n % 9) as u32,
        last_reminder_sent: reminded,
        notes: None,
        created_at: now - chrono::Duration::seconds(n as i64),
        updated_at: now,
        version: 1,
    }
}

/// A distinct valid plate per `n`: two letters, four digits, up to three letters.
fn plate(n: usize) -> String {
    let letters = |mut k: usize, len: usize| -> String {
        (0..len)
            .map(|_| {
                let c = (b'A' + (k % 26) as u8) as char;
                k /= 26;
                c
            })
            .collect()
    };
    format!(
        "{} {} {}",
        letters(n / 9_999, 2),
        n % 9_999 + 1,
        letters(n, 3)
    )
}

fn registration(n: usize, now: DateTime<FixedOffset>) -> Registration {
    let customer = Customer {
        id: uuid::Uuid::new_v4().to_string(),
        name: format!("Pelanggan {n}"),
        no_hp: "6281234567890".into(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let vehicles = (0..2)
        .map(|v| Vehicle {
            id: uuid::Uuid::new_v4().to_string(),
            id_customer: customer.id.clone(),
            nopol: plate(2 * n + v),
            model: "Honda Beat".into(),
            last_visit: Some(today() - Days::new(30 + (n % 60) as u64)),
            kind: Default::default(),
            service_interval_km: None,
            service_interval_months: None,
            odometer_km: None,
            odometer_date: None,
            service_odometer_km: None,
            measured_km_per_day: None,
            due_on: None,
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .collect();
    Registration {
        customer,
        vehicles,
        visits: Vec::new(),
    }
}

/// Loads `records` records and `customers` customers (two vehicles each) at the store level.
async fn load(path: &Path, records: usize, customers: usize) -> Result<(), BoxError> {
    let store = EmbeddedStore::open(path)?;
    let now = Utc::now().with_timezone(&jakarta());
    for start in (0..records).step_by(1_000) {
        let batch: Vec<ManualRecord> = (start..records.min(start + 1_000))
            .map(|n| record(n, now))
            .collect();
        store.insert_many(&batch).await?;
    }
    let registrations: Vec<Registration> = (0..customers).map(|n| registration(n, now)).collect();
    for chunk in registrations.chunks(500) {
        store.insert_registrations(chunk).await?;
    }
    Ok(())
}

// ---- writes -------------------------------------------------------------------------------

async fn writes() -> Result<(), BoxError> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.redb");
    load(&path, 10_000, 0).await?;
    let store = EmbeddedStore::open(&path)?;
    let now = Utc::now().with_timezone(&jakarta());
    let mut next = 10_000;
    let mut creates = Vec::new();
    for _ in 0..200 {
        let r = record(next, now);
        next += 1;
        let started = Instant::now();
        store.insert(&r).await?;
        creates.push(started.elapsed());
    }
    let mut imports = Vec::new();
    for _ in 0..5 {
        let batch: Vec<ManualRecord> = (next..next + 1_000).map(|n| record(n, now)).collect();
        next += 1_000;
        let started = Instant::now();
        store.insert_many(&batch).await?;
        imports.push(started.elapsed());
    }
    println!(
        "writes | one create (median of 200, on 10,000 records): {}",
        ms(median(&mut creates))
    );
    println!(
        "writes | 1,000-row bulk import (median of 5, from 10,000 records): {}",
        ms(median(&mut imports))
    );
    Ok(())
}

// ---- http ---------------------------------------------------------------------------------

/// A server under test, stopped when dropped.
struct Server {
    name: String,
    base: String,
    token: String,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, BoxError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn wait_up(client: &reqwest::Client, base: &str, token: &str) -> Result<(), BoxError> {
    for _ in 0..600 {
        let probe = client
            .get(format!("{base}/manual-whatsapp/stats/summary"))
            .bearer_auth(token)
            .send()
            .await;
        if probe.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!("no answer from {base}").into())
}

fn token_of(output: std::process::Output) -> Result<String, BoxError> {
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned().into());
    }
    let text = String::from_utf8(output.stdout)?;
    Ok(text.lines().last().unwrap_or_default().trim().to_string())
}

async fn start_local(
    client: &reqwest::Client,
    bin: &Path,
    data: &Path,
) -> Result<Server, BoxError> {
    let port = free_port()?;
    let env = |c: &mut Command| {
        c.env("PORT", port.to_string())
            .env("DATA_DIR", data)
            .env("JWT_SECRET", SECRET)
            .env("RUST_LOG", "warn")
            // The figures measure the requests: no gaps, no quiet hours, limits above the
            // rounds' sends, and no cooldown (each round reminds fresh records anyway).
            .env("SEND_GAP_SECONDS", "0-0")
            .env("QUIET_HOURS", "")
            .env("SEND_DAILY_LIMIT", "100000")
            .env("SEND_HOURLY_LIMIT", "3600")
            .env_remove("STARSENDER_API_KEY");
    };
    let mut token = Command::new(bin);
    env(&mut token);
    let token = token_of(token.arg("token").output()?)?;
    let mut serve = Command::new(bin);
    env(&mut serve);
    let child = serve.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    let server = Server {
        name: "embedded".into(),
        base: format!("http://127.0.0.1:{port}"),
        token,
        child,
    };
    wait_up(client, &server.base, &server.token).await?;
    Ok(server)
}

async fn start_reference(
    client: &reqwest::Client,
    dir: &Path,
    data: &Path,
) -> Result<Server, BoxError> {
    let port = free_port()?;
    let run = dir.join("run.sh");
    let token = token_of(
        Command::new(&run)
            .arg("token")
            .env("JWT_SECRET", SECRET)
            .env("DATA_DIR", data)
            .output()?,
    )?;
    let child = Command::new(&run)
        .env("PORT", port.to_string())
        .env("JWT_SECRET", SECRET)
        .env("DATA_DIR", data)
        .env("LOG_LEVEL", "WARNING")
        .env_remove("STARSENDER_API_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = Server {
        name: "FastAPI reference".into(),
        base: format!("http://127.0.0.1:{port}"),
        token,
        child,
    };
    wait_up(client, &server.base, &server.token).await?;
    Ok(server)
}

/// Median latency and requests per second of one endpoint.
#[derive(Clone, Copy)]
struct Figure {
    median: Duration,
    per_second: f64,
}

fn show(figure: Option<Figure>) -> String {
    figure.map_or_else(
        || "—".into(),
        |f| format!("{:>9} {:>8.1}/s", ms(f.median), f.per_second),
    )
}

/// wrk with 8 connections for a few seconds: its median latency and requests per second.
fn wrk(server: &Server, path: &str, seconds: u32) -> Result<Figure, BoxError> {
    let out = Command::new("wrk")
        .args(["-t2", "-c8", &format!("-d{seconds}s"), "--latency"])
        // The reference's whole-table answers take seconds at 10,000 records.
        .args(["--timeout", "60s"])
        .args(["-H", &format!("Authorization: Bearer {}", server.token)])
        .arg(format!("{}{path}", server.base))
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        return Err(format!("{}: {path} answered errors:\n{text}", server.name).into());
    }
    let per_second = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{text}"))?
        .trim()
        .parse()?;
    let median = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("50%"))
        .filter(|_| !text.contains(" 0 requests in"))
        .ok_or_else(|| format!("no completed request in wrk's output:\n{text}"))?;
    Ok(Figure {
        median: wrk_duration(median.trim())?,
        per_second,
    })
}

fn wrk_duration(text: &str) -> Result<Duration, BoxError> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or("no unit")?;
    let (value, unit) = text.split_at(split);
    let value: f64 = value.parse()?;
    let seconds = match unit {
        "us" => value / 1e6,
        "ms" => value / 1e3,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("unknown unit {unit}").into()),
    };
    Ok(Duration::from_secs_f64(seconds))
}

async fn call(
    client: &reqwest::Client,
    server: &Server,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, BoxError> {
    let mut request = client
        .request(method, format!("{}{path}", server.base))
        .bearer_auth(&server.token);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        return Err(format!("{}: {path} answered {status}: {text:.300}", server.name).into());
    }
    Ok(if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)?
    })
}

/// `send-reminders` with 10 due, a request at a time: before each, 10 records due tomorrow are
/// imported; after it, the ones it sent are deleted (both untimed).
async fn send_reminders(client: &reqwest::Client, server: &Server) -> Result<Figure, BoxError> {
    let post = reqwest::Method::POST;
    let mut times = Vec::new();
    for round in 0..REMINDER_ROUNDS {
        let due = today() + Days::new(1);
        let rows: Vec<Value> = (0..10)
            .map(|i| {
                json!({"customer_name": format!("Due {round} {i}"),
                       "nopol": format!("Z {} DU", round * 10 + i + 1),
                       "no_hp": "081234567890",
                       "next_service": due.to_string()})
            })
            .collect();
        let imported = call(
            client,
            server,
            post.clone(),
            "/manual-whatsapp/bulk-import",
            Some(Value::Array(rows)),
        )
        .await?;
        if imported["data"]["imported"] != 10 {
            return Err(format!("{}: import of 10 due: {imported}", server.name).into());
        }
        let started = Instant::now();
        let run = call(
            client,
            server,
            post.clone(),
            "/manual-whatsapp/send-reminders",
            Some(json!({})),
        )
        .await?;
        times.push(started.elapsed());
        if run["reminder_sent"] != 10 {
            return Err(format!(
                "{}: expected 10 sent, got {}",
                server.name, run["reminder_sent"]
            )
            .into());
        }
        let sent = run["details"].as_array().into_iter().flatten();
        for line in sent.filter(|d| d["status"] == "sent") {
            let id = line["id"].as_str().ok_or("a sent line without id")?;
            let path = format!("/manual-whatsapp/{id}");
            call(client, server, reqwest::Method::DELETE, &path, None).await?;
        }
    }
    let median = median(&mut times);
    Ok(Figure {
        median,
        per_second: 1.0 / median.as_secs_f64(),
    })
}

/// Deletes `DELETES` customers (each with two vehicles), 8 requests at a time.
async fn customer_deletes(client: &reqwest::Client, server: &Server) -> Result<Figure, BoxError> {
    let page = call(
        client,
        server,
        reqwest::Method::GET,
        &format!("/customers/?limit={DELETES}"),
        None,
    )
    .await?;
    let ids: Vec<String> = page["data"]
        .as_array()
        .ok_or("no customers")?
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .collect();
    if ids.len() < DELETES {
        return Err(format!("only {} customers to delete", ids.len()).into());
    }
    let queue = Arc::new(std::sync::Mutex::new(ids));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..DELETE_CONNECTIONS {
        let (client, queue) = (client.clone(), queue.clone());
        let (base, token) = (server.base.clone(), server.token.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let Some(id) = queue.lock().expect("queue").pop() else {
                    return Ok::<_, String>(times);
                };
                let begun = Instant::now();
                let response = client
                    .delete(format!("{base}/customers/{id}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if response.status() != reqwest::StatusCode::NO_CONTENT {
                    return Err(format!("delete answered {}", response.status()));
                }
                times.push(begun.elapsed());
            }
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await??);
    }
    let elapsed = started.elapsed();
    Ok(Figure {
        median: median(&mut times),
        per_second: times.len() as f64 / elapsed.as_secs_f64(),
    })
}

const ENDPOINTS: [(&str, &str); 3] = [
    ("GET stats/summary", "/manual-whatsapp/stats/summary"),
    ("GET ?limit=50", "/manual-whatsapp/?limit=50"),
    ("GET dashboard", "/manual-whatsapp/dashboard"),
];
const SEND: &str = "POST send-reminders, 10 due";
const DELETE: &str = "DELETE /customers/{id}";

/// One column of the table: a figure per row.
struct Column {
    title: String,
    figures: Vec<Option<Figure>>,
}

async fn measure_local(
    client: &reqwest::Client,
    bin: &Path,
    size: usize,
) -> Result<Column, BoxError> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_path_buf();
    let started = Instant::now();
    load(&data.join("bengkel.redb"), size, size.clamp(DELETES, 5_000)).await?;
    eprintln!(
        "loaded {size} records in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let server = start_local(client, bin, &data).await?;
    let mut figures = Vec::new();
    for (_, path) in ENDPOINTS {
        figures.push(Some(wrk(&server, path, WRK_SECONDS)?));
    }
    figures.push(Some(send_reminders(client, &server).await?));
    figures.push(Some(customer_deletes(client, &server).await?));
    Ok(Column {
        title: format!("embedded, {size}"),
        figures,
    })
}

async fn measure_reference(client: &reqwest::Client, dir: &Path) -> Result<Column, BoxError> {
    let data = tempfile::tempdir()?;
    let server = start_reference(client, dir, data.path()).await?;
    let now = Utc::now().with_timezone(&jakarta());
    for start in (0..REFERENCE_SIZE).step_by(1_000) {
        let rows: Vec<Value> = (start..start + 1_000)
            .map(|n| {
                let r = record(n, now);
                json!({"customer_name": r.customer_name, "nopol": r.nopol, "no_hp": "081234567890",
                       "next_service": r.next_service.map(|d| d.to_string())})
            })
            .collect();
        let path = "/manual-whatsapp/bulk-import";
        call(
            client,
            &server,
            reqwest::Method::POST,
            path,
            Some(Value::Array(rows)),
        )
        .await?;
    }
    let mut figures = Vec::new();
    for (_, path) in ENDPOINTS {
        figures.push(Some(wrk(&server, path, REFERENCE_WRK_SECONDS)?));
    }
    figures.push(Some(send_reminders(client, &server).await?));
    // The reference has no register customers to delete.
    figures.push(None);
    Ok(Column {
        title: format!("FastAPI ref, {REFERENCE_SIZE}"),
        figures,
    })
}

async fn http(bin: &Path, reference: &Path, sizes: &[usize]) -> Result<(), BoxError> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(DELETE_CONNECTIONS)
        .build()?;
    let mut columns = vec![measure_reference(&client, reference).await?];
    for &size in sizes {
        columns.push(measure_local(&client, bin, size).await?);
    }
    let rows: Vec<&str> = ENDPOINTS
        .iter()
        .map(|(name, _)| *name)
        .chain([SEND, DELETE])
        .collect();
    print!("http | {:<30}", "median, req/s");
    for column in &columns {
        print!(" | {:>21}", column.title);
    }
    println!();
    for (i, row) in rows.iter().enumerate() {
        print!("http | {row:<30}");
        for column in &columns {
            print!(" | {:>21}", show(column.figures[i]));
        }
        println!();
    }
    ratios(&rows, &columns, sizes);
    Ok(())
}

/// The goals: the largest size within 2x of the smallest, and 10,000 at 10x the reference.
fn ratios(rows: &[&str], columns: &[Column], sizes: &[usize]) {
    let at = |size: usize| {
        sizes
            .iter()
            .position(|s| *s == size)
            .map(|i| &columns[i + 1])
    };
    let (Some(&small), Some(&large)) = (sizes.iter().min(), sizes.iter().max()) else {
        return;
    };
    for (i, row) in rows.iter().enumerate() {
        let figure = |column: Option<&Column>| column.and_then(|c| c.figures[i]);
        let mut line = format!("goal | {row:<30}");
        if let (Some(s), Some(l)) = (figure(at(small)), figure(at(large))) {
            let slower = l.median.as_secs_f64() / s.median.as_secs_f64();
            line.push_str(&format!(
                " | {large} vs {small}: median x{slower:.2} (goal <= 2)"
            ));
        }
        if let (Some(r), Some(e)) = (figure(Some(&columns[0])), figure(at(REFERENCE_SIZE))) {
            let faster = e.per_second / r.per_second;
            line.push_str(&format!(
                " | vs reference at 10,000: x{faster:.1} req/s (goal >= 10)"
            ));
        }
        println!("{line}");
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}
