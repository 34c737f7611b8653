//! Reorganisation events: merge, absorb, split, partial transfer, rename, reclassify, move and
//! dissolve, applied in one transaction. Predecessors' versions close and successors' open,
//! open work is rerouted, and grants follow where following cannot widen anyone's access.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::{
    GrassrootsType, Provenance, ReorgKind, ReorgRole, UnitKind, reorg_event, reorg_event_unit,
    role_grant, unit, unit_closure,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    authz,
    lineage::{self, Revision},
    planning::{load_unit, optional_text, required_text},
    reroute::{self, Rerouted},
    units::{self, NewUnit},
    write::Writer,
};
use crate::{
    error::{AppError, AppResult},
    text,
};

impl super::page::Keyed for reorg_event::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// A unit a reorganisation creates.
#[derive(Clone, Debug)]
pub struct SuccessorUnit {
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: UnitKind,
    pub grassroots_type: Option<GrassrootsType>,
    /// Parent from the effective date; by default the first predecessor's parent.
    pub parent: Option<Uuid>,
    /// Receives the predecessors' open work (SPLIT: exactly one successor says so).
    pub routing_default: bool,
    /// The first day the unit no longer exists: the end of a community board's
    /// term (Law 10/2022/QH15: a People's Inspection Board serves the term of the commune's
    /// Fatherland Front committee). `None`: open-ended.
    pub valid_to: Option<NaiveDate>,
}

/// A reorganisation to apply.
#[derive(Clone, Debug)]
pub struct NewReorg {
    /// Stable code for scenario files; a second event with the same code is a `CONFLICT`.
    pub code: Option<String>,
    pub kind: ReorgKind,
    pub effective_on: NaiveDate,
    pub legal_basis: Option<Uuid>,
    pub title: String,
    pub note: Option<String>,
    pub provenance: Provenance,
    /// Units the event closes (MERGE_NEW, ABSORB, SPLIT, DISSOLVE) or changes (RENAME,
    /// RECLASSIFY, REPARENT), or the unit giving up sub-units (PARTIAL_TRANSFER).
    pub predecessors: Vec<Uuid>,
    /// The existing unit that continues: the absorbing unit (ABSORB), the receiving unit
    /// (PARTIAL_TRANSFER), the unit taking over open work (DISSOLVE).
    pub successor: Option<Uuid>,
    /// Units the event creates (MERGE_NEW: one; SPLIT: two or more).
    pub new_units: Vec<SuccessorUnit>,
    /// RENAME, RECLASSIFY, REPARENT: what changes.
    pub revision: Revision,
    /// PARTIAL_TRANSFER: the sub-units that move.
    pub transferred: Vec<Uuid>,
    /// Where the open sub-units of closing units go, when the kind has no natural place.
    pub children_to: Option<Uuid>,
    /// Predecessor → unit receiving its open work, overriding the default.
    pub routing: Vec<(Uuid, Uuid)>,
}

/// An applied reorganisation and what it moved.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Applied {
    pub event: reorg_event::Model,
    pub successors: Vec<Uuid>,
    pub rerouted: Rerouted,
    pub grants_issued: u32,
}

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::bad_input(field, message)
}

/// Codes and names of the event, its new units and a renamed unit, each through
/// [`text::parse_line`]: what is stored and compared is the parsed form.
fn parse_text(mut new: NewReorg) -> AppResult<NewReorg> {
    let line = |field: &str, value: &str| -> AppResult<String> {
        let parsed = text::parse_line(field, value)?;
        if parsed.is_empty() {
            return Err(bad(field, "must not be empty"));
        }
        if parsed.chars().count() > 2_000 {
            return Err(bad(field, "is limited to 2,000 characters"));
        }
        Ok(parsed)
    };
    let optional = |field: &str, value: Option<String>| -> AppResult<Option<String>> {
        value
            .map(|v| text::parse_line(field, &v))
            .transpose()
            .map(|v| v.filter(|v| !v.is_empty()))
    };
    new.code = new.code.map(|c| line("code", &c)).transpose()?;
    for unit in &mut new.new_units {
        unit.code = line("newUnits.code", &unit.code)?;
        unit.name = line("newUnits.name", &unit.name)?;
        unit.short_name = optional("newUnits.shortName", unit.short_name.take())?;
    }
    new.revision.code = new.revision.code.map(|c| line("code", &c)).transpose()?;
    new.revision.name = new.revision.name.map(|n| line("name", &n)).transpose()?;
    new.revision.short_name = new
        .revision
        .short_name
        .map(|n| text::parse_line("shortName", &n))
        .transpose()?;
    Ok(new)
}

