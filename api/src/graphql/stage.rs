//! How far an operation got in the engine: whether its document passed validation. An
//! operation whose errors came before that point is a *request error* (GraphQL spec §7.1.2:
//! the answer has no `data`), which `application/graphql-response+json` answers with 400; once
//! validated, errors are field errors and the status is 200.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

/// Set once the request's document passed validation; attached to each request's data by
/// `http::pipeline`.
#[derive(Clone, Default, Debug)]
pub struct Validated(Arc<AtomicBool>);

impl Validated {
    /// Whether validation passed.
    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl Validated {
    /// Marks the document as validated.
    pub(super) fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}
