//! Spreadsheet files as rows of cells: reading the xlsx and CSV files a workshop uploads, and
//! writing the ones it downloads. Only the file formats live here: no HTTP, no domain rules.

mod container;
mod read;
mod write;

pub use read::read;
pub use write::write;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// The two file formats of imports and exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    pub const XLSX_TYPE: &'static str =
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    pub const CSV_TYPE: &'static str = "text/csv";

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => Self::XLSX_TYPE,
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }
}

/// What an uploaded file may hold. A file beyond any of these is refused as soon as reading
/// reaches it, before a parser allocates for it: a few KiB of zip can declare gigabytes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Rows with a value below the header row.
    pub data_rows: usize,
    /// Columns of a row, by position (a sheet of the imports needs 6 to 10).
    pub columns: usize,
    /// Bytes of one cell's text or one CSV field.
    pub field_bytes: usize,
    /// Parts (zip entries) of an xlsx file.
    pub parts: usize,
    /// Bytes of one part once inflated.
    pub part_bytes: u64,
    /// Bytes of all parts once inflated.
    pub inflated_bytes: u64,
    /// Entries the shared-strings table declares or holds.
    pub shared_strings: u64,
    /// Elements open at once in a part's XML.
    pub depth: usize,
    /// Bytes of the text of every cell together. One shared string may stand in many cells,
    /// and each cell read holds a copy: a few kilobytes of XML can ask for gigabytes.
    pub text_bytes: u64,
}

const MIB: u64 = 1024 * 1024;

impl Limits {
    /// The limits of every import: 5,000 data rows, 64 columns; a cell holds at most 32,767
    /// characters in Excel, so a field of more than 32 KiB is no spreadsheet's.
    pub const UPLOAD: Limits = Limits {
        data_rows: 5000,
        columns: 64,
        field_bytes: 32 * 1024,
        parts: 1000,
        part_bytes: 32 * MIB,
        inflated_bytes: 48 * MIB,
        // Every cell of the largest sheet a different text.
        shared_strings: 5001 * 64,
        depth: 64,
        // Four times the largest sheet a workshop writes (5,000 rows of a name, a 500-character
        // note and the short columns are about 4 MiB).
        text_bytes: 16 * MIB,
    };
}

/// One cell, as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// Excel keeps every number as a float: phone numbers typed as numbers arrive here.
    Number(f64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Bool(bool),
}

/// The characters a spreadsheet reads as the start of a formula in a CSV field (OWASP's CSV
/// injection list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as an exported cell holds it: with an apostrophe before it when a spreadsheet would
/// read it as a formula (`'=1+1`), or when it already starts with apostrophes before such a
/// character (`'=1+1` is written `''=1+1`), so that [`unquoted`] gives back exactly `text`.
/// CSV fields are written through it (with `formulas`); xlsx text cells are never formulas, so
/// only the second case applies to them.
pub fn quoted(text: &str, formulas: bool) -> std::borrow::Cow<'_, str> {
    let hides_formula = text.trim_start_matches('\'').starts_with(FORMULA_STARTS);
    if hides_formula && (formulas || text.starts_with('\'')) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// `text` without the one apostrophe [`quoted`] adds: an apostrophe (or several) followed by a
/// formula character loses its first apostrophe; any other text is left as it is.
pub fn unquoted(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.trim_start_matches('\'').starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

/// The largest integer a float holds exactly; beyond it a number cannot be a phone number.
const EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

impl Cell {
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as a person reads it (and as imports read it): text without the apostrophe an
    /// export put before a formula (see [`quoted`]), whole numbers without a fraction or exponent
    /// (`8123456789`, not `8.123456789E9`), dates as `YYYY-MM-DD`.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => unquoted(text.trim()).to_string(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < EXACT_INTEGER => {
                format!("{}", *n as i64)
            }
            Cell::Number(n) => n.to_string(),
            Cell::Date(date) => date.format("%Y-%m-%d").to_string(),
            Cell::DateTime(at) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
            Cell::Bool(b) => b.to_string(),
        }
    }

    /// The cell as a calendar date: a date cell, an Excel serial number (`46037`), or text
    /// `YYYY-MM-DD` or `DD/MM/YYYY` (also `DD-MM-YYYY`, and either with a time after it).
    /// `Ok(None)` for a blank cell; `Err` says why it is no date.
    pub fn date(&self) -> Result<Option<NaiveDate>, String> {
        match self {
            Cell::Empty => Ok(None),
            Cell::Date(date) => Ok(Some(*date)),
            Cell::DateTime(at) => Ok(Some(at.date())),
            Cell::Number(serial) => serial_date(*serial)
                .map(Some)
                .ok_or_else(|| format!("Angka {} bukan tanggal Excel yang valid", self.text())),
            Cell::Text(text) if text.trim().is_empty() => Ok(None),
            Cell::Text(text) => text_date(text.trim()).map(Some).ok_or_else(|| {
                "Tanggal tidak valid; gunakan sel tanggal, YYYY-MM-DD atau DD/MM/YYYY".to_string()
            }),
            Cell::Bool(_) => Err("Bukan tanggal".to_string()),
        }
    }
}

