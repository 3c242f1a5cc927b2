//! A validation problem, located as pydantic locates it, so that every rule of a value or a
//! body can report what is wrong with which field: the one shape of a 422's detail.

use serde::Serialize;
use serde_json::{Value, json};

/// One validation problem, located like pydantic locates it: `["body", "no_hp"]`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"loc": ["body", "no_hp"], "msg": "Nomor HP tidak valid: '0212345678'. Gunakan nomor seluler Indonesia, misalnya 08123456789 atau 628123456789", "type": "value_error", "input": "0212345678"}))]
pub struct FieldError {
    /// Where: `body` or `query` or `path`, then field names and row indexes.
    #[schema(schema_with = location)]
    pub loc: Vec<Value>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// What was given, as pydantic reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Value>)]
    pub input: Option<Value>,
}

/// The schema of a [`FieldError`]'s location: each step a field name or a row index.
fn location() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
    let step = OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        );
    ArrayBuilder::new().items(step).build()
}

impl FieldError {
    pub fn new(loc: Vec<Value>, kind: &'static str, msg: impl Into<String>) -> Self {
        Self {
            loc,
            msg: msg.into(),
            kind,
            input: None,
        }
    }

    /// A problem with the body as a whole.
    pub fn body_root(kind: &'static str, msg: impl Into<String>) -> Self {
        Self::new(vec![json!("body")], kind, msg)
    }

    pub fn with_input(mut self, input: Value) -> Self {
        self.input = Some(input);
        self
    }

    /// A problem with a field of the JSON body.
    pub fn body(field: &str, kind: &'static str, msg: impl Into<String>) -> Self {
        Self::new(vec![json!("body"), json!(field)], kind, msg)
    }
}
