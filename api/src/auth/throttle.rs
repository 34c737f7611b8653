//! Sign-in throttling (the GraphQL `login` and `POST /oauth/token`), keyed on the source of the
//! attempts, never on the account alone: 10 attempts per account *from one client address*, and
//! 60 per client address whatever the account, in each window (a minute in production),
//! refilled evenly (GCRA). An account's owner signing in from their own address is therefore
//! never locked out by someone guessing from another one; a guesser is slowed on their own
//! address. Only failures count: an attempt is counted when it starts (so concurrent guesses
//! cannot all pass the check) and given back when it succeeds.
//!
//! On PostgreSQL the counts live in the database (`sign_in_throttle`, one row per key holding
//! its arrival time in microseconds of the database's clock), so several instances behind a
//! proxy count one set of attempts: a guesser whose requests the proxy spreads over two
//! instances gets 10 tries, not 20. Each attempt is one transaction that takes both keys' rows
//! in the same order (pair, then address), counts in one conditional upsert each, and rolls
//! back if either refuses. On SQLite (one instance) they live in the process.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait};
use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr},
    sync::Mutex,
    time::{Duration, Instant},
};

/// Failed attempts per window for one account from one address, and for one address.
const PER_ACCOUNT_AND_ADDRESS: u32 = 10;
const PER_ADDRESS: u32 = 60;
/// Forget keys with nothing counted once this many are tracked, so memory stays bounded.
const MAX_TRACKED_KEYS: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    /// An account (lower-cased) tried from an address.
    Pair(String, IpAddr),
    /// An address, whatever the account.
    Address(IpAddr),
}

/// One limit: `n` failures per `window`, as the time at which its count is back to zero
/// ("theoretical arrival time") per key.
struct Limit {
    /// Time one failure takes to be forgotten (`window / n`).
    interval: Duration,
    /// How far ahead of now the count may run: `window - interval`, so `n` failures fit.
    tolerance: Duration,
}

impl Limit {
    fn new(n: u32, window: Duration) -> Self {
        let interval = window / n.max(1);
        Self {
            interval,
            tolerance: window.saturating_sub(interval),
        }
    }

    /// How long until one more attempt is allowed, if it is not now.
    fn wait(&self, tat: Option<Instant>, now: Instant) -> Option<Duration> {
        let tat = tat?;
        let allowed_from = tat.checked_sub(self.tolerance)?;
        (allowed_from > now).then(|| allowed_from - now)
    }
}

/// The sign-in throttle; see the module documentation.
pub struct Throttle {
    pair: Limit,
    address: Limit,
    counts: Mutex<HashMap<Key, Instant>>,
    /// PostgreSQL, when the counts are shared by every instance.
    shared: Option<DatabaseConnection>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::over(Duration::from_secs(60))
    }
}

impl Throttle {
    /// The production limits (10 failures per account and address, 60 per address) counted
    /// over `window` (a minute in production).
    pub fn over(window: Duration) -> Self {
        Self::new(PER_ACCOUNT_AND_ADDRESS, PER_ADDRESS, window)
    }

    /// `per_pair` failures for one account from one address and `per_address` from one address
    /// in each `window`.
    pub fn new(per_pair: u32, per_address: u32, window: Duration) -> Self {
        Self {
            pair: Limit::new(per_pair, window),
            address: Limit::new(per_address, window),
            counts: Mutex::default(),
            shared: None,
        }
    }

    /// Counts in `db` when it is PostgreSQL, so every instance on it shares the counts.
    pub fn shared_through(mut self, db: &DatabaseConnection) -> Self {
        if db.get_database_backend() == DbBackend::Postgres {
            self.shared = Some(db.clone());
        }
        self
    }

