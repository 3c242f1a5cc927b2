//! Bulk imports: the rows of a request (a JSON array or a sheet), where each came from, and the
//! answer that reports each failing one.

use std::collections::{HashMap, HashSet};

use futures::StreamExt;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::query::Params;
use crate::sheet::{self, Column, Format, Located, Row, Sheet, SheetError};
use crate::store_error::StoreError;
use crate::validation::FieldError;

/// Rows accepted by one JSON bulk import; more is a 413.
pub const MAX_IMPORT_ROWS: usize = 1000;
/// Data rows accepted by one sheet import; more is a 413, as soon as the reading reaches one.
pub const MAX_SHEET_ROWS: usize = sheet::Limits::UPLOAD.data_rows;

/// Why an import was refused as a whole, or could not finish. A row's own problem is no
/// error of the import: it is reported as that row's failure.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    #[error("Maksimal {MAX_IMPORT_ROWS} baris per import, diterima {0}")]
    TooManyRows(usize),
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The rows of an import body: a JSON array of at most [`MAX_IMPORT_ROWS`].
pub fn rows(body: Value) -> Result<Vec<Value>, ImportError> {
    let Value::Array(rows) = body else {
        return Err(ImportError::Invalid(vec![FieldError::body_root(
            "list_type",
            "Input should be a valid list",
        )]));
    };
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(ImportError::TooManyRows(rows.len()));
    }
    Ok(rows)
}

/// A row of an import body: where it stands, the row as sent, and what its validation made of it.
pub type JsonRow<T> = (Origin, Value, Result<T, Refusal>);

/// The rows of an import body, each with the create body `parse` reads from it at
/// `body.<index>` (or the refusal naming its fields).
pub fn json_rows<T>(
    body: Value,
    parse: impl Fn(Value, Vec<Value>) -> Result<T, Vec<FieldError>>,
) -> Result<Vec<JsonRow<T>>, ImportError> {
    let rows = rows(body)?.into_iter().enumerate().map(|(index, row)| {
        let origin = Origin::json(index);
        let parsed = parse(row.clone(), vec![json!("body"), json!(index)])
            .map_err(|errors| Refusal::of_validation(&origin, 2, &errors));
        (origin, row, parsed)
    });
    Ok(rows.collect())
}

/// A JSON import body of at most [`MAX_IMPORT_ROWS`] rows of `T`, for the OpenAPI document.
pub struct Batch<T>(std::marker::PhantomData<T>);

impl<T: utoipa::ToSchema> utoipa::PartialSchema for Batch<T> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        // A row that is not a valid create body is no error of the request: it is reported
        // as a failure of that row, so any value is an acceptable row.
        let row = utoipa::openapi::schema::AnyOfBuilder::new()
            .item(utoipa::openapi::Ref::from_schema_name(T::name()))
            .item(
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
                    .description(Some("Any other value: that row's failure")),
            )
            .description(Some(
                "A create body; any other value is reported as that row's failure",
            ));
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(row)
            .max_items(Some(MAX_IMPORT_ROWS))
            .description(Some(
                "Each row is validated and stored on its own; more rows answer 413",
            ))
            .into()
    }
}

impl<T: utoipa::ToSchema> utoipa::ToSchema for Batch<T> {
    /// `NewRecordBatch`, `NewCustomerBatch`: one component per domain's batch.
    fn name() -> std::borrow::Cow<'static, str> {
        format!("{}Batch", T::name()).into()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((T::name().into(), T::schema()));
        T::schemas(schemas);
    }
}

/// What an export was asked: the file's format, `?format=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Export {
    /// `xlsx` (the default) or `csv`.
    #[param(value_type = Option<String>, pattern = "^(xlsx|csv)$")]
    pub format: Format,
}

/// What a sheet import was asked: `?dry_run=` (default true) and `?sheet=`.
#[derive(Debug, Clone, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SheetOptions {
    /// `false` to write; by default only checks every row and writes nothing.
    #[param(rename = "dry_run", value_type = Option<bool>, default = true)]
    pub mode: Mode,
    /// The sheet to read, by name (case ignored); the first one by default.
    pub sheet: Option<String>,
}

