//! The unit tree through time: dated versions of each unit and a dated closure table.
//!
//! Spans are half-open: a version or closure row holds from `valid_from` (or always) up to the
//! day before `valid_to` (or for good). Nothing is deleted when the tree changes, only closed,
//! so the tree of any date can be read back. Every change here runs inside the caller's
//! transaction.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::{UnitKind, unit, unit_closure, unit_version};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, Set,
    sea_query::{Expr, Query, SelectStatement},
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Rows of a dated table that hold on `day`.
pub fn holds_on(from: impl ColumnTrait, to: impl ColumnTrait, day: NaiveDate) -> Condition {
    Condition::all()
        .add(Condition::any().add(from.is_null()).add(from.lte(day)))
        .add(Condition::any().add(to.is_null()).add(to.gt(day)))
}

/// Ids of the units in the subtrees of `roots` on `day` (roots included when they exist then).
pub fn subtree_on(roots: &[Uuid], day: NaiveDate) -> SelectStatement {
    Query::select()
        .column(unit_closure::Column::DescendantId)
        .from(unit_closure::Entity)
        .and_where(unit_closure::Column::AncestorId.is_in(roots.iter().copied()))
        .cond_where(holds_on(
            unit_closure::Column::ValidFrom,
            unit_closure::Column::ValidTo,
            day,
        ))
        .to_owned()
}

/// Ids of the units whose version on `day` has `parent` as parent.
pub fn children_on(parent: Uuid, day: NaiveDate) -> SelectStatement {
    Query::select()
        .column(unit_version::Column::UnitId)
        .from(unit_version::Entity)
        .and_where(unit_version::Column::ParentId.eq(parent))
        .cond_where(version_on(day))
        .to_owned()
}

/// Ids of the units whose version on `day` has one of `kinds`.
pub fn of_kinds_on(kinds: &[UnitKind], day: NaiveDate) -> SelectStatement {
    Query::select()
        .column(unit_version::Column::UnitId)
        .from(unit_version::Entity)
        .and_where(unit_version::Column::Kind.is_in(kinds.iter().copied()))
        .cond_where(version_on(day))
        .to_owned()
}

/// Ids of the units that exist on `day`.
pub fn existing_on(day: NaiveDate) -> SelectStatement {
    Query::select()
        .column(unit_version::Column::UnitId)
        .from(unit_version::Entity)
        .cond_where(version_on(day))
        .to_owned()
}

fn version_on(day: NaiveDate) -> Condition {
    holds_on(
        unit_version::Column::ValidFrom,
        unit_version::Column::ValidTo,
        day,
    )
}

/// The versions of `units` on `day`, by unit.
pub async fn versions_on(
    db: &impl ConnectionTrait,
    units: &[Uuid],
    day: NaiveDate,
) -> AppResult<HashMap<Uuid, unit_version::Model>> {
    if units.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(unit_version::Entity::find()
        .filter(unit_version::Column::UnitId.is_in(units.iter().copied()))
        .filter(version_on(day))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.unit_id, v))
        .collect())
}

/// `unit` as it was on `day`: its current record with that day's name, code, kind and parent.
pub fn as_of(mut unit: unit::Model, version: &unit_version::Model) -> unit::Model {
    unit.code.clone_from(&version.code);
    unit.name.clone_from(&version.name);
    unit.short_name.clone_from(&version.short_name);
    unit.kind = version.kind;
    unit.grassroots_type = version.grassroots_type;
    unit.parent_id = version.parent_id;
    unit
}

/// Every version of `unit`, oldest first.
pub async fn history(db: &impl ConnectionTrait, unit: Uuid) -> AppResult<Vec<unit_version::Model>> {
    let mut versions = unit_version::Entity::find()
        .filter(unit_version::Column::UnitId.eq(unit))
        .all(db)
        .await?;
    versions.sort_by_key(|v| (v.valid_from, v.id));
    Ok(versions)
}

/// The latest version of `unit` (the one with no end).
async fn latest(db: &impl ConnectionTrait, unit: Uuid) -> AppResult<unit_version::Model> {
    unit_version::Entity::find()
        .filter(unit_version::Column::UnitId.eq(unit))
        .filter(unit_version::Column::ValidTo.is_null())
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("predecessors", "the unit is already closed"))
}

