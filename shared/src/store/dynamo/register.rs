//! The customer register in the table (layout in [`super`]): customers, vehicles, their nopol
//! guards and the register counts. Also the helpers [`super::report`] shares: conditional
//! single updates, transactions whose refusals are named, and batched reads.

use std::collections::{BTreeSet, HashMap, HashSet};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, KeysAndAttributes, Put, TransactWriteItem, Update,
};
use chrono::NaiveDate;

use super::item::{
    Item, PK, Versioned, attributes, count, key, model, n, names_in, optional_number, s, value,
    values, versioned,
};
use super::read::is_key;
use super::schema::{CUSTOMER_INDEX, DUE_INDEX, LIST_INDEX, PHONE_INDEX, VISIT_INDEX};
use super::write::{CONFLICT_ATTEMPTS, Outcome, backoff, failed};
use super::{DynamoStore, build_error, sdk_error};
use crate::audit::{AuditEntry, pending};
use crate::register::store::{CustomerPage, RegisterStore};
use crate::register::{Customer, DueVehicle, RegisterCounts, Registration, Vehicle, Visit};
use crate::store_error::StoreError;

const CUSTOMER: &str = "customer";
const VEHICLE: &str = "vehicle";
const VISIT: &str = "visit";
const GUARD_PREFIX: &str = "vnopol#";
const COUNTS_PK: &str = "meta#register";
/// The most keys one BatchGetItem takes.
const BATCH_GET: usize = 100;
/// BatchGetItem rounds for keys DynamoDB keeps leaving unprocessed (throttling).
const UNPROCESSED_ATTEMPTS: u32 = 10;

/// A write's outcome: the outer error is a database failure, the inner one a refusal.
type Attempt = Result<Result<(), StoreError>, StoreError>;

#[async_trait]
impl RegisterStore for DynamoStore {
    async fn insert_registration(&self, registration: &Registration) -> Result<(), StoreError> {
        pending::in_change(
            |entry| async move { self.register(registration, entry.as_ref()).await? },
        )
        .await
    }

    /// As many registrations per transaction as its 100 actions hold (33 customers of one
    /// vehicle), one transaction after the other: each also updates the counts item, so side
    /// by side they would only conflict. A row sharing an item (id or nopol) with an earlier
    /// row is written after the rest, on its own, so that the earliest row wins, as when they
    /// are written one by one.
    async fn insert_registrations(
        &self,
        registrations: &[Registration],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let (together, after) = waves(registrations);
        let mut done: Vec<Option<Attempt>> = (0..registrations.len()).map(|_| None).collect();
        let mut fresh = Vec::with_capacity(together.len());
        for row in together {
            match repeated_within(&registrations[row]) {
                Some(refusal) => done[row] = Some(Ok(Err(refusal))),
                None => fresh.push(row),
            }
        }
        // Once the database failed, the rows left fail with it rather than asking it again.
        let mut failure: Option<StoreError> = None;
        for pack in packs(registrations, &fresh) {
            if failure.is_none()
                && let Err(err) = self.register_pack(registrations, &pack, &mut done).await
            {
                failure = Some(err);
            }
            if let Some(err) = &failure {
                for &row in &pack {
                    done[row].get_or_insert_with(|| Err(err.clone()));
                }
            }
        }
        for row in after {
            done[row] = Some(match &failure {
                Some(err) => Err(err.clone()),
                None => self.register(&registrations[row], None).await,
            });
        }
        // A failing database fails its rows; it fails the call only when nothing was written.
        let written = done.iter().any(|d| matches!(d, Some(Ok(Ok(())))));
        let mut outcomes = Vec::with_capacity(done.len());
        for attempt in done {
            match attempt.unwrap_or_else(|| Ok(Err(StoreError::Other("row left unwritten".into()))))
            {
                Err(failure) if !written => return Err(failure),
                attempt => outcomes.push(attempt.and_then(|refusal| refusal)),
            }
        }
        Ok(outcomes)
    }

    async fn customer(&self, id: &str) -> Result<Option<Customer>, StoreError> {
        let found = self.get_kind(&customer_pk(id), CUSTOMER).await?;
        found.map(versioned).transpose()
    }

