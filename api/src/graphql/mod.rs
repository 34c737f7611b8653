//! The GraphQL schema: object types and thin resolvers over `domain`.

pub mod admin;
pub mod audit;
pub mod batching;
pub mod connection;
pub mod cost;
pub mod enums;
pub mod exchange;
pub mod exemplar;
pub mod exemplar_changes;
pub mod files;
pub mod hooks;
pub mod id;
pub mod indicator;
pub mod input_guard;
pub mod legal;
pub mod legal_registry;
pub mod live;
pub mod loaders;
pub mod node;
pub mod observe;
pub mod overseeing;
pub mod oversight;
pub mod plan;
pub mod planning;
pub mod provenance;
pub mod rendering;
pub mod reorg;
pub mod report;
pub mod reporting;
pub mod review;
pub mod rollups;
pub mod spec_rules;
pub mod stage;
pub mod sync;
pub mod task;
pub mod unit;
pub mod user;
pub mod validation;
pub mod variables;
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

/// The verified token an operation came with, so a long-lived operation (a subscription) can
/// check again, whenever the principal's access changes, that it still speaks for an open
/// session with the grants it had.
#[derive(Clone, Copy, Debug)]
pub struct Credential(pub crate::auth::token::Verified);

/// Set by a resolver whose answer carries a secret (a token, a client secret), so that nothing
/// keeps the answer (an idempotent replay stores it otherwise).
#[derive(Clone, Debug, Default)]
pub struct SecretInAnswer(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl SecretInAnswer {
    /// Whether a resolver said the answer holds a secret.
    pub fn is_set(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

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
    oversight::OversightQuery,
    oversight::OversightRollupQuery,
    review::ReviewQuery,
    exemplar::ExemplarQuery,
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
    rendering::RenderingMutation,
    overseeing::OverseeingMutation,
    review::ReviewMutation,
    exemplar_changes::ExemplarMutation,
    files::FileMutation,
    admin::AdminMutation,
    reorg::ReorgMutation,
    exchange::ExchangeMutation,
);

/// Limits that stop hostile documents after parsing (DESIGN §7): the parser itself is guarded
/// in `http::guard` before the document gets here, and cost and depth are measured in
/// `validation`.
pub const MAX_RECURSIVE_DEPTH: usize = 24;
pub const MAX_DIRECTIVES: usize = 8;
/// Builds the schema with its limits. Production hides introspection.
// Each argument is one piece of the app state that resolvers read as schema data.
#[allow(clippy::too_many_arguments)]
pub fn build_schema(
    db: DatabaseConnection,
    writer: Writer,
    keys: TokenKeys,
    events: crate::events::EventBus,
    metrics: crate::metrics::Metrics,
    throttle: std::sync::Arc<crate::auth::throttle::Throttle>,
    clock: crate::domain::clock::Clock,
    files: crate::storage::Files,
    production: bool,
) -> AppSchema {
    validation::prepare();
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        live::SubscriptionRoot,
    )
    .data(writer)
    .data(events)
    // The same throttle as the token endpoint's: one count of sign-in attempts per instance.
    .data(throttle)
    .data(clock)
    .data(files)
    // Automatic persisted queries are resolved before the engine, in `http::pipeline`.
    // Metrics, the specification's validation, the input guard and batching, in one extension
    // (see `hooks` for their order and why one).
    .extension(hooks::HooksFactory(metrics))
    .data(db)
    .data(keys)
    .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
    .limit_directives(MAX_DIRECTIVES)
    // The specification's rules run before, in `validation` (apollo-compiler and
    // `spec_rules`); the engine's own set disagrees with graphql-js on some valid documents.
    .validation_mode(async_graphql::ValidationMode::Fast)
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
    /// Stored files: the blob store, download links, limits.
    fn files(&self) -> &crate::storage::Files;
    /// The caller as the author of a change, with the request it came in.
    fn actor(&self) -> AppResult<Actor>;
    /// The request's id and the client's address, for the audit log.
    fn origin(&self) -> crate::domain::audit::Origin;
    /// Today on the province's calendar, by the server's one clock (`domain::clock`).
    fn today(&self) -> chrono::NaiveDate;
    /// Says that this operation's answer carries a secret, so it is never stored.
    fn answer_holds_secret(&self);
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

    fn files(&self) -> &crate::storage::Files {
        self.data_unchecked::<crate::storage::Files>()
    }

    fn origin(&self) -> crate::domain::audit::Origin {
        crate::domain::audit::Origin {
            request_id: self.data_opt::<RequestId>().and_then(|r| r.0.clone()),
            client_address: self.data_opt::<ClientAddr>().and_then(|a| a.0),
        }
    }

    fn actor(&self) -> AppResult<Actor> {
        Ok(Actor {
            caller: self.caller()?.clone(),
            origin: self.origin(),
        })
    }

    fn today(&self) -> chrono::NaiveDate {
        self.data_opt::<crate::domain::clock::Clock>()
            .copied()
            .unwrap_or_default()
            .today()
    }

    fn answer_holds_secret(&self) {
        if let Some(marker) = self.data_opt::<SecretInAnswer>() {
            marker.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
}
