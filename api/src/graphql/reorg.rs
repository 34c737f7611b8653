//! Units through time: versions, reorganisation events and the mutation that applies them.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use entity::{ReorgRole as StoredRole, reorg_event, unit_version};

use super::{
    ContextExt,
    enums::{Provenance, ReorgKind, UnitKind},
    id::{self, NodeType},
    legal::LegalDocument,
    loaders::failed,
    unit::{self, Unit},
};
use crate::{
    domain::{
        lineage::Revision,
        reorg::{self, NewReorg, SuccessorUnit},
    },
    error::{AppError, AppResult},
};

/// One dated version of a unit: what it was called, what kind it was and where it sat.
pub struct UnitVersion(pub unit_version::Model);

/// One dated version of a unit: what it was called, what kind it was and where it sat.
#[Object]
impl UnitVersion {
    /// First day of the version; null: since before records began.
    async fn valid_from(&self) -> Option<NaiveDate> {
        self.0.valid_from
    }
    /// First day after the version (exclusive); null: still current.
    async fn valid_to(&self) -> Option<NaiveDate> {
        self.0.valid_to
    }
    /// Code in this version.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name in this version.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Short name in this version.
    async fn short_name(&self) -> Option<&str> {
        self.0.short_name.as_deref()
    }
    /// Kind in this version.
    async fn kind(&self) -> UnitKind {
        self.0.kind.into()
    }
    /// Parent in this version.
    async fn parent(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, self.0.parent_id).await
    }
    /// The reorganisation that opened this version, if one did.
    async fn reorganisation(&self, ctx: &Context<'_>) -> AppResult<Option<Reorganisation>> {
        let Some(event) = self.0.event_id else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()
            .reorg_events
            .load_one(event)
            .await
            .map_err(failed)?
            .map(Reorganisation))
    }
}

/// A reorganisation of units (merge, absorb, split, partial transfer, rename, reclassify, move,
/// dissolve) with its effective date and legal basis.
pub struct Reorganisation(pub reorg_event::Model);

impl Reorganisation {
    async fn units(&self, ctx: &Context<'_>, role: StoredRole) -> AppResult<Vec<Unit>> {
        let links = ctx
            .loaders()
            .reorg_links
            .load_one(self.0.id)
            .await
            .map_err(failed)?
            .unwrap_or_default();
        let ids: Vec<_> = links
            .into_iter()
            .filter(|l| l.role == role)
            .map(|l| l.unit_id)
            .collect();
        let mut found = ctx
            .loaders()
            .units
            .load_many(ids.clone())
            .await
            .map_err(failed)?;
        Ok(ids
            .iter()
            .filter_map(|id| found.remove(id))
            .map(Unit)
            .collect())
    }
}

/// A reorganisation of units (merge, absorb, split, partial transfer, rename, reclassify, move,
/// dissolve) with its effective date and legal basis.
#[Object]
impl Reorganisation {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Reorganisation, self.0.id)
    }
    /// Stable code of events loaded from a scenario file (e.g. `phu-loi`).
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    /// Kind of reorganisation.
    async fn kind(&self) -> ReorgKind {
        self.0.kind.into()
    }
    /// First day the new arrangement holds.
    async fn effective_on(&self) -> NaiveDate {
        self.0.effective_on
    }
    /// What happened, in a line.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Remarks.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Where this record comes from.
    async fn provenance(&self) -> Provenance {
        self.0.provenance.into()
    }
    /// The decision or resolution behind the event.
    async fn legal_basis(&self, ctx: &Context<'_>) -> AppResult<Option<LegalDocument>> {
        super::legal::load(ctx, self.0.legal_basis_id).await
    }
    /// Units the event closed or changed.
    async fn predecessors(&self, ctx: &Context<'_>) -> AppResult<Vec<Unit>> {
        self.units(ctx, StoredRole::Predecessor).await
    }
    /// Units that continue the predecessors or took over their open work.
    async fn successors(&self, ctx: &Context<'_>) -> AppResult<Vec<Unit>> {
        self.units(ctx, StoredRole::Successor).await
    }
}

