//! Keyset pagination shared by every list: rows are ordered by `(sort_key, id)` and a cursor
//! names the last row seen, so a page costs the same however deep the client has paged.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// A row that can be paged: its sort key and id.
pub trait Keyed {
    fn sort_key(&self) -> &str;
    fn id(&self) -> Uuid;
}

/// Relay arguments as the client sent them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// A decoded cursor: the `(sort_key, id)` of a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub sort_key: String,
    pub id: Uuid,
}

impl Cursor {
    pub fn of(row: &impl Keyed) -> Self {
        Self {
            sort_key: row.sort_key().to_owned(),
            id: row.id(),
        }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}\u{1f}{}", self.sort_key, self.id.simple()))
    }

    pub fn decode(field: &str, text: &str) -> AppResult<Self> {
        let bad = || AppError::bad_input(field, "invalid cursor");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let (sort_key, id) = text.rsplit_once('\u{1f}').ok_or_else(bad)?;
        Ok(Self {
            sort_key: sort_key.to_owned(),
            id: Uuid::parse_str(id).map_err(|_| bad())?,
        })
    }
}

/// One page of rows, in list order.
#[derive(Debug)]
pub struct Page<M> {
    pub items: Vec<M>,
    pub has_next: bool,
    pub has_previous: bool,
    pub total: Option<u64>,
}

impl<M> Page<M> {
    pub fn map<N>(self, f: impl FnMut(M) -> N) -> Page<N> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
            total: self.total,
        }
    }
}

struct Window {
    limit: u64,
    backward: bool,
    after: Option<Cursor>,
    before: Option<Cursor>,
}

impl PageArgs {
    fn window(&self) -> AppResult<Window> {
        let size = |field: &str, n: i32| -> AppResult<u64> {
            u64::try_from(n)
                .ok()
                .filter(|n| *n <= MAX_PAGE_SIZE)
                .ok_or_else(|| {
                    AppError::bad_input(field, format!("must be between 0 and {MAX_PAGE_SIZE}"))
                })
        };
        let (limit, backward) = match (self.first, self.last) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_input(
                    "last",
                    "use either `first` or `last`, not both",
                ));
            }
            (Some(n), None) => (size("first", n)?, false),
            (None, Some(n)) => (size("last", n)?, true),
            (None, None) => (DEFAULT_PAGE_SIZE, false),
        };
        Ok(Window {
            limit,
            backward,
            after: self
                .after
                .as_deref()
                .map(|c| Cursor::decode("after", c))
                .transpose()?,
            before: self
                .before
                .as_deref()
                .map(|c| Cursor::decode("before", c))
                .transpose()?,
        })
    }
}

/// Fetches one page of `select`, ordered by `(sort, id)`. `count` asks for the total as well.
pub async fn fetch<E, C>(
    db: &C,
    select: Select<E>,
    sort: E::Column,
    id: E::Column,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Keyed + Sync,
    C: ConnectionTrait,
{
    let window = args.window()?;
    let total = if count {
        Some(select.clone().count(db).await?)
    } else {
        None
    };
    let mut query = select;
    if let Some(c) = &window.after {
        query = query.filter(
            Condition::any().add(sort.gt(c.sort_key.as_str())).add(
                Condition::all()
                    .add(sort.eq(c.sort_key.as_str()))
                    .add(id.gt(c.id)),
            ),
        );
    }
    if let Some(c) = &window.before {
        query = query.filter(
            Condition::any().add(sort.lt(c.sort_key.as_str())).add(
                Condition::all()
                    .add(sort.eq(c.sort_key.as_str()))
                    .add(id.lt(c.id)),
            ),
        );
    }
    query = if window.backward {
        query.order_by_desc(sort).order_by_desc(id)
    } else {
        query.order_by_asc(sort).order_by_asc(id)
    };
    let mut items = query.limit(window.limit + 1).all(db).await?;
    let more = items.len() as u64 > window.limit;
    items.truncate(window.limit as usize);
    let (has_next, has_previous) = if window.backward {
        items.reverse();
        (window.before.is_some(), more)
    } else {
        (more, window.after.is_some())
    };
    Ok(Page {
        items,
        has_next,
        has_previous,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_any_text() {
        let c = Cursor {
            sort_key: "đ\u{1f}x 1".into(),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode("after", &c.encode()).unwrap(), c);
    }

    #[test]
    fn garbage_cursor_is_bad_input_naming_the_argument() {
        let err = Cursor::decode("before", "!!!").unwrap_err();
        assert_eq!(err.code(), "BAD_USER_INPUT");
        assert!(matches!(err, AppError::BadInput { field, .. } if field == "before"));
    }

    #[test]
    fn page_sizes_are_bounded() {
        let args = |first, last| PageArgs {
            first,
            last,
            ..Default::default()
        };
        assert!(args(Some(101), None).window().is_err());
        assert!(args(Some(-1), None).window().is_err());
        assert!(args(Some(5), Some(5)).window().is_err());
        assert_eq!(args(None, None).window().unwrap().limit, DEFAULT_PAGE_SIZE);
        assert!(args(None, Some(3)).window().unwrap().backward);
    }
}
