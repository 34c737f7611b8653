//! `audit_events`: who did what to which record, before and after, when, from which
//! request. Append-only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    /// Who acted: a person, a partner system, the command line, or nobody (a failed sign-in).
    pub actor_kind: crate::ActorKind,
    pub actor_user_id: Option<Uuid>,
    pub actor_client_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    /// JSON snapshot before the change.
    #[sea_orm(column_type = "Text", nullable)]
    pub before: Option<String>,
    /// JSON snapshot after the change.
    #[sea_orm(column_type = "Text", nullable)]
    pub after: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub request_id: Option<String>,
    /// Address of the client (behind a trusted proxy, the one the proxy names), as text.
    #[sea_orm(column_type = "Text", nullable)]
    pub client_address: Option<String>,
    /// Unit the changed record belongs to, so scoped readers see only their part of the log.
    pub unit_id: Option<Uuid>,
    /// Newest first.
    #[sea_orm(column_type = "Text")]
    pub sort_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ActorUserId",
        to = "super::user::Column::Id"
    )]
    ActorUser,
    #[sea_orm(
        belongs_to = "super::api_client::Entity",
        from = "Column::ActorClientId",
        to = "super::api_client::Column::Id"
    )]
    ActorClient,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ActorUser.def()
    }
}

impl Related<super::api_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ActorClient.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
