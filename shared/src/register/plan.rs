//! When a vehicle is due: by date (months after its last visit) or by kilometres (its interval
//! past the odometer of that visit, reached at the pace its readings show), whichever comes
//! first.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Readings further back than this from the latest one do not count towards the pace.
const PACE_WINDOW_DAYS: u64 = 365;
/// The shortest span between two readings that gives a pace; closer ones are noise.
pub const PACE_MIN_DAYS: i64 = 14;

/// What a vehicle is: the workshop's intervals and the default pace follow from it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VehicleKind {
    Motor,
    #[default]
    Mobil,
}

impl VehicleKind {
    pub const ALL: [VehicleKind; 2] = [VehicleKind::Motor, VehicleKind::Mobil];

    pub fn name(self) -> &'static str {
        match self {
            VehicleKind::Motor => "motor",
            VehicleKind::Mobil => "mobil",
        }
    }

    pub fn named(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// The workshop's defaults for one kind of vehicle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindPlan {
    pub interval_km: u32,
    pub interval_months: u32,
    /// The pace assumed until a vehicle's readings give its own.
    pub km_per_day: f64,
}

/// The workshop's defaults per kind (`SERVICE_INTERVAL_KM_MOTOR` and so on).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServicePlan {
    pub motor: KindPlan,
    pub mobil: KindPlan,
}

impl Default for ServicePlan {
    fn default() -> Self {
        ServicePlan {
            motor: KindPlan {
                interval_km: 2000,
                interval_months: 4,
                km_per_day: 40.0,
            },
            mobil: KindPlan {
                interval_km: 5000,
                interval_months: 4,
                km_per_day: 35.0,
            },
        }
    }
}

impl ServicePlan {
    pub fn of(&self, kind: VehicleKind) -> &KindPlan {
        match kind {
            VehicleKind::Motor => &self.motor,
            VehicleKind::Mobil => &self.mobil,
        }
    }

    /// The same months for both kinds, as `SERVICE_INTERVAL_MONTHS` sets them.
    pub fn with_months(mut self, months: u32) -> Self {
        self.motor.interval_months = months;
        self.mobil.interval_months = months;
        self
    }
}

/// One odometer reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub on: NaiveDate,
    pub km: u32,
}

/// Kilometres per day over the readings of the last year before the latest one, or `None` when
/// that year holds no two readings [`PACE_MIN_DAYS`] apart. `readings` in date order.
pub fn pace(readings: &[Reading]) -> Option<f64> {
    let last = readings.last()?;
    let since = last.on.checked_sub_days(Days::new(PACE_WINDOW_DAYS))?;
    let first = readings.iter().find(|r| r.on >= since)?;
    let days = (last.on - first.on).num_days();
    (days >= PACE_MIN_DAYS).then(|| f64::from(last.km.saturating_sub(first.km)) / days as f64)
}

/// Which rule makes a vehicle due first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DueReason {
    /// Months since the last visit.
    Tanggal,
    /// The kilometres the estimate reaches.
    Kilometer,
}

/// What a vehicle's next service is reckoned from: its last visit and the odometer then, its
/// latest reading, its measured pace, and its intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DueInputs {
    pub last_visit: Option<NaiveDate>,
    /// The reading of the last visit: the km rule counts from it.
    pub service_km: Option<u32>,
    pub latest: Option<Reading>,
    pub measured_km_per_day: Option<f64>,
    pub interval_km: u32,
    pub interval_months: u32,
    pub default_km_per_day: f64,
}

/// A vehicle's next service by both rules, as the API shows it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Estimate {
    /// The pace the estimate uses: measured, or the kind's default.
    pub km_per_day: f64,
    /// The latest reading moved on by the pace to today; `null` without a reading.
    pub estimated_odometer_km: Option<u32>,
    /// The last visit's reading plus the interval; `null` when that visit has no reading.
    pub next_service_km: Option<u32>,
    /// The day the estimate reaches `next_service_km`.
    pub next_service_by_km: Option<NaiveDate>,
    /// The earlier of the date rule and the km rule.
    pub next_service: Option<NaiveDate>,
    pub due_reason: Option<DueReason>,
}

impl DueInputs {
    pub fn km_per_day(&self) -> f64 {
        self.measured_km_per_day.unwrap_or(self.default_km_per_day)
    }

    /// `last_visit + months`; the end of a shorter month stands for a day past its end.
    pub fn by_date(&self) -> Option<NaiveDate> {
        next_service(self.last_visit?, self.interval_months)
    }

    pub fn next_service_km(&self) -> Option<u32> {
        self.service_km?.checked_add(self.interval_km)
    }

    /// The day the latest reading, moved on at the pace, reaches `next_service_km`.
    pub fn by_km(&self) -> Option<NaiveDate> {
        let target = self.next_service_km()?;
        let latest = self.latest?;
        let pace = self.km_per_day();
        if target <= latest.km {
            return Some(latest.on);
        }
        if pace <= 0.0 {
            return None;
        }
        let days = (f64::from(target - latest.km) / pace).ceil() as u64;
        latest.on.checked_add_days(Days::new(days))
    }

