//! Units through time: dated versions of every unit, reorganisation events with their
//! predecessors and successors, a dated closure table, and the links that rerouted work and
//! followed grants keep back to what they came from.
//!
//! `unit_closure` is rebuilt with a surrogate key and `valid_from`/`valid_to`: once a unit can
//! leave a parent and later return, the same (ancestor, descendant) pair can hold twice.
//! Existing rows and units are copied as open-ended versions, so a database upgraded from the
//! first migration answers every `asOf` question with its current tree.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_schema::{
    TableDef, created_at, enumeration, fk_cascade, fk_restrict, fk_set_null, sort_key,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Columns added to the tables whose open rows are rerouted to a successor unit.
const REROUTABLE: [&str; 3] = ["assignments", "report_obligations", "plan_recipients"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: the closure rebuild drops and renames tables, and each
    /// statement must see the previous one on the same connection, all or nothing.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables(manager.get_database_backend()) {
            manager.create_table(table.create).await?;
            for index in table.indexes {
                manager.create_index(index).await?;
            }
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO unit_versions (unit_id, valid_from, valid_to, code, name, short_name, \
             kind, grassroots_type, parent_id, created_at) \
             SELECT id, valid_from, valid_to, code, name, short_name, kind, grassroots_type, \
             parent_id, created_at FROM units",
        )
        .await?;
        rebuild_closure(manager, true).await?;
        for table in REROUTABLE {
            for column in [
                uuid_null("rerouted_from_id"),
                uuid_null("rerouted_to_id"),
                date_null("active_from"),
                date_null("rerouted_on"),
            ] {
                add_column(manager, table, column).await?;
            }
        }
        for column in [uuid_null("origin_grant_id"), uuid_null("reorg_event_id")] {
            add_column(manager, "role_grants", column).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["origin_grant_id", "reorg_event_id"] {
            drop_column(manager, "role_grants", column).await?;
        }
        for table in REROUTABLE {
            for column in [
                "rerouted_from_id",
                "rerouted_to_id",
                "active_from",
                "rerouted_on",
            ] {
                drop_column(manager, table, column).await?;
            }
        }
        rebuild_closure(manager, false).await?;
        for table in tables(manager.get_database_backend()).iter().rev() {
            manager
                .drop_table(Table::drop().table(table.name).to_owned())
                .await?;
        }
        Ok(())
    }
}

fn tables(backend: sea_orm::DatabaseBackend) -> Vec<TableDef> {
    vec![
        TableDef::new(
            "reorg_events",
            Table::create()
                .col(pk_uuid("id"))
                .col(text_null("code"))
                .col(enumeration("kind"))
                .col(date("effective_on"))
                .col(uuid_null("legal_basis_id"))
                .col(text("title"))
                .col(text_null("note"))
                .col(enumeration("provenance"))
                .col(sort_key(backend))
                .col(created_at())
                .foreign_key(&mut fk_restrict(
                    "reorg_events",
                    "legal_basis_id",
                    "legal_documents",
                )),
        )
        .unique(&["code"])
        .index(&["effective_on"])
        .index(&["sort_key", "id"]),
        TableDef::new(
            "reorg_event_units",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("event_id"))
                .col(uuid("unit_id"))
                .col(enumeration("role"))
                .col(boolean("routing_default"))
                .col(created_at())
                .foreign_key(&mut fk_cascade(
                    "reorg_event_units",
                    "event_id",
                    "reorg_events",
                ))
                .foreign_key(&mut fk_restrict("reorg_event_units", "unit_id", "units")),
        )
        .unique(&["event_id", "unit_id", "role"])
        .index(&["unit_id"]),
        TableDef::new(
            "unit_versions",
            Table::create()
                .col(pk_auto("id"))
                .col(uuid("unit_id"))
                .col(date_null("valid_from"))
                .col(date_null("valid_to"))
                .col(text("code"))
                .col(text("name"))
                .col(text_null("short_name"))
                .col(enumeration("kind"))
                .col(string_len_null("grassroots_type", 32))
                .col(uuid_null("parent_id"))
                .col(uuid_null("event_id"))
                .col(created_at())
                .foreign_key(&mut fk_cascade("unit_versions", "unit_id", "units"))
                .foreign_key(&mut fk_restrict("unit_versions", "parent_id", "units"))
                .foreign_key(&mut fk_set_null(
                    "unit_versions",
                    "event_id",
                    "reorg_events",
                )),
        )
        .index(&["unit_id", "valid_from"])
        .index(&["parent_id"]),
    ]
}

/// Replaces `unit_closure` by a copy in the dated shape (`dated`) or back in the first
/// migration's shape, keeping the rows that are still open.
async fn rebuild_closure(manager: &SchemaManager<'_>, dated: bool) -> Result<(), DbErr> {
    // PostgreSQL names the primary key's index after the table, so each direction copies
    // through its own temporary name.
    let temporary = if dated {
        "unit_closure_next"
    } else {
        "unit_closure_prev"
    };
    let mut create = Table::create();
    create.table(temporary);
    if dated {
        create
            .col(pk_auto("id"))
            .col(uuid("ancestor_id"))
            .col(uuid("descendant_id"))
            .col(integer("depth"))
            .col(date_null("valid_from"))
            .col(date_null("valid_to"));
    } else {
        create
            .col(uuid("ancestor_id"))
            .col(uuid("descendant_id"))
            .col(integer("depth"))
            .primary_key(Index::create().col("ancestor_id").col("descendant_id"));
    }
    create
        .foreign_key(&mut fk_cascade(temporary, "ancestor_id", "units"))
        .foreign_key(&mut fk_cascade(temporary, "descendant_id", "units"));
    manager.create_table(create.to_owned()).await?;
    let copy = if dated {
        format!(
            "INSERT INTO {temporary} (ancestor_id, descendant_id, depth) \
             SELECT ancestor_id, descendant_id, depth FROM unit_closure"
        )
    } else {
        format!(
            "INSERT INTO {temporary} (ancestor_id, descendant_id, depth) \
             SELECT ancestor_id, descendant_id, MIN(depth) FROM unit_closure \
             WHERE valid_to IS NULL GROUP BY ancestor_id, descendant_id"
        )
    };
    manager.get_connection().execute_unprepared(&copy).await?;
    manager
        .drop_table(Table::drop().table("unit_closure").to_owned())
        .await?;
    manager
        .rename_table(Table::rename().table(temporary, "unit_closure").to_owned())
        .await?;
    let mut indexes = vec![("idx_unit_closure_descendant_id", vec!["descendant_id"])];
    if dated {
        indexes.push((
            "idx_unit_closure_ancestor_id_descendant_id",
            vec!["ancestor_id", "descendant_id"],
        ));
    }
    for (name, columns) in indexes {
        let mut index = Index::create();
        index.name(name).table("unit_closure");
        for column in columns {
            index.col(column);
        }
        manager.create_index(index.to_owned()).await?;
    }
    Ok(())
}

/// One column per statement: SQLite's `ALTER TABLE` adds one at a time.
async fn add_column(
    manager: &SchemaManager<'_>,
    table: &'static str,
    mut column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

async fn drop_column(
    manager: &SchemaManager<'_>,
    table: &'static str,
    column: &'static str,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}