impl SheetOptions {
    /// A dry run unless `dry_run=false`: an import cannot be undone in one step, so writing is
    /// what the caller must ask for.
    pub fn parse(params: &HashMap<String, String>) -> Result<Self, Vec<FieldError>> {
        let mut p = Params::new(params);
        let dry_run = p.flag("dry_run", true);
        let sheet = p.text("sheet");
        p.finish()?;
        Ok(SheetOptions {
            mode: if dry_run { Mode::DryRun } else { Mode::Write },
            sheet,
        })
    }
}

/// The sheet of an uploaded file, within [`sheet::Limits::UPLOAD`] (at most
/// [`MAX_SHEET_ROWS`] data rows).
pub fn read_sheet(
    format: Format,
    bytes: &[u8],
    options: &SheetOptions,
) -> Result<Sheet, ImportError> {
    Ok(sheet::read(format, bytes, options.sheet.as_deref())?)
}

/// The format an export is asked for: `?format=xlsx|csv`, xlsx by default.
pub fn export_format(params: &HashMap<String, String>) -> Result<Format, Vec<FieldError>> {
    let mut p = Params::new(params);
    let format = p.choice("format", &[Format::Xlsx, Format::Csv]);
    p.finish()?;
    Ok(format.unwrap_or(Format::Xlsx))
}

/// A field of a create body as a sheet column holds it.
#[derive(Debug, Clone, Copy)]
pub struct SheetField {
    /// The body's field name.
    pub name: &'static str,
    pub column: Column,
    /// A date column: date cells, serial numbers and date text all read as `YYYY-MM-DD`.
    pub date: bool,
}

/// A field read from the column of one of `headers` (text; a date field sets `date`).
pub const fn field(
    name: &'static str,
    headers: &'static [&'static str],
    required: bool,
) -> SheetField {
    SheetField {
        name,
        column: Column { headers, required },
        date: false,
    }
}

/// The columns of `fields`, to locate them in a sheet.
pub fn columns(fields: &[SheetField]) -> Vec<Column> {
    fields.iter().map(|f| f.column).collect()
}

/// One sheet row read as the fields of a create body.
#[derive(Debug, Default)]
pub struct SheetRow {
    /// The body's fields, blank cells left out (as absent fields).
    pub body: Map<String, Value>,
    /// Where each field sits, its path starting with `prefix`.
    pub places: Vec<Place>,
    /// Cells that could not be read as their field (a date that is none).
    pub problems: Vec<Problem>,
}

/// Reads `row` as the body fields `fields`, located by `located` (in the order of `fields`).
pub fn read_row(located: &Located, row: &Row, fields: &[SheetField], prefix: &[Value]) -> SheetRow {
    let mut read = SheetRow::default();
    for (at, field) in fields.iter().enumerate() {
        let Some((cell, column)) = located.cell(row, at) else {
            continue;
        };
        let mut path = prefix.to_vec();
        path.push(json!(field.name));
        let value = cell.text();
        read.places.push(Place {
            path,
            row: row.number,
            column: column.to_string(),
            value: value.clone(),
        });
        if cell.is_blank() {
            continue;
        }
        if !field.date {
            read.body.insert(field.name.into(), json!(value));
            continue;
        }
        match cell.date() {
            Ok(Some(date)) => {
                read.body.insert(field.name.into(), json!(date.to_string()));
            }
            Ok(None) => {}
            Err(reason) => read.problems.push(Problem {
                row: row.number,
                column: Some(column.to_string()),
                value,
                reason,
            }),
        }
    }
    read
}

/// Whether an import writes, or only says what it would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    /// Validates everything and looks up the nopols already registered; writes nothing.
    DryRun,
}

/// One problem of a sheet row, for a person to fix: the row and column as the spreadsheet
/// shows them, what the cell holds, and why it was refused.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    pub row: usize,
    /// The header of the column, as the sheet writes it; `None` for a problem of the row.
    pub column: Option<String>,
    pub value: String,
    pub reason: String,
}

impl Problem {
    /// `Baris 3, kolom No HP ('0212'): Nomor HP tidak valid …`.
    pub fn line(&self) -> String {
        match &self.column {
            Some(column) if self.value.is_empty() => {
                format!("Baris {}, kolom {column}: {}", self.row, self.reason)
            }
            Some(column) => format!(
                "Baris {}, kolom {column} ('{}'): {}",
                self.row, self.value, self.reason
            ),
            None => format!("Baris {}: {}", self.row, self.reason),
        }
    }
}

