//! Manual WhatsApp customers: records kept for people outside the workshop's main system.

pub mod api;
pub(crate) mod input;
mod model;
mod service;
pub mod sheet;
pub mod store;

pub use input::{ImportRow, MAX_PAGE, NewRecord, RecordPatch};
pub use model::{Counts, ManualRecord};
pub use service::*;
pub use store::{ListQuery, ManualStore};
