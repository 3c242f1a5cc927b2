//! The reminder text: a template with placeholders, set by configuration.

use chrono::{Datelike, NaiveDate};

/// The default text, Indonesian, starting with `Halo {customer_name}` as the source's did.
pub const DEFAULT_TEMPLATE: &str = "Halo {customer_name}, kendaraan {nopol} Anda dijadwalkan service \
berkala pada {next_service} ({days_left} hari lagi). Hubungi {workshop_name} di {workshop_phone} \
untuk booking. Terima kasih.";

/// The default text of the register's reminders: it names the vehicle's model too.
pub const DEFAULT_REGISTER_TEMPLATE: &str = "Halo {customer_name}, {model} Anda dengan nopol {nopol} \
dijadwalkan service berkala pada {next_service} ({days_left} hari lagi). Hubungi {workshop_name} di \
{workshop_phone} untuk booking. Terima kasih.";

/// The placeholders a template may use. `{model}` is the vehicle's model, `-` for manual records,
/// which have none.
pub const PLACEHOLDERS: [&str; 7] = [
    "customer_name",
    "nopol",
    "model",
    "next_service",
    "days_left",
    "workshop_name",
    "workshop_phone",
];

const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// A date as Indonesians write it: `15 Januari 2026`.
pub fn indonesian_date(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// What fills one reminder.
#[derive(Debug, Clone, PartialEq)]
pub struct Fill<'a> {
    pub customer_name: &'a str,
    pub nopol: &'a str,
    pub model: Option<&'a str>,
    pub next_service: Option<NaiveDate>,
    pub days_left: Option<i64>,
}

/// A template naming a placeholder that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the template uses {{{unknown}}}; known placeholders: {known}")]
pub struct TemplateError {
    unknown: String,
    known: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    text: String,
    workshop_name: String,
    workshop_phone: String,
}

impl Template {
    /// Refuses a template naming a placeholder that does not exist (a typo would reach customers).
    pub fn new(
        text: &str,
        workshop_name: &str,
        workshop_phone: &str,
    ) -> Result<Self, TemplateError> {
        if let Some(unknown) = placeholders_in(text).find(|name| !PLACEHOLDERS.contains(name)) {
            return Err(TemplateError {
                unknown: unknown.to_string(),
                known: PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", "),
            });
        }
        Ok(Template {
            text: text.into(),
            workshop_name: workshop_name.into(),
            workshop_phone: workshop_phone.into(),
        })
    }

    pub fn render(&self, fill: &Fill) -> String {
        let next_service = fill
            .next_service
            .map_or_else(|| "-".to_string(), indonesian_date);
        let days_left = fill
            .days_left
            .map_or_else(|| "-".to_string(), |d| d.to_string());
        let values = [
            ("customer_name", fill.customer_name),
            ("nopol", fill.nopol),
            ("model", fill.model.unwrap_or("-")),
            ("next_service", next_service.as_str()),
            ("days_left", days_left.as_str()),
            ("workshop_name", self.workshop_name.as_str()),
            ("workshop_phone", self.workshop_phone.as_str()),
        ];
        values
            .iter()
            .fold(self.text.clone(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }
}

/// The names inside `{…}` in `text`.
fn placeholders_in(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn dates_are_written_the_indonesian_way() {
        assert_eq!(indonesian_date(date("2026-01-15")), "15 Januari 2026");
        assert_eq!(indonesian_date(date("2026-08-01")), "1 Agustus 2026");
        assert_eq!(indonesian_date(date("2025-12-31")), "31 Desember 2025");
    }

    #[test]
    fn the_default_template_fills_every_placeholder() {
        let template = Template::new(DEFAULT_TEMPLATE, "Bengkel Maju", "08551000727").unwrap();
        let fill = Fill {
            customer_name: "Bapak Joko",
            nopol: "B 1234 XYZ",
            model: None,
            next_service: Some(date("2026-01-15")),
            days_left: Some(3),
        };
        assert_eq!(
            template.render(&fill),
            "Halo Bapak Joko, kendaraan B 1234 XYZ Anda dijadwalkan service berkala pada 15 Januari 2026 \
             (3 hari lagi). Hubungi Bengkel Maju di 08551000727 untuk booking. Terima kasih."
        );
    }

    #[test]
    fn a_custom_template_is_used_as_written() {
        let template = Template::new(
            "{nopol}: servis {next_service}, {days_left} hari. {customer_name}!",
            "",
            "",
        )
        .unwrap();
        let fill = Fill {
            customer_name: "Ibu Siti",
            nopol: "D 1 A",
            model: None,
            next_service: None,
            days_left: None,
        };
        assert_eq!(template.render(&fill), "D 1 A: servis -, - hari. Ibu Siti!");
    }

    #[test]
    fn unknown_placeholders_are_refused() {
        let error = Template::new("Halo {nama}", "", "")
            .unwrap_err()
            .to_string();
        assert!(error.contains("{nama}"), "{error}");
    }
}
