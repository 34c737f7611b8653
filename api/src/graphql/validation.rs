//! Validates every document by the rules of the GraphQL specification (§5, "Validation") and
//! refuses what costs too much, before the engine validates or runs anything.
//!
//! The engine's own validator lets some invalid documents through (a string literal where an
//! enum value belongs, a `String!` or a nullable variable in an `ID!` position), and measures
//! cost and depth by expanding every fragment spread, which takes time exponential in the
//! length of a crafted document. So the document is first checked here with apollo-compiler,
//! whose validation is written to the specification and is tested against graphql-js, and
//! measured by [`cost::measure`] in time linear in its length. It is part of the schema, so
//! HTTP (POST and GET) and WebSocket operations all pass through it.
//!
//! A refusal is `GRAPHQL_VALIDATION_FAILED`, with the locations the specification asks for; a
//! refusal for cost or depth also carries `extensions.cost` and `extensions.maxCost` or
//! `extensions.depth` and `extensions.maxDepth`.

use std::{
    borrow::Cow,
    sync::{Arc, Mutex, OnceLock, PoisonError},
};

use apollo_compiler::validation::Valid;
use async_graphql::{
    Pos, Request, ServerError, ServerResult, Value, Variables, parser::types::ExecutableDocument,
};

use super::cost;

/// Most an operation may cost ([`cost::Measure::cost`]).
pub const MAX_COST: u64 = 10_000;
/// Most fields an operation may nest inside one another.
pub const MAX_DEPTH: usize = 12;

/// One request's check: what parsing found, handed to the validation step. Made for each
/// request by [`super::hooks`].
#[derive(Default)]
pub(super) struct Check {
    refusal: Mutex<Option<Vec<ServerError>>>,
    /// The operation the request names, whose variables are coerced.
    operation: Mutex<Option<String>>,
    /// What an earlier request with the same document found, if one did.
    known: Mutex<Option<Arc<Known>>>,
}

impl Check {
    /// Before parsing: notes the operation's name, and hands the engine the document as an
    /// earlier request parsed it, or rewrites the rare document the engine's parser would
    /// misread ([`as_the_engine_reads`]).
    pub(super) fn prepare(&self, request: &mut Request) -> ServerResult<()> {
        if let Ok(mut operation) = self.operation.lock() {
            operation.clone_from(&request.operation_name);
        }
        if let Some(known) = documents().find(&request.query) {
            if let Some(parsed) = &known.parsed {
                request.set_parsed_query(parsed.clone());
            }
            if let Ok(mut slot) = self.known.lock() {
                *slot = Some(known);
            }
            return Ok(());
        }
        // Rare, so the document is parsed again only when it needs it.
        if let Cow::Owned(fixed) = as_the_engine_reads(&request.query) {
            request.set_parsed_query(async_graphql::parser::parse_query(fixed)?);
        }
        Ok(())
    }

    /// Once the engine parsed `query` into `parsed`: validates and measures it, keeping any
    /// refusal for [`Check::refusal`].
    pub(super) fn parsed(&self, query: &str, variables: &Variables, parsed: &ExecutableDocument) {
        let known = self.known.lock().ok().and_then(|mut k| k.take());
        let known = known.unwrap_or_else(|| documents().keep(query, parsed, verdict(query)));
        let operation = self.operation.lock().ok().and_then(|o| o.clone());
        let checked = match &known.verdict {
            Ok(document) => measure_and_coerce(document, variables, operation.as_deref()),
            Err(errors) => Err(errors.clone()),
        };
        if let Err(errors) = checked
            && let Ok(mut refusal) = self.refusal.lock()
        {
            *refusal = Some(errors);
        }
    }

    /// At validation: the errors that refuse the document, if any.
    pub(super) fn refusal(&self) -> Option<Vec<ServerError>> {
        self.refusal.lock().ok().and_then(|mut r| r.take())
    }
}

/// A document as an earlier request found it: parsing and validating cost more than running a
/// small query, and clients send the same few documents again and again.
pub(super) struct Known {
    /// The engine's reading of the document (`None` for a document too long to keep).
    parsed: Option<ExecutableDocument>,
    /// The specification's verdict, which depends on the text alone (variables are checked per
    /// request).
    verdict: Result<Valid<apollo_compiler::ExecutableDocument>, Vec<ServerError>>,
}

