//! The bodies of the register's create, import and update requests, validated field by field,
//! and the customers list's query.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::{Value, json};
use uuid::Uuid;

use super::plan::{ServicePlan, VehicleKind};
use super::{Customer, Registration, Vehicle, Visit, VisitSource};
use crate::body::{Fields, Slot};
use crate::error::ApiError;
use crate::extract::{FromBody, FromQuery};
use crate::import::{Origin, Refusal};
use crate::manual::MAX_PAGE;
use crate::manual::input::name_schema;
use crate::nopol::Nopol;
use crate::query::{Params, is_position_key};
use crate::validation::FieldError;

/// Vehicles one customer may have: a delete of the customer removes them in one transaction.
pub const MAX_VEHICLES: usize = 20;

fn name(f: &mut Fields) -> Slot<String> {
    f.text("name", 1, 255)
}

/// A vehicle's model: 1-100 characters, trimmed.
fn model_schema() -> utoipa::openapi::schema::Object {
    crate::body::text_schema(crate::text::Lines::One, 1, 100)
}

fn model(f: &mut Fields) -> Slot<String> {
    f.text("model", 1, 100)
}

/// The highest odometer reading taken: a million kilometres.
pub const MAX_ODOMETER_KM: u64 = 1_000_000;

fn kind(f: &mut Fields) -> Slot<VehicleKind> {
    f.parsed("kind", VehicleKind::named, |_| {
        "Input should be 'motor' or 'mobil'".to_string()
    })
}

/// A whole number from 1 to `max`, named `name`.
fn positive(f: &mut Fields, name: &str, max: u64) -> Slot<u32> {
    match f.whole(name, max) {
        Slot::Given(0) => {
            f.reject(
                name,
                "greater_than_equal",
                "Input should be greater than or equal to 1",
                json!(0),
            );
            Slot::Invalid
        }
        Slot::Given(n) => Slot::Given(u32::try_from(n).unwrap_or(u32::MAX)),
        Slot::Absent => Slot::Absent,
        Slot::Null => Slot::Null,
        Slot::Invalid => Slot::Invalid,
    }
}

/// A vehicle's own intervals: up to 100,000 km and 120 months.
fn intervals(f: &mut Fields) -> (Slot<u32>, Slot<u32>) {
    (
        positive(f, "service_interval_km", 100_000),
        positive(f, "service_interval_months", 120),
    )
}

fn odometer(f: &mut Fields) -> Slot<u32> {
    f.whole("odometer_km", MAX_ODOMETER_KM)
        .given()
        .map_or(Slot::Absent, |km| Slot::Given(km as u32))
}

/// A valid vehicle of a create request.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"nopol": "B 1234 CD", "model": "Avanza", "last_visit": "2025-09-12"}))]
pub struct NewVehicle {
    pub nopol: Nopol,
    /// 1-100 characters, trimmed.
    #[schema(schema_with = model_schema)]
    pub model: String,
    /// The last visit; the date rule's next service is this plus the months of the kind.
    pub last_visit: Option<NaiveDate>,
    /// `motor` or `mobil` (the default).
    #[schema(value_type = Option<VehicleKind>)]
    pub kind: VehicleKind,
    #[schema(minimum = 1, maximum = 100000)]
    pub service_interval_km: Option<u32>,
    #[schema(minimum = 1, maximum = 120)]
    pub service_interval_months: Option<u32>,
    /// With `odometer_km`: a first visit recorded with the vehicle.
    pub visit_date: Option<NaiveDate>,
    /// The odometer at `visit_date`; needs it.
    #[schema(maximum = 1000000)]
    pub odometer_km: Option<u32>,
}

impl FromBody for NewVehicle {
    type Shape = NewVehicle;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        NewVehicle::parse(body, vec![json!("body")]).map_err(ApiError::Invalid)
    }
}

