//! Administration over GraphQL: accounts, grants and partner systems.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::api_client;

use super::{
    ContextExt,
    enums::Role,
    id::{self, NodeType},
    live,
    user::{RoleGrant, User},
};
use crate::{
    domain::admin::{self, Grantee, UserPatch},
    error::{AppError, AppResult},
};

/// A partner system (district or agency system) that signs in with client credentials.
pub struct ApiClient(pub api_client::Model);

/// A partner system (district or agency system) that signs in with client credentials.
#[Object]
impl ApiClient {
    /// Opaque id.
    async fn id(&self) -> ID {
        id::encode(NodeType::ApiClient, self.0.id)
    }
    /// Name of the system.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The `client_id` it sends to `POST /oauth/token`.
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    /// Revoked clients get no tokens, and their tokens stop working.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Roles the client holds, each over a unit's subtree.
    async fn grants(&self, ctx: &Context<'_>) -> AppResult<Vec<RoleGrant>> {
        Ok(admin::grants_of_client(ctx.db(), ctx.caller()?, self.0.id)
            .await?
            .into_iter()
            .map(RoleGrant)
            .collect())
    }
}

/// A role over a unit, as input.
#[derive(InputObject)]
pub struct GrantInput {
    /// The role.
    pub role: Role,
    /// The unit whose subtree the role covers.
    pub scope_unit_id: ID,
}

/// A new account.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Login name (stored lower case).
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Initial password: at least 8 characters, not the username.
    pub password: String,
    /// Roles to give at once. At most 1,000 items.
    pub grants: Option<Vec<GrantInput>>,
}

/// Changes to an account; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// The account.
    pub id: ID,
    /// The version you last read.
    pub version: i32,
    /// New display name.
    pub display_name: Option<String>,
    /// False deactivates the account: its sessions end and its tokens stop working at once.
    pub active: Option<bool>,
}

/// A new password for an account.
#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// The account.
    pub id: ID,
    /// The version you last read.
    pub version: i32,
    /// The new password: at least 8 characters, not the username.
    pub password: String,
}

/// A role to give a user or a partner system.
#[derive(InputObject)]
pub struct GrantRoleInput {
    /// The user (or give `apiClientId`).
    pub user_id: Option<ID>,
    /// The partner system (or give `userId`).
    pub api_client_id: Option<ID>,
    /// The role; only ADMIN grants ADMIN.
    pub role: Role,
    /// The unit whose subtree the role covers; STEERING grants only inside its scope.
    pub scope_unit_id: ID,
}

/// A new partner system.
#[derive(InputObject)]
pub struct CreateApiClientInput {
    /// Name of the system.
    pub name: String,
    /// Its roles (usually PARTNER over its district). At most 1,000 items.
    pub grants: Vec<GrantInput>,
}

/// The result of an account mutation.
#[derive(SimpleObject)]
pub struct UserPayload {
    /// The account as it is now.
    pub user: User,
}

/// The result of a grant mutation.
#[derive(SimpleObject)]
pub struct GrantPayload {
    /// The grant (for a revocation: as it was).
    pub grant: RoleGrant,
}

/// A partner system with a secret that is shown this once.
#[derive(SimpleObject)]
pub struct ApiClientCredentialsPayload {
    /// The partner system.
    pub api_client: ApiClient,
    /// The client secret: store it now, it is never shown again.
    pub client_secret: String,
}

/// The result of revoking a partner system.
#[derive(SimpleObject)]
pub struct ApiClientPayload {
    /// The partner system as it is now.
    pub api_client: ApiClient,
}

/// Tells open connections of a grant's holder that its grants changed.
async fn publish_holder(ctx: &Context<'_>, grant: &entity::role_grant::Model) {
    if let Some(holder) = grant.user_id.or(grant.api_client_id) {
        live::publish_access(ctx, holder).await;
    }
}

fn grants(input: Option<Vec<GrantInput>>) -> AppResult<Vec<(entity::Role, uuid::Uuid)>> {
    input
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, g)| {
            Ok((
                g.role.into(),
                id::decode(
                    &format!("input.grants[{i}].scopeUnitId"),
                    NodeType::Unit,
                    &g.scope_unit_id,
                )?,
            ))
        })
        .collect()
}

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// Accounts (ADMIN only), by username.
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Words of the username or display name; case and diacritics are ignored \
                    (\"phong vien\" finds \"Phóng viên\"), `_` and `%` are plain characters."
        )]
        search: Option<String>,
    ) -> AppResult<Vec<User>> {
        Ok(
            admin::list_users(ctx.db(), ctx.caller()?, search.as_deref())
                .await?
                .into_iter()
                .map(User)
                .collect(),
        )
    }

    /// Partner systems (ADMIN only), by name.
    async fn api_clients(&self, ctx: &Context<'_>) -> AppResult<Vec<ApiClient>> {
        Ok(admin::list_clients(ctx.db(), ctx.caller()?)
            .await?
            .into_iter()
            .map(ApiClient)
            .collect())
    }
}

