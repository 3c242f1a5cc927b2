//! The customer register in the embedded database.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::NaiveDate;

use redb::ReadableTable;

use super::index::{
    Counter, Index, META, VEHICLE_KIND, customer_prefix, day_range, read_counter, visit_key,
};
use super::{
    CUSTOMERS, EmbeddedStore, Tables, VEHICLES, VISITS, current, customer_from, ensure_new,
    from_json, ids_between, ids_under, load, newest_first, other, read, vehicle_from, write,
};
use crate::register::store::{CustomerPage, RegisterStore};
use crate::register::{Customer, DueVehicle, RegisterCounts, Registration, Vehicle, Visit};
use crate::store_error::StoreError;

impl Tables<'_> {
    /// Stores `next` in place of `old` (`None`: a new vehicle), reserving its nopol, which must
    /// be free or its own.
    fn put_vehicle(&mut self, old: Option<&Vehicle>, next: &Vehicle) -> Result<(), StoreError> {
        let key = next.nopol_key();
        if self
            .lookup(Index::VehicleNopols, &key)?
            .is_some_and(|id| id != next.id)
        {
            return Err(StoreError::NopolTaken(key));
        }
        self.change(old, Some(next))
    }

    fn insert_registration(&mut self, registration: &Registration) -> Result<(), StoreError> {
        self.admit(registration)?;
        self.write_registration(registration)
    }

    /// Refuses `registration` before any of it is written, so that a refused one leaves
    /// nothing behind even inside a transaction that goes on with other registrations.
    fn admit(&self, registration: &Registration) -> Result<(), StoreError> {
        ensure_new(&self.customers, "customer", &registration.customer.id)?;
        let (mut ids, mut nopols) = (HashSet::new(), HashSet::new());
        for vehicle in &registration.vehicles {
            ensure_new(&self.vehicles, "vehicle", &vehicle.id)?;
            if !ids.insert(vehicle.id.as_str()) {
                return Err(StoreError::Other(format!(
                    "vehicle {} exists already",
                    vehicle.id
                )));
            }
            let key = vehicle.nopol_key();
            if self.lookup(Index::VehicleNopols, &key)?.is_some() || !nopols.insert(key.clone()) {
                return Err(StoreError::NopolTaken(key));
            }
        }
        Ok(())
    }

    /// Writes an admitted registration; a failure here fails its whole transaction.
    fn write_registration(&mut self, registration: &Registration) -> Result<(), StoreError> {
        self.change(None, Some(&registration.customer))?;
        for vehicle in &registration.vehicles {
            self.change(None, Some(vehicle))?;
        }
        for visit in &registration.visits {
            self.change(None, Some(visit))?;
        }
        Ok(())
    }

    /// The vehicles (each with its owner) that `index` holds from `from` to `to`, by day.
    fn vehicles_by_day(
        txn: &redb::ReadTransaction,
        index: Index,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DueVehicle>, StoreError> {
        let days = txn.open_table(index.table()).map_err(other)?;
        let customers = txn.open_table(CUSTOMERS).map_err(other)?;
        let vehicles = txn.open_table(VEHICLES).map_err(other)?;
        let (lower, upper) = day_range("", from, to);
        let mut due = Vec::new();
        for id in ids_between(&days, &lower, &upper)? {
            let Some(vehicle) = load(&vehicles, &id, vehicle_from)? else {
                continue;
            };
            if let Some(customer) = load(&customers, &vehicle.id_customer, customer_from)? {
                due.push(DueVehicle { customer, vehicle });
            }
        }
        Ok(due)
    }

    fn current_customer(&self, customer: &Customer) -> Result<Customer, StoreError> {
        current(
            &self.customers,
            &customer.id,
            customer.version,
            customer_from,
        )
    }

    fn current_vehicle(&self, vehicle: &Vehicle) -> Result<Vehicle, StoreError> {
        current(&self.vehicles, &vehicle.id, vehicle.version, vehicle_from)
    }
}

#[async_trait]
impl RegisterStore for EmbeddedStore {
    async fn insert_registration(&self, registration: &Registration) -> Result<(), StoreError> {
        let registration = registration.clone();
        self.change(move |t| t.insert_registration(&registration))
            .await
    }