    /// Newest first; one item beyond the page is read so that `next_after` is set only when
    /// another customer does follow.
    async fn customers(
        &self,
        limit: usize,
        after: Option<&str>,
    ) -> Result<CustomerPage, StoreError> {
        // Nothing sorts before "", and DynamoDB refuses it as a key value.
        if limit == 0 || after == Some("") {
            return Ok(CustomerPage {
                items: Vec::new(),
                next_after: None,
            });
        }
        let mut cond = "#kind = :kind".to_string();
        let mut values = values([(":kind", s(CUSTOMER))]);
        if let Some(after) = after {
            cond.push_str(" AND #list_key < :after");
            values.insert(":after".into(), s(after));
        }
        let request = self
            .query_index(LIST_INDEX, &cond, values)
            .scan_index_forward(false);
        let found = self.query_items(request, limit.saturating_add(1)).await?;
        let mut items = found
            .into_iter()
            .map(versioned)
            .collect::<Result<Vec<Customer>, _>>()?;
        let more = items.len() > limit;
        items.truncate(limit);
        let next_after = more.then(|| items.last().map(Customer::list_key)).flatten();
        Ok(CustomerPage { items, next_after })
    }

    async fn register_counts(&self) -> Result<RegisterCounts, StoreError> {
        let Some(found) = self.get_item(COUNTS_PK).await? else {
            return Ok(RegisterCounts::default());
        };
        Ok(RegisterCounts {
            customers: count(&found, "customers")?,
            vehicles: count(&found, "vehicles")?,
        })
    }

    /// An update, not a put: whatever else the item carries stays. One `UpdateItem`; with a
    /// change log entry pending, a transaction of the update and the entry.
    async fn replace_customer(
        &self,
        current: &Customer,
        next: &Customer,
    ) -> Result<(), StoreError> {
        same_id(&current.id, &next.id)?;
        let (set, mut values) = set_all(customer_item(next)?);
        values.insert(":current".into(), n(current.version));
        let pk = customer_pk(&next.id);
        let update = self.update(&pk, &set, Some("#version = :current"), values)?;
        pending::in_change(|entry| async move {
            let Some(entry) = entry else {
                return stale_unless(self.update_if(update).await?);
            };
            let mut actions = vec![(
                TransactWriteItem::builder().update(update).build(),
                Check::Version(pk, current.version),
            )];
            actions.extend(self.logged(Some(&entry))?);
            self.commit(actions).await?
        })
        .await
    }

