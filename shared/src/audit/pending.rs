//! The change log entry of the change a request is making, held while its handler runs, so that
//! a store making that change in one transaction writes the entry in the same transaction.
//! The recorder ([`super::api::record`]) holds it; a store takes it ([`in_change`]); what no
//! store took, the recorder writes after the change on its own.

use std::cell::RefCell;
use std::future::Future;

use super::AuditEntry;
use crate::store_error::StoreError;

tokio::task_local! {
    static PENDING: RefCell<Option<AuditEntry>>;
}

/// Runs `work` with `entry` pending; answers its output, and the entry unless a store wrote it.
pub async fn hold<F: Future>(entry: AuditEntry, work: F) -> (F::Output, Option<AuditEntry>) {
    PENDING
        .scope(RefCell::new(Some(entry)), async move {
            let output = work.await;
            (output, PENDING.with(|pending| pending.borrow_mut().take()))
        })
        .await
}

/// Runs a store's one-transaction `change` with the pending entry, if any, to write in that
/// transaction. When the change fails the entry stays pending: nothing was written, and a retry
/// of the change (or the recorder) still has it.
pub async fn in_change<T, F, Fut>(change: F) -> Result<T, StoreError>
where
    F: FnOnce(Option<AuditEntry>) -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let entry = PENDING
        .try_with(|pending| pending.borrow_mut().take())
        .ok()
        .flatten();
    let outcome = change(entry.clone()).await;
    if outcome.is_err() && entry.is_some() {
        let _ = PENDING.try_with(|pending| *pending.borrow_mut() = entry);
    }
    outcome
}
