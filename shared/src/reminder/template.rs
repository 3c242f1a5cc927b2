//! The reminder text: a template with placeholders and optional clauses, set by configuration.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};

use crate::register::plan::{DueReason, format_km};

/// The default text, Indonesian, starting with `Halo {customer_name}` as the source's did.
pub const DEFAULT_TEMPLATE: &str = "Halo {customer_name}, kendaraan {nopol} Anda dijadwalkan service \
berkala pada {next_service} ({days_left} hari lagi). Hubungi {workshop_name}[ di {workshop_phone}] \
untuk booking. Terima kasih.";

/// The default text of the register's reminders: it names the vehicle's model too.
pub const DEFAULT_REGISTER_TEMPLATE: &str = "Halo {customer_name}, {model} Anda dengan nopol {nopol} \
{due_reason_text} dan dijadwalkan service berkala pada {next_service} ({days_left} hari lagi). Hubungi {workshop_name}[ di \
{workshop_phone}] untuk booking. Terima kasih.";

/// The default text of a record's reminder when it has no `next_service`: no date to name.
pub const DEFAULT_UNDATED_TEMPLATE: &str = "Halo {customer_name}, sudah waktunya kendaraan {nopol} \
Anda menjalani service berkala. Hubungi {workshop_name}[ di {workshop_phone}] untuk booking. \
Terima kasih.";

/// What `{workshop_name}` reads when `WORKSHOP_NAME` is unset.
pub const FALLBACK_WORKSHOP_NAME: &str = "Bengkel";

/// A value a template can name, as `{customer_name}` and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    CustomerName,
    Nopol,
    /// The vehicle's model: register vehicles only.
    Model,
    /// An Indonesian date: `15 Januari 2026`.
    NextService,
    DaysLeft,
    WorkshopName,
    WorkshopPhone,
    /// Why a register vehicle is due: `sudah waktunya service`, or `diperkirakan sudah
    /// menempuh 25.450 km`.
    DueReasonText,
    /// Today's estimate of a register vehicle's odometer: `24.100`; none without a reading.
    EstimatedOdometerKm,
}

impl Placeholder {
    pub const ALL: [Placeholder; 9] = [
        Placeholder::CustomerName,
        Placeholder::Nopol,
        Placeholder::Model,
        Placeholder::NextService,
        Placeholder::DaysLeft,
        Placeholder::WorkshopName,
        Placeholder::WorkshopPhone,
        Placeholder::DueReasonText,
        Placeholder::EstimatedOdometerKm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Placeholder::CustomerName => "customer_name",
            Placeholder::Nopol => "nopol",
            Placeholder::Model => "model",
            Placeholder::NextService => "next_service",
            Placeholder::DaysLeft => "days_left",
            Placeholder::WorkshopName => "workshop_name",
            Placeholder::WorkshopPhone => "workshop_phone",
            Placeholder::DueReasonText => "due_reason_text",
            Placeholder::EstimatedOdometerKm => "estimated_odometer_km",
        }
    }

    fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

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
    /// Register vehicles only: what made the vehicle due.
    pub due: Option<Due>,
}

/// Why a register vehicle is due, for `{due_reason_text}` and `{estimated_odometer_km}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Due {
    pub reason: DueReason,
    pub next_service_km: Option<u32>,
    pub estimated_odometer_km: Option<u32>,
}

impl Due {
    fn reason_text(&self) -> String {
        match (self.reason, self.next_service_km) {
            (DueReason::Kilometer, Some(km)) => {
                format!("diperkirakan sudah menempuh {} km", format_km(km))
            }
            _ => "sudah waktunya service".to_string(),
        }
    }
}

/// The workshop as its reminders name it: `WORKSHOP_NAME` and `WORKSHOP_PHONE`, each if set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workshop {
    pub name: Option<String>,
    pub phone: Option<String>,
}

