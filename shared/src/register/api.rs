//! The HTTP handlers of `/customers`: extract, call the service, shape the answer.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::Register;
use super::VehicleView;
use super::input::{CustomerPage, ImportRow};
use super::input::{CustomerPatch, NewCustomer, NewVehicle, NewVisit, VehiclePatch, VisitPage};
use super::service::{CustomerList, CustomerView, ImportFailure};
use super::{VisitList, VisitRecorded};
use crate::actor::Level;
use crate::audit::api::{Note, Noted};
use crate::error::ApiError;
use crate::extract::{Valid, ValidQuery};
use crate::files::{self, Upload};
use crate::import::{Export, ImportAnswer, SheetOptions};
use crate::openapi::Doc;
use crate::route::{Route, UPLOAD_LIMIT, route};
use axum::http::Method;

/// The component of an import's answer: `ImportAnswer` is generic, so it is named here.
const RESULT: &str = "CustomerImportResult";

/// What this domain's handlers need of the application that serves them.
pub trait HasRegister: Send + Sync + 'static {
    fn register_service(&self) -> Register<'_>;
}

type Answer<T> = Result<Json<T>, ApiError>;
type Created<T> = Result<(StatusCode, Json<T>), ApiError>;

const NO_CONTENT: StatusCode = StatusCode::NO_CONTENT;

pub async fn create<A: HasRegister>(
    State(app): State<Arc<A>>,
    Valid(new): Valid<NewCustomer>,
) -> Created<CustomerView> {
    Ok((
        StatusCode::CREATED,
        Json(app.register_service().create(new).await?),
    ))
}

pub async fn bulk_import<A: HasRegister>(
    State(app): State<Arc<A>>,
    Valid(rows): Valid<Vec<ImportRow>>,
) -> Result<Noted<ImportAnswer<ImportFailure>>, ApiError> {
    let answer = app.register_service().bulk_import(rows).await?.answer();
    Ok((Note::of_import(&answer), Json(answer)))
}

/// `POST /customers/import?dry_run=&sheet=`: an xlsx or CSV file, or a form with one.
pub async fn import<A: HasRegister>(
    State(app): State<Arc<A>>,
    ValidQuery(options): ValidQuery<SheetOptions>,
    upload: Upload,
) -> Result<Noted<ImportAnswer<ImportFailure>>, ApiError> {
    let answer = app
        .register_service()
        .import(upload.format, &upload.bytes, &options)
        .await?;
    Ok((Note::of_import(&answer), Json(answer)))
}

/// `GET /customers/export?format=xlsx|csv`.
pub async fn export<A: HasRegister>(
    State(app): State<Arc<A>>,
    ValidQuery(export): ValidQuery<Export>,
) -> Result<Response, ApiError> {
    files::download(
        app.register_service().export(export.format).await?,
        "Data customer",
    )
}

pub async fn list<A: HasRegister>(
    State(app): State<Arc<A>>,
    ValidQuery(page): ValidQuery<CustomerPage>,
) -> Answer<CustomerList> {
    Ok(Json(app.register_service().list(&page).await?))
}

pub async fn get<A: HasRegister>(
    State(app): State<Arc<A>>,
    Path(id): Path<String>,
) -> Answer<CustomerView> {
    Ok(Json(app.register_service().get(&id).await?))
}

pub async fn update<A: HasRegister>(
    State(app): State<Arc<A>>,
    Path(id): Path<String>,
    Valid(patch): Valid<CustomerPatch>,
) -> Answer<CustomerView> {
    Ok(Json(app.register_service().update(&id, patch).await?))
}

pub async fn delete<A: HasRegister>(
    State(app): State<Arc<A>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    app.register_service().delete(&id).await?;
    Ok(NO_CONTENT)
}

pub async fn vehicles<A: HasRegister>(
    State(app): State<Arc<A>>,
    Path(id): Path<String>,
) -> Answer<Vec<VehicleView>> {
    Ok(Json(app.register_service().vehicles(&id).await?))
}

pub async fn add_vehicle<A: HasRegister>(
    State(app): State<Arc<A>>,
    Path(id): Path<String>,
    Valid(new): Valid<NewVehicle>,
) -> Created<VehicleView> {
    Ok((
        StatusCode::CREATED,
        Json(app.register_service().add_vehicle(&id, new).await?),
    ))
}

