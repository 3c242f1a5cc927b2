//! Pacing: what keeps the workshop's number from being banned. Every message of every path
//! (but a STOP/MULAI confirmation, a reply the customer asked for) takes its place under the
//! daily and hourly limits, a reminder takes its record's or vehicle's cooldown, a custom
//! message its number's daily allowance; a run's messages leave at slots a random gap apart,
//! never in the quiet hours; and a run that meets a sick gateway stops (the brake).

pub mod model;
pub mod store;

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

pub use model::*;
pub use store::{PacingStore, Paused, Take};

use crate::clock::WorkshopClock;
use crate::store_error::StoreError;

/// Why a run leaves the rest of its reminders for the next run.
pub const DAILY_FULL: &str = "Kuota harian tercapai";
pub const HOURLY_FULL: &str = "Kuota per jam tercapai";
/// Why a message whose slot lies ahead waits when the provider cannot hold it until then.
pub const UNSCHEDULABLE: &str = "Provider WhatsApp ini tidak dapat menjadwalkan pesan";
/// Why runs stopped sending: the brake.
pub const BRAKE: &str = "Pengiriman dihentikan: gateway bermasalah";
/// Sends the brake looks back on, and how many of them may fail.
const BRAKE_WINDOW: usize = 10;
const BRAKE_FAILURES: usize = 5;
/// How long a counter is kept after its window ends (DynamoDB's TTL removes it later).
const COUNTER_KEPT: Duration = Duration::days(2);
/// A slot this close to now is sent now, not scheduled.
const NOW_SLACK: Duration = Duration::seconds(1);

/// Pacing's service: its store, its settings, the workshop's clock and the source of gaps.
#[derive(Clone, Copy)]
pub struct Pacing<'a> {
    pub store: &'a dyn PacingStore,
    pub settings: &'a PacingSettings,
    pub time: &'a WorkshopClock,
    pub jitter: &'a dyn Jitter,
    /// Whether the provider holds a message until its slot (StarSender, the outbox). One that
    /// cannot (the Cloud API) sends only what may leave now: its lanes have no gaps, and a
    /// message whose slot lies ahead (the quiet hours, a full hour) waits.
    pub schedules: bool,
}

/// What one message asks of the limits.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    /// When it would leave.
    pub slot: DateTime<Utc>,
    /// The record's or vehicle's cooldown it takes (a reminder).
    pub cooldown: Option<&'a str>,
    /// The number whose daily allowance of custom messages it takes.
    pub custom_to: Option<&'a str>,
}

/// A message's place under the limits, given back if it is known not to have left.
#[derive(Debug, Clone, PartialEq)]
pub struct Permit {
    pub slot: DateTime<Utc>,
    takes: Vec<Take>,
}

impl Permit {
    /// The slot to hand to the gateway, when it lies ahead of `now`; `None`: send now.
    pub fn schedule(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.slot > now + NOW_SLACK).then_some(self.slot)
    }
}

/// Which limit refused a message, and when it could go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Daily {
        retry_at: DateTime<Utc>,
    },
    Hourly {
        retry_at: DateTime<Utc>,
    },
    /// The number's custom messages of the day.
    PerNumber {
        retry_at: DateTime<Utc>,
    },
    /// The record or vehicle was reminded within the cooldown.
    Cooldown {
        retry_at: DateTime<Utc>,
    },
    /// Its slot lies ahead, and the provider cannot hold it until then.
    Unschedulable {
        retry_at: DateTime<Utc>,
    },
}

/// A refusal as a 429 tells it: an Indonesian sentence and `Retry-After` in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttled {
    pub detail: String,
    pub retry_after: u64,
}

impl Refusal {
    pub fn retry_at(&self) -> DateTime<Utc> {
        match *self {
            Refusal::Daily { retry_at }
            | Refusal::Hourly { retry_at }
            | Refusal::PerNumber { retry_at }
            | Refusal::Cooldown { retry_at }
            | Refusal::Unschedulable { retry_at } => retry_at,
        }
    }

    /// The reason on a run's line.
    pub fn reason(&self, limits: &Limits) -> String {
        match self {
            Refusal::Daily { .. } => DAILY_FULL.into(),
            Refusal::Hourly { .. } => HOURLY_FULL.into(),
            Refusal::PerNumber { .. } => "Kuota pesan custom per nomor tercapai".into(),
            Refusal::Cooldown { .. } => cooldown_reason(limits),
            Refusal::Unschedulable { .. } => {
                format!("{UNSCHEDULABLE}; dikirim pada run berikutnya")
            }
        }
    }