#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Creates an account (ADMIN).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] input: CreateUserInput,
    ) -> AppResult<UserPayload> {
        let grants = grants(input.grants)?;
        let user = admin::create_user(
            ctx.writer(),
            &ctx.actor()?,
            input.username,
            input.display_name,
            input.password,
            grants,
        )
        .await?;
        Ok(UserPayload { user: User(user) })
    }

    /// Renames, deactivates or reactivates an account (ADMIN).
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateUserInput,
    ) -> AppResult<UserPayload> {
        let id = id::decode("input.id", NodeType::User, &input.id)?;
        let patch = UserPatch {
            display_name: input.display_name,
            active: input.active,
            password: None,
        };
        let user =
            admin::update_user(ctx.writer(), &ctx.actor()?, id, input.version, patch).await?;
        live::publish_access(ctx, id).await;
        Ok(UserPayload { user: User(user) })
    }

    /// Sets a new password (ADMIN); the account's sessions end.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account and password.")] input: ResetPasswordInput,
    ) -> AppResult<UserPayload> {
        let id = id::decode("input.id", NodeType::User, &input.id)?;
        let patch = UserPatch {
            password: Some(input.password),
            ..Default::default()
        };
        let user =
            admin::update_user(ctx.writer(), &ctx.actor()?, id, input.version, patch).await?;
        live::publish_access(ctx, id).await;
        Ok(UserPayload { user: User(user) })
    }

    /// Gives a role over a unit's subtree to a user or a partner system. ADMIN grants anything;
    /// STEERING grants inside its own scope and never ADMIN.
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The grant.")] input: GrantRoleInput,
    ) -> AppResult<GrantPayload> {
        let to = match (&input.user_id, &input.api_client_id) {
            (Some(u), None) => Grantee::User(id::decode("input.userId", NodeType::User, u)?),
            (None, Some(c)) => {
                Grantee::Client(id::decode("input.apiClientId", NodeType::ApiClient, c)?)
            }
            _ => {
                return Err(AppError::bad_input(
                    "input.userId",
                    "give either userId or apiClientId",
                ));
            }
        };
        let scope = id::decode("input.scopeUnitId", NodeType::Unit, &input.scope_unit_id)?;
        let grant = admin::grant(ctx.writer(), &ctx.actor()?, to, input.role.into(), scope).await?;
        publish_holder(ctx, &grant).await;
        Ok(GrantPayload {
            grant: RoleGrant(grant),
        })
    }

    /// Revokes a grant; it stops counting on the holder's next request.
    async fn revoke_grant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The grant.")] id: ID,
    ) -> AppResult<GrantPayload> {
        let grant = id::decode("id", NodeType::RoleGrant, &id)?;
        let grant = admin::revoke_grant(ctx.writer(), &ctx.actor()?, grant).await?;
        publish_holder(ctx, &grant).await;
        Ok(GrantPayload {
            grant: RoleGrant(grant),
        })
    }

    /// Registers a partner system (ADMIN); its secret is returned once and stored hashed.
    async fn create_api_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner system.")] input: CreateApiClientInput,
    ) -> AppResult<ApiClientCredentialsPayload> {
        let grants = grants(Some(input.grants))?;
        ctx.answer_holds_secret();
        let creds = admin::create_client(ctx.writer(), &ctx.actor()?, input.name, grants).await?;
        Ok(ApiClientCredentialsPayload {
            api_client: ApiClient(creds.client),
            client_secret: creds.secret,
        })
    }

    /// Issues a new secret for a partner system (ADMIN); the old one stops working at once.
    async fn rotate_api_client_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner system.")] id: ID,
    ) -> AppResult<ApiClientCredentialsPayload> {
        let client = id::decode("id", NodeType::ApiClient, &id)?;
        ctx.answer_holds_secret();
        let creds = admin::rotate_client(ctx.writer(), &ctx.actor()?, client).await?;
        live::publish_access(ctx, client).await;
        Ok(ApiClientCredentialsPayload {
            api_client: ApiClient(creds.client),
            client_secret: creds.secret,
        })
    }

    /// Revokes a partner system (ADMIN): no more tokens, and its tokens stop working at once.
    async fn revoke_api_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner system.")] id: ID,
    ) -> AppResult<ApiClientPayload> {
        let client = id::decode("id", NodeType::ApiClient, &id)?;
        let client = admin::revoke_client(ctx.writer(), &ctx.actor()?, client).await?;
        live::publish_access(ctx, client.id).await;
        Ok(ApiClientPayload {
            api_client: ApiClient(client),
        })
    }
}
