//! How far an operation got in the engine: whether its document passed validation. An
//! operation whose errors came before that point is a *request error* (GraphQL spec §7.1.2:
//! the answer has no `data`), which `application/graphql-response+json` answers with 400; once
//! validated, errors are field errors and the status is 200.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use async_graphql::{
    ServerError, ValidationResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation},
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

/// Creates the [`Stage`] extension.
pub struct StageFactory;

impl ExtensionFactory for StageFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Stage)
    }
}

struct Stage;

#[async_graphql::async_trait::async_trait]
impl Extension for Stage {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        if result.is_ok()
            && let Some(flag) = ctx.data_opt::<Validated>()
        {
            flag.0.store(true, Ordering::SeqCst);
        }
        result
    }
}
