//! Database schema of qcdc: one migration set for SQLite and PostgreSQL.
//!
//! Run with `Migrator::up(&db, None)`; `Migrator::down(&db, None)` removes everything.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_create_schema;
mod m20261128_000001_unit_history;
mod m20261128_000002_legal_registry;
mod m20261128_000003_task_order_index;
mod m20261129_000001_invariant_indexes;
mod m20261129_000002_actors_and_retries;
mod m20261129_000003_indicator_value_range;
mod m20261129_000004_sync_sequence;
mod m20261129_000005_province_day;
mod m20261130_000001_access_notices;
mod m20261130_000002_task_tallies;
mod m20261130_000003_access_truncate;
mod m20261130_000004_oversight;
mod m20261130_000005_reviews;
mod m20261130_000006_sync_follow_up;
mod m20261130_000010_field_provenance;
mod m20261130_000020_exemplars;
mod m20261130_000021_sync_exemplars;
mod m20261201_000001_files;
mod m20261201_000010_outgoing_numbers;
mod m20261201_000020_imports;
mod m20261202_000001_client_address;

/// Every migration of qcdc, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_schema::Migration),
            Box::new(m20261128_000001_unit_history::Migration),
            Box::new(m20261128_000002_legal_registry::Migration),
            Box::new(m20261128_000003_task_order_index::Migration),
            Box::new(m20261129_000001_invariant_indexes::Migration),
            Box::new(m20261129_000002_actors_and_retries::Migration),
            Box::new(m20261129_000003_indicator_value_range::Migration),
            Box::new(m20261129_000004_sync_sequence::Migration),
            Box::new(m20261129_000005_province_day::Migration),
            Box::new(m20261130_000001_access_notices::Migration),
            Box::new(m20261130_000002_task_tallies::Migration),
            Box::new(m20261130_000003_access_truncate::Migration),
            Box::new(m20261130_000004_oversight::Migration),
            Box::new(m20261130_000005_reviews::Migration),
            Box::new(m20261130_000006_sync_follow_up::Migration),
            Box::new(m20261130_000010_field_provenance::Migration),
            Box::new(m20261130_000020_exemplars::Migration),
            Box::new(m20261130_000021_sync_exemplars::Migration),
            Box::new(m20261201_000001_files::Migration),
            Box::new(m20261201_000010_outgoing_numbers::Migration),
            Box::new(m20261201_000020_imports::Migration),
            Box::new(m20261202_000001_client_address::Migration),
        ]
    }
}

#[cfg(test)]
mod tests;
