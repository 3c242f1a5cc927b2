//! The HTTP handlers of `/whatsapp-report`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;

use super::Report;
use super::query::{DetailQuery, ExportQuery, ListQuery, ReportQuery};
use super::service::{Listing, ResetAnswer, RestoreAnswer, Statistics};
use super::{Plain, Scope, SnapshotInfo};
use crate::actor::Level;
use crate::answer::{MAX_ANSWER_BYTES, text_bytes};
use crate::audit::api::{Note, Noted};
use crate::error::ApiError;
use crate::extract::ValidQuery;
use crate::openapi::Doc;
use crate::query::NEXT_CURSOR_HEADER;
use crate::route::{Route, route};
use axum::http::Method;

/// What this domain's handlers need of the application that serves them.
pub trait HasReport: Send + Sync + 'static {
    fn report(&self) -> Report<'_>;
}

type Answer<T> = Result<Json<T>, ApiError>;

/// `GET /whatsapp-report/`: the rows, in the order and page asked for.
pub async fn list<A: HasReport>(
    State(app): State<Arc<A>>,
    ValidQuery(ListQuery(query)): ValidQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let listing = app.report().entries(&query).await?;
    let rows: Vec<_> = listing.entries.iter().filter_map(|e| e.plain()).collect();
    paged(&rows, &listing, &query, MAX_ANSWER_BYTES)
}

/// `GET /whatsapp-report/detail`: the rows with names, filtered, ranked and paged as asked.
pub async fn detail<A: HasReport>(
    State(app): State<Arc<A>>,
    ValidQuery(DetailQuery(query)): ValidQuery<DetailQuery>,
) -> Result<Response, ApiError> {
    let report = app.report();
    let listing = report.entries(&query).await?;
    let rows = report.details(&listing.entries).await?;
    paged(&rows, &listing, &query, MAX_ANSWER_BYTES)
}

/// `items` as a JSON array, with the next cursor in [`NEXT_CURSOR_HEADER`]. A whole list
/// (no paging asked) over `max_bytes` in Lambda's answer is refused with 413 rather than cut
/// or failed; a page was cut to fit already ([`crate::answer::fit_page`]).
fn paged<T: Serialize>(
    items: &[T],
    listing: &Listing,
    query: &ReportQuery,
    max_bytes: usize,
) -> Result<Response, ApiError> {
    let body = serde_json::to_string(items).map_err(|e| ApiError::Internal(e.to_string()))?;
    let size = text_bytes(&body);
    if query.page.is_none() && size > max_bytes {
        return Err(too_large(items.len(), size));
    }
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(cursor) = &listing.next_cursor {
        let value = HeaderValue::from_str(cursor).map_err(|e| ApiError::Internal(e.to_string()))?;
        response.headers_mut().insert(NEXT_CURSOR_HEADER, value);
    }
    Ok(response)
}

fn too_large(rows: usize, bytes: usize) -> ApiError {
    ApiError::TooLarge(format!(
        "Daftar terlalu besar untuk satu jawaban ({rows} baris, {bytes} byte). Baca per \
         halaman dengan ?limit=1000, lalu ulangi dengan ?cursor=<header X-Next-Cursor> sampai \
         header itu tidak ada lagi"
    ))
}

pub async fn statistics<A: HasReport>(State(app): State<Arc<A>>) -> Answer<Statistics> {
    Ok(Json(app.report().statistics().await?))
}

pub async fn of_customer<A: HasReport>(
    State(app): State<Arc<A>>,
    Path(id): Path<String>,
) -> Answer<Vec<Plain>> {
    Ok(Json(app.report().of_customer(&id).await?))
}

pub async fn of_pair<A: HasReport>(
    State(app): State<Arc<A>>,
    Path((id, vehicle_id)): Path<(String, String)>,
) -> Answer<Plain> {
    Ok(Json(app.report().of_pair(&id, &vehicle_id).await?))
}

