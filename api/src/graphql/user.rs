//! Signing in and the signed-in user.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{role_grant, user as db};

use super::{
    ClientAddr, ContextExt,
    enums::Role,
    id::{self, NodeType},
    unit::{self, Unit},
};
use crate::{
    auth::{throttle::Throttle, token::TokenKeys},
    domain::{sessions, users},
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
    /// Version for optimistic concurrency: send it back with any edit.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Roles the user holds, each over a unit's subtree.
    async fn grants(&self, ctx: &Context<'_>) -> AppResult<Vec<RoleGrant>> {
        Ok(users::visible_grants_of(ctx.db(), ctx.caller()?, self.0.id)
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
    /// Opaque id, for `revokeGrant`.
    async fn id(&self) -> ID {
        id::encode(NodeType::RoleGrant, self.0.id)
    }
    /// The role.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The unit whose subtree the role covers.
    async fn scope_unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.scope_unit_id)).await
    }
    /// The person holding the grant; null when a partner system holds it.
    async fn user(&self, ctx: &Context<'_>) -> AppResult<Option<User>> {
        let Some(id) = self.0.user_id else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()
            .users
            .load_one(id)
            .await
            .map_err(super::loaders::failed)?
            .map(User))
    }
    /// The partner system holding the grant; null when a person holds it.
    async fn api_client(&self, ctx: &Context<'_>) -> AppResult<Option<super::admin::ApiClient>> {
        let Some(id) = self.0.api_client_id else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()
            .clients
            .load_one(id)
            .await
            .map_err(super::loaders::failed)?
            .map(super::admin::ApiClient))
    }
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user, with its grants.
    async fn me(&self, ctx: &Context<'_>) -> AppResult<User> {
        let caller = ctx.caller()?;
        let person = caller
            .person()
            .ok_or_else(|| AppError::forbidden("a partner system has no user account"))?;
        users::get(ctx.db(), person)
            .await?
            .map(User)
            .ok_or(AppError::Unauthenticated)
    }
}

/// Tokens for a signed-in person.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send as `Authorization: Bearer <accessToken>` on every other request. Short-lived.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// When the access token stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// Single-use token for `refreshToken`, which returns a new pair; keep it secret.
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
}

impl From<sessions::Tokens> for LoginPayload {
    fn from(t: sessions::Tokens) -> Self {
        Self {
            access_token: t.access_token,
            token_type: "Bearer",
            expires_at: t.expires_at,
            refresh_token: t.refresh_token,
            refresh_expires_at: t.refresh_expires_at,
        }
    }
}

/// The result of `logout`.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// True once the session is closed.
    pub ok: bool,
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in with a username and password. Wrong credentials, unknown users and inactive
    /// accounts all get the same `UNAUTHENTICATED` answer; too many failed attempts for one
    /// account from one address, or from one address, get `TOO_MANY_REQUESTS` (with
    /// `extensions.retryAfter` in seconds).
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Login name; case is ignored.")] username: String,
        #[graphql(desc = "Password.")] password: String,
    ) -> async_graphql::Result<LoginPayload> {
        use async_graphql::ErrorExtensions;
        // Throttled by the failing source, never by the account alone, so nobody can lock an
        // account's owner out by failing on purpose (`auth::throttle`).
        let address = ctx.data_opt::<ClientAddr>().and_then(|a| a.0);
        let throttle = ctx.data_unchecked::<std::sync::Arc<Throttle>>();
        if let Err(wait) = throttle.begin(&username, address) {
            let seconds = crate::auth::throttle::retry_after_secs(wait);
            return Err(async_graphql::Error::from(AppError::RateLimited)
                .extend_with(|_, e| e.set("retryAfter", seconds)));
        }
        let keys = ctx.data_unchecked::<TokenKeys>();
        ctx.answer_holds_secret();
        let signed_in =
            sessions::login(ctx.writer(), keys, &username, &password, ctx.origin()).await?;
        throttle.succeeded(&username, address);
        Ok(signed_in.into())
    }

    /// Exchanges a refresh token for a new access and refresh token. The presented token
    /// stops working: presented again within the reuse window (30 s by default) it returns the
    /// same pair, so a retry after a lost answer is safe; presented later it ends the whole
    /// session.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token from `login` or the previous `refreshToken`.")]
        refresh_token: String,
    ) -> AppResult<LoginPayload> {
        let keys = ctx.data_unchecked::<TokenKeys>();
        ctx.answer_holds_secret();
        match sessions::refresh(ctx.writer(), keys, &refresh_token, ctx.origin()).await? {
            sessions::Refreshed::Tokens(tokens) => Ok(tokens.into()),
            sessions::Refreshed::Refused { ended } => {
                // A replay ended the session: its open sockets close as on logout.
                if let Some(person) = ended {
                    super::live::publish_access(ctx, person).await;
                }
                Err(AppError::Unauthenticated)
            }
        }
    }

    /// Ends the caller's session: its access and refresh tokens stop working at once.
    async fn logout(&self, ctx: &Context<'_>) -> AppResult<LogoutPayload> {
        let caller = ctx.caller()?;
        let session = caller.session.ok_or_else(|| {
            AppError::bad_input("session", "only a person's session can be ended")
        })?;
        sessions::logout(ctx.writer(), session).await?;
        super::live::publish_access(ctx, caller.user_id).await;
        Ok(LogoutPayload { ok: true })
    }
}
