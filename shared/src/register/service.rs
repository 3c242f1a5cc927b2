//! What the register's endpoints do, apart from HTTP: validation, the store calls, the answer.

use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::input::{
    CustomerPage, CustomerPatch, ImportRow, MAX_VEHICLES, NewCustomer, NewVehicle, VehiclePatch,
};
use super::{Customer, Registration, ServicePlan, Vehicle, VehicleView};
use crate::answer::fit_page;
use crate::clock::WorkshopClock;
use crate::import::{Claimed, ImportReport, Importer, Mode, Origin, Problem, Refusal};
use crate::nopol::Nopol;
use crate::optout::OptOuts;
use crate::query::encode_cursor;
use crate::register::store::RegisterStore;
use crate::store_error::{StoreError, retry_while_stale};

/// What the register's service works with: its store, the workshop's clock, and the
/// workshop's service intervals that a vehicle's next service is reckoned by.
#[derive(Clone, Copy)]
pub struct Register<'a> {
    pub store: &'a dyn RegisterStore,
    pub time: &'a WorkshopClock,
    pub plan: ServicePlan,
    /// Who asked to receive no more messages: shown on every customer.
    pub opt_outs: OptOuts<'a>,
}

/// Why a register request was refused. Each says, in Indonesian, what the caller can do.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("Customer tidak ditemukan")]
    CustomerNotFound,
    #[error("Kendaraan tidak ditemukan")]
    VehicleNotFound,
    /// The nopol, as the vehicle writes it, belongs to another vehicle.
    #[error("Nopol {0} sudah terdaftar")]
    NopolTaken(String),
    /// A new customer's vehicles name one plate twice.
    #[error("Nopol {0} muncul lebih dari sekali")]
    NopolRepeated(Nopol),
    #[error("Customer sudah memiliki {MAX_VEHICLES} kendaraan, batas maksimal")]
    TooManyVehicles,
    #[error("Kunjungan tidak ditemukan")]
    VisitNotFound,
    #[error("Tanggal kunjungan {0} belum terjadi: paling lambat hari ini")]
    FutureVisit(chrono::NaiveDate),
    /// A reading that would make the odometer go back across the vehicle's visits in date order.
    #[error("{0}")]
    OdometerBackwards(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a conditional write means to `retry_while_stale`: done with `value`, or try again when `Stale`.
/// `nopol` names the plate a refused nopol stands for.
fn written<T>(
    outcome: Result<(), StoreError>,
    value: T,
    nopol: Option<&str>,
) -> Result<Option<T>, RegisterError> {
    match (outcome, nopol) {
        (Ok(()), _) => Ok(Some(value)),
        (Err(StoreError::Stale), _) => Ok(None),
        (Err(StoreError::NopolTaken(_)), Some(nopol)) => {
            Err(RegisterError::NopolTaken(nopol.to_string()))
        }
        (Err(e), _) => Err(e.into()),
    }
}

/// A customer as the API shows one: its fields and its vehicles.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Customer)]
pub struct CustomerView {
    #[serde(flatten)]
    #[schema(inline)]
    pub customer: Customer,
    /// The customer's number receives no messages (`/opt-outs`).
    pub opted_out: bool,
    pub vehicles: Vec<VehicleView>,
}

/// A row of the customers list: the customer and whether its number opted out.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustomerRow {
    #[serde(flatten)]
    #[schema(inline)]
    pub customer: Customer,
    /// The customer's number receives no messages (`/opt-outs`).
    pub opted_out: bool,
}

/// The vehicle that a `NopolTaken(key)` names, in display form.
fn taken_nopol(vehicles: &[Vehicle], key: &str) -> String {
    vehicles
        .iter()
        .find(|v| v.nopol_key() == key)
        .map_or_else(|| key.to_string(), |v| v.nopol.clone())
}

