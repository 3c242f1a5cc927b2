//! The route table: the single source of every (function, method, path).
//! Lambda functions, the local server and the tests all build their router from it, a test
//! holds `template.yaml` against it, and the OpenAPI document is derived from it.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use tower_http::LatencyUnit;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::app::App;
use crate::cors::{self, Cors};
use crate::import::{Export, ImportAnswer, SheetOptions};
use crate::openapi::{self, Doc, Entry};
use crate::report::Scope;
use crate::scheduler::api::{Reminders, ReportReset};
use crate::store::{ListQuery, MessageQuery};
use crate::{headers, manual, messages, middleware, page, register, reminder, report, scheduler};

pub use crate::body::MAX_BODY_BYTES;
/// The body limit of the sheet imports: the file, and a multipart form's few lines around it.
const UPLOAD_LIMIT: usize = crate::files::MAX_UPLOAD_BYTES + 64 * 1024;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The API: `Authorization: Bearer <JWT>`, and an operation of the OpenAPI document.
    Bearer,
    /// Pages and documents that show no data (the docs page, its files, the document itself):
    /// no token, and not operations of the API.
    Public,
}

pub struct Route {
    /// The Lambda function serving this route (its binary and `template.yaml` name).
    pub function: &'static str,
    pub method: Method,
    /// Canonical path, without trailing slash; the slash form is served too.
    pub path: &'static str,
    pub access: Access,
    /// What the route takes and answers, for the OpenAPI document; every API route has one.
    pub doc: Option<fn() -> Doc>,
    service: MethodRouter<Arc<App>>,
}

impl Route {
    /// The route described by `doc` in the OpenAPI document.
    fn doc(mut self, doc: fn() -> Doc) -> Route {
        self.doc = Some(doc);
        self
    }

    /// This route with a body limit of its own instead of [`MAX_BODY_BYTES`].
    fn body_limit(mut self, bytes: usize) -> Route {
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

/// A route of the API, behind the bearer token.
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
        access: Access::Bearer,
        doc: None,
        service: on(filter, handler),
    }
}

