//! Incremental sync: the change feed (`changes`), the sync token it issues, the tombstones
//! of removed records, and the touches that re-send a record when one of its child relations
//! changes. README "Incremental sync" describes the protocol for clients.
//!
//! Every synced row carries `sync_seq`, a change number stamped by a database trigger in the
//! writing transaction (migration `m20261129_000004_sync_sequence`, which also says why the
//! numbers commit in order and why the committed counter is a safe watermark). A token is a
//! position in change order — (change number, record kind, id) — plus the watermark at which
//! the caller's view was last checked; it never holds a time, so a device's clock cannot make
//! it miss a change.
//!
//! Scope changes: a grant given or revoked stamps the principal's row in `sync_scopes`, and a
//! move in the unit tree stamps `sync_clock.scope_seq`. A token checked before either is
//! answered with a reset: the whole current view, from the start, which the client keeps
//! instead of what it had (records that left the view are the ones not sent again). Records
//! that enter a view because of a change to another record (a task assigned to a unit of
//! another district makes the plan and its tasks visible there) are touched by the write that
//! made them visible, so they are sent as changes.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::{
    indicator, legal_document, oversight, plan, recommendation, report, review, task, tombstone,
    unit,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement,
    sea_query::{Alias, Expr, ExprTrait},
};
use uuid::Uuid;

use super::{
    page::{self, Keyed, Page, PageArgs},
    scope,
};
use crate::{
    auth::{Caller, token::Principal},
    error::{AppError, AppResult},
};

impl Keyed for tombstone::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Most records one `changes` page carries.
pub const MAX_CHANGES: u64 = 100;

/// Where a removal is heard: by the callers over `unit` (on the day of the removal) and, with
/// `plan`, by everyone who sees that plan.
#[derive(Clone, Copy, Debug)]
pub struct Audience {
    pub unit: Option<Uuid>,
    pub plan: Option<Uuid>,
}