/// Refuses a change on `day` that would fall before the unit's latest version began: history
/// is appended in date order, never rewritten.
pub async fn require_open_on(
    db: &impl ConnectionTrait,
    field: &str,
    unit: &unit::Model,
    day: NaiveDate,
) -> AppResult<()> {
    let current = latest(db, unit.id)
        .await
        .map_err(|_| AppError::bad_input(field, format!("{} is already closed", unit.name)))?;
    if current.valid_from.is_some_and(|from| from > day) {
        return Err(AppError::bad_input(
            field,
            format!(
                "{} changed on a later date; reorganisations are recorded in date order",
                unit.name
            ),
        ));
    }
    Ok(())
}

/// Units whose version on `day` sits directly under `parent` and has no end yet.
pub async fn open_children(
    db: &impl ConnectionTrait,
    parent: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    Ok(unit_version::Entity::find()
        .filter(unit_version::Column::ParentId.eq(parent))
        .filter(unit_version::Column::ValidTo.is_null())
        .filter(version_on(day))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.unit_id)
        .collect())
}

/// Closes `unit` from `day`: its version and every closure row it is part of. Its open
/// sub-units must have been moved or closed first.
pub async fn close(
    db: &impl ConnectionTrait,
    unit: &unit::Model,
    day: NaiveDate,
    successor: Option<Uuid>,
) -> AppResult<unit::Model> {
    if !open_children(db, unit.id, day).await?.is_empty() {
        return Err(AppError::bad_input(
            "childrenTo",
            format!("{} still has open sub-units: say where they go", unit.name),
        ));
    }
    end_version(db, unit.id, day).await?;
    end_closure(
        db,
        Condition::any()
            .add(unit_closure::Column::DescendantId.eq(unit.id))
            .add(unit_closure::Column::AncestorId.eq(unit.id)),
        day,
    )
    .await?;
    let mut am = unit.clone().into_active_model();
    am.valid_to = Set(Some(day));
    am.successor_id = Set(successor);
    am.updated_at = Set(Utc::now());
    am.version = Set(unit.version + 1);
    Ok(am.update(db).await?)
}

