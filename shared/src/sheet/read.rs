//! Reading an uploaded xlsx or CSV file into a [`Sheet`], within the [`Limits`]: an xlsx file's
//! container is inspected first ([`container`]), then either format is read cell by cell and
//! refused at the first cell past a limit, never read whole first.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, XlsxError};

use super::{Cell, Format, Limits, Row, Sheet, SheetError, container};

/// Reads sheet `wanted` (the first one when `None`) of an xlsx file, or a CSV file, within
/// [`Limits::UPLOAD`].
pub fn read(format: Format, bytes: &[u8], wanted: Option<&str>) -> Result<Sheet, SheetError> {
    read_within(format, bytes, wanted, &Limits::UPLOAD)
}

fn read_within(
    format: Format,
    bytes: &[u8],
    wanted: Option<&str>,
    limits: &Limits,
) -> Result<Sheet, SheetError> {
    match format {
        Format::Xlsx => read_xlsx(bytes, wanted, limits),
        Format::Csv => read_csv(bytes, limits),
    }
}

/// The rows of a sheet as it is read: only cells with a value are kept (a formatted empty
/// cell far away makes no row and no column), and a cell past a limit refuses the file.
struct Grid<'l> {
    limits: &'l Limits,
    /// The cells of each row that has a value, by its number (the first row is 1).
    rows: BTreeMap<usize, Vec<Cell>>,
    /// Bytes of text held so far.
    text_bytes: u64,
}

impl<'l> Grid<'l> {
    fn new(limits: &'l Limits) -> Self {
        Grid {
            limits,
            rows: BTreeMap::new(),
            text_bytes: 0,
        }
    }

    /// Puts `cell` at `row` (from 1) and `column` (from 0).
    fn put(&mut self, row: usize, column: usize, cell: Cell) -> Result<(), SheetError> {
        let limit = self.limits;
        if matches!(&cell, Cell::Text(text) if text.len() > limit.field_bytes) {
            return Err(SheetError::FieldTooLong {
                limit: limit.field_bytes,
                row,
            });
        }
        if cell.is_blank() {
            return Ok(());
        }
        if column >= limit.columns {
            return Err(SheetError::TooManyColumns {
                limit: limit.columns,
                row,
            });
        }
        if let Cell::Text(text) = &cell {
            self.text_bytes += text.len() as u64;
            if self.text_bytes > limit.text_bytes {
                return Err(SheetError::TooMuchText(limit.text_bytes));
            }
        }
        // The header row and the data rows under it.
        let new_row = !self.rows.contains_key(&row);
        if new_row && self.rows.len() > limit.data_rows {
            return Err(SheetError::TooManyRows(limit.data_rows));
        }
        let cells = self.rows.entry(row).or_default();
        if cells.len() <= column {
            cells.resize(column + 1, Cell::Empty);
        }
        cells[column] = cell;
        Ok(())
    }

    fn into_sheet(self, name: &str) -> Result<Sheet, SheetError> {
        let rows = self
            .rows
            .into_iter()
            .map(|(number, cells)| Row { number, cells });
        Sheet::of_rows(name, rows)
    }
}

fn read_xlsx(bytes: &[u8], wanted: Option<&str>, limits: &Limits) -> Result<Sheet, SheetError> {
    container::inspect(bytes, limits)?;
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(xlsx_error)?;
    let names = workbook.sheet_names();
    let name = match wanted {
        None => names.first().cloned(),
        // Exactly as named, else ignoring case: people type sheet names by hand.
        Some(wanted) => names
            .iter()
            .find(|n| *n == wanted)
            .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(wanted)))
            .cloned(),
    };
    let Some(name) = name else {
        return Err(SheetError::NoSuchSheet {
            wanted: wanted.unwrap_or("pertama").to_string(),
            available: names.join(", "),
        });
    };
    let mut cells = match workbook.worksheet_cells_reader(&name) {
        // A chart sheet holds no cells.
        Err(XlsxError::NotAWorksheet(_)) => return Err(SheetError::NoHeader(name)),
        other => other.map_err(xlsx_error)?,
    };
    let mut grid = Grid::new(limits);
    while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
        let (row, column) = cell.get_position();
        let value = Data::from(cell.get_value().clone());
        grid.put(row as usize + 1, column as usize, cell_of(value))?;
    }
    grid.into_sheet(&name)
}

