//! What fits in one answer of Lambda (6 MB): the cap, the size a text body takes inside
//! Lambda's answer, and the rows of a list page that fit in it.
//!
//! Lambda carries a text body (`text/*`, `application/json`) as a JSON string in its own JSON
//! answer, so the body is escaped once more there: a `"` the API's JSON already escaped as
//! `\"` takes 4 bytes, a control character escaped as `\u0001` takes 7.

use std::io;

use serde::Serialize;

/// The largest answer Lambda returns (6 MB), less room for the status and headers around
/// the body.
pub const MAX_ANSWER_BYTES: usize = 6 * 1024 * 1024 - 16 * 1024;

/// Room kept in a list page for what surrounds its rows: its counts and its cursor.
const PAGE_FRAME_BYTES: usize = 1024;

/// The bytes `text` takes as a body inside Lambda's answer.
pub fn text_bytes(text: &str) -> usize {
    let mut count = Count(0);
    // serde_json escapes as Lambda's runtime (serde_json too) does; a counter cannot fail.
    let _ = serde_json::to_writer(&mut count, text);
    count.0
}

/// The bytes `value`, answered as JSON, takes inside Lambda's answer: counted as it is
/// written, with no copy of it kept (a list page measures each of its rows).
pub fn json_bytes<T: Serialize + ?Sized>(value: &T) -> usize {
    let mut count = EscapedCount(0);
    match serde_json::to_writer(&mut count, value) {
        // The quotes around the body in Lambda's answer.
        Ok(()) => count.0 + 2,
        Err(_) => usize::MAX,
    }
}

/// A page read with `limit` rows, cut to what one answer carries: the first `rows` whose JSON
/// fits (at least one: a row's fields are capped far below the answer), and the key to go on
/// from: the last kept row's (`key`) when rows were left out, else `next_after` as read. Each
/// list gives its rows and its cursor key, so that every list is cut by this one rule.
pub fn fit_page<T: Serialize>(
    mut rows: Vec<T>,
    next_after: Option<String>,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let mut used = PAGE_FRAME_BYTES;
    let overflow = rows.iter().position(|row| {
        // A row and the comma after it.
        used = used.saturating_add(json_bytes(row) + 1);
        used > MAX_ANSWER_BYTES
    });
    match overflow.map(|at| at.max(1)) {
        Some(kept) if kept < rows.len() => {
            rows.truncate(kept);
            let next = rows.last().map(key);
            (rows, next)
        }
        _ => (rows, next_after),
    }
}

/// Counts JSON written to it as the bytes it takes once escaped again inside a JSON string.
/// serde_json writes no raw control character and leaves other text as UTF-8, so only its
/// quotes and backslashes grow, by one byte each.
struct EscapedCount(usize);

impl io::Write for EscapedCount {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let escaped = buf.iter().filter(|b| matches!(b, b'"' | b'\\')).count();
        self.0 += buf.len() + escaped;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An `io::Write` that only counts what is written to it.
struct Count(usize);

impl io::Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_counted_as_lambda_escapes_it() {
        assert_eq!(text_bytes("abc"), 5);
        // `{"a":"\""}` inside a JSON string: every quote and backslash escaped again.
        assert_eq!(text_bytes(r#"{"a":"\""}"#), 2 + 10 + 6);
        assert_eq!(text_bytes("\u{1}"), 2 + 6);
        assert_eq!(json_bytes("\u{1}"), 2 + 2 + 7 + 2);
        assert_eq!(text_bytes("é"), 2 + 2);
        let row = serde_json::json!({"name": "a\"b\\c\u{1}\né", "n": [1, 2]});
        assert_eq!(json_bytes(&row), text_bytes(&row.to_string()));
    }

    #[test]
    fn a_page_is_cut_after_the_last_row_that_fits_and_goes_on_from_it() {
        let row = "\"".repeat(100_000); // 400,006 bytes in Lambda's answer
        let rows: Vec<String> = (0..20).map(|i| format!("{i}{row}")).collect();
        let (kept, next) = fit_page(rows, None, |r| r[..2].to_string());
        assert_eq!(kept.len(), 15);
        assert_eq!(next.as_deref(), Some("14"));
        assert!(json_bytes(&kept) + PAGE_FRAME_BYTES <= MAX_ANSWER_BYTES);

        let small = vec!["a".to_string(); 10];
        let (kept, next) = fit_page(small, Some("more".into()), |_| unreachable!());
        assert_eq!((kept.len(), next.as_deref()), (10, Some("more")));
    }

    #[test]
    fn a_row_larger_than_an_answer_is_answered_alone() {
        let rows = vec!["x".repeat(MAX_ANSWER_BYTES), "y".into()];
        let (kept, next) = fit_page(rows, None, |r| r[..1].to_string());
        assert_eq!((kept.len(), next.as_deref()), (1, Some("x")));
    }
}
