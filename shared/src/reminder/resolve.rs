//! Settling a send whose outcome is unknown: a person who checked the customer's phone (or
//! StarSender's dashboard) says whether it went out. `sent` counts it as a successful send
//! and keeps the claim; `not_sent` releases the claim, so the next run may send.

use serde_json::{Value, json};

use super::{Owner, Reminders, Target};
use crate::body::Fields;
use crate::error::ApiError;
use crate::extract::FromBody;
use crate::messages::{MessageEntry, Resolution, Source, Status};
use crate::store_error::StoreError;

/// `{"outcome": "sent" | "not_sent"}`.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "sent"}))]
pub struct Resolve {
    pub outcome: Resolution,
}

impl FromBody for Resolve {
    type Shape = Resolve;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        let mut f = Fields::new(body, vec![json!("body")]).map_err(ApiError::Invalid)?;
        let outcome = f.parsed("outcome", resolution, |input| {
            format!("Hasil tidak dikenal: '{input}'. Pilih sent atau not_sent")
        });
        let outcome = f.required("outcome", outcome);
        match (f.finish(), outcome) {
            (Ok(()), Some(outcome)) => Ok(Resolve { outcome }),
            (outcome, _) => Err(ApiError::Invalid(outcome.err().unwrap_or_default())),
        }
    }
}

fn resolution(text: &str) -> Option<Resolution> {
    match text {
        "sent" => Some(Resolution::Sent),
        "not_sent" => Some(Resolution::NotSent),
        _ => None,
    }
}

/// Why a message could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("Pesan tidak ditemukan")]
    NotFound,
    /// Its outcome is known (or was resolved the other way): nothing to settle.
    #[error(
        "Status pesan ini sudah pasti ({0}); hanya pesan berstatus unknown yang dapat diselesaikan"
    )]
    NotUnknown(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ResolveError> for ApiError {
    fn from(error: ResolveError) -> Self {
        match error {
            ResolveError::NotFound => ApiError::NotFound(error.to_string()),
            ResolveError::NotUnknown(_) => ApiError::Conflict(error.to_string()),
            ResolveError::Store(e) => e.into(),
        }
    }
}

impl Reminders<'_> {
    /// Settles message `id` as `outcome`. The same resolution twice answers the entry as it
    /// stands and changes nothing; only the first settles the entry (a conditional write),
    /// so only it counts or releases.
    pub async fn resolve(
        &self,
        id: &str,
        outcome: Resolution,
    ) -> Result<MessageEntry, ResolveError> {
        let log = self.messenger.log;
        let entry = log.message(id).await?.ok_or(ResolveError::NotFound)?;
        if entry.status != Status::Unknown {
            return already(entry, outcome);
        }
        let resolved = MessageEntry {
            status: match outcome {
                Resolution::Sent => Status::Sent,
                Resolution::NotSent => Status::Failed,
            },
            resolution: Some(outcome),
            ..entry.clone()
        };
        if !log.settle(&resolved, Status::Unknown).await? {
            let now = log.message(id).await?.ok_or(ResolveError::NotFound)?;
            return already(now, outcome);
        }
        match (outcome, &entry.claim) {
            (Resolution::Sent, _) => self.count_resolved(&entry).await?,
            (Resolution::NotSent, Some(claim)) => self.claims.release(claim).await?,
            (Resolution::NotSent, None) => {}
        }
        Ok(resolved)
    }

    /// Counts a resolved send as the send itself would have: the record's count or the
    /// vehicle's report row, at the time it was sent, settling its claim. A record or vehicle
    /// deleted since is not counted; its claim is still settled.
    async fn count_resolved(&self, entry: &MessageEntry) -> Result<(), StoreError> {
        let Some(id) = entry.record_id.as_deref() else {
            return Ok(()); // a custom message counts nowhere
        };
        if entry.source == Source::Custom {
            return Ok(());
        }
        let claim = entry.claim.as_deref();
        let at = entry.created_at;
        let target = match claim.is_some_and(Owner::is_vehicle_claim) {
            true => self.vehicle_target(id).await?,
            false => self
                .records
                .store
                .get(id)
                .await?
                .as_ref()
                .map(Target::manual),
        };
        match target {
            Some(target) => target.count(self, at, claim, &entry.id).await,
            None => self.claims.record_sent(id, at, claim).await,
        }
    }

    /// The register's vehicle `id` as a reminder's target, if it and its customer still exist.
    async fn vehicle_target(&self, id: &str) -> Result<Option<Target>, StoreError> {
        let Some(vehicle) = self.register.vehicle(id).await? else {
            return Ok(None);
        };
        let Some(customer) = self.register.customer(&vehicle.id_customer).await? else {
            return Ok(None);
        };
        let due = crate::register::DueVehicle { customer, vehicle };
        Ok(Some(Target::vehicle(
            &due,
            &self.settings.service_plan,
            self.time.today(),
        )))
    }
}

/// The answer to a message whose status is no longer unknown: itself when it was resolved as
/// asked (a repeat), a conflict otherwise.
fn already(entry: MessageEntry, outcome: Resolution) -> Result<MessageEntry, ResolveError> {
    if entry.resolution == Some(outcome) {
        return Ok(entry);
    }
    let status = match entry.status {
        Status::Sent => "sent",
        Status::Failed => "failed",
        Status::Unknown => "unknown",
        Status::Outbox => "outbox",
        Status::Scheduled => "scheduled",
    };
    Err(ResolveError::NotUnknown(status))
}
