//! The report's running totals: what `statistics` answers, kept beside the rows in the same
//! atomic write as every change to a row, so that reading them costs one item whatever the
//! table's size.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ReportRow;

/// How many pairs have a row, how many messages they received in all, and how many pairs
/// received each number of messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub pairs: u64,
    pub messages: u64,
    /// Frequency → pairs with it; no entry is zero.
    pub by_frequency: BTreeMap<u64, u64>,
}

/// What one write (or several) does to the totals: signed differences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TotalsChange {
    pub pairs: i64,
    pub messages: i64,
    /// Frequency → difference in pairs; no entry is zero.
    pub by_frequency: BTreeMap<u64, i64>,
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn shifted(n: u64, by: i64) -> u64 {
    n.saturating_add_signed(by)
}

impl TotalsChange {
    /// The change of a row from `old` to `new` (`None`: no row).
    pub fn of(old: Option<&ReportRow>, new: Option<&ReportRow>) -> Self {
        let mut change = TotalsChange::default();
        for (row, sign) in [(old, -1), (new, 1)] {
            if let Some(row) = row {
                change.pairs += sign;
                change.messages += sign * signed(row.frequency);
                change.count(row.frequency, sign);
            }
        }
        change
    }

    fn count(&mut self, frequency: u64, by: i64) {
        let entry = self.by_frequency.entry(frequency).or_insert(0);
        *entry += by;
        if *entry == 0 {
            self.by_frequency.remove(&frequency);
        }
    }

    /// Adds `other` to this change: the change of both writes.
    pub fn add(&mut self, other: &TotalsChange) {
        self.pairs += other.pairs;
        self.messages += other.messages;
        for (&frequency, &by) in &other.by_frequency {
            self.count(frequency, by);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs == 0 && self.messages == 0 && self.by_frequency.is_empty()
    }
}

impl Totals {
    /// The totals of `rows`, counted.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a ReportRow>) -> Self {
        let mut totals = Totals::default();
        for row in rows {
            totals.apply(&TotalsChange::of(None, Some(row)));
        }
        totals
    }

    pub fn apply(&mut self, change: &TotalsChange) {
        self.pairs = shifted(self.pairs, change.pairs);
        self.messages = shifted(self.messages, change.messages);
        for (&frequency, &by) in &change.by_frequency {
            let entry = self.by_frequency.entry(frequency).or_insert(0);
            *entry = shifted(*entry, by);
            if *entry == 0 {
                self.by_frequency.remove(&frequency);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    fn row(id: &str, frequency: u64) -> ReportRow {
        let at = DateTime::parse_from_rfc3339("2026-01-10T10:30:00+07:00").unwrap();
        ReportRow {
            last_message_id: None,
            id: id.into(),
            id_customer: "c".into(),
            id_vehicle: id.into(),
            last_message_date: Some(at),
            frequency,
            created_at: at,
            updated_at: at,
            customer_name: "Budi".into(),
            customer_phone: "628".into(),
            vehicle_model: "Beat".into(),
            vehicle_nopol: "B 1 AA".into(),
            resets: Default::default(),
        }
    }

    #[test]
    fn changes_follow_the_rows() {
        let mut totals = Totals::of(&[row("a", 2), row("b", 2), row("c", 0)]);
        assert_eq!(totals.pairs, 3);
        assert_eq!(totals.messages, 4);
        assert_eq!(totals.by_frequency, BTreeMap::from([(0, 1), (2, 2)]));

        // A delivery to b, a reset of a, c deleted, and d's first delivery, as one change.
        let mut change = TotalsChange::of(Some(&row("b", 2)), Some(&row("b", 3)));
        change.add(&TotalsChange::of(Some(&row("a", 2)), Some(&row("a", 0))));
        change.add(&TotalsChange::of(Some(&row("c", 0)), None));
        change.add(&TotalsChange::of(None, Some(&row("d", 1))));
        totals.apply(&change);
        assert_eq!(totals, Totals::of(&[row("a", 0), row("b", 3), row("d", 1)]));
        // A row written as it was changes nothing.
        assert!(TotalsChange::of(Some(&row("a", 1)), Some(&row("a", 1))).is_empty());
    }
}
