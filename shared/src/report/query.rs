//! The typed queries of the report's lists: which pairs by frequency, in which order, and which
//! page. Read from the query string once; the list, the detail and an export take the same
//! values; and the scope of a reset.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterIn};
use uuid::Uuid;

use super::Scope;
use crate::error::ApiError;
use crate::extract::FromQuery;
use crate::import::Export;
use crate::query::{Params, is_position_key};
use crate::sheet::Format;
use crate::validation::FieldError;

/// Rows a page holds at most (and by default, when only `cursor` is given).
pub const MAX_PAGE: usize = 1000;

/// What `sort` ranks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    Frequency,
    LastMessageDate,
}

/// `desc` (the default) or `asc`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    #[default]
    Desc,
    Asc,
}

/// Pairs whose frequency lies in `min_frequency..=max_frequency` (an absent bound is open).
/// With either bound set, the register's pairs that have no report row yet take part too, as
/// frequency 0: the never-messaged customers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FrequencyFilter {
    /// Pairs that received at least this many messages.
    #[param(minimum = 0)]
    pub min_frequency: Option<u64>,
    /// Pairs that received at most this many (0: never messaged), not below `min_frequency`.
    #[param(minimum = 0)]
    pub max_frequency: Option<u64>,
}

impl FrequencyFilter {
    pub fn is_set(&self) -> bool {
        self.min_frequency.is_some() || self.max_frequency.is_some()
    }

    pub fn admits(&self, frequency: u64) -> bool {
        self.min_frequency.is_none_or(|min| frequency >= min)
            && self.max_frequency.is_none_or(|max| frequency <= max)
    }

    /// Whether pairs without a row (frequency 0) belong in the answer.
    pub fn wants_unreported(&self) -> bool {
        self.is_set() && self.admits(0)
    }
}

/// The order of a list: `sort` with `order`; without `sort`, the report's own order (most
/// messages first, then the latest message first, then by id).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Ranking {
    /// Ranks by this; alone, `order` ranks by frequency.
    #[param(inline)]
    pub sort: Option<SortKey>,
    #[param(inline, required = false)]
    pub order: Order,
}

/// Where an entry stands in a ranking: what the cursor of a ranked page holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub frequency: u64,
    pub last_message_date: Option<DateTime<FixedOffset>>,
    pub id: String,
}

impl Position {
    /// As a cursor key: `<frequency>|<instant or ->|<id>`.
    pub fn key(&self) -> String {
        let last = self
            .last_message_date
            .map_or_else(|| "-".to_string(), |at| at.to_rfc3339());
        format!("{}|{last}|{}", self.frequency, self.id)
    }

    pub fn from_key(key: &str) -> Option<Position> {
        let mut parts = key.splitn(3, '|');
        let frequency = parts.next()?.parse().ok()?;
        let last_message_date = match parts.next()? {
            "-" => None,
            at => Some(DateTime::parse_from_rfc3339(at).ok()?),
        };
        let id = parts.next()?;
        Uuid::parse_str(id).ok()?;
        Some(Position {
            frequency,
            last_message_date,
            id: id.to_string(),
        })
    }
}

impl Ranking {
    /// `a` against `b` in this ranking: ties in the ranked value fall to the other one, then
    /// to the id (always ascending, so that the order is total and pages never overlap).
    pub fn compare(&self, a: &Position, b: &Position) -> Ordering {
        let by_frequency = a.frequency.cmp(&b.frequency);
        let by_last = a.last_message_date.cmp(&b.last_message_date);
        let ranked = match self.sort {
            None | Some(SortKey::Frequency) => by_frequency.then(by_last),
            Some(SortKey::LastMessageDate) => by_last.then(by_frequency),
        };
        let ranked = match self.order {
            Order::Desc => ranked.reverse(),
            Order::Asc => ranked,
        };
        ranked.then_with(|| a.id.cmp(&b.id))
    }
}