/// Most documents kept ([`Documents`]).
const KEPT_DOCUMENTS: usize = 128;
/// Longest document kept, in bytes: a longer one is parsed and validated each time. With
/// [`KEPT_DOCUMENTS`], at most 1 MiB of text (and its two parses) is kept, whatever clients send.
const KEPT_LENGTH: usize = 8 * 1024;

/// The documents most recently seen, by their exact text (at most [`KEPT_DOCUMENTS`] of up to
/// [`KEPT_LENGTH`] bytes each).
struct Documents(Mutex<lru::LruCache<Box<str>, Arc<Known>>>);

impl Documents {
    fn find(&self, query: &str) -> Option<Arc<Known>> {
        if query.len() > KEPT_LENGTH {
            return None;
        }
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(query)
            .cloned()
    }

    /// Keeps what the first request with `query` found, when the document is short enough;
    /// returns it either way.
    fn keep(
        &self,
        query: &str,
        parsed: &ExecutableDocument,
        verdict: Result<Valid<apollo_compiler::ExecutableDocument>, Vec<ServerError>>,
    ) -> Arc<Known> {
        let fits = query.len() <= KEPT_LENGTH;
        let known = Arc::new(Known {
            parsed: fits.then(|| parsed.clone()),
            verdict,
        });
        if fits {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .put(query.into(), known.clone());
        }
        known
    }
}

/// The process's documents: they depend on the schema alone, which is the code's.
fn documents() -> &'static Documents {
    static DOCUMENTS: OnceLock<Documents> = OnceLock::new();
    DOCUMENTS.get_or_init(|| {
        let capacity =
            std::num::NonZeroUsize::new(KEPT_DOCUMENTS).unwrap_or(std::num::NonZeroUsize::MIN);
        Documents(Mutex::new(lru::LruCache::new(capacity)))
    })
}

/// The schema as the specification's validator sees it: the same SDL as `schema.graphql`,
/// built once per process (it depends on the code only).
fn spec_schema() -> &'static Valid<apollo_compiler::Schema> {
    static SCHEMA: OnceLock<Valid<apollo_compiler::Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let sdl = super::sdl();
        match apollo_compiler::Schema::parse_and_validate(sdl, "schema.graphql") {
            Ok(schema) => schema,
            // The SDL comes from our own types: a failure here is a bug found at start-up.
            Err(invalid) => panic!("the schema's own SDL does not validate: {}", invalid.errors),
        }
    })
}

/// Builds the schema's validator now, so the first request does not pay for it.
pub fn prepare() {
    spec_schema();
}

/// Validates `query` by the specification's rules; the errors are ready to return to the
/// client.
fn verdict(query: &str) -> Result<Valid<apollo_compiler::ExecutableDocument>, Vec<ServerError>> {
    let schema = spec_schema();
    let document = match apollo_compiler::ExecutableDocument::parse_and_validate(
        schema,
        query,
        "request.graphql",
    ) {
        Ok(document) => document,
        Err(invalid) => {
            let errors: Vec<ServerError> = invalid
                .errors
                .iter()
                // Counted again, as the specification counts it, by `spec_rules`.
                .filter(|d| {
                    !d.error
                        .to_string()
                        .contains(super::spec_rules::APOLLO_SINGLE_ROOT_FIELD)
                })
                .map(|diagnostic| {
                    let pos = diagnostic.line_column_range().map(start);
                    refused(diagnostic.error.to_string(), pos, [])
                })
                .collect();
            if !errors.is_empty() {
                return Err(errors);
            }
            Valid::assume_valid(invalid.partial)
        }
    };
    let mut breaches = super::spec_rules::check(schema, &document);
    breaches.extend(super::spec_rules::single_root_field(&document));
    if !breaches.is_empty() {
        return Err(breaches
            .into_iter()
            .map(|breach| {
                let pos = breach
                    .at
                    .and_then(|at| at.line_column_range(&document.sources))
                    .map(start);
                refused(breach.message, pos, [])
            })
            .collect());
    }
    Ok(document)
}

