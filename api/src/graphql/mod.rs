//! The GraphQL schema: object types and thin resolvers over `domain`.

pub mod admin;
pub mod audit;
pub mod connection;
pub mod enums;
pub mod id;
pub mod indicator;
pub mod input_guard;
pub mod legal;
pub mod legal_registry;
pub mod live;
pub mod loaders;
pub mod node;
pub mod observe;
pub mod plan;
pub mod planning;
pub mod reorg;
pub mod report;
pub mod reporting;
pub mod rollups;
pub mod sync;
pub mod task;
pub mod unit;
pub mod user;
pub mod work;

use async_graphql::{Context, MergedObject, Schema};
use sea_orm::DatabaseConnection;

use crate::{
    auth::{Auth, Caller, token::TokenKeys},
    domain::{audit::Actor, write::Writer},
    error::{AppError, AppResult},
};

/// The client's network address, for throttling sign-in attempts.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

/// The request id the HTTP layer assigned, for audit events and error reports.
#[derive(Clone, Debug, Default)]
pub struct RequestId(pub Option<String>);

pub type AppSchema = Schema<QueryRoot, MutationRoot, live::SubscriptionRoot>;

/// Every query of the API.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    node::NodeQuery,
    user::UserQuery,
    unit::UnitQuery,
    reorg::ReorgQuery,
    legal::LegalQuery,
    legal::NumberQuery,
    plan::PlanQuery,
    task::TaskQuery,
    report::ReportQuery,
    indicator::IndicatorQuery,
    rollups::RollupQuery,
    audit::AuditQuery,
    admin::AdminQuery,
    sync::SyncQuery,
);

/// Every mutation of the API.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    user::AuthMutation,
    planning::PlanningMutation,
    legal_registry::LegalRegistryMutation,
    work::WorkMutation,
    reporting::ReportingMutation,
    admin::AdminMutation,
    reorg::ReorgMutation,
);

/// Limits that stop hostile documents after parsing (DESIGN §7): the parser itself is guarded
/// in `http::guard` before the document gets here.
pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 10_000;
pub const MAX_RECURSIVE_DEPTH: usize = 24;
pub const MAX_DIRECTIVES: usize = 8;
/// Documents kept for automatic persisted queries.
pub const PERSISTED_QUERY_CACHE: usize = 1_024;

/// Builds the schema with its limits. Production hides introspection.
pub fn build_schema(
    db: DatabaseConnection,
    writer: Writer,
    keys: TokenKeys,
    events: crate::events::EventBus,
    metrics: crate::metrics::Metrics,
    production: bool,
) -> AppSchema {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        live::SubscriptionRoot,
    )
    .data(writer)
    .data(events)
    .data(crate::auth::throttle::Throttle::default())
    // Apollo's automatic persisted queries: mobile clients send a hash instead of the document.
    // The cache is per instance; a miss makes the client resend the document once.
    .extension(
        async_graphql::extensions::apollo_persisted_queries::ApolloPersistedQueries::new(
            async_graphql::extensions::apollo_persisted_queries::LruCacheStorage::new(
                PERSISTED_QUERY_CACHE,
            ),
        ),
    )
    .extension(observe::ObserveFactory(metrics))
    .extension(input_guard::InputGuard)
    .data(db)
    .data(keys)
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
    .limit_directives(MAX_DIRECTIVES)
    .disable_suggestions();
    if production {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    let schema = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        live::SubscriptionRoot,
    )
    .finish();
    schema.sdl()
}

/// What resolvers read from the request context.
pub trait ContextExt {
    fn db(&self) -> &DatabaseConnection;
    fn caller(&self) -> AppResult<&Caller>;
    fn loaders(&self) -> &loaders::Loaders;
    fn writer(&self) -> &Writer;
    /// The caller as the author of a change, with the request it came in.
    fn actor(&self) -> AppResult<Actor>;
    fn today(&self) -> chrono::NaiveDate;
}

impl ContextExt for Context<'_> {
    fn db(&self) -> &DatabaseConnection {
        self.data_unchecked::<DatabaseConnection>()
    }

    fn caller(&self) -> AppResult<&Caller> {
        match self.data_opt::<Auth>() {
            Some(auth) => auth.caller(),
            None => Err(AppError::Unauthenticated),
        }
    }

    fn loaders(&self) -> &loaders::Loaders {
        self.data_unchecked::<loaders::Loaders>()
    }

    fn writer(&self) -> &Writer {
        self.data_unchecked::<Writer>()
    }

    fn actor(&self) -> AppResult<Actor> {
        Ok(Actor {
            caller: self.caller()?.clone(),
            request_id: self.data_opt::<RequestId>().and_then(|r| r.0.clone()),
        })
    }

    fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now().date_naive()
    }
}
