//! The `Node` interface: any object with a global id can be fetched again by it.

use async_graphql::{Context, ID, Interface, Object};

use super::{
    ContextExt,
    exemplar::{Exemplar, ExemplarCriterion},
    files::Attachment,
    id::{self, NodeType},
    indicator::Indicator,
    legal::{LegalDocument, LegalReference},
    oversight::{Oversight, Recommendation},
    plan::{Plan, ReportSchedule},
    reorg::Reorganisation,
    report::Report,
    review::Review,
    task::{Assignment, Task},
    unit::Unit,
    user::User,
};
use crate::{
    domain::{
        exemplars, indicators, legal, oversights, plans, reorg, reports, reviews, tasks, units,
        users,
    },
    error::AppResult,
};

/// An object with a global id, fetchable through `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    Unit(Unit),
    LegalDocument(LegalDocument),
    Plan(Plan),
    Task(Task),
    Report(Report),
    Indicator(Indicator),
    Assignment(Assignment),
    ReportSchedule(ReportSchedule),
    User(User),
    Reorganisation(Reorganisation),
    LegalReference(LegalReference),
    Oversight(Oversight),
    Recommendation(Recommendation),
    Review(Review),
    Exemplar(Exemplar),
    ExemplarCriterion(ExemplarCriterion),
    Attachment(Attachment),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global id; null when it does not exist or the caller may not see it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of any object.")] id: ID,
    ) -> AppResult<Option<Node>> {
        let caller = ctx.caller()?;
        let db = ctx.db();
        let (kind, uuid) = id::decode_any("id", &id)?;
        Ok(match kind {
            NodeType::Unit => units::get(db, caller, uuid, None)
                .await?
                .map(|m| Node::Unit(Unit(m))),
            NodeType::LegalDocument => legal::get(db, caller, uuid)
                .await?
                .map(|m| Node::LegalDocument(LegalDocument(m))),
            NodeType::Plan => plans::get(db, caller, uuid)
                .await?
                .map(|m| Node::Plan(Plan(m))),
            NodeType::Task => tasks::get(db, caller, uuid)
                .await?
                .map(|m| Node::Task(Task(m))),
            NodeType::Report => reports::get(db, caller, uuid)
                .await?
                .map(|m| Node::Report(Report(m))),
            NodeType::Indicator => indicators::get(db, caller, uuid)
                .await?
                .map(|m| Node::Indicator(Indicator(m))),
            NodeType::Assignment => tasks::get_assignment(db, caller, uuid)
                .await?
                .map(|m| Node::Assignment(Assignment(m))),
            NodeType::ReportSchedule => plans::get_schedule(db, caller, uuid)
                .await?
                .map(|m| Node::ReportSchedule(ReportSchedule(m))),
            NodeType::LegalReference => legal::get_reference(db, caller, uuid)
                .await?
                .map(|m| Node::LegalReference(LegalReference(m))),
            NodeType::Obligation
            | NodeType::AuditEvent
            | NodeType::ApiClient
            | NodeType::RoleGrant
            | NodeType::DocumentRelation
            | NodeType::OversightFinding
            | NodeType::RemedialAction
            | NodeType::Lesson
            | NodeType::ExemplarRecognition
            | NodeType::Import
            | NodeType::Upload => None,
            NodeType::Attachment => crate::domain::files::attachments::get(db, caller, uuid)
                .await?
                .map(|m| Node::Attachment(Attachment(m))),
            NodeType::Exemplar => exemplars::get(db, caller, uuid)
                .await?
                .map(|m| Node::Exemplar(Exemplar(m))),
            NodeType::ExemplarCriterion => exemplars::criterion(db, uuid)
                .await?
                .map(|m| Node::ExemplarCriterion(ExemplarCriterion(m))),
            NodeType::Review => reviews::get(db, caller, uuid)
                .await?
                .map(|m| Node::Review(Review(m))),
            NodeType::Oversight => oversights::get(db, caller, uuid)
                .await?
                .map(|m| Node::Oversight(Oversight(m))),
            NodeType::Recommendation => oversights::get_recommendation(db, caller, uuid)
                .await?
                .map(|m| Node::Recommendation(Recommendation(m))),
            NodeType::Reorganisation => reorg::get(db, caller, uuid)
                .await?
                .map(|m| Node::Reorganisation(Reorganisation(m))),
            NodeType::User => users::get_visible(db, caller, uuid)
                .await?
                .map(|m| Node::User(User(m))),
        })
    }
}
