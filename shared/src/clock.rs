//! Time, in the workshop's zone. Behind a trait so tests can stand on any day.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, SubsecRound, Utc};
use chrono_tz::Tz;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still at a given instant (tests).
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A clock read in the workshop's zone: what every service asks "now" and "today" of.
#[derive(Clone)]
pub struct WorkshopClock {
    clock: Arc<dyn Clock>,
    zone: Tz,
}

impl WorkshopClock {
    pub fn new(clock: Arc<dyn Clock>, zone: Tz) -> Self {
        WorkshopClock { clock, zone }
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The instant, in UTC.
    pub fn instant(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Now, to the second, in the workshop's zone: the form every timestamp is stored and shown in.
    pub fn now(&self) -> DateTime<FixedOffset> {
        self.now_to(0)
    }

    /// Now, to the millisecond, in the workshop's zone: for logs, where order within a second matters.
    pub fn now_precise(&self) -> DateTime<FixedOffset> {
        self.now_to(3)
    }

    fn now_to(&self, subsec_digits: u16) -> DateTime<FixedOffset> {
        let local = self.clock.now().with_timezone(&self.zone);
        local.fixed_offset().trunc_subsecs(subsec_digits)
    }

    /// Today in the workshop's zone.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}