/// Records that `entity_id` of `entity_type` was removed, inside the removing transaction.
/// `entity_type` is a GraphQL type with a global id (`Task`, `LegalReference`, `RoleGrant`).
/// A `Plan` or `Task` that still exists records instead that it left the view of `audience`'s
/// callers; those who still see it are not told (see [`tombstones_in_scope`]).
pub async fn bury(
    db: &impl ConnectionTrait,
    entity_type: &str,
    entity_id: Uuid,
    audience: Audience,
) -> AppResult<()> {
    let now = Utc::now();
    tombstone::ActiveModel {
        id: Set(Uuid::now_v7()),
        entity_type: Set(entity_type.to_owned()),
        entity_id: Set(entity_id),
        unit_id: Set(audience.unit),
        plan_id: Set(audience.plan),
        deleted_at: Set(now),
        sort_key: Set(format!("{:020}", now.timestamp_micros())),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// After tasks of `plan` were removed with their assignments: tells the callers over each unit
/// in `assignees` that no longer sees the plan that the plan and its tasks left their view.
pub async fn plan_left(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    removed_tasks: &[Uuid],
    assignees: &[Uuid],
) -> AppResult<()> {
    for &unit in assignees {
        let still_seen = plan::Entity::find_by_id(plan_id)
            .filter(scope::plans_touching(&[unit]))
            .one(db)
            .await?
            .is_some();
        if still_seen {
            continue;
        }
        let audience = Audience {
            unit: Some(unit),
            plan: None,
        };
        bury(db, "Plan", plan_id, audience).await?;
        let remaining = task::Entity::find()
            .filter(task::Column::PlanId.eq(plan_id))
            .select_only()
            .column(task::Column::Id)
            .into_tuple::<Uuid>()
            .all(db)
            .await?;
        for task in remaining.iter().chain(removed_tasks) {
            bury(db, "Task", *task, audience).await?;
        }
    }
    Ok(())
}

/// Marks a task changed (its `updatedAt` and change number) because a child relation of it
/// changed: an assignment, its progress, a legal reference. The plan is touched too, since it
/// shows its tasks' progress.
pub async fn touch_task(db: &impl ConnectionTrait, task_id: Uuid) -> AppResult<()> {
    let now = Utc::now();
    let Some(plan_id) = task::Entity::find_by_id(task_id)
        .select_only()
        .column(task::Column::PlanId)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
    else {
        return Ok(());
    };
    task::Entity::update_many()
        .col_expr(task::Column::UpdatedAt, Expr::val(now))
        .filter(task::Column::Id.eq(task_id))
        .exec(db)
        .await?;
    touch_plan(db, plan_id, false).await
}

/// Marks a plan changed because a child relation changed (a recipient, a report schedule, an
/// assignment). With `with_tasks`, its tasks too: the change may have made the plan visible to
/// another unit's callers, and its tasks come with it.
pub async fn touch_plan(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    with_tasks: bool,
) -> AppResult<()> {
    let now = Utc::now();
    plan::Entity::update_many()
        .col_expr(plan::Column::UpdatedAt, Expr::val(now))
        .filter(plan::Column::Id.eq(plan_id))
        .exec(db)
        .await?;
    if with_tasks {
        task::Entity::update_many()
            .col_expr(task::Column::UpdatedAt, Expr::val(now))
            .filter(task::Column::PlanId.eq(plan_id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Marks legal documents changed because a relation between them (amends, replaces, …) was
/// added or removed: each shows its relations.
pub async fn touch_documents(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<()> {
    legal_document::Entity::update_many()
        .col_expr(legal_document::Column::UpdatedAt, Expr::val(Utc::now()))
        .filter(legal_document::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Refuses an `updatedSince`/`since` time later than the server's clock: such a client's clock
/// is ahead, and the answer would silently leave out what changes until then.
pub fn check_not_future(field: &str, since: DateTime<Utc>) -> AppResult<()> {
    if since > Utc::now() {
        return Err(AppError::bad_input(
            field,
            "the time is later than the server's clock; sync with `changes` and its token \
             instead of the device's time",
        ));
    }
    Ok(())
}

/// Removals at or after `since` within the caller's scope, oldest first.
pub async fn removed_since(
    db: &impl ConnectionTrait,
    caller: &Caller,
    since: DateTime<Utc>,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<tombstone::Model>> {
    check_not_future("since", since)?;
    let cond = Condition::all()
        .add(tombstone::Column::DeletedAt.gte(since))
        .add(tombstones_in_scope(db, caller).await?);
    page::fetch(
        db,
        tombstone::Entity::find().filter(cond),
        tombstone::Column::SortKey,
        tombstone::Column::Id,
        args,
        count,
    )
    .await
}

/// The removals a caller hears of: those of records of plans it sees, and those tied to units
/// that were in its subtrees when they happened (an ADMIN of the root hears of every one, those
/// tied to no unit included); never that a record it still sees left its view.
async fn tombstones_in_scope(db: &impl ConnectionTrait, caller: &Caller) -> AppResult<Condition> {
    use sea_orm::sea_query::Query;
    let scopes = caller.read_scopes();
    let reach = if super::power::is_global_admin(db, caller).await? {
        Condition::all()
    } else {
        Condition::any()
            .add(tombstone::Column::PlanId.in_subquery(scope::plan_ids_touching(&scopes)))
            .add(Expr::exists(scope::under_when(
                &scopes,
                Expr::col((tombstone::Entity, tombstone::Column::UnitId)),
                Expr::col((tombstone::Entity, tombstone::Column::DeletedAt)),
            )))
    };
    let visible_tasks = Query::select()
        .column(task::Column::Id)
        .from(task::Entity)
        .cond_where(scope::visible_tasks(&scopes))
        .to_owned();
    let still_seen = Condition::any()
        .add(
            Condition::all()
                .add(tombstone::Column::EntityType.eq("Plan"))
                .add(tombstone::Column::EntityId.in_subquery(scope::plan_ids_touching(&scopes))),
        )
        .add(
            Condition::all()
                .add(tombstone::Column::EntityType.eq("Task"))
                .add(tombstone::Column::EntityId.in_subquery(visible_tasks)),
        );
    Ok(Condition::all().add(reach).add(still_seen.not()))
}

/// The kinds of record the feed carries, in the order records of one change number come.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Unit = 0,
    LegalDocument = 1,
    Indicator = 2,
    Plan = 3,
    Task = 4,
    Report = 5,
    Removal = 6,
    // Numbered after the removals, which tokens already issued place at 6.
    Oversight = 7,
    Recommendation = 8,
    Review = 9,
    Exemplar = 10,
}

const KINDS: [Kind; 11] = [
    Kind::Unit,
    Kind::LegalDocument,
    Kind::Indicator,
    Kind::Plan,
    Kind::Task,
    Kind::Report,
    Kind::Removal,
    Kind::Oversight,
    Kind::Recommendation,
    Kind::Review,
    Kind::Exemplar,
];

/// A position in the change feed: after the record `(seq, kind, id)` in change order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Position {
    seq: i64,
    kind: u8,
    id: Uuid,
}

impl Position {
    /// Before every record.
    const START: Self = Self {
        seq: -1,
        kind: 0,
        id: Uuid::nil(),
    };

    /// After every record of change numbers up to `seq`.
    fn end_of(seq: i64) -> Self {
        Self {
            seq,
            kind: u8::MAX,
            id: Uuid::max(),
        }
    }

    /// Rows of `kind` after this position, as SQL on the row's `sync_seq` and `id`.
    fn after(self, kind: Kind, seq: Expr, id: Expr) -> Condition {
        let kind = kind as u8;
        if kind > self.kind {
            Condition::all().add(seq.gte(self.seq))
        } else if kind < self.kind {
            Condition::all().add(seq.gt(self.seq))
        } else {
            Condition::any()
                .add(seq.clone().gt(self.seq))
                .add(Condition::all().add(seq.eq(self.seq)).add(id.gt(self.id)))
        }
    }
}

/// The opaque sync token: where the client stands in the feed, the watermark at which the
/// caller's view was last checked against its grants and the unit tree (`checked`), and the
/// watermark at which the current full pass began (`base`: removals before it need not be sent,
/// as the pass re-sends everything still there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncToken {
    position: Position,
    checked: i64,
    base: i64,
}

const TOKEN_PREFIX: &str = "qcdc-sync-1";

impl SyncToken {
    /// The token as clients hold it: base64url, no meaning promised.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{TOKEN_PREFIX}:{}:{}:{}:{}:{}",
            self.position.seq,
            self.position.kind,
            self.position.id.simple(),
            self.checked,
            self.base
        ))
    }

    /// Parses a token this server issued; anything else is `BAD_USER_INPUT` on `field`.
    pub fn decode(field: &str, text: &str) -> AppResult<Self> {
        let bad = || AppError::bad_input(field, "not a sync token issued by this server");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let parts: Vec<&str> = text.split(':').collect();
        let [prefix, seq, kind, id, checked, base] = parts[..] else {
            return Err(bad());
        };
        if prefix != TOKEN_PREFIX {
            return Err(bad());
        }
        let number = |s: &str| s.parse::<i64>().map_err(|_| bad());
        let token = Self {
            position: Position {
                seq: number(seq)?,
                kind: kind.parse().map_err(|_| bad())?,
                id: Uuid::try_parse(id).map_err(|_| bad())?,
            },
            checked: number(checked)?,
            base: number(base)?,
        };
        let valid = token.position.seq >= -1
            && token.base >= 0
            && token.base <= token.checked
            && token.position.seq <= token.checked;
        if !valid {
            return Err(bad());
        }
        Ok(token)
    }
}

/// A record sent whole by the feed.
#[derive(Clone, Debug)]
pub enum Record {
    Unit(unit::Model),
    LegalDocument(legal_document::Model),
    Indicator(indicator::Model),
    Plan(plan::Model),
    Task(task::Model),
    Report(report::Model),
    Oversight(oversight::Model),
    Recommendation(recommendation::Model),
    Review(review::Model),
    Exemplar(entity::exemplar::Model),
}

/// One page of the change feed.
#[derive(Clone, Debug)]
pub struct Changes {
    /// Records new to the caller or changed, whole, in change order.
    pub upserted: Vec<Record>,
    /// Records removed for good.
    pub removed: Vec<tombstone::Model>,
    /// Where the next call starts.
    pub token: SyncToken,
    /// More changes are waiting: call again with `token` at once.
    pub has_more: bool,
    /// This page starts a full pass: the client keeps, when the pass ends (`has_more` false),
    /// only the records the pass sent, and drops the rest.
    pub reset: bool,
}

/// The watermark and the caller's last scope change, read in one statement.
struct Clock {
    /// Every change numbered up to this one is committed.
    watermark: i64,
    /// The last change to what the caller's grants cover (grant given or revoked, unit tree).
    scope_changed: i64,
}

async fn clock(db: &impl ConnectionTrait, caller: &Caller) -> AppResult<Clock> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT c.seq, c.scope_seq, (SELECT s.seq FROM sync_scopes s WHERE s.principal_id = $1) \
             AS principal_seq FROM sync_clock c WHERE c.id = 1"
        }
        _ => {
            "SELECT c.seq, c.scope_seq, (SELECT s.seq FROM sync_scopes s WHERE s.principal_id = ?) \
             AS principal_seq FROM sync_clock c WHERE c.id = 1"
        }
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [caller.user_id.into()],
        ))
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("sync_clock has no row")))?;
    let watermark: i64 = row.try_get("", "seq")?;
    let tree: i64 = row.try_get("", "scope_seq")?;
    let principal: Option<i64> = row.try_get("", "principal_seq")?;
    Ok(Clock {
        watermark,
        scope_changed: std::cmp::max(tree, principal.unwrap_or(0)),
    })
}