/// Measures a valid `document` with the request's `variables` (page sizes) and coerces the
/// variables of its `operation`; the errors are ready to return to the client.
fn measure_and_coerce(
    document: &Valid<apollo_compiler::ExecutableDocument>,
    variables: &Variables,
    operation: Option<&str>,
) -> Result<(), Vec<ServerError>> {
    let schema = spec_schema();
    let variable = |name: &str| match variables.get(name) {
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    let measure = cost::measure(document, &variable);
    if measure.cost > MAX_COST {
        return Err(vec![refused(
            format!(
                "the operation costs {} and at most {MAX_COST} is allowed: ask for smaller pages or fewer nested lists",
                measure.cost
            ),
            None,
            [
                ("cost", Value::from(measure.cost)),
                ("maxCost", Value::from(MAX_COST)),
            ],
        )]);
    }
    if measure.depth > MAX_DEPTH {
        return Err(vec![refused(
            format!(
                "the operation nests {} fields deep and at most {MAX_DEPTH} are allowed",
                measure.depth
            ),
            None,
            [
                ("depth", Value::from(measure.depth as u64)),
                ("maxDepth", Value::from(MAX_DEPTH as u64)),
            ],
        )]);
    }
    // The engine would coerce a variable only when a field reads it, after others ran.
    if let Ok(operation) = document.operations.get(operation) {
        super::variables::check(schema, &operation.variables, variables).map_err(|misfit| {
            let mut error = refused(misfit.message, None, []);
            if let Some(extensions) = error.extensions.as_mut() {
                extensions.set("code", "BAD_USER_INPUT");
                extensions.set("field", misfit.path);
            }
            vec![error]
        })?;
    }
    Ok(())
}

/// `query` as the engine's parser reads it the way the specification does, or unchanged when
/// nothing needs it. Two spellings the specification allows and that parser refuses or misreads:
/// - the integer literal `-0`, which it reads as the float −0.0 and then refuses as an `Int`
///   (§2.9.1), is written ` 0` (same length, so positions stay true);
/// - the escapes `\u{1F600}` and `\uD83D\uDE00` (a surrogate pair) in a string (§2.9.4), which
///   it refuses, are written as the character itself (or `\uXXXX` in the Basic Multilingual
///   Plane); an error the engine reports later on that line may then be a few columns off.
pub fn as_the_engine_reads(query: &str) -> Cow<'_, str> {
    if !query.contains("-0") && !query.contains("\\u") {
        return Cow::Borrowed(query);
    }
    let mut text = String::with_capacity(query.len());
    for token in apollo_parser::Lexer::new(query) {
        // A document the lexer refuses is the validator's to refuse, as it is.
        let Ok(token) = token else {
            return Cow::Borrowed(query);
        };
        match token.kind() {
            apollo_parser::TokenKind::Int if token.data() == "-0" => text.push_str(" 0"),
            apollo_parser::TokenKind::StringValue if !token.data().starts_with("\"\"\"") => {
                text.push_str(&unicode_escapes_spelled_out(token.data()));
            }
            _ => text.push_str(token.data()),
        }
    }
    if text == query {
        Cow::Borrowed(query)
    } else {
        Cow::Owned(text)
    }
}

/// A string literal with its braced and surrogate-pair escapes replaced (see
/// [`as_the_engine_reads`]); every other escape is kept as written.
fn unicode_escapes_spelled_out(literal: &str) -> String {
    fn hex4(s: &str) -> Option<u32> {
        (s.len() >= 4 && s.is_char_boundary(4))
            .then(|| u32::from_str_radix(&s[..4], 16).ok())
            .flatten()
    }
    let mut out = String::with_capacity(literal.len());
    let mut rest = literal;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at..];
        let mut taken = 2.min(escape.len());
        let mut written = None;
        if let Some(braced) = escape.strip_prefix("\\u{")
            && let Some(close) = braced.find('}')
            && let Ok(code) = u32::from_str_radix(&braced[..close], 16)
            && let Some(c) = char::from_u32(code)
        {
            taken = 4 + close;
            written = Some(c);
        } else if let Some(high) = escape.strip_prefix("\\u").and_then(hex4)
            && (0xD800..0xDC00).contains(&high)
            && let Some(low) = escape
                .get(6..)
                .and_then(|s| s.strip_prefix("\\u"))
                .and_then(hex4)
            && (0xDC00..0xE000).contains(&low)
            && let Some(c) = char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        {
            taken = 12;
            written = Some(c);
        }
        match written {
            Some(c) if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            Some(c) => out.push(c),
            None => out.push_str(&escape[..taken]),
        }
        rest = &escape[taken..];
    }
    out.push_str(rest);
    out
}

