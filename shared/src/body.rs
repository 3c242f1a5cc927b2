//! Reading JSON request bodies field by field, so that every problem is reported at once, in
//! pydantic's shape, with the field it concerns and the input that was given.

use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use bytes::Bytes;
use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::nopol::Nopol;
use crate::text::Lines;
use crate::validation::FieldError;

/// Largest request body accepted; larger ones answer 413.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The schema of a text field of at most `max` characters, `min` once trimmed, that is not blank and
/// holds only what [`crate::text`] lets `lines` hold.
pub fn text_schema(lines: Lines, min: usize, max: usize) -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .min_length(Some(min))
        .max_length(Some(max))
        .pattern(Some(crate::text::pattern(lines, false)))
        .build()
}

/// [`text_schema`] for a field that may also be `null` or left out.
pub fn nullable_text_schema(
    lines: Lines,
    min: usize,
    max: usize,
) -> utoipa::openapi::schema::Object {
    let mut schema = text_schema(lines, min, max);
    schema.schema_type = [
        utoipa::openapi::schema::Type::String,
        utoipa::openapi::schema::Type::Null,
    ]
    .into_iter()
    .collect();
    schema
}

/// A calendar date written exactly `YYYY-MM-DD`, the one form the API takes.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

/// A request body parsed as JSON; unreadable JSON is a 422, an oversized body a 413.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match read_json(req, state).await? {
            Some(value) => Ok(JsonBody(value)),
            None => Err(ApiError::invalid(FieldError::body_root(
                "missing",
                "Field required",
            ))),
        }
    }
}

/// A JSON body that may be left out: an empty body reads as `{}`.
pub struct OptionalJsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for OptionalJsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Ok(OptionalJsonBody(
            read_json(req, state).await?.unwrap_or_else(|| json!({})),
        ))
    }
}

/// The body as JSON, or `None` when there is none.
async fn read_json<S: Send + Sync>(req: Request, state: &S) -> Result<Option<Value>, ApiError> {
    let bytes = Bytes::from_request(req, state)
        .await
        .map_err(body_rejection)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        ApiError::invalid(FieldError::new(
            vec![json!("body"), json!(e.column())],
            "json_invalid",
            format!("JSON decode error: {e}"),
        ))
    })
}

fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge(format!(
            "Body terlalu besar (maksimal {} byte)",
            MAX_BODY_BYTES
        ))
    } else {
        ApiError::invalid(FieldError::body_root(
            "body_unreadable",
            rejection.body_text(),
        ))
    }
}

/// What a request said about one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Slot<T> {
    Absent,
    /// An explicit `null`: clears an optional field on update.
    Null,
    Given(T),
    /// Given but not acceptable; the problem is already recorded.
    Invalid,
}

impl<T: Clone> Slot<T> {
    /// The value, if one was given.
    pub fn given(self) -> Option<T> {
        match self {
            Slot::Given(value) => Some(value),
            _ => None,
        }
    }

    /// Sets, clears or keeps an optional field, as a partial update does.
    pub fn update(&self, field: &mut Option<T>) {
        match self {
            Slot::Given(value) => *field = Some(value.clone()),
            Slot::Null => *field = None,
            Slot::Absent | Slot::Invalid => {}
        }
    }

    /// Sets or keeps a field that cannot be cleared (a null was refused when parsing).
    pub fn replace(&self, field: &mut T) {
        if let Slot::Given(value) = self {
            *field = value.clone();
        }
    }
}

/// A JSON number that is a whole number `>= 0`: `3`, or `3.0` as JSON Schema's integer (and
/// pydantic) take it.
fn whole_number(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u32::MAX as f64)
            .map(|f| f as u64)
    })
}

/// The fields of one JSON object, taken one by one; what is left over is an unknown field.
pub struct Fields {
    loc: Vec<Value>,
    map: Map<String, Value>,
    errors: Vec<FieldError>,
}

impl Fields {
    /// `loc` is where the object sits: `["body"]`, or `["body", 3]` for row 3 of a batch.
    pub fn new(value: Value, loc: Vec<Value>) -> Result<Self, Vec<FieldError>> {
        match value {
            Value::Object(map) => Ok(Fields {
                loc,
                map,
                errors: Vec::new(),
            }),
            other => Err(vec![
                FieldError::new(
                    loc,
                    "model_attributes_type",
                    "Input should be a valid object",
                )
                .with_input(other),
            ]),
        }
    }

    /// Where field `name` sits, for the errors of what it holds.
    pub fn loc_of(&self, name: &str) -> Vec<Value> {
        let mut loc = self.loc.clone();
        loc.push(json!(name));
        loc
    }

    pub fn reject(&mut self, name: &str, kind: &'static str, msg: impl Into<String>, input: Value) {
        let error = FieldError::new(self.loc_of(name), kind, msg).with_input(input);
        self.errors.push(error);
    }