    /// Every vehicle is conditioned on its version; the customer on its own, which moves with
    /// every vehicle added, and on its vehicle count, which catches a vehicle `customer-index`
    /// did not show yet (a GSI lags its table): either makes this `Stale`.
    async fn delete_customer(
        &self,
        current: &Customer,
        vehicles: &[Vehicle],
    ) -> Result<(), StoreError> {
        let pk = customer_pk(&current.id);
        let condition = "#version = :version AND #vehicle_count = :count";
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(&pk)))
            .condition_expression(condition)
            .set_expression_attribute_names(names_in(&[condition]))
            .set_expression_attribute_values(Some(values([
                (":version", n(current.version)),
                (":count", n(vehicles.len())),
            ])))
            .build()
            .map_err(build_error)?;
        let mut actions = vec![(
            TransactWriteItem::builder().delete(delete).build(),
            Check::Version(pk, current.version),
        )];
        for vehicle in vehicles {
            actions.extend(self.remove_vehicle(vehicle)?);
        }
        actions.push((
            self.adjust_counts(-1, -signed(vehicles.len()))?,
            Check::None,
        ));
        self.commit_logged(actions).await
    }

    async fn vehicles_of(&self, id: &str) -> Result<Vec<Vehicle>, StoreError> {
        if !is_key(id) {
            return Ok(Vec::new());
        }
        let request = self.query_index(
            CUSTOMER_INDEX,
            "#id_customer = :id AND #kind = :kind",
            values([(":id", s(id)), (":kind", s(VEHICLE))]),
        );
        let found = self.query_all(request).await?;
        let mut vehicles = found
            .into_iter()
            .map(vehicle_from)
            .collect::<Result<Vec<Vehicle>, _>>()?;
        vehicles.sort_by_key(Vehicle::nopol_key);
        Ok(vehicles)
    }

    async fn vehicle(&self, id: &str) -> Result<Option<Vehicle>, StoreError> {
        let found = self.get_kind(&vehicle_pk(id), VEHICLE).await?;
        found.map(vehicle_from).transpose()
    }

    /// One GetItem of the nopol's guard.
    async fn vehicle_nopol_taken(&self, nopol_key: &str) -> Result<bool, StoreError> {
        let pk = guard_pk(nopol_key);
        Ok(is_key(&pk) && self.item_exists(&pk).await?)
    }

    async fn insert_vehicle(&self, owner: &Customer, vehicle: &Vehicle) -> Result<(), StoreError> {
        let pk = customer_pk(&owner.id);
        let bump = self.update(
            &pk,
            "ADD #version :one, #vehicle_count :one",
            Some("#version = :version"),
            values([(":one", n(1)), (":version", n(owner.version))]),
        )?;
        let mut actions = vec![(
            TransactWriteItem::builder().update(bump).build(),
            Check::Version(pk, owner.version),
        )];
        actions.extend(self.add_vehicle(vehicle)?);
        actions.push((self.adjust_counts(0, 1)?, Check::None));
        self.commit_logged(actions).await
    }

    async fn replace_vehicle(&self, current: &Vehicle, next: &Vehicle) -> Result<(), StoreError> {
        same_id(&current.id, &next.id)?;
        let mut actions = vec![(
            self.put_if_version(vehicle_item(next)?, current.version)?,
            Check::Version(vehicle_pk(&current.id), current.version),
        )];
        if current.nopol_key() != next.nopol_key() {
            // Unconditional: the version condition above proves the old guard is this one's.
            let old = self.delete_action(&guard_pk(&current.nopol_key()), None)?;
            actions.push((old, Check::None));
            actions.push((
                self.put_vehicle_guard(next)?,
                Check::Guard(next.nopol_key()),
            ));
        }
        self.commit_logged(actions).await
    }

    /// Also counts the vehicle off its customer's `vehicle_count`.
    async fn delete_vehicle(&self, current: &Vehicle) -> Result<(), StoreError> {
        let owner = customer_pk(&current.id_customer);
        let count_off = self.update(
            &owner,
            "ADD #vehicle_count :minus",
            Some("attribute_exists(#pk)"),
            values([(":minus", n(-1))]),
        )?;
        let mut actions = Vec::from(self.remove_vehicle(current)?);
        actions.push((
            TransactWriteItem::builder().update(count_off).build(),
            Check::Exists(owner),
        ));
        actions.push((self.adjust_counts(0, -1)?, Check::None));
        self.commit_logged(actions).await
    }

    /// `visit-index` over the range, then the owners in batches.
    async fn visited_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DueVehicle>, StoreError> {
        self.vehicles_by_day(VISIT_INDEX, "#visit = :part AND #last_visit", from, to)
            .await
    }

    /// `due-index`'s `vehicle` partition over the range, then the owners in batches.
    async fn vehicles_due_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DueVehicle>, StoreError> {
        self.vehicles_by_day(DUE_INDEX, "#due = :part AND #next_service", from, to)
            .await
    }

    /// `phone-index` (keys only), then the customers in batches.
    async fn customers_with_phone(&self, no_hp: &str) -> Result<Vec<Customer>, StoreError> {
        if no_hp.is_empty() {
            return Ok(Vec::new());
        }
        let request = self.query_index(
            PHONE_INDEX,
            "#no_hp = :phone AND #kind = :kind",
            values([(":phone", s(no_hp)), (":kind", s(CUSTOMER))]),
        );
        let keys = self.query_all(request).await?;
        let pks: BTreeSet<String> = keys
            .iter()
            .filter_map(|item| match item.get(PK) {
                Some(AttributeValue::S(pk)) => Some(pk.clone()),
                _ => None,
            })
            .collect();
        let found = self.batch_get(pks).await?;
        let customers = found.into_iter().filter(|item| is_kind(item, CUSTOMER));
        customers.map(versioned).collect()
    }

    /// `customer-index`'s visits of the owner, those of the vehicle kept.
    async fn visits_of(
        &self,
        id_customer: &str,
        id_vehicle: &str,
    ) -> Result<Vec<Visit>, StoreError> {
        if !is_key(id_customer) {
            return Ok(Vec::new());
        }
        let request = self.query_index(
            CUSTOMER_INDEX,
            "#id_customer = :id AND #kind = :kind",
            values([(":id", s(id_customer)), (":kind", s(VISIT))]),
        );
        let found = self.query_all(request).await?;
        let visits = found.into_iter().map(model::<Visit>);
        let visits = visits.collect::<Result<Vec<Visit>, _>>()?;
        Ok(visits
            .into_iter()
            .filter(|v| v.id_vehicle == id_vehicle)
            .collect())
    }

    async fn insert_visit(
        &self,
        current: &Vehicle,
        next: &Vehicle,
        visit: &Visit,
    ) -> Result<(), StoreError> {
        same_id(&current.id, &next.id)?;
        let pk = visit_pk(&visit.id);
        let actions = vec![
            (
                self.put_if_version(vehicle_item(next)?, current.version)?,
                Check::Version(vehicle_pk(&current.id), current.version),
            ),
            (self.put_if_absent(visit_item(visit)?)?, Check::New(pk)),
        ];
        self.commit(actions).await?
    }

    async fn delete_visit(
        &self,
        current: &Vehicle,
        next: &Vehicle,
        visit: &Visit,
    ) -> Result<(), StoreError> {
        same_id(&current.id, &next.id)?;
        let pk = visit_pk(&visit.id);
        let gone = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(&pk)))
            .condition_expression("attribute_exists(#pk)")
            .set_expression_attribute_names(names_in(&["attribute_exists(#pk)"]))
            .build()
            .map_err(build_error)?;
        let actions = vec![
            (
                self.put_if_version(vehicle_item(next)?, current.version)?,
                Check::Version(vehicle_pk(&current.id), current.version),
            ),
            (
                TransactWriteItem::builder().delete(gone).build(),
                Check::Exists(pk),
            ),
        ];
        self.commit(actions).await?
    }
}