    /// One transaction for them all: each registration is admitted before any of it is
    /// written, so a refused one leaves nothing behind, and a failed write commits nothing.
    async fn insert_registrations(
        &self,
        registrations: &[Registration],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let registrations = registrations.to_vec();
        self.run(move |db| {
            write(db, |t| {
                let mut outcomes = Vec::with_capacity(registrations.len());
                for registration in &registrations {
                    // A refusal is the row's outcome; a failed write fails them all (`?`).
                    outcomes.push(match t.admit(registration) {
                        Ok(()) => Ok(t.write_registration(registration)?),
                        Err(refusal) => Err(refusal),
                    });
                }
                Ok(outcomes)
            })
        })
        .await
    }

    async fn customer(&self, id: &str) -> Result<Option<Customer>, StoreError> {
        let id = id.to_string();
        self.run(move |db| {
            read(db, |txn| {
                load(
                    &txn.open_table(CUSTOMERS).map_err(other)?,
                    &id,
                    customer_from,
                )
            })
        })
        .await
    }

    async fn customers(
        &self,
        limit: usize,
        after: Option<&str>,
    ) -> Result<CustomerPage, StoreError> {
        let after = after.map(str::to_string);
        self.run(move |db| {
            read(db, |txn| {
                let listing = txn
                    .open_table(Index::CustomerListing.table())
                    .map_err(other)?;
                let customers = txn.open_table(CUSTOMERS).map_err(other)?;
                let (items, next_after) = newest_first(
                    &listing,
                    after.as_deref(),
                    limit,
                    |id| load(&customers, id, customer_from),
                    Customer::list_key,
                )?;
                Ok(CustomerPage { items, next_after })
            })
        })
        .await
    }

    async fn register_counts(&self) -> Result<RegisterCounts, StoreError> {
        self.run(|db| {
            read(db, |txn| {
                let meta = txn.open_table(META).map_err(other)?;
                Ok(RegisterCounts {
                    customers: read_counter(&meta, Counter::Customers)?,
                    vehicles: read_counter(&meta, Counter::Vehicles)?,
                })
            })
        })
        .await
    }

    async fn replace_customer(
        &self,
        current: &Customer,
        next: &Customer,
    ) -> Result<(), StoreError> {
        let (current, next) = (current.clone(), next.clone());
        self.change(move |t| {
            let stored = t.current_customer(&current)?;
            t.change(Some(&stored), Some(&next))
        })
        .await
    }

    async fn delete_customer(
        &self,
        current: &Customer,
        vehicles: &[Vehicle],
    ) -> Result<(), StoreError> {
        let (current, vehicles) = (current.clone(), vehicles.to_vec());
        self.change(move |t| {
            let stored = t.current_customer(&current)?;
            let prefix = customer_prefix(&current.id, VEHICLE_KIND);
            let owned = ids_under(t.index(Index::ByCustomer), &prefix)?;
            if owned.len() != vehicles.len() {
                return Err(StoreError::Stale);
            }
            for vehicle in &vehicles {
                let stored = t.current_vehicle(vehicle)?;
                t.change(Some(&stored), None)?;
            }
            t.change(Some(&stored), None)
        })
        .await
    }

    /// The customer's part of the by-customer index, then by nopol.
    async fn vehicles_of(&self, id: &str) -> Result<Vec<Vehicle>, StoreError> {
        let id = id.to_string();
        self.run(move |db| {
            read(db, |txn| {
                let by_customer = txn.open_table(Index::ByCustomer.table()).map_err(other)?;
                let table = txn.open_table(VEHICLES).map_err(other)?;
                let mut vehicles = Vec::new();
                for id in ids_under(&by_customer, &customer_prefix(&id, VEHICLE_KIND))? {
                    vehicles.extend(load(&table, &id, vehicle_from)?);
                }
                vehicles.sort_by_key(Vehicle::nopol_key);
                Ok(vehicles)
            })
        })
        .await
    }

    async fn vehicle(&self, id: &str) -> Result<Option<Vehicle>, StoreError> {
        let id = id.to_string();
        self.run(move |db| {
            read(db, |txn| {
                load(&txn.open_table(VEHICLES).map_err(other)?, &id, vehicle_from)
            })
        })
        .await
    }

    async fn vehicle_nopol_taken(&self, nopol_key: &str) -> Result<bool, StoreError> {
        let key = nopol_key.to_string();
        self.run(move |db| {
            read(db, |txn| {
                let nopols = txn
                    .open_table(Index::VehicleNopols.table())
                    .map_err(other)?;
                Ok(nopols.get(key.as_str()).map_err(other)?.is_some())
            })
        })
        .await
    }

