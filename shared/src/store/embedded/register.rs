//! The customer register in the embedded database.

use async_trait::async_trait;
use chrono::NaiveDate;
use redb::{ReadableTable, ReadableTableMetadata};

use super::{
    CUSTOMER_LISTING, CUSTOMERS, EmbeddedStore, Tables, VEHICLE_NOPOLS, VEHICLES, check_version,
    ensure_new, from_json, newest_first, other, read, to_json, write,
};
use crate::register::{Customer, DueVehicle, RegisterCounts, Registration, Vehicle};
use crate::store::{CustomerPage, RegisterStore, StoreError};

fn customer_from((version, json): (u64, &str)) -> Result<Customer, StoreError> {
    let mut customer: Customer = from_json(json)?;
    customer.version = version;
    Ok(customer)
}

fn vehicle_from((version, json): (u64, &str)) -> Result<Vehicle, StoreError> {
    let mut vehicle: Vehicle = from_json(json)?;
    vehicle.version = version;
    Ok(vehicle)
}

/// Every vehicle, in id order (the embedded store serves one workshop's data).
fn all_vehicles(
    table: &impl ReadableTable<&'static str, (u64, &'static str)>,
) -> Result<Vec<Vehicle>, StoreError> {
    let mut vehicles = Vec::new();
    for entry in table.iter().map_err(other)? {
        let (_, value) = entry.map_err(other)?;
        vehicles.push(vehicle_from(value.value())?);
    }
    Ok(vehicles)
}

impl Tables<'_> {
    fn put_customer(&mut self, customer: &Customer) -> Result<(), StoreError> {
        let json = to_json(customer)?;
        self.customers
            .insert(customer.id.as_str(), (customer.version, json.as_str()))
            .map_err(other)?;
        self.customer_listing
            .insert(customer.list_key().as_str(), customer.id.as_str())
            .map_err(other)?;
        Ok(())
    }

    /// Stores `vehicle` and reserves its nopol, which must be free or its own.
    fn put_vehicle(&mut self, vehicle: &Vehicle) -> Result<(), StoreError> {
        let key = vehicle.nopol_key();
        let owner = self.vehicle_nopols.get(key.as_str()).map_err(other)?;
        if owner.is_some_and(|id| id.value() != vehicle.id) {
            return Err(StoreError::NopolTaken(key));
        }
        let json = to_json(vehicle)?;
        self.vehicles
            .insert(vehicle.id.as_str(), (vehicle.version, json.as_str()))
            .map_err(other)?;
        self.vehicle_nopols
            .insert(key.as_str(), vehicle.id.as_str())
            .map_err(other)?;
        Ok(())
    }

    fn remove_vehicle(&mut self, vehicle: &Vehicle) -> Result<(), StoreError> {
        self.vehicles.remove(vehicle.id.as_str()).map_err(other)?;
        self.vehicle_nopols
            .remove(vehicle.nopol_key().as_str())
            .map_err(other)?;
        Ok(())
    }

    fn insert_registration(&mut self, registration: &Registration) -> Result<(), StoreError> {
        let customer = &registration.customer;
        ensure_new(&self.customers, "customer", &customer.id)?;
        self.put_customer(customer)?;
        for vehicle in &registration.vehicles {
            ensure_new(&self.vehicles, "vehicle", &vehicle.id)?;
            self.put_vehicle(vehicle)?;
        }
        Ok(())
    }
}

#[async_trait]
impl RegisterStore for EmbeddedStore {
    async fn insert_registration(&self, registration: &Registration) -> Result<(), StoreError> {
        let registration = registration.clone();
        self.run(move |db| write(db, |t| t.insert_registration(&registration)))
            .await
    }

    /// One transaction per registration, so that a refused one leaves nothing behind.
    async fn insert_registrations(
        &self,
        registrations: &[Registration],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let registrations = registrations.to_vec();
        self.run(move |db| {
            Ok(registrations
                .iter()
                .map(|r| write(db, |t| t.insert_registration(r)))
                .collect())
        })
        .await
    }

