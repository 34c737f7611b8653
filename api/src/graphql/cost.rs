//! What an operation costs and how deep it reaches, counted over the selection as the engine
//! will expand it, so that fragments spread many times are paid for as many times.
//!
//! The count is linear in the size of the document: each named fragment is measured once and
//! its measure reused at every spread, so a document whose fragments each spread the previous
//! one twice is measured in microseconds and refused, instead of expanded (2ⁿ fields) by the
//! engine's own validators.

use std::collections::HashMap;

use apollo_compiler::{
    Name,
    ast::Value,
    executable::{ExecutableDocument, Field, Operation, Selection, SelectionSet},
};

use crate::domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// Weight of a plain nested list (not a page): its items are counted as this many.
pub const LIST_WEIGHT: u64 = 5;

/// The cost and depth of one operation.
///
/// - `cost`: every selected field counts 1 (`__typename` included), plus what its items ask
///   for: a page (a field returning a `…Connection`) times its page size (`first` or `last`,
///   default [`DEFAULT_PAGE_SIZE`], at most [`MAX_PAGE_SIZE`]), a plain list times
///   [`LIST_WEIGHT`] (introspection's lists too), the lists inside a page once. Saturates at
///   `u64::MAX`.
/// - `depth`: the most fields nested inside one another (`{ me { id } }` is 2); fields of
///   introspection's own types (`__Type.ofType`…) add no level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Measure {
    pub cost: u64,
    pub depth: usize,
}

impl Measure {
    fn beside(self, other: Measure) -> Measure {
        Measure {
            cost: self.cost.saturating_add(other.cost),
            depth: self.depth.max(other.depth),
        }
    }
}

/// The measure of the costliest operation of `document`. `variable` gives the value a request
/// passes for a variable (only integers matter: page sizes).
pub fn measure(document: &ExecutableDocument, variable: &dyn Fn(&str) -> Option<i64>) -> Measure {
    document
        .operations
        .iter()
        .map(|operation| Walker::new(document, operation, variable).operation(operation))
        .fold(Measure::default(), |most, m| Measure {
            cost: most.cost.max(m.cost),
            depth: most.depth.max(m.depth),
        })
}

struct Walker<'a> {
    document: &'a ExecutableDocument,
    variable: &'a dyn Fn(&str) -> Option<i64>,
    defaults: HashMap<&'a str, i64>,
    fragments: HashMap<Name, Measure>,
}

impl<'a> Walker<'a> {
    fn new(
        document: &'a ExecutableDocument,
        operation: &'a Operation,
        variable: &'a dyn Fn(&str) -> Option<i64>,
    ) -> Self {
        let defaults = operation
            .variables
            .iter()
            .filter_map(|definition| match definition.default_value.as_deref() {
                Some(Value::Int(n)) => {
                    Some((definition.name.as_str(), n.try_to_i32().ok()?.into()))
                }
                _ => None,
            })
            .collect();
        Walker {
            document,
            variable,
            defaults,
            fragments: HashMap::new(),
        }
    }

    fn operation(&mut self, operation: &Operation) -> Measure {
        self.set(&operation.selection_set)
    }

    fn set(&mut self, set: &SelectionSet) -> Measure {
        let mut total = Measure::default();
        for selection in &set.selections {
            let measure = match selection {
                Selection::Field(field) => self.field(set, field),
                Selection::InlineFragment(inline) => self.set(&inline.selection_set),
                Selection::FragmentSpread(spread) => self.fragment(&spread.fragment_name),
            };
            total = total.beside(measure);
        }
        total
    }

    fn fragment(&mut self, name: &Name) -> Measure {
        if let Some(known) = self.fragments.get(name) {
            return *known;
        }
        // A validated document has no cycles; the placeholder keeps an invalid one finite.
        self.fragments.insert(name.clone(), Measure::default());
        let measure = match self.document.fragments.get(name) {
            Some(fragment) => self.set(&fragment.selection_set),
            None => Measure::default(),
        };
        self.fragments.insert(name.clone(), measure);
        measure
    }

