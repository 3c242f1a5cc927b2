//! Reading an uploaded xlsx or CSV file into a [`Sheet`].

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, XlsxError};

use super::{Cell, Format, Row, Sheet, SheetError};

/// Reads sheet `wanted` (the first one when `None`) of an xlsx file, or a CSV file.
pub fn read(format: Format, bytes: &[u8], wanted: Option<&str>) -> Result<Sheet, SheetError> {
    match format {
        Format::Xlsx => read_xlsx(bytes, wanted),
        Format::Csv => read_csv(bytes),
    }
}

fn read_xlsx(bytes: &[u8], wanted: Option<&str>) -> Result<Sheet, SheetError> {
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
    let range = workbook.worksheet_range(&name).map_err(xlsx_error)?;
    // The range starts at its first used cell; row and column numbers are the sheet's.
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let lead = vec![Cell::Empty; first_column as usize];
    let rows = range.rows().enumerate().map(|(i, cells)| Row {
        number: first_row as usize + i + 1,
        cells: lead
            .iter()
            .cloned()
            .chain(cells.iter().map(cell_of))
            .collect(),
    });
    Sheet::of_rows(&name, rows)
}

fn xlsx_error(error: XlsxError) -> SheetError {
    match error {
        XlsxError::Password => SheetError::Encrypted,
        other => SheetError::Malformed(other.to_string()),
    }
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(text) => Cell::Text(text.clone()),
        Data::Int(n) => Cell::Number(*n as f64),
        Data::Float(n) => Cell::Number(*n),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(at) if at.is_datetime() => match at.as_datetime() {
            Some(at) if at.time() == chrono::NaiveTime::MIN => Cell::Date(at.date()),
            Some(at) => Cell::DateTime(at),
            None => Cell::Number(at.as_f64()),
        },
        // A duration is no date: keep the number, so a date column refuses it clearly.
        Data::DateTime(at) => Cell::Number(at.as_f64()),
        Data::DateTimeIso(text) | Data::DurationIso(text) => Cell::Text(text.clone()),
        Data::Error(error) => Cell::Text(format!("#{error:?}")),
    }
}

/// A CSV file: UTF-8 with or without a byte-order mark, `,` or `;` between fields (as the
/// header line shows), fields quoted or not.
fn read_csv(bytes: &[u8]) -> Result<Sheet, SheetError> {
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
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| SheetError::BadCsv(e.to_string()))?;
        rows.push(Row {
            // Excel shows each record of a CSV as one row, line breaks in quotes or not.
            number: i + 1,
            cells: record
                .iter()
                .map(|field| Cell::Text(field.to_string()))
                .collect(),
        });
    }
    Sheet::of_rows("CSV", rows)
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
}
