//! qcdc: the GraphQL API of a province's grassroots-democracy (QCDC) programme.
//!
//! `startup::Application` builds the whole server from a `config::Config`; `main`, the CLI
//! and the black-box tests all go through it.

pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod exchange;
pub mod graphql;
pub mod http;
pub mod language;
pub mod metrics;
pub mod render;
pub mod seed;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod text;
