//! The storage adapters: DynamoDB in production and an embedded database locally and in fast
//! tests. Each implements the ports its domains define (`manual::store`, `messages::store`,
//! `reminder::store`, `register::store`, `report::store`).

pub mod dynamo;
pub mod embedded;
