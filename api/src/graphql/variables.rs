//! Coerces a request's variables to the types its operation declares, before anything runs
//! (GraphQL spec §6.1.2 *CoerceVariableValues*): a required variable left out, a value of the
//! wrong type, an `Int` beyond 32 bits, an unknown enum value or input field, or a date that does
//! not parse is a request error, answered before execution with the variable's path
//! (`variables.input.dueOn`), never a field error after some resolvers ran.
//!
//! The engine coerces variables only when a field reads them, so without this a query with a
//! missing `ID!` variable ran and answered `"data": null`.

use apollo_compiler::{
    Schema,
    ast::{Type, VariableDefinition},
    schema::ExtendedType,
};
use async_graphql::{Value, Variables};

/// A variable that does not coerce: where (`variables.…`) and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Misfit {
    pub path: String,
    pub message: String,
}

/// Checks every variable `definitions` declare against `given`.
pub fn check(
    schema: &Schema,
    definitions: &[apollo_compiler::Node<VariableDefinition>],
    given: &Variables,
) -> Result<(), Misfit> {
    for definition in definitions {
        let mut path = format!("variables.{}", definition.name);
        match given.get(definition.name.as_str()) {
            None if definition.default_value.is_none() && definition.ty.is_non_null() => {
                return Err(Misfit {
                    path,
                    message: format!(
                        "variable `${}` of type `{}` is required",
                        definition.name, definition.ty
                    ),
                });
            }
            None => {}
            Some(value) => fits(schema, &definition.ty, value, &mut path)?,
        }
    }
    Ok(())
}

fn misfit(path: &str, message: impl Into<String>) -> Result<(), Misfit> {
    Err(Misfit {
        path: path.to_owned(),
        message: message.into(),
    })
}

/// Whether `value` coerces to `ty` (§3.5–3.10 input coercion), `path` naming it.
fn fits(schema: &Schema, ty: &Type, value: &Value, path: &mut String) -> Result<(), Misfit> {
    if matches!(value, Value::Null) {
        return if ty.is_non_null() {
            misfit(path, format!("must not be null (type `{ty}`)"))
        } else {
            Ok(())
        };
    }
    if ty.is_list() {
        let item = ty.item_type();
        return match value {
            Value::List(items) => {
                for (i, item_value) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    fits(schema, item, item_value, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            // A single value stands for a list of one.
            single => fits(schema, item, single, path),
        };
    }
    let name = ty.inner_named_type();
    match (name.as_str(), value) {
        ("Int", Value::Number(n)) if n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()) => Ok(()),
        ("Int", _) => misfit(
            path,
            "must be a whole number from -2147483648 to 2147483647",
        ),
        ("Float", Value::Number(n)) if n.as_f64().is_some_and(f64::is_finite) => Ok(()),
        ("Float", _) => misfit(path, "must be a number"),
        ("String", Value::String(_)) => Ok(()),
        ("String", _) => misfit(path, "must be a string"),
        ("Boolean", Value::Boolean(_)) => Ok(()),
        ("Boolean", _) => misfit(path, "must be true or false"),
        ("ID", Value::String(_)) => Ok(()),
        ("ID", Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(()),
        ("ID", _) => misfit(path, "must be a string or a whole number"),
        ("DateTime", Value::String(s)) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => Ok(()),
        ("DateTime", _) => misfit(
            path,
            "must be an RFC 3339 instant, e.g. 2024-03-01T08:00:00Z",
        ),
        ("NaiveDate", Value::String(s)) if s.parse::<chrono::NaiveDate>().is_ok() => Ok(()),
        ("NaiveDate", _) => misfit(path, "must be a date, e.g. 2024-03-01"),
        _ => match schema.types.get(name) {
            Some(ExtendedType::Enum(definition)) => match enum_text(value) {
                Some(text) if definition.values.contains_key(text.as_str()) => Ok(()),
                _ => misfit(path, format!("must be one of the values of `{name}`")),
            },
            Some(ExtendedType::InputObject(definition)) => {
                let Value::Object(fields) = value else {
                    return misfit(path, format!("must be an object of type `{name}`"));
                };
                for key in fields.keys() {
                    if !definition.fields.contains_key(key.as_str()) {
                        return misfit(path, format!("`{name}` has no field `{key}`"));
                    }
                }
                for (field_name, field) in &definition.fields {
                    let len = path.len();
                    path.push('.');
                    path.push_str(field_name);
                    match fields.get(field_name.as_str()) {
                        None if field.default_value.is_none() && field.ty.is_non_null() => {
                            return misfit(path, format!("is required (type `{}`)", field.ty));
                        }
                        None => {}
                        Some(field_value) => fits(schema, &field.ty, field_value, path)?,
                    }
                    path.truncate(len);
                }
                Ok(())
            }
            // Other scalars take what the engine parses; output types cannot be variables.
            _ => Ok(()),
        },
    }
}

fn enum_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Enum(name) => Some(name.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use apollo_compiler::{ExecutableDocument, Schema};
    use async_graphql::{Variables, value};

    use super::check;

    const SDL: &str = r#"
        scalar NaiveDate
        enum Kind { A B }
        input Filter { kinds: [Kind!] due: NaiveDate name: String! = "x" limit: Int }
        type Query { units(filter: Filter, id: ID, n: Int): Int }
    "#;

    fn path(query: &str, variables: async_graphql::Value) -> Option<String> {
        let schema = Schema::parse_and_validate(SDL, "schema.graphql").expect("schema");
        let document =
            ExecutableDocument::parse_and_validate(&schema, query, "q.graphql").expect("valid");
        let operation = document.operations.get(None).expect("one operation");
        check(
            &schema,
            &operation.variables,
            &Variables::from_value(variables),
        )
        .err()
        .map(|misfit| misfit.path)
    }

    #[test]
    fn required_variables_must_be_given() {
        let q = "query($id: ID!) { units(id: $id) }";
        assert_eq!(path(q, value!({})).as_deref(), Some("variables.id"));
        assert_eq!(
            path(q, value!({ "id": null })).as_deref(),
            Some("variables.id")
        );
        assert_eq!(path(q, value!({ "id": "x" })), None);
        assert_eq!(path(q, value!({ "id": 7 })), None);
        let with_default = "query($n: Int! = 3) { units(n: $n) }";
        assert_eq!(path(with_default, value!({})), None);
    }

    #[test]
    fn values_must_fit_their_type_all_the_way_down() {
        let q = "query($f: Filter, $n: Int) { units(filter: $f, n: $n) }";
        assert_eq!(
            path(q, value!({ "n": 4294967296i64 })).as_deref(),
            Some("variables.n")
        );
        assert_eq!(
            path(q, value!({ "n": 1.5 })).as_deref(),
            Some("variables.n")
        );
        assert_eq!(
            path(q, value!({ "f": { "due": "31/12/2024" } })).as_deref(),
            Some("variables.f.due")
        );
        assert_eq!(
            path(q, value!({ "f": { "kinds": ["A", "C"] } })).as_deref(),
            Some("variables.f.kinds[1]")
        );
        assert_eq!(
            path(q, value!({ "f": { "kinds": "B" } })),
            None,
            "a list of one"
        );
        assert_eq!(
            path(q, value!({ "f": { "other": 1 } })).as_deref(),
            Some("variables.f")
        );
        assert_eq!(
            path(q, value!({ "f": { "due": "2024-12-31", "limit": 5 } })),
            None
        );
    }
}
