//! What the register's endpoints do, apart from HTTP: validation, the store calls, the answer.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use futures::StreamExt;

use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::input::{CustomerPatch, MAX_VEHICLES, NewCustomer, NewVehicle, VehiclePatch};
use super::{Customer, Registration, Vehicle, VehicleView};
use crate::App;
use crate::error::ApiError;
use crate::extract::{FromBody, FromQuery};
use crate::import::{ImportReport, Mode, Origin, Problem, Refusal};
use crate::manual::MAX_PAGE;
use crate::query::{Params, encode_cursor, is_position_key};
use crate::store::StoreError;

/// Reads and writes retried when another request changed the same customer in between.
const WRITE_ATTEMPTS: usize = 5;

fn customer_not_found() -> ApiError {
    ApiError::NotFound("Customer tidak ditemukan".into())
}

fn vehicle_not_found() -> ApiError {
    ApiError::NotFound("Kendaraan tidak ditemukan".into())
}

fn nopol_taken(nopol: &str) -> ApiError {
    ApiError::Conflict(format!("Nopol {nopol} sudah terdaftar"))
}

/// Runs `attempt` again while it finds its data changed under it (`Ok(None)`).
async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ApiError>>,
{
    for _ in 0..WRITE_ATTEMPTS {
        if let Some(done) = attempt().await? {
            return Ok(done);
        }
    }
    Err(StoreError::Stale.into())
}

/// What a conditional write means to `retrying`: done with `value`, or try again when `Stale`.
/// `nopol` names the plate a refused nopol stands for.
fn written<T>(
    outcome: Result<(), StoreError>,
    value: T,
    nopol: Option<&str>,
) -> Result<Option<T>, ApiError> {
    match (outcome, nopol) {
        (Ok(()), _) => Ok(Some(value)),
        (Err(StoreError::Stale), _) => Ok(None),
        (Err(StoreError::NopolTaken(_)), Some(nopol)) => Err(nopol_taken(nopol)),
        (Err(e), _) => Err(e.into()),
    }
}

/// A customer as the API shows one: its fields and its vehicles.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerView {
    #[serde(flatten)]
    pub customer: Customer,
    pub vehicles: Vec<VehicleView>,
}

fn view(app: &App, customer: &Customer, vehicles: &[Vehicle]) -> CustomerView {
    let months = app.config.service_interval_months;
    CustomerView {
        customer: customer.clone(),
        vehicles: vehicles.iter().map(|v| v.view(months)).collect(),
    }
}

/// The vehicle that a `NopolTaken(key)` names, in display form.
fn taken_nopol(vehicles: &[Vehicle], key: &str) -> String {
    vehicles
        .iter()
        .find(|v| v.nopol_key() == key)
        .map_or_else(|| key.to_string(), |v| v.nopol.clone())
}

/// The registration a valid request creates, or why its vehicles repeat a nopol.
fn registration(app: &App, new: NewCustomer) -> Result<Registration, String> {
    if let Some(plate) = new.repeated_nopol() {
        return Err(format!("Nopol {plate} muncul lebih dari sekali"));
    }
    Ok(new.into_registration(app.time.now()))
}

pub async fn create(app: &App, new: NewCustomer) -> Result<CustomerView, ApiError> {
    let registration = registration(app, new).map_err(ApiError::Conflict)?;
    match app.register.insert_registration(&registration).await {
        Ok(()) => Ok(view(app, &registration.customer, &registration.vehicles)),
        Err(StoreError::NopolTaken(key)) => {
            Err(nopol_taken(&taken_nopol(&registration.vehicles, &key)))
        }
        Err(e) => Err(e.into()),
    }
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

/// One customer of a register import, parsed: where it came from, what it named itself, and
/// the customer (with its vehicles) it asks for or why it cannot be one.
#[derive(Debug)]
pub struct ImportRow {
    pub origin: Origin,
    pub name: Value,
    pub no_hp: Value,
    pub parsed: Result<NewCustomer, Refusal>,
}

/// The body of `POST /customers/bulk-import`: a JSON array of create bodies, each validated on
/// its own.
impl FromBody for Vec<ImportRow> {
    type Shape = crate::import::Batch<NewCustomer>;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        let rows = crate::import::json_rows(body, NewCustomer::parse)?;
        let rows = rows.into_iter().map(|(origin, row, parsed)| ImportRow {
            origin,
            name: row["name"].clone(),
            no_hp: row["no_hp"].clone(),
            parsed,
        });
        Ok(rows.collect())
    }
}

/// `POST /customers/bulk-import`: the customers stored in packed transactions, each refused on its own.
pub async fn bulk_import(
    app: &App,
    rows: Vec<ImportRow>,
) -> Result<ImportReport<ImportFailure>, ApiError> {
    import_rows(app, rows, Mode::Write).await
}