/// Ends the open version of `unit` the day before `day`; a version that began on `day` itself
/// is removed, since it never held.
async fn end_version(db: &impl ConnectionTrait, unit: Uuid, day: NaiveDate) -> AppResult<()> {
    unit_version::Entity::delete_many()
        .filter(unit_version::Column::UnitId.eq(unit))
        .filter(unit_version::Column::ValidTo.is_null())
        .filter(unit_version::Column::ValidFrom.eq(day))
        .exec(db)
        .await?;
    unit_version::Entity::update_many()
        .col_expr(unit_version::Column::ValidTo, Expr::value(day))
        .filter(unit_version::Column::UnitId.eq(unit))
        .filter(unit_version::Column::ValidTo.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends the open closure rows matching `rows` from `day` (rows opened that same day go).
async fn end_closure(db: &impl ConnectionTrait, rows: Condition, day: NaiveDate) -> AppResult<()> {
    unit_closure::Entity::delete_many()
        .filter(rows.clone())
        .filter(unit_closure::Column::ValidTo.is_null())
        .filter(unit_closure::Column::ValidFrom.eq(day))
        .exec(db)
        .await?;
    unit_closure::Entity::update_many()
        .col_expr(unit_closure::Column::ValidTo, Expr::value(day))
        .filter(rows)
        .filter(unit_closure::Column::ValidTo.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// What a new version changes; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct Revision {
    pub code: Option<String>,
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub kind: Option<UnitKind>,
    /// `Some(None)` makes the unit a root.
    pub parent: Option<Option<Uuid>>,
}

/// Opens a new version of `unit` from `day` with `change`; a new parent moves its whole
/// subtree. Returns the unit's updated record.
pub async fn revise(
    db: &impl ConnectionTrait,
    unit: &unit::Model,
    day: NaiveDate,
    change: &Revision,
    event: Option<Uuid>,
) -> AppResult<unit::Model> {
    let current = latest(db, unit.id).await?;
    let mut next = current.clone();
    if let Some(code) = &change.code {
        next.code.clone_from(code);
    }
    if let Some(name) = &change.name {
        next.name.clone_from(name);
    }
    if let Some(short) = &change.short_name {
        next.short_name = Some(short.clone());
    }
    if let Some(kind) = change.kind {
        next.kind = kind;
    }
    if let Some(parent) = change.parent {
        next.parent_id = parent;
    }
    if next.parent_id != current.parent_id {
        move_subtree(db, unit, next.parent_id, day).await?;
    }
    end_version(db, unit.id, day).await?;
    unit_version::ActiveModel {
        id: sea_orm::NotSet,
        unit_id: Set(unit.id),
        valid_from: Set(Some(day)),
        valid_to: Set(None),
        code: Set(next.code.clone()),
        name: Set(next.name.clone()),
        short_name: Set(next.short_name.clone()),
        kind: Set(next.kind),
        grassroots_type: Set(next.grassroots_type),
        parent_id: Set(next.parent_id),
        event_id: Set(event),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    let mut am = unit.clone().into_active_model();
    am.search_text = Set(crate::text::fold(&format!(
        "{} {} {}",
        next.code,
        next.name,
        next.short_name.as_deref().unwrap_or_default()
    )));
    am.sort_key = Set(crate::text::collation_key(&next.name));
    am.code = Set(next.code);
    am.name = Set(next.name);
    am.short_name = Set(next.short_name);
    am.kind = Set(next.kind);
    am.parent_id = Set(next.parent_id);
    am.updated_at = Set(Utc::now());
    am.version = Set(unit.version + 1);
    Ok(am.update(db).await?)
}

/// Moves `unit` and its open subtree under `parent` from `day`: the pairs linking the subtree
/// to its old ancestors close, pairs to the new ancestors open.
async fn move_subtree(
    db: &impl ConnectionTrait,
    unit: &unit::Model,
    parent: Option<Uuid>,
    day: NaiveDate,
) -> AppResult<()> {
    let open = |c: Condition| {
        c.add(unit_closure::Column::ValidTo.is_null()).add(holds_on(
            unit_closure::Column::ValidFrom,
            unit_closure::Column::ValidTo,
            day,
        ))
    };
    let below = unit_closure::Entity::find()
        .filter(open(
            Condition::all().add(unit_closure::Column::AncestorId.eq(unit.id)),
        ))
        .all(db)
        .await?;
    if let Some(p) = parent
        && below.iter().any(|row| row.descendant_id == p)
    {
        return Err(AppError::bad_input(
            "parentId",
            "a unit cannot move under its own sub-unit",
        ));
    }
    let above = unit_closure::Entity::find()
        .filter(open(
            Condition::all()
                .add(unit_closure::Column::DescendantId.eq(unit.id))
                .add(unit_closure::Column::Depth.gt(0)),
        ))
        .all(db)
        .await?;
    let descendants: Vec<Uuid> = below.iter().map(|r| r.descendant_id).collect();
    if !above.is_empty() {
        end_closure(
            db,
            Condition::all()
                .add(unit_closure::Column::AncestorId.is_in(above.iter().map(|r| r.ancestor_id)))
                .add(unit_closure::Column::DescendantId.is_in(descendants.iter().copied())),
            day,
        )
        .await?;
    }
    let Some(parent) = parent else {
        return Ok(());
    };
    let new_above = unit_closure::Entity::find()
        .filter(open(
            Condition::all().add(unit_closure::Column::DescendantId.eq(parent)),
        ))
        .all(db)
        .await?;
    if new_above.is_empty() {
        return Err(AppError::bad_input(
            "parentId",
            "the new parent does not exist on that date",
        ));
    }
    let rows: Vec<unit_closure::ActiveModel> = new_above
        .iter()
        .flat_map(|a| {
            below.iter().map(move |b| unit_closure::ActiveModel {
                id: sea_orm::NotSet,
                ancestor_id: Set(a.ancestor_id),
                descendant_id: Set(b.descendant_id),
                depth: Set(a.depth + 1 + b.depth),
                valid_from: Set(Some(day)),
                valid_to: Set(None),
            })
        })
        .collect();
    unit_closure::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}
