//! The framework's limit for the request-path benchmark (`infra/bench.sh request-path`): a
//! bare axum server answering `GET /manual-whatsapp/{id}` with a record held in memory,
//! serialised on each request as the real handler serialises the one it read. No middleware,
//! no token, no store.
//!
//! `bench-bare PORT`

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bengkel::manual::ManualRecord;
use chrono::{DateTime, NaiveDate};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let port: u16 = std::env::args()
        .nth(1)
        .ok_or("usage: bench-bare PORT")?
        .parse()?;
    let router = Router::new()
        .route("/manual-whatsapp/{id}", get(answer))
        .with_state(Arc::new(record()?));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, router).await?;
    Ok(())
}

async fn answer(State(record): State<Arc<ManualRecord>>, Path(_id): Path<String>) -> Response {
    Json(&*record).into_response()
}

/// A record of the shape the local server answers for the benchmark's record.
fn record() -> Result<ManualRecord, BoxError> {
    let now = DateTime::parse_from_rfc3339("2026-01-03T10:30:00+07:00")?;
    Ok(ManualRecord {
        id: "550e8400-e29b-41d4-a716-446655440000".into(),
        customer_name: "Bapak Joko".into(),
        nopol: "B 1234 XYZ".into(),
        no_hp: "628123456789".into(),
        last_service: NaiveDate::from_ymd_opt(2025, 10, 15),
        next_service: NaiveDate::from_ymd_opt(2026, 1, 15),
        is_active: 1,
        reminder_sent_count: 0,
        last_reminder_sent: None,
        notes: Some("Customer VIP".into()),
        created_at: now,
        updated_at: now,
        version: 1,
    })
}
