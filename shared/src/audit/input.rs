//! The change log's query, read as the HTTP layer reads queries.

use std::collections::HashMap;

use chrono::DateTime;

use super::store::AuditQuery;
use super::{DEFAULT_PAGE, MAX_PAGE};
use crate::error::ApiError;
use crate::extract::FromQuery;
use crate::query::{Params, is_position_key};

impl FromQuery for AuditQuery {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        let since = p.text("since");
        let query = AuditQuery {
            actor: p.text("actor"),
            action: p.text("action"),
            since: since
                .as_deref()
                .and_then(|at| DateTime::parse_from_rfc3339(at).ok()),
            limit: p.limit(DEFAULT_PAGE, MAX_PAGE),
            after: p.cursor(is_position_key),
        };
        // Given empty, `since` is no instant: refused, as the document's date-time says.
        if p.has("since") && query.since.is_none() {
            p.refuse(
                "since",
                "Waktu tidak valid; tulis seperti 2026-12-01T00:00:00+07:00",
            );
        }
        p.finish().map(|()| query).map_err(ApiError::Invalid)
    }
}