/// A unit a reorganisation creates.
#[derive(InputObject)]
pub struct NewUnitInput {
    /// Unique code, e.g. `ST.PHULOI`.
    pub code: String,
    /// Full Vietnamese name.
    pub name: String,
    /// Short name.
    pub short_name: Option<String>,
    /// Kind of unit.
    pub kind: UnitKind,
    /// Parent from the effective date; by default the first predecessor's parent.
    pub parent_id: Option<ID>,
    /// SPLIT: this successor receives the open work no `routing` entry maps elsewhere.
    #[graphql(default)]
    pub routing_default: bool,
    /// The day the unit ceases to exist (exclusive, like every `validTo`): the end of a
    /// community board's term. After the effective date; by default open-ended.
    pub valid_to: Option<NaiveDate>,
}

/// Which unit receives a predecessor's open work.
#[derive(InputObject)]
pub struct RoutingInput {
    /// The predecessor.
    pub from_id: ID,
    /// The unit that takes its open work over.
    pub to_id: ID,
}

/// A reorganisation to apply.
#[derive(InputObject)]
pub struct ReorganisationInput {
    /// Kind of reorganisation.
    pub kind: ReorgKind,
    /// First day the new arrangement holds; it may not precede a change already recorded for
    /// the units involved.
    pub effective_on: NaiveDate,
    /// What happened, in a line.
    pub title: String,
    /// Remarks.
    pub note: Option<String>,
    /// The decision or resolution behind the event.
    pub legal_basis_id: Option<ID>,
    /// Units the event closes (MERGE_NEW, ABSORB, SPLIT, DISSOLVE) or changes (RENAME,
    /// RECLASSIFY, REPARENT), or the unit giving up sub-units (PARTIAL_TRANSFER). At most 1,000 items.
    pub predecessor_ids: Vec<ID>,
    /// The existing unit that continues: the absorbing unit (ABSORB), the receiving unit
    /// (PARTIAL_TRANSFER), or the unit taking over open work (DISSOLVE).
    pub successor_id: Option<ID>,
    /// Units the event creates: one for MERGE_NEW, two or more for SPLIT. At most 1,000 items.
    pub new_units: Option<Vec<NewUnitInput>>,
    /// RENAME: the new name.
    pub name: Option<String>,
    /// RENAME: the new short name.
    pub short_name: Option<String>,
    /// RENAME: the new code.
    pub code: Option<String>,
    /// RECLASSIFY: the new kind.
    pub unit_kind: Option<UnitKind>,
    /// REPARENT: the new parent.
    pub parent_id: Option<ID>,
    /// PARTIAL_TRANSFER: the sub-units that move to the successor. At most 1,000 items.
    pub transferred_ids: Option<Vec<ID>>,
    /// DISSOLVE, SPLIT: where the open sub-units of closing units go.
    pub children_to_id: Option<ID>,
    /// Predecessor → unit receiving its open work, overriding the default successor. At most 1,000 items.
    pub routing: Option<Vec<RoutingInput>>,
}

/// What a reorganisation did.
#[derive(SimpleObject)]
pub struct ReorganisationPayload {
    /// The recorded event.
    pub reorganisation: Reorganisation,
    /// Open assignments handed to successors.
    pub rerouted_assignments: u32,
    /// Open report obligations handed to successors.
    pub rerouted_obligations: u32,
    /// Pending plan derivations handed to successors.
    pub rerouted_recipients: u32,
    /// Grants issued on successors to the holders of the predecessors' grants.
    pub grants_issued: u32,
}

fn ids(field: &str, list: Option<Vec<ID>>) -> AppResult<Vec<uuid::Uuid>> {
    list.unwrap_or_default()
        .iter()
        .map(|i| id::decode(field, NodeType::Unit, i))
        .collect()
}

#[derive(Default)]
pub struct ReorgMutation;