/// Checks the shape each kind needs before anything is read.
fn check_shape(new: &NewReorg) -> AppResult<()> {
    let preds = new.predecessors.len();
    let fresh = new.new_units.len();
    let changes = &new.revision;
    match new.kind {
        ReorgKind::MergeNew if preds < 2 => {
            Err(bad("predecessors", "a merge needs two or more units"))
        }
        ReorgKind::MergeNew if fresh != 1 => {
            Err(bad("newUnits", "a merge creates exactly one unit"))
        }
        ReorgKind::Absorb if preds == 0 => Err(bad("predecessors", "name the absorbed units")),
        ReorgKind::Absorb | ReorgKind::PartialTransfer if new.successor.is_none() => {
            Err(bad("successorId", "name the unit that continues"))
        }
        ReorgKind::Split if preds != 1 => {
            Err(bad("predecessors", "a split closes exactly one unit"))
        }
        ReorgKind::Split if fresh < 2 => Err(bad("newUnits", "a split creates two or more units")),
        ReorgKind::Split if new.new_units.iter().filter(|u| u.routing_default).count() != 1 => Err(
            bad("newUnits", "mark exactly one new unit as routingDefault"),
        ),
        ReorgKind::PartialTransfer if preds != 1 => {
            Err(bad("predecessors", "name the one unit giving up sub-units"))
        }
        ReorgKind::PartialTransfer if new.transferred.is_empty() => {
            Err(bad("transferredIds", "name the sub-units that move"))
        }
        ReorgKind::Rename | ReorgKind::Reclassify | ReorgKind::Reparent if preds == 0 => {
            Err(bad("predecessors", "name the unit that changes"))
        }
        ReorgKind::Rename
            if changes.name.is_none() && changes.code.is_none() && changes.short_name.is_none() =>
        {
            Err(bad("name", "give the new name, short name or code"))
        }
        ReorgKind::Reclassify if changes.kind.is_none() => Err(bad("kind", "give the new kind")),
        ReorgKind::Reparent if changes.parent.is_none() => {
            Err(bad("parentId", "give the new parent"))
        }
        ReorgKind::Dissolve if preds == 0 => Err(bad("predecessors", "name the dissolved units")),
        ReorgKind::Establish if preds > 0 => {
            Err(bad("predecessors", "an establishment closes no unit"))
        }
        ReorgKind::Establish if fresh == 0 => Err(bad("newUnits", "name the units established")),
        ReorgKind::Establish if new.new_units.iter().any(|u| u.parent.is_none()) => Err(bad(
            "newUnits.parentId",
            "an established unit is placed under its parent",
        )),
        _ if new
            .new_units
            .iter()
            .any(|u| u.valid_to.is_some_and(|end| end <= new.effective_on)) =>
        {
            Err(bad(
                "newUnits.validTo",
                "a unit's term ends after the day it begins",
            ))
        }
        _ if fresh > 0
            && !matches!(
                new.kind,
                ReorgKind::MergeNew | ReorgKind::Split | ReorgKind::Establish
            ) =>
        {
            Err(bad(
                "newUnits",
                "only a merge, a split or an establishment creates units",
            ))
        }
        _ => Ok(()),
    }
}

/// Whether a unit of `kind` is established under a parent of kind `parent`: a district under a
/// province, a commune under a district or a province (after 2025 communes sit under the
/// province), a People's Inspection Board in a commune, an agency, a public-service unit or an
/// enterprise (Law 10/2022/QH15, Chapter V), a community investment supervision board in a commune
/// (Decree 59/2023/NĐ-CP). Provinces and central bodies are roots, not established under a unit.
pub(crate) fn may_establish_under(kind: UnitKind, parent: UnitKind) -> bool {
    use UnitKind::*;
    match kind {
        Province | CentralBody => false,
        District => parent == Province,
        Commune => matches!(parent, Province | District),
        PeoplesInspectionBoard => {
            matches!(parent, Commune | Agency | PublicServiceUnit | Enterprise)
        }
        InvestmentSupervisionBoard => parent == Commune,
        _ => true,
    }
}

