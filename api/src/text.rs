//! Vietnamese text helpers: cleaning, search folding, LIKE patterns and sort keys.
//!
//! Input arrives from seeds, legacy Word/PDF copies and browsers, so the same word can be NFC,
//! NFD, or written with the Icelandic `Ð` that old TCVN3/VNI font converters emit for `Đ`.
//! Everything stored or compared goes through one of these functions first.

use unicode_normalization::UnicodeNormalization;

use crate::error::{AppError, AppResult};

/// Most search terms accepted from one query.
pub const MAX_SEARCH_TERMS: usize = 8;
/// Longest search term, in characters.
pub const MAX_TERM_CHARS: usize = 64;

/// Where a text goes, which decides the characters it may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Identifiers (codes, numbers, usernames, client names), names and titles: one line, and
    /// nothing invisible that could make two look alike or reorder what is shown around them.
    Line,
    /// Long free text (report sections, descriptions, notes, comments): line breaks and tabs
    /// are text here; zero-width joiners belong to some scripts and emoji.
    Block,
    /// Anything else a client sends (search terms, filters, passwords, tokens): only what no
    /// text needs and a database may refuse or misread.
    Any,
}

/// Why `c` may not appear in text of `shape`, or `None` when it may.
///
/// Refused everywhere: NUL and every other C0 and C1 control (except tab and line breaks in
/// [`Shape::Block`] and [`Shape::Any`]), and the bidirectional overrides, embeddings,
/// isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which make
/// text display in an order other than the one stored. [`Shape::Line`] also refuses tabs, line
/// and paragraph breaks and every invisible character ([`is_invisible`]).
pub fn refusal(c: char, shape: Shape) -> Option<&'static str> {
    match c {
        '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' => {
            (shape == Shape::Line).then_some("line breaks or tabs")
        }
        c if c.is_control() => Some("control characters"),
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{061C}' => Some("bidirectional formatting characters"),
        c if shape == Shape::Line && is_invisible(c) => Some("invisible characters"),
        _ => None,
    }
}

/// Characters that show nothing, so two names that look the same can differ (`admin` and
/// `admin` with a soft hyphen): Unicode's Default_Ignorable_Code_Point set (DerivedCoreProperties:
/// zero-width characters, soft hyphen, fillers, variation selectors, tags…), the interlinear
/// annotation controls and the noncharacters.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{034F}'
        | '\u{115F}'..='\u{1160}'
        | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200D}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FDD0}'..='\u{FDEF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFFB}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
        || u32::from(c) & 0xFFFE == 0xFFFE
}

/// `BAD_USER_INPUT` on `field` if `raw` holds a character [`refusal`] refuses for `shape`.
pub fn check(field: &str, raw: &str, shape: Shape) -> AppResult<()> {
    match raw
        .chars()
        .find_map(|c| refusal(c, shape).map(|why| (c, why)))
    {
        None => Ok(()),
        Some((c, why)) => Err(AppError::bad_input(
            field,
            format!("must not contain {why} (found U+{:04X})", u32::from(c)),
        )),
    }
}

/// The one way a single-line text (identifier, name, title) enters: refused if it holds
/// characters a line may not ([`refusal`]), then [`clean`]ed.
pub fn parse_line(field: &str, raw: &str) -> AppResult<String> {
    check(field, raw, Shape::Line)?;
    Ok(clean(raw))
}

/// The one way a long text (report section, description, note) enters: refused if it holds
/// characters a block may not ([`refusal`]), then [`clean_multiline`]d.
pub fn parse_block(field: &str, raw: &str) -> AppResult<String> {
    check(field, raw, Shape::Block)?;
    Ok(clean_multiline(raw))
}

/// NFC-normalises, repairs legacy `Ð`/`ð`, trims and collapses whitespace.
pub fn clean(s: &str) -> String {
    let nfc: String = s.nfc().map(repair_legacy_char).collect();
    collapse_whitespace(&nfc)
}

/// The ASCII separator a Unicode dash or slash stands for in a number or code: hyphens, en and
/// em dashes and the minus sign are `-`; division, fraction and full-width slashes are `/`
/// (word processors write them). The document-number parser and every search read them so.
pub fn separator(c: char) -> Option<char> {
    match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' => Some('-'),
        '\u{2215}' | '\u{2044}' | '\u{FF0F}' => Some('/'),
        _ => None,
    }
}

