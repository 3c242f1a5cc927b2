//! The customer register: customers and their vehicles, kept by the workshop itself.

pub mod api;
pub(crate) mod input;
mod model;
mod service;
pub mod sheet;
pub mod store;

pub use input::{CustomerPage, ImportRow, MAX_VEHICLES};
pub use model::{
    Customer, DueVehicle, RegisterCounts, Registration, Vehicle, VehicleView, next_service,
};
pub use service::*;
pub use store::RegisterStore;
