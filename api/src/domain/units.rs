//! Organisational units: the tree every scope is measured on.

use entity::{Provenance, UnitKind, unit, unit_closure};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{
    page::{self, Keyed, Page, PageArgs},
    scope, search_condition,
};
use crate::{auth::Caller, error::AppResult};

impl Keyed for unit::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Filters of the `units` list.
#[derive(Clone, Debug, Default)]
pub struct UnitFilter {
    /// Only the subtree of this unit (itself included).
    pub within: Option<Uuid>,
    /// Only direct children of this unit.
    pub parent: Option<Uuid>,
    pub kinds: Option<Vec<UnitKind>>,
    pub search: Option<String>,
    /// Only the unit whose code is exactly this (after NFC and trimming; case matters).
    pub code: Option<String>,
    pub provenance: Option<Provenance>,
    /// Only records changed at or after this time (incremental sync).
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// The tree of this day: only units existing then, with that day's name, kind and parent.
    pub as_of: Option<chrono::NaiveDate>,
}

/// Units the caller may see that match `filter`, in Vietnamese alphabetical order.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &UnitFilter,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<unit::Model>> {
    use super::lineage;
    let mut cond = Condition::all().add(scope::visible_units(&caller.read_scopes()));
    if let Some(day) = filter.as_of {
        cond = cond.add(unit::Column::Id.in_subquery(lineage::existing_on(day)));
    }
    if let Some(root) = filter.within {
        cond = cond.add(unit::Column::Id.in_subquery(match filter.as_of {
            Some(day) => lineage::subtree_on(&[root], day),
            None => scope::subtree(&[root]),
        }));
    }
    if let Some(parent) = filter.parent {
        cond = cond.add(match filter.as_of {
            Some(day) => unit::Column::Id.in_subquery(lineage::children_on(parent, day)),
            None => unit::Column::ParentId.eq(parent),
        });
    }
    if let Some(kinds) = &filter.kinds {
        cond = cond.add(match filter.as_of {
            Some(day) => unit::Column::Id.in_subquery(lineage::of_kinds_on(kinds, day)),
            None => unit::Column::Kind.is_in(kinds.iter().copied()),
        });
    }
    if let Some(code) = &filter.code {
        cond = cond.add(unit::Column::Code.eq(crate::text::clean(code)));
    }
    if let Some(p) = filter.provenance {
        cond = cond.add(unit::Column::Provenance.eq(p));
    }
    if let Some(q) = &filter.search {
        cond = cond.add(search_condition(
            unit::Column::SearchText,
            "filter.search",
            q,
        )?);
    }
    if let Some(since) = filter.updated_since {
        super::sync::check_not_future("filter.updatedSince", since)?;
        cond = cond.add(unit::Column::UpdatedAt.gte(since));
    }
    let page = page::fetch(
        db,
        unit::Entity::find().filter(cond),
        unit::Column::SortKey,
        unit::Column::Id,
        args,
        count,
    )
    .await?;
    match filter.as_of {
        Some(day) => {
            let ids: Vec<Uuid> = page.items.iter().map(|u| u.id).collect();
            let versions = lineage::versions_on(db, &ids, day).await?;
            Ok(page.map(|u| match versions.get(&u.id) {
                Some(v) => lineage::as_of(u, v),
                None => u,
            }))
        }
        None => Ok(page),
    }
}

/// A unit the caller may see, or `None`; with `as_of`, as it was that day (`None` when it did
/// not exist then).
pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    as_of: Option<chrono::NaiveDate>,
) -> AppResult<Option<unit::Model>> {
    let Some(found) = unit::Entity::find_by_id(id)
        .filter(scope::visible_units(&caller.read_scopes()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(day) = as_of else {
        return Ok(Some(found));
    };
    let versions = super::lineage::versions_on(db, &[id], day).await?;
    Ok(versions.get(&id).map(|v| super::lineage::as_of(found, v)))
}

/// The unit with exactly `code` (after NFC and trimming), if the caller may see it.
pub async fn get_by_code(
    db: &impl ConnectionTrait,
    caller: &Caller,
    code: &str,
) -> AppResult<Option<unit::Model>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::Code.eq(crate::text::clean(code)))
        .filter(scope::visible_units(&caller.read_scopes()))
        .one(db)
        .await?)
}

/// A unit by code, regardless of scope (for seeding and administration).
pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> AppResult<Option<unit::Model>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::Code.eq(code))
        .one(db)
        .await?)
}

/// Ancestors of `unit` from the root down, excluding the unit itself, on `day` (by default
/// `today`, or the unit's last day when it has closed), each as it was that day.
pub async fn ancestors(
    db: &impl ConnectionTrait,
    unit: &unit::Model,
    day: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> AppResult<Vec<unit::Model>> {
    use super::lineage;
    let day = day.unwrap_or_else(|| match unit.valid_to {
        Some(end) => end.pred_opt().unwrap_or(end),
        None => today,
    });
    let rows = unit_closure::Entity::find()
        .filter(unit_closure::Column::DescendantId.eq(unit.id))
        .filter(unit_closure::Column::Depth.gt(0))
        .filter(lineage::holds_on(
            unit_closure::Column::ValidFrom,
            unit_closure::Column::ValidTo,
            day,
        ))
        .order_by_desc(unit_closure::Column::Depth)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.ancestor_id).collect();
    let versions = lineage::versions_on(db, &ids, day).await?;
    let mut units: Vec<unit::Model> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| match versions.get(&u.id) {
            Some(v) => lineage::as_of(u, v),
            None => u,
        })
        .collect();
    units.sort_by_key(|u| ids.iter().position(|a| *a == u.id));
    Ok(units)
}