/// Search form: lower-case, no diacritics, `đ` → `d`, Unicode dashes and slashes as `-` and
/// `/` ([`separator`]), whitespace collapsed, other punctuation kept.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        for l in c.to_lowercase() {
            if is_combining_mark(l) {
                continue;
            }
            out.push(match l {
                'đ' | 'ð' => 'd',
                other => separator(other).unwrap_or(other),
            });
        }
    }
    // Scripts other than Latin (e.g. Hangul) are decomposed by NFD and must be put back together.
    let recomposed: String = out.nfc().collect();
    collapse_whitespace(&recomposed)
}

/// Characters trimmed from either end of a query term.
const QUOTES_AND_BRACKETS: &[char] = &[
    '"', '\'', '“', '”', '‘', '’', '„', '‟', '«', '»', '‹', '›', '(', ')', '[', ']', '{', '}',
];

/// Folded, de-duplicated query terms (at most 8, each at most 64 characters), to be ANDed.
///
/// The terms are not escaped; pass each through [`like_pattern`].
pub fn search_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in fold(query).split_whitespace() {
        // Quotes and brackets typed around words (straight on a keyboard, curly in the stored
        // text) and sentence punctuation after them are not part of what is sought.
        let word = word
            .trim_start_matches(QUOTES_AND_BRACKETS)
            .trim_end_matches(|c: char| QUOTES_AND_BRACKETS.contains(&c) || ",;:!?".contains(c));
        if word.is_empty() {
            continue;
        }
        let term: String = word.chars().take(MAX_TERM_CHARS).collect();
        if !terms.contains(&term) {
            terms.push(term);
            if terms.len() == MAX_SEARCH_TERMS {
                break;
            }
        }
    }
    terms
}

/// Whether every term of `query` ([`search_terms`]) occurs in the folded `text`: the same
/// match as [`crate::domain::search_condition`], for lists filtered in memory.
pub fn matches_search(query: &str, text: &str) -> bool {
    let haystack = fold(text);
    search_terms(query)
        .iter()
        .all(|term| haystack.contains(term.as_str()))
}

/// `%term%` with `\`, `%` and `_` escaped by a backslash, for `LIKE ? ESCAPE '\'`.
pub fn like_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Sort key whose byte order (`COLLATE "C"`) is Vietnamese dictionary order.
///
/// Three levels, separated by `!` (below every other byte used):
/// 1. base letters in the alphabet a ă â b c d đ e ê (f) g h i (j) k l m n o ô ơ p q r s t u ư v
///    (w) x y (z), case-insensitive, tone marks ignored; digit runs compare numerically; any run
///    of spaces or punctuation counts as one word break, which sorts before digits and letters;
/// 2. tones, syllable by syllable, in dictionary order ngang < huyền < hỏi < ngã < sắc < nặng;
/// 3. case, lower before upper.
///
/// The key is ASCII: lower-case letters, digits, `-`, `!` and `{` (letters of other scripts).
pub fn collation_key(s: &str) -> String {
    let units = collation_units(s);
    let mut primary = String::with_capacity(units.len() * 2);
    let mut tones = String::with_capacity(units.len());
    let mut cases = String::with_capacity(units.len());
    for unit in &units {
        match unit {
            Unit::Break => primary.push('-'),
            Unit::Digits(digits) => push_digit_run(&mut primary, digits),
            Unit::Letter {
                primary: p,
                tone,
                upper,
            } => {
                primary.push_str(p);
                tones.push(char::from(b'0' + tone));
                cases.push(if *upper { '1' } else { '0' });
            }
        }
    }
    // Trailing "no tone"/"lower case" digits carry no information once the primary level is
    // equal (both sides then have the same letter count), so dropping them keeps keys short
    // without changing the order.
    let tones = tones.trim_end_matches('0');
    let cases = cases.trim_end_matches('0');
    let mut key = primary;
    if !tones.is_empty() || !cases.is_empty() {
        key.push('!');
        key.push_str(tones);
    }
    if !cases.is_empty() {
        key.push('!');
        key.push_str(cases);
    }
    key
}

fn repair_legacy_char(c: char) -> char {
    match c {
        '\u{00D0}' => '\u{0110}',
        '\u{00F0}' => '\u{0111}',
        other => other,
    }
}

fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

