//! `role_grants`: a role over a scope unit's subtree, held by a user or an API client
//! (exactly one of `user_id`, `api_client_id` is set).

use sea_orm::entity::prelude::*;

use crate::enums::Role;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "role_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub api_client_id: Option<Uuid>,
    pub role: Role,
    pub scope_unit_id: Uuid,
    /// The grant this one was issued from when a reorganisation moved its scope.
    pub origin_grant_id: Option<Uuid>,
    /// The reorganisation that issued this grant.
    pub reorg_event_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
    #[sea_orm(
        belongs_to = "super::api_client::Entity",
        from = "Column::ApiClientId",
        to = "super::api_client::Column::Id",
        on_delete = "Cascade"
    )]
    ApiClient,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::ScopeUnitId",
        to = "super::unit::Column::Id"
    )]
    ScopeUnit,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::api_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiClient.def()
    }
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ScopeUnit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