/// A customer of a register import that failed, named as the row named it (or, once valid, in
/// normalised form); from a sheet also by its first row and the cells at fault.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CustomerImportFailure)]
pub struct ImportFailure {
    /// 0-based position of the customer in the request.
    pub index: usize,
    /// The customer's first sheet row (the header is row 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    pub name: Value,
    pub no_hp: Value,
    pub error: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl ImportFailure {
    fn new(origin: &Origin, name: Value, no_hp: Value, refusal: Refusal) -> Self {
        ImportFailure {
            index: origin.index,
            row: origin.row,
            name,
            no_hp,
            error: refusal.error,
            problems: refusal.problems,
        }
    }

    /// A valid customer refused for the nopol of its vehicle `vehicle`.
    fn of_vehicle(
        origin: &Origin,
        registration: &Registration,
        vehicle: usize,
        reason: String,
    ) -> Self {
        let path = [json!("vehicles"), json!(vehicle), json!("nopol")];
        let customer = &registration.customer;
        let refusal = Refusal::of_field(origin, &path, reason);
        Self::new(origin, json!(customer.name), json!(customer.no_hp), refusal)
    }
}

/// The sheet row of vehicle `i` of a customer.
fn vehicle_row(origin: &Origin, i: usize) -> Option<usize> {
    let path = [json!("vehicles"), json!(i), json!("nopol")];
    let place = origin.places.iter().find(|p| p.path == path);
    place.map(|p| p.row).or(origin.row)
}

/// The answer of the customers list: `total` counts every customer, whatever the page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerList {
    pub total: u64,
    pub data: Vec<CustomerRow>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl Register<'_> {
    async fn view(
        &self,
        customer: &Customer,
        vehicles: &[Vehicle],
    ) -> Result<CustomerView, StoreError> {
        Ok(CustomerView {
            customer: customer.clone(),
            opted_out: self.opt_outs.blocks(&customer.no_hp, None).await?,
            vehicles: vehicles.iter().map(|v| self.vehicle_view(v)).collect(),
        })
    }

    pub(super) fn vehicle_view(&self, vehicle: &Vehicle) -> VehicleView {
        vehicle.view(&self.plan, self.time.today())
    }

    /// The registration a valid request creates, or why its vehicles repeat a nopol.
    fn registration(&self, new: NewCustomer) -> Result<Registration, RegisterError> {
        if let Some(plate) = new.repeated_nopol() {
            return Err(RegisterError::NopolRepeated(plate.clone()));
        }
        Ok(new.into_registration(self.time.now(), &self.plan))
    }