/// Where a field of an import row sits in the sheet it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// The field, as the JSON body names it after the row: `["no_hp"]`, `["vehicles", 0, "nopol"]`.
    pub path: Vec<Value>,
    pub row: usize,
    pub column: String,
    pub value: String,
}

/// Where one import row came from: its position among the rows and, for a sheet, its row
/// number and where each of its fields sits, so that failures point at cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Origin {
    /// 0-based position of the row in the request (among a sheet's non-empty data rows, or
    /// customers when rows are grouped).
    pub index: usize,
    /// The row number in the sheet (the header is row 1), of a grouped customer its first row.
    pub row: Option<usize>,
    pub places: Vec<Place>,
}

impl Origin {
    pub fn json(index: usize) -> Self {
        Origin {
            index,
            ..Origin::default()
        }
    }

    /// The problem `reason` of the field at `path`, when the row came from a sheet.
    pub fn problem(&self, path: &[Value], reason: String) -> Option<Problem> {
        let row = self.row?;
        let place = self.places.iter().find(|p| p.path == path);
        Some(match place {
            Some(place) => Problem {
                row: place.row,
                column: Some(place.column.clone()),
                value: place.value.clone(),
                reason,
            },
            None => Problem {
                row,
                column: None,
                value: String::new(),
                reason,
            },
        })
    }
}

/// Why a row was refused: one line, and for a sheet row the cells at fault.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub error: String,
    pub problems: Vec<Problem>,
}

impl Refusal {
    /// A refusal of the field at `path` (`["nopol"]`), located when the row came from a sheet.
    pub fn of_field(origin: &Origin, path: &[Value], reason: String) -> Self {
        match origin.problem(path, reason.clone()) {
            Some(problem) => Refusal::of_problems(vec![problem]),
            None => Refusal {
                error: reason,
                problems: Vec::new(),
            },
        }
    }

    /// The problems validation found in a row located at `loc` (`["body", i]`).
    pub fn of_validation(origin: &Origin, loc_len: usize, errors: &[FieldError]) -> Self {
        if origin.row.is_none() {
            return Refusal {
                error: describe(errors),
                problems: Vec::new(),
            };
        }
        let problems = errors
            .iter()
            .filter_map(|e| origin.problem(e.loc.get(loc_len..).unwrap_or(&[]), reason(e)))
            .collect();
        Refusal::of_problems(problems)
    }

    pub fn of_problems(problems: Vec<Problem>) -> Self {
        Refusal {
            error: problems
                .iter()
                .map(Problem::line)
                .collect::<Vec<_>>()
                .join("; "),
            problems,
        }
    }

    /// This refusal with `more` problems after its own.
    pub fn and(mut self, more: Refusal) -> Self {
        self.problems.extend(more.problems);
        if self.problems.is_empty() {
            self.error = [self.error, more.error].join("; ");
            self
        } else {
            Refusal::of_problems(self.problems)
        }
    }
}

/// One line naming each problem of a JSON row: `no_hp: Nomor HP tidak valid …`.
pub(crate) fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| match e.loc.last() {
            Some(Value::String(field)) => format!("{field}: {}", e.msg),
            _ => e.msg.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A validation problem in words for workshop staff. The rules' own messages are Indonesian;
/// the generic ones (kept in pydantic's English for the JSON API) are said again here.
fn reason(error: &FieldError) -> String {
    match error.kind {
        "missing" | "string_too_short" => "Wajib diisi".to_string(),
        "string_too_long" => {
            let max: String = error.msg.chars().filter(char::is_ascii_digit).collect();
            format!("Terlalu panjang, maksimal {max} karakter")
        }
        "too_long" => {
            let max: String = error.msg.chars().filter(char::is_ascii_digit).collect();
            format!("Terlalu banyak, maksimal {max}")
        }
        _ => error.msg.clone(),
    }
}

/// The outcome of a bulk import, as `data` of its answer; `F` names a failing row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReport<F> {
    pub total: usize,
    /// Rows stored or, in a dry run, rows that would be.
    pub imported: usize,
    pub failed: usize,
    pub failures: Vec<F>,
}

/// The answer of an import: `{"success": true, "data": …, "message": …}`, and for a sheet
/// import whether it was a dry run.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"success": true, "message": "Import selesai. 3 berhasil, 0 gagal",
    "data": {"total": 3, "imported": 3, "failed": 0, "failures": []}}))]
pub struct ImportAnswer<F> {
    pub success: bool,
    #[schema(inline)]
    pub data: ImportReport<F>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
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

