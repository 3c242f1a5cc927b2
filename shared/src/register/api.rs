//! The HTTP handlers of `/customers`: extract, call the service, shape the answer.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::VehicleView;
use super::input::{CustomerPage, ImportRow};
use super::input::{CustomerPatch, NewCustomer, NewVehicle, VehiclePatch};
use super::service::{CustomerList, CustomerView, ImportFailure};
use crate::extract::{Valid, ValidQuery};
use crate::files::{self, Upload};
use crate::import::{Export, ImportAnswer, SheetOptions};
use crate::{ApiError, App};

type Answer<T> = Result<Json<T>, ApiError>;
type Created<T> = Result<(StatusCode, Json<T>), ApiError>;

const NO_CONTENT: StatusCode = StatusCode::NO_CONTENT;

pub async fn create(
    State(app): State<Arc<App>>,
    Valid(new): Valid<NewCustomer>,
) -> Created<CustomerView> {
    Ok((
        StatusCode::CREATED,
        Json(app.register_service().create(new).await?),
    ))
}

pub async fn bulk_import(
    State(app): State<Arc<App>>,
    Valid(rows): Valid<Vec<ImportRow>>,
) -> Answer<ImportAnswer<ImportFailure>> {
    Ok(Json(
        app.register_service().bulk_import(rows).await?.answer(),
    ))
}

/// `POST /customers/import?dry_run=&sheet=`: an xlsx or CSV file, or a form with one.
pub async fn import(
    State(app): State<Arc<App>>,
    ValidQuery(options): ValidQuery<SheetOptions>,
    upload: Upload,
) -> Answer<ImportAnswer<ImportFailure>> {
    Ok(Json(
        app.register_service()
            .import(upload.format, &upload.bytes, &options)
            .await?,
    ))
}

/// `GET /customers/export?format=xlsx|csv`.
pub async fn export(
    State(app): State<Arc<App>>,
    ValidQuery(export): ValidQuery<Export>,
) -> Result<Response, ApiError> {
    files::download(
        app.register_service().export(export.format).await?,
        "Data customer",
    )
}

pub async fn list(
    State(app): State<Arc<App>>,
    ValidQuery(page): ValidQuery<CustomerPage>,
) -> Answer<CustomerList> {
    Ok(Json(app.register_service().list(&page).await?))
}

pub async fn get(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer<CustomerView> {
    Ok(Json(app.register_service().get(&id).await?))
}

pub async fn update(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Valid(patch): Valid<CustomerPatch>,
) -> Answer<CustomerView> {
    Ok(Json(app.register_service().update(&id, patch).await?))
}

pub async fn delete(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    app.register_service().delete(&id).await?;
    Ok(NO_CONTENT)
}

pub async fn vehicles(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Answer<Vec<VehicleView>> {
    Ok(Json(app.register_service().vehicles(&id).await?))
}

pub async fn add_vehicle(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Valid(new): Valid<NewVehicle>,
) -> Created<VehicleView> {
    Ok((
        StatusCode::CREATED,
        Json(app.register_service().add_vehicle(&id, new).await?),
    ))
}

pub async fn get_vehicle(
    State(app): State<Arc<App>>,
    Path((id, vehicle_id)): Path<(String, String)>,
) -> Answer<VehicleView> {
    Ok(Json(
        app.register_service().get_vehicle(&id, &vehicle_id).await?,
    ))
}

pub async fn update_vehicle(
    State(app): State<Arc<App>>,
    Path((id, vehicle_id)): Path<(String, String)>,
    Valid(patch): Valid<VehiclePatch>,
) -> Answer<VehicleView> {
    Ok(Json(
        app.register_service()
            .update_vehicle(&id, &vehicle_id, patch)
            .await?,
    ))
}

pub async fn delete_vehicle(
    State(app): State<Arc<App>>,
    Path((id, vehicle_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    app.register_service()
        .delete_vehicle(&id, &vehicle_id)
        .await?;
    Ok(NO_CONTENT)
}
