//! What every storage port shares: how a store fails, and the retry of a read followed by a
//! conditional write that found the data changed under it.

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The nopol (compact key) is already registered to another record.
    #[error("nopol {0} already registered")]
    NopolTaken(String),
    /// The record changed or vanished since it was read; read it again and retry.
    #[error("record changed concurrently")]
    Stale,
    /// The database could not be reached or refused to serve (throttling, network).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("storage error: {0}")]
    Other(String),
}

/// Reads and writes tried again, at most, when another request changed the same data in
/// between.
const WRITE_ATTEMPTS: usize = 5;

/// Runs `attempt` (a read, then a conditional write) again while it finds the data changed
/// under it (`Ok(None)`); after [`WRITE_ATTEMPTS`] it gives up with `Stale`.
pub async fn retry_while_stale<T, E, F, Fut>(attempt: F) -> Result<T, E>
where
    E: From<StoreError>,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, E>>,
{
    retry_while_changed(WRITE_ATTEMPTS, || StoreError::Stale.into(), attempt).await
}

/// Runs `attempt` again while it finds the data changed under it (`Ok(None)`), at most
/// `attempts` times; then gives up with `gave_up()`.
pub async fn retry_while_changed<T, E, F, Fut>(
    attempts: usize,
    gave_up: impl FnOnce() -> E,
    mut attempt: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, E>>,
{
    for _ in 0..attempts {
        if let Some(done) = attempt().await? {
            return Ok(done);
        }
    }
    Err(gave_up())
}