    /// The JSON import's answer: `"Import selesai. 3 berhasil, 0 gagal"`.
    pub fn answer(self) -> ImportAnswer<F> {
        let message = format!(
            "Import selesai. {} berhasil, {} gagal",
            self.imported, self.failed
        );
        ImportAnswer {
            success: true,
            data: self,
            message,
            dry_run: None,
        }
    }

    /// A sheet import's answer, which says whether it was a dry run.
    pub fn sheet_answer(self, mode: Mode) -> ImportAnswer<F> {
        let dry_run = mode == Mode::DryRun;
        let message = if dry_run {
            format!(
                "Simulasi import (tidak ada yang disimpan): {} dapat diimport, {} gagal",
                self.imported, self.failed
            )
        } else {
            format!(
                "Import selesai. {} berhasil, {} gagal",
                self.imported, self.failed
            )
        };
        ImportAnswer {
            success: true,
            data: self,
            message,
            dry_run: Some(dry_run),
        }
    }
}

/// One domain's side of an import: what a row stores, the nopols it claims, how its items are
/// written or checked, and how each refusal is named in that domain's failure.
#[async_trait::async_trait]
pub trait Importer: Sync {
    /// A row as read, valid or not.
    type Row: Send;
    /// What a valid row stores.
    type Item: Send + Sync;
    type Failure: Send;

    /// Where the row stands, and its item, or its failure when it is invalid.
    fn item(&self, row: Self::Row) -> (Origin, Result<Self::Item, Self::Failure>);
    /// The nopols `item` claims, in order.
    fn nopols(origin: &Origin, item: &Self::Item) -> Vec<Claimed>;
    /// The failure of `item`, whose nopol `which` (of [`Self::nopols`]) is refused for `reason`.
    fn refused_nopol(
        origin: &Origin,
        item: &Self::Item,
        which: usize,
        reason: String,
    ) -> Self::Failure;
    /// The failure of `item` when the store refused it (or, in a dry run, would).
    fn refused(origin: &Origin, item: &Self::Item, error: StoreError) -> Self::Failure;
    /// Stores `items`, each on its own: one outcome per item, in order.
    async fn write(&self, items: &[Self::Item]) -> Result<Vec<Result<(), StoreError>>, StoreError>;
    /// Whether the nopol `key` (compact) is registered already: what a dry run reads.
    async fn nopol_taken(&self, key: &str) -> Result<bool, StoreError>;
    /// The failure's position in the request, by which the report orders failures.
    fn index(failure: &Self::Failure) -> usize;
}

/// The sheet side of an [`Importer`]: the columns its sheet has, and how the sheet's data rows
/// become import rows.
pub trait SheetImporter: Importer {
    const FIELDS: &'static [SheetField];

    fn rows(sheet: &[Row], located: &Located) -> Vec<Self::Row>;
}

/// A sheet import: the file read within its limits, its columns found by their headers, its
/// rows imported (by default only checked: a dry run).
pub async fn import_sheet<I: SheetImporter>(
    importer: &I,
    format: Format,
    bytes: &[u8],
    options: &SheetOptions,
) -> Result<ImportAnswer<I::Failure>, ImportError>
where
    I::Failure: Serialize,
{
    let sheet = read_sheet(format, bytes, options)?;
    let located = sheet.locate(&columns(I::FIELDS))?;
    let rows = I::rows(&sheet.rows, &located);
    let report = import(importer, rows, options.mode).await?;
    Ok(report.sheet_answer(options.mode))
}

/// A nopol an imported item claims: compact (the key of uniqueness), as shown, and the sheet
/// row that names it.
pub struct Claimed {
    pub key: String,
    pub shown: String,
    pub row: Option<usize>,
}