impl NewVehicle {
    /// Validates `{"nopol", "model", "last_visit"}` located at `loc`.
    pub fn parse(value: Value, loc: Vec<Value>) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(value, loc)?;
        let plate = f.nopol();
        let plate = f.required("nopol", plate);
        let model = model(&mut f);
        let model = f.required("model", model);
        let last_visit = f.date("last_visit").given();
        let kind = kind(&mut f).given().unwrap_or_default();
        let (km, months) = intervals(&mut f);
        let visit_date = f.date("visit_date").given();
        let odometer_km = odometer(&mut f).given();
        if odometer_km.is_some() && visit_date.is_none() {
            f.reject(
                "visit_date",
                "missing",
                "Field required with odometer_km",
                Value::Null,
            );
        }
        match (f.finish(), plate, model) {
            (Ok(()), Some(nopol), Some(model)) => Ok(NewVehicle {
                nopol,
                model,
                last_visit,
                kind,
                service_interval_km: km.given(),
                service_interval_months: months.given(),
                visit_date,
                odometer_km,
            }),
            (outcome, ..) => Err(outcome.err().unwrap_or_default()),
        }
    }

    /// The vehicle, and the visit it was registered with if any.
    pub fn into_vehicle(
        self,
        id_customer: &str,
        now: DateTime<FixedOffset>,
        plan: &ServicePlan,
    ) -> (Vehicle, Option<Visit>) {
        let vehicle = Vehicle {
            id: Uuid::new_v4().to_string(),
            id_customer: id_customer.to_string(),
            nopol: self.nopol.to_string(),
            model: self.model,
            last_visit: self.last_visit,
            kind: self.kind,
            service_interval_km: self.service_interval_km,
            service_interval_months: self.service_interval_months,
            odometer_km: None,
            odometer_date: None,
            service_odometer_km: None,
            measured_km_per_day: None,
            due_on: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let visit = self.visit_date.map(|visit_date| NewVisit {
            visit_date,
            odometer_km: self.odometer_km,
            work: None,
            notes: None,
        });
        let visit = visit.map(|v| v.into_visit(&vehicle, VisitSource::Staff, now));
        let visits: Vec<Visit> = visit.iter().cloned().collect();
        (vehicle.summarised(&visits, plan), visit)
    }
}

/// A valid customer create (or import row): the customer and its vehicles.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Budi Santoso", "no_hp": "081234567890",
    "vehicles": [{"nopol": "B 1234 CD", "model": "Avanza", "last_visit": "2025-09-12"}]}))]
pub struct NewCustomer {
    /// 1-255 characters, trimmed.
    #[schema(schema_with = name_schema)]
    pub name: String,
    #[schema(schema_with = crate::phone::schema)]
    pub no_hp: String,
    /// At most 20; each nopol once in the whole register.
    #[schema(value_type = Option<Vec<NewVehicle>>, max_items = 20)]
    pub vehicles: Vec<NewVehicle>,
}

impl FromBody for NewCustomer {
    type Shape = NewCustomer;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        NewCustomer::parse(body, vec![json!("body")]).map_err(ApiError::Invalid)
    }
}

