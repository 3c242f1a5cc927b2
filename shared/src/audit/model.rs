//! The change log: who changed what, append-only.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// What a change touched: its kind (`manual`, `customer`, `report` …) and, when it is one
/// item, its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuditTarget)]
pub struct Target {
    #[schema(example = "manual")]
    pub kind: String,
    #[schema(example = "6f1c2a9e-5b1d-4c3e-9a57-0d2f7c1b8e44")]
    pub id: Option<String>,
}

/// One entry of the change log, as `GET /audit` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: String,
    /// When the change was made, in the workshop's zone.
    pub at: DateTime<FixedOffset>,
    /// The `sub` of the token that made it (`jadwal` for the scheduled runs).
    #[schema(example = "budi@bengkel")]
    pub actor: String,
    /// The route's function, such as `manual-delete` or `report-reset`.
    #[schema(example = "manual-delete")]
    pub action: String,
    pub target: Target,
    /// A short account, in Indonesian.
    #[schema(example = "DELETE /manual-whatsapp/6f1c2a9e-5b1d-4c3e-9a57-0d2f7c1b8e44")]
    pub summary: String,
}

impl AuditEntry {
    /// Position in the log, newest first: the instant (UTC), then the id.
    pub fn log_key(&self) -> String {
        crate::query::position_key_precise(self.at, &self.id)
    }
}
