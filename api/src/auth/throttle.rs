//! Sign-in throttling (the GraphQL `login` and `POST /oauth/token`), keyed on the source of the
//! attempts, never on the account alone: 10 attempts per account *from one client address*, and
//! 60 per client address whatever the account, in each window (a minute in production),
//! refilled evenly (GCRA). An account's owner signing in from their own address is therefore
//! never locked out by someone guessing from another one; a guesser is slowed on their own
//! address. Only failures count: an attempt is counted when it starts (so concurrent guesses
//! cannot all pass the check) and given back when it succeeds. Limits are per process; several
//! instances each apply them.

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
        }
    }

    fn keys(account: &str, address: Option<IpAddr>) -> (Key, Key) {
        // An attempt whose address is unknown counts under one shared "unknown" address.
        let address = address.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        (
            Key::Pair(account.trim().to_lowercase(), address),
            Key::Address(address),
        )
    }

    /// Starts one attempt for `account` from `address`: counted now, `Err` with the time to
    /// wait (for `Retry-After`) when the source has failed too often. Call [`Self::succeeded`]
    /// when the attempt succeeds.
    pub fn begin(&self, account: &str, address: Option<IpAddr>) -> Result<(), Duration> {
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
    pub fn succeeded(&self, account: &str, address: Option<IpAddr>) {
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
            assert!(t.begin("admin", addr(1)).is_ok());
        }
        let wait = t.begin("ADMIN", addr(1)).unwrap_err();
        assert!(wait > Duration::from_secs(1000) && wait <= HOUR, "{wait:?}");
        assert!(t.begin("admin", addr(2)).is_ok(), "the owner's address");
        assert!(t.begin("viewer", addr(1)).is_ok(), "other accounts");
    }

    #[test]
    fn an_address_is_limited_whatever_the_account() {
        let t = Throttle::new(100, 2, HOUR);
        assert!(t.begin("a", addr(9)).is_ok());
        assert!(t.begin("b", addr(9)).is_ok());
        assert!(t.begin("c", addr(9)).is_err());
        assert!(t.begin("c", addr(8)).is_ok());
    }

    #[test]
    fn successes_do_not_count() {
        let t = Throttle::new(2, 100, HOUR);
        for _ in 0..10 {
            assert!(t.begin("a", addr(1)).is_ok());
            t.succeeded("a", addr(1));
        }
        assert!(t.begin("a", addr(1)).is_ok());
        assert!(t.begin("a", addr(1)).is_ok());
        assert!(t.begin("a", addr(1)).is_err());
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2500)), 3);
    }
}
