//! Batched lookups behind the per-request loaders (`api/src/graphql/loaders.rs`): one query
//! per relation and level for a whole page of parents, so a nested field never runs one query
//! per row. Records that belong to units load through the caller's read scope (`scope`).

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::error::AppResult;

/// The rows of `E` whose primary key is one of `keys`, within `scope` when given.
pub async fn by_ids<E: EntityTrait>(
    db: &impl ConnectionTrait,
    keys: &[Uuid],
    scope: Option<&Condition>,
) -> AppResult<Vec<E::Model>> {
    use sea_orm::{Iterable, PrimaryKeyToColumn};
    let Some(pk) = E::PrimaryKey::iter().next() else {
        return Ok(Vec::new());
    };
    let mut query = E::find().filter(pk.into_column().is_in(keys.iter().copied()));
    if let Some(scope) = scope {
        query = query.filter(scope.clone());
    }
    Ok(query.all(db).await?)
}

/// The rows of `E` whose `group` column is one of `keys`, ordered by `order` (then `tie`).
pub async fn by_group<E: EntityTrait>(
    db: &impl ConnectionTrait,
    group: E::Column,
    keys: &[Uuid],
    order: E::Column,
    tie: Option<E::Column>,
) -> AppResult<Vec<E::Model>> {
    let mut query = E::find()
        .filter(group.is_in(keys.iter().copied()))
        .order_by_asc(order);
    if let Some(tie) = tie {
        query = query.order_by_asc(tie);
    }
    Ok(query.all(db).await?)
}

/// The rows of `E` whose `key` column is one of `keys` (within `scope` when given), each with
/// the row of `R` it refers to through `relation`, in one statement: a list and the records
/// its items point at (a task's assignments and their units), where two lookups would cost
/// two round trips.
pub async fn with_related<E: EntityTrait, R: EntityTrait>(
    db: &impl ConnectionTrait,
    key: E::Column,
    keys: &[Uuid],
    scope: Option<&Condition>,
    relation: sea_orm::RelationDef,
    order: Option<E::Column>,
) -> AppResult<Vec<(E::Model, Option<R::Model>)>> {
    use sea_orm::{JoinType, QuerySelect};
    let mut query = E::find()
        .filter(key.is_in(keys.iter().copied()))
        .join(JoinType::LeftJoin, relation)
        .select_also(R::default());
    if let Some(scope) = scope {
        query = query.filter(scope.clone());
    }
    if let Some(order) = order {
        query = query.order_by_asc(order);
    }
    Ok(query.all(db).await?)
}

/// The newest revision (highest `revision`) of the report answering each obligation among
/// `obligations`, within the caller's read scope `scope`.
pub async fn newest_reports(
    db: &impl ConnectionTrait,
    obligations: &[Uuid],
    scope: &Condition,
) -> AppResult<Vec<entity::report::Model>> {
    use entity::report;
    let rows = report::Entity::find()
        .filter(report::Column::ObligationId.is_in(obligations.iter().copied()))
        .filter(scope.clone())
        .order_by_desc(report::Column::Revision)
        .all(db)
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|r| r.obligation_id.is_some_and(|o| seen.insert(o)))
        .collect())
}

/// The units in the subtrees of `scopes` (themselves included).
pub async fn units_under(db: &impl ConnectionTrait, scopes: &[Uuid]) -> AppResult<Vec<Uuid>> {
    Ok(entity::unit_closure::Entity::find()
        .select_only()
        .column(entity::unit_closure::Column::DescendantId)
        .filter(entity::unit_closure::Column::AncestorId.is_in(scopes.iter().copied()))
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}
