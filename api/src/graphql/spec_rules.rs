//! The validation rules of the GraphQL specification that apollo-compiler (1.33) does not
//! check where values nest, checked over a document it has already validated:
//! - §5.6.3 *Input Object Field Uniqueness*: `{ kinds: [A], kinds: [B] }` names a field twice;
//! - §5.8.5 *All Variable Usages Are Allowed*, inside lists and input objects as well as at
//!   the top of an argument (`kinds: [$k]` with `$k: UnitKind` where `UnitKind!` is expected);
//! - §5.2.3.1 *Single Root Field*, counted as the specification counts it: by response key
//!   after collecting fields, so a subscription that selects its one field twice (directly and
//!   in a fragment) has one root field. apollo-compiler counts selections; its verdict on this
//!   rule is replaced by [`single_root_field`] (see `graphql::validation`).
//!
//! Differences found against graphql-js are caught by `tests/clients/differential.mjs`.

use std::collections::HashSet;

use apollo_compiler::{
    Name, Node, Schema,
    ast::{Argument, DirectiveList, Type, Value, VariableDefinition},
    executable::{ExecutableDocument, Operation, Selection, SelectionSet},
    schema::Component,
};

/// The message apollo-compiler gives for its own count of a subscription's root fields.
pub const APOLLO_SINGLE_ROOT_FIELD: &str = "can only have one root field";

/// §5.2.3.1: each subscription operation of `document` selects exactly one response key at
/// its root (fields collected through inline fragments and fragment spreads).
pub fn single_root_field(document: &ExecutableDocument) -> Vec<Breach> {
    fn collect<'a>(
        document: &'a ExecutableDocument,
        set: &'a SelectionSet,
        keys: &mut HashSet<&'a Name>,
        seen: &mut HashSet<&'a Name>,
    ) {
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    keys.insert(field.response_key());
                }
                Selection::InlineFragment(inline) => {
                    collect(document, &inline.selection_set, keys, seen);
                }
                Selection::FragmentSpread(spread) => {
                    if seen.insert(&spread.fragment_name)
                        && let Some(fragment) = document.fragments.get(&spread.fragment_name)
                    {
                        collect(document, &fragment.selection_set, keys, seen);
                    }
                }
            }
        }
    }
    let mut breaches = Vec::new();
    for operation in document.operations.iter() {
        if operation.operation_type != apollo_compiler::ast::OperationType::Subscription {
            continue;
        }
        let mut keys = HashSet::new();
        collect(
            document,
            &operation.selection_set,
            &mut keys,
            &mut HashSet::new(),
        );
        if keys.len() != 1 {
            breaches.push(Breach {
                message: format!(
                    "a subscription selects exactly one root field; this one selects {}",
                    keys.len()
                ),
                at: operation.location(),
            });
        }
    }
    breaches
}

/// One breach: what is wrong, and the node where it is.
pub struct Breach {
    pub message: String,
    pub at: Option<apollo_compiler::parser::SourceSpan>,
}

/// Every breach of the two rules in `document`.
pub fn check(schema: &Schema, document: &ExecutableDocument) -> Vec<Breach> {
    let mut breaches = Vec::new();
    for operation in document.operations.iter() {
        let mut walk = Walk {
            schema,
            document,
            operation,
            seen_fragments: HashSet::new(),
            breaches: &mut breaches,
        };
        for definition in &operation.variables {
            if let Some(default) = &definition.default_value {
                walk.value(default, &definition.ty, false);
            }
        }
        walk.directives(&operation.directives);
        walk.set(&operation.selection_set);
    }
    breaches
}

struct Walk<'a, 'b> {
    schema: &'a Schema,
    document: &'a ExecutableDocument,
    operation: &'a Operation,
    seen_fragments: HashSet<Name>,
    breaches: &'b mut Vec<Breach>,
}