    /// The next service and which rule set it; the date rule wins a tie.
    pub fn due(&self) -> Option<(NaiveDate, DueReason)> {
        match (self.by_date(), self.by_km()) {
            (Some(date), Some(km)) if km < date => Some((km, DueReason::Kilometer)),
            (Some(date), _) => Some((date, DueReason::Tanggal)),
            (None, Some(km)) => Some((km, DueReason::Kilometer)),
            (None, None) => None,
        }
    }

    pub fn estimate(&self, today: NaiveDate) -> Estimate {
        let pace = self.km_per_day();
        let estimated = self.latest.map(|r| {
            let days = (today - r.on).num_days().max(0) as f64;
            (f64::from(r.km) + pace * days)
                .round()
                .min(f64::from(u32::MAX)) as u32
        });
        let due = self.due();
        Estimate {
            km_per_day: (pace * 10.0).round() / 10.0,
            estimated_odometer_km: estimated,
            next_service_km: self.next_service_km(),
            next_service_by_km: self.by_km(),
            next_service: due.map(|(day, _)| day),
            due_reason: due.map(|(_, reason)| reason),
        }
    }
}

/// Kilometres as Indonesians write them: `23.450`.
pub fn format_km(km: u32) -> String {
    let digits = km.to_string();
    let mut text = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push('.');
        }
        text.push(digit);
    }
    text
}

pub fn next_service(last_visit: NaiveDate, months: u32) -> Option<NaiveDate> {
    last_visit.checked_add_months(Months::new(months))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn reading(on: &str, km: u32) -> Reading {
        Reading { on: date(on), km }
    }

    fn inputs(readings: &[Reading]) -> DueInputs {
        let mobil = ServicePlan::default().mobil;
        DueInputs {
            last_visit: readings.first().map(|r| r.on),
            service_km: readings.first().map(|r| r.km),
            latest: readings.last().copied(),
            measured_km_per_day: pace(readings),
            interval_km: mobil.interval_km,
            interval_months: mobil.interval_months,
            default_km_per_day: mobil.km_per_day,
        }
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
    }

    #[test]
    fn one_reading_gives_no_pace_and_the_default_is_used() {
        let one = [reading("2026-01-01", 10_000)];
        assert_eq!(pace(&one), None);
        let estimate = inputs(&one).estimate(date("2026-01-11"));
        assert_eq!(estimate.km_per_day, 35.0);
        assert_eq!(estimate.estimated_odometer_km, Some(10_350));
        assert_eq!(estimate.next_service_km, Some(15_000));
        // 5,000 km at 35 km a day: 143 days, after the date rule's four months.
        assert_eq!(estimate.next_service_by_km, Some(date("2026-05-24")));
        assert_eq!(estimate.next_service, Some(date("2026-05-01")));
        assert_eq!(estimate.due_reason, Some(DueReason::Tanggal));
    }

    #[test]
    fn two_readings_13_days_apart_give_no_pace_14_days_do() {
        let near = [reading("2026-01-01", 10_000), reading("2026-01-14", 11_300)];
        assert_eq!(pace(&near), None);
        let far = [reading("2026-01-01", 10_000), reading("2026-01-15", 11_400)];
        assert_eq!(pace(&far), Some(100.0));
        let estimate = inputs(&far).estimate(date("2026-01-15"));
        // 3,600 km left at 100 km a day: 36 days after the latest reading.
        assert_eq!(estimate.next_service_by_km, Some(date("2026-02-20")));
        assert_eq!(estimate.next_service, Some(date("2026-02-20")));
        assert_eq!(estimate.due_reason, Some(DueReason::Kilometer));
    }

    #[test]
    fn the_pace_counts_only_the_last_year_of_readings() {
        let history = [
            reading("2024-01-01", 0),
            reading("2025-01-01", 30_000),
            reading("2025-07-02", 33_620),
            reading("2026-01-01", 37_300),
        ];
        // From 2025-01-01 (365 days before the latest) on: 7,300 km in 365 days.
        assert_eq!(pace(&history), Some(20.0));
    }

    #[test]
    fn a_reading_past_the_target_is_due_on_its_day() {
        let estimate = DueInputs {
            latest: Some(reading("2026-02-01", 16_000)),
            ..inputs(&[reading("2026-01-01", 10_000)])
        };
        assert_eq!(estimate.by_km(), Some(date("2026-02-01")));
    }

    #[test]
    fn without_a_reading_only_the_date_rule_counts() {
        let bare = DueInputs {
            service_km: None,
            latest: None,
            ..inputs(&[reading("2026-01-01", 0)])
        };
        assert_eq!(bare.due(), Some((date("2026-05-01"), DueReason::Tanggal)));
    }

    #[test]
    fn kilometres_are_grouped_by_thousands_with_dots() {
        assert_eq!(format_km(0), "0");
        assert_eq!(format_km(980), "980");
        assert_eq!(format_km(23_450), "23.450");
        assert_eq!(format_km(1_234_567), "1.234.567");
    }

    #[test]
    fn kinds_are_named_as_the_sheet_writes_them() {
        assert_eq!(VehicleKind::named(" Motor "), Some(VehicleKind::Motor));
        assert_eq!(VehicleKind::named("mobil"), Some(VehicleKind::Mobil));
        assert_eq!(VehicleKind::named("truk"), None);
    }
}
