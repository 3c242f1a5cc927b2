//! The WhatsApp report: how many reminders each (customer, vehicle) pair of the register received,
//! and the snapshots that make a reset of those counts undoable.

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::messages::model::DeliveryStatus;

/// Names the report ids: one id per (customer, vehicle) pair, the same wherever it is computed,
/// so that concurrent first sends to a pair upsert one row.
const REPORT_NAMESPACE: Uuid = Uuid::from_u128(0x5f0c_1e2a_7b3d_4c6e_9a81_2d4f_6b8c_0e13);

/// The report id of a pair.
pub fn report_id(id_customer: &str, id_vehicle: &str) -> String {
    let name = format!("{id_customer}/{id_vehicle}");
    Uuid::new_v5(&REPORT_NAMESPACE, name.as_bytes()).to_string()
}

/// One row of the report (`whatsapp_report`), with the names its last reminder went out under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    pub id: String,
    pub id_customer: String,
    pub id_vehicle: String,
    pub last_message_date: Option<DateTime<FixedOffset>>,
    pub frequency: u64,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
    pub customer_name: String,
    pub customer_phone: String,
    pub vehicle_model: String,
    pub vehicle_nopol: String,
    /// The snapshots whose reset took this row's frequency and was not restored yet: a reset
    /// or restore repeated after an interruption skips the rows it already did.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub resets: BTreeSet<String>,
    /// The message log's entry of the last reminder, whose delivery status the detail shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_id: Option<String>,
}

/// A row as `GET /whatsapp-report/` shows it: the table's columns.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ReportRow)]
pub struct Plain {
    pub id: String,
    pub id_customer: String,
    pub id_vehicle: String,
    pub last_message_date: Option<DateTime<FixedOffset>>,
    pub frequency: u64,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
}

/// A row as `GET /whatsapp-report/detail` shows it. A pair of the register without a row
/// (listed by a frequency filter) shows the id its row will get and `null` instants.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ReportDetailRow)]
pub struct Detail<'a> {
    pub id: &'a str,
    pub customer_name: &'a str,
    pub customer_phone: &'a str,
    pub vehicle_model: &'a str,
    pub vehicle_nopol: &'a str,
    pub last_message_date: Option<DateTime<FixedOffset>>,
    pub frequency: u64,
    pub created_at: Option<DateTime<FixedOffset>>,
    pub updated_at: Option<DateTime<FixedOffset>>,
    /// What the provider said of the last reminder (`sent`, `delivered`, `read`, `failed`);
    /// `null` when it said nothing, or before any message.
    pub last_delivery_status: Option<DeliveryStatus>,
}

impl<'a> Detail<'a> {
    /// Pair `id` under its customer's name and phone, its vehicle's model and nopol, before
    /// any message: frequency 0, no instants.
    fn unmessaged(id: &'a str, [name, phone, model, nopol]: [&'a String; 4]) -> Self {
        Detail {
            id,
            customer_name: name,
            customer_phone: phone,
            vehicle_model: model,
            vehicle_nopol: nopol,
            last_message_date: None,
            frequency: 0,
            created_at: None,
            updated_at: None,
            last_delivery_status: None,
        }
    }
}

/// A (customer, vehicle) pair of the register, with the id of its report row (which it may not
/// have yet).
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterPair {
    pub id: String,
    pub id_customer: String,
    pub id_vehicle: String,
    pub customer_name: String,
    pub customer_phone: String,
    pub vehicle_model: String,
    pub vehicle_nopol: String,
}

impl RegisterPair {
    /// The pair of `vehicle`, owned by `customer`.
    pub fn of(customer: &crate::register::Customer, vehicle: &crate::register::Vehicle) -> Self {
        RegisterPair {
            id: report_id(&customer.id, &vehicle.id),
            id_customer: customer.id.clone(),
            id_vehicle: vehicle.id.clone(),
            customer_name: customer.name.clone(),
            customer_phone: customer.no_hp.clone(),
            vehicle_model: vehicle.model.clone(),
            vehicle_nopol: vehicle.nopol.clone(),
        }
    }

    /// As the detail shows a pair that was never messaged.
    pub fn detail(&self) -> Detail<'_> {
        Detail::unmessaged(
            &self.id,
            [
                &self.customer_name,
                &self.customer_phone,
                &self.vehicle_model,
                &self.vehicle_nopol,
            ],
        )
    }
}

impl ReportRow {
    pub fn plain(&self) -> Plain {
        Plain {
            id: self.id.clone(),
            id_customer: self.id_customer.clone(),
            id_vehicle: self.id_vehicle.clone(),
            last_message_date: self.last_message_date,
            frequency: self.frequency,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    pub fn detail(&self) -> Detail<'_> {
        let names = [
            &self.customer_name,
            &self.customer_phone,
            &self.vehicle_model,
            &self.vehicle_nopol,
        ];
        Detail {
            last_message_date: self.last_message_date,
            frequency: self.frequency,
            created_at: Some(self.created_at),
            updated_at: Some(self.updated_at),
            ..Detail::unmessaged(&self.id, names)
        }
    }

    /// The row after one more reminder at `at` (a new row when there was none).
    pub fn after_delivery(stored: Option<ReportRow>, delivery: &Delivery) -> ReportRow {
        let created_at = stored.as_ref().map_or(delivery.at, |row| row.created_at);
        let frequency = stored.as_ref().map_or(0, |row| row.frequency) + 1;
        ReportRow {
            id: delivery.report_id(),
            id_customer: delivery.id_customer.clone(),
            id_vehicle: delivery.id_vehicle.clone(),
            last_message_date: Some(delivery.at),
            frequency,
            created_at,
            updated_at: delivery.at,
            customer_name: delivery.customer_name.clone(),
            customer_phone: delivery.customer_phone.clone(),
            vehicle_model: delivery.vehicle_model.clone(),
            vehicle_nopol: delivery.vehicle_nopol.clone(),
            last_message_id: delivery
                .message_id
                .clone()
                .or_else(|| stored.as_ref().and_then(|row| row.last_message_id.clone())),
            resets: stored.map(|row| row.resets).unwrap_or_default(),
        }
    }
}

/// One reminder that went out to a pair of the register.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id_customer: String,
    pub id_vehicle: String,
    pub customer_name: String,
    pub customer_phone: String,
    pub vehicle_model: String,
    pub vehicle_nopol: String,
    pub at: DateTime<FixedOffset>,
    /// The message log's entry of this reminder.
    pub message_id: Option<String>,
}

