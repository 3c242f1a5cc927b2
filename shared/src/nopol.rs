//! Indonesian licence plates ("nomor polisi"): `B 1234 XYZ`.

use std::fmt;

/// A plate in canonical form. Equality and uniqueness use [`Nopol::compact`], so
/// `b1234xyz`, `B 1234 XYZ` and `B  1234XYZ` are the same vehicle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nopol {
    region: String,
    number: String,
    suffix: String,
}

impl Nopol {
    /// Parses 1-2 region letters, 1-4 digits and 0-3 suffix letters, in any case and spacing.
    pub fn parse(input: &str) -> Option<Self> {
        let compact = key(input);
        let (region, rest) = split_while(&compact, |c| c.is_ascii_uppercase());
        let (number, suffix) = split_while(rest, |c| c.is_ascii_digit());
        let valid = (1..=2).contains(&region.len())
            && (1..=4).contains(&number.len())
            && suffix.len() <= 3
            && suffix.chars().all(|c| c.is_ascii_uppercase());
        valid.then(|| Nopol {
            region: region.to_string(),
            number: number.to_string(),
            suffix: suffix.to_string(),
        })
    }

    /// The key used for uniqueness and look-up: `B1234XYZ`.
    pub fn compact(&self) -> String {
        key(&self.to_string())
    }
}

/// The display form stored and shown: `B 1234 XYZ`, or `B 1234` without a suffix.
impl fmt::Display for Nopol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.region, self.number)?;
        if !self.suffix.is_empty() {
            write!(f, " {}", self.suffix)?;
        }
        Ok(())
    }
}

/// What a plate may be written as, for the OpenAPI document: exactly what [`Nopol::parse`]
/// accepts (letters in any case, ASCII white space anywhere).
pub const PATTERN: &str = "^[ \\t\\n\\f\\r]*[A-Za-z][ \\t\\n\\f\\r]*([A-Za-z][ \\t\\n\\f\\r]*)?\
     [0-9][ \\t\\n\\f\\r]*([0-9][ \\t\\n\\f\\r]*){0,3}([A-Za-z][ \\t\\n\\f\\r]*){0,3}$";

impl utoipa::PartialSchema for Nopol {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(PATTERN))
            .description(Some(
                "Licence plate in any spelling (b1234xyz, B 1234 XYZ); stored as B 1234 XYZ",
            ))
            .examples(["B 1234 XYZ"])
            .into()
    }
}

impl utoipa::ToSchema for Nopol {}

/// The look-up key of a plate in any spelling, the display form included: `B1234XYZ`.
pub fn key(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn split_while(s: &str, pred: impl Fn(char) -> bool) -> (&str, &str) {
    let end = s.find(|c: char| !pred(c)).unwrap_or(s.len());
    s.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::Nopol;

    #[test]
    fn every_spelling_of_one_plate_is_the_same_vehicle() {
        for input in [
            "B 1234 XYZ",
            "b1234xyz",
            "B  1234XYZ",
            " b 1234 xyz ",
            "B1234 XYZ",
        ] {
            let nopol = Nopol::parse(input).unwrap_or_else(|| panic!("{input} should parse"));
            assert_eq!(nopol.to_string(), "B 1234 XYZ");
            assert_eq!(nopol.compact(), "B1234XYZ");
        }
    }

    #[test]
    fn accepts_the_edges_of_the_pattern() {
        assert_eq!(Nopol::parse("d1").unwrap().to_string(), "D 1");
        assert_eq!(
            Nopol::parse("AB 9999 CDE").unwrap().to_string(),
            "AB 9999 CDE"
        );
        assert_eq!(Nopol::parse("L 12").unwrap().compact(), "L12");
    }

    #[test]
    fn rejects_what_is_not_a_plate() {
        for input in [
            "",
            "1234",
            "ABC 1234 X",
            "B 12345 X",
            "B 1234 WXYZ",
            "B-1234-XY",
            "B 12 X3",
            "BÉ 12",
        ] {
            assert!(Nopol::parse(input).is_none(), "{input} should be rejected");
        }
    }
}
