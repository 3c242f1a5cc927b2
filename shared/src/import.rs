//! Bulk imports: the rows of a request, and the answer that reports each failing one.

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{ApiError, FieldError};

/// Rows accepted by one bulk import; more is a 413.
pub const MAX_IMPORT_ROWS: usize = 1000;

/// The rows of an import body: a JSON array of at most [`MAX_IMPORT_ROWS`].
pub fn rows(body: Value) -> Result<Vec<Value>, ApiError> {
    let Value::Array(rows) = body else {
        return Err(ApiError::invalid(FieldError::body_root(
            "list_type",
            "Input should be a valid list",
        )));
    };
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(ApiError::TooLarge(format!(
            "Maksimal {MAX_IMPORT_ROWS} baris per import, diterima {}",
            rows.len()
        )));
    }
    Ok(rows)
}

/// The outcome of a bulk import, as `data` of its answer; `F` names a failing row.
#[derive(Debug, Serialize)]
pub struct ImportReport<F> {
    pub total: usize,
    pub imported: usize,
    pub failed: usize,
    pub failures: Vec<F>,
}

impl<F: Serialize> ImportReport<F> {
    /// The report of `total` rows of which `failures` failed, in row order by `index`.
    pub fn new(total: usize, mut failures: Vec<F>, index: impl Fn(&F) -> usize) -> Self {
        failures.sort_by_key(index);
        ImportReport {
            total,
            imported: total - failures.len(),
            failed: failures.len(),
            failures,
        }
    }

    /// `{"success": true, "data": …, "message": "Import selesai. 3 berhasil, 0 gagal"}`.
    pub fn answer(&self) -> Value {
        let message = format!(
            "Import selesai. {} berhasil, {} gagal",
            self.imported, self.failed
        );
        json!({"success": true, "data": self, "message": message})
    }
}