impl DynamoStore {
    /// The vehicles `index` holds in `from..=to` under `cond` (`#part_key = :part AND
    /// #day_key`), each with its owner (a vehicle whose owner vanished is left out).
    async fn vehicles_by_day(
        &self,
        index: &str,
        cond: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DueVehicle>, StoreError> {
        // DynamoDB rejects BETWEEN with its bounds reversed; the range is simply empty.
        if from > to {
            return Ok(Vec::new());
        }
        let request = self.query_index(
            index,
            &format!("{cond} BETWEEN :from AND :to"),
            values([
                (":part", s(VEHICLE)),
                (":from", value(&from)?),
                (":to", value(&to)?),
            ]),
        );
        let vehicles = self
            .query_all(request)
            .await?
            .into_iter()
            .map(vehicle_from)
            .collect::<Result<Vec<Vehicle>, _>>()?;
        let owners: BTreeSet<&str> = vehicles.iter().map(|v| v.id_customer.as_str()).collect();
        let mut customers = HashMap::new();
        for found in self.batch_get(owners.into_iter().map(customer_pk)).await? {
            if is_kind(&found, CUSTOMER) {
                let customer: Customer = versioned(found)?;
                customers.insert(customer.id.clone(), customer);
            }
        }
        Ok(vehicles
            .into_iter()
            .filter_map(|vehicle| {
                let customer = customers.get(&vehicle.id_customer)?.clone();
                Some(DueVehicle { customer, vehicle })
            })
            .collect())
    }

    /// One registration in one transaction: the customer, each vehicle and its guard, the
    /// counts, and `entry` of the change log when given.
    async fn register(&self, registration: &Registration, entry: Option<&AuditEntry>) -> Attempt {
        if let Some(refusal) = repeated_within(registration) {
            return Ok(Err(refusal));
        }
        // 2 + 2 × MAX_VEHICLES actions: well within the 100 of a transaction.
        let mut actions = self.registration_actions(registration)?;
        let vehicles = signed(registration.vehicles.len());
        actions.push((self.adjust_counts(1, vehicles)?, Check::None));
        actions.extend(self.logged(entry)?);
        self.commit(actions).await
    }

    /// The put of the request's change log entry, last in its change's transaction.
    fn logged(
        &self,
        entry: Option<&AuditEntry>,
    ) -> Result<Option<(TransactWriteItem, Check)>, StoreError> {
        Ok(self.log_entry(entry)?.map(|put| (put, Check::None)))
    }

    /// The registrations `rows` in one transaction with the counts' change of them all. Rows
    /// refused by name (a taken nopol) are settled and the rest tried again together; a
    /// refusal naming no row settles each on its own.
    async fn register_pack(
        &self,
        registrations: &[Registration],
        rows: &[usize],
        done: &mut [Option<Attempt>],
    ) -> Result<(), StoreError> {
        let mut pending = rows.to_vec();
        while !pending.is_empty() {
            let mut actions = Vec::new();
            let mut spans = Vec::with_capacity(pending.len());
            let mut vehicles = 0;
            for &row in &pending {
                let start = actions.len();
                actions.extend(self.registration_actions(&registrations[row])?);
                spans.push(start..actions.len());
                vehicles += registrations[row].vehicles.len();
            }
            let counts = self.adjust_counts(signed(pending.len()), signed(vehicles))?;
            actions.push((counts, Check::None));
            let (items, checks): (Vec<_>, Vec<_>) = actions.into_iter().unzip();
            let codes = match self.transact(items).await? {
                Outcome::Committed => {
                    pending.iter().for_each(|&row| done[row] = Some(Ok(Ok(()))));
                    return Ok(());
                }
                Outcome::Cancelled(codes) => codes,
            };
            let refused: Vec<(usize, StoreError)> = pending
                .iter()
                .zip(&spans)
                .filter_map(|(&row, span)| {
                    let failed_here = span.clone().filter(|&at| failed(&codes, at));
                    named_refusal(failed_here.map(|at| &checks[at])).map(|err| (row, err))
                })
                .collect();
            if refused.is_empty() {
                for &row in &pending {
                    done[row] = Some(self.register(&registrations[row], None).await);
                }
                return Ok(());
            }
            pending.retain(|row| !refused.iter().any(|(r, _)| r == row));
            for (row, err) in refused {
                done[row] = Some(Ok(Err(err)));
            }
        }
        Ok(())
    }

    /// The customer (with its vehicle count), each vehicle and its guard: the writes of a
    /// registration but the counts'.
    fn registration_actions(
        &self,
        registration: &Registration,
    ) -> Result<Vec<(TransactWriteItem, Check)>, StoreError> {
        let customer = &registration.customer;
        let pk = customer_pk(&customer.id);
        // The customer's vehicle count, kept in step by every vehicle added or deleted (not in
        // `customer_item`, which a replace writes back).
        let mut item = customer_item(customer)?;
        item.insert("vehicle_count".into(), n(registration.vehicles.len()));
        let mut actions = vec![(self.put_if_absent(item)?, Check::New(pk))];
        for vehicle in &registration.vehicles {
            actions.extend(self.add_vehicle(vehicle)?);
        }
        for visit in &registration.visits {
            let pk = visit_pk(&visit.id);
            actions.push((self.put_if_absent(visit_item(visit)?)?, Check::New(pk)));
        }
        Ok(actions)
    }

    /// A new vehicle and its guard.
    fn add_vehicle(
        &self,
        vehicle: &Vehicle,
    ) -> Result<[(TransactWriteItem, Check); 2], StoreError> {
        Ok([
            (
                self.put_if_absent(vehicle_item(vehicle)?)?,
                Check::New(vehicle_pk(&vehicle.id)),
            ),
            (
                self.put_vehicle_guard(vehicle)?,
                Check::Guard(vehicle.nopol_key()),
            ),
        ])
    }

    /// The vehicle, if still at `current.version`, and its guard.
    fn remove_vehicle(
        &self,
        current: &Vehicle,
    ) -> Result<[(TransactWriteItem, Check); 2], StoreError> {
        let pk = vehicle_pk(&current.id);
        Ok([
            (
                self.delete_action(&pk, Some(current.version))?,
                Check::Version(pk, current.version),
            ),
            (
                self.delete_action(&guard_pk(&current.nopol_key()), None)?,
                Check::None,
            ),
        ])
    }

    fn put_vehicle_guard(&self, vehicle: &Vehicle) -> Result<TransactWriteItem, StoreError> {
        let mut guard = key(guard_pk(&vehicle.nopol_key()));
        guard.insert("vehicle_id".into(), s(&vehicle.id));
        self.put_if_absent(guard)
    }

    fn adjust_counts(
        &self,
        customers: i64,
        vehicles: i64,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = self.update(
            COUNTS_PK,
            "ADD #customers :customers, #vehicles :vehicles",
            None,
            values([(":customers", n(customers)), (":vehicles", n(vehicles))]),
        )?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    fn put_if_version(&self, item: Item, version: u64) -> Result<TransactWriteItem, StoreError> {
        let condition = "#version = :version";
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .set_expression_attribute_names(names_in(&[condition]))
            .expression_attribute_values(":version", n(version))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Deletes item `pk`, only while it has `version` when one is given.
    fn delete_action(
        &self,
        pk: &str,
        version: Option<u64>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk)));
        if let Some(version) = version {
            let condition = "#version = :version";
            delete = delete
                .condition_expression(condition)
                .set_expression_attribute_names(names_in(&[condition]))
                .expression_attribute_values(":version", n(version));
        }
        Ok(TransactWriteItem::builder()
            .delete(delete.build().map_err(build_error)?)
            .build())
    }
}