/// The caller with its grants as stored now: the request's grants were read before the
/// watermark, and a grant change in between must not pass as seen.
async fn with_current_grants(db: &impl ConnectionTrait, caller: &Caller) -> AppResult<Caller> {
    use entity::role_grant;
    let holder = match caller.kind {
        Principal::User => role_grant::Column::UserId.eq(caller.user_id),
        Principal::Client => role_grant::Column::ApiClientId.eq(caller.user_id),
    };
    let rows = super::users::grants_where(db, holder).await?;
    Ok(Caller {
        grants: super::users::as_grants(rows),
        ..caller.clone()
    })
}

/// The next page of changes after `since` (`None`: from the start), at most `first` records
/// (1–100). A token ahead of this server (another database, or forged) is `BAD_USER_INPUT`.
pub async fn changes(
    db: &impl ConnectionTrait,
    caller: &Caller,
    since: Option<SyncToken>,
    first: u64,
) -> AppResult<Changes> {
    if !(1..=MAX_CHANGES).contains(&first) {
        return Err(AppError::bad_input(
            "first",
            format!("a page holds 1 to {MAX_CHANGES} changes"),
        ));
    }
    let clock = clock(db, caller).await?;
    if let Some(token) = since
        && token.checked > clock.watermark
    {
        return Err(AppError::bad_input(
            "since",
            "the token is ahead of this server's changes: it was issued by another server \
             or database; sync again without a token",
        ));
    }
    let caller = with_current_grants(db, caller).await?;
    let (from, base, reset) = match since {
        Some(token) if token.checked >= clock.scope_changed => (token.position, token.base, false),
        _ => (Position::START, clock.watermark, true),
    };
    let scopes = caller.read_scopes();
    let limit = first + 1;
    let mut found: Vec<Position> = Vec::new();
    for kind in KINDS {
        found.extend(
            positions(
                db,
                &caller,
                &scopes,
                kind,
                from,
                base,
                clock.watermark,
                limit,
            )
            .await?,
        );
    }
    found.sort();
    let has_more = found.len() as u64 > first;
    found.truncate(first as usize);
    let next = match (has_more, found.last()) {
        (true, Some(last)) => *last,
        _ => Position::end_of(clock.watermark),
    };
    let (upserted, removed) = load(db, &found).await?;
    Ok(Changes {
        upserted,
        removed,
        token: SyncToken {
            position: next,
            checked: clock.watermark,
            base,
        },
        has_more,
        reset,
    })
}