    /// The 429 of this refusal at `now`.
    pub fn throttled(&self, limits: &Limits, now: DateTime<Utc>) -> Throttled {
        let seconds = (self.retry_at() - now).num_seconds().max(1);
        let wait = wait_text(seconds);
        let detail = match self {
            Refusal::Daily { .. } => format!(
                "{DAILY_FULL}: nomor bengkel sudah mengirim {} pesan hari ini. Coba lagi {wait}",
                limits.daily
            ),
            Refusal::Hourly { .. } => format!(
                "{HOURLY_FULL}: nomor bengkel sudah mengirim {} pesan dalam jam ini. Coba lagi \
                 {wait}",
                limits.hourly
            ),
            Refusal::PerNumber { .. } => format!(
                "Nomor ini sudah menerima {} pesan custom hari ini. Coba lagi {wait}",
                limits.custom_per_number
            ),
            Refusal::Cooldown { .. } => format!(
                "{}; reminder berikutnya bisa dikirim {wait}",
                cooldown_reason(limits)
            ),
            // A single message's slot lies ahead only in the quiet hours.
            Refusal::Unschedulable { .. } => format!(
                "Jam tenang: tidak ada pesan yang dikirim malam hari, dan provider WhatsApp ini \
                 tidak dapat menjadwalkannya. Coba lagi {wait}"
            ),
        };
        Throttled {
            detail,
            retry_after: seconds as u64,
        }
    }
}

/// `Sudah diingatkan dalam 24 jam terakhir`, with the configured hours.
pub fn cooldown_reason(limits: &Limits) -> String {
    format!(
        "Sudah diingatkan dalam {} jam terakhir",
        limits.cooldown_hours
    )
}

/// `dalam 5 menit`, `dalam 3 jam`, as a person says it.
fn wait_text(seconds: i64) -> String {
    match seconds {
        ..60 => format!("dalam {seconds} detik"),
        60..3600 => format!("dalam {} menit", (seconds + 59) / 60),
        _ => format!("dalam {} jam", (seconds + 3599) / 3600),
    }
}

/// What the workshop's number has used of its limits now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub sent_today: u32,
    pub left_today: u32,
    pub sent_this_hour: u32,
}

impl Pacing<'_> {
    fn zone(&self) -> chrono_tz::Tz {
        self.time.zone()
    }

    /// The first instant a message asked for now may leave: now, or the end of the quiet
    /// hours.
    pub fn first_slot(&self) -> DateTime<Utc> {
        self.settings.allowed_from(self.time.instant(), self.zone())
    }

    /// A run's lane, starting at the first allowed instant.
    pub fn lane(&self) -> Lane {
        Lane::starting(self.settings, self.time.instant(), self.zone())
    }

    /// The next slot of `lane`: a random gap on, or, for a provider that cannot schedule, the
    /// lane's first allowed instant again.
    pub fn next_slot(&self, lane: &mut Lane) -> DateTime<Utc> {
        if self.schedules {
            lane.take(self.settings, self.jitter, self.zone())
        } else {
            lane.peek()
        }
    }

    /// Moves `lane` past an hour that is full.
    pub fn skip_hour(&self, lane: &mut Lane) {
        lane.skip_hour(self.settings, self.zone());
    }

    /// Takes the message's place under every limit it falls under, or says which refused.
    pub async fn admit(&self, ask: &Ask<'_>) -> Result<Result<Permit, Refusal>, StoreError> {
        let now = self.time.instant();
        if !self.schedules && ask.slot > now + NOW_SLACK {
            return Ok(Err(Refusal::Unschedulable { retry_at: ask.slot }));
        }
        let (zone, limits) = (self.zone(), &self.settings.limits);
        let day = Window::day(ask.slot, zone);
        let day_end = Window::day_end(ask.slot, zone);
        let hour_end = Window::hour_end(ask.slot, zone);
        let mut takes = vec![
            Take::Count {
                key: format!("day#{day}"),
                limit: limits.daily,
                expires_at: day_end + COUNTER_KEPT,
            },
            Take::Count {
                key: format!("hour#{}", Window::hour(ask.slot, zone)),
                limit: limits.hourly,
                expires_at: hour_end + COUNTER_KEPT,
            },
        ];
        if let Some(no_hp) = ask.custom_to {
            takes.push(Take::Count {
                key: format!("custom#{no_hp}#{day}"),
                limit: limits.custom_per_number,
                expires_at: day_end + COUNTER_KEPT,
            });
        }
        if let Some(subject) = ask.cooldown {
            takes.push(Take::Hold {
                key: format!("cooldown#{subject}"),
                until: ask.slot + Duration::hours(i64::from(limits.cooldown_hours)),
            });
        }
        let Some(full) = self.store.take(&takes, now).await? else {
            return Ok(Ok(Permit {
                slot: ask.slot,
                takes,
            }));
        };
        let allowed = |at| self.settings.allowed_from(at, zone);
        Ok(Err(match &takes[full] {
            Take::Count { key, .. } if key.starts_with("day#") => Refusal::Daily {
                retry_at: allowed(day_end),
            },
            Take::Count { key, .. } if key.starts_with("hour#") => Refusal::Hourly {
                retry_at: allowed(hour_end),
            },
            Take::Count { .. } => Refusal::PerNumber {
                retry_at: allowed(day_end),
            },
            Take::Hold { key, .. } => Refusal::Cooldown {
                retry_at: self.store.held_until(key).await?.map_or(now, allowed),
            },
        }))
    }

    /// Gives a permit back: its message is known not to have left.
    pub async fn give_back(&self, permit: &Permit) {
        if let Err(e) = self.store.give_back(&permit.takes).await {
            // Kept, the permit only makes the limits stricter until its window ends.
            tracing::error!(error = %e, "pacing permit not given back");
        }
    }

    /// The number's use of today's and this hour's limits.
    pub async fn usage(&self) -> Result<Usage, StoreError> {
        let (now, zone) = (self.time.instant(), self.zone());
        let keys = [
            format!("day#{}", Window::day(now, zone)),
            format!("hour#{}", Window::hour(now, zone)),
        ];
        let counts = self.store.counters(&keys).await?;
        let (today, hour) = (counts[0], counts[1]);
        Ok(Usage {
            sent_today: today,
            left_today: self.settings.limits.daily.saturating_sub(today),
            sent_this_hour: hour,
        })
    }

    /// Why a reminder of `subject` would wait: its cooldown standing now.
    pub async fn cooling(&self, subject: &str) -> Result<Option<String>, StoreError> {
        let until = self
            .store
            .held_until(&format!("cooldown#{subject}"))
            .await?;
        let now = self.time.instant();
        Ok(until
            .filter(|until| *until > now)
            .map(|_| cooldown_reason(&self.settings.limits)))
    }

    pub async fn paused(&self) -> Result<Option<Paused>, StoreError> {
        self.store.paused().await
    }

    /// Stops the runs with `reason` (the brake).
    pub async fn pause(&self, reason: &str) {
        let paused = Paused {
            reason: reason.to_string(),
            at: self.time.now(),
        };
        tracing::error!(reason, "sending paused by the brake");
        if let Err(e) = self.store.pause(&paused).await {
            tracing::error!(error = %e, "the brake could not be stored");
        }
    }

    pub async fn resume(&self) -> Result<(), StoreError> {
        self.store.resume().await
    }
}

