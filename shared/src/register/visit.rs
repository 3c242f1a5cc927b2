//! A vehicle's visits to the workshop and its odometer readings.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// Who recorded a visit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VisitSource {
    /// The workshop's staff, at a service: it counts as the vehicle's last visit.
    #[default]
    Staff,
    /// The owner's WhatsApp reply with the odometer: a reading only, no service.
    Reply,
}

/// One visit, or one reading sent by reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Visit {
    pub id: String,
    pub id_vehicle: String,
    pub id_customer: String,
    pub visit_date: NaiveDate,
    pub odometer_km: Option<u32>,
    /// What was done: `Ganti oli, servis CVT`.
    pub work: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub source: VisitSource,
    pub created_at: DateTime<FixedOffset>,
}

impl Visit {
    /// Position in a vehicle's list, newest first: the day, then when it was recorded, then id.
    pub fn list_key(&self) -> String {
        format!(
            "{}#{}",
            self.visit_date.format("%Y-%m-%d"),
            crate::query::position_key(self.created_at, &self.id)
        )
    }
}

/// Whether `key` could be a [`Visit::list_key`]: a cursor names one.
pub fn is_visit_key(key: &str) -> bool {
    key.split_once('#').is_some_and(|(day, rest)| {
        crate::body::parse_date(day).is_some() && crate::query::is_position_key(rest)
    })
}