// ---- shared with the report ---------------------------------------------------------------

/// What the refusal of one action of a transaction means, and how to tell it afterwards when
/// DynamoDB gave no cancellation reasons.
pub(super) enum Check {
    /// Unconditional.
    None,
    /// Conditioned on item `pk` having this version: refused, it moved or vanished (`Stale`).
    Version(String, u64),
    /// The guard of this nopol key, put if absent: refused, the nopol is taken.
    Guard(String),
    /// A new item `pk`, put if absent: refused, it exists already.
    New(String),
    /// Conditioned on item `pk` existing: refused, it vanished (`Stale`).
    Exists(String),
}

impl Check {
    /// Which refusal is reported when several actions were refused ([`named_refusal`]).
    fn rank(&self) -> u8 {
        match self {
            Check::Version(..) | Check::Exists(_) => 0,
            Check::Guard(_) => 1,
            Check::New(_) => 2,
            Check::None => 3,
        }
    }

    fn refusal(&self) -> StoreError {
        match self {
            Check::Version(..) | Check::Exists(_) => StoreError::Stale,
            Check::Guard(nopol_key) => StoreError::NopolTaken(nopol_key.clone()),
            Check::New(pk) => StoreError::Other(format!("{pk} exists already")),
            Check::None => StoreError::Other("an unconditional write was refused".into()),
        }
    }
}

