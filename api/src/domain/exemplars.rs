//! Reading the "Dân vận khéo" register (content 5 of Plan 24-KH/BCĐ): entries, their
//! assessments and recognitions, the criteria catalogue, and the counts for a unit's subtree
//! and a period. An entry is seen by the grants over its unit, placed in the tree as it stood
//! when the entry was registered (as reports are); the catalogue is everyone's.
//!
//! One rule counts an entry in a period ([`exemplar_rules::recognised_in`]): recognised by
//! the period's end and not retired on or before its start, so a retired entry still counts
//! in the periods it was active.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::{
    ExemplarField, ExemplarKind, ExemplarStatus, RecognitionLevel, exemplar, exemplar_assessment,
    exemplar_criterion, exemplar_recognition,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use uuid::Uuid;

use super::{
    exemplar_rules as rules,
    page::{self, Keyed, Page, PageArgs},
    scope::under_when,
    search_condition,
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

impl Keyed for exemplar::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Sort key placing the latest registered first.
pub fn sort_key(registered_on: NaiveDate, created: chrono::DateTime<chrono::Utc>) -> String {
    super::reports::sort_key(registered_on, created)
}

/// Entries of units that lay in `roots`' subtrees when they were registered.
pub fn of_units(roots: &[Uuid]) -> Condition {
    Condition::all().add(Expr::exists(under_when(
        roots,
        Expr::col((exemplar::Entity, exemplar::Column::UnitId)),
        Expr::col((exemplar::Entity, exemplar::Column::CreatedAt)),
    )))
}

/// Filters of the `exemplars` list.
#[derive(Clone, Debug, Default)]
pub struct ExemplarFilter {
    /// Of a unit of this unit's subtree.
    pub unit: Option<Uuid>,
    pub kinds: Option<Vec<ExemplarKind>>,
    pub fields: Option<Vec<ExemplarField>>,
    pub statuses: Option<Vec<ExemplarStatus>>,
    /// First recognised on or after this day.
    pub recognised_from: Option<NaiveDate>,
    /// First recognised on or before this day.
    pub recognised_to: Option<NaiveDate>,
    /// Replications of this entry.
    pub source: Option<Uuid>,
    pub search: Option<String>,
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &ExemplarFilter,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<exemplar::Model>> {
    let mut cond = Condition::all().add(of_units(&caller.read_scopes()));
    if let Some(unit) = filter.unit {
        cond = cond.add(of_units(&[unit]));
    }
    if let Some(kinds) = &filter.kinds {
        cond = cond.add(exemplar::Column::Kind.is_in(kinds.iter().copied()));
    }
    if let Some(fields) = &filter.fields {
        cond = cond.add(exemplar::Column::Field.is_in(fields.iter().copied()));
    }
    if let Some(statuses) = &filter.statuses {
        cond = cond.add(exemplar::Column::Status.is_in(statuses.iter().copied()));
    }
    if let (Some(from), Some(to)) = (filter.recognised_from, filter.recognised_to)
        && from > to
    {
        return Err(AppError::bad_input(
            "filter.recognisedTo",
            "the end of the range is before its start",
        ));
    }
    if let Some(from) = filter.recognised_from {
        cond = cond.add(exemplar::Column::RecognisedOn.gte(from));
    }
    if let Some(to) = filter.recognised_to {
        cond = cond.add(exemplar::Column::RecognisedOn.lte(to));
    }
    if let Some(source) = filter.source {
        cond = cond.add(exemplar::Column::SourceExemplarId.eq(source));
    }
    if let Some(q) = &filter.search {
        cond = cond.add(search_condition(
            exemplar::Column::SearchText,
            "filter.search",
            q,
        )?);
    }
    if let Some(since) = filter.updated_since {
        super::sync::check_not_future("filter.updatedSince", since)?;
        cond = cond.add(exemplar::Column::UpdatedAt.gte(since));
    }
    page::fetch(
        db,
        exemplar::Entity::find().filter(cond),
        exemplar::Column::SortKey,
        exemplar::Column::Id,
        args,
        count,
    )
    .await
}

/// An entry the caller sees, or `None` (unknown and unseen answer alike).
pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<exemplar::Model>> {
    Ok(exemplar::Entity::find_by_id(id)
        .filter(of_units(&caller.read_scopes()))
        .one(db)
        .await?)
}

/// The assessments of an entry, in catalogue order.
pub async fn assessments(
    db: &impl ConnectionTrait,
    exemplar_id: Uuid,
) -> AppResult<Vec<exemplar_assessment::Model>> {
    Ok(exemplar_assessment::Entity::find()
        .filter(exemplar_assessment::Column::ExemplarId.eq(exemplar_id))
        .order_by_asc(exemplar_assessment::Column::CreatedAt)
        .order_by_asc(exemplar_assessment::Column::Id)
        .all(db)
        .await?)
}

/// The recognitions of an entry, oldest first.
pub async fn recognitions(
    db: &impl ConnectionTrait,
    exemplar_id: Uuid,
) -> AppResult<Vec<exemplar_recognition::Model>> {
    Ok(exemplar_recognition::Entity::find()
        .filter(exemplar_recognition::Column::ExemplarId.eq(exemplar_id))
        .order_by_asc(exemplar_recognition::Column::RecognisedOn)
        .order_by_asc(exemplar_recognition::Column::CreatedAt)
        .all(db)
        .await?)
}

/// The criteria catalogue (inactive ones too when `include_inactive`), by code.
pub async fn criteria(
    db: &impl ConnectionTrait,
    include_inactive: bool,
) -> AppResult<Vec<exemplar_criterion::Model>> {
    let mut query = exemplar_criterion::Entity::find();
    if !include_inactive {
        query = query.filter(exemplar_criterion::Column::Active.eq(true));
    }
    Ok(query
        .order_by_asc(exemplar_criterion::Column::Code)
        .all(db)
        .await?)
}

/// One criterion by id.
pub async fn criterion(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<exemplar_criterion::Model>> {
    Ok(exemplar_criterion::Entity::find_by_id(id).one(db).await?)
}

/// The mandatory criteria applicable to an entry that it does not meet (codes).
pub async fn unmet_mandatory(
    db: &impl ConnectionTrait,
    e: &exemplar::Model,
) -> AppResult<Vec<String>> {
    let catalogue = criteria(db, false).await?;
    let assessed = assessments(db, e.id)
        .await?
        .into_iter()
        .map(|a| (a.criterion_id, a.met))
        .collect();
    let view: Vec<rules::Criterion<'_>> = catalogue.iter().map(rule_view).collect();
    Ok(rules::unmet_mandatory(&view, &assessed, e.field)
        .into_iter()
        .map(str::to_owned)
        .collect())
}

/// The rules' view of a criterion.
pub fn rule_view(c: &exemplar_criterion::Model) -> rules::Criterion<'_> {
    rules::Criterion {
        id: c.id,
        code: &c.code,
        field: c.field,
        mandatory: c.mandatory,
        active: c.active,
    }
}

/// Entries of units in `subtree_root`'s subtree (as it stood when each was registered) of one
/// of `kinds`, recognised and active in `[from, to]`: what the register holds against the
/// indicators `C5.DVK_MODELS` (models) and `C5.DVK_EXEMPLARS` (collectives and individuals).
pub async fn recognised_count(
    db: &impl ConnectionTrait,
    subtree_root: Uuid,
    kinds: &[ExemplarKind],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<i64> {
    rules::check_period(from, to)?;
    let n = exemplar::Entity::find()
        .filter(of_units(&[subtree_root]))
        .filter(exemplar::Column::Kind.is_in(kinds.iter().copied()))
        .filter(exemplar::Column::RecognisedOn.lte(to))
        .filter(
            Condition::any()
                .add(exemplar::Column::RetiredOn.is_null())
                .add(exemplar::Column::RetiredOn.gt(from)),
        )
        .count(db)
        .await?;
    i64::try_from(n).map_err(|_| AppError::internal(anyhow::anyhow!("count past i64")))
}

/// How many entries of one bucket are on the register in the period, and how many of them
/// count as recognised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub entries: u64,
    pub recognised: u64,
}

/// The register of a unit's subtree for a period.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub unit_id: Uuid,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub total: Tally,
    /// Entries that replicate another, registered in the period.
    pub replicated: u64,
    pub by_kind: BTreeMap<&'static str, (ExemplarKind, Tally)>,
    pub by_field: BTreeMap<&'static str, (ExemplarField, Tally)>,
    /// Current status of the entries on the register in the period.
    pub by_status: BTreeMap<&'static str, (ExemplarStatus, u64)>,
    /// Recognitions given in the period, by level.
    pub by_level: BTreeMap<&'static str, (RecognitionLevel, u64)>,
}

/// Counts the register of `unit_id`'s subtree for `[start, end]`: entries registered by its
/// end and not retired on or before its start, by kind, field and status; how many of them
/// count as recognised; recognitions given in the period by level.
///
/// Errors: `NOT_FOUND` for a unit the caller cannot see, `FORBIDDEN` for one it sees outside
/// its scope (as every rollup), `BAD_USER_INPUT` for a period ending before it starts.
pub async fn summary(
    db: &impl ConnectionTrait,
    caller: &Caller,
    unit_id: Uuid,
    start: NaiveDate,
    end: NaiveDate,
) -> AppResult<Summary> {
    rules::check_period(start, end)?;
    super::rollups::subject_unit(db, caller, unit_id, super::rollups::Tree::default()).await?;
    let entries = exemplar::Entity::find()
        .filter(of_units(&[unit_id]))
        .filter(exemplar::Column::RegisteredOn.lte(end))
        .filter(
            Condition::any()
                .add(exemplar::Column::RetiredOn.is_null())
                .add(exemplar::Column::RetiredOn.gt(start)),
        )
        .all(db)
        .await?;
    let mut s = Summary {
        unit_id,
        period_start: start,
        period_end: end,
        ..Summary::default()
    };
    for e in &entries {
        let recognised = u64::from(rules::recognised_in(
            e.recognised_on,
            e.retired_on,
            start,
            end,
        ));
        let add = |t: &mut Tally| {
            t.entries += 1;
            t.recognised += recognised;
        };
        add(&mut s.total);
        add(&mut s
            .by_kind
            .entry(e.kind.as_str())
            .or_insert((e.kind, Tally::default()))
            .1);
        add(&mut s
            .by_field
            .entry(e.field.as_str())
            .or_insert((e.field, Tally::default()))
            .1);
        s.by_status
            .entry(e.status.as_str())
            .or_insert((e.status, 0))
            .1 += 1;
        if e.source_exemplar_id.is_some() && e.registered_on >= start {
            s.replicated += 1;
        }
    }
    let ids: Vec<Uuid> = entries.iter().map(|e| e.id).collect();
    for chunk in ids.chunks(1_000) {
        let given = exemplar_recognition::Entity::find()
            .filter(exemplar_recognition::Column::ExemplarId.is_in(chunk.iter().copied()))
            .filter(exemplar_recognition::Column::RecognisedOn.gte(start))
            .filter(exemplar_recognition::Column::RecognisedOn.lte(end))
            .all(db)
            .await?;
        for r in given {
            s.by_level.entry(r.level.as_str()).or_insert((r.level, 0)).1 += 1;
        }
    }
    Ok(s)
}
