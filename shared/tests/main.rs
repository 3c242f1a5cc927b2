//! The core crate's integration tests, one test executable with a module per suite: one link
//! instead of one per file. Run one suite with `cargo test -p bengkel --test integration api::`.

#[macro_use]
mod common;

mod api;
mod auth;
mod conformance;
mod cors;
mod embedded_store;
mod formulas;
mod functions;
mod layers;
mod messaging;
mod openapi;
mod opt_outs;
mod pacing;
mod previews;
mod providers;
mod register;
mod register_store;
mod reminders;
mod replies;
mod report;
mod report_uses;
mod roles;
mod scheduler;
mod sheets;
mod template;
mod texts;
mod visits;
