//! The audit log, for ADMIN and STEERING.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::audit_event as db;

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    id::{self, NodeType},
    unit::{self, Unit},
};
use crate::{
    domain::{audit, users},
    error::AppResult,
};

/// One recorded change: who did what to which record, before and after, from which request.
pub struct AuditEvent(pub db::Model);

connection!(
    AuditEventConnection,
    AuditEventEdge,
    AuditEvent,
    "A page of audit events.",
    "An audit event in a page, with its cursor."
);

/// One recorded change: who did what to which record, before and after, from which request.
#[Object]
impl AuditEvent {
    /// Opaque id.
    async fn id(&self) -> ID {
        id::encode(NodeType::AuditEvent, self.0.id)
    }
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// What was done, e.g. `report.approve`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// Type of the changed record, e.g. `Report`.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// Global id of the changed record.
    async fn entity_id(&self) -> Option<ID> {
        let kind = match self.0.entity_type.as_str() {
            "Plan" => NodeType::Plan,
            "Task" => NodeType::Task,
            "Assignment" => NodeType::Assignment,
            "Report" => NodeType::Report,
            "ReportSchedule" => NodeType::ReportSchedule,
            _ => return None,
        };
        self.0.entity_id.map(|id| id::encode(kind, id))
    }
    /// Username of the person who acted.
    async fn actor(&self, ctx: &Context<'_>) -> AppResult<Option<String>> {
        let Some(id) = self.0.actor_user_id else {
            return Ok(None);
        };
        Ok(users::get(ctx.db(), id).await?.map(|u| u.username))
    }
    /// The unit the record belongs to.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, self.0.unit_id).await
    }
    /// The record before the change, as JSON text.
    async fn before(&self) -> Option<&str> {
        self.0.before.as_deref()
    }
    /// The record after the change, as JSON text.
    async fn after(&self) -> Option<&str> {
        self.0.after.as_deref()
    }
    /// The request id (`x-request-id`) the change came in.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
}

/// Filters for `auditEvents`.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// Only changes to records of this type (`Plan`, `Task`, `Assignment`, `Report`, `ReportSchedule`).
    pub entity_type: Option<String>,
    /// Only changes to this record.
    pub entity_id: Option<ID>,
    /// Only this action, e.g. `report.approve`.
    pub action: Option<String>,
    /// Only changes at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only changes at or before this time.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log, newest first (ADMIN and STEERING, within their scope).
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Conditions every returned event meets.")] filter: Option<
            AuditEventFilter,
        >,
    ) -> AppResult<AuditEventConnection> {
        let caller = ctx.caller()?;
        let f = filter.unwrap_or_default();
        let entity_id = match &f.entity_id {
            Some(id) => Some(id::decode_any("filter.entityId", id)?.1),
            None => None,
        };
        let filter = audit::AuditFilter {
            entity_type: f.entity_type,
            entity_id,
            actor: None,
            action: f.action,
            from: f.from,
            to: f.to,
        };
        let page = audit::list(
            ctx.db(),
            caller,
            &filter,
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(AuditEventConnection::from_page(page, AuditEvent))
    }
}
