//! Cross-origin access for browser front ends served from another origin: tower-http's CORS
//! answers for the origins of `CORS_ALLOW_ORIGINS`, and no CORS header at all for any other.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use tower::{Layer, ServiceExt};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::middleware::REQUEST_ID;

const X_REQUEST_ID: HeaderName = HeaderName::from_static(REQUEST_ID);
const X_NEXT_CURSOR: HeaderName = HeaderName::from_static(crate::query::NEXT_CURSOR_HEADER);

/// Request headers a front end may send besides the CORS-safelisted ones.
pub const ALLOWED_HEADERS: [HeaderName; 3] =
    [header::AUTHORIZATION, header::CONTENT_TYPE, X_REQUEST_ID];

/// Answer headers a front end's script may read besides the CORS-safelisted ones: every header
/// the API answers with for a reader (a paging header belongs here too).
pub const EXPOSED_HEADERS: [HeaderName; 3] =
    [X_REQUEST_ID, header::CONTENT_DISPOSITION, X_NEXT_CURSOR];

/// How long a browser may keep a preflight's answer: Chromium's ceiling, so a phone on a slow
/// network pays the extra round trip once every two hours per URL instead of on every call.
pub const MAX_AGE: Duration = Duration::from_secs(2 * 60 * 60);

/// What tower-http's layer says to every request it handles: the answer depends on these.
const VARY: HeaderValue = HeaderValue::from_static(
    "origin, access-control-request-method, access-control-request-headers",
);

/// The CORS policy of the API: `methods` are those of the route table.
/// Cloned for every request (it is the middleware's state): both parts are shared, not copied.
#[derive(Clone)]
pub struct Cors {
    origins: Arc<[HeaderValue]>,
    layer: Arc<CorsLayer>,
}

impl Cors {
    pub fn new(origins: &[HeaderValue], methods: Vec<Method>) -> Self {
        let layer = CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins.iter().cloned()))
            .allow_methods(methods)
            .allow_headers(ALLOWED_HEADERS)
            .expose_headers(EXPOSED_HEADERS)
            .max_age(MAX_AGE);
        Cors {
            origins: origins.into(),
            layer: Arc::new(layer),
        }
    }

    fn allows(&self, request: &Request) -> bool {
        request
            .headers()
            .get(header::ORIGIN)
            .is_some_and(|origin| self.origins.contains(origin))
    }
}

/// Sends a request from an allowed origin through the CORS layer, which answers a preflight
/// itself and adds its headers to every other answer, errors included. Any other request passes
/// untouched: tower-http would add `Access-Control-Allow-Methods` and the like to a stranger's
/// preflight too, and such a request should learn nothing of the policy.
pub async fn apply(State(cors): State<Cors>, request: Request, next: Next) -> Response {
    if cors.allows(&request) {
        let Ok(response) = cors.layer.layer(next).oneshot(request).await;
        return response;
    }
    let mut response = next.run(request).await;
    if !cors.origins.is_empty() {
        // The answer would have differed for an allowed origin: caches must not mix the two.
        response.headers_mut().append(header::VARY, VARY);
    }
    response
}
