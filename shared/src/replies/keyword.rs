//! The words a customer replies to stop or restart messages: `STOP`, `BERHENTI`,
//! `UNSUBSCRIBE` (optionally followed by a plate, for that vehicle only), `MULAI`, `START`.

use crate::nopol::Nopol;

/// What a reply asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyword {
    /// No more messages to the number, or (with a plate) about that vehicle.
    Stop(Option<Nopol>),
    /// Messages again: every opt-out of the number goes.
    Start,
}

const STOP_WORDS: [&str; 3] = ["STOP", "BERHENTI", "UNSUBSCRIBE"];
const START_WORDS: [&str; 2] = ["MULAI", "START"];

impl Keyword {
    /// The keyword `text` is, in any case, with surrounding spaces and punctuation ignored;
    /// `None` for any other text.
    pub fn of(text: &str) -> Option<Keyword> {
        let text = text
            .trim_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation())
            .to_uppercase();
        let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((&text, ""));
        let rest = rest.trim();
        if START_WORDS.contains(&word) && rest.is_empty() {
            return Some(Keyword::Start);
        }
        if !STOP_WORDS.contains(&word) {
            return None;
        }
        if rest.is_empty() {
            return Some(Keyword::Stop(None));
        }
        Nopol::parse(rest).map(|nopol| Keyword::Stop(Some(nopol)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plate(text: &str) -> Option<Keyword> {
        Some(Keyword::Stop(Nopol::parse(text)))
    }

    #[test]
    fn keywords_in_any_case_with_spaces_and_punctuation() {
        for text in [
            "STOP",
            "stop",
            " Stop! ",
            "berhenti.",
            "Unsubscribe",
            "\"STOP\"",
        ] {
            assert_eq!(Keyword::of(text), Some(Keyword::Stop(None)), "{text}");
        }
        for text in ["MULAI", "mulai", "Start!", "  start  "] {
            assert_eq!(Keyword::of(text), Some(Keyword::Start), "{text}");
        }
    }

    #[test]
    fn a_plate_narrows_a_stop_to_one_vehicle() {
        assert_eq!(Keyword::of("STOP B 1234 XYZ"), plate("B 1234 XYZ"));
        assert_eq!(Keyword::of("berhenti b1234xyz"), plate("B 1234 XYZ"));
        assert_eq!(Keyword::of("BERHENTI B1234XYZ."), plate("B 1234 XYZ"));
    }

    #[test]
    fn other_texts_are_not_keywords() {
        for text in [
            "Stop dulu ya, saya sibuk",
            "STOP STOP",
            "Mulai besok saya servis",
            "Terima kasih",
            "STOPP",
            "",
            "Odometer 12000 km",
        ] {
            assert_eq!(Keyword::of(text), None, "{text}");
        }
    }
}