/// Where a span starts, as the engine reports positions.
fn start(range: std::ops::Range<apollo_compiler::parser::LineColumn>) -> Pos {
    Pos {
        line: range.start.line,
        column: range.start.column,
    }
}

fn refused<const N: usize>(
    message: String,
    pos: Option<Pos>,
    details: [(&str, Value); N],
) -> ServerError {
    let mut error = ServerError::new(message, pos);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", "GRAPHQL_VALIDATION_FAILED");
    for (key, value) in details {
        extensions.set(key, value);
    }
    error.extensions = Some(extensions);
    error
}

#[cfg(test)]
mod tests {
    use async_graphql::{Variables, value};

    /// The whole check of one request, as `Check::parsed` makes it.
    fn check(
        query: &str,
        variables: &Variables,
        operation: Option<&str>,
    ) -> Result<(), Vec<async_graphql::ServerError>> {
        super::verdict(query)
            .and_then(|document| super::measure_and_coerce(&document, variables, operation))
    }

    fn verdict(query: &str) -> Result<(), Vec<String>> {
        let variables = Variables::from_value(async_graphql::value!({ "id": "x" }));
        check(query, &variables, None)
            .map_err(|errors| errors.into_iter().map(|e| e.message).collect())
    }

    #[test]
    fn refuses_what_the_specification_refuses() {
        // An enum value written as a string literal (§5.6.1, Values of Correct Type).
        assert!(verdict(r#"{ units(filter: { kinds: ["DISTRICT"] }) { totalCount } }"#).is_err());
        assert!(verdict(r#"{ units(filter: { kinds: [DISTRICT] }) { totalCount } }"#).is_ok());
        // Variables in allowed positions (§5.8.5).
        assert!(verdict("query($id: String!) { node(id: $id) { id } }").is_err());
        assert!(verdict("query($id: ID) { node(id: $id) { id } }").is_err());
        assert!(verdict("query($id: ID = \"x\") { node(id: $id) { id } }").is_ok());
        assert!(verdict("query($id: ID!) { node(id: $id) { id } }").is_ok());
    }

    #[test]
    fn negative_zero_is_the_integer_zero_and_nothing_else_moves() {
        let query = r#"{ a(x: -0, y: -0.0, z: "-0", w: [-0]) }"#;
        assert_eq!(
            super::as_the_engine_reads(query),
            r#"{ a(x:  0, y: -0.0, z: "-0", w: [ 0]) }"#
        );
    }

    #[test]
    fn braced_and_paired_unicode_escapes_are_spelled_out() {
        let query =
            r#"{ a(x: "\u{1F600}", y: "\uD83D\uDE00", z: "\u{110}\\u{41}", w: """\u{41}""") }"#;
        assert_eq!(
            super::as_the_engine_reads(query),
            r#"{ a(x: "😀", y: "😀", z: "\u0110\\u{41}", w: """\u{41}""") }"#
        );
        let plain = r#"{ a(x: "\u0041 \n") }"#;
        assert!(matches!(
            super::as_the_engine_reads(plain),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_fragment_bomb_is_refused_with_its_cost_and_the_limit() {
        let doc = crate::graphql::cost::tests::fragment_bomb("QueryRoot", 30);
        let errors = check(&doc, &Variables::default(), None).expect_err("refused");
        let extensions = errors[0].extensions.as_ref().expect("extensions");
        assert_eq!(extensions.get("cost"), Some(&value!(1u64 << 30)));
        assert_eq!(extensions.get("maxCost"), Some(&value!(super::MAX_COST)));
    }
}
