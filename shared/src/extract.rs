//! Typed request extractors: a handler receives a validated value, never a raw JSON body or
//! query map. Each reads its input field by field ([`crate::body::Fields`],
//! [`crate::query::Params`]), so every problem is still reported at once in pydantic's shape,
//! and names the shape the OpenAPI document shows for it.

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::actor::Actor;
use crate::body::{JsonBody, OptionalJsonBody};
use crate::error::ApiError;

/// A request body read from JSON and validated.
pub trait FromBody: Sized {
    /// The body as the OpenAPI document shows it.
    type Shape: ToSchema;
    /// Whether an empty body stands for `{}` (every field left out).
    const OPTIONAL: bool = false;

    fn from_body(body: Value) -> Result<Self, ApiError>;
}

/// A validated JSON body: `Valid(new): Valid<NewRecord>`.
pub struct Valid<T>(pub T);

impl<S: Send + Sync, T: FromBody> FromRequest<S> for Valid<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let body = if T::OPTIONAL {
            OptionalJsonBody::from_request(req, state).await?.0
        } else {
            JsonBody::from_request(req, state).await?.0
        };
        T::from_body(body).map(Valid)
    }
}

/// A query string read parameter by parameter and validated. The type describes its own
/// parameters in the OpenAPI document (`IntoParams`).
pub trait FromQuery: Sized + IntoParams {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError>;
}

/// A validated query string: `ValidQuery(page): ValidQuery<ListQuery>`.
pub struct ValidQuery<T>(pub T);

impl<S: Send + Sync, T: FromQuery> FromRequestParts<S> for ValidQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Query(raw) = Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        T::from_query(&raw)
            .map(ValidQuery)
            .map_err(IntoResponse::into_response)
    }
}

/// The caller, as the bearer check of the route table found it: the route's handler may name
/// `actor: Actor` among its arguments.
impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Actor>()
            .cloned()
            .ok_or(ApiError::Unauthorized("Not authenticated"))
    }
}