/// Positions of the rows of `kind` the caller sees, after `from` and up to the watermark, in
/// change order, at most `limit`.
#[allow(clippy::too_many_arguments)]
async fn positions(
    db: &impl ConnectionTrait,
    caller: &Caller,
    scopes: &[Uuid],
    kind: Kind,
    from: Position,
    base: i64,
    watermark: i64,
    limit: u64,
) -> AppResult<Vec<Position>> {
    macro_rules! rows {
        ($module:ident, $visible:expr) => {{
            let seq = || Expr::col(($module::Entity, Alias::new("sync_seq")));
            $module::Entity::find()
                .filter($visible)
                .filter(from.after(
                    kind,
                    seq(),
                    Expr::col(($module::Entity, $module::Column::Id)),
                ))
                .filter(seq().lte(watermark))
                .select_only()
                .column_as(seq(), "sync_seq")
                .column($module::Column::Id)
                .order_by_asc(seq())
                .order_by_asc($module::Column::Id)
                .limit(limit)
                .into_tuple::<(i64, Uuid)>()
                .all(db)
                .await?
        }};
    }
    let rows = match kind {
        Kind::Unit => rows!(unit, scope::visible_units(scopes)),
        Kind::LegalDocument => rows!(legal_document, Condition::all()),
        Kind::Indicator => rows!(indicator, Condition::all()),
        Kind::Plan => rows!(plan, scope::plans_touching(scopes)),
        Kind::Task => rows!(task, scope::visible_tasks(scopes)),
        Kind::Report => rows!(report, scope::reports_of_units(scopes)),
        Kind::Oversight => rows!(oversight, super::oversights::visible(scopes)),
        Kind::Recommendation => rows!(
            recommendation,
            super::oversights::visible_recommendations(scopes)
        ),
        Kind::Review => rows!(review, super::reviews::visible(scopes)),
        Kind::Exemplar => {
            use entity::exemplar;
            rows!(exemplar, super::exemplars::of_units(scopes))
        }
        Kind::Removal => rows!(
            tombstone,
            Condition::all()
                .add(Expr::col((tombstone::Entity, Alias::new("sync_seq"))).gt(base))
                .add(tombstones_in_scope(db, caller).await?)
        ),
    };
    Ok(rows
        .into_iter()
        .map(|(seq, id)| Position {
            seq,
            kind: kind as u8,
            id,
        })
        .collect())
}

