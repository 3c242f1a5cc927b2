//! The register as a spreadsheet: one vehicle per row, the rows of one customer grouped by
//! phone, imported through the same path as the JSON bulk import; exported the same way.

use std::collections::HashMap;

use futures::StreamExt;
use serde_json::{Value, json};

use super::input::{ImportRow, NewCustomer};
use super::service::{ImportFailure, Register};
use super::{Customer, Vehicle};
use crate::import::{
    ExportError, ImportAnswer, ImportError, Origin, Place, Problem, Refusal, SheetField,
    SheetImporter, SheetOptions, SheetRow, field, import_sheet, read_row,
};
use crate::sheet::{Cell, File, Format, Located, Row, Table};
use crate::store_error::StoreError;

/// The customer's columns, then the vehicle's (see [`VEHICLE_AT`]). The first header of each
/// is the one exports write. `Odometer` with `Tanggal Kunjungan` records a visit.
pub const FIELDS: [SheetField; 8] = [
    field("name", &["Nama", "name", "Nama Customer"], true),
    field("no_hp", &["No HP", "no_hp", "Nomor HP"], true),
    field("nopol", &["No Pol", "nopol", "Nomor Polisi"], true),
    field("model", &["Model", "model"], true),
    SheetField {
        date: true,
        ..field("last_visit", &["Last Visit", "last_visit"], false)
    },
    field("kind", &["Jenis", "kind"], false),
    field(
        "odometer_km",
        &["Odometer", "odometer_km", "Kilometer"],
        false,
    ),
    SheetField {
        date: true,
        ..field("visit_date", &["Tanggal Kunjungan", "visit_date"], false)
    },
];
/// Where the vehicle's columns start in [`FIELDS`].
const VEHICLE_AT: usize = 2;

/// One row read: the customer's fields and, unless its vehicle cells are blank, a vehicle's.
struct Read {
    number: usize,
    customer: SheetRow,
    vehicle: Option<SheetRow>,
}

/// The rows grouped by customer, in the order customers first appear: rows whose phone
/// normalises alike are one customer; a row without a valid phone stands alone.
/// A register sheet: a row per vehicle, the rows of one customer (by phone number) together.
impl SheetImporter for Register<'_> {
    const FIELDS: &'static [SheetField] = &FIELDS;

    fn rows(sheet: &[Row], located: &Located) -> Vec<ImportRow> {
        let customers = customers(sheet, located).into_iter().enumerate();
        customers
            .map(|(index, rows)| import_row(index, &rows))
            .collect()
    }
}

fn customers(rows: &[Row], located: &Located) -> Vec<Vec<Read>> {
    let vehicles = located.from(VEHICLE_AT);
    let mut groups: Vec<Vec<Read>> = Vec::new();
    let mut by_phone: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let customer = read_row(located, row, &FIELDS[..VEHICLE_AT], &[]);
        let vehicle = read_row(&vehicles, row, &FIELDS[VEHICLE_AT..], &[]);
        let vehicle = (!vehicle.body.is_empty() || !vehicle.problems.is_empty()).then_some(vehicle);
        let phone = customer
            .body
            .get("no_hp")
            .and_then(Value::as_str)
            .and_then(crate::phone::normalize);
        let read = Read {
            number: row.number,
            customer,
            vehicle,
        };
        match phone.as_ref().and_then(|p| by_phone.get(p)) {
            Some(&group) => groups[group].push(read),
            None => {
                if let Some(phone) = phone {
                    by_phone.insert(phone, groups.len());
                }
                groups.push(vec![read]);
            }
        }
    }
    groups
}

/// A customer's rows as one create body: the first row's name and phone, a vehicle per row.
fn import_row(index: usize, rows: &[Read]) -> ImportRow {
    let first = &rows[0];
    let mut body = first.customer.body.clone();
    let mut places = first.customer.places.clone();
    let mut problems = first.customer.problems.clone();
    let mut vehicles = Vec::new();
    for read in rows {
        if read.number != first.number {
            problems.extend(other_name(first, read));
        }
        let Some(vehicle) = &read.vehicle else {
            continue;
        };
        let prefix = [json!("vehicles"), json!(vehicles.len())];
        places.extend(vehicle.places.iter().map(|place| {
            let mut path = prefix.to_vec();
            path.extend(place.path.iter().cloned());
            Place {
                path,
                ..place.clone()
            }
        }));
        problems.extend(vehicle.problems.iter().cloned());
        vehicles.push(Value::Object(with_odometer_number(vehicle.body.clone())));
    }
    if !vehicles.is_empty() {
        body.insert("vehicles".into(), Value::Array(vehicles));
    }
    let origin = Origin {
        index,
        row: Some(first.number),
        places,
    };
    let named = |name: &str| body.get(name).cloned().unwrap_or(Value::Null);
    let (name, no_hp) = (named("name"), named("no_hp"));
    let parsed = NewCustomer::parse(Value::Object(body), vec![json!("body"), json!(index)])
        .map_err(|errors| Refusal::of_validation(&origin, 2, &errors));
    let parsed = match (problems.is_empty(), parsed) {
        (true, parsed) => parsed,
        (false, Ok(_)) => Err(Refusal::of_problems(problems)),
        (false, Err(more)) => Err(Refusal::of_problems(problems).and(more)),
    };
    ImportRow {
        origin,
        name,
        no_hp,
        parsed,
    }
}

