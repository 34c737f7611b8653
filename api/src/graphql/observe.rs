//! Measures every operation (name, outcome, latency) and stamps the request id on every error, so a client's error report can be
//! matched to the server's log line.

use std::{sync::Mutex, time::Duration};

use async_graphql::{
    Request, Response, Value,
    extensions::ExtensionContext,
    parser::types::{DocumentOperations, ExecutableDocument},
};

use super::RequestId;
use crate::metrics::Metrics;

/// One operation's observation, made by [`super::hooks`] for each request.
pub(super) struct Observe {
    metrics: Metrics,
    /// The operation's name: the one the request asked for, or the document's only one.
    operation: Mutex<Option<String>>,
    /// The request id, read once the request's data is attached (from `parse_query` on).
    request_id: Mutex<Option<String>>,
}

impl Observe {
    pub(super) fn new(metrics: Metrics) -> Self {
        Self {
            metrics,
            operation: Mutex::new(None),
            request_id: Mutex::new(None),
        }
    }

    /// Before parsing: the name the request asks for.
    pub(super) fn prepared(&self, request: &Request) {
        if let Ok(mut name) = self.operation.lock() {
            name.clone_from(&request.operation_name);
        }
    }

    /// When parsing starts: the request's data (and so its id) is attached by then.
    pub(super) fn parsing(&self, ctx: &ExtensionContext<'_>) {
        if let (Some(RequestId(Some(id))), Ok(mut slot)) =
            (ctx.data_opt::<RequestId>(), self.request_id.lock())
        {
            *slot = Some(id.clone());
        }
    }

    /// After parsing: a document's only operation names an unnamed request.
    pub(super) fn parsed(&self, document: &ExecutableDocument) {
        if let (DocumentOperations::Multiple(operations), Ok(mut name)) =
            (&document.operations, self.operation.lock())
            && name.is_none()
            && operations.len() == 1
        {
            *name = operations.keys().next().map(|n| n.to_string());
        }
    }

    /// Counts the finished operation (`elapsed` since it began) and stamps the request id on
    /// its errors.
    pub(super) fn finished(&self, response: &mut Response, elapsed: Duration) {
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
        self.metrics.operation(name.as_deref(), &outcome, elapsed);
        let request_id = self.request_id.lock().ok().and_then(|id| id.clone());
        if let Some(id) = request_id {
            for error in &mut response.errors {
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("requestId", id.as_str());
            }
        }
    }
}
