//! Black-box tests: each starts the real server on port 0 against a fresh database and speaks
//! HTTP/GraphQL to it. Every scenario that touches the database runs on SQLite and on
//! PostgreSQL (when `QCDC_TEST_POSTGRES_URL` is set; with `CI=true` it must be).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

mod actors;
mod attachments;
mod attack18;
mod auth;
mod authorization;
mod backup;
mod batching;
mod calendar;
mod client_address;
mod cycle;
mod deploy;
mod engine;
mod exchange;
mod exemplars;
mod fidelity;
mod graphiql;
mod http_spec;
mod hygiene;
mod identity;
mod invariants;
mod keep_alive;
mod legal_registry;
mod live;
mod lookup;
mod migrations;
mod numbers;
mod observability;
mod oversight;
mod proxy;
mod reading;
mod rendering;
mod reorganisation;
mod retries;
mod reviews;
mod safety;
mod schema;
mod scope;
mod search;
mod sessions;
mod stores;
mod sync;
mod synthetic;
mod tallies;
mod trust;
mod validation;
