//! Opt-outs: the numbers (or one vehicle of a number) that asked to receive no more messages.
//! Every send path asks [`OptOuts::blocks`] before the gateway is called; staff keep the list
//! through `/opt-outs`, customers through their replies (`STOP`, `MULAI`).

pub mod api;
pub mod store;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::answer::fit_page;
use crate::clock::WorkshopClock;
use crate::query::{encode_cursor, position_key};
use crate::store_error::StoreError;
pub use store::{OptOutPage, OptOutStore};

/// Why every send path skips a number that opted out.
pub const OPTED_OUT: &str = "Nomor telah berhenti menerima pesan";

/// Who stored an opt-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OptOutSource)]
pub enum Source {
    /// Staff, through `POST /opt-outs`.
    Staff,
    /// The customer, replying `STOP` to the workshop's number.
    Reply,
}

/// One opt-out: a whole number, or one vehicle of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OptOut {
    pub id: String,
    /// Normalised `628…`.
    pub no_hp: String,
    /// Only this vehicle's messages stop; `null`: every message to the number.
    pub nopol: Option<String>,
    pub reason: Option<String>,
    pub source: Source,
    pub created_at: DateTime<FixedOffset>,
}

impl OptOut {
    /// What makes two opt-outs the same: the number and the vehicle (or none).
    pub fn scope(&self) -> String {
        scope(&self.no_hp, self.nopol.as_deref())
    }

    /// Position in the list, newest first.
    pub fn list_key(&self) -> String {
        position_key(self.created_at, &self.id)
    }
}

/// The scope key of `no_hp` and, when given, one vehicle of it: `628…#B1234XYZ`, or
/// `628…#*` for the whole number.
pub fn scope(no_hp: &str, nopol: Option<&str>) -> String {
    format!("{no_hp}#{}", nopol.map_or("*".into(), crate::nopol::key))
}

/// A new opt-out as asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub no_hp: String,
    pub nopol: Option<String>,
    pub reason: Option<String>,
}

/// Whether an opt-out was new.
#[derive(Debug, Clone, PartialEq)]
pub enum Added {
    New(OptOut),
    /// The same one was there already; nothing changed.
    Existing(OptOut),
}

/// A page of the list: `{"data": [...], "next_cursor": ...}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OptOutList {
    pub data: Vec<OptOut>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OptOutError {
    #[error("Opt-out tidak ditemukan")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The opt-outs' service: the store and the clock that dates each one.
#[derive(Clone, Copy)]
pub struct OptOuts<'a> {
    pub store: &'a dyn OptOutStore,
    pub time: &'a WorkshopClock,
}

impl OptOuts<'_> {
    /// Stores `request` from `source`; the same number and vehicle twice changes nothing.
    pub async fn add(&self, request: Request, source: Source) -> Result<Added, OptOutError> {
        let opt_out = OptOut {
            id: Uuid::new_v4().to_string(),
            no_hp: request.no_hp,
            nopol: request.nopol,
            reason: request.reason,
            source,
            created_at: self.time.now(),
        };
        Ok(match self.store.add_opt_out(&opt_out).await? {
            None => Added::New(opt_out),
            Some(existing) => Added::Existing(existing),
        })
    }

    /// Removes the opt-out of `no_hp` (one vehicle's with `nopol`).
    pub async fn remove(&self, no_hp: &str, nopol: Option<&str>) -> Result<(), OptOutError> {
        match self.store.remove_opt_out(&scope(no_hp, nopol)).await? {
            true => Ok(()),
            false => Err(OptOutError::NotFound),
        }
    }

    /// Removes every opt-out of `no_hp`, the whole number's and its vehicles'.
    pub async fn remove_all(&self, no_hp: &str) -> Result<usize, OptOutError> {
        Ok(self.store.remove_opt_outs_of(no_hp).await?)
    }

    /// Whether a message to `no_hp` about vehicle `nopol` (if any) may not be sent. Read
    /// strongly: an opt-out stored before this call is seen.
    pub async fn blocks(&self, no_hp: &str, nopol: Option<&str>) -> Result<bool, StoreError> {
        self.store.blocks(no_hp, nopol).await
    }

    /// Whether each of `recipients` (a number and, when given, a vehicle) opted out, in order:
    /// one read of every scope they could be stopped by.
    pub async fn flags(
        &self,
        recipients: &[(&str, Option<&str>)],
    ) -> Result<Vec<bool>, StoreError> {
        let scopes_of = |(no_hp, nopol): &(&str, Option<&str>)| {
            let mut scopes = vec![scope(no_hp, None)];
            scopes.extend(nopol.map(|nopol| scope(no_hp, Some(nopol))));
            scopes
        };
        let mut wanted: Vec<String> = recipients.iter().flat_map(scopes_of).collect();
        wanted.sort();
        wanted.dedup();
        let stored = self.store.stored_scopes(&wanted).await?;
        Ok(recipients
            .iter()
            .map(|r| scopes_of(r).iter().any(|s| stored.contains(s)))
            .collect())
    }

    /// The list, newest first, a page at most as large as one answer carries.
    pub async fn list(&self, limit: usize, after: Option<&str>) -> Result<OptOutList, OptOutError> {
        let page = self.store.opt_outs(limit, after).await?;
        let (data, next_after) = fit_page(page.items, page.next_after, OptOut::list_key);
        Ok(OptOutList {
            data,
            next_cursor: next_after.as_deref().map(encode_cursor),
        })
    }
}
