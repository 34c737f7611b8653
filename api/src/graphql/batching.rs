//! Batching without a clock. A DataLoader gathers the keys its callers ask for, then fetches
//! them in one statement; the engine's default waits 1 ms on a timer for the keys to gather,
//! once per nested level. Here the fetch runs inside the operation's own task, right after the
//! poll in which the engine asked for the keys: the engine resolves sibling fields and list
//! items together (`try_join_all`), so one poll asks for every key of a level, and the fetch
//! that follows takes them all. No timer, no other thread, no wake-up across threads.
//!
//! [`Batches`] is the loaders' spawner; the engine's hooks (`super::hooks`) run every query and mutation
//! with its fetches. A loader used outside an execution (a subscription's events) spawns on
//! the runtime as usual, after one yield.

use std::{
    future::Future,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, Waker},
};

use futures_util::{
    StreamExt,
    future::{BoxFuture, FutureExt},
    stream::FuturesUnordered,
    task::{FutureObj, Spawn, SpawnError},
};

/// Fetches spawned by one operation's loaders, waiting for the operation's task to run them.
#[derive(Clone, Default)]
pub struct Batches(Arc<Shared>);

#[derive(Default)]
struct Shared {
    queue: Mutex<Vec<BoxFuture<'static, ()>>>,
    /// The operation's task, woken when a fetch is queued from outside its poll.
    waker: Mutex<Option<Waker>>,
    /// Whether an execution is driving the queue now.
    driven: AtomicBool,
}

impl Spawn for Batches {
    fn spawn_obj(&self, future: FutureObj<'static, ()>) -> Result<(), SpawnError> {
        if self.0.driven.load(Ordering::SeqCst) {
            self.0
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(future.boxed());
            if let Some(waker) = self
                .0
                .waker
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
            {
                waker.wake_by_ref();
            }
        } else {
            tokio::spawn(future);
        }
        Ok(())
    }
}

/// The loaders' timer: it waits for no clock, only lets the task that asked finish its poll
/// (so every key asked for in that poll joins the batch).
pub struct Yield;

impl async_graphql::runtime::Timer for Yield {
    fn delay(&self, _: std::time::Duration) -> BoxFuture<'static, ()> {
        tokio::task::yield_now().boxed()
    }
}

impl Batches {
    /// Runs `operation` with the fetches its loaders spawn, in the same task.
    pub async fn drive<F: Future>(&self, operation: F) -> F::Output {
        struct Driving<'a>(&'a Shared);
        impl Drop for Driving<'_> {
            fn drop(&mut self) {
                self.0.driven.store(false, Ordering::SeqCst);
                self.0
                    .waker
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                // A fetch nobody waits for any more.
                self.0
                    .queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clear();
            }
        }
        let shared = &*self.0;
        shared.driven.store(true, Ordering::SeqCst);
        let _driving = Driving(shared);
        let mut operation = std::pin::pin!(operation);
        let mut fetches: FuturesUnordered<BoxFuture<'static, ()>> = FuturesUnordered::new();
        std::future::poll_fn(|cx: &mut Context<'_>| {
            *shared.waker.lock().unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
            loop {
                if let Poll::Ready(output) = operation.as_mut().poll(cx) {
                    return Poll::Ready(output);
                }
                let spawned = std::mem::take(
                    &mut *shared.queue.lock().unwrap_or_else(PoisonError::into_inner),
                );
                let mut progressed = !spawned.is_empty();
                fetches.extend(spawned);
                // A finished fetch has handed its rows to the operation, which can go on.
                while let Poll::Ready(Some(())) = fetches.poll_next_unpin(cx) {
                    progressed = true;
                }
                if !progressed {
                    return Poll::Pending;
                }
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

    use super::*;

    /// Counts its fetches.
    #[derive(Default)]
    struct Counting(Mutex<Vec<usize>>);

    impl Loader<u32> for Counting {
        type Value = u32;
        type Error = std::convert::Infallible;

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, u32>, Self::Error> {
            self.0.lock().unwrap().push(keys.len());
            tokio::task::yield_now().await;
            Ok(keys.iter().map(|k| (*k, k * 2)).collect())
        }
    }

    fn loader(batches: &Batches) -> DataLoader<Counting, HashMapCache> {
        DataLoader::with_cache(
            Counting::default(),
            batches.clone(),
            Yield,
            HashMapCache::default(),
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keys_asked_for_together_are_fetched_together() {
        let batches = Batches::default();
        let loader = loader(&batches);
        let one_level = futures_util::future::join_all((0..50).map(|k| loader.load_one(k)));
        let values = batches.drive(one_level).await;
        assert_eq!(values[7].unwrap(), Some(14));
        assert_eq!(*loader.loader().0.lock().unwrap(), vec![50]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_level_is_one_fetch() {
        let batches = Batches::default();
        let loader = loader(&batches);
        let two_levels = futures_util::future::join_all((0..20).map(|k| {
            let loader = &loader;
            async move {
                let first = loader.load_one(k).await.unwrap().unwrap();
                loader.load_one(first + 1000).await.unwrap()
            }
        }));
        let values = batches.drive(two_levels).await;
        assert_eq!(values[3], Some(2012));
        assert_eq!(*loader.loader().0.lock().unwrap(), vec![20, 20]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_loader_outside_an_execution_still_answers() {
        let batches = Batches::default();
        let loader = loader(&batches);
        assert_eq!(loader.load_one(4).await.unwrap(), Some(8));
    }
}