    fn field(&mut self, parent: &SelectionSet, field: &Field) -> Measure {
        let items = self.set(&field.selection_set);
        let weight = if is_page(field) {
            self.page_size(field)
        } else if field.ty().is_list() && !is_page_type(&parent.ty) {
            LIST_WEIGHT
        } else {
            1
        };
        // Introspection nests as deep as the type references it walks (`ofType { ofType … }`),
        // cheaply and within a fixed bound: its levels do not count towards depth.
        let level = usize::from(!parent.ty.starts_with("__"));
        Measure {
            cost: weight.saturating_mul(items.cost).saturating_add(1),
            depth: items.depth + level,
        }
    }

    /// The page size a connection field will be asked for, as `connection::page` clamps it.
    fn page_size(&self, field: &Field) -> u64 {
        let asked = ["first", "last"].iter().find_map(|name| {
            match field.specified_argument_by_name(name).map(|v| &**v) {
                Some(Value::Int(n)) => n.try_to_i32().ok().map(i64::from),
                Some(Value::Variable(var)) => (self.variable)(var.as_str())
                    .or_else(|| self.defaults.get(var.as_str()).copied()),
                _ => None,
            }
        });
        asked
            .map_or(DEFAULT_PAGE_SIZE, |n| u64::try_from(n).unwrap_or(0))
            .clamp(1, MAX_PAGE_SIZE)
    }
}

fn is_page(field: &Field) -> bool {
    is_page_type(field.ty().inner_named_type())
}

/// A `…Connection`, or a page of the sync feed (`changes(first:)`), which is paged the same way.
fn is_page_type(name: &Name) -> bool {
    name.ends_with("Connection") || name == "SyncChanges"
}

#[cfg(test)]
pub(crate) mod tests {
    use apollo_compiler::{ExecutableDocument, Schema, validation::Valid};

    use super::{LIST_WEIGHT, Measure, measure};

    const SDL: &str = r#"
        type Query { me: User units(first: Int, last: Int): UnitConnection! tags: [String!]! }
        type User { id: ID! friends: [User!]! }
        type UnitConnection { nodes: [Unit!]! totalCount: Int! }
        type Unit { id: ID! name: String! }
    "#;

    fn measured(query: &str, first: Option<i64>) -> Measure {
        let schema = Schema::parse_and_validate(SDL, "schema.graphql").expect("schema");
        let document: Valid<ExecutableDocument> =
            ExecutableDocument::parse_and_validate(&schema, query, "q.graphql").expect("valid");
        measure(&document, &|name| (name == "n").then_some(first).flatten())
    }

    #[test]
    fn counts_every_field_and_typename_once() {
        assert_eq!(
            measured("{ __typename me { id } }", None),
            Measure { cost: 3, depth: 2 }
        );
    }

    #[test]
    fn a_page_costs_its_size_times_its_items_and_lists_inside_it_once() {
        // units: 1 + size × (nodes: 1 + (id + name)) = 1 + size × 3; totalCount adds size × 1.
        let q = "query($n: Int) { units(first: $n) { nodes { id name } totalCount } }";
        assert_eq!(measured(q, Some(10)).cost, 1 + 10 * 4);
        assert_eq!(measured(q, None).cost, 1 + 20 * 4, "default page size");
        assert_eq!(measured(q, Some(100_000)).cost, 1 + 100 * 4, "clamped");
        let with_default = "query($n: Int = 7) { units(first: $n) { totalCount } }";
        assert_eq!(measured(with_default, None).cost, 1 + 7);
    }

    #[test]
    fn a_plain_list_counts_its_items_as_several() {
        assert_eq!(
            measured("{ me { friends { id } } }", None).cost,
            1 + (1 + LIST_WEIGHT)
        );
    }

    /// A document whose `levels` fragments on `root` each spread the one before twice: it
    /// selects `__typename` 2^levels times.
    pub(crate) fn fragment_bomb(root: &str, levels: u32) -> String {
        let mut doc = format!("{{ ...F{levels} }}\nfragment F0 on {root} {{ __typename }}\n");
        for i in 1..=levels {
            doc.push_str(&format!(
                "fragment F{i} on {root} {{ ...F{} ...F{} }}\n",
                i - 1,
                i - 1
            ));
        }
        doc
    }

    #[test]
    fn fragments_are_paid_for_at_every_spread_without_being_expanded() {
        let doc = fragment_bomb("Query", 40);
        let started = std::time::Instant::now();
        let m = measured(&doc, None);
        assert_eq!(m.cost, 1 << 40);
        assert_eq!(m.depth, 1);
        assert!(
            started.elapsed().as_secs() < 5,
            "measured without expansion"
        );
    }
}