/// A unit without a parent is a root, and a grant there holds the whole tree's power (grants
/// follow a merge onto its new unit): only the steering of a root makes one.
async fn require_root_steering(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<()> {
    if super::power::holds_at_root(db, &actor.caller, authz::STEERING).await? {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only the steering of a root unit makes a unit without a parent",
        ))
    }
}

/// Applies `new` in one transaction.
pub async fn apply(w: &Writer, actor: &Actor, new: NewReorg) -> AppResult<Applied> {
    let actor = actor.clone();
    w.transaction(move |txn| Box::pin(async move { apply_in(txn, &actor, new).await }))
        .await
}

/// Applies `new` inside the caller's transaction (an import establishes its new units with
/// the rest of its rows, all or none).
pub(crate) async fn apply_in(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    new: NewReorg,
) -> AppResult<Applied> {
    check_shape(&new)?;
    let new = parse_text(new)?;
    let title = required_text("title", &new.title)?;
    let note = optional_text("note", new.note.as_deref())?;
    let day = new.effective_on;
    if let Some(code) = &new.code
        && reorg_event::Entity::find()
            .filter(reorg_event::Column::Code.eq(code.as_str()))
            .one(txn)
            .await?
            .is_some()
    {
        return Err(AppError::Conflict(format!(
            "a reorganisation with code {code} exists already"
        )));
    }
    if let Some(doc) = new.legal_basis
        && entity::legal_document::Entity::find_by_id(doc)
            .one(txn)
            .await?
            .is_none()
    {
        return Err(bad("legalBasisId", "no such legal document"));
    }

    // Every existing unit the event touches must lie in the caller's steering scope.
    let mut touched: Vec<(&str, Uuid)> = new
        .predecessors
        .iter()
        .map(|u| ("predecessors", *u))
        .collect();
    touched.extend(new.successor.map(|u| ("successorId", u)));
    touched.extend(new.transferred.iter().map(|u| ("transferredIds", *u)));
    touched.extend(new.children_to.map(|u| ("childrenTo", u)));
    touched.extend(new.routing.iter().map(|(_, to)| ("routing", *to)));
    touched.extend(
        new.new_units
            .iter()
            .filter_map(|u| u.parent.map(|p| ("newUnits.parentId", p))),
    );
    if let Some(Some(p)) = new.revision.parent {
        touched.push(("parentId", p));
    }
    actor.caller.require_any(authz::STEERING)?;
    // A unit without a parent is a root, and whoever holds a grant there holds the whole
    // tree's power: only the steering of a root creates or moves one to the top.
    if matches!(new.revision.parent, Some(None)) {
        require_root_steering(txn, actor).await?;
    }
    // Events touching the same units run one after another: on PostgreSQL the rows are
    // locked until this transaction ends, so a concurrent event on them waits and then
    // sees what this one did (a closed predecessor, today's version), as SQLite's single
    // writer already ensures.
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        let mut ids: Vec<Uuid> = touched.iter().map(|(_, id)| *id).collect();
        ids.sort();
        ids.dedup();
        unit::Entity::find()
            .filter(unit::Column::Id.is_in(ids))
            .order_by_asc(unit::Column::Id)
            .lock_exclusive()
            .all(txn)
            .await?;
    }
    let mut loaded: HashMap<Uuid, unit::Model> = HashMap::new();
    for (field, id) in &touched {
        authz::require_visible_unit(txn, &actor.caller, field, *id).await?;
        let u = load_unit(txn, field, *id).await?;
        lineage::require_open_on(txn, field, &u, day).await?;
        authz::require(txn, &actor.caller, authz::STEERING, u.id).await?;
        loaded.insert(u.id, u);
    }
    let mut preds = Vec::new();
    for id in &new.predecessors {
        let u = loaded[id].clone();
        if preds.iter().any(|p: &unit::Model| p.id == u.id) {
            return Err(bad("predecessors", "a unit is named twice"));
        }
        preds.push(u);
    }
    if let Some(s) = new.successor {
        if new.predecessors.contains(&s) {
            return Err(bad("successorId", "a unit cannot succeed itself"));
        }
        lineage::require_open_on(txn, "successorId", &loaded[&s], day).await?;
    }
    for (from, _) in &new.routing {
        if !new.predecessors.contains(from) {
            return Err(bad("routing", "routing maps predecessors only"));
        }
    }

    let now = Utc::now();
    let event = reorg_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(new.code.clone()),
        kind: Set(new.kind),
        effective_on: Set(day),
        legal_basis_id: Set(new.legal_basis),
        title: Set(title),
        note: Set(note),
        provenance: Set(new.provenance),
        sort_key: Set(format!("{day} {}", Uuid::now_v7())),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;

    // Successors: created, or the existing unit that continues.
    let mut successors: Vec<(Uuid, bool)> = Vec::new();
    for spec in &new.new_units {
        if units::by_code(txn, spec.code.trim()).await?.is_some() {
            return Err(AppError::Conflict(format!(
                "a unit with code {} exists already",
                spec.code
            )));
        }
        let parent = match spec.parent {
            Some(p) => Some(p),
            None => preds.first().and_then(|p| p.parent_id),
        };
        if parent.is_none() {
            require_root_steering(txn, actor).await?;
        }
        if new.kind == ReorgKind::Establish
            && let Some(p) = parent.and_then(|p| loaded.get(&p))
            && !may_establish_under(spec.kind, p.kind)
        {
            return Err(bad(
                "newUnits.kind",
                format!(
                    "a {} is not established under a {}",
                    spec.kind.as_str(),
                    p.kind.as_str()
                ),
            ));
        }
        let created = units::create(
            txn,
            NewUnit {
                code: spec.code.clone(),
                name: spec.name.clone(),
                short_name: spec.short_name.clone(),
                kind: spec.kind,
                grassroots_type: spec.grassroots_type,
                parent_id: parent,
                valid_from: Some(day),
                valid_to: spec.valid_to,
                provenance: new.provenance,
                note: None,
                field_provenance: None,
                event_id: Some(event.id),
            },
        )
        .await?;
        successors.push((
            created.id,
            spec.routing_default || new.kind == ReorgKind::MergeNew,
        ));
    }
    if let Some(s) = new.successor {
        successors.push((s, true));
    }
    let default_successor = successors.iter().find(|(_, d)| *d).map(|(id, _)| *id);
    link(
        txn,
        event.id,
        &new.predecessors,
        ReorgRole::Predecessor,
        None,
    )
    .await?;
    for (id, routing) in &successors {
        link(txn, event.id, &[*id], ReorgRole::Successor, Some(*routing)).await?;
    }

    let mut rerouted = Rerouted::default();
    let mut grants_issued = 0;
    match new.kind {
        ReorgKind::Rename | ReorgKind::Reclassify | ReorgKind::Reparent => {
            for p in &preds {
                lineage::revise(txn, p, day, &new.revision, Some(event.id)).await?;
            }
        }
        ReorgKind::PartialTransfer => {
            let source = &preds[0];
            let target = new.successor.unwrap_or_default();
            let children = lineage::open_children(txn, source.id, day).await?;
            for id in &new.transferred {
                if !children.contains(id) {
                    return Err(bad(
                        "transferredIds",
                        format!("{} is not a sub-unit of {}", loaded[id].name, source.name),
                    ));
                }
                let moving = &loaded[id];
                lineage::revise(
                    txn,
                    moving,
                    day,
                    &Revision {
                        parent: Some(Some(target)),
                        ..Revision::default()
                    },
                    Some(event.id),
                )
                .await?;
            }
        }
        _ => {
            // Deepest first, so a dissolved unit's dissolved sub-units close before it.
            let mut ordered = preds.clone();
            let depths = depths(txn, &new.predecessors).await?;
            ordered.sort_by_key(|p| std::cmp::Reverse(depths.get(&p.id).copied().unwrap_or(0)));
            let closing: Vec<Uuid> = new.predecessors.clone();
            for p in &ordered {
                let children: Vec<Uuid> = lineage::open_children(txn, p.id, day)
                    .await?
                    .into_iter()
                    .filter(|c| !closing.contains(c))
                    .collect();
                let home = match new.kind {
                    ReorgKind::Absorb => new.successor,
                    ReorgKind::MergeNew => default_successor,
                    _ => new.children_to,
                };
                if !children.is_empty() && home.is_none() {
                    return Err(bad(
                        "childrenTo",
                        format!("{} still has open sub-units: say where they go", p.name),
                    ));
                }
                for child in &children {
                    let record = load_unit(txn, "childrenTo", *child).await?;
                    lineage::revise(
                        txn,
                        &record,
                        day,
                        &Revision {
                            parent: Some(home),
                            ..Revision::default()
                        },
                        Some(event.id),
                    )
                    .await?;
                    if new.kind == ReorgKind::Absorb {
                        grants_issued += follow_grants(txn, p.id, &[*child], event.id).await?;
                    }
                }
                let target = new
                    .routing
                    .iter()
                    .find(|(from, _)| *from == p.id)
                    .map(|(_, to)| *to)
                    .or(default_successor);
                match target {
                    Some(to) => {
                        let moved = reroute::reroute(txn, p.id, to, day).await?;
                        rerouted.assignments += moved.assignments;
                        rerouted.obligations += moved.obligations;
                        rerouted.recipients += moved.recipients;
                    }
                    None if !reroute::open_work(txn, p.id).await?.is_empty() => {
                        return Err(bad(
                            "successorId",
                            format!("{} has open work: name the unit that takes it over", p.name),
                        ));
                    }
                    None => {}
                }
                let current = load_unit(txn, "predecessors", p.id).await?;
                lineage::close(txn, &current, day, target).await?;
                if matches!(new.kind, ReorgKind::MergeNew | ReorgKind::Split) {
                    let fresh: Vec<Uuid> = successors.iter().map(|(id, _)| *id).collect();
                    grants_issued += follow_grants(txn, p.id, &fresh, event.id).await?;
                }
            }
        }
    }

    let applied = Applied {
        event,
        successors: successors.iter().map(|(id, _)| *id).collect(),
        rerouted,
        grants_issued,
    };
    audit::record(
        txn,
        actor,
        Change::of(
            "unit.reorganise",
            "ReorgEvent",
            applied.event.id,
            new.predecessors.first().copied(),
        )
        .after(&applied),
    )
    .await?;
    Ok(applied)
}