/// Excel's serial day number (days since 1899-12-30, in the 1900 date system) as a date.
fn serial_date(serial: f64) -> Option<NaiveDate> {
    // 1 is 1900-01-01 and 2958465 is 9999-12-31, Excel's range.
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let at = calamine::ExcelDateTime::new(serial, calamine::ExcelDateTimeType::DateTime, false);
    at.as_datetime().map(|at| at.date())
}

const TEXT_DATE_FORMATS: [&str; 3] = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"];

fn text_date(text: &str) -> Option<NaiveDate> {
    // A date followed by a time, as pandas and some exports write it: the date part decides.
    let day = text.split([' ', 'T']).next().unwrap_or(text);
    TEXT_DATE_FORMATS
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(day, format).ok())
        // `%Y` takes any number of digits: refuse a two-digit year rather than read year 26.
        .filter(|date| date.year_ce().1 >= 1000)
}

/// One row of a sheet: its number as the spreadsheet shows it (the first row is 1) and its
/// cells from the first column on.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn cell(&self, column: usize) -> &Cell {
        self.cells.get(column).unwrap_or(&Cell::Empty)
    }

    fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_blank)
    }
}

/// A sheet read from a file: the header row (the first row that is not empty) and the data
/// rows below it, empty rows left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub header: Row,
    pub rows: Vec<Row>,
}

impl Sheet {
    /// The sheet of `rows`, or `NoHeader` when every row is empty.
    fn of_rows(name: &str, rows: impl IntoIterator<Item = Row>) -> Result<Sheet, SheetError> {
        let mut rows = rows.into_iter().filter(|row| !row.is_blank());
        let header = rows
            .next()
            .ok_or_else(|| SheetError::NoHeader(name.to_string()))?;
        Ok(Sheet {
            header,
            rows: rows.collect(),
        })
    }

    /// Finds the columns of `spec` by their headers (case, spaces and `_` ignored). Columns
    /// the spec does not name are ignored; a missing required one is an error naming it.
    pub fn locate(&self, spec: &[Column]) -> Result<Located, SheetError> {
        let headers: Vec<(String, String)> = self
            .header
            .cells
            .iter()
            .map(|cell| {
                let text = cell.text();
                (header_key(&text), text)
            })
            .collect();
        let mut found = Vec::with_capacity(spec.len());
        let mut missing = Vec::new();
        for column in spec {
            let at = headers
                .iter()
                .position(|(key, _)| column.headers.iter().any(|h| header_key(h) == *key));
            match at {
                Some(index) => found.push(Some((index, headers[index].1.clone()))),
                None if column.required => {
                    missing.push(column.headers.join(" / "));
                    found.push(None);
                }
                None => found.push(None),
            }
        }
        if !missing.is_empty() {
            let given: Vec<&str> = headers
                .iter()
                .map(|(_, text)| text.as_str())
                .filter(|t| !t.is_empty())
                .collect();
            return Err(SheetError::MissingColumns {
                missing,
                row: self.header.number,
                given: given.join(", "),
            });
        }
        Ok(Located { found })
    }
}

/// A header as compared: lower case, without spaces, `_`, `-` and `.`.
fn header_key(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A column a sheet may have: the headers it goes by (the first is the one exports write).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub headers: &'static [&'static str],
    pub required: bool,
}

/// Where the columns of a spec are in one sheet, in the spec's order.
#[derive(Debug, Clone)]
pub struct Located {
    found: Vec<Option<(usize, String)>>,
}

