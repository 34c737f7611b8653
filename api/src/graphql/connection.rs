//! Relay connections built from domain pages.

use async_graphql::{Context, SimpleObject};

use crate::domain::page::PageArgs;

/// Relay page information.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether more items follow this page.
    pub has_next_page: bool,
    /// Whether items precede this page.
    pub has_previous_page: bool,
    /// Cursor of the first item of this page.
    pub start_cursor: Option<String>,
    /// Cursor of the last item of this page.
    pub end_cursor: Option<String>,
}

/// Declares a Relay connection and edge type for one node type. async-graphql's own
/// `Connection` cannot carry type descriptions, and the schema is documentation.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $conn_doc:literal, $edge_doc:literal) => {
        #[doc = $conn_doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $conn {
            /// The items of this page, each with its cursor.
            pub edges: Vec<$edge>,
            /// Paging information.
            pub page_info: $crate::graphql::connection::PageInfo,
            /// Number of items matching the filter, across all pages.
            pub total_count: u64,
        }

        #[doc = $edge_doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque cursor of this item, for `after` and `before`.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        impl $conn {
            /// Wraps a page of rows, converting each with `wrap`.
            pub fn from_page<M: $crate::domain::page::Keyed>(
                page: $crate::domain::page::Page<M>,
                wrap: impl Fn(M) -> $node,
            ) -> Self {
                let edges: Vec<$edge> = page
                    .items
                    .into_iter()
                    .map(|row| $edge {
                        cursor: $crate::domain::page::Cursor::of(&row).encode(),
                        node: wrap(row),
                    })
                    .collect();
                Self {
                    page_info: $crate::graphql::connection::PageInfo {
                        has_next_page: page.has_next,
                        has_previous_page: page.has_previous,
                        start_cursor: edges.first().map(|e| e.cursor.clone()),
                        end_cursor: edges.last().map(|e| e.cursor.clone()),
                    },
                    edges,
                    total_count: page.total.unwrap_or_default(),
                }
            }
        }
    };
}
pub(crate) use connection;

pub fn page_args(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> PageArgs {
    PageArgs {
        first,
        after,
        last,
        before,
    }
}

/// Whether the client asked for `totalCount`, so the count query runs only when needed.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}