impl Walk<'_, '_> {
    fn set(&mut self, set: &SelectionSet) {
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    self.arguments(&field.arguments, |name| {
                        field.definition.argument_by_name(name).map(|d| &**d)
                    });
                    self.directives(&field.directives);
                    self.set(&field.selection_set);
                }
                Selection::InlineFragment(inline) => {
                    self.directives(&inline.directives);
                    self.set(&inline.selection_set);
                }
                Selection::FragmentSpread(spread) => {
                    self.directives(&spread.directives);
                    // A fragment's usages are judged once per operation that spreads it.
                    if self.seen_fragments.insert(spread.fragment_name.clone())
                        && let Some(fragment) = self.document.fragments.get(&spread.fragment_name)
                    {
                        self.directives(&fragment.directives);
                        self.set(&fragment.selection_set);
                    }
                }
            }
        }
    }

    fn directives(&mut self, directives: &DirectiveList) {
        for directive in directives.iter() {
            if let Some(definition) = self.schema.directive_definitions.get(&directive.name) {
                self.arguments(&directive.arguments, |name| {
                    definition.argument_by_name(name).map(|d| &**d)
                });
            }
        }
    }

    fn arguments<'d>(
        &mut self,
        arguments: &[Node<Argument>],
        definition: impl Fn(&str) -> Option<&'d apollo_compiler::ast::InputValueDefinition>,
    ) {
        for argument in arguments {
            if let Some(definition) = definition(argument.name.as_str()) {
                let has_default = definition.default_value.is_some();
                self.value(&argument.value, &definition.ty, has_default);
            }
        }
    }

    /// Walks `value` in a position of type `expected`; `location_default` says whether that
    /// position (an argument or an input field) has a default of its own.
    fn value(&mut self, value: &Node<Value>, expected: &Type, location_default: bool) {
        match &**value {
            Value::Variable(name) => {
                let definition = self
                    .operation
                    .variables
                    .iter()
                    .find(|definition| definition.name == *name);
                if let Some(definition) = definition
                    && !usage_allowed(definition, expected, location_default)
                {
                    self.breaches.push(Breach {
                        message: format!(
                            "variable `${name}` of type `{}` cannot be used in a position of type `{expected}`",
                            definition.ty
                        ),
                        at: value.location(),
                    });
                }
            }
            Value::List(items) => {
                // A single value stands for a one-item list (input coercion), so both walk on.
                let item = expected.item_type();
                for value in items {
                    self.value(value, item, false);
                }
            }
            Value::Object(fields) => {
                let mut names = HashSet::new();
                for (name, _) in fields {
                    if !names.insert(name) {
                        self.breaches.push(Breach {
                            message: format!("input field `{name}` is given more than once"),
                            at: value.location(),
                        });
                    }
                }
                let input = self.schema.get_input_object(expected.inner_named_type());
                for (name, field_value) in fields {
                    let definition: Option<&Component<_>> =
                        input.and_then(|input| input.fields.get(name));
                    if let Some(definition) = definition {
                        let has_default = definition.default_value.is_some();
                        self.value(field_value, &definition.ty, has_default);
                    }
                }
            }
            _ => {}
        }
    }
}

/// §5.8.5 IsVariableUsageAllowed(variableDefinition, variableUsage).
fn usage_allowed(definition: &VariableDefinition, location: &Type, location_default: bool) -> bool {
    let variable = &*definition.ty;
    if location.is_non_null() && !variable.is_non_null() {
        let variable_default = definition
            .default_value
            .as_deref()
            .is_some_and(|value| !matches!(value, Value::Null));
        if !variable_default && !location_default {
            return false;
        }
        return compatible(variable, &location.clone().nullable());
    }
    compatible(variable, location)
}

/// §5.8.5 AreTypesCompatible(variableType, locationType).
fn compatible(variable: &Type, location: &Type) -> bool {
    match (variable, location) {
        (_, Type::NonNullNamed(_) | Type::NonNullList(_)) => {
            variable.is_non_null()
                && compatible(&variable.clone().nullable(), &location.clone().nullable())
        }
        (Type::NonNullNamed(_) | Type::NonNullList(_), _) => {
            compatible(&variable.clone().nullable(), location)
        }
        (Type::List(variable), Type::List(location)) => compatible(variable, location),
        (Type::List(_), _) | (_, Type::List(_)) => false,
        (Type::Named(variable), Type::Named(location)) => variable == location,
    }
}

#[cfg(test)]
mod tests {
    use apollo_compiler::{ExecutableDocument, Schema};

    use super::check;

    const SDL: &str = r#"
        enum Kind { A B }
        input Filter { kinds: [Kind!] within: ID limit: Int = 5 }
        type Query { units(filter: Filter, ids: [ID!]): Int }
    "#;

    /// Whether the document is refused, by apollo-compiler or by these rules.
    fn refused(query: &str) -> bool {
        let schema = Schema::parse_and_validate(SDL, "schema.graphql").expect("schema");
        match ExecutableDocument::parse_and_validate(&schema, query, "q.graphql") {
            Ok(document) => !check(&schema, &document).is_empty(),
            Err(_) => true,
        }
    }

    #[test]
    fn an_input_field_given_twice_is_a_breach() {
        assert!(refused("{ units(filter: { kinds: [A], kinds: [B] }) }"));
        assert!(!refused("{ units(filter: { kinds: [A], within: \"x\" }) }"));
    }

    #[test]
    fn variables_nested_in_lists_and_objects_must_fit_their_position() {
        assert!(refused(
            "query($k: Kind) { units(filter: { kinds: [$k] }) }"
        ));
        assert!(!refused(
            "query($k: Kind!) { units(filter: { kinds: [$k] }) }"
        ));
        assert!(!refused(
            "query($k: Kind = A) { units(filter: { kinds: [$k] }) }"
        ));
        assert!(refused("query($i: String!) { units(ids: [$i]) }"));
        assert!(!refused("query($i: ID) { units(filter: { within: $i }) }"));
        assert!(!refused("query($n: Int) { units(filter: { limit: $n }) }"));
        assert!(refused(
            "query($k: [Kind]) { units(filter: { kinds: $k }) }"
        ));
        assert!(!refused(
            "query($k: [Kind!]!) { units(filter: { kinds: $k }) }"
        ));
    }
}
