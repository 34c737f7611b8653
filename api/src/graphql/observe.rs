//! An engine extension that measures every operation (name, outcome, latency) and stamps the request id on every error, so a client's error report can be
//! matched to the server's log line.

use std::{
    sync::{Arc, Mutex},
    time::Instant,
};

use async_graphql::{
    Request, Response, ServerResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
        NextRequest,
    },
    parser::types::{DocumentOperations, ExecutableDocument},
};

use super::RequestId;
use crate::metrics::Metrics;

/// Creates one [`Observe`] per request.
pub struct ObserveFactory(pub Metrics);

impl ExtensionFactory for ObserveFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Observe {
            metrics: self.0.clone(),
            operation: Mutex::new(None),
            request_id: Mutex::new(None),
        })
    }
}

struct Observe {
    metrics: Metrics,
    /// The operation's name: the one the request asked for, or the document's only one.
    operation: Mutex<Option<String>>,
    /// The request id, read once the request's data is attached (from `parse_query` on).
    request_id: Mutex<Option<String>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for Observe {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Ok(mut name) = self.operation.lock() {
            name.clone_from(&request.operation_name);
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if let (Some(RequestId(Some(id))), Ok(mut slot)) =
            (ctx.data_opt::<RequestId>(), self.request_id.lock())
        {
            *slot = Some(id.clone());
        }
        let document = next.run(ctx, query, variables).await?;
        if let (DocumentOperations::Multiple(operations), Ok(mut name)) =
            (&document.operations, self.operation.lock())
            && name.is_none()
            && operations.len() == 1
        {
            *name = operations.keys().next().map(|n| n.to_string());
        }
        Ok(document)
    }

    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let mut response = next.run(ctx).await;
        let outcome = response
            .errors
            .first()
            .and_then(|e| e.extensions.as_ref())
            .and_then(|x| x.get("code"))
            .and_then(|code| match code {
                Value::String(s) => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_else(|| {
                if response.errors.is_empty() {
                    "OK".into()
                } else {
                    "GRAPHQL_VALIDATION_FAILED".into()
                }
            });
        let name = self.operation.lock().ok().and_then(|n| n.clone());
        self.metrics
            .operation(name.as_deref(), &outcome, started.elapsed());
        let request_id = self.request_id.lock().ok().and_then(|id| id.clone());
        if let Some(id) = request_id {
            for error in &mut response.errors {
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("requestId", id.as_str());
            }
        }
        response
    }
}