fn xlsx_error(error: XlsxError) -> SheetError {
    match error {
        XlsxError::Password => SheetError::Encrypted,
        other => SheetError::Malformed(other.to_string()),
    }
}

fn cell_of(data: Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(text) => Cell::Text(text),
        Data::Int(n) => Cell::Number(n as f64),
        Data::Float(n) => Cell::Number(n),
        Data::Bool(b) => Cell::Bool(b),
        Data::DateTime(at) if at.is_datetime() => match at.as_datetime() {
            Some(at) if at.time() == chrono::NaiveTime::MIN => Cell::Date(at.date()),
            Some(at) => Cell::DateTime(at),
            None => Cell::Number(at.as_f64()),
        },
        // A duration is no date: keep the number, so a date column refuses it clearly.
        Data::DateTime(at) => Cell::Number(at.as_f64()),
        Data::DateTimeIso(text) | Data::DurationIso(text) => Cell::Text(text),
        Data::Error(error) => Cell::Text(format!("#{error:?}")),
    }
}

/// A CSV file: UTF-8 with or without a byte-order mark, `,` or `;` between fields (as the
/// header line shows), fields quoted or not; read record by record.
fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Sheet, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| SheetError::NotUtf8 {
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator(text))
        .from_reader(text.as_bytes());
    let mut grid = Grid::new(limits);
    let mut record = csv::StringRecord::new();
    // Excel shows each record of a CSV as one row, line breaks in quotes or not.
    for row in 1.. {
        if !reader
            .read_record(&mut record)
            .map_err(|e| SheetError::BadCsv(e.to_string()))?
        {
            break;
        }
        // Empty fields past the last column are no column (Excel writes them for a cell once
        // typed in and cleared); a value there is refused by the grid.
        for (column, field) in record.iter().enumerate() {
            grid.put(row, column, Cell::Text(field.to_string()))?;
        }
    }
    grid.into_sheet("CSV")
}

