//! A manual WhatsApp customer: someone not in the workshop's main system.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// One record of the `manual_whatsapp` table, serialised exactly as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"id": "550e8400-e29b-41d4-a716-446655440000",
    "customer_name": "Bapak Joko", "nopol": "B 1234 XYZ", "no_hp": "628123456789",
    "last_service": "2025-10-15", "next_service": "2026-01-15", "is_active": 1,
    "reminder_sent_count": 0, "last_reminder_sent": null, "notes": "Customer VIP",
    "created_at": "2026-01-03T10:30:00+07:00", "updated_at": "2026-01-03T10:30:00+07:00"}))]
pub struct ManualRecord {
    pub id: String,
    pub customer_name: String,
    /// Display form, `B 1234 XYZ`.
    pub nopol: String,
    /// Normalised, `628…`.
    pub no_hp: String,
    pub last_service: Option<NaiveDate>,
    pub next_service: Option<NaiveDate>,
    /// 1 active, 0 inactive.
    #[schema(minimum = 0, maximum = 1)]
    pub is_active: u8,
    pub reminder_sent_count: u32,
    pub last_reminder_sent: Option<DateTime<FixedOffset>>,
    pub notes: Option<String>,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
    /// Bumped by every write; a write is refused when the stored version moved meanwhile.
    #[serde(skip)]
    pub version: u64,
}

impl ManualRecord {
    pub fn is_active(&self) -> bool {
        self.is_active == 1
    }

    /// The uniqueness and look-up key of the plate, `B1234XYZ`.
    pub fn nopol_key(&self) -> String {
        crate::nopol::key(&self.nopol)
    }

    /// Position in the list, newest first.
    pub fn list_key(&self) -> String {
        crate::query::position_key(self.created_at, &self.id)
    }

    /// A copy to be changed and written back: stamped `now`, one version on.
    pub fn revise(&self, now: DateTime<FixedOffset>) -> ManualRecord {
        ManualRecord {
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// Whether the daily reminder could ever pick this record up.
    pub fn is_schedulable(&self) -> bool {
        self.is_active() && self.next_service.is_some()
    }
}

/// Figures kept alongside the records so that the summary never reads the whole table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: u64,
    pub active: u64,
    pub reminders_sent: u64,
}

impl Counts {
    pub fn inactive(&self) -> u64 {
        self.total.saturating_sub(self.active)
    }

    /// What a record contributes to the counts, so that a write adjusts them by the difference.
    pub fn of(record: &ManualRecord) -> Self {
        Counts {
            total: 1,
            active: u64::from(record.is_active()),
            reminders_sent: u64::from(record.reminder_sent_count),
        }
    }
}

impl std::iter::Sum for Counts {
    fn sum<I: Iterator<Item = Counts>>(iter: I) -> Self {
        iter.fold(Counts::default(), |sum, c| Counts {
            total: sum.total + c.total,
            active: sum.active + c.active,
            reminders_sent: sum.reminders_sent + c.reminders_sent,
        })
    }
}
