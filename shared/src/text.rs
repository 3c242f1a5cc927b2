//! The characters a person's text may hold: names, models, notes and messages refuse control
//! characters and the bidirectional overrides and isolates that make text read differently
//! from what it holds (U+202E turns `gnp.exe` around). One rule, which the body reader checks
//! and the OpenAPI document states as a pattern.

use std::ops::RangeInclusive;

/// Whether a text may run over several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Names and models: no control character at all.
    One,
    /// Notes and messages: a line break and a tab (a pasted list or table) are text too. A
    /// Windows line break (CR LF) or a lone CR is stored as a newline ([`line_breaks`]).
    Many,
}

/// C0 controls without tab, newline and carriage return, DEL and the C1 controls (Unicode's
/// `Cc`), and the bidirectional embeddings, overrides (U+202A-U+202E) and isolates
/// (U+2066-U+2069).
const REFUSED_IN_MANY: [RangeInclusive<char>; 6] = [
    '\u{0}'..='\u{8}',
    '\u{B}'..='\u{C}',
    '\u{E}'..='\u{1F}',
    '\u{7F}'..='\u{9F}',
    '\u{202A}'..='\u{202E}',
    '\u{2066}'..='\u{2069}',
];
/// Tab, newline (U+0009-U+000A) and carriage return (U+000D), refused on one line.
const LINE_CONTROLS: [RangeInclusive<char>; 2] = ['\t'..='\n', '\r'..='\r'];

/// The white space `str::trim` takes off both ends (Unicode's `White_Space`).
const WHITE_SPACE: &str =
    "\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

impl Lines {
    fn refuses(self, c: char) -> bool {
        REFUSED_IN_MANY.iter().any(|range| range.contains(&c))
            || (self == Lines::One && LINE_CONTROLS.iter().any(|range| range.contains(&c)))
    }

    /// The refused characters as the inside of a regular expression's class.
    fn class(self) -> String {
        let extra: &[RangeInclusive<char>] = if self == Lines::One {
            &LINE_CONTROLS
        } else {
            &[]
        };
        REFUSED_IN_MANY
            .iter()
            .chain(extra)
            .map(|range| {
                let (start, end) = (*range.start() as u32, *range.end() as u32);
                format!("\\u{start:04X}-\\u{end:04X}")
            })
            .collect()
    }
}

/// `text` with its line breaks as newlines: CR LF (Windows) and a lone CR (old Macs) are
/// line breaks as a person typed them.
pub fn line_breaks(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        text.into()
    }
}

/// Why `text` (already trimmed) cannot be stored, naming the first refused character, or `None`.
pub fn refusal(text: &str, lines: Lines) -> Option<String> {
    let c = text.chars().find(|c| lines.refuses(*c))?;
    let code = format!("U+{:04X}", c as u32);
    Some(if c.is_control() {
        let allowed = match lines {
            Lines::One => "",
            Lines::Many => " selain baris baru dan tab",
        };
        format!("Teks tidak boleh berisi karakter kontrol{allowed} (ditemukan {code})")
    } else {
        format!("Teks tidak boleh berisi karakter pengatur arah teks (ditemukan {code})")
    })
}

/// The pattern a text field's schema states: what the reader accepts once white space is
/// trimmed off both ends, and, when `blank` is false, not only white space.
pub fn pattern(lines: Lines, blank: bool) -> String {
    let allowed = format!("[^{}]*", lines.class());
    let edge = format!("[{WHITE_SPACE}]*");
    if blank {
        format!("^{edge}{allowed}{edge}$")
    } else {
        let solid = format!("[^{WHITE_SPACE}{}]", lines.class());
        format!("^{edge}{allowed}{solid}{allowed}{edge}$")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_direction_characters_are_refused() {
        for text in ["Budi\u{0}", "Bu\u{7}di", "Budi\u{85}x", "\u{9B}", "a\u{7F}"] {
            let why = refusal(text, Lines::Many).expect(text);
            assert!(why.contains("karakter kontrol"), "{why}");
        }
        for c in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            let text = format!("Budi {c}gnp.exe");
            let why = refusal(&text, Lines::One).expect(&text);
            assert!(why.contains("pengatur arah"), "{why}");
            assert!(why.contains(&format!("U+{:04X}", c as u32)), "{why}");
        }
        assert_eq!(
            refusal("Budi\nSantoso", Lines::One).as_deref(),
            Some("Teks tidak boleh berisi karakter kontrol (ditemukan U+000A)")
        );
        assert!(refusal("Budi\tSantoso", Lines::One).is_some());
        assert!(refusal("baris 1\rbaris 2", Lines::One).is_some());
        assert_eq!(
            line_breaks("baris 1\r\nbaris 2\rbaris 3"),
            "baris 1\nbaris 2\nbaris 3"
        );
    }

    #[test]
    fn printable_text_and_line_breaks_where_allowed_pass() {
        for text in [
            "Budi Santoso",
            "Ibu Siti (VIP) 😀",
            "Nguyễn",
            "عمر",
            "Pak {nopol}",
            "",
        ] {
            assert_eq!(refusal(text, Lines::One), None, "{text}");
        }
        assert_eq!(refusal("Ganti oli\n\tFilter udara", Lines::Many), None);
        // U+200E and U+200F mark a direction without overriding one: Arabic names need them.
        assert_eq!(refusal("\u{200F}عمر", Lines::One), None);
    }

    #[test]
    fn the_pattern_states_the_rule() {
        assert_eq!(
            pattern(Lines::One, true),
            format!(
                "^[{WHITE_SPACE}]*[^\\u0000-\\u0008\\u000B-\\u000C\\u000E-\\u001F\\u007F-\\u009F\
                 \\u202A-\\u202E\\u2066-\\u2069\\u0009-\\u000A\\u000D-\\u000D]*[{WHITE_SPACE}]*$"
            )
        );
        // Notes and messages keep their tabs and line breaks.
        assert!(!pattern(Lines::Many, false).contains("\\u0009"));
        assert!(
            pattern(Lines::Many, false)
                .starts_with(&format!("^[{WHITE_SPACE}]*[^\\u0000-\\u0008\\u000B"))
        );
    }
}
