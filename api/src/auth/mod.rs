//! Passwords, tokens and the caller's identity.

pub mod caller;
pub mod known;
pub mod password;
pub mod throttle;
pub mod token;

pub use caller::{Auth, Caller, Grant};
