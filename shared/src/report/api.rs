//! The HTTP handlers of `/whatsapp-report`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::query::{DetailQuery, ExportQuery, ListQuery, ReportQuery};
use super::service::{Listing, ResetAnswer, RestoreAnswer, Statistics};
use super::{Plain, Scope, SnapshotInfo};
use crate::answer::{MAX_ANSWER_BYTES, text_bytes};
use crate::extract::ValidQuery;
use crate::{ApiError, App};

type Answer<T> = Result<Json<T>, ApiError>;

/// The header that carries the next page's cursor (absent on the last page), so that a paged
/// body stays the plain array older front ends read.
pub const NEXT_CURSOR_HEADER: &str = "x-next-cursor";

/// `GET /whatsapp-report/`: the rows, in the order and page asked for.
pub async fn list(
    State(app): State<Arc<App>>,
    ValidQuery(ListQuery(query)): ValidQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let listing = app.report().entries(&query).await?;
    let rows: Vec<_> = listing.entries.iter().filter_map(|e| e.plain()).collect();
    paged(&rows, &listing, &query, MAX_ANSWER_BYTES)
}

/// `GET /whatsapp-report/detail`: the rows with names, filtered, ranked and paged as asked.
pub async fn detail(
    State(app): State<Arc<App>>,
    ValidQuery(DetailQuery(query)): ValidQuery<DetailQuery>,
) -> Result<Response, ApiError> {
    let listing = app.report().entries(&query).await?;
    let rows: Vec<_> = listing.entries.iter().map(|e| e.detail()).collect();
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

pub async fn statistics(State(app): State<Arc<App>>) -> Answer<Statistics> {
    Ok(Json(app.report().statistics().await?))
}

pub async fn of_customer(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Answer<Vec<Plain>> {
    Ok(Json(app.report().of_customer(&id).await?))
}

pub async fn of_pair(
    State(app): State<Arc<App>>,
    Path((id, vehicle_id)): Path<(String, String)>,
) -> Answer<Plain> {
    Ok(Json(app.report().of_pair(&id, &vehicle_id).await?))
}

pub async fn delete(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    app.report().delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn reset_frequency(
    State(app): State<Arc<App>>,
    ValidQuery(scope): ValidQuery<Scope>,
) -> Answer<ResetAnswer> {
    Ok(Json(app.report().reset(scope).await?))
}

pub async fn snapshots(State(app): State<Arc<App>>) -> Answer<Vec<SnapshotInfo>> {
    Ok(Json(app.report().snapshots().await?))
}

pub async fn restore(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer<RestoreAnswer> {
    Ok(Json(app.report().restore(&id).await?))
}

/// `GET /whatsapp-report/export?format=xlsx|csv`: the detail rows.
pub async fn export(
    State(app): State<Arc<App>>,
    ValidQuery(export): ValidQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let file = app.report().export(export.format, &export.query).await?;
    crate::files::download(file, "Report WhatsApp")
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
        use crate::store::StoreError;
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
