//! Each domain's errors as HTTP answers: the one place where a refusal of the records, the
//! register, the report, an import or a run gets its status and its detail. The detail is the
//! domain error's own Indonesian sentence; a source error (the database's, a sheet writer's) is
//! kept in [`ApiError`] for the log and never shown.

use crate::auth::TokenRefused;
use crate::error::ApiError;
use crate::import::{ExportError, ImportError};
use crate::manual::RecordError;
use crate::messages::{MessageError, SendingDisabled};
use crate::pacing::Throttled;
use crate::register::RegisterError;
use crate::reminder::ReminderError;
use crate::report::ReportError;
use crate::scheduler::schedule::ScheduleError;
use crate::sheet::SheetError;
use crate::store_error::StoreError;

impl From<TokenRefused> for ApiError {
    fn from(_: TokenRefused) -> Self {
        ApiError::Unauthorized(TokenRefused::DETAIL)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NopolTaken(_) | StoreError::Stale => ApiError::Conflict(error.reason()),
            StoreError::Unavailable(e) => ApiError::Unavailable(e),
            StoreError::Other(e) => ApiError::Internal(e),
        }
    }
}

/// A file past the upload's limits is too large (413), one that cannot be read is the
/// caller's to mend (422); one we cannot write is ours.
impl From<SheetError> for ApiError {
    fn from(error: SheetError) -> Self {
        match error {
            SheetError::Write(e) => ApiError::Internal(e),
            too_large if too_large.is_too_large() => ApiError::TooLarge(too_large.to_string()),
            other => ApiError::Unreadable(other.to_string()),
        }
    }
}

impl From<ImportError> for ApiError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Invalid(detail) => ApiError::Invalid(detail),
            ImportError::TooManyRows(_) => ApiError::TooLarge(error.to_string()),
            ImportError::Sheet(e) => e.into(),
            ImportError::Store(e) => e.into(),
        }
    }
}

impl From<ExportError> for ApiError {
    fn from(error: ExportError) -> Self {
        match error {
            ExportError::Sheet(e) => e.into(),
            ExportError::Store(e) => e.into(),
        }
    }
}

impl From<RecordError> for ApiError {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::NotFound | RecordError::NopolNotFound(_) => {
                ApiError::NotFound(error.to_string())
            }
            RecordError::NopolTaken(_) => ApiError::Conflict(error.to_string()),
            RecordError::Invalid(detail) => ApiError::Invalid(detail),
            RecordError::Store(e) => e.into(),
        }
    }
}

impl From<RegisterError> for ApiError {
    fn from(error: RegisterError) -> Self {
        match error {
            RegisterError::CustomerNotFound
            | RegisterError::VehicleNotFound
            | RegisterError::VisitNotFound => ApiError::NotFound(error.to_string()),
            RegisterError::FutureVisit(_) => body_field("visit_date", error.to_string()),
            RegisterError::OdometerBackwards(why) => body_field("odometer_km", why),
            RegisterError::NopolTaken(_)
            | RegisterError::NopolRepeated(_)
            | RegisterError::TooManyVehicles => ApiError::Conflict(error.to_string()),
            RegisterError::Store(e) => e.into(),
        }
    }
}

impl From<ReportError> for ApiError {
    fn from(error: ReportError) -> Self {
        match error {
            ReportError::NotFound | ReportError::SnapshotNotFound => {
                ApiError::NotFound(error.to_string())
            }
            ReportError::AlreadyRestored(_) => ApiError::Conflict(error.to_string()),
            ReportError::ResetInterrupted { .. } | ReportError::RestoreInterrupted { .. } => {
                ApiError::Interrupted(error.to_string())
            }
            ReportError::Store(e) => e.into(),
        }
    }
}

impl From<MessageError> for ApiError {
    fn from(error: MessageError) -> Self {
        match error {
            MessageError::Disabled(e) => e.into(),
            MessageError::Store(e) => e.into(),
            MessageError::Throttled(t) => t.into(),
        }
    }
}

impl From<SendingDisabled> for ApiError {
    fn from(error: SendingDisabled) -> Self {
        ApiError::Disabled(error.to_string())
    }
}

impl From<ReminderError> for ApiError {
    fn from(error: ReminderError) -> Self {
        match error {
            ReminderError::Record(e) => e.into(),
            ReminderError::Store(e) => e.into(),
            ReminderError::Disabled(e) => e.into(),
            ReminderError::Throttled(t) => t.into(),
        }
    }
}

impl From<Throttled> for ApiError {
    fn from(throttled: Throttled) -> Self {
        ApiError::TooMany {
            detail: throttled.detail,
            retry_after: throttled.retry_after,
        }
    }
}

impl From<ScheduleError> for ApiError {
    fn from(error: ScheduleError) -> Self {
        match error {
            ScheduleError::InQuietHours { .. } => {
                let loc = vec![
                    serde_json::json!("schedule"),
                    serde_json::json!("schedule_expression"),
                ];
                let field =
                    crate::validation::FieldError::new(loc, "value_error", error.to_string());
                ApiError::invalid(field)
            }
            ScheduleError::Store(e) => e.into(),
            // The caller can do nothing about either; the log keeps the reason, the answer
            // hides it.
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// A 422 on field `name` of the body, as a validation error of it reads.
fn body_field(name: &str, msg: String) -> ApiError {
    let loc = vec![serde_json::json!("body"), serde_json::json!(name)];
    ApiError::invalid(crate::validation::FieldError::new(loc, "value_error", msg))
}