impl Located {
    /// The columns from spec column `start` on, for reading part of a row.
    pub fn from(&self, start: usize) -> Located {
        Located {
            found: self.found.get(start..).unwrap_or_default().to_vec(),
        }
    }

    /// The cell of spec column `at` in `row`, with the header the sheet gives it; `None` when
    /// the sheet has no such column.
    pub fn cell<'r>(&self, row: &'r Row, at: usize) -> Option<(&'r Cell, &str)> {
        let (index, header) = self.found.get(at)?.as_ref()?;
        Some((row.cell(*index), header.as_str()))
    }
}

/// A sheet to write: its name, the header row and the rows under it.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// A written file: its name without the extension (the format adds it), format and bytes.
#[derive(Debug, Clone)]
pub struct File {
    pub stem: String,
    pub format: Format,
    pub bytes: Vec<u8>,
}

impl File {
    /// `table` written as `format`, named `stem`.
    pub fn of(table: &Table, format: Format, stem: String) -> Result<File, SheetError> {
        Ok(File {
            stem,
            format,
            bytes: write(table, format)?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("Berkas bukan file Excel (.xlsx) yang dapat dibaca: {0}")]
    Malformed(String),
    #[error(
        "Berkas Excel dilindungi kata sandi (terenkripsi); simpan ulang tanpa kata sandi lalu kirim lagi"
    )]
    Encrypted,
    #[error("Sheet '{wanted}' tidak ada; sheet dalam berkas: {available}")]
    NoSuchSheet { wanted: String, available: String },
    #[error("Sheet '{0}' kosong: tidak ada baris judul kolom")]
    NoHeader(String),
    #[error(
        "Berkas CSV bukan teks UTF-8 (baris {line}); di Excel simpan sebagai 'CSV UTF-8 (Comma delimited)'"
    )]
    NotUtf8 { line: usize },
    #[error("CSV tidak dapat dibaca: {0}")]
    BadCsv(String),
    #[error(
        "Kolom wajib tidak ditemukan: {}. Judul kolom di baris {row}: {given}",
        missing.join(", ")
    )]
    MissingColumns {
        missing: Vec<String>,
        row: usize,
        given: String,
    },
    #[error("Berkas tidak dapat ditulis: {0}")]
    Write(String),
    #[error("Berkas Excel terlalu besar: maksimal {0} bagian dalam berkas")]
    TooManyParts(usize),
    #[error("Berkas Excel terlalu besar: satu bagian berkas maksimal {} MiB setelah diekstrak", .0 / MIB)]
    PartTooLarge(u64),
    #[error("Berkas Excel terlalu besar: isi berkas maksimal {} MiB setelah diekstrak", .0 / MIB)]
    InflatedTooLarge(u64),
    #[error("Berkas Excel terlalu besar: maksimal {0} teks berbeda (sharedStrings)")]
    TooManySharedStrings(u64),
    #[error("Berkas terlalu besar: teks semua sel maksimal {} MiB", .0 / MIB)]
    TooMuchText(u64),
    #[error("Berkas Excel rusak: XML bersarang lebih dari {0} tingkat")]
    TooDeep(usize),
    #[error("Berkas Excel rusak: referensi sel '{0}' tidak valid")]
    BadReference(String),
    #[error("Maksimal {0} baris data per import; berkas berisi lebih banyak")]
    TooManyRows(usize),
    #[error("Maksimal {limit} kolom per baris; baris {row} berisi lebih banyak")]
    TooManyColumns { limit: usize, row: usize },
    #[error("Isi sel di baris {row} terlalu panjang: maksimal {limit} byte")]
    FieldTooLong { limit: usize, row: usize },
}