impl Delivery {
    pub fn report_id(&self) -> String {
        report_id(&self.id_customer, &self.id_vehicle)
    }
}

/// Which rows a reset takes: all, one customer's (`?customer_id=`), or one pair's (with
/// `?vehicle_id=`).
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    utoipa::IntoParams,
)]
#[into_params(parameter_in = Query)]
pub struct Scope {
    /// Only this customer's rows.
    #[param(rename = "customer_id", format = Uuid)]
    pub id_customer: Option<String>,
    /// Only this pair's row; needs `customer_id`.
    #[param(rename = "vehicle_id", format = Uuid)]
    pub id_vehicle: Option<String>,
}

impl Scope {
    pub fn contains(&self, row: &ReportRow) -> bool {
        self.id_customer
            .as_ref()
            .is_none_or(|id| *id == row.id_customer)
            && self
                .id_vehicle
                .as_ref()
                .is_none_or(|id| *id == row.id_vehicle)
    }
}

/// Where a snapshot's reset stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotStatus {
    /// Kept, and its reset under way (or interrupted: restoring it undoes what was done).
    Resetting,
    /// The reset is complete.
    Reset,
    /// Being restored (or interrupted: restoring again finishes it).
    Restoring,
    Restored,
}

/// What made a reset: a request, or the monthly schedule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// `POST /whatsapp-report/reset-frequency` (and every snapshot kept before triggers were).
    #[default]
    Manual,
    /// The monthly reset schedule.
    Scheduled,
}

impl Trigger {
    pub fn name(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Scheduled => "scheduled",
        }
    }

    pub fn named(name: &str) -> Option<Trigger> {
        [Trigger::Manual, Trigger::Scheduled]
            .into_iter()
            .find(|t| t.name() == name)
    }
}

/// What the snapshots list shows of one snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapshotInfo {
    pub id: String,
    pub created_at: DateTime<FixedOffset>,
    pub scope: Scope,
    #[serde(default)]
    pub trigger: Trigger,
    pub row_count: usize,
    pub total_frequency: u64,
    pub status: SnapshotStatus,
    pub restored_at: Option<DateTime<FixedOffset>>,
}

impl SnapshotInfo {
    /// Position in the list, newest first.
    pub fn list_key(&self) -> String {
        crate::query::position_key(self.created_at, &self.id)
    }
}

/// The rows a reset changed, as they were just before it; `info.created_at` is the instant the
/// reset stamped on them.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub info: SnapshotInfo,
    pub rows: Vec<ReportRow>,
}

impl Snapshot {
    /// A manual reset's snapshot (see [`Snapshot::triggered_by`]).
    pub fn new(id: String, at: DateTime<FixedOffset>, scope: Scope, rows: Vec<ReportRow>) -> Self {
        Snapshot {
            info: SnapshotInfo {
                id,
                created_at: at,
                scope,
                trigger: Trigger::Manual,
                row_count: rows.len(),
                total_frequency: rows.iter().map(|r| r.frequency).sum(),
                status: SnapshotStatus::Resetting,
                restored_at: None,
            },
            rows,
        }
    }

    pub fn triggered_by(mut self, trigger: Trigger) -> Self {
        self.info.trigger = trigger;
        self
    }
}

/// The rows as they stand after `snapshot`'s reset is applied to `row`, if it applies: the
/// frequency the snapshot saw is taken off (sends since it was taken stay counted), once.
/// A row whose frequency fell below the snapshot's meanwhile (another reset took it) is left.
pub fn reset_row(row: &ReportRow, kept: &ReportRow, snapshot: &SnapshotInfo) -> Option<ReportRow> {
    if row.resets.contains(&snapshot.id) || row.frequency < kept.frequency {
        return None;
    }
    let mut next = row.clone();
    next.frequency -= kept.frequency;
    next.updated_at = snapshot.created_at;
    next.resets.insert(snapshot.id.clone());
    Some(next)
}

/// `row` with what `snapshot`'s reset took from it given back, if the reset applies to it:
/// the frequency is added back, and `updated_at` returns to its earlier value unless the row
/// changed after the reset.
pub fn restore_row(
    row: &ReportRow,
    kept: &ReportRow,
    snapshot: &SnapshotInfo,
) -> Option<ReportRow> {
    if !row.resets.contains(&snapshot.id) {
        return None;
    }
    let mut next = row.clone();
    next.frequency += kept.frequency;
    if row.updated_at == snapshot.created_at {
        next.updated_at = kept.updated_at;
    }
    next.resets.remove(&snapshot.id);
    Some(next)
}