impl NewCustomer {
    /// Validates `{"name", "no_hp", "vehicles": [...]}` located at `loc`; `vehicles` is optional.
    pub fn parse(value: Value, loc: Vec<Value>) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(value, loc)?;
        let name = name(&mut f);
        let name = f.required("name", name);
        let phone = f.no_hp();
        let phone = f.required("no_hp", phone);
        let mut vehicles = Vec::new();
        if let Slot::Given(items) = f.list("vehicles", MAX_VEHICLES) {
            let at = f.loc_of("vehicles");
            for (i, item) in items.into_iter().enumerate() {
                let mut loc = at.clone();
                loc.push(json!(i));
                match NewVehicle::parse(item, loc) {
                    Ok(vehicle) => vehicles.push(vehicle),
                    Err(errors) => f.extend(errors),
                }
            }
        }
        match (f.finish(), name, phone) {
            (Ok(()), Some(name), Some(no_hp)) => Ok(NewCustomer {
                name,
                no_hp,
                vehicles,
            }),
            (outcome, ..) => Err(outcome.err().unwrap_or_default()),
        }
    }

    /// A nopol given twice among this customer's vehicles.
    pub fn repeated_nopol(&self) -> Option<&Nopol> {
        let mut seen = std::collections::HashSet::new();
        self.vehicles
            .iter()
            .map(|v| &v.nopol)
            .find(|plate| !seen.insert(plate.compact()))
    }

    /// The customer and vehicles (and their first visits) this request creates, stamped `now`.
    pub fn into_registration(self, now: DateTime<FixedOffset>, plan: &ServicePlan) -> Registration {
        let customer = Customer {
            id: Uuid::new_v4().to_string(),
            name: self.name,
            no_hp: self.no_hp,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let (vehicles, visits): (Vec<Vehicle>, Vec<Option<Visit>>) = self
            .vehicles
            .into_iter()
            .map(|v| v.into_vehicle(&customer.id, now, plan))
            .unzip();
        Registration {
            customer,
            vehicles,
            visits: visits.into_iter().flatten().collect(),
        }
    }
}

/// A valid partial update of a customer: absent fields stay.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Budi Santoso"}))]
pub struct CustomerPatch {
    #[schema(schema_with = name_schema, required = false)]
    name: Slot<String>,
    #[schema(schema_with = crate::phone::schema, required = false)]
    no_hp: Slot<String>,
}

impl FromBody for CustomerPatch {
    type Shape = CustomerPatch;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        CustomerPatch::parse(body).map_err(ApiError::Invalid)
    }
}

impl CustomerPatch {
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(value, vec![json!("body")])?;
        let name = name(&mut f);
        let phone = f.no_hp();
        let patch = CustomerPatch {
            name: f.not_null("name", name),
            no_hp: f.not_null("no_hp", phone),
        };
        f.finish().map(|()| patch)
    }

    pub fn apply(&self, current: &Customer, now: DateTime<FixedOffset>) -> Customer {
        let mut next = current.revise(now);
        self.name.replace(&mut next.name);
        self.no_hp.replace(&mut next.no_hp);
        next
    }
}

/// A valid partial update of a vehicle: absent fields stay, `last_visit: null` clears.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"last_visit": "2026-01-10"}))]
pub struct VehiclePatch {
    #[schema(value_type = Nopol, required = false)]
    nopol: Slot<Nopol>,
    #[schema(schema_with = model_schema, required = false)]
    model: Slot<String>,
    #[schema(value_type = Option<NaiveDate>)]
    last_visit: Slot<NaiveDate>,
    #[schema(value_type = VehicleKind, required = false)]
    kind: Slot<VehicleKind>,
    /// `null`: back to the workshop's default for the kind.
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 100000)]
    service_interval_km: Slot<u32>,
    /// `null`: back to the workshop's default for the kind.
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 120)]
    service_interval_months: Slot<u32>,
}

impl FromBody for VehiclePatch {
    type Shape = VehiclePatch;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        VehiclePatch::parse(body).map_err(ApiError::Invalid)
    }
}

impl VehiclePatch {
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(value, vec![json!("body")])?;
        let plate = f.nopol();
        let model = model(&mut f);
        let kind = kind(&mut f);
        let (km, months) = intervals(&mut f);
        let patch = VehiclePatch {
            nopol: f.not_null("nopol", plate),
            model: f.not_null("model", model),
            last_visit: f.date("last_visit"),
            kind: f.not_null("kind", kind),
            service_interval_km: km,
            service_interval_months: months,
        };
        f.finish().map(|()| patch)
    }

    pub fn apply(&self, current: &Vehicle, now: DateTime<FixedOffset>) -> Vehicle {
        let mut next = current.revise(now);
        if let Slot::Given(plate) = &self.nopol {
            next.nopol = plate.to_string();
        }
        self.model.replace(&mut next.model);
        self.last_visit.update(&mut next.last_visit);
        self.kind.replace(&mut next.kind);
        self.service_interval_km
            .update(&mut next.service_interval_km);
        self.service_interval_months
            .update(&mut next.service_interval_months);
        next
    }
}