    /// Takes a field and converts it with `parse`, which explains a refusal as (type, message).
    fn take<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&Value) -> Result<T, (&'static str, String)>,
    ) -> Slot<T> {
        match self.map.remove(name) {
            None => Slot::Absent,
            Some(Value::Null) => Slot::Null,
            Some(value) => match parse(&value) {
                Ok(parsed) => Slot::Given(parsed),
                Err((kind, msg)) => {
                    self.reject(name, kind, msg, value);
                    Slot::Invalid
                }
            },
        }
    }

    /// A string on one line, trimmed, of `min..=max` characters: a name or a model.
    pub fn text(&mut self, name: &str, min: usize, max: usize) -> Slot<String> {
        self.prose(name, Lines::One, min, max)
    }

    /// A string that may hold line breaks and tabs, trimmed, of `min..=max` characters: notes
    /// or a message.
    pub fn lines(&mut self, name: &str, min: usize, max: usize) -> Slot<String> {
        self.prose(name, Lines::Many, min, max)
    }

    /// A string of at most `max` characters as given (the document's `maxLength` counts them
    /// so), at least `min` once trimmed, that [`crate::text`] lets `lines` hold.
    fn prose(&mut self, name: &str, lines: Lines, min: usize, max: usize) -> Slot<String> {
        self.take(name, |value| {
            let given = value
                .as_str()
                .ok_or(("string_type", "Input should be a valid string".to_string()))?;
            let text = match lines {
                Lines::Many => crate::text::line_breaks(given.trim()),
                Lines::One => given.trim().into(),
            };
            if text.chars().count() < min {
                Err((
                    "string_too_short",
                    format!("String should have at least {min} character(s)"),
                ))
            } else if given.chars().count() > max {
                Err((
                    "string_too_long",
                    format!("String should have at most {max} characters"),
                ))
            } else if let Some(why) = crate::text::refusal(&text, lines) {
                Err(("value_error", why))
            } else {
                Ok(text.to_string())
            }
        })
    }

    /// A string turned into `T` by `parse`; `None` from `parse` is refused with `msg`.
    pub fn parsed<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Option<T>,
        msg: impl FnOnce(&str) -> String,
    ) -> Slot<T> {
        self.take(name, |value| {
            let text = value
                .as_str()
                .ok_or(("string_type", "Input should be a valid string".to_string()))?;
            parse(text).ok_or_else(|| ("value_error", msg(text)))
        })
    }

    /// A calendar date, `YYYY-MM-DD`.
    pub fn date(&mut self, name: &str) -> Slot<NaiveDate> {
        self.take(name, |value| {
            value.as_str().and_then(parse_date).ok_or((
                "date_from_datetime_parsing",
                "Input should be a valid date in the format YYYY-MM-DD".to_string(),
            ))
        })
    }

    /// 0 or 1.
    pub fn flag(&mut self, name: &str) -> Slot<u8> {
        self.take(name, |value| match whole_number(value) {
            Some(0) => Ok(0),
            Some(1) => Ok(1),
            _ => Err(("literal_error", "Input should be 0 or 1".to_string())),
        })
    }

    /// A whole number from 0 to `max`.
    pub fn whole(&mut self, name: &str, max: u64) -> Slot<u64> {
        self.take(name, |value| {
            whole_number(value).filter(|n| *n <= max).ok_or((
                "int_parsing",
                format!("Input should be a whole number from 0 to {max}"),
            ))
        })
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, name: &str) -> Slot<bool> {
        self.take(name, |value| {
            value
                .as_bool()
                .ok_or(("bool_type", "Input should be a valid boolean".to_string()))
        })
    }

    /// A list of at most `max` items.
    pub fn list(&mut self, name: &str, max: usize) -> Slot<Vec<Value>> {
        self.take(name, |value| match value.as_array() {
            None => Err(("list_type", "Input should be a valid list".to_string())),
            Some(items) if items.len() > max => {
                Err(("too_long", format!("List should have at most {max} items")))
            }
            Some(items) => Ok(items.clone()),
        })
    }

    /// `slot`, with an explicit `null` refused: for fields an update may change but not clear.
    pub fn not_null<T>(&mut self, name: &str, slot: Slot<T>) -> Slot<T> {
        if let Slot::Null = slot {
            self.reject(name, "missing", "Field ini tidak boleh null", Value::Null);
            return Slot::Invalid;
        }
        slot
    }

    /// Adds problems found inside one of the fields.
    pub fn extend(&mut self, errors: Vec<FieldError>) {
        self.errors.extend(errors);
    }

    /// A field that must be present and not null.
    pub fn required<T>(&mut self, name: &str, slot: Slot<T>) -> Option<T> {
        match slot {
            Slot::Given(value) => Some(value),
            Slot::Absent => {
                self.errors.push(FieldError::new(
                    self.loc_of(name),
                    "missing",
                    "Field required",
                ));
                None
            }
            Slot::Null => {
                self.reject(
                    name,
                    "missing",
                    "Field required (null is not allowed)",
                    Value::Null,
                );
                None
            }
            Slot::Invalid => None,
        }
    }

    /// Every problem found, plus one per field nobody asked for. Empty means valid.
    pub fn finish(mut self) -> Result<(), Vec<FieldError>> {
        let extra: Vec<(String, Value)> = std::mem::take(&mut self.map).into_iter().collect();
        for (name, value) in extra {
            self.reject(
                &name,
                "extra_forbidden",
                "Extra inputs are not permitted",
                value,
            );
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// The readers of the two values most bodies carry, in any spelling a person types them.
impl Fields {
    /// The `nopol` field of a body, in any spelling.
    pub fn nopol(&mut self) -> Slot<Nopol> {
        self.parsed("nopol", Nopol::parse, |input| {
            format!("Nopol tidak valid: '{input}'. Format: 1-2 huruf, 1-4 angka, 0-3 huruf, misalnya B 1234 XYZ")
        })
    }

    /// The `no_hp` field of a body, normalised to `628…`.
    pub fn no_hp(&mut self) -> Slot<String> {
        self.parsed("no_hp", crate::phone::normalize, |input| {
            format!("Nomor HP tidak valid: '{input}'. Gunakan nomor seluler Indonesia, misalnya 08123456789 atau 628123456789")
        })
    }
}
