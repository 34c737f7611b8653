//! Signing in and the signed-in user.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{role_grant, user as db};

use super::{
    ContextExt,
    enums::Role,
    id::{self, NodeType},
    unit::{self, Unit},
};
use crate::{
    auth::token::TokenKeys,
    domain::users,
    error::{AppError, AppResult},
};

/// A person's account.
pub struct User(pub db::Model);

/// A person's account.
#[Object]
impl User {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::User, self.0.id)
    }
    /// Login name (lower case).
    async fn username(&self) -> &str {
        &self.0.username
    }
    /// Name shown to other users.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Inactive accounts cannot sign in.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Roles the user holds, each over a unit's subtree.
    #[graphql(complexity = "super::connection::LIST_WEIGHT * child_complexity")]
    async fn grants(&self, ctx: &Context<'_>) -> AppResult<Vec<RoleGrant>> {
        let caller = ctx.caller()?;
        if caller.user_id != self.0.id && !caller.has_role(entity::Role::Admin) {
            return Err(AppError::forbidden(
                "only administrators see other users' grants",
            ));
        }
        Ok(users::grants_of(ctx.db(), self.0.id)
            .await?
            .into_iter()
            .map(RoleGrant)
            .collect())
    }
}

/// A role over a unit's subtree.
pub struct RoleGrant(pub role_grant::Model);

/// A role over a unit's subtree.
#[Object]
impl RoleGrant {
    /// The role.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The unit whose subtree the role covers.
    async fn scope_unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.scope_unit_id)).await
    }
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user, with its grants.
    async fn me(&self, ctx: &Context<'_>) -> AppResult<User> {
        let caller = ctx.caller()?;
        users::get(ctx.db(), caller.user_id)
            .await?
            .map(User)
            .ok_or(AppError::Unauthenticated)
    }
}

/// A signed access token.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send as `Authorization: Bearer <accessToken>` on every other request.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// When the token stops being accepted.
    pub expires_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in with a username and password. Wrong credentials, unknown users and inactive
    /// accounts all get the same `UNAUTHENTICATED` answer.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Login name; case is ignored.")] username: String,
        #[graphql(desc = "Password.")] password: String,
    ) -> AppResult<LoginPayload> {
        let keys = ctx.data_unchecked::<TokenKeys>();
        let session = users::login(ctx.db(), keys, &username, &password).await?;
        Ok(LoginPayload {
            access_token: session.access_token,
            token_type: "Bearer",
            expires_at: session.expires_at,
        })
    }
}
