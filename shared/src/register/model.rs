//! The workshop's own customer register: customers and the vehicles they bring in.

use chrono::{DateTime, FixedOffset, Months, NaiveDate};
use serde::{Deserialize, Serialize};

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

    /// `last_visit + months`; the end of a shorter month stands for a day past its end
    /// (31 October + 4 months is 28 February).
    pub fn next_service(&self, months: u32) -> Option<NaiveDate> {
        next_service(self.last_visit?, months)
    }

    pub fn revise(&self, now: DateTime<FixedOffset>) -> Vehicle {
        Vehicle {
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// The vehicle as the API shows it: with its next service.
    pub fn view(&self, months: u32) -> VehicleView {
        VehicleView {
            vehicle: self.clone(),
            next_service: self.next_service(months),
        }
    }
}

pub fn next_service(last_visit: NaiveDate, months: u32) -> Option<NaiveDate> {
    last_visit.checked_add_months(Months::new(months))
}

/// A vehicle as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VehicleView {
    #[serde(flatten)]
    pub vehicle: Vehicle,
    /// `last_visit` plus the service interval; `null` without a last visit.
    pub next_service: Option<NaiveDate>,
}

/// A customer with its vehicles, as one is created, imported and shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub customer: Customer,
    pub vehicles: Vec<Vehicle>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_next_service_is_months_after_the_last_visit() {
        assert_eq!(
            next_service(date("2025-09-15"), 4),
            Some(date("2026-01-15"))
        );
        assert_eq!(
            next_service(date("2025-10-31"), 4),
            Some(date("2026-02-28"))
        );
        assert_eq!(
            next_service(date("2025-12-01"), 6),
            Some(date("2026-06-01"))
        );
    }
}