/// An import: each row on its own (a failing row never stops the others) or, in a dry run,
/// which would fail: invalid, a nopol repeated in the import, or one registered already.
pub async fn import<I: Importer>(
    importer: &I,
    rows: Vec<I::Row>,
    mode: Mode,
) -> Result<ImportReport<I::Failure>, StoreError>
where
    I::Failure: Serialize,
{
    let total = rows.len();
    let mut failures = Vec::new();
    let mut accepted = Vec::new();
    // Compact nopol -> the sheet row that has it first.
    let mut seen: HashMap<String, Option<usize>> = HashMap::new();
    for row in rows {
        let (origin, item) = importer.item(row);
        let item = match item {
            Ok(item) => item,
            Err(failure) => {
                failures.push(failure);
                continue;
            }
        };
        match first_repeat(&seen, I::nopols(&origin, &item)) {
            Err((which, reason)) => {
                failures.push(I::refused_nopol(&origin, &item, which, reason));
            }
            Ok(claimed) => {
                seen.extend(claimed);
                accepted.push((origin, item));
            }
        }
    }
    let (origins, items): (Vec<Origin>, Vec<I::Item>) = accepted.into_iter().unzip();
    let outcomes = match mode {
        Mode::Write => importer.write(&items).await?,
        Mode::DryRun => check(importer, &origins, &items).await?,
    };
    for ((origin, item), outcome) in origins.iter().zip(&items).zip(outcomes) {
        if let Err(error) = outcome {
            failures.push(I::refused(origin, item, error));
        }
    }
    Ok(ImportReport::new(total, failures, I::index))
}

/// Lookups of registered nopols a dry run makes side by side.
const LOOKUPS_IN_FLIGHT: usize = 16;

/// What writing `items` would answer, read without writing: `NopolTaken` naming the first
/// registered nopol of each item that has one.
async fn check<I: Importer>(
    importer: &I,
    origins: &[Origin],
    items: &[I::Item],
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let claims = || {
        origins
            .iter()
            .zip(items)
            .map(|(o, item)| I::nopols(o, item))
    };
    let keys: Vec<String> = claims().flatten().map(|nopol| nopol.key).collect();
    let lookups: Vec<Result<(String, bool), StoreError>> = futures::stream::iter(keys)
        .map(|key| async move {
            let taken = importer.nopol_taken(&key).await?;
            Ok((key, taken))
        })
        .buffered(LOOKUPS_IN_FLIGHT)
        .collect()
        .await;
    let mut taken = HashSet::new();
    for lookup in lookups {
        let (key, is_taken) = lookup?;
        if is_taken {
            taken.insert(key);
        }
    }
    let first_taken = |nopols: Vec<Claimed>| nopols.into_iter().find(|n| taken.contains(&n.key));
    Ok(claims()
        .map(|nopols| match first_taken(nopols) {
            Some(nopol) => Err(StoreError::NopolTaken(nopol.key)),
            None => Ok(()),
        })
        .collect())
}

/// The nopols an item claims when none repeats one seen before (or one of its own), else the
/// first that does, with why.
fn first_repeat(
    seen: &HashMap<String, Option<usize>>,
    nopols: Vec<Claimed>,
) -> Result<HashMap<String, Option<usize>>, (usize, String)> {
    let mut own = HashMap::new();
    for (which, nopol) in nopols.into_iter().enumerate() {
        if let Some(first) = seen.get(&nopol.key).or_else(|| own.get(&nopol.key)) {
            return Err((which, repeated(&nopol.shown, *first)));
        }
        own.insert(nopol.key, nopol.row);
    }
    Ok(own)
}

/// `Nopol … muncul lebih dari sekali dalam import ini`, with the sheet row that has it first.
fn repeated(nopol: &str, first_row: Option<usize>) -> String {
    let reason = format!("Nopol {nopol} muncul lebih dari sekali dalam import ini");
    match first_row {
        Some(row) => format!("{reason} (pertama di baris {row})"),
        None => reason,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_sheet_refusal_points_at_the_cell() {
        let origin = Origin {
            index: 0,
            row: Some(4),
            places: vec![Place {
                path: vec![json!("no_hp")],
                row: 4,
                column: "No HP".into(),
                value: "0212".into(),
            }],
        };
        let errors = [
            FieldError::new(
                vec![json!("body"), json!(0), json!("no_hp")],
                "value_error",
                "Nomor HP tidak valid",
            ),
            FieldError::new(
                vec![json!("body"), json!(0), json!("customer_name")],
                "missing",
                "Field required",
            ),
        ];
        let refusal = Refusal::of_validation(&origin, 2, &errors);
        assert_eq!(
            refusal.error,
            "Baris 4, kolom No HP ('0212'): Nomor HP tidak valid; Baris 4: Wajib diisi"
        );
        let json = Refusal::of_validation(&Origin::json(0), 2, &errors);
        assert_eq!(
            json.error,
            "no_hp: Nomor HP tidak valid; customer_name: Field required"
        );
        assert!(json.problems.is_empty());
    }
}