fn work_schema() -> utoipa::openapi::schema::Object {
    crate::body::nullable_text_schema(crate::text::Lines::Many, 1, 500)
}

fn visit_notes_schema() -> utoipa::openapi::schema::Object {
    crate::body::nullable_text_schema(crate::text::Lines::Many, 1, 2000)
}

/// A valid visit to record.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"visit_date": "2026-03-02", "odometer_km": 23450,
    "work": "Ganti oli, servis CVT", "notes": null}))]
pub struct NewVisit {
    pub visit_date: NaiveDate,
    /// The odometer then; never below a reading of an earlier visit.
    #[schema(maximum = 1000000)]
    pub odometer_km: Option<u32>,
    /// What was done, 1-500 characters.
    #[schema(schema_with = work_schema, required = false)]
    pub work: Option<String>,
    /// 1-2000 characters.
    #[schema(schema_with = visit_notes_schema, required = false)]
    pub notes: Option<String>,
}

impl FromBody for NewVisit {
    type Shape = NewVisit;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        NewVisit::parse(body).map_err(ApiError::Invalid)
    }
}

impl NewVisit {
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(value, vec![json!("body")])?;
        let day = f.date("visit_date");
        let visit_date = f.required("visit_date", day);
        let odometer_km = odometer(&mut f).given();
        let work = f.lines("work", 1, 500).given();
        let notes = f.lines("notes", 1, 2000).given();
        match (f.finish(), visit_date) {
            (Ok(()), Some(visit_date)) => Ok(NewVisit {
                visit_date,
                odometer_km,
                work,
                notes,
            }),
            (outcome, _) => Err(outcome.err().unwrap_or_default()),
        }
    }

    pub fn into_visit(
        self,
        vehicle: &Vehicle,
        source: VisitSource,
        now: DateTime<FixedOffset>,
    ) -> Visit {
        Visit {
            id: Uuid::new_v4().to_string(),
            id_vehicle: vehicle.id.clone(),
            id_customer: vehicle.id_customer.clone(),
            visit_date: self.visit_date,
            odometer_km: self.odometer_km,
            work: self.work,
            notes: self.notes,
            source,
            created_at: now,
        }
    }
}

/// A page of a vehicle's visits: `?limit=` (1-1000, default 1000) and `?cursor=`.
#[derive(Debug, Clone, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitPage {
    /// Visits per page, at most.
    #[param(value_type = u32, required = false, minimum = 1, maximum = 1000, default = 1000)]
    pub limit: usize,
    /// The previous page's `next_cursor`; empty or absent: the first page.
    #[param(rename = "cursor", value_type = Option<String>)]
    pub after: Option<String>,
}

impl FromQuery for VisitPage {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        let limit = p.limit(MAX_PAGE, MAX_PAGE);
        let after = p.cursor(super::is_visit_key);
        p.finish().map_err(ApiError::Invalid)?;
        Ok(VisitPage { limit, after })
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

/// A page of the customers list: `?limit=` (1-1000, default 1000) and `?cursor=`.
#[derive(Debug, Clone, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerPage {
    /// Customers per page, at most; fewer when that many would outgrow one answer (6 MB): go
    /// on with `next_cursor`.
    #[param(value_type = u32, required = false, minimum = 1, maximum = 1000, default = 1000)]
    pub limit: usize,
    /// The previous page's `next_cursor` (the position it ended at, once read); empty or absent:
    /// the first page.
    #[param(rename = "cursor", value_type = Option<String>)]
    pub after: Option<String>,
}

impl FromQuery for CustomerPage {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        let limit = p.limit(MAX_PAGE, MAX_PAGE);
        let after = p.cursor(is_position_key);
        p.finish().map_err(ApiError::Invalid)?;
        Ok(CustomerPage { limit, after })
    }
}
