//! Fake WhatsApp providers on loopback, for tests and benchmarks: each records every request it
//! receives and answers as the test tells it.

pub mod cloud_api;
pub mod starsender;

use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

/// Serves `router` on a free loopback port for as long as the runtime lives: a fake's start-up.
pub async fn serve(router: axum::Router) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(addr)
}

/// Locks a fake's state: a test that panicked while holding it does not fail the next ones.
fn lock<T>(state: &Mutex<T>) -> MutexGuard<'_, T> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The `Authorization` header, verbatim.
fn authorization(headers: &HeaderMap) -> Option<String> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
