//! The route table: the single source of every (function, method, path).
//! Lambda functions, the local server and the tests all build their router from it, a test
//! holds `template.yaml` against it, and the OpenAPI document is derived from it.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::LatencyUnit;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::actor::Level;
use crate::app::App;
use crate::cors::{self, Cors};
use crate::error::ApiError;
use crate::openapi::{self, Entry};
use crate::route::{Access, Route, public};
use crate::{
    audit, headers, manual, messages, middleware, optout, page, register, reminder, replies,
    report, scheduler,
};

pub use crate::body::MAX_BODY_BYTES;

/// Every route of the API.
pub fn routes() -> Vec<Route<Arc<App>>> {
    [
        manual::api::routes(),
        audit::api::routes(),
        messages::api::routes(),
        optout::api::routes(),
        replies::api::routes(),
        crate::gateway::starsender_webhook::routes(),
        crate::gateway::cloud_webhook::routes(),
        reminder::api::routes(),
        scheduler::api::routes(),
        register::api::routes(),
        report::api::routes(),
        public_routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The pages and documents that show no data: the docs page and its document, the staff page.
fn public_routes() -> Vec<Route<Arc<App>>> {
    vec![
        public("api-docs", openapi::DOCUMENT_PATH, serve_document),
        public("api-docs", "/docs", openapi::docs_page),
        public("api-docs", "/docs/{file}", openapi::docs_file),
        public("staff-page", "/", page::index),
        public("staff-page", "/assets/{file}", page::asset),
    ]
}

/// The OpenAPI document of the route table: every API route, and nothing else.
pub fn document() -> utoipa::openapi::OpenApi {
    let routes = routes();
    openapi::document(routes.iter().filter_map(|r| {
        Some(Entry {
            function: r.function,
            method: &r.method,
            path: r.path,
            level: r.level(),
            doc: (r.doc?)(),
        })
    }))
}

/// The document as served, built on the first request for it.
static DOCUMENT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    document()
        .to_json()
        .expect("an OpenAPI document serialises")
});

/// `GET /openapi.json`.
async fn serve_document() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
        .into_response()
}

/// The methods the routes use, each once: what a browser front end may call.
pub fn methods() -> Vec<Method> {
    let mut methods = Vec::new();
    for route in routes() {
        if !methods.contains(&route.method) {
            methods.push(route.method);
        }
    }
    methods
}

/// The router of every route: the local server's and the tests'.
pub fn router(app: Arc<App>) -> Router {
    router_for(app, |_| true)
}

/// The router of the routes `wanted` picks, e.g. one Lambda function's own.
pub fn router_for(app: Arc<App>, wanted: impl Fn(&Route<Arc<App>>) -> bool) -> Router {
    let cors = Cors::new(&app.config.cors_allow_origins, methods());
    let mut router = Router::new();
    for r in routes().into_iter().filter(|r| wanted(r)) {
        let paths = r.paths();
        let service = match r.access {
            // On the route's own methods only: another method is a 405, with or without a token.
            // Every answer, the 401 included, is kept out of caches (`headers::private_answer`).
            Access::Bearer(level) => recorded(r.service, &app, r.function, level)
                .route_layer(axum::middleware::from_fn_with_state(
                    (app.clone(), level),
                    require_level,
                ))
                .route_layer(axum::middleware::map_response(headers::private_answer)),
            Access::Public | Access::Webhook => r.service,
        };
        for path in paths {
            router = router.route(&path, service.clone());
        }
    }
    router
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Outside auth and the fallbacks: a preflight is answered before either, and every
        // answer they give carries the CORS headers. Inside the request id: preflights are
        // logged and answered with one like every request.
        .layer(axum::middleware::from_fn_with_state(cors, cors::apply))
        .layer(axum::middleware::map_response(middleware::json_errors))
        // One line per answer, with its status and time, in the request's span. A server
        // error is logged where it is answered (`ApiError`), with its cause, so not here.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(middleware::request_span)
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                )
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::map_request(
            middleware::drop_unusable_request_id,
        ))
        .with_state(app)
}

/// A route's service that records its changes in the change log: every route above read level.
fn recorded(
    service: axum::routing::MethodRouter<Arc<App>>,
    app: &Arc<App>,
    function: &'static str,
    level: Level,
) -> axum::routing::MethodRouter<Arc<App>> {
    if level == Level::Read {
        return service;
    }
    service.route_layer(axum::middleware::from_fn_with_state(
        (app.clone(), function),
        audit::api::record::<App>,
    ))
}

/// Refuses the request with 401 unless it carries `Authorization: Bearer <valid JWT>` (the
/// scheme in any case, RFC 7235), and with 403 unless the token's roles reach `level`. The
/// request then carries its [`crate::actor::Actor`] for the handler and the change log.
pub async fn require_level(
    State((app, level)): State<(Arc<App>, Level)>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim_start().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or(ApiError::Unauthorized("Not authenticated"))?;
    let claims = app.auth.verify(token)?;
    let actor = app.auth.actor(&claims)?;
    if actor.level < level {
        return Err(ApiError::Forbidden(forbidden(level, actor.level)));
    }
    tracing::debug!(sub = %actor.sub, level = actor.level.name(), "authenticated");
    request.extensions_mut().insert(actor);
    Ok(next.run(request).await)
}

/// What a token below a route's level is told.
fn forbidden(needed: Level, held: Level) -> String {
    format!(
        "Akses ditolak: tindakan ini hanya untuk akses {}, sedangkan token Anda berakses {}",
        label(needed),
        label(held)
    )
}

/// A level as staff read it.
fn label(level: Level) -> &'static str {
    match level {
        Level::Read => "baca",
        Level::Staff => "staf",
        Level::Admin => "admin",
    }
}
