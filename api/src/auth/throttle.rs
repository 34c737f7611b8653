//! Sign-in throttling per account and per client address (governor's GCRA limiter), so
//! password guessing is slow whichever of the two an attacker varies. Limits are per process;
//! several instances each apply them.

use std::{net::IpAddr, num::NonZeroU32};

use governor::{DefaultKeyedRateLimiter, Quota};

/// Attempts per window (a minute by default) for one account, and for one client address.
const PER_ACCOUNT_PER_MINUTE: u32 = 10;
const PER_ADDRESS_PER_MINUTE: u32 = 60;
/// Forget idle keys once this many are tracked, so memory stays bounded.
const MAX_TRACKED_KEYS: usize = 100_000;

pub struct Throttle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::over(std::time::Duration::from_secs(60))
    }
}

impl Throttle {
    /// The production limits (10 attempts per account, 60 per address) counted over `window`
    /// (a minute in production).
    pub fn over(window: std::time::Duration) -> Self {
        Self::new(PER_ACCOUNT_PER_MINUTE, PER_ADDRESS_PER_MINUTE, window)
    }

    /// `per_account` and `per_address` attempts in each `window`, refilled evenly across it.
    pub fn new(per_account: u32, per_address: u32, window: std::time::Duration) -> Self {
        let quota = |n: u32| {
            let n = NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
            Quota::with_period(window / n.get())
                .unwrap_or_else(|| Quota::per_minute(n))
                .allow_burst(n)
        };
        Self {
            per_account: DefaultKeyedRateLimiter::keyed(quota(per_account)),
            per_address: DefaultKeyedRateLimiter::keyed(quota(per_address)),
        }
    }

    /// Whether one more attempt for `account` from `address` is allowed now.
    pub fn allow(&self, account: &str, address: Option<IpAddr>) -> bool {
        if self.per_account.len() > MAX_TRACKED_KEYS {
            self.per_account.retain_recent();
        }
        if self.per_address.len() > MAX_TRACKED_KEYS {
            self.per_address.retain_recent();
        }
        let by_address = address.is_none_or(|a| self.per_address.check_key(&a).is_ok());
        // Both limits count the attempt, so varying either one does not help.
        let by_account = self
            .per_account
            .check_key(&account.trim().to_lowercase())
            .is_ok();
        by_address && by_account
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_limited_whatever_the_address() {
        let t = Throttle::new(3, 100, std::time::Duration::from_secs(60));
        let addr = |n: u8| Some(IpAddr::from([10, 0, 0, n]));
        assert!(t.allow("admin", addr(1)));
        assert!(t.allow("ADMIN", addr(2)));
        assert!(t.allow("admin", addr(3)));
        assert!(!t.allow("admin", addr(4)));
        assert!(t.allow("viewer", addr(5)), "other accounts are unaffected");
    }

    #[test]
    fn an_address_is_limited_whatever_the_account() {
        let t = Throttle::new(100, 2, std::time::Duration::from_secs(60));
        let addr = Some(IpAddr::from([10, 0, 0, 9]));
        assert!(t.allow("a", addr));
        assert!(t.allow("b", addr));
        assert!(!t.allow("c", addr));
    }
}
