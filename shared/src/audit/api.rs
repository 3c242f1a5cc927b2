//! The HTTP edge of the change log: `GET /audit`, `GET /me`, and the recorder the route table
//! puts on every route that changes something.

use std::sync::Arc;

use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::{Extension, Json};
use serde::Serialize;

use super::{AuditList, AuditLog, AuditQuery, Change, Target, pending};
use crate::actor::{Actor, Level};
use crate::error::ApiError;
use crate::extract::ValidQuery;
use crate::import::ImportAnswer;
use crate::openapi::Doc;
use crate::route::{Route, route};

/// What this domain's handlers need of the application that serves them.
pub trait HasAudit: Send + Sync + 'static {
    fn audit(&self) -> AuditLog<'_>;
}

/// A JSON answer with its [`Note`] for the change log.
pub type Noted<T> = (Extension<Note>, Json<T>);

/// What a handler tells the recorder of its change, as a response extension: the summary to
/// log instead of the method and path, or that nothing changed (a dry run).
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    Summary(String),
    Unchanged,
}

impl Note {
    /// An import's note: its counts, or nothing for a dry run.
    pub fn of_import<F>(answer: &ImportAnswer<F>) -> Extension<Note> {
        Extension(if answer.dry_run == Some(true) {
            Note::Unchanged
        } else {
            Note::Summary(format!(
                "Impor: {} baris, {} berhasil, {} gagal",
                answer.data.total, answer.data.imported, answer.data.failed
            ))
        })
    }
}

/// Records the change the route `action` makes, with the actor the bearer check found: around
/// the handler, so every route of staff or admin level is recorded the same way. The entry is
/// pending while the handler runs: a store making the change in one transaction writes it there;
/// otherwise it is written after a successful (2xx) answer, and a log that cannot be written
/// never fails the change.
pub async fn record<A: HasAudit>(
    State((app, action)): State<(Arc<A>, &'static str)>,
    params: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
    next: Next,
) -> Response {
    let Some(actor) = request.extensions().get::<Actor>().cloned() else {
        return next.run(request).await;
    };
    let entry = app.audit().entry(Change {
        actor: &actor.sub,
        action,
        target: target_of(action, &params),
        summary: format!("{} {}", request.method(), request.uri().path()),
    });
    let (response, unwritten) = pending::hold(entry, next.run(request)).await;
    let note = response.extensions().get::<Note>().cloned();
    if let Some(mut entry) = unwritten
        && response.status().is_success()
        && note != Some(Note::Unchanged)
    {
        if let Some(Note::Summary(summary)) = note {
            entry.summary = summary;
        }
        app.audit().append(entry).await;
    }
    response
}

/// The item a route's path names by its last `{…_id}` parameter (`record_id` → `record`), or
/// else the route's domain (the first word of its function).
fn target_of(action: &str, params: &Result<RawPathParams, RawPathParamsRejection>) -> Target {
    match params.as_ref().ok().and_then(|params| params.iter().last()) {
        Some((name, id)) => Target {
            kind: name.trim_end_matches("_id").to_string(),
            id: Some(id.to_string()),
        },
        None => Target {
            kind: action.split('-').next().unwrap_or(action).to_string(),
            id: None,
        },
    }
}

/// `GET /audit`.
pub async fn list<A: HasAudit>(
    State(app): State<Arc<A>>,
    ValidQuery(query): ValidQuery<AuditQuery>,
) -> Result<Json<AuditList>, ApiError> {
    Ok(Json(app.audit().list(&query).await?))
}

/// `{"sub", "level"}`: who the token names and what it may do, for the staff page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"sub": "budi@bengkel", "level": "staff"}))]
pub struct Me {
    pub sub: String,
    pub level: Level,
}

/// `GET /me`.
pub async fn me(actor: Actor) -> Json<Me> {
    Json(Me {
        sub: actor.sub,
        level: actor.level,
    })
}

/// The routes of this domain, served on any application that gives its handlers what they need.
pub fn routes<A: HasAudit>() -> Vec<Route<Arc<A>>> {
    vec![
        route("audit-list", Method::GET, "/audit", Level::Read, list::<A>).doc(|| {
            Doc::new("audit", "The change log: who changed what, newest first")
                .query::<AuditQuery>()
                .json::<AuditList>(StatusCode::OK, "A page of the log")
        }),
        route("me", Method::GET, "/me", Level::Read, me).doc(|| {
            Doc::new("audit", "Who the token names and the level it grants")
                .json::<Me>(StatusCode::OK, "The caller")
        }),
    ]
}