async fn link(
    db: &impl ConnectionTrait,
    event: Uuid,
    units: &[Uuid],
    role: ReorgRole,
    routing_default: Option<bool>,
) -> AppResult<()> {
    for unit in units {
        reorg_event_unit::ActiveModel {
            id: Set(Uuid::now_v7()),
            event_id: Set(event),
            unit_id: Set(*unit),
            role: Set(role),
            routing_default: Set(routing_default.unwrap_or(false)),
            created_at: Set(Utc::now()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Depth of each unit in the current tree.
async fn depths(db: &impl ConnectionTrait, units: &[Uuid]) -> AppResult<HashMap<Uuid, i32>> {
    let rows = unit_closure::Entity::find()
        .filter(unit_closure::Column::DescendantId.is_in(units.iter().copied()))
        .filter(unit_closure::Column::ValidTo.is_null())
        .all(db)
        .await?;
    let mut depth = HashMap::new();
    for row in rows {
        let d = depth.entry(row.descendant_id).or_insert(0);
        *d = (*d).max(row.depth);
    }
    Ok(depth)
}

/// Issues, for every grant scoped on `from`, the same role on each of `to`, linked back to the
/// grant it came from. Returns how many were issued.
async fn follow_grants(
    db: &impl ConnectionTrait,
    from: Uuid,
    to: &[Uuid],
    event: Uuid,
) -> AppResult<u32> {
    let grants = role_grant::Entity::find()
        .filter(role_grant::Column::ScopeUnitId.eq(from))
        .all(db)
        .await?;
    let mut issued = 0;
    for g in grants {
        for scope in to {
            let holder = match (g.user_id, g.api_client_id) {
                (Some(u), _) => role_grant::Column::UserId.eq(u),
                (None, Some(c)) => role_grant::Column::ApiClientId.eq(c),
                (None, None) => continue,
            };
            let exists = role_grant::Entity::find()
                .filter(Condition::all().add(holder))
                .filter(role_grant::Column::Role.eq(g.role))
                .filter(role_grant::Column::ScopeUnitId.eq(*scope))
                .one(db)
                .await?
                .is_some();
            if exists {
                continue;
            }
            role_grant::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(g.user_id),
                api_client_id: Set(g.api_client_id),
                role: Set(g.role),
                scope_unit_id: Set(*scope),
                origin_grant_id: Set(Some(g.id)),
                reorg_event_id: Set(Some(event)),
                created_at: Set(Utc::now()),
            }
            .insert(db)
            .await?;
            issued += 1;
        }
    }
    Ok(issued)
}

/// Reorganisations touching `unit` (as predecessor or successor), oldest first.
pub async fn of_unit(db: &impl ConnectionTrait, unit: Uuid) -> AppResult<Vec<reorg_event::Model>> {
    let ids: Vec<Uuid> = reorg_event_unit::Entity::find()
        .filter(reorg_event_unit::Column::UnitId.eq(unit))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.event_id)
        .collect();
    let mut events = reorg_event::Entity::find()
        .filter(reorg_event::Column::Id.is_in(ids))
        .all(db)
        .await?;
    events.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
    Ok(events)
}

/// An event the caller may see: one that involved a unit it may look up.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: &crate::auth::Caller,
    id: Uuid,
) -> AppResult<Option<reorg_event::Model>> {
    use sea_orm::{QuerySelect, sea_query::Query};
    let visible = Query::select()
        .column(unit::Column::Id)
        .from(unit::Entity)
        .cond_where(super::scope::visible_units(&caller.read_scopes()))
        .to_owned();
    let seen = reorg_event_unit::Entity::find()
        .select_only()
        .column(reorg_event_unit::Column::Id)
        .filter(reorg_event_unit::Column::EventId.eq(id))
        .filter(reorg_event_unit::Column::UnitId.in_subquery(visible))
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some();
    if !seen {
        return Ok(None);
    }
    Ok(reorg_event::Entity::find_by_id(id).one(db).await?)
}

/// Units whose work and history flow into `units` through reorganisations, at any distance,
/// `units` included.
pub async fn lineage_of(db: &impl ConnectionTrait, units: &[Uuid]) -> AppResult<Vec<Uuid>> {
    let mut all: Vec<Uuid> = units.to_vec();
    let mut frontier: Vec<Uuid> = units.to_vec();
    while !frontier.is_empty() {
        let events: Vec<Uuid> = reorg_event_unit::Entity::find()
            .filter(reorg_event_unit::Column::UnitId.is_in(frontier.iter().copied()))
            .filter(reorg_event_unit::Column::Role.eq(ReorgRole::Successor))
            .all(db)
            .await?
            .into_iter()
            .map(|l| l.event_id)
            .collect();
        if events.is_empty() {
            break;
        }
        // A partial transfer carries only the sub-units that moved: the unit that gave them up
        // stays open and keeps its own history. Every other kind carries its predecessors whole.
        let (transfers, whole): (Vec<reorg_event::Model>, Vec<reorg_event::Model>) =
            reorg_event::Entity::find()
                .filter(reorg_event::Column::Id.is_in(events))
                .all(db)
                .await?
                .into_iter()
                .partition(|e| e.kind == ReorgKind::PartialTransfer);
        let mut preds: Vec<Uuid> = reorg_event_unit::Entity::find()
            .filter(reorg_event_unit::Column::EventId.is_in(whole.iter().map(|e| e.id)))
            .filter(reorg_event_unit::Column::Role.eq(ReorgRole::Predecessor))
            .all(db)
            .await?
            .into_iter()
            .map(|l| l.unit_id)
            .collect();
        if !transfers.is_empty() {
            // The moved sub-units are those whose version the transfer opened.
            preds.extend(
                entity::unit_version::Entity::find()
                    .filter(
                        entity::unit_version::Column::EventId.is_in(transfers.iter().map(|e| e.id)),
                    )
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|v| v.unit_id),
            );
        }
        preds.retain(|u| !all.contains(u));
        // Everything that was ever under a predecessor flows in with it.
        let below: Vec<Uuid> = unit_closure::Entity::find()
            .filter(unit_closure::Column::AncestorId.is_in(preds.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.descendant_id)
            .collect();
        frontier.clear();
        for u in preds.into_iter().chain(below) {
            if !all.contains(&u) {
                all.push(u);
                frontier.push(u);
            }
        }
    }
    Ok(all)
}