/// A page: at most `limit` entries after the cursor's key.
#[derive(Debug, Clone, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageRequest {
    /// Rows per page, at most (fewer when that many would outgrow one answer, 6 MB); with
    /// `limit` or `cursor` the cursor of the next page comes in `X-Next-Cursor`.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000, default = 1000)]
    pub limit: usize,
    /// The previous page's `X-Next-Cursor`, with the same other parameters; empty or absent: the
    /// first page.
    #[param(rename = "cursor", value_type = Option<String>)]
    pub after: Option<String>,
}

/// One request of the list or the detail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportQuery {
    pub filter: FrequencyFilter,
    pub ranking: Ranking,
    /// `None`: the whole list, as one answer.
    pub page: Option<PageRequest>,
}

impl ReportQuery {
    /// Whether the list can be paged in the store's own order (its list index), reading only
    /// the page: nothing is filtered or ranked.
    pub fn in_store_order(&self) -> bool {
        !self.filter.is_set() && self.ranking == Ranking::default() && self.page.is_some()
    }

    /// Reads `sort`, `order`, `limit`, `cursor` and, where `filtered`, `min_frequency` and
    /// `max_frequency`; every problem at once, at `["query", name]`.
    pub fn from_params(raw: &HashMap<String, String>, filtered: bool) -> Result<Self, ApiError> {
        let mut params = Params::new(raw);
        let filter = if filtered {
            FrequencyFilter {
                min_frequency: params.whole("min_frequency"),
                max_frequency: params.whole("max_frequency"),
            }
        } else {
            FrequencyFilter::default()
        };
        if let (Some(min), Some(max)) = (filter.min_frequency, filter.max_frequency)
            && min > max
        {
            params.refuse(
                "min_frequency",
                "min_frequency tidak boleh lebih besar dari max_frequency",
            );
        }
        let sort = params.choice("sort", &[SortKey::Frequency, SortKey::LastMessageDate]);
        let order = params.choice("order", &[Order::Desc, Order::Asc]);
        // `order` alone ranks by frequency: the ranking the report has without parameters.
        let ranking = Ranking {
            sort: sort.or(order.map(|_| SortKey::Frequency)),
            order: order.unwrap_or_default(),
        };
        let mut query = ReportQuery {
            filter,
            ranking,
            page: None,
        };
        if params.has("limit") || params.has("cursor") {
            let limit = params.limit(MAX_PAGE, MAX_PAGE);
            let store_order = ReportQuery {
                page: Some(PageRequest { limit, after: None }),
                ..query.clone()
            }
            .in_store_order();
            // A cursor is valid for the kind of page that made it.
            let after = params.cursor(|key| {
                if store_order {
                    is_position_key(key)
                } else {
                    Position::from_key(key).is_some()
                }
            });
            query.page = Some(PageRequest { limit, after });
        }
        params.finish().map_err(ApiError::Invalid)?;
        Ok(query)
    }
}

/// `GET /whatsapp-report/`: ranked and paged, not filtered.
pub struct ListQuery(pub ReportQuery);

/// `GET /whatsapp-report/detail`: filtered, ranked and paged.
pub struct DetailQuery(pub ReportQuery);

/// `GET /whatsapp-report/export`: the detail's rows, filtered and ranked, whole.
pub struct ExportQuery {
    pub format: Format,
    pub query: ReportQuery,
}

/// The parameters of the parts a query reads, in order, for the OpenAPI document.
macro_rules! params_of {
    ($in:ident: $($part:ty),+) => {
        [$(<$part>::into_params(&$in)),+].concat()
    };
}

impl IntoParams for ListQuery {
    fn into_params(at: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        params_of!(at: Ranking, PageRequest)
    }
}

impl IntoParams for DetailQuery {
    fn into_params(at: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        params_of!(at: FrequencyFilter, Ranking, PageRequest)
    }
}

impl IntoParams for ExportQuery {
    fn into_params(at: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        params_of!(at: Export, FrequencyFilter, Ranking)
    }
}

impl FromQuery for ListQuery {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        ReportQuery::from_params(raw, false).map(ListQuery)
    }
}

impl FromQuery for DetailQuery {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        ReportQuery::from_params(raw, true).map(DetailQuery)
    }
}

