//! The workshop's own customer register: customers and the vehicles they bring in.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::plan::{DueInputs, Estimate, Reading, ServicePlan, VehicleKind, pace};
use super::visit::{Visit, VisitSource};

/// A customer of the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Customer {
    pub id: String,
    pub name: String,
    /// Normalised, `628…`.
    pub no_hp: String,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
    /// Bumped by every write to the customer and by every vehicle added to it, so that a delete
    /// of the customer never misses a vehicle added meanwhile.
    #[serde(skip)]
    pub version: u64,
}

impl Customer {
    /// Position in the list, newest first.
    pub fn list_key(&self) -> String {
        crate::query::position_key(self.created_at, &self.id)
    }

    /// A copy to be changed and written back: stamped `now`, one version on.
    pub fn revise(&self, now: DateTime<FixedOffset>) -> Customer {
        Customer {
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        }
    }
}

/// A vehicle of a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Vehicle {
    pub id: String,
    pub id_customer: String,
    /// Display form, `B 1234 XYZ`; unique across the register's vehicles.
    pub nopol: String,
    pub model: String,
    /// The last visit to the workshop; the next service follows from it.
    pub last_visit: Option<NaiveDate>,
    #[serde(default)]
    pub kind: VehicleKind,
    /// Kilometres between services; `null`: the workshop's default for the kind.
    #[serde(default)]
    pub service_interval_km: Option<u32>,
    /// Months between services; `null`: the workshop's default for the kind.
    #[serde(default)]
    pub service_interval_months: Option<u32>,
    /// The latest odometer reading, of a visit or a reply.
    #[serde(default)]
    pub odometer_km: Option<u32>,
    /// The day of `odometer_km`.
    #[serde(default)]
    pub odometer_date: Option<NaiveDate>,
    /// The reading of the last visit, which the km rule counts from.
    #[serde(default)]
    pub service_odometer_km: Option<u32>,
    /// Kilometres per day over the last year of readings; `null` until two are 14 days apart.
    #[serde(default)]
    pub measured_km_per_day: Option<f64>,
    /// The next service as of the vehicle's last change: the day the reminders find it under.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
    #[serde(skip)]
    pub version: u64,
}

impl Vehicle {
    /// The uniqueness key of the plate, `B1234XYZ`.
    pub fn nopol_key(&self) -> String {
        crate::nopol::key(&self.nopol)
    }

    /// What its next service is reckoned from, with the workshop's defaults for its kind.
    pub fn due_inputs(&self, plan: &ServicePlan) -> DueInputs {
        let defaults = plan.of(self.kind);
        let latest = self.odometer_km.zip(self.odometer_date);
        DueInputs {
            last_visit: self.last_visit,
            service_km: self.service_odometer_km,
            latest: latest.map(|(km, on)| Reading { on, km }),
            measured_km_per_day: self.measured_km_per_day,
            interval_km: self.service_interval_km.unwrap_or(defaults.interval_km),
            interval_months: self
                .service_interval_months
                .unwrap_or(defaults.interval_months),
            default_km_per_day: defaults.km_per_day,
        }
    }

    /// The earlier of the date rule and the km rule.
    pub fn next_service(&self, plan: &ServicePlan) -> Option<NaiveDate> {
        self.due_inputs(plan).due().map(|(day, _)| day)
    }

    /// The vehicle with its readings, last visit's reading and pace taken from `visits` (all of
    /// its visits), and `due_on` set to what they make its next service.
    pub fn summarised(mut self, visits: &[Visit], plan: &ServicePlan) -> Vehicle {
        let mut readings: Vec<Reading> = visits
            .iter()
            .filter_map(|v| {
                v.odometer_km.map(|km| Reading {
                    on: v.visit_date,
                    km,
                })
            })
            .collect();
        readings.sort_by_key(|r| (r.on, r.km));
        let latest = readings.last();
        self.odometer_km = latest.map(|r| r.km);
        self.odometer_date = latest.map(|r| r.on);
        self.measured_km_per_day = pace(&readings);
        let services = visits.iter().filter(|v| v.source == VisitSource::Staff);
        let last_service = services.max_by_key(|v| (v.visit_date, v.odometer_km));
        if let Some(visit) = last_service {
            self.last_visit = self.last_visit.max(Some(visit.visit_date));
        }
        self.service_odometer_km = last_service
            .filter(|v| Some(v.visit_date) == self.last_visit)
            .and_then(|v| v.odometer_km);
        self.due_on = self.next_service(plan);
        self
    }

    pub fn revise(&self, now: DateTime<FixedOffset>) -> Vehicle {
        Vehicle {
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// The vehicle as the API shows it: with its next service by both rules, as of `today`.
    pub fn view(&self, plan: &ServicePlan, today: NaiveDate) -> VehicleView {
        VehicleView {
            vehicle: self.clone(),
            estimate: self.due_inputs(plan).estimate(today),
        }
    }
}

/// A vehicle as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Vehicle)]
pub struct VehicleView {
    #[serde(flatten)]
    #[schema(inline)]
    pub vehicle: Vehicle,
    #[serde(flatten)]
    #[schema(inline)]
    pub estimate: Estimate,
}

/// A customer with its vehicles, as one is created, imported and shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub customer: Customer,
    pub vehicles: Vec<Vehicle>,
    /// The visits the vehicles were registered with (a sheet's `Odometer` and `Tanggal
    /// Kunjungan`), stored with them.
    pub visits: Vec<Visit>,
}

/// A vehicle whose next service falls in a reminder window, with its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct DueVehicle {
    pub customer: Customer,
    pub vehicle: Vehicle,
}

/// Figures kept alongside the register so that its totals never read every item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegisterCounts {
    pub customers: u64,
    pub vehicles: u64,
}