    fn keys(account: &str, address: Option<IpAddr>) -> (Key, Key) {
        // An attempt whose address is unknown counts under one shared "unknown" address.
        let address = source(address.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
        // The account as sign-in finds it (NFC, Đ repaired, spaces collapsed, lower case), so
        // no spelling of one account gets a budget of its own.
        (
            Key::Pair(crate::domain::users::normalise_username(account), address),
            Key::Address(address),
        )
    }

    /// Starts one attempt for `account` from `address`: counted now, `Err` with the time to
    /// wait (for `Retry-After`) when the source has failed too often. Call [`Self::succeeded`]
    /// when the attempt succeeds. A database that cannot count lets the attempt through (the
    /// sign-in itself then needs that database) and says so in the log.
    pub async fn begin(&self, account: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        if let Some(db) = &self.shared {
            return match self.begin_shared(db, account, address).await {
                Ok(outcome) => outcome,
                Err(err) => {
                    tracing::warn!(error = %err, "the sign-in throttle could not count");
                    Ok(())
                }
            };
        }
        self.begin_here(account, address)
    }

    fn begin_here(&self, account: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let Ok(mut counts) = self.counts.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        if counts.len() > MAX_TRACKED_KEYS {
            counts.retain(|_, tat| *tat > now);
        }
        let (pair, address) = Self::keys(account, address);
        let waits = [
            self.pair.wait(counts.get(&pair).copied(), now),
            self.address.wait(counts.get(&address).copied(), now),
        ];
        if let Some(wait) = waits.into_iter().flatten().max() {
            return Err(wait);
        }
        for (key, limit) in [(pair, &self.pair), (address, &self.address)] {
            let tat = counts.entry(key).or_insert(now);
            *tat = (*tat).max(now) + limit.interval;
        }
        Ok(())
    }

    /// Gives back the count of an attempt that succeeded.
    pub async fn succeeded(&self, account: &str, address: Option<IpAddr>) {
        if let Some(db) = &self.shared {
            let (pair, address) = Self::keys(account, address);
            for (key, limit) in [(pair, &self.pair), (address, &self.address)] {
                let given_back = db
                    .execute_raw(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "UPDATE sign_in_throttle SET tat_us = tat_us - $2 WHERE key = $1",
                        [key.stored().into(), micros(limit.interval).into()],
                    ))
                    .await;
                if let Err(err) = given_back {
                    tracing::warn!(error = %err, "the sign-in throttle could not give back a count");
                }
            }
            return;
        }
        self.give_back_here(account, address);
    }

    fn give_back_here(&self, account: &str, address: Option<IpAddr>) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        let (pair, address) = Self::keys(account, address);
        for (key, limit) in [(pair, &self.pair), (address, &self.address)] {
            if let Some(tat) = counts.get_mut(&key) {
                *tat = tat.checked_sub(limit.interval).unwrap_or(*tat);
            }
        }
    }
}

impl Throttle {
    /// Counts one attempt under both keys in PostgreSQL, or refuses with the longer wait.
    async fn begin_shared(
        &self,
        db: &DatabaseConnection,
        account: &str,
        address: Option<IpAddr>,
    ) -> Result<Result<(), Duration>, DbErr> {
        let (pair, address) = Self::keys(account, address);
        let txn = db.begin().await?;
        let mut wait = None;
        for (key, limit) in [(pair, &self.pair), (address, &self.address)] {
            let (interval, tolerance) = (micros(limit.interval), micros(limit.tolerance));
            // The row is locked by the upsert even when its condition refuses, so concurrent
            // attempts on one key count one after the other.
            let counted = txn
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now_us) \
                     INSERT INTO sign_in_throttle AS t (key, tat_us) \
                     SELECT $1, now_us + $2 FROM clock \
                     ON CONFLICT (key) DO UPDATE \
                       SET tat_us = GREATEST(t.tat_us, EXCLUDED.tat_us - $2) + $2 \
                       WHERE GREATEST(t.tat_us, EXCLUDED.tat_us - $2) - $3 <= EXCLUDED.tat_us - $2 \
                     RETURNING tat_us",
                    [key.stored().into(), interval.into(), tolerance.into()],
                ))
                .await?;
            if counted.is_none() {
                let left = txn
                    .query_one_raw(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "SELECT tat_us - $2 - (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS wait_us \
                         FROM sign_in_throttle WHERE key = $1",
                        [key.stored().into(), tolerance.into()],
                    ))
                    .await?
                    .and_then(|row| row.try_get::<i64>("", "wait_us").ok())
                    .unwrap_or(1);
                let left = Duration::from_micros(u64::try_from(left.max(1)).unwrap_or(1));
                wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
            }
        }
        if let Some(wait) = wait {
            txn.rollback().await?;
            return Ok(Err(wait));
        }
        txn.commit().await?;
        Ok(Ok(()))
    }
}