impl SheetError {
    /// Whether the file was refused for passing one of the [`Limits`] (a 413), not for being
    /// unreadable (a 422).
    pub fn is_too_large(&self) -> bool {
        matches!(
            self,
            SheetError::TooManyParts(_)
                | SheetError::PartTooLarge(_)
                | SheetError::InflatedTooLarge(_)
                | SheetError::TooManySharedStrings(_)
                | SheetError::TooMuchText(_)
                | SheetError::TooManyRows(_)
                | SheetError::TooManyColumns { .. }
                | SheetError::FieldTooLong { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(Cell::Number(8123456789.0).text(), "8123456789");
        assert_eq!(Cell::Number(628123456789.0).text(), "628123456789");
        assert_eq!(Cell::Number(8.12345678E9).text(), "8123456780");
        assert_eq!(Cell::Number(12.5).text(), "12.5");
        assert_eq!(Cell::Text("  B 1234 XYZ ".into()).text(), "B 1234 XYZ");
    }

    #[test]
    fn formulas_are_quoted_and_unquoted_exactly() {
        for (text, csv, xlsx) in [
            ("=1+1", "'=1+1", "=1+1"),
            ("+62 812", "'+62 812", "+62 812"),
            ("-2+3", "'-2+3", "-2+3"),
            ("@SUM(1+1)", "'@SUM(1+1)", "@SUM(1+1)"),
            ("\tx", "'\tx", "\tx"),
            ("\rx", "'\rx", "\rx"),
            ("'=1+1", "''=1+1", "''=1+1"),
            ("''-", "'''-", "'''-"),
            ("'Budi'", "'Budi'", "'Budi'"),
            ("Budi = Joko", "Budi = Joko", "Budi = Joko"),
            ("628123456789", "628123456789", "628123456789"),
            ("", "", ""),
        ] {
            assert_eq!(quoted(text, true), csv, "{text:?}");
            assert_eq!(quoted(text, false), xlsx, "{text:?}");
            assert_eq!(unquoted(&quoted(text, true)), text, "{text:?}");
            assert_eq!(unquoted(&quoted(text, false)), text, "{text:?}");
        }
        assert_eq!(Cell::Text(" '=1+1 ".into()).text(), "=1+1");
        assert_eq!(Cell::Text("'Budi".into()).text(), "'Budi");
    }

    #[test]
    fn dates_in_every_form_a_workshop_writes_them() {
        let day = Some(date("2026-01-15"));
        assert_eq!(Cell::Date(date("2026-01-15")).date(), Ok(day));
        assert_eq!(Cell::Number(46037.0).date(), Ok(day));
        assert_eq!(Cell::Text("2026-01-15".into()).date(), Ok(day));
        assert_eq!(Cell::Text("15/01/2026".into()).date(), Ok(day));
        assert_eq!(Cell::Text("15-01-2026".into()).date(), Ok(day));
        assert_eq!(
            Cell::Text("5/1/2026".into()).date(),
            Ok(Some(date("2026-01-05")))
        );
        assert_eq!(Cell::Text("2026-01-15 00:00:00".into()).date(), Ok(day));
        assert_eq!(Cell::Empty.date(), Ok(None));
        assert!(Cell::Text("31/02/2026".into()).date().is_err());
        assert!(Cell::Text("15/01/26".into()).date().is_err());
        assert!(Cell::Text("besok".into()).date().is_err());
        assert!(Cell::Number(-3.0).date().is_err());
    }

    #[test]
    fn columns_are_found_by_any_of_their_headers() {
        let header = |texts: &[&str]| Row {
            number: 1,
            cells: texts.iter().map(|t| Cell::Text(t.to_string())).collect(),
        };
        let spec = [
            Column {
                headers: &["Nama", "customer_name"],
                required: true,
            },
            Column {
                headers: &["No HP", "no_hp"],
                required: true,
            },
            Column {
                headers: &["Notes"],
                required: false,
            },
        ];
        let sheet = Sheet {
            header: header(&["no_hp", "Lain", "CUSTOMER NAME"]),
            rows: vec![],
        };
        let located = sheet.locate(&spec).unwrap();
        let row = header(&["0812", "x", "Budi"]);
        assert_eq!(
            located.cell(&row, 0),
            Some((&Cell::Text("Budi".into()), "CUSTOMER NAME"))
        );
        assert_eq!(
            located.cell(&row, 1),
            Some((&Cell::Text("0812".into()), "no_hp"))
        );
        assert_eq!(located.cell(&row, 2), None);

        let sheet = Sheet {
            header: header(&["Nama", "Telepon"]),
            rows: vec![],
        };
        let error = sheet.locate(&spec).unwrap_err().to_string();
        assert_eq!(
            error,
            "Kolom wajib tidak ditemukan: No HP / no_hp. Judul kolom di baris 1: Nama, Telepon"
        );
    }
}
