//! The opt-outs' port. The adapters in `crate::store` implement it.

use std::collections::HashSet;

use async_trait::async_trait;

use super::OptOut;
use crate::store_error::StoreError;

/// One page of the list, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct OptOutPage {
    pub items: Vec<OptOut>,
    /// The `list_key` to continue from, when more follow.
    pub next_after: Option<String>,
}

#[async_trait]
pub trait OptOutStore: Send + Sync {
    /// Stores `opt_out` unless one of the same scope is there; then answers that one.
    async fn add_opt_out(&self, opt_out: &OptOut) -> Result<Option<OptOut>, StoreError>;
    /// Removes the opt-out of `scope` (see [`super::scope`]); whether there was one.
    async fn remove_opt_out(&self, scope: &str) -> Result<bool, StoreError>;
    /// Removes every opt-out of `no_hp`; how many there were.
    async fn remove_opt_outs_of(&self, no_hp: &str) -> Result<usize, StoreError>;
    /// Whether `no_hp` opted out as a whole, or for vehicle `nopol`: a strongly consistent
    /// read, so that an opt-out stored before it is always seen.
    async fn blocks(&self, no_hp: &str, nopol: Option<&str>) -> Result<bool, StoreError>;
    /// Which of `scopes` (see [`super::scope`]) hold an opt-out, read strongly in as few
    /// requests as the store allows.
    async fn stored_scopes(&self, scopes: &[String]) -> Result<HashSet<String>, StoreError>;
    /// Up to `limit` opt-outs older than `after` (a `list_key`), newest first.
    async fn opt_outs(&self, limit: usize, after: Option<&str>) -> Result<OptOutPage, StoreError>;
}
