//! One route of the API: its Lambda function, method and path, who may call it, what the
//! OpenAPI document says of it, and its handler. Each domain declares its own routes
//! (`manual::api::routes`, …); `crate::routes` joins them into the one table.

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::actor::Level;
use crate::openapi::Doc;

/// The body limit of the sheet imports: the file, and a multipart form's few lines around it.
pub const UPLOAD_LIMIT: usize = crate::files::MAX_UPLOAD_BYTES + 64 * 1024;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The API: `Authorization: Bearer <JWT>` whose roles grant at least this level, and an
    /// operation of the OpenAPI document.
    Bearer(Level),
    /// Pages and documents that show no data (the docs page, its files, the document itself):
    /// no token, and not operations of the API.
    Public,
    /// A provider's webhook: no token (its path holds the secret the handler checks), an
    /// operation of the API.
    Webhook,
}

pub struct Route<S> {
    /// The Lambda function serving this route (its binary and `template.yaml` name).
    pub function: &'static str,
    pub method: Method,
    /// Canonical path, without trailing slash; the slash form is served too.
    pub path: &'static str,
    pub access: Access,
    /// What the route takes and answers, for the OpenAPI document; every API route has one.
    pub doc: Option<fn() -> Doc>,
    pub(crate) service: MethodRouter<S>,
}

impl<S> Route<S> {
    /// The level a token needs for this route; `None` for a public one.
    pub fn level(&self) -> Option<Level> {
        match self.access {
            Access::Bearer(level) => Some(level),
            Access::Public | Access::Webhook => None,
        }
    }
}

impl<S: Clone + Send + Sync + 'static> Route<S> {
    /// The route described by `doc` in the OpenAPI document.
    pub fn doc(mut self, doc: fn() -> Doc) -> Self {
        self.doc = Some(doc);
        self
    }

    /// This route with a body limit of its own instead of [`MAX_BODY_BYTES`].
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.service = self.service.layer(DefaultBodyLimit::max(bytes));
        self
    }

    /// The paths it is served at: its own and the trailing-slash form (`/` is only itself).
    pub fn paths(&self) -> Vec<String> {
        if self.path == "/" {
            vec![self.path.to_string()]
        } else {
            vec![self.path.to_string(), format!("{}/", self.path)]
        }
    }
}

/// A route of the API, behind a bearer token of at least `level`.
pub fn route<S, H, T>(
    function: &'static str,
    method: Method,
    path: &'static str,
    level: Level,
    handler: H,
) -> Route<S>
where
    S: Clone + Send + Sync + 'static,
    H: Handler<T, S>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("standard HTTP method");
    Route {
        function,
        method,
        path,
        access: Access::Bearer(level),
        doc: None,
        service: on(filter, handler),
    }
}

/// A webhook: `POST`, [`Access::Webhook`].
pub fn webhook<S, H, T>(function: &'static str, path: &'static str, handler: H) -> Route<S>
where
    S: Clone + Send + Sync + 'static,
    H: Handler<T, S>,
    T: 'static,
{
    Route {
        access: Access::Webhook,
        ..route(function, Method::POST, path, Level::Read, handler)
    }
}

/// A public route: no token, not an operation of the API.
pub fn public<S, H, T>(function: &'static str, path: &'static str, handler: H) -> Route<S>
where
    S: Clone + Send + Sync + 'static,
    H: Handler<T, S>,
    T: 'static,
{
    Route {
        access: Access::Public,
        ..route(function, Method::GET, path, Level::Read, handler)
    }
}
