//! Reference data from the source article and demo accounts.

pub mod demo;
pub mod file;
pub mod reference;
pub mod scenario;
pub mod synthetic;

pub use demo::{DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo_accounts};
pub use reference::{SeedReport, seed_reference};
pub use scenario::seed_scenario;