    async fn insert_vehicle(&self, owner: &Customer, vehicle: &Vehicle) -> Result<(), StoreError> {
        let (owner, vehicle) = (owner.clone(), vehicle.clone());
        self.change(move |t| {
            let stored = t.current_customer(&owner)?;
            ensure_new(&t.vehicles, "vehicle", &vehicle.id)?;
            t.put_vehicle(None, &vehicle)?;
            // The owner moves on, unedited: a delete read before misses this vehicle.
            let moved = Customer {
                version: stored.version + 1,
                ..stored.clone()
            };
            t.change(Some(&stored), Some(&moved))
        })
        .await
    }

    async fn replace_vehicle(&self, current: &Vehicle, next: &Vehicle) -> Result<(), StoreError> {
        let (current, next) = (current.clone(), next.clone());
        self.change(move |t| {
            let stored = t.current_vehicle(&current)?;
            t.put_vehicle(Some(&stored), &next)
        })
        .await
    }

    async fn delete_vehicle(&self, current: &Vehicle) -> Result<(), StoreError> {
        let current = current.clone();
        self.change(move |t| {
            let stored = t.current_vehicle(&current)?;
            t.change(Some(&stored), None)
        })
        .await
    }

    /// The visit index over the range (by last visit, then id), each vehicle with its owner.
    async fn visited_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DueVehicle>, StoreError> {
        self.run(move |db| {
            read(db, |txn| {
                Tables::vehicles_by_day(txn, Index::Visits, from, to)
            })
        })
        .await
    }

    /// The due index over the range (by `due_on`, then id), each vehicle with its owner.
    async fn vehicles_due_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DueVehicle>, StoreError> {
        self.run(move |db| {
            read(db, |txn| {
                Tables::vehicles_by_day(txn, Index::VehicleDue, from, to)
            })
        })
        .await
    }

    async fn customers_with_phone(&self, no_hp: &str) -> Result<Vec<Customer>, StoreError> {
        let prefix = format!("{no_hp}#");
        self.run(move |db| {
            read(db, |txn| {
                let phones = txn
                    .open_table(Index::CustomerPhones.table())
                    .map_err(other)?;
                let customers = txn.open_table(CUSTOMERS).map_err(other)?;
                let mut found = Vec::new();
                for id in ids_under(&phones, &prefix)? {
                    found.extend(load(&customers, &id, customer_from)?);
                }
                Ok(found)
            })
        })
        .await
    }

    async fn visits_of(
        &self,
        id_customer: &str,
        id_vehicle: &str,
    ) -> Result<Vec<Visit>, StoreError> {
        let (id_customer, prefix) = (id_customer.to_string(), visit_key(id_vehicle, ""));
        self.run(move |db| {
            read(db, |txn| {
                let by_vehicle = txn
                    .open_table(Index::VehicleVisits.table())
                    .map_err(other)?;
                let table = txn.open_table(VISITS).map_err(other)?;
                let mut visits = Vec::new();
                for id in ids_under(&by_vehicle, &prefix)? {
                    if let Some(json) = table.get(id.as_str()).map_err(other)? {
                        let visit: Visit = from_json(json.value())?;
                        visits.extend((visit.id_customer == id_customer).then_some(visit));
                    }
                }
                Ok(visits)
            })
        })
        .await
    }

    async fn insert_visit(
        &self,
        current: &Vehicle,
        next: &Vehicle,
        visit: &Visit,
    ) -> Result<(), StoreError> {
        let (current, next, visit) = (current.clone(), next.clone(), visit.clone());
        self.run(move |db| {
            write(db, |t| {
                let stored = t.current_vehicle(&current)?;
                if t.visits.get(visit.id.as_str()).map_err(other)?.is_some() {
                    return Err(other(format!("visit {} exists already", visit.id)));
                }
                t.change(None, Some(&visit))?;
                t.change(Some(&stored), Some(&next))
            })
        })
        .await
    }

    async fn delete_visit(
        &self,
        current: &Vehicle,
        next: &Vehicle,
        visit: &Visit,
    ) -> Result<(), StoreError> {
        let (current, next, visit) = (current.clone(), next.clone(), visit.clone());
        self.run(move |db| {
            write(db, |t| {
                let stored = t.current_vehicle(&current)?;
                if t.visits.get(visit.id.as_str()).map_err(other)?.is_none() {
                    return Err(StoreError::Stale);
                }
                t.change(Some(&visit), None)?;
                t.change(Some(&stored), Some(&next))
            })
        })
        .await
    }
}
