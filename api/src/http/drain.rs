//! The first stage of shutdown: after SIGTERM the instance keeps serving for a window
//! (`QCDC_SHUTDOWN_DRAIN_MS`) while the proxy in front of it moves its traffic elsewhere.
//!
//! In the window `/readyz` answers 503 (a balancer that checks it stops routing here), every
//! response closes its connection (so a proxy opens its next one to another instance), a new
//! WebSocket is refused with 503 (nginx's `proxy_next_upstream http_503` then opens it on
//! another instance) and each open WebSocket is closed with 1001 Going Away, which
//! `graphql-ws` clients answer by reconnecting. The listener closes when the window ends.

use std::sync::Arc;

use tokio::sync::watch;

/// Whether shutdown has begun; cheap to clone, shared by every request of an instance.
#[derive(Clone, Debug)]
pub struct Drain(Arc<watch::Sender<bool>>);

impl Default for Drain {
    fn default() -> Self {
        Self(Arc::new(watch::channel(false).0))
    }
}

impl Drain {
    /// Starts the window; idempotent.
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    pub fn is_draining(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the window has begun (at once if it already has).
    pub async fn begun(&self) {
        let mut seen = self.0.subscribe();
        // The sender lives as long as `self`, so waiting cannot fail.
        let _ = seen.wait_for(|draining| *draining).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_before_and_after_the_start_are_told() {
        let drain = Drain::default();
        assert!(!drain.is_draining());
        let early = tokio::spawn({
            let drain = drain.clone();
            async move { drain.begun().await }
        });
        drain.begin();
        tokio::time::timeout(std::time::Duration::from_secs(5), early)
            .await
            .unwrap()
            .unwrap();
        assert!(drain.is_draining());
        tokio::time::timeout(std::time::Duration::from_secs(5), drain.begun())
            .await
            .unwrap();
    }
}
