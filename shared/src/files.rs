//! Spreadsheet files over HTTP: the upload an import reads (the file as the body, or a
//! multipart form with one file field) and the download an export answers.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use std::collections::HashMap;

pub use crate::answer::MAX_ANSWER_BYTES;
use crate::answer::text_bytes;
use crate::error::ApiError;
use crate::extract::FromQuery;
use crate::import::{Export, SheetOptions, export_format};
use crate::sheet::{File, Format};

/// The largest file an import takes: API Gateway delivers a binary body base64-encoded, a
/// third larger, inside Lambda's 6 MB request; 4 MiB leaves room for the event around it.
pub const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

/// An uploaded spreadsheet: its format and its bytes.
#[derive(Debug)]
pub struct Upload {
    pub format: Format,
    pub bytes: Bytes,
}

/// `?dry_run=&sheet=` of a sheet import.
impl FromQuery for SheetOptions {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        Ok(SheetOptions::parse(raw)?)
    }
}

/// `?format=` of an export.
impl FromQuery for Export {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        Ok(Export {
            format: export_format(raw)?,
        })
    }
}

fn too_large() -> ApiError {
    ApiError::TooLarge(format!(
        "Berkas terlalu besar: maksimal {} MiB ({MAX_UPLOAD_BYTES} byte)",
        MAX_UPLOAD_BYTES / (1024 * 1024)
    ))
}

fn unsupported(given: &str) -> ApiError {
    ApiError::UnsupportedType(format!(
        "Tipe konten '{given}' tidak didukung; kirim berkas .xlsx ({}), .csv (text/csv) atau \
         multipart/form-data dengan satu field berkas",
        Format::XLSX_TYPE
    ))
}

/// The format a content type (parameters aside) names.
fn format_of_type(content_type: &str) -> Option<Format> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    match essence.to_ascii_lowercase().as_str() {
        t if t == Format::XLSX_TYPE => Some(Format::Xlsx),
        // Browsers on Windows label a .csv file with Excel's old type.
        "text/csv" | "application/csv" | "application/vnd.ms-excel" => Some(Format::Csv),
        _ => None,
    }
}

/// The format of a form's file field: by its type, else by its file name.
fn format_of_part(content_type: Option<&str>, file_name: Option<&str>) -> Option<Format> {
    content_type.and_then(format_of_type).or_else(|| {
        let name = file_name?.to_ascii_lowercase();
        if name.ends_with(".xlsx") {
            Some(Format::Xlsx)
        } else if name.ends_with(".csv") {
            Some(Format::Csv)
        } else {
            None
        }
    })
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if content_type
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
        {
            return from_form(req, state).await;
        }
        let format = format_of_type(&content_type).ok_or_else(|| unsupported(&content_type))?;
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::Unreadable(rejection.body_text())
            }
        })?;
        Ok(Upload { format, bytes })
    }
}

/// The first file field of a multipart form.
async fn from_form<S: Send + Sync>(req: Request, state: &S) -> Result<Upload, ApiError> {
    let mut form = Multipart::from_request(req, state)
        .await
        .map_err(|rejection| ApiError::Unreadable(rejection.body_text()))?;
    let failed = |error: axum::extract::multipart::MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::Unreadable(format!("Form tidak dapat dibaca: {}", error.body_text()))
        }
    };
    while let Some(field) = form.next_field().await.map_err(failed)? {
        if field.file_name().is_none() {
            continue;
        }
        let format = format_of_part(field.content_type(), field.file_name()).ok_or_else(|| {
            unsupported(&format!(
                "{} ({})",
                field.content_type().unwrap_or("tanpa tipe"),
                field.file_name().unwrap_or_default()
            ))
        })?;
        let bytes = field.bytes().await.map_err(failed)?;
        return Ok(Upload { format, bytes });
    }
    Err(ApiError::Unreadable(
        "Form tidak berisi berkas: kirim satu field berkas .xlsx atau .csv".into(),
    ))
}

/// The size of `file`'s body inside Lambda's answer: lambda_http sends a `text/*` body as a
/// JSON string (escaped) and any other base64-encoded.
pub fn answer_bytes(file: &File) -> usize {
    match file.format {
        Format::Csv => text_bytes(&String::from_utf8_lossy(&file.bytes)),
        Format::Xlsx => file.bytes.len().div_ceil(3) * 4,
    }
}

/// `file` as a download (`Content-Disposition: attachment`), or a 413 when it is larger than
/// one Lambda answer can carry; `what` names the data in that refusal.
pub fn download(file: File, what: &str) -> Result<Response, ApiError> {
    let size = answer_bytes(&file);
    if size > MAX_ANSWER_BYTES {
        let hint = match file.format {
            Format::Xlsx => " Coba format=csv, yang lebih kecil.",
            Format::Csv => "",
        };
        return Err(ApiError::TooLarge(format!(
            "{what} terlalu besar untuk satu unduhan: {size} byte, batasnya {MAX_ANSWER_BYTES} \
             byte (6 MB per jawaban Lambda).{hint}"
        )));
    }
    let filename = format!("{}.{}", file.stem, file.format.extension());
    let mut response = (StatusCode::OK, file.bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.format.content_type()),
    );
    let disposition = format!("attachment; filename=\"{filename}\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_type_and_by_file_name() {
        assert_eq!(format_of_type(Format::XLSX_TYPE), Some(Format::Xlsx));
        assert_eq!(format_of_type("text/csv; charset=utf-8"), Some(Format::Csv));
        assert_eq!(format_of_type("application/json"), None);
        assert_eq!(
            format_of_part(Some("application/octet-stream"), Some("Pelanggan.XLSX")),
            Some(Format::Xlsx)
        );
        assert_eq!(format_of_part(None, Some("data.csv")), Some(Format::Csv));
        assert_eq!(format_of_part(None, Some("data.pdf")), None);
    }

    #[test]
    fn the_answer_size_is_what_lambda_carries() {
        let xlsx = File {
            stem: "x".into(),
            format: Format::Xlsx,
            bytes: vec![0; 3000],
        };
        assert_eq!(answer_bytes(&xlsx), 4000);
        let csv = File {
            stem: "x".into(),
            format: Format::Csv,
            bytes: b"a,\"b\"\n".to_vec(),
        };
        // "a,\"b\"\n" as a JSON string: quotes around, each quote and the newline escaped.
        assert_eq!(answer_bytes(&csv), 11);
    }

    #[test]
    fn a_file_larger_than_a_lambda_answer_is_refused_whole() {
        let file = |len: usize| File {
            stem: "manual-whatsapp".into(),
            format: Format::Xlsx,
            bytes: vec![0; len],
        };
        // 4,710,000 bytes are 6,280,000 in base64: over the limit, though the file is not.
        let refused = download(file(4_710_000), "Data manual WhatsApp").unwrap_err();
        assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            refused
                .to_string()
                .starts_with("Data manual WhatsApp terlalu besar untuk satu unduhan: 6280000 byte"),
            "{refused}"
        );
        let answer = download(file(4_000_000), "Data manual WhatsApp").unwrap();
        assert_eq!(
            answer.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"manual-whatsapp.xlsx\""
        );
    }
}