    async fn customer(&self, id: &str) -> Result<Option<Customer>, StoreError> {
        let id = id.to_string();
        self.run(move |db| {
            read(db, |txn| {
                let customers = txn.open_table(CUSTOMERS).map_err(other)?;
                let value = customers.get(id.as_str()).map_err(other)?;
                value.map(|v| customer_from(v.value())).transpose()
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
                let listing = txn.open_table(CUSTOMER_LISTING).map_err(other)?;
                let customers = txn.open_table(CUSTOMERS).map_err(other)?;
                let (items, next_after) = newest_first(
                    &listing,
                    after.as_deref(),
                    limit,
                    |id| {
                        let value = customers.get(id).map_err(other)?;
                        value.map(|v| customer_from(v.value())).transpose()
                    },
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
                let customers = txn.open_table(CUSTOMERS).map_err(other)?;
                let vehicles = txn.open_table(VEHICLES).map_err(other)?;
                Ok(RegisterCounts {
                    customers: customers.len().map_err(other)?,
                    vehicles: vehicles.len().map_err(other)?,
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
        self.run(move |db| {
            write(db, |t| {
                check_version(&t.customers, &current.id, current.version)?;
                t.put_customer(&next)
            })
        })
        .await
    }

    async fn delete_customer(
        &self,
        current: &Customer,
        vehicles: &[Vehicle],
    ) -> Result<(), StoreError> {
        let (current, vehicles) = (current.clone(), vehicles.to_vec());
        self.run(move |db| {
            write(db, |t| {
                check_version(&t.customers, &current.id, current.version)?;
                let stored = all_vehicles(&t.vehicles)?;
                let owned = stored.iter().filter(|v| v.id_customer == current.id);
                if owned.count() != vehicles.len() {
                    return Err(StoreError::Stale);
                }
                for vehicle in &vehicles {
                    check_version(&t.vehicles, &vehicle.id, vehicle.version)?;
                    t.remove_vehicle(vehicle)?;
                }
                t.customers.remove(current.id.as_str()).map_err(other)?;
                t.customer_listing
                    .remove(current.list_key().as_str())
                    .map_err(other)?;
                Ok(())
            })
        })
        .await
    }

    async fn vehicles_of(&self, id: &str) -> Result<Vec<Vehicle>, StoreError> {
        let id = id.to_string();
        let mut vehicles: Vec<Vehicle> = self
            .run(|db| {
                read(db, |txn| {
                    all_vehicles(&txn.open_table(VEHICLES).map_err(other)?)
                })
            })
            .await?
            .into_iter()
            .filter(|v| v.id_customer == id)
            .collect();
        vehicles.sort_by_key(Vehicle::nopol_key);
        Ok(vehicles)
    }

    async fn vehicle(&self, id: &str) -> Result<Option<Vehicle>, StoreError> {
        let id = id.to_string();
        self.run(move |db| {
            read(db, |txn| {
                let vehicles = txn.open_table(VEHICLES).map_err(other)?;
                let value = vehicles.get(id.as_str()).map_err(other)?;
                value.map(|v| vehicle_from(v.value())).transpose()
            })
        })
        .await
    }

    async fn vehicle_nopol_taken(&self, nopol_key: &str) -> Result<bool, StoreError> {
        let key = nopol_key.to_string();
        self.run(move |db| {
            read(db, |txn| {
                let nopols = txn.open_table(VEHICLE_NOPOLS).map_err(other)?;
                Ok(nopols.get(key.as_str()).map_err(other)?.is_some())
            })
        })
        .await
    }

    async fn insert_vehicle(&self, owner: &Customer, vehicle: &Vehicle) -> Result<(), StoreError> {
        let (owner, vehicle) = (owner.clone(), vehicle.clone());
        self.run(move |db| {
            write(db, |t| {
                check_version(&t.customers, &owner.id, owner.version)?;
                ensure_new(&t.vehicles, "vehicle", &vehicle.id)?;
                t.put_vehicle(&vehicle)?;
                // The owner moves on, unedited: a delete read before misses this vehicle.
                let moved = Customer {
                    version: owner.version + 1,
                    ..owner.clone()
                };
                t.put_customer(&moved)
            })
        })
        .await
    }

    async fn replace_vehicle(&self, current: &Vehicle, next: &Vehicle) -> Result<(), StoreError> {
        let (current, next) = (current.clone(), next.clone());
        self.run(move |db| {
            write(db, |t| {
                check_version(&t.vehicles, &current.id, current.version)?;
                t.remove_vehicle(&current)?;
                t.put_vehicle(&next)
            })
        })
        .await
    }

    async fn delete_vehicle(&self, current: &Vehicle) -> Result<(), StoreError> {
        let current = current.clone();
        self.run(move |db| {
            write(db, |t| {
                check_version(&t.vehicles, &current.id, current.version)?;
                t.remove_vehicle(&current)
            })
        })
        .await
    }

    /// Reads every vehicle (the embedded store is local and small).
    async fn visited_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DueVehicle>, StoreError> {
        self.run(move |db| {
            read(db, |txn| {
                let customers = txn.open_table(CUSTOMERS).map_err(other)?;
                let vehicles = all_vehicles(&txn.open_table(VEHICLES).map_err(other)?)?;
                let mut due = Vec::new();
                for vehicle in vehicles {
                    if !vehicle.last_visit.is_some_and(|d| d >= from && d <= to) {
                        continue;
                    }
                    if let Some(value) =
                        customers.get(vehicle.id_customer.as_str()).map_err(other)?
                    {
                        let customer = customer_from(value.value())?;
                        due.push(DueVehicle { customer, vehicle });
                    }
                }
                Ok(due)
            })
        })
        .await
    }
}