/// The body with its `Odometer` cell as a number when it reads as one (`23.450`, `23450 km`);
/// otherwise as written, for the validation to refuse.
fn with_odometer_number(
    mut body: serde_json::Map<String, Value>,
) -> serde_json::Map<String, Value> {
    let km = body
        .get("odometer_km")
        .and_then(Value::as_str)
        .and_then(super::reading::parse_reading);
    if let Some(km) = km {
        body.insert("odometer_km".into(), json!(km));
    }
    body
}

/// A later row of a customer naming it otherwise than its first row (a blank name is fine).
fn other_name(first: &Read, later: &Read) -> Option<Problem> {
    let name = |read: &Read| {
        read.customer
            .body
            .get("name")
            .and_then(Value::as_str)
            .map(str::trim)
            .map(str::to_string)
    };
    let (Some(expected), Some(given)) = (name(first), name(later)) else {
        return None;
    };
    if expected.to_lowercase() == given.to_lowercase() {
        return None;
    }
    let column = later
        .customer
        .places
        .iter()
        .find(|p| p.path == [json!("name")])
        .map(|p| p.column.clone());
    Some(Problem {
        row: later.number,
        column,
        value: given,
        reason: format!(
            "Nama berbeda dengan baris {} ('{expected}') untuk No HP yang sama",
            first.number
        ),
    })
}

/// Customers whose vehicles an export reads side by side.
const READS_IN_FLIGHT: usize = 8;

impl Register<'_> {
    /// `POST /customers/import`: the rows of a sheet grouped into customers, each a create body.
    pub async fn import(
        &self,
        format: Format,
        bytes: &[u8],
        options: &SheetOptions,
    ) -> Result<ImportAnswer<ImportFailure>, ImportError> {
        import_sheet(self, format, bytes, options).await
    }

    /// `GET /customers/export`: every customer, newest first, a row per vehicle (a customer
    /// without vehicles is one row with the vehicle's columns blank).
    pub async fn export(&self, format: Format) -> Result<File, ExportError> {
        let mut customers = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store
                .customers(crate::manual::MAX_PAGE, after.as_deref())
                .await?;
            customers.extend(page.items);
            match page.next_after {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let owned: Vec<Result<(Customer, Vec<Vehicle>), StoreError>> =
            futures::stream::iter(customers)
                .map(|customer| async move {
                    let vehicles = self.store.vehicles_of(&customer.id).await?;
                    Ok((customer, vehicles))
                })
                .buffered(READS_IN_FLIGHT)
                .collect()
                .await;
        let owned = owned.into_iter().collect::<Result<Vec<_>, _>>()?;
        let today = self.time.today();
        let mut rows = Vec::new();
        for (customer, vehicles) in &owned {
            let person = [
                Cell::Text(customer.name.clone()),
                Cell::Text(customer.no_hp.clone()),
            ];
            if vehicles.is_empty() {
                rows.push(person.to_vec());
            }
            for vehicle in vehicles {
                let date = |day: Option<chrono::NaiveDate>| day.map_or(Cell::Empty, Cell::Date);
                let view = vehicle.view(&self.plan, today);
                let mut row = person.to_vec();
                row.extend([
                    Cell::Text(vehicle.nopol.clone()),
                    Cell::Text(vehicle.model.clone()),
                    date(vehicle.last_visit),
                    Cell::Text(vehicle.kind.name().to_string()),
                    vehicle
                        .odometer_km
                        .map_or(Cell::Empty, |km| Cell::Number(f64::from(km))),
                    date(vehicle.odometer_date),
                    date(view.estimate.next_service),
                ]);
                rows.push(row);
            }
        }
        let headers = FIELDS
            .iter()
            .map(|f| f.column.headers[0])
            .chain(["Next Service"])
            .collect();
        let table = Table {
            name: "Customers",
            headers,
            rows,
        };
        Ok(File::of(
            &table,
            format,
            format!("customers-{}", self.time.today()),
        )?)
    }
}