/// The refusal reported when the actions of `refused` were refused: a moved version first
/// (the caller re-reads and then sees the rest), then the first taken nopol.
fn named_refusal<'a>(refused: impl Iterator<Item = &'a Check>) -> Option<StoreError> {
    refused.min_by_key(|c| c.rank()).map(Check::refusal)
}

impl DynamoStore {
    /// [`DynamoStore::commit`] of one change, with the request's pending change log entry as
    /// its last action.
    async fn commit_logged(
        &self,
        actions: Vec<(TransactWriteItem, Check)>,
    ) -> Result<(), StoreError> {
        pending::in_change(|entry| async move {
            let mut actions = actions;
            actions.extend(self.logged(entry.as_ref())?);
            self.commit(actions).await?
        })
        .await
    }

    /// Runs `actions` in one transaction and names a refusal from the cancellation reasons or,
    /// without them, by reading the items the conditions were on.
    pub(super) async fn commit(&self, actions: Vec<(TransactWriteItem, Check)>) -> Attempt {
        let (items, checks): (Vec<_>, Vec<_>) = actions.into_iter().unzip();
        let codes = match self.transact(items).await? {
            Outcome::Committed => return Ok(Ok(())),
            Outcome::Cancelled(codes) => codes,
        };
        let mut refused: Vec<&Check> = checks
            .iter()
            .enumerate()
            .filter(|(at, _)| failed(&codes, *at))
            .map(|(_, check)| check)
            .collect();
        if codes.is_empty() {
            for check in &checks {
                if self.refuses(check).await? {
                    refused.push(check);
                }
            }
        }
        Ok(Err(named_refusal(refused.into_iter()).unwrap_or_else(
            || StoreError::Other(format!("transaction cancelled: {codes:?}")),
        )))
    }

    /// Whether `check`'s condition fails as the table stands now.
    async fn refuses(&self, check: &Check) -> Result<bool, StoreError> {
        Ok(match check {
            Check::None => false,
            Check::Version(pk, version) => self.get_item(pk).await?.is_none_or(|item| {
                optional_number::<u64>(&item, "version").ok().flatten() != Some(*version)
            }),
            Check::Guard(nopol_key) => self.item_exists(&guard_pk(nopol_key)).await?,
            Check::New(pk) => self.item_exists(pk).await?,
            Check::Exists(pk) => !self.item_exists(pk).await?,
        })
    }