/// A run's brake: stops it when the gateway says its device is disconnected, or when more
/// than 5 of the last 10 sends failed.
#[derive(Debug, Default)]
pub struct Brake {
    recent: VecDeque<bool>,
}

impl Brake {
    /// Notes one send (`failure`: why it failed); the reason to stop, once it must.
    pub fn note(&mut self, failure: Option<&str>) -> Option<String> {
        if self.recent.len() == BRAKE_WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(failure.is_some());
        let failed = self.recent.iter().filter(|f| **f).count();
        if failure.is_some_and(disconnected) {
            Some(format!("{BRAKE} (perangkat WhatsApp tidak tersambung)"))
        } else if failed > BRAKE_FAILURES {
            Some(format!(
                "{BRAKE} ({failed} dari {} pengiriman terakhir gagal)",
                self.recent.len()
            ))
        } else {
            None
        }
    }
}

/// Whether a gateway's refusal says its device is not connected.
pub fn disconnected(reason: &str) -> bool {
    let reason = reason.to_lowercase();
    reason.contains("not connected") || reason.contains("disconnected")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_brake_holds_at_five_failures_in_ten_and_stops_at_six() {
        let mut brake = Brake::default();
        for _ in 0..4 {
            assert_eq!(brake.note(None), None);
        }
        for _ in 0..5 {
            assert_eq!(brake.note(Some("Gateway menjawab HTTP 500")), None);
        }
        assert_eq!(brake.note(None), None);
        let stopped = brake.note(Some("Gateway menjawab HTTP 500")).unwrap();
        assert!(stopped.starts_with(BRAKE), "{stopped}");
        assert!(stopped.contains("6 dari 10"), "{stopped}");
    }

    #[test]
    fn the_brake_stops_at_once_on_a_disconnected_device() {
        let mut brake = Brake::default();
        let stopped = brake.note(Some("Gateway menolak pesan: Device not connected"));
        assert!(stopped.is_some_and(|r| r.starts_with(BRAKE)));
    }

    #[test]
    fn a_wait_is_said_in_seconds_minutes_or_hours() {
        assert_eq!(wait_text(30), "dalam 30 detik");
        assert_eq!(wait_text(61), "dalam 2 menit");
        assert_eq!(wait_text(7200), "dalam 2 jam");
    }
}
