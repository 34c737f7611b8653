//! Checks a GraphQL document before the parser sees it. The parser recurses, so a document
//! nested a few thousand levels deep overflows the stack and aborts the process; depth and
//! complexity limits run only after parsing (DESIGN §7). A linear scan is enough to refuse such
//! documents, and it also counts aliases, which complexity limits catch only after all the
//! work of parsing and validating a 10,000-alias query.

/// Deepest bracket nesting (`{`, `[`, `(`) a document may have.
pub const MAX_NESTING: usize = 64;
/// Most aliases a document may use.
pub const MAX_ALIASES: usize = 200;

/// Why a document was refused before parsing.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    TooDeep,
    TooManyAliases,
}

/// Scans `document`, skipping strings, block strings and comments.
pub fn check(document: &str) -> Result<(), Refusal> {
    let bytes = document.as_bytes();
    let mut depth = 0usize;
    // Depth of parentheses: colons inside them are arguments, not aliases.
    let mut paren_stack: Vec<u8> = Vec::new();
    let mut aliases = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // An escaped triple quote does not end a block string.
                    if bytes[i..].starts_with(b"\\\"\"\"") {
                        i += 4;
                    } else {
                        i += 1;
                    }
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            open @ (b'{' | b'[' | b'(') => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Refusal::TooDeep);
                }
                paren_stack.push(open);
            }
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                paren_stack.pop();
            }
            b':' if !paren_stack.iter().any(|b| matches!(b, b'(' | b'[')) => {
                aliases += 1;
                if aliases > MAX_ALIASES {
                    return Err(Refusal::TooManyAliases);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_documents_pass() {
        let q = r#"query Q($id: ID!, $f: TaskFilter) {
            a: plan(id: $id) { number tasks(first: 5, filter: { search: "dân chủ {" }) { edges { node { code } } } }
            # a comment with { and :
            b: me { username }
        }"#;
        assert_eq!(check(q), Ok(()));
        assert_eq!(check(r#"{ x(text: """ {{{{ " : """) }"#), Ok(()));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("{{ x(a: {}1{}) }}", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(check(&deep), Err(Refusal::TooDeep));
        let deep_selection = format!("{}{}", "{ a ".repeat(100), "}".repeat(100));
        assert_eq!(check(&deep_selection), Err(Refusal::TooDeep));
    }

    #[test]
    fn alias_floods_are_refused() {
        let many: String = (0..10_000).map(|i| format!("a{i}: __typename ")).collect();
        assert_eq!(
            check(&format!("{{ {many} }}")),
            Err(Refusal::TooManyAliases)
        );
        let few: String = (0..50).map(|i| format!("a{i}: __typename ")).collect();
        assert_eq!(check(&format!("{{ {few} }}")), Ok(()));
    }

    #[test]
    fn nesting_inside_strings_does_not_count() {
        let s = format!("{{ x(a: \"{}\") }}", "[".repeat(10_000));
        assert_eq!(check(&s), Ok(()));
    }
}
