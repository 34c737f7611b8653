//! Callers already verified, kept between requests so a request does not read its session,
//! account and grants again (three statements) when none of them changed.
//!
//! An entry is dropped as soon as its principal's access changes. The database counts every
//! change to sessions, accounts, grants and API clients in `access_epoch` (triggers of
//! migration `m20261130_000001_access_notices`, whoever makes the change: an instance, the
//! command line, a reorganisation, an operator's SQL); each operation reads that count first
//! (one primary-key read instead of three) and everything kept is forgotten when it moved
//! ([`KnownCallers::see_epoch`]), so a change committed before a request is seen by it on every
//! instance. Access notices on the event bus (`events::AccessChanged`) forget that principal's
//! entries as well, at once where the change was made, and on PostgreSQL every instance hears
//! them through `LISTEN`; while that listener is not connected nothing is kept. An entry also
//! ends after [`MAX_AGE`].

use std::{
    collections::HashMap,
    sync::{
        Arc, PoisonError, RwLock,
        atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use uuid::Uuid;

use super::{Caller, token::Principal, token::Verified};

/// How long a verified caller is kept at most.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// Entries kept at most; beyond this the map starts again empty.
const CAPACITY: usize = 10_000;

/// A principal's token in one session (`None` for an API client).
type Key = (bool, Uuid, Option<Uuid>);

/// The shared map of verified callers (cheap to clone).
#[derive(Clone)]
pub struct KnownCallers(Arc<Inner>);

struct Inner {
    entries: RwLock<HashMap<Key, (Caller, Instant)>>,
    /// Counts forgets, so a caller read from the database before a change is not kept after it.
    generation: AtomicU64,
    /// Whether access notices are arriving (on PostgreSQL, while `LISTEN` is connected).
    trusted: AtomicBool,
    /// The last `access_epoch` seen (SQLite); -1 before the first.
    epoch: AtomicI64,
}

/// Taken before reading a caller from the database; [`KnownCallers::keep`] keeps it only if
/// nothing was forgotten meanwhile.
pub struct Ticket(u64);

fn key(token: &Verified) -> Key {
    (
        token.kind == Principal::Client,
        token.subject,
        token.session,
    )
}

impl KnownCallers {
    /// An empty map; `trusted` says whether notices arrive from the start.
    pub fn new(trusted: bool) -> Self {
        Self(Arc::new(Inner {
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            trusted: AtomicBool::new(trusted),
            epoch: AtomicI64::new(-1),
        }))
    }

    /// Forgets everything when the database's count of access changes moved since last seen.
    pub fn see_epoch(&self, epoch: i64) {
        if self.0.epoch.swap(epoch, Ordering::SeqCst) != epoch {
            self.forget_all();
        }
    }

    /// The caller verified for `token`, if kept and younger than [`MAX_AGE`].
    pub fn get(&self, token: &Verified) -> Option<Caller> {
        if !self.0.trusted.load(Ordering::SeqCst) {
            return None;
        }
        let entries = self
            .0
            .entries
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let (caller, at) = entries.get(&key(token))?;
        (at.elapsed() < MAX_AGE).then(|| caller.clone())
    }

    /// Marks the start of a read from the database.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.0.generation.load(Ordering::SeqCst))
    }

    /// Keeps `caller` for `token`, unless access changed since `ticket` was taken.
    pub fn keep(&self, ticket: Ticket, token: &Verified, caller: &Caller) {
        if !self.0.trusted.load(Ordering::SeqCst) {
            return;
        }
        let mut entries = self
            .0
            .entries
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // Checked under the lock: `forget` bumps the generation under it too.
        if self.0.generation.load(Ordering::SeqCst) != ticket.0 {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(key(token), (caller.clone(), Instant::now()));
    }

    /// Drops every entry of `principal` (a user or an API client).
    pub fn forget(&self, principal: Uuid) {
        let mut entries = self
            .0
            .entries
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        self.0.generation.fetch_add(1, Ordering::SeqCst);
        entries.retain(|(_, subject, _), _| *subject != principal);
    }

    /// Drops everything (notices may have been missed).
    pub fn forget_all(&self) {
        let mut entries = self
            .0
            .entries
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        self.0.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    /// Whether notices arrive; when they stop, everything kept is dropped and nothing more is
    /// kept until they arrive again.
    pub fn set_trusted(&self, trusted: bool) {
        if !trusted {
            self.0.trusted.store(false, Ordering::SeqCst);
            self.forget_all();
        } else {
            self.forget_all();
            self.0.trusted.store(true, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(subject: Uuid, session: Option<Uuid>) -> Verified {
        Verified {
            subject,
            kind: Principal::User,
            session,
            expires_at: 0,
        }
    }

    fn caller(id: Uuid) -> Caller {
        Caller {
            user_id: id,
            ..Caller::system(Vec::new())
        }
    }

    #[test]
    fn a_forgotten_principal_is_read_again() {
        let known = KnownCallers::new(true);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let (ta, tb) = (
            token(a, Some(Uuid::now_v7())),
            token(b, Some(Uuid::now_v7())),
        );
        known.keep(known.ticket(), &ta, &caller(a));
        known.keep(known.ticket(), &tb, &caller(b));
        assert_eq!(known.get(&ta).unwrap().user_id, a);
        known.forget(a);
        assert!(known.get(&ta).is_none());
        assert_eq!(known.get(&tb).unwrap().user_id, b);
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_kept() {
        let known = KnownCallers::new(true);
        let a = Uuid::now_v7();
        let ta = token(a, Some(Uuid::now_v7()));
        let ticket = known.ticket();
        known.forget(a);
        known.keep(ticket, &ta, &caller(a));
        assert!(known.get(&ta).is_none());
    }

    #[test]
    fn a_change_counted_by_the_database_forgets_everything() {
        let known = KnownCallers::new(true);
        let a = Uuid::now_v7();
        let ta = token(a, Some(Uuid::now_v7()));
        known.see_epoch(3);
        known.keep(known.ticket(), &ta, &caller(a));
        known.see_epoch(3);
        assert!(known.get(&ta).is_some());
        known.see_epoch(4);
        assert!(known.get(&ta).is_none());
    }

    #[test]
    fn nothing_is_kept_while_notices_may_be_missed() {
        let known = KnownCallers::new(true);
        let a = Uuid::now_v7();
        let ta = token(a, Some(Uuid::now_v7()));
        known.keep(known.ticket(), &ta, &caller(a));
        known.set_trusted(false);
        assert!(known.get(&ta).is_none());
        known.keep(known.ticket(), &ta, &caller(a));
        assert!(known.get(&ta).is_none());
        known.set_trusted(true);
        known.keep(known.ticket(), &ta, &caller(a));
        assert!(known.get(&ta).is_some());
    }
}
