//! The engine's hooks, in one extension. Every operation, over HTTP (POST and GET) and
//! WebSocket alike, passes through them, in this order:
//!
//! 1. *prepare*: the operation's name is noted ([`observe`]); a document the engine's parser
//!    would misread is rewritten ([`validation`]).
//! 2. *parse*: the engine parses; the document is validated by the specification's rules and
//!    measured ([`validation`], its refusal kept for step 3); every argument is read
//!    ([`input_guard`]), whose refusal ends the request here.
//! 3. *validate*: a refusal from step 2, or else the engine's own validation; passing marks the
//!    request [`Validated`].
//! 4. *execute*: the operation runs with its loaders' fetches in its own task ([`batching`]).
//! 5. *request*, around all of it: the outcome and latency are counted and the request id is
//!    stamped on every error ([`observe`]).
//!
//! One extension and not five: async-graphql sends every field of every operation through
//! the `resolve` hook of each installed extension (a boxed future and a look-up of the field's
//! type), whether or not the extension overrides it. With five, that was a quarter of the CPU
//! of a page of tasks (`perf` under `bench/run.py`'s Q2).
//!
//! [`observe`]: super::observe
//! [`validation`]: super::validation
//! [`input_guard`]: super::input_guard
//! [`batching`]: super::batching

use std::{sync::Arc, time::Instant};

use async_graphql::{
    Request, Response, ServerError, ServerResult, ValidationResult, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
        NextPrepareRequest, NextRequest, NextValidation,
    },
    parser::types::ExecutableDocument,
};

use super::{batching::Batches, input_guard, observe::Observe, stage::Validated, validation};
use crate::metrics::Metrics;

/// Installs the hooks on the schema; makes one [`Hooks`] per request.
pub struct HooksFactory(pub Metrics);

impl ExtensionFactory for HooksFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Hooks {
            observe: Observe::new(self.0.clone()),
            check: validation::Check::default(),
        })
    }
}

/// One request's hooks and what they carry from one step to the next.
struct Hooks {
    observe: Observe,
    check: validation::Check,
}

#[async_graphql::async_trait::async_trait]
impl Extension for Hooks {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let mut response = next.run(ctx).await;
        self.observe.finished(&mut response, started.elapsed());
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.observe.prepared(&request);
        self.check.prepare(&mut request)?;
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        self.observe.parsing(ctx);
        let document = next.run(ctx, query, variables).await?;
        self.check.parsed(query, variables, &document);
        input_guard::check_document(&document, variables)?;
        self.observe.parsed(&document);
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = match self.check.refusal() {
            Some(errors) => Err(errors),
            None => next.run(ctx).await,
        };
        if result.is_ok()
            && let Some(flag) = ctx.data_opt::<Validated>()
        {
            flag.set();
        }
        result
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        match ctx.data_opt::<Batches>() {
            Some(batches) => batches.drive(next.run(ctx, operation_name)).await,
            None => next.run(ctx, operation_name).await,
        }
    }
}