    pub async fn create(&self, new: NewCustomer) -> Result<CustomerView, RegisterError> {
        let registration = self.registration(new)?;
        match self.store.insert_registration(&registration).await {
            Ok(()) => Ok(self
                .view(&registration.customer, &registration.vehicles)
                .await?),
            Err(StoreError::NopolTaken(key)) => Err(RegisterError::NopolTaken(taken_nopol(
                &registration.vehicles,
                &key,
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// `POST /customers/bulk-import`: the customers stored in packed transactions, each refused
    /// on its own.
    pub async fn bulk_import(
        &self,
        rows: Vec<ImportRow>,
    ) -> Result<ImportReport<ImportFailure>, StoreError> {
        self.import_rows(rows, Mode::Write).await
    }

    /// Imports each customer (with its vehicles) on its own, all or nothing per customer, or in
    /// a dry run says which would fail.
    pub async fn import_rows(
        &self,
        rows: Vec<ImportRow>,
        mode: Mode,
    ) -> Result<ImportReport<ImportFailure>, StoreError> {
        crate::import::import(self, rows, mode).await
    }

    /// Customers newest first, a page at most as large as one answer carries.
    pub async fn list(&self, page: &CustomerPage) -> Result<CustomerList, StoreError> {
        let counts = self.store.register_counts().await?;
        let page = self
            .store
            .customers(page.limit, page.after.as_deref())
            .await?;
        let (customers, next_after) = fit_page(page.items, page.next_after, Customer::list_key);
        let recipients: Vec<(&str, Option<&str>)> =
            customers.iter().map(|c| (c.no_hp.as_str(), None)).collect();
        let flags = self.opt_outs.flags(&recipients).await?;
        let data = customers
            .into_iter()
            .zip(flags)
            .map(|(customer, opted_out)| CustomerRow {
                customer,
                opted_out,
            })
            .collect();
        Ok(CustomerList {
            total: counts.customers,
            data,
            next_cursor: next_after.as_deref().map(encode_cursor),
        })
    }

    /// The customer `id`; ids that are not UUIDs cannot exist.
    async fn customer(&self, id: &str) -> Result<Customer, RegisterError> {
        if Uuid::parse_str(id).is_err() {
            return Err(RegisterError::CustomerNotFound);
        }
        self.store
            .customer(id)
            .await?
            .ok_or(RegisterError::CustomerNotFound)
    }

    /// The vehicle `vehicle_id` of customer `customer_id`.
    pub(super) async fn vehicle(
        &self,
        customer_id: &str,
        vehicle_id: &str,
    ) -> Result<Vehicle, RegisterError> {
        self.customer(customer_id).await?;
        if Uuid::parse_str(vehicle_id).is_err() {
            return Err(RegisterError::VehicleNotFound);
        }
        match self.store.vehicle(vehicle_id).await? {
            Some(vehicle) if vehicle.id_customer == customer_id => Ok(vehicle),
            _ => Err(RegisterError::VehicleNotFound),
        }
    }

    pub async fn get(&self, id: &str) -> Result<CustomerView, RegisterError> {
        let customer = self.customer(id).await?;
        let vehicles = self.store.vehicles_of(id).await?;
        Ok(self.view(&customer, &vehicles).await?)
    }

    pub async fn update(
        &self,
        id: &str,
        patch: CustomerPatch,
    ) -> Result<CustomerView, RegisterError> {
        let updated = retry_while_stale(|| async {
            let current = self.customer(id).await?;
            let next = patch.apply(&current, self.time.now());
            written(
                self.store.replace_customer(&current, &next).await,
                next,
                None,
            )
        })
        .await?;
        let vehicles = self.store.vehicles_of(id).await?;
        Ok(self.view(&updated, &vehicles).await?)
    }

    /// Deletes the customer and its vehicles; its report rows stay, as history.
    pub async fn delete(&self, id: &str) -> Result<(), RegisterError> {
        retry_while_stale(|| async {
            let current = self.customer(id).await?;
            let vehicles = self.store.vehicles_of(id).await?;
            written(
                self.store.delete_customer(&current, &vehicles).await,
                (),
                None,
            )
        })
        .await
    }

    pub async fn vehicles(&self, customer_id: &str) -> Result<Vec<VehicleView>, RegisterError> {
        self.customer(customer_id).await?;
        let vehicles = self.store.vehicles_of(customer_id).await?;
        Ok(vehicles.iter().map(|v| self.vehicle_view(v)).collect())
    }

    pub async fn get_vehicle(
        &self,
        customer_id: &str,
        vehicle_id: &str,
    ) -> Result<VehicleView, RegisterError> {
        let vehicle = self.vehicle(customer_id, vehicle_id).await?;
        Ok(self.vehicle_view(&vehicle))
    }

    pub async fn add_vehicle(
        &self,
        customer_id: &str,
        new: NewVehicle,
    ) -> Result<VehicleView, RegisterError> {
        let added = retry_while_stale(|| async {
            let owner = self.customer(customer_id).await?;
            if self.store.vehicles_of(customer_id).await?.len() >= MAX_VEHICLES {
                return Err(RegisterError::TooManyVehicles);
            }
            let now = self.time.now();
            let (vehicle, visit) = new.clone().into_vehicle(customer_id, now, &self.plan);
            let outcome = self.store.insert_vehicle(&owner, &vehicle).await;
            let nopol = vehicle.nopol.clone();
            written(outcome, (vehicle, visit), Some(&nopol))
        })
        .await?;
        let (vehicle, visit) = added;
        // The vehicle carries its visit's summary already; the visit follows it.
        if let Some(visit) = visit {
            let next = vehicle.revise(vehicle.updated_at);
            self.store.insert_visit(&vehicle, &next, &visit).await?;
            return Ok(self.vehicle_view(&next));
        }
        Ok(self.vehicle_view(&vehicle))
    }

    pub async fn update_vehicle(
        &self,
        customer_id: &str,
        vehicle_id: &str,
        patch: VehiclePatch,
    ) -> Result<VehicleView, RegisterError> {
        let updated = retry_while_stale(|| async {
            let current = self.vehicle(customer_id, vehicle_id).await?;
            let visits = self.store.visits_of(customer_id, vehicle_id).await?;
            let next = patch
                .apply(&current, self.time.now())
                .summarised(&visits, &self.plan);
            let outcome = self.store.replace_vehicle(&current, &next).await;
            let nopol = next.nopol.clone();
            written(outcome, next, Some(&nopol))
        })
        .await?;
        Ok(self.vehicle_view(&updated))
    }

    pub async fn delete_vehicle(
        &self,
        customer_id: &str,
        vehicle_id: &str,
    ) -> Result<(), RegisterError> {
        retry_while_stale(|| async {
            let current = self.vehicle(customer_id, vehicle_id).await?;
            written(self.store.delete_vehicle(&current).await, (), None)
        })
        .await
    }
}

/// The register's side of an import: a row is one customer with its vehicles, stored all or
/// nothing.
#[async_trait::async_trait]
impl Importer for Register<'_> {
    type Row = ImportRow;
    type Item = Registration;
    type Failure = ImportFailure;

    fn item(&self, row: ImportRow) -> (Origin, Result<Registration, ImportFailure>) {
        let item = match row.parsed {
            Ok(new) => Ok(new.into_registration(self.time.now(), &self.plan)),
            Err(refusal) => Err(ImportFailure::new(
                &row.origin,
                row.name,
                row.no_hp,
                refusal,
            )),
        };
        (row.origin, item)
    }

    fn nopols(origin: &Origin, registration: &Registration) -> Vec<Claimed> {
        let vehicles = registration.vehicles.iter().enumerate();
        vehicles
            .map(|(i, vehicle)| Claimed {
                key: vehicle.nopol_key(),
                shown: vehicle.nopol.clone(),
                row: vehicle_row(origin, i),
            })
            .collect()
    }

    fn refused_nopol(
        origin: &Origin,
        registration: &Registration,
        vehicle: usize,
        reason: String,
    ) -> ImportFailure {
        ImportFailure::of_vehicle(origin, registration, vehicle, reason)
    }

    fn refused(origin: &Origin, registration: &Registration, error: StoreError) -> ImportFailure {
        match error {
            StoreError::NopolTaken(key) => {
                let vehicles = &registration.vehicles;
                let vehicle = vehicles.iter().position(|v| v.nopol_key() == key);
                let reason = RegisterError::NopolTaken(taken_nopol(vehicles, &key)).to_string();
                ImportFailure::of_vehicle(origin, registration, vehicle.unwrap_or(0), reason)
            }
            other => {
                let customer = &registration.customer;
                let refusal = Refusal::of_field(origin, &[], other.reason());
                ImportFailure::new(origin, json!(customer.name), json!(customer.no_hp), refusal)
            }
        }
    }

    async fn write(
        &self,
        registrations: &[Registration],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        self.store.insert_registrations(registrations).await
    }

    async fn nopol_taken(&self, key: &str) -> Result<bool, StoreError> {
        self.store.vehicle_nopol_taken(key).await
    }

    fn index(failure: &ImportFailure) -> usize {
        failure.index
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;
    use chrono::NaiveDate;

    use super::*;
    use crate::clock::SystemClock;
    use crate::register::store::CustomerPage as StorePage;
    use crate::register::{DueVehicle, RegisterCounts, Visit};

    /// A register whose bulk insert fails each registration with the database's own words;
    /// nothing else is asked of it.
    struct Unreachable;

    const DATABASE_WORDS: &str = "dispatch failure: connect to dynamodb.internal:443 refused";

    #[async_trait]
    impl RegisterStore for Unreachable {
        async fn insert_registrations(
            &self,
            registrations: &[Registration],
        ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
            let failed = || Err(StoreError::Unavailable(DATABASE_WORDS.into()));
            Ok(registrations.iter().map(|_| failed()).collect())
        }
        async fn insert_registration(&self, _: &Registration) -> Result<(), StoreError> {
            unreachable!()
        }
        async fn customer(&self, _: &str) -> Result<Option<Customer>, StoreError> {
            unreachable!()
        }
        async fn customers(&self, _: usize, _: Option<&str>) -> Result<StorePage, StoreError> {
            unreachable!()
        }
        async fn register_counts(&self) -> Result<RegisterCounts, StoreError> {
            unreachable!()
        }
        async fn replace_customer(&self, _: &Customer, _: &Customer) -> Result<(), StoreError> {
            unreachable!()
        }
        async fn delete_customer(&self, _: &Customer, _: &[Vehicle]) -> Result<(), StoreError> {
            unreachable!()
        }
        async fn vehicles_of(&self, _: &str) -> Result<Vec<Vehicle>, StoreError> {
            unreachable!()
        }
        async fn vehicle(&self, _: &str) -> Result<Option<Vehicle>, StoreError> {
            unreachable!()
        }
        async fn vehicle_nopol_taken(&self, _: &str) -> Result<bool, StoreError> {
            unreachable!()
        }
        async fn insert_vehicle(&self, _: &Customer, _: &Vehicle) -> Result<(), StoreError> {
            unreachable!()
        }
        async fn replace_vehicle(&self, _: &Vehicle, _: &Vehicle) -> Result<(), StoreError> {
            unreachable!()
        }
        async fn delete_vehicle(&self, _: &Vehicle) -> Result<(), StoreError> {
            unreachable!()
        }
        async fn visited_between(
            &self,
            _: NaiveDate,
            _: NaiveDate,
        ) -> Result<Vec<DueVehicle>, StoreError> {
            unreachable!()
        }
        async fn vehicles_due_between(
            &self,
            _: NaiveDate,
            _: NaiveDate,
        ) -> Result<Vec<DueVehicle>, StoreError> {
            unreachable!()
        }
        async fn customers_with_phone(&self, _: &str) -> Result<Vec<Customer>, StoreError> {
            unreachable!()
        }
        async fn visits_of(&self, _: &str, _: &str) -> Result<Vec<Visit>, StoreError> {
            unreachable!()
        }
        async fn insert_visit(
            &self,
            _: &Vehicle,
            _: &Vehicle,
            _: &Visit,
        ) -> Result<(), StoreError> {
            unreachable!()
        }
        async fn delete_visit(
            &self,
            _: &Vehicle,
            _: &Vehicle,
            _: &Visit,
        ) -> Result<(), StoreError> {
            unreachable!()
        }
    }

    /// Nothing of the opt-outs is asked by a bulk import.
    #[async_trait]
    impl crate::optout::OptOutStore for Unreachable {
        async fn add_opt_out(
            &self,
            _: &crate::optout::OptOut,
        ) -> Result<Option<crate::optout::OptOut>, StoreError> {
            unreachable!()
        }
        async fn remove_opt_out(&self, _: &str) -> Result<bool, StoreError> {
            unreachable!()
        }
        async fn remove_opt_outs_of(&self, _: &str) -> Result<usize, StoreError> {
            unreachable!()
        }
        async fn blocks(&self, _: &str, _: Option<&str>) -> Result<bool, StoreError> {
            unreachable!()
        }
        async fn stored_scopes(
            &self,
            _: &[String],
        ) -> Result<std::collections::HashSet<String>, StoreError> {
            unreachable!()
        }
        async fn opt_outs(
            &self,
            _: usize,
            _: Option<&str>,
        ) -> Result<crate::optout::OptOutPage, StoreError> {
            unreachable!()
        }
    }

    /// A customer the database fails to store is a failed row that says so in the caller's
    /// words; the database's own words stay in the log.
    #[tokio::test]
    async fn a_row_the_store_fails_says_why_without_the_databases_words() {
        let time = WorkshopClock::new(Arc::new(SystemClock), chrono_tz::Asia::Jakarta);
        let register = Register {
            store: &Unreachable,
            time: &time,
            plan: ServicePlan::default(),
            opt_outs: crate::optout::OptOuts {
                store: &Unreachable,
                time: &time,
            },
        };
        let body = json!({"name": "Budi", "no_hp": "081234567890",
            "vehicles": [{"nopol": "B 1234 CD", "model": "Avanza"}]});
        let row = ImportRow {
            origin: Origin {
                index: 0,
                row: None,
                places: Vec::new(),
            },
            name: body["name"].clone(),
            no_hp: body["no_hp"].clone(),
            parsed: Ok(NewCustomer::parse(body, vec![json!("body"), json!(0)]).unwrap()),
        };
        let report = register.bulk_import(vec![row]).await.unwrap();
        assert_eq!((report.imported, report.failed), (0, 1));
        assert_eq!(report.failures[0].error, crate::error::UNAVAILABLE);
    }
}
