//! TEMPORARY: the register and report on DynamoDB, not written yet. Every call fails.

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, NaiveDate};

use super::DynamoStore;
use crate::register::{Customer, DueVehicle, RegisterCounts, Registration, Vehicle};
use crate::report::{Delivery, ReportRow, Scope, Snapshot, SnapshotInfo};
use crate::store::{CustomerPage, RegisterStore, ReportStore, StoreError};

fn pending<T>() -> Result<T, StoreError> {
    Err(StoreError::Other("not written yet".into()))
}

#[async_trait]
impl RegisterStore for DynamoStore {
    async fn insert_registration(&self, _: &Registration) -> Result<(), StoreError> {
        pending()
    }
    async fn insert_registrations(
        &self,
        _: &[Registration],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        pending()
    }
    async fn customer(&self, _: &str) -> Result<Option<Customer>, StoreError> {
        pending()
    }
    async fn customers(&self, _: usize, _: Option<&str>) -> Result<CustomerPage, StoreError> {
        pending()
    }
    async fn register_counts(&self) -> Result<RegisterCounts, StoreError> {
        pending()
    }
    async fn replace_customer(&self, _: &Customer, _: &Customer) -> Result<(), StoreError> {
        pending()
    }
    async fn delete_customer(&self, _: &Customer, _: &[Vehicle]) -> Result<(), StoreError> {
        pending()
    }
    async fn vehicles_of(&self, _: &str) -> Result<Vec<Vehicle>, StoreError> {
        pending()
    }
    async fn vehicle(&self, _: &str) -> Result<Option<Vehicle>, StoreError> {
        pending()
    }
    async fn insert_vehicle(&self, _: &Customer, _: &Vehicle) -> Result<(), StoreError> {
        pending()
    }
    async fn replace_vehicle(&self, _: &Vehicle, _: &Vehicle) -> Result<(), StoreError> {
        pending()
    }
    async fn delete_vehicle(&self, _: &Vehicle) -> Result<(), StoreError> {
        pending()
    }
    async fn visited_between(&self, _: NaiveDate, _: NaiveDate) -> Result<Vec<DueVehicle>, StoreError> {
        pending()
    }
}

#[async_trait]
impl ReportStore for DynamoStore {
    async fn record_delivery(&self, _: &Delivery, _: Option<&str>) -> Result<(), StoreError> {
        pending()
    }
    async fn report_rows(&self, _: &Scope) -> Result<Vec<ReportRow>, StoreError> {
        pending()
    }
    async fn report_row(&self, _: &str) -> Result<Option<ReportRow>, StoreError> {
        pending()
    }
    async fn delete_report_row(&self, _: &str) -> Result<bool, StoreError> {
        pending()
    }
    async fn reset(&self, _: &Snapshot) -> Result<usize, StoreError> {
        pending()
    }
    async fn restore(&self, _: &Snapshot, _: DateTime<FixedOffset>) -> Result<usize, StoreError> {
        pending()
    }
    async fn snapshots(&self) -> Result<Vec<SnapshotInfo>, StoreError> {
        pending()
    }
    async fn snapshot(&self, _: &str) -> Result<Option<Snapshot>, StoreError> {
        pending()
    }
}
