//! The HTTP edge of the replies: the inbox (`GET /inbox`). The providers' webhooks that bring
//! the replies live with their adapters (`crate::gateway`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};

use super::{Inbox, Replies, ReplyError};
use crate::actor::Level;
use crate::error::ApiError;
use crate::extract::{FromQuery, ValidQuery};
use crate::openapi::Doc;
use crate::query::{Params, is_position_key};
use crate::route::{Route, route};

/// Inbox replies per page, by default and at most.
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1000;

/// What this domain's handlers need of the application that serves them.
pub trait HasReplies: Send + Sync + 'static {
    fn replies(&self) -> Replies<'_>;
}

/// `?limit=&cursor=`.
#[derive(Debug, Clone, PartialEq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    #[param(value_type = u32, required = false, minimum = 1, maximum = 1000, default = 100)]
    pub limit: usize,
    /// The previous page's `next_cursor`; empty or absent: the first page.
    #[param(rename = "cursor", value_type = Option<String>)]
    pub after: Option<String>,
}

impl FromQuery for InboxQuery {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        let query = InboxQuery {
            limit: p.limit(DEFAULT_PAGE, MAX_PAGE),
            after: p.cursor(is_position_key),
        };
        p.finish().map(|()| query).map_err(ApiError::Invalid)
    }
}

impl From<ReplyError> for ApiError {
    fn from(error: ReplyError) -> Self {
        match error {
            ReplyError::Store(e) => e.into(),
        }
    }
}

pub async fn inbox<A: HasReplies>(
    State(app): State<Arc<A>>,
    ValidQuery(query): ValidQuery<InboxQuery>,
) -> Result<Json<Inbox>, ApiError> {
    let replies = app.replies();
    Ok(Json(
        replies.inbox(query.limit, query.after.as_deref()).await?,
    ))
}

/// The routes of this domain, served on any application that gives its handlers what they need.
pub fn routes<A: HasReplies>() -> Vec<Route<Arc<A>>> {
    vec![
        route(
            "replies-inbox",
            Method::GET,
            "/inbox",
            Level::Read,
            inbox::<A>,
        )
        .doc(|| {
            Doc::new(
                "replies",
                "Customers' replies that are not keywords, newest first",
            )
            .query::<InboxQuery>()
            .json::<Inbox>(StatusCode::OK, "A page of the inbox")
        }),
    ]
}