/// Whether every unit of `units` lies, or once lay, in one of the subtrees of `roots`.
pub async fn all_within(
    db: &impl ConnectionTrait,
    roots: &[Uuid],
    units: &[Uuid],
) -> AppResult<bool> {
    within(db, roots, units, None).await
}

/// Whether every unit of `units` lies in one of the subtrees of `roots` on `day`.
pub async fn all_within_on(
    db: &impl ConnectionTrait,
    roots: &[Uuid],
    units: &[Uuid],
    day: chrono::NaiveDate,
) -> AppResult<bool> {
    within(db, roots, units, Some(day)).await
}

async fn within(
    db: &impl ConnectionTrait,
    roots: &[Uuid],
    units: &[Uuid],
    day: Option<chrono::NaiveDate>,
) -> AppResult<bool> {
    if units.is_empty() {
        return Ok(true);
    }
    let mut query = unit_closure::Entity::find();
    if let Some(day) = day {
        query = query.filter(super::lineage::holds_on(
            unit_closure::Column::ValidFrom,
            unit_closure::Column::ValidTo,
            day,
        ));
    }
    let found = query
        .select_only()
        .column(unit_closure::Column::DescendantId)
        .filter(unit_closure::Column::AncestorId.is_in(roots.iter().copied()))
        .filter(unit_closure::Column::DescendantId.is_in(units.iter().copied()))
        .distinct()
        .into_tuple::<Uuid>()
        .all(db)
        .await?;
    Ok(units.iter().all(|u| found.contains(u)))
}

/// A unit to create.
#[derive(Clone, Debug)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: UnitKind,
    pub grassroots_type: Option<entity::GrassrootsType>,
    pub parent_id: Option<Uuid>,
    pub valid_from: Option<chrono::NaiveDate>,
    pub valid_to: Option<chrono::NaiveDate>,
    pub provenance: Provenance,
    pub note: Option<String>,
    /// Fields whose provenance differs from `provenance` (`domain::provenance::encode`).
    pub field_provenance: Option<String>,
    /// The reorganisation that creates the unit.
    pub event_id: Option<Uuid>,
}

/// Inserts a unit, its first version and its closure rows (itself at depth 0, then every
/// ancestor of its parent), all from its `valid_from`.
/// Callers run it inside a transaction with the rest of their change.
pub async fn create(db: &impl ConnectionTrait, new: NewUnit) -> AppResult<unit::Model> {
    use crate::text;
    use sea_orm::{ActiveModelTrait, Set};

    let name = text::clean(&new.name);
    let short_name = new.short_name.as_deref().map(text::clean);
    let search_text = text::fold(&format!(
        "{} {} {}",
        new.code,
        name,
        short_name.as_deref().unwrap_or_default()
    ));
    let now = chrono::Utc::now();
    let id = Uuid::now_v7();
    let model = unit::ActiveModel {
        id: Set(id),
        code: Set(new.code.trim().to_owned()),
        sort_key: Set(text::collation_key(&name)),
        name: Set(name),
        short_name: Set(short_name),
        kind: Set(new.kind),
        grassroots_type: Set(new.grassroots_type),
        parent_id: Set(new.parent_id),
        successor_id: Set(None),
        valid_from: Set(new.valid_from),
        valid_to: Set(new.valid_to),
        provenance: Set(new.provenance),
        note: Set(new.note.as_deref().map(text::clean)),
        field_provenance: Set(new.field_provenance),
        search_text: Set(search_text),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await?;

    entity::unit_version::ActiveModel {
        id: sea_orm::NotSet,
        unit_id: Set(id),
        valid_from: Set(model.valid_from),
        valid_to: Set(model.valid_to),
        code: Set(model.code.clone()),
        name: Set(model.name.clone()),
        short_name: Set(model.short_name.clone()),
        kind: Set(model.kind),
        grassroots_type: Set(model.grassroots_type),
        parent_id: Set(model.parent_id),
        event_id: Set(new.event_id),
        created_at: Set(now),
    }
    .insert(db)
    .await?;

    let (from, to) = (new.valid_from, new.valid_to);
    let mut closure = vec![unit_closure::ActiveModel {
        id: sea_orm::NotSet,
        ancestor_id: Set(id),
        descendant_id: Set(id),
        depth: Set(0),
        valid_from: Set(from),
        valid_to: Set(to),
    }];
    if let Some(parent) = new.parent_id {
        // The pairs of the parent that hold when the new unit begins (all of them when it has
        // always existed).
        let mut above = unit_closure::Entity::find()
            .filter(unit_closure::Column::DescendantId.eq(parent))
            .filter(unit_closure::Column::ValidTo.is_null());
        if let Some(day) = from {
            above = above.filter(super::lineage::holds_on(
                unit_closure::Column::ValidFrom,
                unit_closure::Column::ValidTo,
                day,
            ));
        }
        let above = above.all(db).await?;
        if above.is_empty() {
            return Err(crate::error::AppError::bad_input(
                "parentId",
                "parent unit not found",
            ));
        }
        closure.extend(above.into_iter().map(|row| unit_closure::ActiveModel {
            id: sea_orm::NotSet,
            ancestor_id: Set(row.ancestor_id),
            descendant_id: Set(id),
            depth: Set(row.depth + 1),
            valid_from: Set(from),
            valid_to: Set(to),
        }));
    }
    unit_closure::Entity::insert_many(closure).exec(db).await?;
    Ok(model)
}
