//! Units: the organisational tree.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::NaiveDate;
use entity::unit as db;

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    enums::{GrassrootsType, Provenance, UnitKind},
    id::{self, NodeType},
    loaders::failed,
    reorg::{Reorganisation, UnitVersion},
};
use crate::{domain::units, error::AppResult};

/// An organisational unit (đơn vị): province, district, party committee, steering committee,
/// People's Committee, Fatherland Front, agency, enterprise… Units form a tree; a grant on a
/// unit covers its whole subtree. Units are never deleted: closed ones keep `validTo`.
pub struct Unit(pub db::Model);

connection!(
    UnitConnection,
    UnitEdge,
    Unit,
    "A page of units.",
    "A unit in a page, with its cursor."
);

/// An organisational unit (đơn vị): province, district, party committee, steering committee,
/// People's Committee, Fatherland Front, agency, enterprise… Units form a tree; a grant on a
/// unit covers its whole subtree. Units are never deleted: closed ones keep `validTo`.
#[Object]
impl Unit {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Unit, self.0.id)
    }
    /// Stable code, e.g. `ST.D01.BCD`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Full Vietnamese name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Short name, when one is in use.
    async fn short_name(&self) -> Option<&str> {
        self.0.short_name.as_deref()
    }
    /// Kind of unit.
    async fn kind(&self) -> UnitKind {
        self.0.kind.into()
    }
    /// Grassroots type under the Law on Grassroots Democracy, where one applies.
    async fn grassroots_type(&self) -> Option<GrassrootsType> {
        self.0.grassroots_type.map(Into::into)
    }
    /// First day the unit exists, when known.
    async fn valid_from(&self) -> Option<NaiveDate> {
        self.0.valid_from
    }
    /// Day the unit ceased to exist (exclusive), when it has.
    async fn valid_to(&self) -> Option<NaiveDate> {
        self.0.valid_to
    }
    /// Where this record comes from.
    async fn provenance(&self) -> Provenance {
        self.0.provenance.into()
    }
    /// Fields whose provenance differs from `provenance` (empty when none does).
    async fn field_provenance(&self) -> Vec<super::provenance::FieldProvenance> {
        super::provenance::fields(self.0.field_provenance.as_deref())
    }
    /// What in this record is not from the source, or other remarks.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Parent unit; null at the root.
    async fn parent(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        load(ctx, self.0.parent_id).await
    }
    /// The unit that took over when this one was merged or replaced.
    async fn successor(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        load(ctx, self.0.successor_id).await
    }
    /// Every dated version of the unit (name, code, kind, parent), oldest first.
    async fn versions(&self, ctx: &Context<'_>) -> AppResult<Vec<UnitVersion>> {
        ctx.caller()?;
        Ok(crate::domain::lineage::history(ctx.db(), self.0.id)
            .await?
            .into_iter()
            .map(UnitVersion)
            .collect())
    }
    /// Reorganisations the unit took part in, oldest first.
    async fn reorganisations(&self, ctx: &Context<'_>) -> AppResult<Vec<Reorganisation>> {
        ctx.caller()?;
        Ok(crate::domain::reorg::of_unit(ctx.db(), self.0.id)
            .await?
            .into_iter()
            .map(Reorganisation)
            .collect())
    }
    /// Ancestors from the root down to the parent, as they stood on a day.
    async fn ancestors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day; default today, or the unit's last day when it has closed.")]
        as_of: Option<NaiveDate>,
    ) -> AppResult<Vec<Unit>> {
        ctx.caller()?;
        Ok(units::ancestors(ctx.db(), &self.0, as_of, ctx.today())
            .await?
            .into_iter()
            .map(Unit)
            .collect())
    }
    /// Direct children the caller may see, in Vietnamese alphabetical order.
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
        #[graphql(
            desc = "The children on this day, with that day's names; default: every unit \
                          ever placed directly under this one."
        )]
        as_of: Option<NaiveDate>,
    ) -> AppResult<UnitConnection> {
        let filter = units::UnitFilter {
            parent: Some(self.0.id),
            as_of,
            ..Default::default()
        };
        let page = units::list(
            ctx.db(),
            ctx.caller()?,
            &filter,
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(UnitConnection::from_page(page, Unit))
    }
    /// The grants held on this unit itself (each covers its subtree), with their holders: only
    /// those the caller manages, i.e. that lie inside one of its ADMIN or STEERING grants of
    /// the same or higher rank (README, "Power"); an empty list for everyone else.
    async fn grants(&self, ctx: &Context<'_>) -> AppResult<Vec<super::user::RoleGrant>> {
        ctx.caller()?;
        Ok(
            super::loaders::group(ctx.loaders().unit_grants.load_one(self.0.id).await)?
                .into_iter()
                .map(super::user::RoleGrant)
                .collect(),
        )
    }
}