#[Object]
impl ReorgMutation {
    /// Applies a reorganisation in one transaction (STEERING or ADMIN over every unit involved).
    /// Predecessors' versions close and successors' open on `effectiveOn`; open assignments,
    /// report obligations and pending plan derivations of closing units are rerouted to the
    /// successor (or per `routing`), each new row pointing back to the one it replaces; closed
    /// work stays with the unit that did it. Grants follow without widening access: holders of
    /// a merged or split unit's grants get the same role on the new units (which hold nothing
    /// but what their predecessors held); holders of an absorbed unit's grants get it on the
    /// sub-units that move under the absorbing unit, not on the absorbing unit itself; a
    /// dissolved unit's grants stay on it, so its history stays readable but nothing changes
    /// through them.
    async fn apply_reorganisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event.")] input: ReorganisationInput,
    ) -> AppResult<ReorganisationPayload> {
        let new_units = input
            .new_units
            .unwrap_or_default()
            .into_iter()
            .map(|u| {
                Ok(SuccessorUnit {
                    code: u.code,
                    name: u.name,
                    short_name: u.short_name,
                    kind: u.kind.into(),
                    grassroots_type: None,
                    parent: id::decode_opt(
                        "newUnits.parentId",
                        NodeType::Unit,
                        u.parent_id.as_ref(),
                    )?,
                    routing_default: u.routing_default,
                    valid_to: u.valid_to,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let parent = id::decode_opt("parentId", NodeType::Unit, input.parent_id.as_ref())?;
        let routing = input
            .routing
            .unwrap_or_default()
            .iter()
            .map(|r| {
                Ok((
                    id::decode("routing.fromId", NodeType::Unit, &r.from_id)?,
                    id::decode("routing.toId", NodeType::Unit, &r.to_id)?,
                ))
            })
            .collect::<AppResult<Vec<_>>>()?;
        let new = NewReorg {
            code: None,
            kind: input.kind.into(),
            effective_on: input.effective_on,
            legal_basis: id::decode_opt(
                "legalBasisId",
                NodeType::LegalDocument,
                input.legal_basis_id.as_ref(),
            )?,
            title: input.title,
            note: input.note,
            provenance: entity::Provenance::User,
            predecessors: ids("predecessorIds", Some(input.predecessor_ids))?,
            successor: id::decode_opt("successorId", NodeType::Unit, input.successor_id.as_ref())?,
            new_units,
            revision: Revision {
                code: input.code,
                name: input.name,
                short_name: input.short_name,
                kind: input.unit_kind.map(Into::into),
                parent: parent.map(Some),
            },
            transferred: ids("transferredIds", input.transferred_ids)?,
            children_to: id::decode_opt(
                "childrenToId",
                NodeType::Unit,
                input.children_to_id.as_ref(),
            )?,
            routing,
        };
        let applied = reorg::apply(ctx.writer(), &ctx.actor()?, new).await?;
        Ok(ReorganisationPayload {
            reorganisation: Reorganisation(applied.event),
            rerouted_assignments: applied.rerouted.assignments,
            rerouted_obligations: applied.rerouted.obligations,
            rerouted_recipients: applied.rerouted.recipients,
            grants_issued: applied.grants_issued,
        })
    }
}

#[derive(Default)]
pub struct ReorgQuery;

#[Object]
impl ReorgQuery {
    /// Reorganisations that involved a unit (as predecessor or successor), oldest first.
    async fn reorganisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit; it must be visible to the caller.")] unit_id: ID,
    ) -> AppResult<Vec<Reorganisation>> {
        let caller = ctx.caller()?;
        let uuid = id::decode("unitId", NodeType::Unit, &unit_id)?;
        if crate::domain::units::get(ctx.db(), caller, uuid, None)
            .await?
            .is_none()
        {
            return Err(AppError::NotFound("unit"));
        }
        Ok(reorg::of_unit(ctx.db(), uuid)
            .await?
            .into_iter()
            .map(Reorganisation)
            .collect())
    }
}