/// Imports each customer (with its vehicles) on its own, all or nothing per customer, or in a
/// dry run says which would fail: invalid, a nopol repeated in the import, or one registered.
pub async fn import_rows(
    app: &App,
    rows: Vec<ImportRow>,
    mode: Mode,
) -> Result<ImportReport<ImportFailure>, ApiError> {
    let total = rows.len();
    let mut failures = Vec::new();
    let mut accepted: Vec<(Origin, Registration)> = Vec::new();
    // Compact nopol -> the sheet row that has it first.
    let mut seen: HashMap<String, Option<usize>> = HashMap::new();
    for row in rows {
        let new = match row.parsed {
            Ok(new) => new,
            Err(refusal) => {
                failures.push(ImportFailure::new(
                    &row.origin,
                    row.name,
                    row.no_hp,
                    refusal,
                ));
                continue;
            }
        };
        let registration = new.into_registration(app.time.now());
        match repeated_vehicle(&registration, &seen, &row.origin) {
            Some((vehicle, reason)) => failures.push(ImportFailure::of_vehicle(
                &row.origin,
                &registration,
                vehicle,
                reason,
            )),
            None => {
                for (i, vehicle) in registration.vehicles.iter().enumerate() {
                    seen.insert(vehicle.nopol_key(), vehicle_row(&row.origin, i));
                }
                accepted.push((row.origin, registration));
            }
        }
    }
    let (origins, registrations): (Vec<Origin>, Vec<Registration>) = accepted.into_iter().unzip();
    let outcomes = match mode {
        Mode::Write => app.register.insert_registrations(&registrations).await?,
        Mode::DryRun => registered(app, &registrations).await?,
    };
    for ((origin, registration), outcome) in origins.iter().zip(&registrations).zip(outcomes) {
        let failure = match outcome {
            Ok(()) => continue,
            Err(StoreError::NopolTaken(key)) => {
                let vehicle = registration
                    .vehicles
                    .iter()
                    .position(|v| v.nopol_key() == key);
                let reason = nopol_taken(&taken_nopol(&registration.vehicles, &key)).to_string();
                ImportFailure::of_vehicle(origin, registration, vehicle.unwrap_or(0), reason)
            }
            Err(other) => {
                let customer = &registration.customer;
                let refusal = Refusal::of_field(origin, &[], ApiError::from(other).to_string());
                ImportFailure::new(origin, json!(customer.name), json!(customer.no_hp), refusal)
            }
        };
        failures.push(failure);
    }
    Ok(ImportReport::new(total, failures, |f| f.index))
}

/// The sheet row of vehicle `i` of a customer.
fn vehicle_row(origin: &Origin, i: usize) -> Option<usize> {
    let path = [json!("vehicles"), json!(i), json!("nopol")];
    let place = origin.places.iter().find(|p| p.path == path);
    place.map(|p| p.row).or(origin.row)
}

/// The first vehicle of `registration` whose nopol it repeats, or an earlier row of the import
/// has, and why that refuses it.
fn repeated_vehicle(
    registration: &Registration,
    seen: &HashMap<String, Option<usize>>,
    origin: &Origin,
) -> Option<(usize, String)> {
    let mut own: HashMap<String, Option<usize>> = HashMap::new();
    for (i, vehicle) in registration.vehicles.iter().enumerate() {
        let key = vehicle.nopol_key();
        if let Some(first) = seen.get(&key).or_else(|| own.get(&key)) {
            return Some((i, crate::manual::repeated(&vehicle.nopol, *first)));
        }
        own.insert(key, vehicle_row(origin, i));
    }
    None
}

/// What inserting `registrations` would answer, read without writing: `NopolTaken` naming
/// the first registered nopol of each that has one.
async fn registered(
    app: &App,
    registrations: &[Registration],
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let keys: Vec<String> = registrations
        .iter()
        .flat_map(|r| r.vehicles.iter().map(Vehicle::nopol_key))
        .collect();
    let lookups: Vec<Result<(String, bool), StoreError>> = futures::stream::iter(keys)
        .map(|key| async move {
            let taken = app.register.vehicle_nopol_taken(&key).await?;
            Ok((key, taken))
        })
        .buffered(crate::manual::LOOKUPS_IN_FLIGHT)
        .collect()
        .await;
    let mut taken = HashSet::new();
    for lookup in lookups {
        let (key, is_taken) = lookup?;
        if is_taken {
            taken.insert(key);
        }
    }
    Ok(registrations
        .iter()
        .map(
            |r| match r.vehicles.iter().find(|v| taken.contains(&v.nopol_key())) {
                Some(vehicle) => Err(StoreError::NopolTaken(vehicle.nopol_key())),
                None => Ok(()),
            },
        )
        .collect())
}