impl Workshop {
    /// The variables of the settings that are not set.
    pub fn unset(&self) -> Vec<&'static str> {
        [
            ("WORKSHOP_NAME", &self.name),
            ("WORKSHOP_PHONE", &self.phone),
        ]
        .into_iter()
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| name)
        .collect()
    }
}

/// Which reminders a template writes, and so which placeholders always have a value there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A manual record with a `next_service`: no `{model}`.
    Dated,
    /// A vehicle of the register: every placeholder.
    Register,
    /// A manual record without a `next_service`: no `{model}`, `{next_service}`, `{days_left}`.
    Undated,
}

impl Kind {
    /// Whether this kind's reminders have a value for `placeholder` (the workshop's phone aside,
    /// which depends on the configuration).
    fn fills(self, placeholder: Placeholder) -> bool {
        match placeholder {
            Placeholder::Model | Placeholder::DueReasonText => self == Kind::Register,
            Placeholder::EstimatedOdometerKm => false,
            Placeholder::NextService | Placeholder::DaysLeft => self != Kind::Undated,
            _ => true,
        }
    }
}

/// A template that cannot be used: the service does not start with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the template uses {{{unknown}}}; known placeholders: {known}")]
    Unknown { unknown: String, known: String },
    #[error("the template's {what} at character {at} {why}")]
    Syntax {
        what: &'static str,
        at: usize,
        why: &'static str,
    },
    #[error(
        "{{{0}}} has no value in these reminders{1}: set it, or put it in an optional clause such \
         as `[ di {{{0}}}]`, which is left out when a placeholder in it has no value"
    )]
    NoValue(&'static str, &'static str),
}

/// A piece of a template: text as written, or a placeholder's value.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Value(Placeholder),
}

/// A piece, or an optional clause: `[ di {workshop_phone}]`, left out whole when a
/// placeholder in it has no value.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Piece(Piece),
    Clause(Vec<Piece>),
}

/// A reminder text, read once at start-up; rendering walks it once, so a value is inserted as
/// it is and never read for placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
    workshop: Workshop,
}

impl Template {
    /// Refuses a template naming a placeholder that does not exist (a typo would reach
    /// customers), one whose brackets do not pair, and one that would print a placeholder
    /// without a value (outside a clause) in `kind`'s reminders.
    pub fn new(text: &str, kind: Kind, workshop: &Workshop) -> Result<Self, TemplateError> {
        let parts = parse(text)?;
        let bare = parts.iter().filter_map(|part| match part {
            Part::Piece(Piece::Value(placeholder)) => Some(*placeholder),
            _ => None,
        });
        for placeholder in bare {
            if placeholder == Placeholder::WorkshopPhone && workshop.phone.is_none() {
                return Err(TemplateError::NoValue(
                    placeholder.name(),
                    " (WORKSHOP_PHONE is not set)",
                ));
            }
            if !kind.fills(placeholder) {
                let why = match (kind, placeholder) {
                    (_, Placeholder::EstimatedOdometerKm) => " (a vehicle without a reading)",
                    (Kind::Undated, _) => " (a record without next_service)",
                    (_, Placeholder::DueReasonText) => {
                        " (a manual record has no register due date)"
                    }
                    _ => " (a manual record has no model)",
                };
                return Err(TemplateError::NoValue(placeholder.name(), why));
            }
        }
        Ok(Template {
            parts,
            workshop: workshop.clone(),
        })
    }

