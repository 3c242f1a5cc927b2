//! The typed edge of sending and of the log: the send body and the log's query, read as the
//! HTTP layer reads them.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Source, Status};
use crate::body::Fields;
use crate::error::ApiError;
use crate::extract::{FromBody, FromQuery};
use crate::messages::store::MessageQuery;
use crate::query::{Params, is_position_key};

/// Longest custom message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// Log entries per page, by default and at most.
pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 1000;

fn message_schema() -> utoipa::openapi::schema::Object {
    crate::body::text_schema(crate::text::Lines::Many, 1, MAX_MESSAGE_CHARS)
}

/// A valid `send-custom-message` request (`SendCustomMessageRequest`).
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"no_hp": "08123456789",
    "message": "Halo, ada promo service gratis minggu ini!"}))]
pub struct CustomMessage {
    #[schema(schema_with = crate::phone::schema)]
    pub no_hp: String,
    /// 1-2000 characters, trimmed; line breaks and tabs allowed, other control characters not.
    #[schema(schema_with = message_schema)]
    pub message: String,
}

impl FromBody for CustomMessage {
    type Shape = CustomMessage;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        let mut f = Fields::new(body, vec![json!("body")]).map_err(ApiError::Invalid)?;
        let phone = f.no_hp();
        let phone = f.required("no_hp", phone);
        let text = f.lines("message", 1, MAX_MESSAGE_CHARS);
        let text = f.required("message", text);
        match (f.finish(), phone, text) {
            (Ok(()), Some(no_hp), Some(message)) => Ok(CustomMessage { no_hp, message }),
            (outcome, ..) => Err(ApiError::Invalid(outcome.err().unwrap_or_default())),
        }
    }
}

/// `?status=&source=&limit=&cursor=`.
impl FromQuery for MessageQuery {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        let query = MessageQuery {
            status: p.choice("status", &Status::ALL),
            source: p.choice("source", &Source::ALL),
            limit: p.limit(DEFAULT_PAGE, MAX_PAGE),
            after: p.cursor(is_position_key),
        };
        p.finish().map(|()| query).map_err(ApiError::Invalid)
    }
}