/// The answer of the customers list: `total` counts every customer, whatever the page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerList {
    pub total: u64,
    pub data: Vec<Customer>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A page of the customers list: `?limit=` (1-1000, default 1000) and `?cursor=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerPage {
    pub limit: usize,
    /// The position the previous page ended at.
    pub after: Option<String>,
}

/// The query of the customers list, as the OpenAPI document shows it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "the shape CustomerPage is read from, for the document"
)]
pub struct CustomerPageQuery {
    /// Customers per page.
    #[param(minimum = 1, maximum = 1000, default = 1000)]
    limit: Option<u32>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
}

impl FromQuery for CustomerPage {
    type Shape = CustomerPageQuery;

    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        let limit = p.limit(MAX_PAGE, MAX_PAGE);
        let after = p.cursor(is_position_key);
        p.finish().map_err(ApiError::Invalid)?;
        Ok(CustomerPage { limit, after })
    }
}

/// Customers newest first.
pub async fn list(app: &App, page: &CustomerPage) -> Result<CustomerList, ApiError> {
    let counts = app.register.register_counts().await?;
    let page = app
        .register
        .customers(page.limit, page.after.as_deref())
        .await?;
    Ok(CustomerList {
        total: counts.customers,
        data: page.items,
        next_cursor: page.next_after.as_deref().map(encode_cursor),
    })
}

/// The customer `id`; ids that are not UUIDs cannot exist.
async fn customer(app: &App, id: &str) -> Result<Customer, ApiError> {
    if Uuid::parse_str(id).is_err() {
        return Err(customer_not_found());
    }
    app.register
        .customer(id)
        .await?
        .ok_or_else(customer_not_found)
}

/// The vehicle `vehicle_id` of customer `customer_id`.
async fn vehicle(app: &App, customer_id: &str, vehicle_id: &str) -> Result<Vehicle, ApiError> {
    customer(app, customer_id).await?;
    if Uuid::parse_str(vehicle_id).is_err() {
        return Err(vehicle_not_found());
    }
    match app.register.vehicle(vehicle_id).await? {
        Some(vehicle) if vehicle.id_customer == customer_id => Ok(vehicle),
        _ => Err(vehicle_not_found()),
    }
}

pub async fn get(app: &App, id: &str) -> Result<CustomerView, ApiError> {
    let customer = customer(app, id).await?;
    let vehicles = app.register.vehicles_of(id).await?;
    Ok(view(app, &customer, &vehicles))
}

pub async fn update(app: &App, id: &str, patch: CustomerPatch) -> Result<CustomerView, ApiError> {
    let updated = retrying(|| async {
        let current = customer(app, id).await?;
        let next = patch.apply(&current, app.time.now());
        written(
            app.register.replace_customer(&current, &next).await,
            next,
            None,
        )
    })
    .await?;
    let vehicles = app.register.vehicles_of(id).await?;
    Ok(view(app, &updated, &vehicles))
}

/// Deletes the customer and its vehicles; its report rows stay, as history.
pub async fn delete(app: &App, id: &str) -> Result<(), ApiError> {
    retrying(|| async {
        let current = customer(app, id).await?;
        let vehicles = app.register.vehicles_of(id).await?;
        written(
            app.register.delete_customer(&current, &vehicles).await,
            (),
            None,
        )
    })
    .await
}

pub async fn vehicles(app: &App, customer_id: &str) -> Result<Vec<VehicleView>, ApiError> {
    customer(app, customer_id).await?;
    let vehicles = app.register.vehicles_of(customer_id).await?;
    let months = app.config.service_interval_months;
    Ok(vehicles.iter().map(|v| v.view(months)).collect())
}

pub async fn get_vehicle(
    app: &App,
    customer_id: &str,
    vehicle_id: &str,
) -> Result<VehicleView, ApiError> {
    let vehicle = vehicle(app, customer_id, vehicle_id).await?;
    Ok(vehicle.view(app.config.service_interval_months))
}

pub async fn add_vehicle(
    app: &App,
    customer_id: &str,
    new: NewVehicle,
) -> Result<VehicleView, ApiError> {
    let added = retrying(|| async {
        let owner = customer(app, customer_id).await?;
        if app.register.vehicles_of(customer_id).await?.len() >= MAX_VEHICLES {
            return Err(ApiError::Conflict(format!(
                "Customer sudah memiliki {MAX_VEHICLES} kendaraan, batas maksimal"
            )));
        }
        let vehicle = new.clone().into_vehicle(customer_id, app.time.now());
        let outcome = app.register.insert_vehicle(&owner, &vehicle).await;
        let nopol = vehicle.nopol.clone();
        written(outcome, vehicle, Some(&nopol))
    })
    .await?;
    Ok(added.view(app.config.service_interval_months))
}

pub async fn update_vehicle(
    app: &App,
    customer_id: &str,
    vehicle_id: &str,
    patch: VehiclePatch,
) -> Result<VehicleView, ApiError> {
    let updated = retrying(|| async {
        let current = vehicle(app, customer_id, vehicle_id).await?;
        let next = patch.apply(&current, app.time.now());
        let outcome = app.register.replace_vehicle(&current, &next).await;
        let nopol = next.nopol.clone();
        written(outcome, next, Some(&nopol))
    })
    .await?;
    Ok(updated.view(app.config.service_interval_months))
}

pub async fn delete_vehicle(
    app: &App,
    customer_id: &str,
    vehicle_id: &str,
) -> Result<(), ApiError> {
    retrying(|| async {
        let current = vehicle(app, customer_id, vehicle_id).await?;
        written(app.register.delete_vehicle(&current).await, (), None)
    })
    .await
}
