//! The indicator catalogue.

use async_graphql::{Context, ID, InputObject, Object};
use entity::indicator as db;

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    enums::{Aggregation, Measure, Provenance},
    id::{self, NodeType},
};
use crate::{domain::indicators, error::AppResult};

/// An indicator (chỉ tiêu) reports give values for, e.g. propaganda sessions held or petitions
/// resolved. Values add up the unit tree by `aggregation`.
pub struct Indicator(pub db::Model);

connection!(
    IndicatorConnection,
    IndicatorEdge,
    Indicator,
    "A page of indicators.",
    "An indicator in a page, with its cursor."
);

/// An indicator (chỉ tiêu) reports give values for, e.g. propaganda sessions held or petitions
/// resolved. Values add up the unit tree by `aggregation`.
#[Object]
impl Indicator {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Indicator, self.0.id)
    }
    /// Stable code, e.g. `C4.PETITIONS_RESOLVED`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Vietnamese name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Longer explanation, when given.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// What the value counts.
    async fn measure(&self) -> Measure {
        self.0.measure.into()
    }
    /// How values combine up the unit tree.
    async fn aggregation(&self) -> Aggregation {
        self.0.aggregation.into()
    }
    /// For a ratio: code of the numerator indicator.
    async fn numerator_code(&self) -> Option<&str> {
        self.0.numerator_code.as_deref()
    }
    /// For a ratio: code of the denominator indicator.
    async fn denominator_code(&self) -> Option<&str> {
        self.0.denominator_code.as_deref()
    }
    /// Key content area (1–7) the indicator measures.
    async fn content_area(&self) -> Option<i32> {
        self.0.content_area.map(i32::from)
    }
    /// Where this record comes from.
    async fn provenance(&self) -> Provenance {
        self.0.provenance.into()
    }
}

/// Filters for `indicators`.
#[derive(InputObject, Default)]
pub struct IndicatorFilter {
    /// Only these codes. At most 1,000 items.
    pub codes: Option<Vec<String>>,
    /// Only this key content area (1–7).
    pub content_area: Option<i32>,
    /// Words of the code or name; case and diacritics are ignored.
    pub search: Option<String>,
    /// Only records changed at or after this time (server clock). A time later than the
    /// server's clock is `BAD_USER_INPUT`.
    #[graphql(
        deprecation = "Use `changes`: a time from the device's clock misses changes, \
                             and records that enter or leave your view are not listed."
    )]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Default)]
pub struct IndicatorQuery;

#[Object]
impl IndicatorQuery {
    /// The indicator catalogue, by code. Reference data: every signed-in user reads it.
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Conditions every returned indicator meets.")] filter: Option<
            IndicatorFilter,
        >,
    ) -> AppResult<IndicatorConnection> {
        let caller = ctx.caller()?;
        let f = filter.unwrap_or_default();
        let filter = indicators::IndicatorFilter {
            codes: f.codes,
            content_area: f.content_area,
            search: f.search,
            updated_since: f.updated_since,
        };
        let page = indicators::list(
            ctx.db(),
            caller,
            &filter,
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(IndicatorConnection::from_page(page, Indicator))
    }

    /// One indicator by id.
    async fn indicator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the indicator.")] id: ID,
    ) -> AppResult<Option<Indicator>> {
        let caller = ctx.caller()?;
        let uuid = id::decode("id", NodeType::Indicator, &id)?;
        Ok(indicators::get(ctx.db(), caller, uuid)
            .await?
            .map(Indicator))
    }
}
