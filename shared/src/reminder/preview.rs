//! Who a run would send to, and who it would skip and why, read without claiming, sending or
//! writing anything: the same window, the same order and the same reasons as the run.

use serde::Serialize;

use super::{Owner, ReminderError, Reminders, Run, Target, due, taken_reason};
use crate::optout::OPTED_OUT;
use crate::query::encode_cursor;

/// One line of a preview.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreviewLine {
    /// The record's id, or the vehicle's.
    pub id: String,
    /// The vehicle's customer (register only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_customer: Option<String>,
    pub customer_name: String,
    pub nopol: String,
    pub no_hp: String,
    /// Whether the run would send to it now.
    pub send: bool,
    /// The text it would send.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Why it would be skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A page of a preview, with the counts of the whole.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Preview {
    /// Manual records plus register vehicles the run serves.
    pub total_records: u64,
    pub would_send: usize,
    pub would_skip: usize,
    pub data: Vec<PreviewLine>,
    pub next_cursor: Option<String>,
}

impl PreviewLine {
    fn of(target: &Target, message: Option<String>, reason: Option<String>) -> Self {
        let id_customer = match &target.owner {
            Owner::Manual => None,
            Owner::Vehicle { id_customer, .. } => Some(id_customer.clone()),
        };
        PreviewLine {
            id: target.id.clone(),
            id_customer,
            customer_name: target.customer_name.clone(),
            nopol: target.nopol.clone(),
            no_hp: target.no_hp.clone(),
            send: message.is_some(),
            message,
            reason,
        }
    }
}

impl Reminders<'_> {
    /// The lines of `run` from position `start`, at most `limit`, and the counts of all.
    pub async fn preview(
        &self,
        run: &Run,
        start: usize,
        limit: usize,
    ) -> Result<Preview, ReminderError> {
        let today = self.time.today();
        let (from, to) = run.window(today);
        let (candidates, total_records) = self.candidates(run, from, to).await?;
        let paused = self.messenger.pacing.paused().await?;
        let mut lines = Vec::with_capacity(candidates.len());
        for target in &candidates {
            let mut line = self.foresee(run, target, today).await?;
            // Paused, the run would leave every one it would send for later (the brake).
            if let (true, Some(paused)) = (line.send, &paused) {
                line = PreviewLine::of(target, None, Some(paused.reason.clone()));
            }
            lines.push(line);
        }
        let would_send = lines.iter().filter(|l| l.send).count();
        let would_skip = lines.len() - would_send;
        let end = start.saturating_add(limit).min(lines.len());
        let next_cursor = (end < lines.len()).then(|| encode_cursor(&end.to_string()));
        let data = lines.drain(start.min(end)..end).collect();
        Ok(Preview {
            total_records,
            would_send,
            would_skip,
            data,
            next_cursor,
        })
    }

    /// What `run` would do with `target`: the checks of a run, reading where it would write.
    async fn foresee(
        &self,
        run: &Run,
        target: &Target,
        today: chrono::NaiveDate,
    ) -> Result<PreviewLine, ReminderError> {
        let (next_service, days_left) = match due(run, target, today) {
            Ok(due) => due,
            Err(reason) => return Ok(PreviewLine::of(target, None, Some(reason))),
        };
        let key = target.claim_key(next_service);
        if let Some(taken) = self.claims.peek(&key, self.time.instant()).await? {
            let reason = taken_reason(taken, next_service);
            return Ok(PreviewLine::of(target, None, Some(reason)));
        }
        if self.opted_out(target).await? {
            return Ok(PreviewLine::of(target, None, Some(OPTED_OUT.into())));
        }
        if let Some(reason) = self.messenger.pacing.cooling(&target.subject()).await? {
            return Ok(PreviewLine::of(target, None, Some(reason)));
        }
        let text = target.text(&self.settings, Some(days_left));
        Ok(PreviewLine::of(target, Some(text), None))
    }
}