    /// An update of item `pk`, to send alone ([`Self::update_if`]) or in a transaction.
    pub(super) fn update(
        &self,
        pk: &str,
        expression: &str,
        condition: Option<&str>,
        values: HashMap<String, AttributeValue>,
    ) -> Result<Update, StoreError> {
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk)))
            .update_expression(expression)
            .set_condition_expression(condition.map(str::to_string))
            .set_expression_attribute_names(names_in(&[expression, condition.unwrap_or("")]))
            .set_expression_attribute_values(Some(values).filter(|v| !v.is_empty()))
            .build()
            .map_err(build_error)
    }

    /// Sends `update` as one UpdateItem; `false` when its condition refused it. Retried while
    /// a transaction on the same item (a delivery settling its claim) is under way.
    pub(super) async fn update_if(&self, update: Update) -> Result<bool, StoreError> {
        let request = self
            .client
            .update_item()
            .table_name(update.table_name)
            .set_key(Some(update.key))
            .update_expression(update.update_expression)
            .set_condition_expression(update.condition_expression)
            .set_expression_attribute_names(update.expression_attribute_names)
            .set_expression_attribute_values(update.expression_attribute_values);
        for attempt in 0..CONFLICT_ATTEMPTS {
            let err = match request.clone().send().await {
                Ok(_) => return Ok(true),
                Err(err) => err,
            };
            match err.as_service_error() {
                Some(e) if e.is_conditional_check_failed_exception() => return Ok(false),
                Some(e) if e.is_transaction_conflict_exception() => {
                    tokio::time::sleep(backoff(attempt)).await;
                }
                _ => return Err(sdk_error("UpdateItem", err)),
            }
        }
        Err(StoreError::Unavailable(
            "UpdateItem kept conflicting with concurrent transactions".into(),
        ))
    }

    /// Item `pk` if it is of `kind`; `None` for keys DynamoDB would reject, which name nothing.
    pub(super) async fn get_kind(&self, pk: &str, kind: &str) -> Result<Option<Item>, StoreError> {
        if !is_key(pk) {
            return Ok(None);
        }
        Ok(self.get_item(pk).await?.filter(|item| is_kind(item, kind)))
    }

    /// The items among `pks` (each at most once) that exist, in no particular order.
    pub(super) async fn batch_get(
        &self,
        pks: impl IntoIterator<Item = String>,
    ) -> Result<Vec<Item>, StoreError> {
        let keys: Vec<Item> = pks.into_iter().map(key).collect();
        let mut items = Vec::new();
        for chunk in keys.chunks(BATCH_GET) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0;
            // DynamoDB leaves keys unprocessed when throttled or past 16 MB of answer.
            while !pending.is_empty() {
                if attempt == UNPROCESSED_ATTEMPTS {
                    return Err(StoreError::Unavailable(
                        "BatchGetItem kept leaving keys unprocessed".into(),
                    ));
                }
                if attempt > 0 {
                    tokio::time::sleep(backoff(attempt)).await;
                }
                let wanted = KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .consistent_read(true)
                    .build()
                    .map_err(build_error)?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, wanted)
                    .send()
                    .await
                    .map_err(|err| sdk_error("BatchGetItem", err))?;
                let found = out.responses.and_then(|mut r| r.remove(&self.table));
                items.extend(found.unwrap_or_default());
                let left = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table));
                pending = left.map(|left| left.keys).unwrap_or_default();
                attempt += 1;
            }
        }
        Ok(items)
    }
}

/// `SET #a = :a, ...` of every attribute of `item` but its key, with the values.
fn set_all(item: Item) -> (String, HashMap<String, AttributeValue>) {
    let (sets, values): (Vec<String>, HashMap<String, AttributeValue>) = item
        .into_iter()
        .filter(|(name, _)| name != PK)
        .map(|(name, value)| (format!("#{name} = :{name}"), (format!(":{name}"), value)))
        .unzip();
    (format!("SET {}", sets.join(", ")), values)
}

fn is_kind(item: &Item, kind: &str) -> bool {
    matches!(item.get("kind"), Some(AttributeValue::S(found)) if found == kind)
}

fn stale_unless(applied: bool) -> Result<(), StoreError> {
    if applied {
        Ok(())
    } else {
        Err(StoreError::Stale)
    }
}

fn same_id(current: &str, next: &str) -> Result<(), StoreError> {
    if current == next {
        Ok(())
    } else {
        Err(StoreError::Other(format!(
            "replace of {current} by an item with id {next}"
        )))
    }
}

