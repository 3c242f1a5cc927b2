//! The deployed schedule: one EventBridge Scheduler schedule, read with GetSchedule and switched
//! with UpdateSchedule.

use std::time::SystemTime;

use async_trait::async_trait;
use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::error::DisplayErrorContext;
use aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput;
use aws_sdk_scheduler::types::ScheduleState as AwsState;

use super::schedule::{ScheduleControl, ScheduleError, ScheduleState};

/// The group of a schedule created without one.
pub const DEFAULT_GROUP: &str = "default";

pub struct EventBridgeSchedule {
    client: Client,
    name: String,
    group: String,
}

impl EventBridgeSchedule {
    pub fn new(client: Client, name: impl Into<String>, group: impl Into<String>) -> Self {
        EventBridgeSchedule {
            client,
            name: name.into(),
            group: group.into(),
        }
    }

    async fn get(&self) -> Result<GetScheduleOutput, ScheduleError> {
        self.client
            .get_schedule()
            .name(&self.name)
            .group_name(&self.group)
            .send()
            .await
            .map_err(|e| self.failed("GetSchedule", e))
    }

    fn failed(&self, operation: &str, e: impl std::error::Error) -> ScheduleError {
        ScheduleError::Failed(format!(
            "{operation} {}/{}: {}",
            self.group,
            self.name,
            DisplayErrorContext(e)
        ))
    }
}

/// What GetSchedule says, in our terms.
fn state_of(schedule: &GetScheduleOutput) -> ScheduleState {
    ScheduleState {
        enabled: schedule.state() == Some(&AwsState::Enabled),
        expression: schedule
            .schedule_expression()
            .unwrap_or_default()
            .to_string(),
        // EventBridge Scheduler reads an expression without a zone in UTC.
        timezone: schedule
            .schedule_expression_timezone()
            .unwrap_or("UTC")
            .to_string(),
    }
}

#[async_trait]
impl ScheduleControl for EventBridgeSchedule {
    async fn status(&self) -> Result<ScheduleState, ScheduleError> {
        Ok(state_of(&self.get().await?))
    }

    async fn set_enabled(&self, enabled: bool) -> Result<ScheduleState, ScheduleError> {
        let current = self.get().await?;
        let mut state = state_of(&current);
        if state.enabled == enabled {
            return Ok(state);
        }
        // UpdateSchedule replaces the whole schedule: every field left out is reset, so each one
        // GetSchedule gave is sent back, and only the state changes.
        let target = current.target().cloned().ok_or_else(|| {
            ScheduleError::Failed(format!("{}/{} has no target", self.group, self.name))
        })?;
        let window = current.flexible_time_window().cloned().ok_or_else(|| {
            ScheduleError::Failed(format!(
                "{}/{} has no flexible time window",
                self.group, self.name
            ))
        })?;
        self.client
            .update_schedule()
            .name(&self.name)
            .group_name(&self.group)
            .state(if enabled {
                AwsState::Enabled
            } else {
                AwsState::Disabled
            })
            .schedule_expression(state.expression.clone())
            .set_schedule_expression_timezone(
                current.schedule_expression_timezone().map(str::to_string),
            )
            .target(target)
            .flexible_time_window(window)
            .set_description(current.description().map(str::to_string))
            .set_start_date(future_only(current.start_date()))
            .set_end_date(current.end_date().cloned())
            .set_kms_key_arn(current.kms_key_arn().map(str::to_string))
            .set_action_after_completion(current.action_after_completion().cloned())
            .send()
            .await
            .map_err(|e| self.failed("UpdateSchedule", e))?;
        tracing::info!(schedule = %self.name, group = %self.group, enabled, "schedule switched");
        state.enabled = enabled;
        Ok(state)
    }
}

/// A start date still ahead. One already past is dropped: the service refuses a start date more
/// than 5 minutes old, and for a recurring schedule that has started it changes nothing.
fn future_only(
    start: Option<&aws_sdk_scheduler::primitives::DateTime>,
) -> Option<aws_sdk_scheduler::primitives::DateTime> {
    let now = aws_sdk_scheduler::primitives::DateTime::from(SystemTime::now());
    start.filter(|s| s.secs() > now.secs()).cloned()
}
