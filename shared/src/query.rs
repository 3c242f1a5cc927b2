//! Reading query strings: typed parameters, refused in pydantic's shape at `["query", name]`,
//! and the opaque cursors of paginated lists.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::validation::FieldError;

/// The header that carries the next page's cursor (absent on the last page), so that a paged
/// body stays the plain array older front ends read.
pub const NEXT_CURSOR_HEADER: &str = "x-next-cursor";

/// The query parameters of one request, read one by one; problems are collected.
pub struct Params<'a> {
    raw: &'a HashMap<String, String>,
    errors: Vec<FieldError>,
}

impl<'a> Params<'a> {
    pub fn new(raw: &'a HashMap<String, String>) -> Self {
        Params {
            raw,
            errors: Vec::new(),
        }
    }

    fn reject(&mut self, name: &str, kind: &'static str, msg: &str, input: &str) {
        let loc = vec![json!("query"), json!(name)];
        self.errors
            .push(FieldError::new(loc, kind, msg).with_input(json!(input)));
    }

    /// A parameter turned into `T` by `parse`, or `None` when absent or refused.
    fn parsed<T>(
        &mut self,
        name: &str,
        kind: &'static str,
        msg: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        // An empty number or flag (`?limit=`) is no number: refused, as FastAPI does.
        let raw = self.raw.get(name)?;
        let parsed = parse(raw);
        if parsed.is_none() {
            self.reject(name, kind, msg, raw);
        }
        parsed
    }

    /// A boolean as FastAPI reads one: true/false, 1/0, yes/no, on/off.
    pub fn flag(&mut self, name: &str, default: bool) -> bool {
        let parse = |raw: &str| match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
            "false" | "0" | "no" | "off" | "f" | "n" => Some(false),
            _ => None,
        };
        self.parsed(
            name,
            "bool_parsing",
            "Input should be a valid boolean",
            parse,
        )
        .unwrap_or(default)
    }

    /// A page size in `1..=max`.
    pub fn limit(&mut self, default: usize, max: usize) -> usize {
        let msg = format!("Input should be an integer from 1 to {max}");
        let parse = |raw: &str| raw.parse().ok().filter(|n| (1..=max).contains(n));
        self.parsed("limit", "int_parsing", &msg, parse)
            .unwrap_or(default)
    }

    /// A whole number `>= 0`, within a signed 64-bit integer (the document's `int64`).
    pub fn whole(&mut self, name: &str) -> Option<u64> {
        let parse = |raw: &str| raw.parse().ok().filter(|n: &u64| *n <= i64::MAX as u64);
        self.parsed(
            name,
            "int_parsing",
            "Input should be a valid integer, 0 or more",
            parse,
        )
    }

    /// Whether `name` is given empty (`?cursor=`): for a cursor, as if absent (the first page).
    fn is_empty(&self, name: &str) -> bool {
        self.raw.get(name).is_some_and(|v| v.is_empty())
    }

    /// Whether the request names parameter `name` at all, even with an empty value.
    pub fn has(&self, name: &str) -> bool {
        self.raw.contains_key(name)
    }

    /// Refuses `name` with `msg` (`kind` `value_error`), for rules between parameters.
    pub fn refuse(&mut self, name: &str, msg: &str) {
        let input = self.raw.get(name).cloned().unwrap_or_default();
        self.reject(name, "value_error", msg, &input);
    }

    /// The key a `cursor` stands for; `valid` tells a key this list could have made.
    pub fn cursor(&mut self, valid: impl FnOnce(&str) -> bool) -> Option<String> {
        let msg = "Cursor tidak valid; gunakan next_cursor dari halaman sebelumnya";
        if self.is_empty("cursor") {
            return None;
        }
        self.parsed("cursor", "value_error", msg, |raw| {
            decode_cursor(raw).filter(|key| valid(key))
        })
    }

    /// A text parameter as given; `None` when absent or empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.raw.get(name).filter(|v| !v.trim().is_empty()).cloned()
    }

    /// One of `choices`, named exactly by its serialised form (`"sent"`, `"failed"` …). An
    /// empty value (`?order=`) is no choice: refused, as the document's enum says.
    pub fn choice<T: serde::Serialize + Copy>(&mut self, name: &str, choices: &[T]) -> Option<T> {
        let names: Vec<String> = choices
            .iter()
            .map(|c| json!(c).as_str().unwrap_or_default().to_string())
            .collect();
        let msg = format!("Input should be one of: {}", names.join(", "));
        let parse = |raw: &str| names.iter().position(|n| n == raw).map(|i| choices[i]);
        self.parsed(name, "enum", &msg, parse)
    }

    /// Every problem found; empty means every parameter was acceptable.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// What a list answers as `next_cursor`: its position key, base64url-encoded.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// The key a cursor made by [`encode_cursor`] stands for.
pub fn decode_cursor(raw: &str) -> Option<String> {
    String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()
}

/// The position key of an item in a newest-first list: its creation instant (UTC, so that keys
/// sort as time does), then its id to order items created in the same second.
pub fn position_key(created_at: chrono::DateTime<chrono::FixedOffset>, id: &str) -> String {
    let created = created_at.with_timezone(&chrono::Utc);
    format!(
        "{}#{id}",
        created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

/// [`position_key`] to the microsecond: for logs, where many entries share a second.
pub fn position_key_precise(at: chrono::DateTime<chrono::FixedOffset>, id: &str) -> String {
    let at = at.with_timezone(&chrono::Utc);
    format!(
        "{}#{id}",
        at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    )
}

/// Whether `key` has the shape of a position key: `<RFC 3339 instant>#<uuid>`.
pub fn is_position_key(key: &str) -> bool {
    key.split_once('#').is_some_and(|(at, id)| {
        chrono::DateTime::parse_from_rfc3339(at).is_ok() && uuid::Uuid::parse_str(id).is_ok()
    })
}
