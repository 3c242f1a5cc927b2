//! The WhatsApp report: reminders counted per (customer, vehicle) of the register, its
//! statistics, and resets that keep a snapshot so that they can be undone.

pub mod api;
mod model;
pub mod query;
pub mod service;
pub mod store;
mod totals;

pub use model::{
    Delivery, Detail, Plain, RegisterPair, ReportRow, Scope, Snapshot, SnapshotInfo,
    SnapshotStatus, Trigger, report_id, reset_row, restore_row,
};
pub use service::{Report, ReportError};
pub use store::{ReportPage, ReportStore};
pub use totals::{Totals, TotalsChange};