fn signed(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

// ---- items --------------------------------------------------------------------------------

fn customer_pk(id: &str) -> String {
    format!("{CUSTOMER}#{id}")
}

fn vehicle_pk(id: &str) -> String {
    format!("{VEHICLE}#{id}")
}

fn guard_pk(nopol_key: &str) -> String {
    format!("{GUARD_PREFIX}{nopol_key}")
}

/// The customer as stored: its serde form, its version, and the list order.
fn customer_item(customer: &Customer) -> Result<Item, StoreError> {
    let mut item = attributes(customer)?;
    item.extend(key(customer_pk(&customer.id)));
    item.insert("kind".into(), s(CUSTOMER));
    item.insert("list_key".into(), s(customer.list_key()));
    item.insert("version".into(), n(customer.version));
    Ok(item)
}

/// Where the vehicle's own `kind` (motor or mobil) is kept: `kind` names the item's type.
const VEHICLE_KIND: &str = "vehicle_kind";

/// The vehicle as stored: its serde form (`id_customer` puts it into `customer-index`), its
/// version, and none of the attributes the record indexes are built on.
fn vehicle_item(vehicle: &Vehicle) -> Result<Item, StoreError> {
    let mut item = attributes(vehicle)?;
    if let Some(kind) = item.remove("kind") {
        item.insert(VEHICLE_KIND.into(), kind);
    }
    item.extend(key(vehicle_pk(&vehicle.id)));
    item.insert("kind".into(), s(VEHICLE));
    item.insert("version".into(), n(vehicle.version));
    // Sparse: only a vehicle with a visit (`last_visit`) enters `visit-index`.
    if vehicle.last_visit.is_some() {
        item.insert("visit".into(), s(VEHICLE));
    }
    // And only one with a next service enters `due-index`, in a partition of its own.
    if let Some(day) = vehicle.due_on {
        item.insert("due".into(), s(VEHICLE));
        item.insert("next_service".into(), value(&day)?);
    }
    Ok(item)
}

/// A vehicle read back from its item ([`vehicle_item`]); one written before kinds existed is a
/// `mobil`.
fn vehicle_from(mut item: Item) -> Result<Vehicle, StoreError> {
    match item.remove(VEHICLE_KIND) {
        Some(kind) => item.insert("kind".into(), kind),
        None => item.remove("kind"),
    };
    versioned(item)
}

fn visit_pk(id: &str) -> String {
    format!("{VISIT}#{id}")
}

/// The visit as stored: its serde form (`id_customer` puts it into `customer-index`, kind
/// `visit`).
fn visit_item(visit: &Visit) -> Result<Item, StoreError> {
    let mut item = attributes(visit)?;
    item.extend(key(visit_pk(&visit.id)));
    item.insert("kind".into(), s(VISIT));
    Ok(item)
}

impl Versioned for Customer {
    fn with_version(self, version: u64) -> Self {
        Customer { version, ..self }
    }
}

impl Versioned for Vehicle {
    fn with_version(self, version: u64) -> Self {
        Vehicle { version, ..self }
    }
}

/// The items a registration writes (but the counts), to tell which rows of a bulk insert
/// could collide.
fn items_of(registration: &Registration) -> Vec<String> {
    let vehicles = registration.vehicles.iter();
    std::iter::once(customer_pk(&registration.customer.id))
        .chain(vehicles.clone().map(|v| vehicle_pk(&v.id)))
        .chain(vehicles.map(|v| guard_pk(&v.nopol_key())))
        .collect()
}

/// The rows that share no item with an earlier row, and the rest.
fn waves(registrations: &[Registration]) -> (Vec<usize>, Vec<usize>) {
    let mut seen = HashSet::new();
    (0..registrations.len()).partition(|&row| {
        let items = items_of(&registrations[row]);
        let fresh = items.iter().all(|pk| !seen.contains(pk));
        seen.extend(items);
        fresh
    })
}

/// The most actions of one transaction.
const MAX_ACTIONS: usize = 100;

/// `rows` in packs whose writes, with the counts' update, fit one transaction.
fn packs(registrations: &[Registration], rows: &[usize]) -> Vec<Vec<usize>> {
    let mut packs: Vec<Vec<usize>> = Vec::new();
    let mut actions = 0;
    for &row in rows {
        let registration = &registrations[row];
        let needs = 1 + 2 * registration.vehicles.len() + registration.visits.len();
        match packs.last_mut() {
            Some(pack) if actions + needs < MAX_ACTIONS => pack.push(row),
            _ => {
                packs.push(vec![row]);
                actions = 0;
            }
        }
        actions += needs;
    }
    packs
}

/// A vehicle id or nopol repeated within one registration, refused as the embedded store
/// refuses it (DynamoDB would reject a transaction touching one item twice).
fn repeated_within(registration: &Registration) -> Option<StoreError> {
    let (mut ids, mut nopols) = (HashSet::new(), HashSet::new());
    for vehicle in &registration.vehicles {
        if !ids.insert(vehicle.id.as_str()) {
            return Some(StoreError::Other(format!(
                "vehicle {} exists already",
                vehicle.id
            )));
        }
        if !nopols.insert(vehicle.nopol_key()) {
            return Some(StoreError::NopolTaken(vehicle.nopol_key()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_hashed_words_of_the_expressions() {
        let names = names_in(&[
            "ADD #frequency :f SET #updated_at = :at",
            "attribute_exists(#pk)",
        ])
        .expect("names");
        assert_eq!(names.len(), 3);
        assert_eq!(
            names.get("#updated_at").map(String::as_str),
            Some("updated_at")
        );
        assert_eq!(names.get("#pk").map(String::as_str), Some("pk"));
        assert_eq!(names_in(&["", "a = :b"]), None);
    }

    #[test]
    fn set_all_sets_every_attribute_but_the_key() {
        let mut item = key("customer#1");
        item.insert("name".into(), s("Budi"));
        item.insert("version".into(), n(2));
        let (set, values) = set_all(item);
        assert!(set.starts_with("SET "));
        assert!(set.contains("#name = :name") && set.contains("#version = :version"));
        assert!(!set.contains("#pk"));
        assert_eq!(values.len(), 2);
    }
}