/// Loads a unit referenced by a record the caller already sees.
pub async fn load(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> AppResult<Option<Unit>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .loaders()
        .units
        .load_one(id)
        .await
        .map_err(failed)?
        .map(Unit))
}

/// Filters for `units`.
#[derive(InputObject, Default)]
pub struct UnitFilter {
    /// Only this unit and the units below it.
    pub within: Option<ID>,
    /// Only the direct children of this unit.
    pub parent: Option<ID>,
    /// Only these kinds. At most 1,000 items.
    pub kinds: Option<Vec<UnitKind>>,
    /// Words of the name or code; case and diacritics are ignored ("soc trang" finds "Sóc Trăng").
    pub search: Option<String>,
    /// Only the unit whose code is exactly this (e.g. `ST.PHULOI`; case matters).
    pub code: Option<String>,
    /// Only records of this provenance.
    pub provenance: Option<Provenance>,
    /// Only records changed at or after this time (server clock). A time later than the
    /// server's clock is `BAD_USER_INPUT`.
    #[graphql(
        deprecation = "Use `changes`: a time from the device's clock misses changes, \
                             and records that enter or leave your view are not listed."
    )]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

impl UnitFilter {
    fn into_domain(self) -> AppResult<units::UnitFilter> {
        Ok(units::UnitFilter {
            within: id::decode_opt("filter.within", NodeType::Unit, self.within.as_ref())?,
            parent: id::decode_opt("filter.parent", NodeType::Unit, self.parent.as_ref())?,
            kinds: self
                .kinds
                .map(|ks| ks.into_iter().map(Into::into).collect()),
            search: self.search,
            code: self.code,
            updated_since: self.updated_since,
            provenance: self.provenance.map(Into::into),
            as_of: None,
        })
    }
}

#[derive(Default)]
pub struct UnitQuery;

// Each GraphQL argument is a parameter of its resolver: the count is the API's, not a design smell.
#[allow(clippy::too_many_arguments)]
#[Object]
impl UnitQuery {
    /// Units the caller may see (its scopes' subtrees and their ancestors), in Vietnamese
    /// alphabetical order.
    async fn units(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Conditions every returned unit meets.")] filter: Option<UnitFilter>,
        #[graphql(
            desc = "The tree of this day: only units that existed then, each with that \
                          day's name, code, kind and parent (`filter.parent`, `filter.within` \
                          and `filter.kinds` are read on that day too). Default: every unit, \
                          open or closed, as it is now."
        )]
        as_of: Option<NaiveDate>,
    ) -> AppResult<UnitConnection> {
        let caller = ctx.caller()?;
        let mut filter = filter.unwrap_or_default().into_domain()?;
        filter.as_of = as_of;
        let page = units::list(
            ctx.db(),
            caller,
            &filter,
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(UnitConnection::from_page(page, Unit))
    }

    /// One unit by its code, exactly (e.g. `ST`; case matters); null when no unit has it or it
    /// is outside the caller's scope.
    async fn unit_by_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit's code (mã đơn vị).")] code: String,
    ) -> AppResult<Option<Unit>> {
        let caller = ctx.caller()?;
        crate::text::check("code", &code, crate::text::Shape::Any)?;
        Ok(units::get_by_code(ctx.db(), caller, &code).await?.map(Unit))
    }

    /// One unit by id; null when it does not exist or is outside the caller's scope.
    async fn unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the unit.")] id: ID,
        #[graphql(desc = "The unit as it was on this day (null if it did not exist then).")]
        as_of: Option<NaiveDate>,
    ) -> AppResult<Option<Unit>> {
        let caller = ctx.caller()?;
        let uuid = id::decode("id", NodeType::Unit, &id)?;
        Ok(units::get(ctx.db(), caller, uuid, as_of).await?.map(Unit))
    }
}