/// Forgets, every `every`, the keys whose counts are back to zero, so the table holds only
/// sources that failed within the window.
pub fn spawn_sweeper(throttle: std::sync::Arc<Throttle>, every: Duration) {
    let Some(db) = throttle.shared.clone() else {
        return;
    };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let swept = db
                .execute_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "DELETE FROM sign_in_throttle \
                     WHERE tat_us < (extract(epoch FROM clock_timestamp()) * 1000000)::bigint",
                ))
                .await;
            if let Err(err) = swept {
                tracing::warn!(error = %err, "sweeping the sign-in throttle failed");
            }
        }
    });
}

/// The source an address counts as: an IPv6 address by its /64, the block one subscriber is
/// given (RFC 6177), which a client can walk through without asking anyone; an IPv4 address
/// (mapped ones included) as itself.
fn source(address: IpAddr) -> IpAddr {
    match crate::http::client_address::canonical(address) {
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from(
            u128::from(v6) & !((1u128 << 64) - 1),
        )),
        v4 => v4,
    }
}

impl Key {
    /// The key as stored: the address first, so no account name can pass for another key.
    fn stored(&self) -> String {
        match self {
            Self::Pair(account, address) => format!("pair|{address}|{account}"),
            Self::Address(address) => format!("address|{address}"),
        }
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// Whole seconds to announce in `Retry-After` for `wait`, rounded up (at least 1).
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn addr(n: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, n]))
    }

    #[test]
    fn failures_from_one_address_do_not_lock_the_account_elsewhere() {
        let t = Throttle::new(3, 100, HOUR);
        for _ in 0..3 {
            assert!(t.begin_here("admin", addr(1)).is_ok());
        }
        let wait = t.begin_here("ADMIN", addr(1)).unwrap_err();
        assert!(wait > Duration::from_secs(1000) && wait <= HOUR, "{wait:?}");
        assert!(
            t.begin_here("admin", addr(2)).is_ok(),
            "the owner's address"
        );
        assert!(t.begin_here("viewer", addr(1)).is_ok(), "other accounts");
    }

    #[test]
    fn an_address_is_limited_whatever_the_account() {
        let t = Throttle::new(100, 2, HOUR);
        assert!(t.begin_here("a", addr(9)).is_ok());
        assert!(t.begin_here("b", addr(9)).is_ok());
        assert!(t.begin_here("c", addr(9)).is_err());
        assert!(t.begin_here("c", addr(8)).is_ok());
    }

    #[test]
    fn successes_do_not_count() {
        let t = Throttle::new(2, 100, HOUR);
        for _ in 0..10 {
            assert!(t.begin_here("a", addr(1)).is_ok());
            t.give_back_here("a", addr(1));
        }
        assert!(t.begin_here("a", addr(1)).is_ok());
        assert!(t.begin_here("a", addr(1)).is_ok());
        assert!(t.begin_here("a", addr(1)).is_err());
    }

    #[test]
    fn spellings_of_one_account_and_addresses_of_one_ipv6_subscriber_count_together() {
        let t = Throttle::new(2, 100, HOUR);
        assert!(t.begin_here("đông", addr(1)).is_ok());
        // The same name decomposed (NFD) and with surrounding spaces.
        assert!(t.begin_here(" \u{0111}o\u{0302}ng ", addr(1)).is_ok());
        assert!(t.begin_here("ĐÔNG", addr(1)).is_err());

        let t = Throttle::new(100, 2, HOUR);
        let v6 = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert!(t.begin_here("a", v6("2001:db8:1:2::1")).is_ok());
        assert!(t.begin_here("b", v6("2001:db8:1:2::ffff")).is_ok());
        assert!(
            t.begin_here("c", v6("2001:db8:1:2:abcd::1")).is_err(),
            "one /64"
        );
        assert!(
            t.begin_here("c", v6("2001:db8:1:3::1")).is_ok(),
            "another /64"
        );
        assert!(t.begin_here("d", v6("::ffff:10.0.0.7")).is_ok());
        assert!(t.begin_here("e", addr(7)).is_ok());
        assert!(
            t.begin_here("f", addr(7)).is_err(),
            "a mapped address is the IPv4 one"
        );
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2500)), 3);
    }
}
