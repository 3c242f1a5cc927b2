//! A vehicle's logbook: recording and removing its visits, and the readings its owner sends by
//! reply. Each write moves the vehicle's summary (last visit, readings, pace, `due_on`) with it.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use uuid::Uuid;

use super::input::{NewVisit, VisitPage};
use super::plan::{Reading, format_km};
use super::reading::{parse_reading, plausible};
use super::service::RegisterError;
use super::{Register, Vehicle, VehicleView, Visit, VisitSource};
use crate::answer::fit_page;
use crate::query::encode_cursor;
use crate::store_error::{StoreError, retry_while_stale};

/// A page of a vehicle's visits, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VisitList {
    /// Every visit of the vehicle, whatever the page.
    pub total: usize,
    pub data: Vec<Visit>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A recorded visit with the vehicle as it stands after it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VisitRecorded {
    #[serde(flatten)]
    pub visit: Visit,
    pub vehicle: VehicleView,
}

/// The reading among `visits` that `visit`'s contradicts, in the caller's words: a higher one
/// on an earlier (or the same) day, or a lower one on a later day.
fn backwards(visit: &Visit, visits: &[Visit]) -> Option<String> {
    let km = visit.odometer_km?;
    let said = |other: &Visit, than: &str| {
        let other_km = other.odometer_km.unwrap_or_default();
        format!(
            "Odometer {} km pada {} lebih {than} dari {} km pada kunjungan {}",
            format_km(km),
            visit.visit_date,
            format_km(other_km),
            other.visit_date
        )
    };
    let read = visits.iter().filter(|v| v.odometer_km.is_some());
    for other in read {
        let other_km = other.odometer_km.unwrap_or_default();
        if other.visit_date <= visit.visit_date && other_km > km {
            return Some(said(other, "rendah"));
        }
        if other.visit_date > visit.visit_date && other_km < km {
            return Some(said(other, "tinggi"));
        }
    }
    None
}

/// What a conditional write means to `retry_while_stale`: done, or try again when `Stale`.
fn settled<T>(outcome: Result<(), StoreError>, value: T) -> Result<Option<T>, RegisterError> {
    match outcome {
        Ok(()) => Ok(Some(value)),
        Err(StoreError::Stale) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

impl Register<'_> {
    /// `POST …/visits`: refused when the day is still to come or the reading goes back.
    pub async fn add_visit(
        &self,
        customer_id: &str,
        vehicle_id: &str,
        new: NewVisit,
    ) -> Result<VisitRecorded, RegisterError> {
        if new.visit_date > self.time.today() {
            return Err(RegisterError::FutureVisit(new.visit_date));
        }
        retry_while_stale(|| async {
            let current = self.vehicle(customer_id, vehicle_id).await?;
            let now = self.time.now();
            let visit = new.clone().into_visit(&current, VisitSource::Staff, now);
            self.record(&current, visit, now).await
        })
        .await
    }

    /// Stores `visit` of `current` with the vehicle's new summary; `None` when it moved.
    async fn record(
        &self,
        current: &Vehicle,
        visit: Visit,
        now: DateTime<FixedOffset>,
    ) -> Result<Option<VisitRecorded>, RegisterError> {
        let mut visits = self
            .store
            .visits_of(&current.id_customer, &current.id)
            .await?;
        if let Some(why) = backwards(&visit, &visits) {
            return Err(RegisterError::OdometerBackwards(why));
        }
        visits.push(visit.clone());
        let next = current.revise(now).summarised(&visits, &self.plan);
        let outcome = self.store.insert_visit(current, &next, &visit).await;
        let vehicle = self.vehicle_view(&next);
        settled(outcome, VisitRecorded { visit, vehicle })
    }

    /// `GET …/visits`: newest first (by day, then as recorded), a page at a time.
    pub async fn visits(
        &self,
        customer_id: &str,
        vehicle_id: &str,
        page: &VisitPage,
    ) -> Result<VisitList, RegisterError> {
        self.vehicle(customer_id, vehicle_id).await?;
        let mut visits = self.store.visits_of(customer_id, vehicle_id).await?;
        let total = visits.len();
        visits.sort_by_key(|v| std::cmp::Reverse(v.list_key()));
        let after = page.after.as_deref();
        let mut rest: Vec<Visit> = visits
            .into_iter()
            .filter(|v| after.is_none_or(|after| v.list_key().as_str() < after))
            .collect();
        let more = rest.len() > page.limit;
        rest.truncate(page.limit);
        let next_after = more.then(|| rest.last().map(Visit::list_key)).flatten();
        let (data, next_after) = fit_page(rest, next_after, Visit::list_key);
        Ok(VisitList {
            total,
            data,
            next_cursor: next_after.as_deref().map(encode_cursor),
        })
    }

    /// `DELETE …/visits/{visit_id}`: the vehicle's summary follows the visits left; its last
    /// visit goes back to the latest one left when it was this visit's day.
    pub async fn delete_visit(
        &self,
        customer_id: &str,
        vehicle_id: &str,
        visit_id: &str,
    ) -> Result<(), RegisterError> {
        if Uuid::parse_str(visit_id).is_err() {
            return Err(RegisterError::VisitNotFound);
        }
        retry_while_stale(|| async {
            let current = self.vehicle(customer_id, vehicle_id).await?;
            let mut visits = self.store.visits_of(customer_id, vehicle_id).await?;
            let at = visits.iter().position(|v| v.id == visit_id);
            let visit = visits.remove(at.ok_or(RegisterError::VisitNotFound)?);
            let mut next = current.revise(self.time.now());
            if visit.source == VisitSource::Staff && next.last_visit == Some(visit.visit_date) {
                next.last_visit = None;
            }
            let next = next.summarised(&visits, &self.plan);
            settled(self.store.delete_visit(&current, &next, &visit).await, ())
        })
        .await
    }

    /// A WhatsApp reply from `sender` (normalised, `628…`) that may be an odometer reading:
    /// recorded (`source: "reply"`) for the owner's vehicle when it is a plausible reading of
    /// exactly one of the sender's vehicles. `false`: not taken, for the inbox.
    pub async fn record_reply_reading(
        &self,
        sender: &str,
        text: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<bool, RegisterError> {
        let Some(km) = parse_reading(text) else {
            return Ok(false);
        };
        let on = now.date_naive();
        let mut fits = Vec::new();
        for owner in self.store.customers_with_phone(sender).await? {
            let vehicles = self.store.vehicles_of(&owner.id).await?;
            fits.extend(vehicles.into_iter().filter(|v| {
                let last = v.odometer_km.zip(v.odometer_date);
                plausible(km, on, last.map(|(km, on)| Reading { on, km }))
            }));
        }
        // A reading that could be of either of two vehicles is a person's to place.
        let [vehicle] = fits.as_slice() else {
            return Ok(false);
        };
        // The same reading on the same day is this reply delivered again: taken, once.
        if vehicle.odometer_km == Some(km) && vehicle.odometer_date == Some(on) {
            return Ok(true);
        }
        let reading = NewVisit {
            visit_date: on,
            odometer_km: Some(km),
            work: None,
            notes: None,
        };
        let recorded = retry_while_stale(|| async {
            let current = self.vehicle(&vehicle.id_customer, &vehicle.id).await?;
            let visit = reading
                .clone()
                .into_visit(&current, VisitSource::Reply, now);
            self.record(&current, visit, now).await
        })
        .await;
        match recorded {
            Ok(_) => Ok(true),
            // Moved meanwhile past this reading: it is no longer one.
            Err(RegisterError::OdometerBackwards(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
