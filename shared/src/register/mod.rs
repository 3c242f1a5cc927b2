//! The customer register: customers and their vehicles, kept by the workshop itself.

pub mod api;
pub(crate) mod input;
mod logbook;
mod model;
pub mod plan;
pub mod reading;
mod service;
pub mod sheet;
pub mod store;
mod visit;

pub use input::{CustomerPage, ImportRow, MAX_VEHICLES, NewVisit, VisitPage};
pub use logbook::{VisitList, VisitRecorded};
pub use model::{Customer, DueVehicle, RegisterCounts, Registration, Vehicle, VehicleView};
pub use plan::{ServicePlan, VehicleKind, next_service};
pub use service::*;
pub use store::RegisterStore;
pub use visit::{Visit, VisitSource, is_visit_key};
