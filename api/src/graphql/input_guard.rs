//! Reads every argument of an operation, written inline or passed as a variable, before any
//! resolver runs: no list may hold more than [`MAX_LIST_ITEMS`] items, and no string may hold
//! characters that no text needs ([`text::Shape::Any`]: NUL and other controls except tab and
//! line breaks, bidirectional overrides). A refusal is `BAD_USER_INPUT` naming the argument
//! (`input.grants`, `filter.search`, `input.indicatorValues[2].note`).
//!
//! This is the floor every entry point stands on, HTTP and WebSocket alike (it is part of the
//! schema's hooks, `super::hooks`): a filter of 70,000 ids or a NUL in a search never reaches the database. Stricter
//! rules for identifiers and titles live where text enters the domain
//! ([`text::parse_line`], [`text::parse_block`]).

use std::collections::HashMap;

use async_graphql::{
    Name, Pos, ServerError, ServerResult, Value, Variables,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

use crate::{error::AppError, text};

/// Most items any list argument may hold (ids, codes, kinds, statuses, grants, values…).
pub const MAX_LIST_ITEMS: usize = 1_000;

/// Checks every field argument of every operation and fragment of `document`.
pub(super) fn check_document(
    document: &ExecutableDocument,
    variables: &Variables,
) -> ServerResult<()> {
    for (_, operation) in document.operations.iter() {
        // A variable the request leaves out takes its declared default.
        let mut values: HashMap<Name, Value> = HashMap::new();
        for definition in &operation.node.variable_definitions {
            let name = &definition.node.name.node;
            let given = variables.get(name).cloned();
            let default = definition.node.default_value().cloned();
            if let Some(value) = given.or(default) {
                values.insert(name.clone(), value);
            }
        }
        check_selections(&operation.node.selection_set.node, &values)?;
        for fragment in document.fragments.values() {
            check_selections(&fragment.node.selection_set.node, &values)?;
        }
    }
    Ok(())
}

fn check_selections(set: &SelectionSet, variables: &HashMap<Name, Value>) -> ServerResult<()> {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                for (name, value) in &field.node.arguments {
                    let resolved = value.node.clone().into_const_with(|var| {
                        Ok::<_, std::convert::Infallible>(
                            variables.get(&var).cloned().unwrap_or(Value::Null),
                        )
                    });
                    let Ok(resolved) = resolved;
                    check_value(&mut name.node.to_string(), &resolved)
                        .map_err(|err| refusal(err, value.pos))?;
                }
                check_selections(&field.node.selection_set.node, variables)?;
            }
            Selection::InlineFragment(fragment) => {
                check_selections(&fragment.node.selection_set.node, variables)?;
            }
            // Named fragments are checked once each, from the document.
            Selection::FragmentSpread(_) => {}
        }
    }
    Ok(())
}

/// Walks `value`, `path` naming where it sits; lists and strings are what it checks.
fn check_value(path: &mut String, value: &Value) -> Result<(), AppError> {
    match value {
        Value::String(s) => text::check(path, s, text::Shape::Any),
        Value::List(items) => {
            if items.len() > MAX_LIST_ITEMS {
                return Err(AppError::bad_input(
                    path.as_str(),
                    format!(
                        "holds {} items; a list argument holds at most {MAX_LIST_ITEMS}",
                        items.len()
                    ),
                ));
            }
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_value(path, item)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let len = path.len();
                path.push('.');
                path.push_str(key);
                check_value(path, item)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn refusal(err: AppError, pos: Pos) -> ServerError {
    async_graphql::Error::from(err).into_server_error(pos)
}

#[cfg(test)]
mod tests {
    use async_graphql::{Value, value};

    use super::{MAX_LIST_ITEMS, check_value};

    fn field(v: &Value) -> Option<String> {
        match check_value(&mut "input".to_owned(), v) {
            Ok(()) => None,
            Err(crate::error::AppError::BadInput { field, .. }) => Some(field),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn names_the_argument_path_of_a_refused_value() {
        assert_eq!(field(&value!({ "title": "ok\nfine\t" })), None);
        assert_eq!(
            field(&value!({ "values": [{ "note": "ok" }, { "note": "a\u{0}b" }] })).as_deref(),
            Some("input.values[1].note")
        );
        assert_eq!(
            field(&value!({ "search": "\u{202E}gnp" })).as_deref(),
            Some("input.search")
        );
        let long = Value::List(vec![Value::Null; MAX_LIST_ITEMS + 1]);
        assert_eq!(field(&long).as_deref(), Some("input"));
        let fits = Value::List(vec![Value::Null; MAX_LIST_ITEMS]);
        assert_eq!(field(&fits), None);
    }
}
