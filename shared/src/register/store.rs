//! The register's port. The adapters in `crate::store` implement it.

use async_trait::async_trait;
use chrono::NaiveDate;

use super::{Customer, DueVehicle, RegisterCounts, Registration, Vehicle, Visit};
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
    /// Vehicles whose `due_on` lies in `from..=to`, each with its customer, read through an
    /// index as [`Self::visited_between`] is.
    async fn vehicles_due_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DueVehicle>, StoreError>;
    /// The customers whose phone is `no_hp` (normalised, `628…`).
    async fn customers_with_phone(&self, no_hp: &str) -> Result<Vec<Customer>, StoreError>;
    /// Every visit of vehicle `id_vehicle` of customer `id_customer`, in no particular order.
    async fn visits_of(
        &self,
        id_customer: &str,
        id_vehicle: &str,
    ) -> Result<Vec<Visit>, StoreError>;
    /// Stores the new `visit` and replaces `current` by `next` (its summary with the visit),
    /// together; `Stale` when the vehicle moved or vanished.
    async fn insert_visit(
        &self,
        current: &Vehicle,
        next: &Vehicle,
        visit: &Visit,
    ) -> Result<(), StoreError>;
    /// Deletes `visit` and replaces `current` by `next` (its summary without it), together;
    /// `Stale` when the vehicle moved or vanished.
    async fn delete_visit(
        &self,
        current: &Vehicle,
        next: &Vehicle,
        visit: &Visit,
    ) -> Result<(), StoreError>;
}