pub async fn delete<A: HasReport>(
    State(app): State<Arc<A>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    app.report().delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn reset_frequency<A: HasReport>(
    State(app): State<Arc<A>>,
    ValidQuery(scope): ValidQuery<Scope>,
) -> Result<Noted<ResetAnswer>, ApiError> {
    let answer = app.report().reset(scope).await?;
    Ok((Extension(Note::Summary(answer.summary())), Json(answer)))
}

pub async fn snapshots<A: HasReport>(State(app): State<Arc<A>>) -> Answer<Vec<SnapshotInfo>> {
    Ok(Json(app.report().snapshots().await?))
}

pub async fn restore<A: HasReport>(
    State(app): State<Arc<A>>,
    Path(id): Path<String>,
) -> Answer<RestoreAnswer> {
    Ok(Json(app.report().restore(&id).await?))
}

/// `GET /whatsapp-report/export?format=xlsx|csv`: the detail rows.
pub async fn export<A: HasReport>(
    State(app): State<Arc<A>>,
    ValidQuery(export): ValidQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let file = app.report().export(export.format, &export.query).await?;
    crate::files::download(file, "Report WhatsApp")
}

/// The routes of this domain, served on any application that gives its handlers what they need.
pub fn routes<A: HasReport>() -> Vec<Route<Arc<A>>> {
    vec![
    route("report-list", Method::GET, "/whatsapp-report", Level::Read, list::<A>)
    .doc(|| {
        Doc::new("whatsapp-report", "Every report row, most messaged first")
            .query::<super::query::ListQuery>()
            .paged_list::<super::Plain>("The rows (413 when too big for one answer: page them)")
            .fails(&[StatusCode::PAYLOAD_TOO_LARGE])
    }),
    route(
        "report-detail",
        Method::GET,
        "/whatsapp-report/detail",
        Level::Read,
        detail::<A>,
    )
    .doc(|| {
        Doc::new("whatsapp-report", "Every row with names, filtered by frequency")
            .query::<super::query::DetailQuery>()
            .paged_list::<super::Detail>("The rows (413 when too big for one answer: page them)")
            .fails(&[StatusCode::PAYLOAD_TOO_LARGE])
    }),
    route(
        "report-export",
        Method::GET,
        "/whatsapp-report/export",
        Level::Read,
        export::<A>,
    )
    .doc(|| {
        Doc::new("whatsapp-report", "Download the detail rows as xlsx or CSV")
            .query::<super::query::ExportQuery>()
            .download()
    }),
    route(
        "report-statistics",
        Method::GET,
        "/whatsapp-report/statistics",
        Level::Read,
        statistics::<A>,
    )
    .doc(|| {
        Doc::new("whatsapp-report", "Statistics of the report, in one read")
            .json::<super::service::Statistics>(StatusCode::OK, "The figures")
    }),
    route(
        "report-customer",
        Method::GET,
        "/whatsapp-report/customer/{customer_id}",
        Level::Read,
        of_customer::<A>,
    )
    .doc(|| {
        Doc::new("whatsapp-report", "A customer's rows")
            .json_list::<super::Plain>(StatusCode::OK, "The rows, `[]` when none")
    }),
    route(
        "report-pair",
        Method::GET,
        "/whatsapp-report/customer/{customer_id}/vehicle/{vehicle_id}",
        Level::Read,
        of_pair::<A>,
    )
    .doc(|| {
        Doc::new("whatsapp-report", "The row of a (customer, vehicle) pair")
            .json::<super::Plain>(StatusCode::OK, "The row")
    }),
    route(
        "report-delete",
        Method::DELETE,
        "/whatsapp-report/{report_id}",
        Level::Admin,
        delete::<A>,
    )
    .doc(|| {
        Doc::new("whatsapp-report", "Delete a report row")
            .empty(StatusCode::NO_CONTENT, "Deleted")
    }),
    route(
        "report-reset",
        Method::POST,
        "/whatsapp-report/reset-frequency",
        Level::Admin,
        reset_frequency::<A>,
    )
    .doc(|| {
        Doc::new("whatsapp-report", "Reset frequencies to 0, after a snapshot")
            .about("All rows, one customer's (`customer_id`) or one pair's (with `vehicle_id`). A 503 names the snapshot of a reset that stopped part-way.")
            .query::<Scope>()
            .json::<super::service::ResetAnswer>(StatusCode::OK, "The reset and its snapshot")
    }),
    route(
        "report-snapshots",
        Method::GET,
        "/whatsapp-report/snapshots",
        Level::Read,
        snapshots::<A>,
    )
    .doc(|| {
        Doc::new("whatsapp-report", "The snapshots of resets, newest first")
            .json_list::<super::SnapshotInfo>(StatusCode::OK, "The snapshots")
    }),
    route(
        "report-restore",
        Method::POST,
        "/whatsapp-report/snapshots/{snapshot_id}/restore",
        Level::Admin,
        restore::<A>,
    )
    .doc(|| {
        Doc::new("whatsapp-report", "Give back what a reset took")
            .json::<super::service::RestoreAnswer>(StatusCode::OK, "The restore")
            .fails(&[StatusCode::CONFLICT])
    }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::query::PageRequest;

    #[test]
    fn a_whole_list_too_big_is_refused_and_a_page_is_not() {
        let listing = Listing {
            entries: Vec::new(),
            next_cursor: Some("abc".into()),
        };
        let whole = ReportQuery::default();
        let items = vec!["x".repeat(100); 10];
        let refused = paged(&items, &listing, &whole, 500).unwrap_err();
        assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(refused.to_string().contains("limit=1000"));
        let fits = paged(&items, &listing, &whole, 5_000).unwrap();
        assert_eq!(fits.headers()[NEXT_CURSOR_HEADER], "abc");
        let page = ReportQuery {
            page: Some(PageRequest {
                limit: 10,
                after: None,
            }),
            ..whole
        };
        assert!(paged(&items, &listing, &page, 500).is_ok());
    }

    #[test]
    fn a_write_stopped_part_way_answers_503_with_how_to_finish_it() {
        use crate::report::ReportError;
        use crate::store_error::StoreError;
        let lost = || StoreError::Unavailable("connection reset".into());
        let reset = ApiError::from(ReportError::ResetInterrupted {
            snapshot: "s1".into(),
            source: lost(),
        });
        assert_eq!(reset.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            reset.to_string(),
            "Reset terhenti sebelum selesai. Snapshot s1 menyimpan nilai sebelumnya: batalkan \
             dengan POST /whatsapp-report/snapshots/s1/restore, atau ulangi reset untuk \
             menyelesaikannya"
        );
        let restore = ApiError::from(ReportError::RestoreInterrupted {
            snapshot: "s1".into(),
            source: lost(),
        });
        assert_eq!(restore.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            restore.to_string(),
            "Pemulihan terhenti sebelum selesai; ulangi POST /whatsapp-report/snapshots/s1/restore \
             untuk menyelesaikannya"
        );
    }
}
