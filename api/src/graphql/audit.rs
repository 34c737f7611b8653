//! The audit log, for ADMIN and STEERING.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::audit_event as db;

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    enums::ActorKind,
    id::{self, NodeType},
    loaders::failed,
    unit::{self, Unit},
};
use crate::{domain::audit, error::AppResult};

/// One recorded change: who did what to which record, before and after, from which request.
pub struct AuditEvent(pub db::Model);

/// The name `actor` gives the operator's command line.
pub const COMMAND_LINE: &str = "command line";

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
            "User" => NodeType::User,
            "ApiClient" => NodeType::ApiClient,
            _ => return None,
        };
        self.0.entity_id.map(|id| id::encode(kind, id))
    }
    /// Who acted, by name: the person's username, the partner system's name, or
    /// `command line`; null for a failed sign-in (`actorKind` ANONYMOUS).
    async fn actor(&self, ctx: &Context<'_>) -> AppResult<Option<String>> {
        let loaders = ctx.loaders();
        Ok(match self.0.actor_kind {
            entity::ActorKind::User => match self.0.actor_user_id {
                Some(id) => loaders
                    .users
                    .load_one(id)
                    .await
                    .map_err(failed)?
                    .map(|u| u.username),
                None => None,
            },
            entity::ActorKind::Partner => match self.0.actor_client_id {
                Some(id) => loaders
                    .clients
                    .load_one(id)
                    .await
                    .map_err(failed)?
                    .map(|c| c.name),
                None => None,
            },
            entity::ActorKind::CommandLine => Some(COMMAND_LINE.to_owned()),
            entity::ActorKind::Anonymous => None,
        })
    }
    /// What kind of principal acted: a person, a partner system, the command line, or nobody
    /// (a failed sign-in).
    async fn actor_kind(&self) -> ActorKind {
        self.0.actor_kind.into()
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
    /// The client's IP address (`203.0.113.7`, `2001:db8::1`): behind a trusted reverse proxy,
    /// the one the proxy names in `X-Forwarded-For`, never the proxy's own. Null for the
    /// command line and for events recorded before addresses were kept.
    async fn client_address(&self) -> Option<&str> {
        self.0.client_address.as_deref()
    }
}

/// Filters for `auditEvents`.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// Only changes to records of this type (`Plan`, `Task`, `Assignment`, `Report`, `ReportSchedule`).
    pub entity_type: Option<String>,
    /// Only changes to this record.
    pub entity_id: Option<ID>,
    /// Only this action, e.g. `report.approve`, `session.login`.
    pub action: Option<String>,
    /// Only changes made by these kinds of actor.
    pub actor_kinds: Option<Vec<ActorKind>>,
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
            actor_kinds: f
                .actor_kinds
                .map(|ks| ks.into_iter().map(Into::into).collect()),
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
