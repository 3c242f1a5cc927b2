//! Indonesian mobile numbers, normalised to the `628…` form StarSender expects.

/// What a number may be written as, for the OpenAPI document: exactly what [`normalize`]
/// accepts (`+62…`, `62…`, `0…` or `8…`, with spaces, `-`, `.` or parentheses anywhere).
pub const PATTERN: &str = "^[ \\t().-]*(\\+[ \\t().-]*)?(0[ \\t().-]*8|8|6[ \\t().-]*2[ \\t().-]*8)\
     [ \\t().-]*([0-9][ \\t().-]*){7,11}$";

/// The schema of a phone field.
pub fn schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(PATTERN))
        .description(Some(
            "Indonesian mobile number in any common form (08123456789, +62 812-3456-789); \
             stored as 628…",
        ))
        .examples(["08123456789"])
        .build()
}

/// Normalises `0812-3456-789`, `+62 812 3456 789`, `812 3456 789` … to `628123456789`.
/// Returns `None` unless the result is `628` followed by 7 to 11 digits.
pub fn normalize(input: &str) -> Option<String> {
    let compact: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\t'))
        .collect();
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = if let Some(rest) = digits.strip_prefix('0') {
        format!("62{rest}")
    } else if digits.starts_with('8') {
        format!("62{digits}")
    } else {
        digits.to_string()
    };
    let subscriber = number.strip_prefix("628")?;
    (7..=11).contains(&subscriber.len()).then_some(number)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn accepts_every_written_form_of_one_number() {
        for input in [
            "08123456789",
            "628123456789",
            "+628123456789",
            "8123456789",
            "0812-3456-789",
            "+62 812 3456 789",
            "(0812) 3456.789",
        ] {
            assert_eq!(normalize(input).as_deref(), Some("628123456789"), "{input}");
        }
    }

    #[test]
    fn subscriber_part_is_seven_to_eleven_digits() {
        assert_eq!(normalize("08123456").as_deref(), None);
        assert_eq!(normalize("081234567").as_deref(), Some("6281234567"));
        assert_eq!(normalize("081234567890").as_deref(), Some("6281234567890"));
        assert_eq!(
            normalize("0812345678901").as_deref(),
            Some("62812345678901")
        );
        assert_eq!(normalize("08123456789012").as_deref(), None);
    }

    #[test]
    fn rejects_what_is_not_an_indonesian_mobile() {
        for input in [
            "",
            "abc",
            "0212345678",
            "+6512345678",
            "62-21-555-1234",
            "0812x456789",
            "++628123456789",
        ] {
            assert_eq!(normalize(input), None, "{input}");
        }
    }
}