impl FromQuery for ExportQuery {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let format = crate::import::export_format(raw)?;
        let query = ReportQuery {
            page: None,
            ..ReportQuery::from_params(raw, true)?
        };
        Ok(ExportQuery { format, query })
    }
}

/// The scope of a reset: query `customer_id`, and `vehicle_id` with it for one pair.
impl FromQuery for Scope {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        scope(raw)
    }
}

fn scope(params: &HashMap<String, String>) -> Result<Scope, ApiError> {
    let mut errors = Vec::new();
    let mut id = |name: &str| {
        // Given but empty is refused, not read as "every row": a reset is not undone by itself.
        let raw = params.get(name)?;
        if Uuid::parse_str(raw).is_err() {
            errors.push(
                FieldError::new(
                    vec![json!("query"), json!(name)],
                    "uuid_parsing",
                    "Input should be a valid UUID",
                )
                .with_input(json!(raw)),
            );
            return None;
        }
        Some(raw.to_lowercase())
    };
    let scope = Scope {
        id_customer: id("customer_id"),
        id_vehicle: id("vehicle_id"),
    };
    if scope.id_vehicle.is_some() && scope.id_customer.is_none() && errors.is_empty() {
        errors.push(FieldError::new(
            vec![json!("query"), json!("customer_id")],
            "missing",
            "vehicle_id membutuhkan customer_id",
        ));
    }
    if errors.is_empty() {
        Ok(scope)
    } else {
        Err(ApiError::Invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Result<ReportQuery, ApiError> {
        let raw = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ReportQuery::from_params(&raw, true)
    }

    #[test]
    fn no_parameters_is_the_plain_list() {
        assert_eq!(query(&[]).ok(), Some(ReportQuery::default()));
    }

    #[test]
    fn refusals_name_their_parameter() {
        let Err(ApiError::Invalid(errors)) = query(&[
            ("sort", "name"),
            ("order", "up"),
            ("max_frequency", "-1"),
            ("limit", "0"),
        ]) else {
            panic!("refused");
        };
        let names: Vec<_> = errors.iter().map(|e| e.loc[1].clone()).collect();
        assert_eq!(
            names,
            ["max_frequency", "sort", "order", "limit"].map(serde_json::Value::from)
        );
        assert!(query(&[("min_frequency", "3"), ("max_frequency", "2")]).is_err());
        // A ranked page's cursor is no cursor of the plain pages, and the other way round.
        let ranked = Position {
            frequency: 2,
            last_message_date: None,
            id: uuid::Uuid::new_v4().to_string(),
        };
        let cursor = crate::query::encode_cursor(&ranked.key());
        assert!(query(&[("cursor", &cursor), ("sort", "frequency")]).is_ok());
        assert!(query(&[("cursor", &cursor)]).is_err());
    }

    #[test]
    fn positions_survive_their_key_and_rank_totally() {
        let at = DateTime::parse_from_rfc3339("2026-01-10T10:30:00+07:00").ok();
        let id = |n: u128| uuid::Uuid::from_u128(n).to_string();
        let p = |frequency, last, n| Position {
            frequency,
            last_message_date: last,
            id: id(n),
        };
        let all = [p(0, None, 1), p(2, at, 2), p(2, None, 3), p(2, at, 4)];
        for position in &all {
            assert_eq!(Position::from_key(&position.key()).as_ref(), Some(position));
        }
        let ranked = |ranking: Ranking| {
            let mut sorted = all.to_vec();
            sorted.sort_by(|a, b| ranking.compare(a, b));
            sorted.iter().map(|p| p.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(ranked(Ranking::default()), [id(2), id(4), id(3), id(1)]);
        let asc = Ranking {
            sort: Some(SortKey::Frequency),
            order: Order::Asc,
        };
        assert_eq!(ranked(asc), [id(1), id(3), id(2), id(4)]);
        let latest = Ranking {
            sort: Some(SortKey::LastMessageDate),
            order: Order::Desc,
        };
        assert_eq!(ranked(latest), [id(2), id(4), id(3), id(1)]);
    }
}
