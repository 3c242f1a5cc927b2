//! Core of the bengkel WhatsApp backend: the domain, its validation, storage adapters,
//! authentication and the HTTP API that every Lambda function and the local server serve.

pub mod app;
pub mod auth;
pub mod body;
pub mod clock;
pub mod config;
pub mod cors;
pub mod domain_errors;
pub mod error;
pub mod extract;
#[cfg(feature = "fake-starsender")]
pub mod fake_starsender;
pub mod files;
pub mod gateway;
pub mod import;
pub mod lambda;
pub mod manual;
pub mod messages;
pub mod middleware;
pub mod nopol;
pub mod openapi;
pub mod page;
pub mod phone;
pub mod query;
pub mod register;
pub mod reminder;
pub mod report;
pub mod routes;
pub mod scheduler;
pub mod sheet;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod validation;

pub use app::App;
pub use error::ApiError;