    pub fn render(&self, fill: &Fill) -> String {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                // A template is checked to have a value for each placeholder outside a clause.
                Part::Piece(piece) => text.push_str(&self.value(piece, fill).unwrap_or_default()),
                Part::Clause(pieces) => {
                    let values: Option<Vec<_>> =
                        pieces.iter().map(|p| self.value(p, fill)).collect();
                    values.into_iter().flatten().for_each(|v| text.push_str(&v));
                }
            }
        }
        text
    }

    /// The text of `piece` for `fill`, or `None` for a placeholder without a value.
    fn value<'t>(&'t self, piece: &'t Piece, fill: &Fill<'t>) -> Option<Cow<'t, str>> {
        let placeholder = match piece {
            Piece::Text(text) => return Some(text.as_str().into()),
            Piece::Value(placeholder) => placeholder,
        };
        match placeholder {
            Placeholder::CustomerName => Some(fill.customer_name.into()),
            Placeholder::Nopol => Some(fill.nopol.into()),
            Placeholder::Model => fill.model.map(Cow::from),
            Placeholder::NextService => fill.next_service.map(|d| indonesian_date(d).into()),
            Placeholder::DaysLeft => fill.days_left.map(|d| d.to_string().into()),
            Placeholder::WorkshopName => Some(
                self.workshop
                    .name
                    .as_deref()
                    .unwrap_or(FALLBACK_WORKSHOP_NAME)
                    .into(),
            ),
            Placeholder::WorkshopPhone => self.workshop.phone.as_deref().map(Cow::from),
            Placeholder::DueReasonText => fill.due.map(|due| due.reason_text().into()),
            Placeholder::EstimatedOdometerKm => fill
                .due
                .and_then(|due| due.estimated_odometer_km)
                .map(|km| format_km(km).into()),
        }
    }
}

/// Reads a template: text, `{placeholder}`s, and clauses `[…]` that do not nest; `{{`, `}}`,
/// `[[` and `]]` stand for the character itself.
fn parse(text: &str) -> Result<Vec<Part>, TemplateError> {
    let syntax = |what, at, why| TemplateError::Syntax { what, at, why };
    let mut parts = Vec::new();
    // The clause being read, and where it opened.
    let mut clause: Option<(Vec<Piece>, usize)> = None;
    let mut literal = String::new();
    let mut chars = text.chars().enumerate().peekable();
    while let Some((at, c)) = chars.next() {
        let at = at + 1;
        if matches!(c, '{' | '}' | '[' | ']') && chars.next_if(|(_, next)| *next == c).is_some() {
            literal.push(c);
            continue;
        }
        let piece = match c {
            '{' => {
                let mut name = String::new();
                let closed = loop {
                    match chars.next() {
                        Some((_, '}')) => break true,
                        Some((_, c)) => name.push(c),
                        None => break false,
                    }
                };
                if !closed {
                    return Err(syntax("`{`", at, "is never closed (write `{{` for a `{`)"));
                }
                let placeholder =
                    Placeholder::named(&name).ok_or_else(|| TemplateError::Unknown {
                        unknown: name.clone(),
                        known: Placeholder::ALL
                            .map(|p| format!("{{{}}}", p.name()))
                            .join(", "),
                    })?;
                Piece::Value(placeholder)
            }
            '}' => return Err(syntax("`}`", at, "closes nothing (write `}}` for a `}`)")),
            '[' if clause.is_some() => {
                return Err(syntax(
                    "`[`",
                    at,
                    "opens a clause inside a clause (write `[[` for a `[`)",
                ));
            }
            '[' => {
                flush(&mut literal, &mut parts, None);
                clause = Some((Vec::new(), at));
                continue;
            }
            ']' => {
                let Some((mut pieces, _)) = clause.take() else {
                    return Err(syntax("`]`", at, "closes no clause (write `]]` for a `]`)"));
                };
                flush(&mut literal, &mut parts, Some(&mut pieces));
                parts.push(Part::Clause(pieces));
                continue;
            }
            c => {
                literal.push(c);
                continue;
            }
        };
        flush(
            &mut literal,
            &mut parts,
            clause.as_mut().map(|(pieces, _)| pieces),
        );
        match clause.as_mut() {
            Some((pieces, _)) => pieces.push(piece),
            None => parts.push(Part::Piece(piece)),
        }
    }
    if let Some((_, at)) = clause {
        return Err(syntax("`[`", at, "is never closed (write `[[` for a `[`)"));
    }
    flush(&mut literal, &mut parts, None);
    Ok(parts)
}