/// The records at `found`, in that order.
async fn load(
    db: &impl ConnectionTrait,
    found: &[Position],
) -> AppResult<(Vec<Record>, Vec<tombstone::Model>)> {
    let ids = |kind: Kind| -> Vec<Uuid> {
        found
            .iter()
            .filter(|p| p.kind == kind as u8)
            .map(|p| p.id)
            .collect()
    };
    macro_rules! fetch {
        ($module:ident, $kind:expr) => {{
            let ids = ids($kind);
            if ids.is_empty() {
                Vec::new()
            } else {
                $module::Entity::find()
                    .filter($module::Column::Id.is_in(ids))
                    .all(db)
                    .await?
            }
        }};
    }
    let mut records: Vec<(Uuid, Record)> = Vec::new();
    records.extend(
        fetch!(unit, Kind::Unit)
            .into_iter()
            .map(|m| (m.id, Record::Unit(m))),
    );
    records.extend(
        fetch!(legal_document, Kind::LegalDocument)
            .into_iter()
            .map(|m| (m.id, Record::LegalDocument(m))),
    );
    records.extend(
        fetch!(indicator, Kind::Indicator)
            .into_iter()
            .map(|m| (m.id, Record::Indicator(m))),
    );
    records.extend(
        fetch!(plan, Kind::Plan)
            .into_iter()
            .map(|m| (m.id, Record::Plan(m))),
    );
    records.extend(
        fetch!(task, Kind::Task)
            .into_iter()
            .map(|m| (m.id, Record::Task(m))),
    );
    records.extend(
        fetch!(report, Kind::Report)
            .into_iter()
            .map(|m| (m.id, Record::Report(m))),
    );
    records.extend(
        fetch!(oversight, Kind::Oversight)
            .into_iter()
            .map(|m| (m.id, Record::Oversight(m))),
    );
    records.extend(
        fetch!(recommendation, Kind::Recommendation)
            .into_iter()
            .map(|m| (m.id, Record::Recommendation(m))),
    );
    records.extend(
        fetch!(review, Kind::Review)
            .into_iter()
            .map(|m| (m.id, Record::Review(m))),
    );
    {
        use entity::exemplar;
        records.extend(
            fetch!(exemplar, Kind::Exemplar)
                .into_iter()
                .map(|m| (m.id, Record::Exemplar(m))),
        );
    }
    let mut removed = fetch!(tombstone, Kind::Removal);
    let order = |id: &Uuid| found.iter().position(|p| p.id == *id);
    records.sort_by_key(|(id, _)| order(id));
    removed.sort_by_key(|t| order(&t.id));
    // A record can be buried for several audiences; one removal is enough.
    let mut named = std::collections::HashSet::new();
    removed.retain(|t| named.insert((t.entity_type.clone(), t.entity_id)));
    Ok((records.into_iter().map(|(_, r)| r).collect(), removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(seq: i64, kind: u8, checked: i64, base: i64) -> SyncToken {
        SyncToken {
            position: Position {
                seq,
                kind,
                id: Uuid::now_v7(),
            },
            checked,
            base,
        }
    }

    #[test]
    fn a_token_survives_the_round_trip() {
        for t in [
            token(-1, 0, 0, 0),
            token(41, 3, 42, 7),
            SyncToken {
                position: Position::end_of(9),
                checked: 9,
                base: 9,
            },
        ] {
            assert_eq!(SyncToken::decode("since", &t.encode()).unwrap(), t);
        }
    }

    #[test]
    fn anything_else_is_bad_user_input() {
        let forged = |text: &str| URL_SAFE_NO_PAD.encode(text);
        let id = Uuid::nil().simple();
        for text in [
            String::new(),
            "not base64 at all!".to_owned(),
            forged("qcdc-sync-1:1:0"),
            forged(&format!("other-1:1:0:{id}:1:1")),
            forged(&format!("qcdc-sync-1:x:0:{id}:1:1")),
            forged("qcdc-sync-1:1:0:not-a-uuid:1:1"),
            // A position past the watermark it was checked at, or a pass base after it.
            forged(&format!("qcdc-sync-1:5:0:{id}:4:1")),
            forged(&format!("qcdc-sync-1:1:0:{id}:4:5")),
            forged(&format!("qcdc-sync-1:-2:0:{id}:4:1")),
        ] {
            let err = SyncToken::decode("since", &text).unwrap_err();
            assert_eq!(err.code(), "BAD_USER_INPUT", "{text}");
        }
    }

    #[test]
    fn positions_order_by_change_then_kind_then_id() {
        let a = Position {
            seq: 3,
            kind: Kind::Task as u8,
            id: Uuid::max(),
        };
        let b = Position {
            seq: 3,
            kind: Kind::Report as u8,
            id: Uuid::nil(),
        };
        let c = Position {
            seq: 4,
            kind: Kind::Unit as u8,
            id: Uuid::nil(),
        };
        assert!(Position::START < a && a < b && b < c && c < Position::end_of(4));
        assert!(Position::end_of(3) < c);
    }
}
