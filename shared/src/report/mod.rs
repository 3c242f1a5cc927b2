//! The WhatsApp report: reminders counted per (customer, vehicle) of the register, its
//! statistics, and resets that keep a snapshot so that they can be undone.

pub mod api;
mod model;
pub mod service;

pub use model::{
    Delivery, Detail, Plain, ReportRow, Scope, Snapshot, SnapshotInfo, SnapshotStatus, report_id,
    reset_row, restore_row,
};
