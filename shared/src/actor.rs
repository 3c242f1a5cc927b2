//! Who makes a request: the subject of its token, and the level of access its roles grant.

use serde::{Deserialize, Serialize};

/// How much a token may do. A higher level includes the lower ones.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Every reading route (the GETs).
    Read,
    /// Creating, changing and importing records, and sending.
    Staff,
    /// Deleting, resetting and restoring the report, starting and stopping the schedules.
    Admin,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Read, Level::Staff, Level::Admin];

    /// Its name as configuration, the document and the API spell it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Read => "read",
            Level::Staff => "staff",
            Level::Admin => "admin",
        }
    }

    /// The level named `name` (`read`, `staff`, `admin`).
    pub fn named(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|level| level.name() == name)
    }
}

/// The caller of a route: who (the token's `sub`) and what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub sub: String,
    pub level: Level,
}

/// The actor of the scheduled runs (the daily reminders, the monthly reset): no token, no person.
pub const SCHEDULE: &str = "jadwal";