/// `;` when the header line (the first that is not blank) has more of them than `,` outside
/// quotes (Excel in an Indonesian locale writes `;`), else `,`.
fn separator(text: &str) -> u8 {
    let text = text.trim_start_matches(['\r', '\n', ' ', '\t']);
    let mut quoted = false;
    let (mut commas, mut semicolons) = (0, 0);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::container::tests::workbook;

    fn texts(row: &Row) -> Vec<String> {
        row.cells.iter().map(Cell::text).collect()
    }

    #[test]
    fn csv_with_semicolons_a_bom_and_quotes() {
        let file = "\u{FEFF}Nama;No HP;Notes\r\n\"Joko; Bapak\";08123;\"kata \"\"VIP\"\"\"\r\n;;\r\nSiti;0812;\r\n";
        let sheet = read(Format::Csv, file.as_bytes(), None).unwrap();
        assert_eq!(texts(&sheet.header), ["Nama", "No HP", "Notes"]);
        assert_eq!(sheet.rows.len(), 2, "the empty row is left out");
        assert_eq!(
            texts(&sheet.rows[0]),
            ["Joko; Bapak", "08123", "kata \"VIP\""]
        );
        assert_eq!(sheet.rows[0].number, 2);
        assert_eq!(sheet.rows[1].number, 4);
    }

    #[test]
    fn csv_with_commas_and_a_line_break_in_quotes() {
        let file = "Nama,Notes\n\"Budi\",\"baris satu\nbaris dua\"\nSiti,x\n";
        let sheet = read(Format::Csv, file.as_bytes(), None).unwrap();
        assert_eq!(texts(&sheet.rows[0]), ["Budi", "baris satu\nbaris dua"]);
        assert_eq!(sheet.rows[1].number, 3);
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        let latin1 = b"Nama,No HP\nJos\xe9,0812\n";
        assert!(matches!(
            read(Format::Csv, latin1, None),
            Err(SheetError::NotUtf8 { line: 2 })
        ));
        assert!(matches!(
            read(Format::Csv, b"\n ; \n", None),
            Err(SheetError::NoHeader(_))
        ));
        assert!(matches!(
            read(Format::Xlsx, b"not a zip", None),
            Err(SheetError::Malformed(_))
        ));
    }

    fn text_cell(at: &str, text: &str) -> String {
        format!(r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    #[test]
    fn formatted_empty_cells_far_away_make_no_rows_or_columns() {
        let rows = format!(
            r#"<row r="1">{}{}<c r="Z1" s="1"/></row><row r="2">{}<c r="BZ2" s="2"/></row><row r="900000"><c r="XFD900000" s="1"/></row>"#,
            text_cell("A1", "Nama"),
            text_cell("B1", "No HP"),
            text_cell("A2", "Budi"),
        );
        let sheet = read(Format::Xlsx, &workbook(&rows, None), None).unwrap();
        assert_eq!(texts(&sheet.header), ["Nama", "No HP"]);
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(texts(&sheet.rows[0]), ["Budi"]);
    }

    #[test]
    fn a_value_past_the_columns_or_rows_is_refused_as_it_is_read() {
        let far = format!(
            r#"<row r="1">{}{}</row>"#,
            text_cell("A1", "Nama"),
            text_cell("BM1", "x")
        );
        assert!(matches!(
            read(Format::Xlsx, &workbook(&far, None), None),
            Err(SheetError::TooManyColumns { limit: 64, row: 1 })
        ));
        let xfd = format!(r#"<row r="1048576">{}</row>"#, text_cell("XFD1048576", "x"));
        assert!(matches!(
            read(Format::Xlsx, &workbook(&xfd, None), None),
            Err(SheetError::TooManyColumns { .. })
        ));

        let limits = Limits {
            data_rows: 3,
            ..Limits::UPLOAD
        };
        // Rows 1 to 4, with empty rows between them: the header and three data rows.
        let rows = |last: usize| {
            (1..=last)
                .map(|r| {
                    format!(
                        r#"<row r="{}">{}</row>"#,
                        r * 2,
                        text_cell(&format!("A{}", r * 2), "x")
                    )
                })
                .collect::<String>()
        };
        let sheet = read_within(Format::Xlsx, &workbook(&rows(4), None), None, &limits).unwrap();
        assert_eq!(sheet.rows.len(), 3);
        assert!(matches!(
            read_within(Format::Xlsx, &workbook(&rows(5), None), None, &limits),
            Err(SheetError::TooManyRows(3))
        ));
    }

    #[test]
    fn csv_fields_columns_and_rows_are_capped_record_by_record() {
        let limits = Limits {
            data_rows: 2,
            columns: 3,
            field_bytes: 10,
            ..Limits::UPLOAD
        };
        let csv = |text: &str| read_within(Format::Csv, text.as_bytes(), None, &limits);
        assert!(csv("a,b,c\n0123456789,,\n\n\nx,y,z\n").is_ok());
        assert!(matches!(
            csv("a,b,c\n01234567890,,\n"),
            Err(SheetError::FieldTooLong { limit: 10, row: 2 })
        ));
        // Empty fields past the last column are no column; a value there is.
        assert!(csv("a,b,c,,,\nx,,,\n").is_ok());
        assert!(matches!(
            csv("a,b,c\n,,,x\n"),
            Err(SheetError::TooManyColumns { limit: 3, row: 2 })
        ));
        assert!(matches!(
            csv("a\nb\nc\nd\n"),
            Err(SheetError::TooManyRows(2))
        ));
        // The refusal comes at the row that passes, whatever follows it.
        assert!(matches!(
            csv("a\nb\nc\nd\n\"unclosed"),
            Err(SheetError::TooManyRows(2))
        ));
    }

    #[test]
    fn the_text_of_all_cells_together_is_capped() {
        // One shared string in many cells: each cell read holds a copy of it.
        let limits = Limits {
            text_bytes: 20,
            ..Limits::UPLOAD
        };
        let shared = r#"count="3" uniqueCount="1"><si><t>abcdefghij</t></si>"#;
        let cells = |n: usize| {
            let cells: String = (0..n)
                .map(|c| format!(r#"<c r="{}1" t="s"><v>0</v></c>"#, (b'A' + c as u8) as char))
                .collect();
            format!(r#"<row r="1">{cells}</row>"#)
        };
        let read = |n| {
            read_within(
                Format::Xlsx,
                &workbook(&cells(n), Some(shared)),
                None,
                &limits,
            )
        };
        assert!(read(2).is_ok());
        assert!(matches!(read(3), Err(SheetError::TooMuchText(20))));
    }
}