#[derive(Debug)]
enum Unit {
    Break,
    Digits(String),
    Letter {
        primary: String,
        tone: u8,
        upper: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Modifier {
    None,
    Breve,
    Circumflex,
    Horn,
}

fn tone_of(mark: char) -> Option<u8> {
    match mark {
        '\u{0300}' => Some(1), // huyền
        '\u{0309}' => Some(2), // hỏi
        '\u{0303}' => Some(3), // ngã
        '\u{0301}' => Some(4), // sắc
        '\u{0323}' => Some(5), // nặng
        _ => None,
    }
}

fn modifier_of(mark: char) -> Option<Modifier> {
    match mark {
        '\u{0306}' => Some(Modifier::Breve),
        '\u{0302}' => Some(Modifier::Circumflex),
        '\u{031B}' => Some(Modifier::Horn),
        _ => None,
    }
}

/// Rank of a Vietnamese letter within its Latin base, e.g. a=0, ă=1, â=2.
fn variant_rank(base: char, modifier: Modifier) -> u8 {
    match (base, modifier) {
        ('a', Modifier::Breve) => 1,
        ('a', Modifier::Circumflex) => 2,
        ('e', Modifier::Circumflex) => 1,
        ('o', Modifier::Circumflex) => 1,
        ('o', Modifier::Horn) => 2,
        ('u', Modifier::Horn) => 1,
        // Marks foreign to Vietnamese (ü, ç…) are ignored at the primary level.
        _ => 0,
    }
}

fn collation_units(s: &str) -> Vec<Unit> {
    let chars: Vec<char> = s.nfd().collect();
    let mut units: Vec<Unit> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            units.push(Unit::Digits(chars[start..i].iter().collect()));
            continue;
        }
        if c.is_alphanumeric() {
            i += 1;
            let mut modifier = Modifier::None;
            let mut tone = 0;
            while i < chars.len() && is_combining_mark(chars[i]) {
                if let Some(m) = modifier_of(chars[i]) {
                    modifier = m;
                } else if let Some(t) = tone_of(chars[i]) {
                    tone = t;
                }
                i += 1;
            }
            units.push(letter_unit(c, modifier, tone));
            continue;
        }
        // Whitespace, punctuation and stray marks: one break per run, none at either end.
        i += 1;
        if !matches!(units.last(), None | Some(Unit::Break)) {
            units.push(Unit::Break);
        }
    }
    if matches!(units.last(), Some(Unit::Break)) {
        units.pop();
    }
    units
}

fn letter_unit(c: char, modifier: Modifier, tone: u8) -> Unit {
    let upper = c.is_uppercase();
    let lower = c.to_lowercase().next().unwrap_or(c);
    let primary = match lower {
        'đ' | 'ð' => "d1".to_owned(),
        'a'..='z' => format!("{lower}{}", variant_rank(lower, modifier)),
        // Other scripts sort after z, by code point, in a fixed-width token.
        other => format!("{{{:06x}", u32::from(other)),
    };
    Unit::Letter {
        primary,
        tone,
        upper,
    }
}

/// Length-prefixed so that byte order is numeric order ("2" < "10").
fn push_digit_run(out: &mut String, digits: &str) {
    let significant = digits.trim_start_matches('0');
    let significant = if significant.is_empty() {
        "0"
    } else {
        significant
    };
    // Two length digits cover 99; longer runs (never seen in names) are cut into 99-digit chunks,
    // each length-prefixed, which still sorts correctly among runs of equal length.
    let bytes = significant.as_bytes();
    for chunk in bytes.chunks(99) {
        out.push_str(&format!("{:02}", chunk.len()));
        out.extend(chunk.iter().map(|&b| char::from(b)));
    }
}

