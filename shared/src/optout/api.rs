//! The HTTP edge of the opt-outs: `POST /opt-outs`, `GET /opt-outs`,
//! `DELETE /opt-outs/{no_hp}?nopol=`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Added, OptOut, OptOutError, OptOutList, OptOuts, Request, Source};
use crate::actor::Level;
use crate::body::Fields;
use crate::error::ApiError;
use crate::extract::{FromBody, FromQuery, Valid, ValidQuery};
use crate::openapi::Doc;
use crate::query::{Params, is_position_key};
use crate::route::{Route, route};

/// Opt-outs per page, by default and at most.
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1000;
/// Longest reason kept, in characters.
const MAX_REASON_CHARS: usize = 500;

/// What this domain's handlers need of the application that serves them.
pub trait HasOptOuts: Send + Sync + 'static {
    fn opt_outs(&self) -> OptOuts<'_>;
}

fn reason_schema() -> utoipa::openapi::schema::Object {
    crate::body::nullable_text_schema(crate::text::Lines::One, 1, MAX_REASON_CHARS)
}

/// `{"no_hp": "08123456789", "nopol": null, "reason": "Minta berhenti lewat telepon"}`.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"no_hp": "08123456789", "nopol": null,
    "reason": "Minta berhenti lewat telepon"}))]
pub struct NewOptOut {
    #[schema(schema_with = crate::phone::schema)]
    pub no_hp: String,
    /// Only this vehicle's messages stop; absent or `null`: every message to the number.
    pub nopol: Option<crate::nopol::Nopol>,
    #[schema(schema_with = reason_schema, required = false)]
    pub reason: Option<String>,
}

impl FromBody for Request {
    type Shape = NewOptOut;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        let mut f = Fields::new(body, vec![json!("body")]).map_err(ApiError::Invalid)?;
        let phone = f.no_hp();
        let phone = f.required("no_hp", phone);
        let nopol = f.nopol().given();
        let reason = f.text("reason", 1, MAX_REASON_CHARS).given();
        match (f.finish(), phone) {
            (Ok(()), Some(no_hp)) => Ok(Request {
                no_hp,
                nopol: nopol.map(|n| n.to_string()),
                reason,
            }),
            (outcome, _) => Err(ApiError::Invalid(outcome.err().unwrap_or_default())),
        }
    }
}

/// `?limit=&cursor=`.
#[derive(Debug, Clone, PartialEq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OptOutQuery {
    #[param(value_type = u32, required = false, minimum = 1, maximum = 1000, default = 100)]
    pub limit: usize,
    /// The previous page's `next_cursor`; empty or absent: the first page.
    #[param(rename = "cursor", value_type = Option<String>)]
    pub after: Option<String>,
}

impl FromQuery for OptOutQuery {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        let query = OptOutQuery {
            limit: p.limit(DEFAULT_PAGE, MAX_PAGE),
            after: p.cursor(is_position_key),
        };
        p.finish().map(|()| query).map_err(ApiError::Invalid)
    }
}

/// `?nopol=B 1234 XYZ`: one vehicle's opt-out rather than the number's.
#[derive(Debug, Clone, PartialEq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveQuery {
    #[param(value_type = Option<crate::nopol::Nopol>, inline)]
    pub nopol: Option<String>,
}

impl FromQuery for RemoveQuery {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        // Given empty, `nopol` is no plate: refused, as the document's pattern says.
        let parsed = raw.get("nopol").map(|n| crate::nopol::Nopol::parse(n));
        if parsed == Some(None) {
            p.refuse(
                "nopol",
                "Nopol tidak valid. Format: 1-2 huruf, 1-4 angka, 0-3 huruf, misalnya B 1234 XYZ",
            );
        }
        let query = RemoveQuery {
            nopol: parsed.flatten().map(|n| n.to_string()),
        };
        p.finish().map(|()| query).map_err(ApiError::Invalid)
    }
}

impl From<OptOutError> for ApiError {
    fn from(error: OptOutError) -> Self {
        match error {
            OptOutError::NotFound => ApiError::NotFound(error.to_string()),
            OptOutError::Store(e) => e.into(),
        }
    }
}

/// 201 when new; 200 with the one already there.
pub async fn add<A: HasOptOuts>(
    State(app): State<Arc<A>>,
    Valid(request): Valid<Request>,
) -> Result<(StatusCode, Json<OptOut>), ApiError> {
    Ok(match app.opt_outs().add(request, Source::Staff).await? {
        Added::New(opt_out) => (StatusCode::CREATED, Json(opt_out)),
        Added::Existing(opt_out) => (StatusCode::OK, Json(opt_out)),
    })
}

pub async fn list<A: HasOptOuts>(
    State(app): State<Arc<A>>,
    ValidQuery(query): ValidQuery<OptOutQuery>,
) -> Result<Json<OptOutList>, ApiError> {
    let opt_outs = app.opt_outs();
    Ok(Json(
        opt_outs.list(query.limit, query.after.as_deref()).await?,
    ))
}

pub async fn remove<A: HasOptOuts>(
    State(app): State<Arc<A>>,
    Path(no_hp): Path<String>,
    ValidQuery(query): ValidQuery<RemoveQuery>,
) -> Result<StatusCode, ApiError> {
    let no_hp = crate::phone::normalize(&no_hp).ok_or(OptOutError::NotFound)?;
    app.opt_outs()
        .remove(&no_hp, query.nopol.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of this domain, served on any application that gives its handlers what they need.
pub fn routes<A: HasOptOuts>() -> Vec<Route<Arc<A>>> {
    vec![
        route(
            "optout-create",
            Method::POST,
            "/opt-outs",
            Level::Staff,
            add::<A>,
        )
        .doc(|| {
            Doc::new(
                "opt-outs",
                "Stop messages to a number, or to one vehicle of it",
            )
            .body::<Request>()
            .json::<OptOut>(StatusCode::CREATED, "Stored")
            .json::<OptOut>(StatusCode::OK, "The same one was there already")
        }),
        route(
            "optout-list",
            Method::GET,
            "/opt-outs",
            Level::Read,
            list::<A>,
        )
        .doc(|| {
            Doc::new("opt-outs", "The opt-outs, newest first")
                .query::<OptOutQuery>()
                .json::<OptOutList>(StatusCode::OK, "A page of the list")
        }),
        route(
            "optout-delete",
            Method::DELETE,
            "/opt-outs/{no_hp}",
            Level::Admin,
            remove::<A>,
        )
        .doc(|| {
            Doc::new("opt-outs", "Send to a number (or one vehicle of it) again")
                .query::<RemoveQuery>()
                .empty(StatusCode::NO_CONTENT, "Removed")
                .fails(&[StatusCode::NOT_FOUND])
        }),
    ]
}