/// Moves the text read so far into the open clause, or else into the template's parts.
fn flush(literal: &mut String, parts: &mut Vec<Part>, clause: Option<&mut Vec<Piece>>) {
    if literal.is_empty() {
        return;
    }
    let text = Piece::Text(std::mem::take(literal));
    match clause {
        Some(pieces) => pieces.push(text),
        None => parts.push(Part::Piece(text)),
    }
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

    fn workshop(name: &str, phone: Option<&str>) -> Workshop {
        Workshop {
            name: Some(name.into()),
            phone: phone.map(str::to_string),
        }
    }

    fn joko(next_service: Option<NaiveDate>) -> Fill<'static> {
        Fill {
            customer_name: "Bapak Joko",
            nopol: "B 1234 XYZ",
            model: None,
            next_service,
            days_left: next_service.map(|_| 3),
            due: None,
        }
    }

    #[test]
    fn the_register_template_says_why_the_vehicle_is_due() {
        let maju = workshop("Bengkel Maju", None);
        let template = Template::new(DEFAULT_REGISTER_TEMPLATE, Kind::Register, &maju).unwrap();
        let by_km = Due {
            reason: DueReason::Kilometer,
            next_service_km: Some(25_450),
            estimated_odometer_km: Some(25_380),
        };
        let fill = Fill {
            model: Some("Vario 125"),
            due: Some(by_km),
            ..joko(Some(date("2026-01-15")))
        };
        assert_eq!(
            template.render(&fill),
            "Halo Bapak Joko, Vario 125 Anda dengan nopol B 1234 XYZ diperkirakan sudah menempuh \
             25.450 km dan dijadwalkan service berkala pada 15 Januari 2026 (3 hari lagi). \
             Hubungi Bengkel Maju untuk booking. Terima kasih."
        );
        let by_date = Due {
            reason: DueReason::Tanggal,
            next_service_km: None,
            estimated_odometer_km: None,
        };
        let text = "{nopol} {due_reason_text}[, kira-kira {estimated_odometer_km} km].";
        let template = Template::new(text, Kind::Register, &maju).unwrap();
        let fill = Fill {
            due: Some(by_date),
            ..joko(None)
        };
        assert_eq!(template.render(&fill), "B 1234 XYZ sudah waktunya service.");
        let fill = Fill {
            due: Some(by_km),
            ..joko(None)
        };
        assert_eq!(
            template.render(&fill),
            "B 1234 XYZ diperkirakan sudah menempuh 25.450 km, kira-kira 25.380 km."
        );
        let bare = Template::new("{estimated_odometer_km} km", Kind::Register, &maju);
        assert!(matches!(
            bare,
            Err(TemplateError::NoValue("estimated_odometer_km", _))
        ));
        let manual = Template::new("{due_reason_text}", Kind::Dated, &maju);
        assert!(matches!(
            manual,
            Err(TemplateError::NoValue("due_reason_text", _))
        ));
    }

    #[test]
    fn the_default_template_fills_every_placeholder() {
        let maju = workshop("Bengkel Maju", Some("08551000727"));
        let template = Template::new(DEFAULT_TEMPLATE, Kind::Dated, &maju).unwrap();
        assert_eq!(
            template.render(&joko(Some(date("2026-01-15")))),
            "Halo Bapak Joko, kendaraan B 1234 XYZ Anda dijadwalkan service berkala pada 15 Januari 2026 \
             (3 hari lagi). Hubungi Bengkel Maju di 08551000727 untuk booking. Terima kasih."
        );
        let undated = Template::new(DEFAULT_UNDATED_TEMPLATE, Kind::Undated, &maju).unwrap();
        assert_eq!(
            undated.render(&joko(None)),
            "Halo Bapak Joko, sudah waktunya kendaraan B 1234 XYZ Anda menjalani service berkala. \
             Hubungi Bengkel Maju di 08551000727 untuk booking. Terima kasih."
        );
    }

    #[test]
    fn a_clause_whose_placeholder_has_no_value_is_left_out() {
        let unset = Workshop::default();
        let template = Template::new(DEFAULT_TEMPLATE, Kind::Dated, &unset).unwrap();
        assert_eq!(
            template.render(&joko(Some(date("2026-01-15")))),
            "Halo Bapak Joko, kendaraan B 1234 XYZ Anda dijadwalkan service berkala pada 15 Januari 2026 \
             (3 hari lagi). Hubungi Bengkel untuk booking. Terima kasih."
        );
        // A manual record has no model; the register's vehicles have one.
        let text =
            "{nopol}[ ({model})]: servis {next_service}[, {days_left} hari lagi]. {customer_name}!";
        let template = Template::new(text, Kind::Dated, &unset).unwrap();
        assert_eq!(
            template.render(&joko(Some(date("2026-01-15")))),
            "B 1234 XYZ: servis 15 Januari 2026, 3 hari lagi. Bapak Joko!"
        );
        let template = Template::new(text, Kind::Register, &unset).unwrap();
        let fill = Fill {
            model: Some("Avanza"),
            days_left: None,
            ..joko(Some(date("2026-01-15")))
        };
        assert_eq!(
            template.render(&fill),
            "B 1234 XYZ (Avanza): servis 15 Januari 2026. Bapak Joko!"
        );
    }

    #[test]
    fn values_are_inserted_as_they_are() {
        let maju = workshop("Bengkel {nopol}", Some("0855"));
        let template = Template::new(DEFAULT_TEMPLATE, Kind::Dated, &maju).unwrap();
        let fill = Fill {
            customer_name: "Pak {workshop_phone} {nopol} [x] {{",
            ..joko(Some(date("2026-01-15")))
        };
        let text = template.render(&fill);
        assert!(
            text.starts_with("Halo Pak {workshop_phone} {nopol} [x] {{, kendaraan B 1234 XYZ"),
            "{text}"
        );
        assert!(text.contains("Hubungi Bengkel {nopol} di 0855"), "{text}");
    }

    #[test]
    fn doubled_brackets_are_the_characters_themselves() {
        let template = Template::new(
            "{{{nopol}}} [[promo]] [{model}]]]",
            Kind::Register,
            &Workshop::default(),
        )
        .unwrap();
        let fill = Fill {
            model: Some("Avanza"),
            ..joko(None)
        };
        assert_eq!(template.render(&fill), "{B 1234 XYZ} [promo] Avanza]");
    }

    #[test]
    fn unusable_templates_are_refused_with_the_reason() {
        let unset = Workshop::default();
        let refused =
            |text: &str, kind: Kind| Template::new(text, kind, &unset).unwrap_err().to_string();
        let error = refused("Halo {nama}", Kind::Dated);
        assert!(error.contains("{nama}"), "{error}");
        assert_eq!(
            refused("Hubungi kami di {workshop_phone}", Kind::Dated),
            "{workshop_phone} has no value in these reminders (WORKSHOP_PHONE is not set): set it, \
             or put it in an optional clause such as `[ di {workshop_phone}]`, which is left out \
             when a placeholder in it has no value"
        );
        let error = refused("pada {next_service}", Kind::Undated);
        assert!(error.starts_with("{next_service} has no value"), "{error}");
        let error = refused("{model}", Kind::Dated);
        assert!(error.starts_with("{model} has no value"), "{error}");
        assert_eq!(
            refused("Halo [di {nopol}", Kind::Dated),
            "the template's `[` at character 6 is never closed (write `[[` for a `[`)"
        );
        for (text, what) in [
            ("Halo {nopol", "`{` at character 6 is never closed"),
            ("Halo }", "`}` at character 6 closes nothing"),
            ("Halo ]", "`]` at character 6 closes no clause"),
            (
                "[a [b]]",
                "`[` at character 4 opens a clause inside a clause",
            ),
        ] {
            let error = refused(text, Kind::Dated);
            assert!(error.contains(what), "{text}: {error}");
        }
        // With the phone set, it may stand outside a clause.
        let set = workshop("Maju", Some("0855"));
        assert!(Template::new("di {workshop_phone}", Kind::Undated, &set).is_ok());
    }
}