/// Like [`clean`] but keeps line breaks, for long texts (report sections, descriptions):
/// NFC, legacy `Ð` mapped, `\r\n` and a lone `\r` folded to `\n`, trailing spaces trimmed.
pub fn clean_multiline(s: &str) -> String {
    let normalized: String = s
        .nfc()
        .map(|c| match c {
            '\u{00D0}' => '\u{0110}',
            '\u{00F0}' => '\u{0111}',
            other => other,
        })
        .collect();
    normalized
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_reads_every_dash_and_slash_the_number_parser_accepts() {
        assert_eq!(fold("11\u{2013}QĐi/TW"), "11-qdi/tw");
        assert_eq!(fold("59\u{2215}2023\u{FF0F}NĐ\u{2212}CP"), "59/2023/nd-cp");
        assert!(matches_search("nđ–cp 59", "Nghị định 59/2023/NĐ-CP"));
        assert!(matches_search("phong vien", "Phóng viên"));
        assert!(matches_search("user_1", "User_1"));
        assert!(!matches_search("user_1", "userx1"));
    }

    #[test]
    fn lines_refuse_controls_bidi_and_invisible_characters() {
        for bad in [
            "A\u{0}B",
            "A\u{7}",
            "A\u{7F}",
            "A\u{85}",
            "A\u{9F}",
            "A\tB",
            "A\nB",
            "A\u{2028}",
            "\u{202E}A",
            "\u{2066}A",
            "A\u{200E}",
            "A\u{200F}",
            "A\u{61C}",
            "A\u{200B}B",
            "A\u{200D}",
            "A\u{2060}",
            "\u{FEFF}A",
        ] {
            let err = parse_line("input.code", bad).expect_err(bad);
            assert_eq!(err.code(), "BAD_USER_INPUT", "{bad:?}");
        }
        assert_eq!(
            parse_line("f", " Sóc  Trăng ").ok().as_deref(),
            Some("Sóc Trăng")
        );
    }

    #[test]
    fn blocks_keep_line_breaks_and_joiners_but_refuse_controls_and_bidi() {
        assert_eq!(
            parse_block("f", "a\r\n\tb\rc\u{200D}").ok().as_deref(),
            Some("a\n\tb\nc\u{200D}")
        );
        for bad in ["a\u{0}", "a\u{1B}[31m", "a\u{85}", "\u{202D}a", "a\u{2069}"] {
            assert!(parse_block("f", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn clean_makes_nfc_and_nfd_equal() {
        let nfc = "Dân chủ ở cơ sở";
        let nfd: String = nfc.nfd().collect();
        assert_ne!(nfc, nfd);
        assert_eq!(clean(nfc), clean(&nfd));
        assert_eq!(clean(&nfd), nfc);
    }

    #[test]
    fn clean_repairs_legacy_d_and_whitespace() {
        assert_eq!(clean("  \u{00D0}ảng   bộ\t\ntỉnh "), "Đảng bộ tỉnh");
        assert_eq!(clean("quy \u{00F0}ịnh"), "quy định");
        assert_eq!(clean("a\u{00A0}\u{00A0}b"), "a b");
        assert_eq!(clean(""), "");
        assert_eq!(clean("   "), "");
    }

    #[test]
    fn fold_examples() {
        assert_eq!(fold("Dân Chủ"), "dan chu");
        assert_eq!(fold("ĐẢNG"), "dang");
        assert_eq!(fold("Quy định 11-QĐi/TW"), "quy dinh 11-qdi/tw");
        assert_eq!(fold("  Sóc   Trăng  "), "soc trang");
        assert_eq!(fold("\u{00D0}oàn thanh niên"), "doan thanh nien");
        assert_eq!(fold("Nghị quyết số 09-NQ/TU."), "nghi quyet so 09-nq/tu.");
        assert_eq!(fold("ưu tiên, ơn, ấy, ặc"), "uu tien, on, ay, ac");
    }

    #[test]
    fn fold_is_the_same_for_nfc_and_nfd() {
        let nfc = "Thị xã Vĩnh Châu";
        let nfd: String = nfc.nfd().collect();
        assert_eq!(fold(nfc), fold(&nfd));
        assert_eq!(fold(nfc), "thi xa vinh chau");
    }

    #[test]
    fn fold_keeps_other_scripts_intact() {
        assert_eq!(fold("한국 ÉCOLE"), "한국 ecole");
    }

    #[test]
    fn search_terms_fold_dedupe_and_limit() {
        assert_eq!(
            search_terms("  Dân chủ DÂN   cơ sở "),
            ["dan", "chu", "co", "so"]
        );
        assert!(search_terms("   ").is_empty());
        let many = "a b c d e f g h i j k";
        assert_eq!(search_terms(many).len(), MAX_SEARCH_TERMS);
        let long = "x".repeat(100);
        assert_eq!(search_terms(&long), ["x".repeat(64)]);
        assert_eq!(search_terms("50%_x"), ["50%_x"]);
        // Quotes typed on a keyboard find the curly ones stored (found from outside).
        assert_eq!(
            search_terms("\"Dân vận khéo\", (mô hình)"),
            ["dan", "van", "kheo", "mo", "hinh"]
        );
        assert!(matches_search(
            "\"Dân vận khéo\"",
            "Mô hình “Dân vận khéo” nuôi tôm"
        ));
        assert!(search_terms(" \" “ ").is_empty());
    }

    #[test]
    fn like_pattern_escapes() {
        assert_eq!(like_pattern("dan chu"), "%dan chu%");
        assert_eq!(like_pattern("50%"), "%50\\%%");
        assert_eq!(like_pattern("a_b"), "%a\\_b%");
        assert_eq!(like_pattern("c:\\x"), "%c:\\\\x%");
        assert_eq!(like_pattern(""), "%%");
    }

    /// Sorts a scrambled copy by collation key and expects `expected` back.
    fn assert_sorted(expected: &[&str]) {
        // A fixed permutation (reverse, then rotate) so that the check does not depend on luck.
        let mut shuffled: Vec<&str> = expected.iter().rev().copied().collect();
        shuffled.rotate_left(expected.len() / 2);
        shuffled.sort_by_key(|s| collation_key(s));
        assert_eq!(shuffled, expected);
        for pair in expected.windows(2) {
            assert!(
                collation_key(pair[0]) < collation_key(pair[1]),
                "{:?} ({}) should sort before {:?} ({})",
                pair[0],
                collation_key(pair[0]),
                pair[1],
                collation_key(pair[1]),
            );
        }
    }

    #[test]
    fn collation_alphabet_variants() {
        assert_sorted(&["an", "ăn", "ân", "bà"]);
        assert_sorted(&["da", "đa", "e"]);
        assert_sorted(&["ho", "hô", "hơ", "hu"]);
        assert_sorted(&["e", "ê", "f", "g"]);
        assert_sorted(&["u", "ư", "v", "w", "x", "y", "z"]);
    }

    #[test]
    fn collation_tones_are_secondary() {
        assert_sorted(&["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"]);
        // A tone never beats a base-letter difference.
        assert_sorted(&["mạ", "mai"]);
        assert_sorted(&["Má", "Mb"]);
        // Tones compare syllable by syllable from the left.
        assert_sorted(&["ba cà", "bà ca", "bà cá"]);
    }

    #[test]
    fn collation_numbers_compare_numerically() {
        assert_sorted(&[
            "Phường 1",
            "Phường 2",
            "Phường 9",
            "Phường 10",
            "Phường 100",
        ]);
        assert_sorted(&["0", "7", "12", "a"]);
        assert_eq!(collation_key("Phường 02"), collation_key("Phường 2"));
    }

    #[test]
    fn collation_place_names() {
        assert_sorted(&[
            "Châu Thành",
            "Cù Lao Dung",
            "Kế Sách",
            "Long Phú",
            "Mỹ Tú",
            "Mỹ Xuyên",
            "Ngã Năm",
            "thành phố Sóc Trăng",
            "thị xã Vĩnh Châu",
            "Trần Đề",
        ]);
    }

    #[test]
    fn collation_is_case_insensitive_then_lower_first() {
        assert_sorted(&["an", "An", "Ăn", "bình"]);
        let primary = |s: &str| collation_key(s).split('!').next().map(str::to_owned);
        assert_eq!(primary("ĐẢNG BỘ"), primary("đảng bộ"));
        assert_ne!(collation_key("ĐẢNG BỘ"), collation_key("đảng bộ"));
    }

    #[test]
    fn collation_word_breaks_and_normal_forms() {
        assert_sorted(&["an", "an b", "anb"]);
        assert_eq!(collation_key("  Sóc,  Trăng "), collation_key("Sóc Trăng"));
        let nfd: String = "Vĩnh Châu".nfd().collect();
        assert_eq!(collation_key(&nfd), collation_key("Vĩnh Châu"));
        assert_eq!(collation_key("\u{00D0}ề"), collation_key("Đề"));
        assert_eq!(collation_key(""), "");
    }

    #[test]
    fn collation_key_is_ascii() {
        for s in ["Ấp Hòa Đông", "한국", "Phường 10", "Ưu tiên!", "ß"] {
            let key = collation_key(s);
            assert!(key.is_ascii(), "{s:?} -> {key:?}");
        }
        assert_sorted(&["zz", "한"]);
    }
}