/// A public route: no token, not an operation of the API.
fn public<H, T>(function: &'static str, path: &'static str, handler: H) -> Route
where
    H: Handler<T, Arc<App>>,
    T: 'static,
{
    Route {
        access: Access::Public,
        ..route(function, Method::GET, path, handler)
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
        )
        .doc(|| {
            Doc::new("manual-whatsapp", "Create a manual WhatsApp customer")
                .body::<manual::NewRecord>()
                .json::<manual::ManualRecord>(StatusCode::CREATED, "The record")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "manual-bulk-import",
            M::POST,
            "/manual-whatsapp/bulk-import",
            manual::api::bulk_import,
        )
        .doc(|| {
            Doc::new("manual-whatsapp", "Import up to 1,000 customers")
                .about("Every row is validated and stored on its own; each failing row is named by its `index`.")
                .body::<Vec<manual::ImportRow>>()
                .json::<ImportAnswer<manual::ImportFailure>>(StatusCode::OK, "Per-row outcome")
        }),
        route(
            "manual-import",
            M::POST,
            "/manual-whatsapp/import",
            manual::api::import,
        )
        .body_limit(UPLOAD_LIMIT)
        .doc(|| {
            Doc::new("manual-whatsapp", "Import a spreadsheet (xlsx or CSV) of customers")
                .about("A dry run unless `dry_run=false`. At most 4 MiB and 5,000 data rows.")
                .query::<SheetOptions>()
                .upload()
                .json::<ImportAnswer<manual::ImportFailure>>(StatusCode::OK, "Per-row outcome, with sheet rows and cells")
        }),
        route(
            "manual-export",
            M::GET,
            "/manual-whatsapp/export",
            manual::api::export,
        )
        .doc(|| {
            Doc::new("manual-whatsapp", "Download every record as xlsx or CSV")
                .query::<Export>()
                .download()
        }),
        route("manual-list", M::GET, "/manual-whatsapp", manual::api::list)
        .doc(|| {
            Doc::new("manual-whatsapp", "List the records, newest first")
                .query::<ListQuery>()
                .json::<manual::RecordList>(StatusCode::OK, "A page; the counts describe the whole table")
        }),
        route(
            "manual-get",
            M::GET,
            "/manual-whatsapp/{record_id}",
            manual::api::get,
        )
        .doc(|| {
            Doc::new("manual-whatsapp", "One record")
                .json::<manual::ManualRecord>(StatusCode::OK, "The record")
        }),
        route(
            "manual-get-by-nopol",
            M::GET,
            "/manual-whatsapp/by-nopol/{nopol}",
            manual::api::get_by_nopol,
        )
        .doc(|| {
            Doc::new("manual-whatsapp", "The record of a plate, in any spelling")
                .json::<manual::ManualRecord>(StatusCode::OK, "The record")
                .fails(&[StatusCode::UNPROCESSABLE_ENTITY])
        }),
        route(
            "manual-update",
            M::PUT,
            "/manual-whatsapp/{record_id}",
            manual::api::update,
        )
        .doc(|| {
            Doc::new("manual-whatsapp", "Change a record (partial)")
                .body::<manual::RecordPatch>()
                .json::<manual::ManualRecord>(StatusCode::OK, "The updated record")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "manual-toggle-active",
            M::PATCH,
            "/manual-whatsapp/{record_id}/toggle-active",
            manual::api::toggle_active,
        )
        .doc(|| {
            Doc::new("manual-whatsapp", "Switch a record between active and inactive")
                .json::<manual::ManualRecord>(StatusCode::OK, "The updated record")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "manual-delete",
            M::DELETE,
            "/manual-whatsapp/{record_id}",
            manual::api::delete,
        )
        .doc(|| {
            Doc::new("manual-whatsapp", "Delete a record")
                .empty(StatusCode::NO_CONTENT, "Deleted")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "manual-stats",
            M::GET,
            "/manual-whatsapp/stats/summary",
            manual::api::stats,
        )
        .doc(|| {
            Doc::new("manual-whatsapp", "Summary counts")
                .json::<manual::api::SummaryAnswer>(StatusCode::OK, "The summary")
        }),
        route(
            "manual-dashboard",
            M::GET,
            "/manual-whatsapp/dashboard",
            manual::api::dashboard,
        )
        .doc(|| {
            Doc::new("manual-whatsapp", "Dashboard: reminders this month and the most reminded")
                .json::<manual::Dashboard>(StatusCode::OK, "The dashboard")
        }),
        route(
            "messages-send-custom",
            M::POST,
            "/manual-whatsapp/send-custom-message",
            messages::api::send_custom_message,
        )
        .doc(|| {
            Doc::new("messages", "Send a custom WhatsApp message")
                .body::<messages::CustomMessage>()
                .json::<messages::CustomMessageAnswer>(StatusCode::OK, "Sent, or kept in the local outbox")
                .json::<messages::CustomMessageAnswer>(StatusCode::BAD_GATEWAY, "The gateway failed; the same shape")
        }),
        route("messages-list", M::GET, "/messages", messages::api::list)
        .doc(|| {
            Doc::new("messages", "The message log, newest first")
                .query::<MessageQuery>()
                .json::<messages::MessageList>(StatusCode::OK, "A page of the log")
        }),
        route(
            "reminder-send-due",
            M::POST,
            "/manual-whatsapp/send-reminders",
            reminder::api::send_reminders,
        )
        .doc(|| {
            Doc::new("reminders", "Send the due reminders of the manual records")
                .body::<reminder::api::SendReminders>()
                .json::<reminder::RunReport>(StatusCode::OK, "The run's counts and a line per record")
        }),
        route(
            "reminder-send-one",
            M::POST,
            "/manual-whatsapp/{record_id}/send-reminder",
            reminder::api::send_reminder,
        )
        .doc(|| {
            Doc::new("reminders", "Send one record's reminder now, whatever the date")
                .json::<reminder::api::ReminderAnswer>(StatusCode::OK, "Sent")
                .json::<reminder::api::ReminderAnswer>(StatusCode::BAD_GATEWAY, "The gateway failed; `success` false")
        }),
        route(
            "scheduler-start",
            M::POST,
            "/scheduler/maintenance-reminder/start",
            scheduler::api::start::<Reminders>,
        )
        .doc(|| {
            schedule_doc("Start the daily reminder schedule")
        }),
        route(
            "scheduler-stop",
            M::POST,
            "/scheduler/maintenance-reminder/stop",
            scheduler::api::stop::<Reminders>,
        )
        .doc(|| {
            schedule_doc("Stop the daily reminder schedule")
        }),
        route(
            "scheduler-status",
            M::GET,
            "/scheduler/maintenance-reminder/status",
            scheduler::api::status::<Reminders>,
        )
        .doc(|| {
            schedule_doc("The daily reminder schedule")
        }),
        route(
            "scheduler-report-reset-start",
            M::POST,
            "/scheduler/monthly-report-reset/start",
            scheduler::api::start::<ReportReset>,
        )
        .doc(|| {
            schedule_doc("Start the monthly report reset")
        }),
        route(
            "scheduler-report-reset-stop",
            M::POST,
            "/scheduler/monthly-report-reset/stop",
            scheduler::api::stop::<ReportReset>,
        )
        .doc(|| {
            schedule_doc("Stop the monthly report reset")
        }),
        route(
            "scheduler-report-reset-status",
            M::GET,
            "/scheduler/monthly-report-reset/status",
            scheduler::api::status::<ReportReset>,
        )
        .doc(|| {
            schedule_doc("The monthly report reset schedule")
        }),
        route(
            "register-customer-create",
            M::POST,
            "/customers",
            register::api::create,
        )
        .doc(|| {
            Doc::new("customers", "Register a customer with its vehicles")
                .body::<register::input::NewCustomer>()
                .json::<register::CustomerView>(StatusCode::CREATED, "The customer with its vehicles")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "register-bulk-import",
            M::POST,
            "/customers/bulk-import",
            register::api::bulk_import,
        )
        .doc(|| {
            Doc::new("customers", "Register up to 1,000 customers")
                .body::<Vec<register::ImportRow>>()
                .json::<ImportAnswer<register::ImportFailure>>(StatusCode::OK, "Per-customer outcome")
        }),
        route(
            "register-import",
            M::POST,
            "/customers/import",
            register::api::import,
        )
        .body_limit(UPLOAD_LIMIT)
        .doc(|| {
            Doc::new("customers", "Import a spreadsheet of customers, a vehicle per row")
                .about("A dry run unless `dry_run=false`; rows with the same phone are one customer.")
                .query::<SheetOptions>()
                .upload()
                .json::<ImportAnswer<register::ImportFailure>>(StatusCode::OK, "Per-customer outcome")
        }),
        route(
            "register-export",
            M::GET,
            "/customers/export",
            register::api::export,
        )
        .doc(|| {
            Doc::new("customers", "Download the register, a row per vehicle")
                .query::<Export>()
                .download()
        }),
        route(
            "register-customer-list",
            M::GET,
            "/customers",
            register::api::list,
        )
        .doc(|| {
            Doc::new("customers", "List the customers, newest first")
                .query::<register::CustomerPage>()
                .json::<register::CustomerList>(StatusCode::OK, "A page; `total` counts every customer")
        }),
        route(
            "register-customer-get",
            M::GET,
            "/customers/{customer_id}",
            register::api::get,
        )
        .doc(|| {
            Doc::new("customers", "One customer with its vehicles")
                .json::<register::CustomerView>(StatusCode::OK, "The customer")
        }),
        route(
            "register-customer-update",
            M::PUT,
            "/customers/{customer_id}",
            register::api::update,
        )
        .doc(|| {
            Doc::new("customers", "Change a customer (partial)")
                .body::<register::input::CustomerPatch>()
                .json::<register::CustomerView>(StatusCode::OK, "The updated customer")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "register-customer-delete",
            M::DELETE,
            "/customers/{customer_id}",
            register::api::delete,
        )
        .doc(|| {
            Doc::new("customers", "Delete a customer and its vehicles; its report rows stay")
                .empty(StatusCode::NO_CONTENT, "Deleted")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "register-vehicle-create",
            M::POST,
            "/customers/{customer_id}/vehicles",
            register::api::add_vehicle,
        )
        .doc(|| {
            Doc::new("customers", "Add a vehicle to a customer")
                .body::<register::input::NewVehicle>()
                .json::<register::VehicleView>(StatusCode::CREATED, "The vehicle")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "register-vehicle-list",
            M::GET,
            "/customers/{customer_id}/vehicles",
            register::api::vehicles,
        )
        .doc(|| {
            Doc::new("customers", "A customer's vehicles, by nopol")
                .json::<Vec<register::VehicleView>>(StatusCode::OK, "The vehicles")
        }),
        route(
            "register-vehicle-get",
            M::GET,
            "/customers/{customer_id}/vehicles/{vehicle_id}",
            register::api::get_vehicle,
        )
        .doc(|| {
            Doc::new("customers", "One vehicle")
                .json::<register::VehicleView>(StatusCode::OK, "The vehicle")
        }),
        route(
            "register-vehicle-update",
            M::PUT,
            "/customers/{customer_id}/vehicles/{vehicle_id}",
            register::api::update_vehicle,
        )
        .doc(|| {
            Doc::new("customers", "Change a vehicle (partial)")
                .body::<register::input::VehiclePatch>()
                .json::<register::VehicleView>(StatusCode::OK, "The updated vehicle")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "register-vehicle-delete",
            M::DELETE,
            "/customers/{customer_id}/vehicles/{vehicle_id}",
            register::api::delete_vehicle,
        )
        .doc(|| {
            Doc::new("customers", "Delete a vehicle")
                .empty(StatusCode::NO_CONTENT, "Deleted")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "reminder-send-register",
            M::POST,
            "/customers/send-maintenance-reminder",
            reminder::api::send_maintenance_reminders,
        )
        .doc(|| {
            Doc::new("reminders", "Send the due maintenance reminders of the register's vehicles")
                .body::<reminder::api::SendMaintenanceReminders>()
                .json::<reminder::RunReport>(StatusCode::OK, "The run's counts and a line per vehicle")
        }),
        route("report-list", M::GET, "/whatsapp-report", report::api::list)
        .doc(|| {
            Doc::new("whatsapp-report", "Every report row, most messaged first")
                .query::<report::query::ListQuery>()
                .paged_list::<report::Plain>("The rows (413 when too big for one answer: page them)")
                .fails(&[StatusCode::PAYLOAD_TOO_LARGE])
        }),
        route(
            "report-detail",
            M::GET,
            "/whatsapp-report/detail",
            report::api::detail,
        )
        .doc(|| {
            Doc::new("whatsapp-report", "Every row with names, filtered by frequency")
                .query::<report::query::DetailQuery>()
                .paged_list::<report::Detail>("The rows (413 when too big for one answer: page them)")
                .fails(&[StatusCode::PAYLOAD_TOO_LARGE])
        }),
        route(
            "report-export",
            M::GET,
            "/whatsapp-report/export",
            report::api::export,
        )
        .doc(|| {
            Doc::new("whatsapp-report", "Download the detail rows as xlsx or CSV")
                .query::<report::query::ExportQuery>()
                .download()
        }),
        route(
            "report-statistics",
            M::GET,
            "/whatsapp-report/statistics",
            report::api::statistics,
        )
        .doc(|| {
            Doc::new("whatsapp-report", "Statistics of the report, in one read")
                .json::<report::service::Statistics>(StatusCode::OK, "The figures")
        }),
        route(
            "report-customer",
            M::GET,
            "/whatsapp-report/customer/{customer_id}",
            report::api::of_customer,
        )
        .doc(|| {
            Doc::new("whatsapp-report", "A customer's rows")
                .json::<Vec<report::Plain>>(StatusCode::OK, "The rows, `[]` when none")
        }),
        route(
            "report-pair",
            M::GET,
            "/whatsapp-report/customer/{customer_id}/vehicle/{vehicle_id}",
            report::api::of_pair,
        )
        .doc(|| {
            Doc::new("whatsapp-report", "The row of a (customer, vehicle) pair")
                .json::<report::Plain>(StatusCode::OK, "The row")
        }),
        route(
            "report-delete",
            M::DELETE,
            "/whatsapp-report/{report_id}",
            report::api::delete,
        )
        .doc(|| {
            Doc::new("whatsapp-report", "Delete a report row")
                .empty(StatusCode::NO_CONTENT, "Deleted")
        }),
        route(
            "report-reset",
            M::POST,
            "/whatsapp-report/reset-frequency",
            report::api::reset_frequency,
        )
        .doc(|| {
            Doc::new("whatsapp-report", "Reset frequencies to 0, after a snapshot")
                .about("All rows, one customer's (`customer_id`) or one pair's (with `vehicle_id`). A 503 names the snapshot of a reset that stopped part-way.")
                .query::<Scope>()
                .json::<report::service::ResetAnswer>(StatusCode::OK, "The reset and its snapshot")
        }),
        route(
            "report-snapshots",
            M::GET,
            "/whatsapp-report/snapshots",
            report::api::snapshots,
        )
        .doc(|| {
            Doc::new("whatsapp-report", "The snapshots of resets, newest first")
                .json::<Vec<report::SnapshotInfo>>(StatusCode::OK, "The snapshots")
        }),
        route(
            "report-restore",
            M::POST,
            "/whatsapp-report/snapshots/{snapshot_id}/restore",
            report::api::restore,
        )
        .doc(|| {
            Doc::new("whatsapp-report", "Give back what a reset took")
                .json::<report::service::RestoreAnswer>(StatusCode::OK, "The restore")
                .fails(&[StatusCode::CONFLICT])
        }),
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
            bearer: r.access == Access::Bearer,
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

/// The document of the three endpoints of a schedule.
fn schedule_doc(summary: &str) -> Doc {
    Doc::new("scheduler", summary)
        .json::<scheduler::ScheduleStatus>(StatusCode::OK, "The schedule's state after the call")
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
    let mut router = Router::new();
    for r in routes().into_iter().filter(|r| wanted(r)) {
        let paths = r.paths();
        let service = match r.access {
            // On the route's own methods only: another method is a 405, with or without a token.
            // Every answer, the 401 included, is kept out of caches (`headers::private_answer`).
            Access::Bearer => r
                .service
                .route_layer(axum::middleware::from_fn_with_state(
                    app.clone(),
                    middleware::require_bearer,
                ))
                .route_layer(axum::middleware::map_response(headers::private_answer)),
            Access::Public => r.service,
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
