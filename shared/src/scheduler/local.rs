//! The local server's schedules: a task in the process per [`Job`] that, while enabled, sleeps
//! until the next run of the expression and then runs the job. Disabled until started; the
//! state is kept in a small file in the data folder, so it survives a restart.

use std::path::{Path, PathBuf};
use std::sync::Weak;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

use super::schedule::{
    Job, LOCAL_RUN_BUDGET, Runner, ScheduleControl, ScheduleError, ScheduleState, next_run_of,
};

/// The file, in the data folder, that keeps whether the reminder schedule is enabled.
pub const STATE_FILE: &str = "scheduler.json";
/// Likewise for the monthly report reset.
pub const REPORT_RESET_STATE_FILE: &str = "report-reset-scheduler.json";

fn state_file(job: Job) -> &'static str {
    match job {
        Job::DailyReminders => STATE_FILE,
        Job::MonthlyReportReset => REPORT_RESET_STATE_FILE,
        Job::DeliveryPoll => "delivery-poll-scheduler.json",
    }
}

#[derive(Serialize, Deserialize)]
struct Saved {
    enabled: bool,
}

pub struct LocalSchedule {
    job: Job,
    expression: String,
    zone: Tz,
    /// Where the state is kept; none: in memory only (tests, and apps that never start it).
    file: Option<PathBuf>,
    /// The state, watched by the task.
    enabled: watch::Sender<bool>,
    /// One switch at a time, so the file and the state agree.
    switching: Mutex<()>,
}

impl LocalSchedule {
    /// A disabled reminder schedule that forgets its state on exit.
    pub fn in_memory(zone: Tz) -> Self {
        Self::in_memory_for(Job::DailyReminders, zone)
    }

    /// A disabled schedule of `job` that forgets its state on exit.
    pub fn in_memory_for(job: Job, zone: Tz) -> Self {
        LocalSchedule {
            job,
            expression: job.default_expression().to_string(),
            zone,
            file: None,
            enabled: watch::Sender::new(false),
            switching: Mutex::new(()),
        }
    }

    /// The reminder schedule kept in `data_dir/scheduler.json`: as it was left, disabled if
    /// never started.
    pub fn open(data_dir: &Path, zone: Tz) -> Result<Self, ScheduleError> {
        Self::open_for(Job::DailyReminders, data_dir, zone)
    }

    /// The schedule of `job` kept in its file in `data_dir`.
    pub fn open_for(job: Job, data_dir: &Path, zone: Tz) -> Result<Self, ScheduleError> {
        let file = data_dir.join(state_file(job));
        let enabled = match std::fs::read(&file) {
            Ok(bytes) => {
                serde_json::from_slice::<Saved>(&bytes)
                    .map_err(|e| {
                        ScheduleError::Failed(format!(
                            "{}: {e}; delete it to reset the schedule",
                            file.display()
                        ))
                    })?
                    .enabled
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(ScheduleError::Failed(format!("{}: {e}", file.display()))),
        };
        Ok(LocalSchedule {
            file: Some(file),
            enabled: watch::Sender::new(enabled),
            ..Self::in_memory_for(job, zone)
        })
    }

    fn state(&self) -> ScheduleState {
        ScheduleState {
            enabled: *self.enabled.borrow(),
            expression: self.expression.clone(),
            timezone: self.zone.name().to_string(),
        }
    }

    /// Starts the task that runs the job while the schedule is enabled. It holds the app
    /// weakly (the app holds this schedule) and ends when the app or this schedule is gone.
    pub fn spawn<R: Runner>(&self, app: Weak<R>) -> JoinHandle<()> {
        tokio::spawn(run_schedule(
            app,
            self.job,
            self.enabled.subscribe(),
            self.state(),
        ))
    }
}

/// Writes the state through a temporary file, so a crash never leaves half a file.
fn save(file: &Path, enabled: bool) -> Result<(), ScheduleError> {
    let failed = |e: std::io::Error| ScheduleError::Failed(format!("{}: {e}", file.display()));
    let partial = file.with_extension("json.partial");
    let text = serde_json::json!(Saved { enabled }).to_string();
    // A few bytes on the local disk: blocking the runtime for it is not worth a thread hop.
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    std::fs::write(&partial, text).map_err(failed)?;
    std::fs::rename(&partial, file).map_err(failed)
}

#[async_trait]
impl ScheduleControl for LocalSchedule {
    async fn status(&self) -> Result<ScheduleState, ScheduleError> {
        Ok(self.state())
    }

    async fn set_enabled(&self, enabled: bool) -> Result<ScheduleState, ScheduleError> {
        let _one_at_a_time = self.switching.lock().await;
        if let Some(file) = &self.file {
            save(file, enabled)?;
        }
        if self.enabled.send_replace(enabled) != enabled {
            tracing::info!(enabled, job = self.job.name(), "local schedule switched");
        }
        Ok(self.state())
    }
}

/// The task: while enabled, sleep until the next run and run; a switch wakes it to look again.
async fn run_schedule<R: Runner>(
    app: Weak<R>,
    job: Job,
    mut enabled: watch::Receiver<bool>,
    mut state: ScheduleState,
) {
    // The run just made: the next one is computed after it, even if the clock stands still.
    let mut last_run: Option<DateTime<Utc>> = None;
    loop {
        state.enabled = *enabled.borrow_and_update();
        let next = match app.upgrade() {
            None => return,
            Some(_) if !state.enabled => None,
            Some(app) => {
                let now = app.clock().instant();
                let next = next_run_of(&state, last_run.map_or(now, |last| last.max(now)));
                if let Some(next) = next {
                    let shown = next.with_timezone(&app.clock().zone()).to_rfc3339();
                    tracing::info!(next_run = %shown, job = job.name(), "local schedule: next run");
                }
                next.map(|next| (next, now))
            }
        };
        let Some((next, now)) = next else {
            // Disabled (or an expression we can't compute): wait for a switch.
            if enabled.changed().await.is_err() {
                return;
            }
            continue;
        };
        tokio::select! {
            () = tokio::time::sleep((next - now).to_std().unwrap_or_default()) => {
                let Some(app) = app.upgrade() else { return };
                if let Err(e) = app.run(job, std::time::Instant::now() + LOCAL_RUN_BUDGET).await {
                    tracing::error!(error = %e, job = job.name(), "scheduled run failed");
                }
                last_run = Some(next);
            }
            changed = enabled.changed() => if changed.is_err() { return },
        }
    }
}
