//! The records as a spreadsheet: a sheet of customers imported through the same path as the
//! JSON bulk import, and every record exported with the headers that import reads.

use serde_json::{Value, json};

use super::input::ImportRow;
use super::service::{ImportFailure, Records};
use super::{ManualRecord, NewRecord};
use crate::import::{
    ExportError, ImportAnswer, ImportError, Origin, Refusal, SheetField, SheetImporter,
    SheetOptions, field, import_sheet, read_row,
};
use crate::manual::store::ListQuery;
use crate::sheet::{Cell, File, Format, Located, Row, Table};

/// The columns of a records sheet: the source's Indonesian headers (which exports write) or
/// the API's field names, and a few other spellings workshops use.
pub const FIELDS: [SheetField; 6] = [
    field(
        "customer_name",
        &["Nama", "customer_name", "Nama Customer"],
        true,
    ),
    field("nopol", &["No Pol", "nopol", "Nomor Polisi"], true),
    field("no_hp", &["No HP", "no_hp", "Nomor HP"], true),
    SheetField {
        date: true,
        ..field("last_service", &["Last Service", "last_service"], false)
    },
    SheetField {
        date: true,
        ..field("next_service", &["Next Service", "next_service"], false)
    },
    field("notes", &["Notes", "notes", "Catatan"], false),
];

/// A records sheet: each data row is one record.
impl SheetImporter for Records<'_> {
    const FIELDS: &'static [SheetField] = &FIELDS;

    fn rows(sheet: &[Row], located: &Located) -> Vec<ImportRow> {
        let rows = sheet.iter().enumerate();
        rows.map(|(index, row)| import_row(index, row, located))
            .collect()
    }
}

fn import_row(index: usize, row: &Row, located: &Located) -> ImportRow {
    let read = read_row(located, row, &FIELDS, &[]);
    let origin = Origin {
        index,
        row: Some(row.number),
        places: read.places,
    };
    let named = |name: &str| read.body.get(name).cloned().unwrap_or(Value::Null);
    let (customer_name, nopol) = (named("customer_name"), named("nopol"));
    let parsed = NewRecord::parse(Value::Object(read.body), vec![json!("body"), json!(index)])
        .map_err(|errors| Refusal::of_validation(&origin, 2, &errors));
    let parsed = match (read.problems.is_empty(), parsed) {
        (true, parsed) => parsed,
        (false, Ok(_)) => Err(Refusal::of_problems(read.problems)),
        (false, Err(more)) => Err(Refusal::of_problems(read.problems).and(more)),
    };
    ImportRow {
        origin,
        customer_name,
        nopol,
        parsed,
    }
}

/// Headers of the export: the importable columns, then what only the server sets (an import
/// ignores those).
const EXPORT_EXTRA: [&str; 3] = ["Aktif", "Reminder Terkirim", "Reminder Terakhir"];

fn export_row(record: &ManualRecord) -> Vec<Cell> {
    let date = |day: Option<chrono::NaiveDate>| day.map_or(Cell::Empty, Cell::Date);
    vec![
        Cell::Text(record.customer_name.clone()),
        Cell::Text(record.nopol.clone()),
        Cell::Text(record.no_hp.clone()),
        date(record.last_service),
        date(record.next_service),
        record.notes.clone().map_or(Cell::Empty, Cell::Text),
        Cell::Number(f64::from(record.is_active)),
        Cell::Number(f64::from(record.reminder_sent_count)),
        record
            .last_reminder_sent
            .map_or(Cell::Empty, |at| Cell::DateTime(at.naive_local())),
    ]
}

impl Records<'_> {
    /// `POST /manual-whatsapp/import`: the rows of a sheet, each a create body.
    pub async fn import(
        &self,
        format: Format,
        bytes: &[u8],
        options: &SheetOptions,
    ) -> Result<ImportAnswer<ImportFailure>, ImportError> {
        import_sheet(self, format, bytes, options).await
    }

    /// `GET /manual-whatsapp/export`: every record, newest first, as xlsx or CSV.
    pub async fn export(&self, format: Format) -> Result<File, ExportError> {
        let mut rows = Vec::new();
        let mut query = ListQuery {
            active_only: false,
            limit: super::MAX_PAGE,
            after: None,
        };
        loop {
            let page = self.store.list(&query).await?;
            rows.extend(page.items.iter().map(export_row));
            match page.next_after {
                Some(after) => query.after = Some(after),
                None => break,
            }
        }
        let headers = FIELDS
            .iter()
            .map(|f| f.column.headers[0])
            .chain(EXPORT_EXTRA)
            .collect();
        let table = Table {
            name: "Manual WhatsApp",
            headers,
            rows,
        };
        let stem = format!("manual-whatsapp-{}", self.time.today());
        Ok(File::of(&table, format, stem)?)
    }
}