pub async fn get_vehicle<A: HasRegister>(
    State(app): State<Arc<A>>,
    Path((id, vehicle_id)): Path<(String, String)>,
) -> Answer<VehicleView> {
    Ok(Json(
        app.register_service().get_vehicle(&id, &vehicle_id).await?,
    ))
}

pub async fn update_vehicle<A: HasRegister>(
    State(app): State<Arc<A>>,
    Path((id, vehicle_id)): Path<(String, String)>,
    Valid(patch): Valid<VehiclePatch>,
) -> Answer<VehicleView> {
    Ok(Json(
        app.register_service()
            .update_vehicle(&id, &vehicle_id, patch)
            .await?,
    ))
}

pub async fn delete_vehicle<A: HasRegister>(
    State(app): State<Arc<A>>,
    Path((id, vehicle_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    app.register_service()
        .delete_vehicle(&id, &vehicle_id)
        .await?;
    Ok(NO_CONTENT)
}

pub async fn add_visit<A: HasRegister>(
    State(app): State<Arc<A>>,
    Path((id, vehicle_id)): Path<(String, String)>,
    Valid(new): Valid<NewVisit>,
) -> Created<VisitRecorded> {
    let recorded = app
        .register_service()
        .add_visit(&id, &vehicle_id, new)
        .await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

pub async fn visits<A: HasRegister>(
    State(app): State<Arc<A>>,
    Path((id, vehicle_id)): Path<(String, String)>,
    ValidQuery(page): ValidQuery<VisitPage>,
) -> Answer<VisitList> {
    Ok(Json(
        app.register_service()
            .visits(&id, &vehicle_id, &page)
            .await?,
    ))
}

pub async fn delete_visit<A: HasRegister>(
    State(app): State<Arc<A>>,
    Path((id, vehicle_id, visit_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    app.register_service()
        .delete_visit(&id, &vehicle_id, &visit_id)
        .await?;
    Ok(NO_CONTENT)
}

/// The routes of this domain, served on any application that gives its handlers what they need.
pub fn routes<A: HasRegister>() -> Vec<Route<Arc<A>>> {
    vec![
        route(
            "register-customer-create",
            Method::POST,
            "/customers",
            Level::Staff,
            create::<A>,
        )
        .doc(|| {
            Doc::new("customers", "Register a customer with its vehicles")
                .body::<super::input::NewCustomer>()
                .json::<super::CustomerView>(StatusCode::CREATED, "The customer with its vehicles")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "register-bulk-import",
            Method::POST,
            "/customers/bulk-import",
            Level::Staff,
            bulk_import::<A>,
        )
        .doc(|| {
            Doc::new("customers", "Register up to 1,000 customers")
                .body::<Vec<super::ImportRow>>()
                .json_named::<ImportAnswer<super::ImportFailure>>(
                    RESULT,
                    StatusCode::OK,
                    "Per-customer outcome",
                )
        }),
        route(
            "register-import",
            Method::POST,
            "/customers/import",
            Level::Staff,
            import::<A>,
        )
        .body_limit(UPLOAD_LIMIT)
        .doc(|| {
            Doc::new(
                "customers",
                "Import a spreadsheet of customers, a vehicle per row",
            )
            .about("A dry run unless `dry_run=false`; rows with the same phone are one customer.")
            .query::<SheetOptions>()
            .upload()
            .json_named::<ImportAnswer<super::ImportFailure>>(
                RESULT,
                StatusCode::OK,
                "Per-customer outcome",
            )
        }),
        route(
            "register-export",
            Method::GET,
            "/customers/export",
            Level::Read,
            export::<A>,
        )
        .doc(|| {
            Doc::new("customers", "Download the register, a row per vehicle")
                .query::<Export>()
                .download()
        }),
        route(
            "register-customer-list",
            Method::GET,
            "/customers",
            Level::Read,
            list::<A>,
        )
        .doc(|| {
            Doc::new("customers", "List the customers, newest first")
                .query::<super::CustomerPage>()
                .json::<super::CustomerList>(
                    StatusCode::OK,
                    "A page; `total` counts every customer",
                )
        }),
        route(
            "register-customer-get",
            Method::GET,
            "/customers/{customer_id}",
            Level::Read,
            get::<A>,
        )
        .doc(|| {
            Doc::new("customers", "One customer with its vehicles")
                .json::<super::CustomerView>(StatusCode::OK, "The customer")
        }),
        route(
            "register-customer-update",
            Method::PUT,
            "/customers/{customer_id}",
            Level::Staff,
            update::<A>,
        )
        .doc(|| {
            Doc::new("customers", "Change a customer (partial)")
                .body::<super::input::CustomerPatch>()
                .json::<super::CustomerView>(StatusCode::OK, "The updated customer")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "register-customer-delete",
            Method::DELETE,
            "/customers/{customer_id}",
            Level::Admin,
            delete::<A>,
        )
        .doc(|| {
            Doc::new(
                "customers",
                "Delete a customer and its vehicles; its report rows stay",
            )
            .empty(StatusCode::NO_CONTENT, "Deleted")
            .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "register-vehicle-create",
            Method::POST,
            "/customers/{customer_id}/vehicles",
            Level::Staff,
            add_vehicle::<A>,
        )
        .doc(|| {
            Doc::new("customers", "Add a vehicle to a customer")
                .body::<super::input::NewVehicle>()
                .json::<super::VehicleView>(StatusCode::CREATED, "The vehicle")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "register-vehicle-list",
            Method::GET,
            "/customers/{customer_id}/vehicles",
            Level::Read,
            vehicles::<A>,
        )
        .doc(|| {
            Doc::new("customers", "A customer's vehicles, by nopol")
                .json_list::<super::VehicleView>(StatusCode::OK, "The vehicles")
        }),
        route(
            "register-vehicle-get",
            Method::GET,
            "/customers/{customer_id}/vehicles/{vehicle_id}",
            Level::Read,
            get_vehicle::<A>,
        )
        .doc(|| {
            Doc::new("customers", "One vehicle")
                .json::<super::VehicleView>(StatusCode::OK, "The vehicle")
        }),
        route(
            "register-vehicle-update",
            Method::PUT,
            "/customers/{customer_id}/vehicles/{vehicle_id}",
            Level::Staff,
            update_vehicle::<A>,
        )
        .doc(|| {
            Doc::new("customers", "Change a vehicle (partial)")
                .body::<super::input::VehiclePatch>()
                .json::<super::VehicleView>(StatusCode::OK, "The updated vehicle")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "register-vehicle-delete",
            Method::DELETE,
            "/customers/{customer_id}/vehicles/{vehicle_id}",
            Level::Admin,
            delete_vehicle::<A>,
        )
        .doc(|| {
            Doc::new("customers", "Delete a vehicle")
                .empty(StatusCode::NO_CONTENT, "Deleted")
                .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "register-visit-create",
            Method::POST,
            "/customers/{customer_id}/vehicles/{vehicle_id}/visits",
            Level::Staff,
            add_visit::<A>,
        )
        .doc(|| {
            Doc::new(
                "customers",
                "Record a visit of a vehicle, with its odometer",
            )
            .about(
                "Moves the vehicle's last visit when it is the latest; a reading below an \
                     earlier one (or above a later one) is refused (422).",
            )
            .body::<NewVisit>()
            .json::<VisitRecorded>(StatusCode::CREATED, "The visit and the vehicle after it")
            .fails(&[StatusCode::CONFLICT])
        }),
        route(
            "register-visit-list",
            Method::GET,
            "/customers/{customer_id}/vehicles/{vehicle_id}/visits",
            Level::Read,
            visits::<A>,
        )
        .doc(|| {
            Doc::new("customers", "A vehicle's visits and readings, newest first")
                .query::<VisitPage>()
                .json::<VisitList>(StatusCode::OK, "A page; `total` counts every visit")
        }),
        route(
            "register-visit-delete",
            Method::DELETE,
            "/customers/{customer_id}/vehicles/{vehicle_id}/visits/{visit_id}",
            Level::Admin,
            delete_visit::<A>,
        )
        .doc(|| {
            Doc::new(
                "customers",
                "Delete a visit; the vehicle's estimate follows",
            )
            .empty(StatusCode::NO_CONTENT, "Deleted")
            .fails(&[StatusCode::CONFLICT])
        }),
    ]
}
