//! The register's port. The adapters in `crate::store` implement it.

use async_trait::async_trait;
use chrono::NaiveDate;

use super::{Customer, DueVehicle, RegisterCounts, Registration, Vehicle};
use crate::store_error::StoreError;

/// One page of the customers, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerPage {
    pub items: Vec<Customer>,
    /// The `list_key` to continue from, when more customers may follow.
    pub next_after: Option<String>,
}

/// The customer register: customers, their vehicles (nopol unique across vehicles), and counts
/// kept in step with every write. Every write is atomic; writes conditional on a version fail
/// with `Stale` when it moved.
#[async_trait]
pub trait RegisterStore: Send + Sync {
    /// Stores a new customer with its vehicles, all or nothing; `NopolTaken` when a vehicle's
    /// nopol is registered already.
    async fn insert_registration(&self, registration: &Registration) -> Result<(), StoreError>;
    /// Stores many registrations, each on its own: one outcome per registration, in order.
    async fn insert_registrations(
        &self,
        registrations: &[Registration],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError>;
    async fn customer(&self, id: &str) -> Result<Option<Customer>, StoreError>;
    async fn customers(
        &self,
        limit: usize,
        after: Option<&str>,
    ) -> Result<CustomerPage, StoreError>;
    async fn register_counts(&self) -> Result<RegisterCounts, StoreError>;
    /// Replaces `current` by `next` (same id, one version on).
    async fn replace_customer(&self, current: &Customer, next: &Customer)
    -> Result<(), StoreError>;
    /// Deletes `current` and `vehicles` (all of its vehicles, as read after it) and frees their
    /// nopols; `Stale` when any of them changed or another vehicle was added meanwhile.
    async fn delete_customer(
        &self,
        current: &Customer,
        vehicles: &[Vehicle],
    ) -> Result<(), StoreError>;
    /// The vehicles of customer `id`, by nopol.
    async fn vehicles_of(&self, id: &str) -> Result<Vec<Vehicle>, StoreError>;
    async fn vehicle(&self, id: &str) -> Result<Option<Vehicle>, StoreError>;
    /// Whether a vehicle has the nopol `nopol_key` (compact, `B1234CD`): a read, for dry runs.
    async fn vehicle_nopol_taken(&self, nopol_key: &str) -> Result<bool, StoreError>;
    /// Adds `vehicle` to `owner`, moving the owner's version on; `Stale` when the owner moved
    /// or vanished, `NopolTaken` when the nopol is registered.
    async fn insert_vehicle(&self, owner: &Customer, vehicle: &Vehicle) -> Result<(), StoreError>;
    /// Replaces `current` by `next`, moving the nopol atomically when it changed.
    async fn replace_vehicle(&self, current: &Vehicle, next: &Vehicle) -> Result<(), StoreError>;
    async fn delete_vehicle(&self, current: &Vehicle) -> Result<(), StoreError>;
    /// Vehicles whose `last_visit` lies in `from..=to`, each with its customer (a vehicle whose
    /// customer vanished meanwhile is left out). Read through an index: the cost follows the
    /// number returned.
    async fn visited_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DueVehicle>, StoreError>;
}
