//! The route table: the single source of every (function, method, path).
//! Lambda functions, the local server and the tests all build their router from it, and a
//! test holds `template.yaml` against it.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::app::App;
use crate::cors::{self, Cors};
use crate::scheduler::api::{Reminders, ReportReset};
use crate::{auth, manual, messages, middleware, page, register, reminder, report, scheduler};

/// Largest request body accepted; larger ones answer 413.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// The body limit of the sheet imports: the file, and a multipart form's few lines around it.
const UPLOAD_LIMIT: usize = crate::files::MAX_UPLOAD_BYTES + 64 * 1024;

pub struct Route {
    /// The Lambda function serving this route (its binary and `template.yaml` name).
    pub function: &'static str,
    pub method: Method,
    /// Canonical path, without trailing slash; the slash form is served too.
    pub path: &'static str,
    /// Served without a token: the staff page, which holds no data.
    pub public: bool,
    service: MethodRouter<Arc<App>>,
}

impl Route {
    /// This route with a body limit of its own instead of [`MAX_BODY_BYTES`].
    fn body_limit(mut self, bytes: usize) -> Route {
        self.service = self.service.layer(DefaultBodyLimit::max(bytes));
        self
    }

    /// This route served without a token.
    fn public(mut self) -> Route {
        self.public = true;
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

fn route<H, T>(function: &'static str, method: Method, path: &'static str, handler: H) -> Route
where
    H: Handler<T, Arc<App>>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("standard HTTP method");
    Route {
        function,
        method,
        path,
        public: false,
        service: on(filter, handler),
    }
}

/// Every route of the API.
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        route(
            "manual-create",
            M::POST,
            "/manual-whatsapp",
            manual::api::create,
        ),
        route(
            "manual-bulk-import",
            M::POST,
            "/manual-whatsapp/bulk-import",
            manual::api::bulk_import,
        ),
        route(
            "manual-import",
            M::POST,
            "/manual-whatsapp/import",
            manual::api::import,
        )
        .body_limit(UPLOAD_LIMIT),
        route(
            "manual-export",
            M::GET,
            "/manual-whatsapp/export",
            manual::api::export,
        ),
        route("manual-list", M::GET, "/manual-whatsapp", manual::api::list),
        route(
            "manual-get",
            M::GET,
            "/manual-whatsapp/{record_id}",
            manual::api::get,
        ),
        route(
            "manual-get-by-nopol",
            M::GET,
            "/manual-whatsapp/by-nopol/{nopol}",
            manual::api::get_by_nopol,
        ),
        route(
            "manual-update",
            M::PUT,
            "/manual-whatsapp/{record_id}",
            manual::api::update,
        ),
        route(
            "manual-toggle-active",
            M::PATCH,
            "/manual-whatsapp/{record_id}/toggle-active",
            manual::api::toggle_active,
        ),
        route(
            "manual-delete",
            M::DELETE,
            "/manual-whatsapp/{record_id}",
            manual::api::delete,
        ),
        route(
            "manual-stats",
            M::GET,
            "/manual-whatsapp/stats/summary",
            manual::api::stats,
        ),
        route(
            "manual-dashboard",
            M::GET,
            "/manual-whatsapp/dashboard",
            manual::api::dashboard,
        ),
        route(
            "messages-send-custom",
            M::POST,
            "/manual-whatsapp/send-custom-message",
            messages::api::send_custom_message,
        ),
        route("messages-list", M::GET, "/messages", messages::api::list),
        route(
            "reminder-send-due",
            M::POST,
            "/manual-whatsapp/send-reminders",
            reminder::api::send_reminders,
        ),
        route(
            "reminder-send-one",
            M::POST,
            "/manual-whatsapp/{record_id}/send-reminder",
            reminder::api::send_reminder,
        ),
        route(
            "scheduler-start",
            M::POST,
            "/scheduler/maintenance-reminder/start",
            scheduler::api::start::<Reminders>,
        ),
        route(
            "scheduler-stop",
            M::POST,
            "/scheduler/maintenance-reminder/stop",
            scheduler::api::stop::<Reminders>,
        ),
        route(
            "scheduler-status",
            M::GET,
            "/scheduler/maintenance-reminder/status",
            scheduler::api::status::<Reminders>,
        ),
        route(
            "scheduler-report-reset-start",
            M::POST,
            "/scheduler/monthly-report-reset/start",
            scheduler::api::start::<ReportReset>,
        ),
        route(
            "scheduler-report-reset-stop",
            M::POST,
            "/scheduler/monthly-report-reset/stop",
            scheduler::api::stop::<ReportReset>,
        ),
        route(
            "scheduler-report-reset-status",
            M::GET,
            "/scheduler/monthly-report-reset/status",
            scheduler::api::status::<ReportReset>,
        ),
        route(
            "register-customer-create",
            M::POST,
            "/customers",
            register::api::create,
        ),
        route(
            "register-bulk-import",
            M::POST,
            "/customers/bulk-import",
            register::api::bulk_import,
        ),
        route(
            "register-import",
            M::POST,
            "/customers/import",
            register::api::import,
        )
        .body_limit(UPLOAD_LIMIT),
        route(
            "register-export",
            M::GET,
            "/customers/export",
            register::api::export,
        ),
        route(
            "register-customer-list",
            M::GET,
            "/customers",
            register::api::list,
        ),
        route(
            "register-customer-get",
            M::GET,
            "/customers/{customer_id}",
            register::api::get,
        ),
        route(
            "register-customer-update",
            M::PUT,
            "/customers/{customer_id}",
            register::api::update,
        ),
        route(
            "register-customer-delete",
            M::DELETE,
            "/customers/{customer_id}",
            register::api::delete,
        ),
        route(
            "register-vehicle-create",
            M::POST,
            "/customers/{customer_id}/vehicles",
            register::api::add_vehicle,
        ),
        route(
            "register-vehicle-list",
            M::GET,
            "/customers/{customer_id}/vehicles",
            register::api::vehicles,
        ),
        route(
            "register-vehicle-get",
            M::GET,
            "/customers/{customer_id}/vehicles/{vehicle_id}",
            register::api::get_vehicle,
        ),
        route(
            "register-vehicle-update",
            M::PUT,
            "/customers/{customer_id}/vehicles/{vehicle_id}",
            register::api::update_vehicle,
        ),
        route(
            "register-vehicle-delete",
            M::DELETE,
            "/customers/{customer_id}/vehicles/{vehicle_id}",
            register::api::delete_vehicle,
        ),
        route(
            "reminder-send-register",
            M::POST,
            "/customers/send-maintenance-reminder",
            reminder::api::send_maintenance_reminders,
        ),
        route("report-list", M::GET, "/whatsapp-report", report::api::list),
        route(
            "report-detail",
            M::GET,
            "/whatsapp-report/detail",
            report::api::detail,
        ),
        route(
            "report-export",
            M::GET,
            "/whatsapp-report/export",
            report::api::export,
        ),
        route(
            "report-statistics",
            M::GET,
            "/whatsapp-report/statistics",
            report::api::statistics,
        ),
        route(
            "report-customer",
            M::GET,
            "/whatsapp-report/customer/{customer_id}",
            report::api::of_customer,
        ),
        route(
            "report-pair",
            M::GET,
            "/whatsapp-report/customer/{customer_id}/vehicle/{vehicle_id}",
            report::api::of_pair,
        ),
        route(
            "report-delete",
            M::DELETE,
            "/whatsapp-report/{report_id}",
            report::api::delete,
        ),
        route(
            "report-reset",
            M::POST,
            "/whatsapp-report/reset-frequency",
            report::api::reset_frequency,
        ),
        route(
            "report-snapshots",
            M::GET,
            "/whatsapp-report/snapshots",
            report::api::snapshots,
        ),
        route(
            "report-restore",
            M::POST,
            "/whatsapp-report/snapshots/{snapshot_id}/restore",
            report::api::restore,
        ),
        route("staff-page", M::GET, "/", page::index).public(),
        route("staff-page", M::GET, "/assets/{file}", page::asset).public(),
    ]
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
pub fn router_for(app: Arc<App>, wanted: impl Fn(&Route) -> bool) -> Router {
    let cors = Cors::new(&app.config.cors_allow_origins, methods());
    let (public, private): (Vec<Route>, Vec<Route>) = routes()
        .into_iter()
        .filter(|r| wanted(r))
        .partition(|r| r.public);
    let mut router = add(Router::new(), private);
    // Only the routes added so far need the token (and a router without any takes no layer).
    if router.has_routes() {
        router = router.route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            auth::require_bearer,
        ));
    }
    add(router, public)
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Outside auth and the fallbacks: a preflight is answered before either, and every
        // answer they give carries the CORS headers. Inside the request id: preflights are
        // logged and answered with one like every request.
        .layer(axum::middleware::from_fn_with_state(cors, cors::apply))
        .layer(axum::middleware::from_fn(middleware::request_id))
        .with_state(app)
}

/// `router` with each route at each of its paths.
fn add(mut router: Router<Arc<App>>, routes: Vec<Route>) -> Router<Arc<App>> {
    for r in routes {
        for path in r.paths() {
            router = router.route(&path, r.service.clone());
        }
    }
    router
}
