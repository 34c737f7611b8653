//! Parser for Vietnamese official document numbers (*số, ký hiệu*).
//!
//! Party documents (HD 36-HD/VPTW) are written `số-LOẠI/CƠQUAN` (`11-QĐi/TW`); state and Front
//! documents (NĐ 30/2020, QPPL) `số/[năm/]LOẠI-CƠQUAN` (`59/2023/NĐ-CP`, `01/ĐA-MTTW-BTT`). Real
//! citations are messy (legacy `Ð`, en dashes, spaces, wrong case, Party punctuation for a state
//! issuer), so the parser normalises and reports warnings instead of rejecting; see
//! `shared/domain/research.md` §1.4 and §4 for the grammar and the rules R1–R8 cited below.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// Longest input considered; real numbers are under 60 characters.
const MAX_INPUT_CHARS: usize = 200;
/// Longest sequence number, in digits.
const MAX_SEQ_DIGITS: usize = 6;

/// Party type codes (HD 36; §4.3 `party_type`). `TT` here is *Thông tri*.
const PARTY_TYPES: &[&str] = &[
    "NQ", "QĐ", "CT", "KL", "QC", "QĐi", "TT", "HD", "BC", "KH", "CTr", "TB", "TC", "TTr", "ĐA",
    "PA", "CV", "BB",
];

/// State type codes: NĐ 30/2020 Phụ lục III (§4.3 `admin_type`, plus the copy kinds SY, TrS and
/// SL of §1.4) followed by the QPPL types. `TT` here is *Thông tư*.
const STATE_TYPES: &[&str] = &[
    "NQ", "QĐ", "CT", "QC", "QyĐ", "TC", "TB", "HD", "CTr", "KH", "PA", "ĐA", "DA", "BC", "BB",
    "TTr", "HĐ", "CĐ", "BGN", "BTT", "GUQ", "GM", "GGT", "GNP", "PG", "PC", "PB", "SY", "TrS",
    "SL", "NĐ", "TT", "TTLT", "NQLT", "PL",
];

/// Issuer codes whose canonical spelling is not all upper-case.
const MIXED_CASE_ISSUERS: &[&str] = &["TTg"];

/// Issuers that are unambiguously state bodies, for rule R1. Ministry codes that collide with
/// Party bodies (`BTC` Ban Tổ chức / Bộ Tài chính, `BCT` Bộ Chính trị / Bộ Công Thương) are left
/// out on purpose: with Party punctuation they are more likely Party bodies.
const STATE_ISSUERS: &[&str] = &[
    "UBND", "HĐND", "CP", "TTG", "CTN", "VPCP", "NHNN", "TTCP", "TANDTC", "VKSNDTC", "KTNN",
    "UBDT", "BNV", "BCA", "BQP", "BYT", "BGDĐT", "BTNMT", "BNNPTNT", "BNNMT", "BKHĐT", "BTTTT",
    "BXD", "BGTVT", "BTP", "BLĐTBXH", "BVHTTDL", "BKHCN", "BNG", "BDTTG",
];

/// Department (*Sở*) codes after the leading `S`: `SNV` Sở Nội vụ, `SGDĐT` Sở GD&ĐT, ...
const DEPARTMENT_SUFFIXES: &[&str] = &[
    "NV", "TC", "YT", "GDĐT", "TNMT", "NNPTNT", "NNMT", "KHĐT", "TTTT", "CT", "XD", "GTVT", "TP",
    "LĐTBXH", "VHTTDL", "VHTT", "KHCN", "NG", "DL", "DTTG",
];

/// Document family, stored as `DocumentFamily` (SCREAMING_CASE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Party,
    StateLegislative,
    StateNormative,
    StateAdministrative,
    StateOfficialLetter,
    Front,
}

impl Family {
    pub fn as_str(&self) -> &'static str {
        match self {
            Family::Party => "PARTY",
            Family::StateLegislative => "STATE_LEGISLATIVE",
            Family::StateNormative => "STATE_NORMATIVE",
            Family::StateAdministrative => "STATE_ADMINISTRATIVE",
            Family::StateOfficialLetter => "STATE_OFFICIAL_LETTER",
            Family::Front => "FRONT",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something the parser repaired or could not decide; shown to the user for confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Warning {
    /// `Ð` U+00D0 / `ð` U+00F0 replaced by `Đ` / `đ`.
    NonstandardCharNormalized,
    /// Unicode dashes or slashes replaced, or spaces around `-` and `/` removed.
    WhitespaceOrDashNormalized,
    /// The type code was written in a non-canonical case (`QĐI`, `nđ`).
    TypeCaseNormalized,
    /// R1: a state (or Front) issuer written with Party punctuation (`143-KH/UBND`).
    NoncanonicalPartyPunctuationForStateIssuer,
    /// R2: Party `QĐ` is *Quyết định* or, before HD 36 (2018-04-03), *Quy định*.
    AmbiguousQdBeforeHd36,
    /// R4: `n/YYYY/QHk` may be a law, a code or a resolution.
    AmbiguousLegislativeType,
}

impl Warning {
    pub fn code(&self) -> &'static str {
        match self {
            Warning::NonstandardCharNormalized => "NONSTANDARD_CHAR_NORMALIZED",
            Warning::WhitespaceOrDashNormalized => "WHITESPACE_OR_DASH_NORMALIZED",
            Warning::TypeCaseNormalized => "TYPE_CASE_NORMALIZED",
            Warning::NoncanonicalPartyPunctuationForStateIssuer => {
                "NONCANONICAL_PARTY_PUNCTUATION_FOR_STATE_ISSUER"
            }
            Warning::AmbiguousQdBeforeHd36 => "AMBIGUOUS_QD_BEFORE_HD36",
            Warning::AmbiguousLegislativeType => "AMBIGUOUS_LEGISLATIVE_TYPE",
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseError {
    /// Nothing but whitespace.
    Empty,
    /// Not shaped like a Party or state number.
    NoMatch,
    /// Party punctuation, but the type code is not a Party type.
    UnknownPartyType,
    /// State punctuation, but the symbol fits none of legislative / QPPL / admin / công văn.
    UnrecognizedStateSymbol,
}

impl ParseError {
    pub fn code(&self) -> &'static str {
        match self {
            ParseError::Empty => "EMPTY",
            ParseError::NoMatch => "NO_MATCH",
            ParseError::UnknownPartyType => "UNKNOWN_PARTY_TYPE",
            ParseError::UnrecognizedStateSymbol => "UNRECOGNIZED_STATE_SYMBOL",
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for ParseError {}

/// A parsed document number (§4.5, without `typeCandidates`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedNumber {
    pub family: Family,
    pub seq: u32,
    /// Rare letter after the number (`24a`), lower-case.
    pub seq_suffix: Option<String>,
    /// Digits as written, leading zero kept: `"07"`.
    pub seq_text: String,
    /// Only when written in the number (QPPL and legislative acts).
    pub year: Option<i32>,
    /// Canonical case (`NĐ`, `QĐi`, `CTr`); `None` for công văn and laws/NA resolutions.
    pub type_code: Option<String>,
    /// Canonical issuer codes in written order: `["TW"]`, `["MTTW", "BTT"]`, `["QH15"]`.
    pub issuer_codes: Vec<String>,
    /// National Assembly term from `QHk` / `UBTVQHk` (R4, R5).
    pub legislature_term: Option<u8>,
    /// Normalised number: `59/2023/NĐ-CP`, `11-QĐi/TW`, `143/KH-UBND` for `143-KH/UBND`.
    pub canonical: String,
    pub warnings: Vec<Warning>,
}

/// Parses a document number, normalising what it can and reporting it in `warnings`.
pub fn parse(input: &str) -> Result<ParsedNumber, ParseError> {
    let mut warnings = Vec::new();
    let chars = normalize(input, &mut warnings)?;
    let sign = scan(&chars)?;
    let seq: u32 = sign.seq_text.parse().map_err(|_| ParseError::NoMatch)?;
    let mut parsed = match sign.body {
        Body::Party { type_code, issuers } => classify_party(&type_code, &issuers, &mut warnings)?,
        Body::State { year, segments } => classify_state(year, &segments, &mut warnings)?,
    };
    let seq_prefix = format!(
        "{}{}",
        sign.seq_text,
        sign.seq_suffix.as_deref().unwrap_or("")
    );
    parsed.canonical.insert_str(0, &seq_prefix);
    let legislature_term = parsed
        .issuer_codes
        .iter()
        .find_map(|code| legislature_term(code));
    let mut unique_warnings: Vec<Warning> = Vec::with_capacity(warnings.len());
    for w in warnings {
        if !unique_warnings.contains(&w) {
            unique_warnings.push(w);
        }
    }
    Ok(ParsedNumber {
        family: parsed.family,
        seq,
        seq_suffix: sign.seq_suffix,
        seq_text: sign.seq_text,
        year: parsed.year,
        type_code: parsed.type_code,
        issuer_codes: parsed.issuer_codes,
        legislature_term,
        canonical: parsed.canonical,
        warnings: unique_warnings,
    })
}

/// Uniqueness key (R8, simplified), upper-case so that `nđ-cp` and `NĐ-CP` collide.
///
/// * Party: `PARTY|<issuers joined by />|<type>|<term>|<seq><suffix>`; the term (`khóa XIII`,
///   `XIII`, `13`) is reduced to its number when it is one.
/// * Legislative and normative: `STATE|<issuers joined by ->|<type>|<year>|<seq><suffix>`.
/// * Administrative, công văn and Front: `<FAMILY>|<issuers>|<type>|<issued_year>|<seq><suffix>`.
///
/// Issuer codes are hints (R6), so two bodies sharing a code (`TU`) share keys unless the term
/// or year tells them apart; the caller treats a collision with a different title as a conflict.
pub fn dedupe_key(
    parsed: &ParsedNumber,
    issued_year: Option<i32>,
    party_term: Option<&str>,
) -> String {
    let seq = format!(
        "{}{}",
        parsed.seq,
        parsed.seq_suffix.as_deref().unwrap_or("")
    );
    let type_code = parsed.type_code.as_deref().unwrap_or("");
    let year = |y: Option<i32>| y.map(|y| y.to_string()).unwrap_or_default();
    let key = match parsed.family {
        Family::Party => format!(
            "PARTY|{}|{type_code}|{}|{seq}",
            parsed.issuer_codes.join("/"),
            party_term_key(party_term),
        ),
        Family::StateLegislative | Family::StateNormative => format!(
            "STATE|{}|{type_code}|{}|{seq}",
            parsed.issuer_codes.join("-"),
            year(parsed.year.or(issued_year)),
        ),
        Family::StateAdministrative | Family::StateOfficialLetter | Family::Front => format!(
            "{}|{}|{type_code}|{}|{seq}",
            parsed.family.as_str(),
            parsed.issuer_codes.join("-"),
            year(issued_year.or(parsed.year)),
        ),
    };
    key.chars()
        .flat_map(char::to_uppercase)
        .map(|c| if c == '\u{00D0}' { 'Đ' } else { c })
        .collect()
}

/// Steps 1–3 of §4.2: NFC, legacy characters, `Số` prefix, dashes and spaces.
fn normalize(input: &str, warnings: &mut Vec<Warning>) -> Result<Vec<char>, ParseError> {
    let mut chars: Vec<char> = Vec::with_capacity(input.len());
    for c in input.nfc() {
        let repaired = match c {
            '\u{00D0}' => 'Đ',
            '\u{00F0}' => 'đ',
            other => other,
        };
        if repaired != c {
            warnings.push(Warning::NonstandardCharNormalized);
        }
        chars.push(repaired);
    }
    let trimmed = trim(&chars);
    if trimmed.is_empty() {
        return Err(ParseError::Empty);
    }
    if trimmed.len() > MAX_INPUT_CHARS {
        return Err(ParseError::NoMatch);
    }
    let body = strip_so_prefix(trimmed);

    let mut dashed = false;
    let mapped: Vec<char> = body
        .iter()
        .map(|&c| match crate::text::separator(c) {
            Some(ascii) => {
                dashed = true;
                ascii
            }
            None => c,
        })
        .collect();

    let mut out: Vec<char> = Vec::with_capacity(mapped.len());
    let mut i = 0;
    while i < mapped.len() {
        if !mapped[i].is_whitespace() {
            out.push(mapped[i]);
            i += 1;
            continue;
        }
        while i < mapped.len() && mapped[i].is_whitespace() {
            i += 1;
        }
        let before = out.last().copied();
        let after = mapped.get(i).copied();
        if is_separator(before) || is_separator(after) {
            dashed = true;
        } else {
            // Kept so that the scanner rejects it: "59 2023" is not a number.
            out.push(' ');
        }
    }
    if dashed {
        warnings.push(Warning::WhitespaceOrDashNormalized);
    }
    Ok(out)
}

fn is_separator(c: Option<char>) -> bool {
    matches!(c, Some('-' | '/'))
}

fn trim(chars: &[char]) -> &[char] {
    let start = chars
        .iter()
        .position(|c| !c.is_whitespace())
        .unwrap_or(chars.len());
    let end = chars
        .iter()
        .rposition(|c| !c.is_whitespace())
        .map_or(start, |p| p + 1);
    &chars[start..end]
}

/// Drops `Số`, `số`, `So` (any case) with an optional `:` or `.`, but only before a digit.
fn strip_so_prefix(chars: &[char]) -> &[char] {
    let starts_with_so = matches!(chars.first(), Some('S' | 's'))
        && matches!(chars.get(1), Some('ố' | 'Ố' | 'o' | 'O'));
    if !starts_with_so {
        return chars;
    }
    let mut i = 2;
    if matches!(chars.get(i), Some(':' | '.')) {
        i += 1;
    }
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    if chars.get(i).is_some_and(char::is_ascii_digit) {
        &chars[i..]
    } else {
        chars
    }
}

struct Sign {
    seq_text: String,
    seq_suffix: Option<String>,
    body: Body,
}

enum Body {
    /// Issuers keep the separator written before them (`/` or `-`), the first one `/`.
    Party {
        type_code: String,
        issuers: Vec<(char, String)>,
    },
    State {
        year: Option<String>,
        segments: Vec<String>,
    },
}

struct Cursor<'a> {
    chars: &'a [char],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn digits(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// `code = vn_letter { vn_letter } { digit }`.
    fn code(&mut self) -> Option<String> {
        let start = self.pos;
        while self.peek().is_some_and(is_code_letter) {
            self.pos += 1;
        }
        if self.pos == start {
            return None;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        Some(self.chars[start..self.pos].iter().collect())
    }
}

fn is_code_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || "ĐđƯưƠơÂâĂăÊêÔô".contains(c)
}

/// The syntactic part of §4.3 (the PARTY and STATE reference regexes).
fn scan(chars: &[char]) -> Result<Sign, ParseError> {
    let mut cur = Cursor { chars, pos: 0 };
    let seq_text = cur.digits();
    if seq_text.is_empty() || seq_text.len() > MAX_SEQ_DIGITS {
        return Err(ParseError::NoMatch);
    }
    let seq_suffix = match (cur.peek(), cur.peek_at(1)) {
        (Some(c), Some('-' | '/')) if c.is_ascii_alphabetic() => {
            cur.pos += 1;
            Some(c.to_ascii_lowercase().to_string())
        }
        _ => None,
    };
    let body = if cur.eat('-') {
        let type_code = cur.code().ok_or(ParseError::NoMatch)?;
        if !cur.eat('/') {
            return Err(ParseError::NoMatch);
        }
        let mut issuers = vec![('/', cur.code().ok_or(ParseError::NoMatch)?)];
        while let Some(sep @ ('-' | '/')) = cur.peek() {
            cur.pos += 1;
            issuers.push((sep, cur.code().ok_or(ParseError::NoMatch)?));
        }
        Body::Party { type_code, issuers }
    } else if cur.eat('/') {
        let year = if (0..4).all(|k| cur.peek_at(k).is_some_and(|c| c.is_ascii_digit()))
            && cur.peek_at(4) == Some('/')
        {
            let year = cur.digits();
            cur.pos += 1;
            Some(year)
        } else {
            None
        };
        let mut segments = vec![cur.code().ok_or(ParseError::NoMatch)?];
        while cur.eat('-') {
            segments.push(cur.code().ok_or(ParseError::NoMatch)?);
        }
        Body::State { year, segments }
    } else {
        return Err(ParseError::NoMatch);
    };
    if !cur.at_end() {
        return Err(ParseError::NoMatch);
    }
    Ok(Sign {
        seq_text,
        seq_suffix,
        body,
    })
}

/// Classification result; `canonical` still lacks the sequence number.
struct Classified {
    family: Family,
    year: Option<i32>,
    type_code: Option<String>,
    issuer_codes: Vec<String>,
    canonical: String,
}

fn classify_party(
    written_type: &str,
    issuers: &[(char, String)],
    warnings: &mut Vec<Warning>,
) -> Result<Classified, ParseError> {
    let issuer_codes: Vec<String> = issuers.iter().map(|(_, c)| canonical_issuer(c)).collect();
    let first = issuer_codes.first().map(String::as_str).unwrap_or("");
    let front = is_front_issuer(first);
    if front || is_state_issuer(first) {
        // R1 (extended to Front issuers, which also use state punctuation).
        let type_code = lookup(STATE_TYPES, written_type)
            .or_else(|| lookup(PARTY_TYPES, written_type))
            .ok_or(ParseError::UnknownPartyType)?;
        warnings.push(Warning::NoncanonicalPartyPunctuationForStateIssuer);
        note_case(written_type, type_code, warnings);
        return Ok(Classified {
            family: if front {
                Family::Front
            } else {
                Family::StateAdministrative
            },
            year: None,
            type_code: Some(type_code.to_owned()),
            canonical: format!("/{type_code}-{}", issuer_codes.join("-")),
            issuer_codes,
        });
    }
    let type_code = lookup(PARTY_TYPES, written_type).ok_or(ParseError::UnknownPartyType)?;
    note_case(written_type, type_code, warnings);
    if type_code == "QĐ" {
        // R2: the issue date decides, and it is not part of the number.
        warnings.push(Warning::AmbiguousQdBeforeHd36);
    }
    let mut canonical = format!("-{type_code}");
    for ((sep, _), code) in issuers.iter().zip(&issuer_codes) {
        canonical.push(*sep);
        canonical.push_str(code);
    }
    Ok(Classified {
        family: Family::Party,
        year: None,
        type_code: Some(type_code.to_owned()),
        issuer_codes,
        canonical,
    })
}

fn classify_state(
    year: Option<String>,
    segments: &[String],
    warnings: &mut Vec<Warning>,
) -> Result<Classified, ParseError> {
    let year_num: Option<i32> = match &year {
        Some(y) => Some(y.parse().map_err(|_| ParseError::NoMatch)?),
        None => None,
    };
    let year_part = year.map(|y| format!("{y}/")).unwrap_or_default();
    let first_written = segments.first().map(String::as_str).unwrap_or("");

    if let [only] = segments
        && year_num.is_some()
        && is_legislature_code(&canonical_issuer(only))
    {
        // R4: a law, a code and an NA resolution share this shape.
        warnings.push(Warning::AmbiguousLegislativeType);
        let code = canonical_issuer(only);
        return Ok(Classified {
            family: Family::StateLegislative,
            year: year_num,
            type_code: None,
            canonical: format!("/{year_part}{code}"),
            issuer_codes: vec![code],
        });
    }

    let (family, type_code, issuer_codes) = match lookup(STATE_TYPES, first_written) {
        Some(type_code) if segments.len() >= 2 => {
            note_case(first_written, type_code, warnings);
            let family = if year_num.is_some() {
                Family::StateNormative
            } else {
                Family::StateAdministrative
            };
            let issuers = segments[1..].iter().map(|s| canonical_issuer(s)).collect();
            (family, Some(type_code.to_owned()), issuers)
        }
        None if year_num.is_none() && segments.len() >= 2 => {
            let issuers: Vec<String> = segments.iter().map(|s| canonical_issuer(s)).collect();
            (Family::StateOfficialLetter, None, issuers)
        }
        _ => return Err(ParseError::UnrecognizedStateSymbol),
    };
    // R7: only the leading issuer decides, so joint state–Front acts stay state documents.
    let family = match issuer_codes.first() {
        Some(first) if is_front_issuer(first) => Family::Front,
        _ => family,
    };
    let mut canonical = format!("/{year_part}");
    if let Some(t) = &type_code {
        canonical.push_str(t);
        canonical.push('-');
    }
    canonical.push_str(&issuer_codes.join("-"));
    Ok(Classified {
        family,
        year: year_num,
        type_code,
        issuer_codes,
        canonical,
    })
}

fn note_case(written: &str, canonical: &str, warnings: &mut Vec<Warning>) {
    if written != canonical {
        warnings.push(Warning::TypeCaseNormalized);
    }
}

fn upper(s: &str) -> String {
    s.chars().flat_map(char::to_uppercase).collect()
}

fn lookup(registry: &[&'static str], written: &str) -> Option<&'static str> {
    let wanted = upper(written);
    registry.iter().copied().find(|code| upper(code) == wanted)
}

fn canonical_issuer(written: &str) -> String {
    let up = upper(written);
    match lookup(MIXED_CASE_ISSUERS, &up) {
        Some(mixed) => mixed.to_owned(),
        None => up,
    }
}

fn is_state_issuer(code: &str) -> bool {
    let up = upper(code);
    STATE_ISSUERS.contains(&up.as_str())
        || is_legislature_code(&up)
        || up
            .strip_prefix('S')
            .is_some_and(|rest| DEPARTMENT_SUFFIXES.contains(&rest))
}

fn is_front_issuer(code: &str) -> bool {
    let up = upper(code);
    up == "MTTW" || up == "BTT" || up.contains("MTTQ")
}

/// `QH` or `UBTVQH` followed by a one- or two-digit term.
fn is_legislature_code(code: &str) -> bool {
    legislature_term(code).is_some()
}

/// R5: the term in `QHk` / `UBTVQHk`.
fn legislature_term(code: &str) -> Option<u8> {
    let up = upper(code);
    let digits = up
        .strip_prefix("UBTVQH")
        .or_else(|| up.strip_prefix("QH"))?;
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `khóa XIII`, `Khoá 13`, `XIII` and `13` all become `13`; anything else is folded upper-case.
fn party_term_key(term: Option<&str>) -> String {
    let Some(term) = term else {
        return String::new();
    };
    let folded: String = term
        .nfd()
        .filter(|c| !('\u{0300}'..='\u{036F}').contains(c))
        .map(|c| match c {
            'đ' | 'Đ' | 'ð' | 'Ð' => 'D',
            '|' => ' ',
            other => other,
        })
        .flat_map(char::to_uppercase)
        .collect();
    let words: Vec<&str> = folded.split_whitespace().collect();
    let words = match words.split_first() {
        Some((&"KHOA", rest)) => rest,
        _ => &words[..],
    };
    let rest = words.join(" ");
    let rest = rest.trim_start_matches([':', '.']).trim();
    // `parse` alone would also accept a leading `+`.
    if rest.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = rest.parse::<u32>()
    {
        return n.to_string();
    }
    match roman_value(rest) {
        Some(n) => n.to_string(),
        None => rest.to_owned(),
    }
}

/// Value of a canonical Roman numeral (I–MMMCMXCIX), `None` for anything else.
fn roman_value(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let mut total = 0u32;
    let mut prev = 0u32;
    for c in s.chars().rev() {
        let v = match c {
            'I' => 1,
            'V' => 5,
            'X' => 10,
            'L' => 50,
            'C' => 100,
            'D' => 500,
            'M' => 1000,
            _ => return None,
        };
        if v < prev {
            total = total.checked_sub(v)?;
        } else {
            total += v;
            prev = v;
        }
    }
    // Round-tripping rejects sloppy numerals such as "IIII" or "IC".
    (to_roman(total) == s).then_some(total)
}

fn to_roman(mut n: u32) -> String {
    const TABLE: &[(u32, &str)] = &[
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for &(value, numeral) in TABLE {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> ParsedNumber {
        match parse(input) {
            Ok(p) => p,
            Err(e) => panic!("{input:?} should parse, got {e:?}"),
        }
    }

    /// Checks family, canonical form, type, issuers and warnings of one vector.
    fn check(
        input: &str,
        family: Family,
        canonical: &str,
        type_code: Option<&str>,
        issuers: &[&str],
        warnings: &[Warning],
    ) -> ParsedNumber {
        let p = ok(input);
        assert_eq!(p.family, family, "family of {input:?}");
        assert_eq!(p.canonical, canonical, "canonical of {input:?}");
        assert_eq!(p.type_code.as_deref(), type_code, "type of {input:?}");
        assert_eq!(p.issuer_codes, issuers, "issuers of {input:?}");
        assert_eq!(p.warnings, warnings, "warnings of {input:?}");
        // The canonical form is a fixed point.
        let again = ok(&p.canonical);
        assert_eq!(again.canonical, p.canonical, "re-parse of {input:?}");
        p
    }

    use Family::*;
    use Warning::*;

    #[test]
    fn article_party_numbers() {
        for (input, ty, issuer) in [
            ("30-CT/TW", "CT", "TW"),
            ("120-KL/TW", "KL", "TW"),
            ("07-KL/TU", "KL", "TU"),
            ("09-NQ/TU", "NQ", "TU"),
            ("1460-CV/TU", "CV", "TU"),
            ("11-QĐi/TW", "QĐi", "TW"),
            ("07-QC/TU", "QC", "TU"),
            ("10-NQ/TU", "NQ", "TU"),
            ("07-NQ/TU", "NQ", "TU"),
            ("24-KH/BCĐ", "KH", "BCĐ"),
            ("36-HD/VPTW", "HD", "VPTW"),
        ] {
            let p = check(input, Party, input, Some(ty), &[issuer], &[]);
            assert_eq!(p.year, None);
            assert_eq!(p.seq_suffix, None);
        }
        let p = ok("07-KL/TU");
        assert_eq!((p.seq, p.seq_text.as_str()), (7, "07"));
        assert_eq!(ok("1460-CV/TU").seq, 1460);
    }

    #[test]
    fn party_qd_is_ambiguous() {
        for input in ["218-QĐ/TW", "124-QĐ/TW"] {
            check(
                input,
                Party,
                input,
                Some("QĐ"),
                &["TW"],
                &[AmbiguousQdBeforeHd36],
            );
        }
        let p = ok("218-QĐ/TW");
        assert_eq!(p.seq, 218);
    }

    #[test]
    fn article_state_numbers() {
        let p = check(
            "59/2023/NĐ-CP",
            StateNormative,
            "59/2023/NĐ-CP",
            Some("NĐ"),
            &["CP"],
            &[],
        );
        assert_eq!((p.seq, p.year, p.legislature_term), (59, Some(2023), None));
        check(
            "61/2023/NĐ-CP",
            StateNormative,
            "61/2023/NĐ-CP",
            Some("NĐ"),
            &["CP"],
            &[],
        );
        check(
            "33/CT-TTg",
            StateAdministrative,
            "33/CT-TTg",
            Some("CT"),
            &["TTg"],
            &[],
        );
        check(
            "76/NQ-CP",
            StateAdministrative,
            "76/NQ-CP",
            Some("NQ"),
            &["CP"],
            &[],
        );
        let p = check(
            "03/ĐA-UBND",
            StateAdministrative,
            "03/ĐA-UBND",
            Some("ĐA"),
            &["UBND"],
            &[],
        );
        assert_eq!((p.seq, p.seq_text.as_str(), p.year), (3, "03", None));
    }

    #[test]
    fn legislative_acts() {
        let p = check(
            "10/2022/QH15",
            StateLegislative,
            "10/2022/QH15",
            None,
            &["QH15"],
            &[AmbiguousLegislativeType],
        );
        assert_eq!(
            (p.seq, p.year, p.legislature_term),
            (10, Some(2022), Some(15))
        );
        let p = ok("55/1998/ubtvqh10");
        assert_eq!(p.family, StateLegislative);
        assert_eq!(p.canonical, "55/1998/UBTVQH10");
        assert_eq!(p.legislature_term, Some(10));
    }

    #[test]
    fn normative_acts_with_standing_committee() {
        let p = check(
            "34/2007/PL-UBTVQH11",
            StateNormative,
            "34/2007/PL-UBTVQH11",
            Some("PL"),
            &["UBTVQH11"],
            &[],
        );
        assert_eq!(p.legislature_term, Some(11));
        assert_eq!(p.year, Some(2007));

        let p = check(
            "403/2017/NQLT-UBTVQH14-CP-ĐCTUBTWMTTQVN",
            StateNormative,
            "403/2017/NQLT-UBTVQH14-CP-ĐCTUBTWMTTQVN",
            Some("NQLT"),
            &["UBTVQH14", "CP", "ĐCTUBTWMTTQVN"],
            &[],
        );
        assert_eq!(p.legislature_term, Some(14));
    }

    #[test]
    fn state_issuer_with_party_punctuation() {
        let p = check(
            "143-KH/UBND",
            StateAdministrative,
            "143/KH-UBND",
            Some("KH"),
            &["UBND"],
            &[NoncanonicalPartyPunctuationForStateIssuer],
        );
        assert_eq!(p.seq, 143);
        // QĐ of a state body is a plain decision: no Party ambiguity.
        let p = ok("12-QĐ/UBND");
        assert_eq!(p.family, StateAdministrative);
        assert_eq!(p.canonical, "12/QĐ-UBND");
        assert_eq!(p.warnings, [NoncanonicalPartyPunctuationForStateIssuer]);
        assert_eq!(ok("5-KH/SNV").canonical, "5/KH-SNV");
        assert_eq!(ok("5-CT/TTg").canonical, "5/CT-TTg");
        // Ban Tổ chức and Bộ Chính trị codes stay Party.
        assert_eq!(ok("5-HD/BTC").family, Party);
    }

    #[test]
    fn front_documents() {
        let p = check(
            "01/ĐA-MTTW-BTT",
            Front,
            "01/ĐA-MTTW-BTT",
            Some("ĐA"),
            &["MTTW", "BTT"],
            &[],
        );
        assert_eq!((p.seq, p.seq_text.as_str()), (1, "01"));
        // BTT first in the symbol is the type Bản thỏa thuận; as the issuer it is the Front board.
        let p = ok("02/BTT-UBND");
        assert_eq!(
            (p.family, p.type_code.as_deref()),
            (StateAdministrative, Some("BTT"))
        );
        assert_eq!(ok("15/MTTQ-BTT").family, Front);
        assert_eq!(ok("15/KH-BTT").family, Front);
        let p = ok("15-KH/MTTQ");
        assert_eq!((p.family, p.canonical.as_str()), (Front, "15/KH-MTTQ"));
    }

    #[test]
    fn official_letters() {
        let p = check(
            "1234/UBND-VX",
            StateOfficialLetter,
            "1234/UBND-VX",
            None,
            &["UBND", "VX"],
            &[],
        );
        assert_eq!(p.seq, 1234);
        let p = ok("87/snv-tccb");
        assert_eq!(
            (p.family, p.canonical.as_str()),
            (StateOfficialLetter, "87/SNV-TCCB")
        );
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn normalisation_vectors() {
        let p = check(
            "Số: 59/2023/N\u{00D0}-CP",
            StateNormative,
            "59/2023/NĐ-CP",
            Some("NĐ"),
            &["CP"],
            &[NonstandardCharNormalized],
        );
        assert_eq!(p.year, Some(2023));
        check(
            "59 / 2023 / nđ-cp",
            StateNormative,
            "59/2023/NĐ-CP",
            Some("NĐ"),
            &["CP"],
            &[WhitespaceOrDashNormalized, TypeCaseNormalized],
        );
        check(
            "11\u{2013}QĐI/TW",
            Party,
            "11-QĐi/TW",
            Some("QĐi"),
            &["TW"],
            &[WhitespaceOrDashNormalized, TypeCaseNormalized],
        );
        check(
            "  so. 30 - ct / tw ",
            Party,
            "30-CT/TW",
            Some("CT"),
            &["TW"],
            &[WhitespaceOrDashNormalized, TypeCaseNormalized],
        );
        check(
            "SỐ 33/CT\u{2212}ttg",
            StateAdministrative,
            "33/CT-TTg",
            Some("CT"),
            &["TTg"],
            &[WhitespaceOrDashNormalized],
        );
        check(
            "số 143 \u{2014} KH/UBND",
            StateAdministrative,
            "143/KH-UBND",
            Some("KH"),
            &["UBND"],
            &[
                WhitespaceOrDashNormalized,
                NoncanonicalPartyPunctuationForStateIssuer,
            ],
        );
        // Decomposed input is recomposed silently; legacy eth in lower case too.
        let nfd: String = "01/ĐA-MTTW-BTT".nfd().collect();
        assert!(ok(&nfd).warnings.is_empty());
        assert_eq!(ok("24-kh/bc\u{00F0}").canonical, "24-KH/BCĐ");
        assert_eq!(ok("07\u{00A0}-\u{00A0}QC/TU").canonical, "07-QC/TU");
    }

    #[test]
    fn sequence_suffix() {
        let p = check("24a-KH/BCĐ", Party, "24a-KH/BCĐ", Some("KH"), &["BCĐ"], &[]);
        assert_eq!((p.seq, p.seq_text.as_str()), (24, "24"));
        assert_eq!(p.seq_suffix.as_deref(), Some("a"));
        assert_eq!(ok("24A/KH-UBND").canonical, "24a/KH-UBND");
    }

    #[test]
    fn party_multi_issuer_keeps_separators() {
        let p = check(
            "15-HD/TW/BTG",
            Party,
            "15-HD/TW/BTG",
            Some("HD"),
            &["TW", "BTG"],
            &[],
        );
        assert_eq!(p.seq, 15);
        assert_eq!(ok("3-TB/HU-VP").canonical, "3-TB/HU-VP");
    }

    #[test]
    fn failures() {
        let cases = [
            ("", ParseError::Empty),
            ("   ", ParseError::Empty),
            ("hello", ParseError::NoMatch),
            ("59/2023", ParseError::NoMatch),
            ("Số:", ParseError::NoMatch),
            ("12-XYZ/TW", ParseError::UnknownPartyType),
            ("12-NĐ/TW", ParseError::UnknownPartyType),
            ("12-XYZ/UBND", ParseError::UnknownPartyType),
            ("1234567-KH/TU", ParseError::NoMatch),
            ("59 2023/NĐ-CP", ParseError::NoMatch),
            ("59/2023/NĐ-CP/x", ParseError::NoMatch),
            ("59/2023/NĐ-", ParseError::NoMatch),
            ("30-CT/", ParseError::NoMatch),
            ("30-CT", ParseError::NoMatch),
            ("30CT/TW", ParseError::NoMatch),
            ("59/20/NĐ-CP", ParseError::NoMatch),
            ("33/CT", ParseError::UnrecognizedStateSymbol),
            ("12/UBND", ParseError::UnrecognizedStateSymbol),
            ("59/2023/NĐ", ParseError::UnrecognizedStateSymbol),
            ("10/2022/QH", ParseError::UnrecognizedStateSymbol),
            ("10/2022/QH151", ParseError::UnrecognizedStateSymbol),
            ("10/2022/UBND-VX", ParseError::UnrecognizedStateSymbol),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), Err(expected), "{input:?}");
        }
        let long = format!("1/{}", "A".repeat(500));
        assert_eq!(parse(&long), Err(ParseError::NoMatch));
    }

    #[test]
    fn codes_are_screaming_case() {
        assert_eq!(StateOfficialLetter.as_str(), "STATE_OFFICIAL_LETTER");
        assert_eq!(Party.to_string(), "PARTY");
        assert_eq!(
            NoncanonicalPartyPunctuationForStateIssuer.code(),
            "NONCANONICAL_PARTY_PUNCTUATION_FOR_STATE_ISSUER"
        );
        assert_eq!(AmbiguousQdBeforeHd36.code(), "AMBIGUOUS_QD_BEFORE_HD36");
        assert_eq!(ParseError::UnknownPartyType.code(), "UNKNOWN_PARTY_TYPE");
        assert_eq!(
            ParseError::UnrecognizedStateSymbol.to_string(),
            "UNRECOGNIZED_STATE_SYMBOL"
        );
    }

    #[test]
    fn dedupe_keys() {
        let upper = ok("59/2023/NĐ-CP");
        let lower = ok("59/2023/nđ-cp");
        let other = ok("61/2023/NĐ-CP");
        assert_eq!(
            dedupe_key(&upper, None, None),
            dedupe_key(&lower, None, None)
        );
        assert_ne!(
            dedupe_key(&upper, None, None),
            dedupe_key(&other, None, None)
        );
        assert_eq!(dedupe_key(&upper, Some(2023), None), "STATE|CP|NĐ|2023|59");
        assert_eq!(
            dedupe_key(&ok("Số: 59/2023/N\u{00D0}-CP"), None, None),
            "STATE|CP|NĐ|2023|59"
        );
        assert_eq!(
            dedupe_key(&ok("10/2022/QH15"), None, None),
            "STATE|QH15||2022|10"
        );
    }

    #[test]
    fn dedupe_keys_party_term() {
        let p = ok("09-NQ/TU");
        assert_eq!(
            dedupe_key(&p, Some(2021), Some("khóa XIII")),
            "PARTY|TU|NQ|13|9"
        );
        assert_eq!(
            dedupe_key(&p, None, Some("Khoá 13")),
            dedupe_key(&p, None, Some("XIII"))
        );
        assert_ne!(
            dedupe_key(&p, None, Some("XIII")),
            dedupe_key(&p, None, Some("XIV"))
        );
        assert_eq!(dedupe_key(&p, None, None), "PARTY|TU|NQ||9");
        assert_eq!(dedupe_key(&ok("11-QĐi/TW"), None, None), "PARTY|TW|QĐI||11");
        assert_eq!(
            dedupe_key(&ok("24a-KH/BCĐ"), None, Some("nhiệm kỳ 2020-2025")),
            "PARTY|BCĐ|KH|NHIEM KY 2020-2025|24A"
        );
        // Party QĐ (Quyết định) and QĐi (Quy định) are different series.
        assert_ne!(
            dedupe_key(&ok("11-QĐ/TW"), None, None),
            dedupe_key(&ok("11-QĐi/TW"), None, None)
        );
    }

    #[test]
    fn dedupe_keys_admin_use_issue_year() {
        let p = ok("143-KH/UBND");
        assert_eq!(
            dedupe_key(&p, Some(2024), None),
            "STATE_ADMINISTRATIVE|UBND|KH|2024|143"
        );
        assert_ne!(
            dedupe_key(&p, Some(2024), None),
            dedupe_key(&p, Some(2025), None)
        );
        assert_eq!(
            dedupe_key(&ok("1234/UBND-VX"), None, None),
            "STATE_OFFICIAL_LETTER|UBND-VX|||1234"
        );
        assert_eq!(
            dedupe_key(&ok("01/ĐA-MTTW-BTT"), Some(2023), None),
            "FRONT|MTTW-BTT|ĐA|2023|1"
        );
        // Đề án (ĐA) and Dự án (DA) must not collide.
        assert_ne!(
            dedupe_key(&ok("03/ĐA-UBND"), Some(2024), None),
            dedupe_key(&ok("03/DA-UBND"), Some(2024), None)
        );
        assert_eq!(
            dedupe_key(&ok("33/ct-ttg"), Some(2024), None),
            dedupe_key(&ok("33/CT-TTg"), Some(2024), None)
        );
    }

    #[test]
    fn roman_numerals() {
        assert_eq!(roman_value("XIV"), Some(14));
        assert_eq!(roman_value("MCMXC"), Some(1990));
        assert_eq!(roman_value("IIII"), None);
        assert_eq!(roman_value("IC"), None);
        assert_eq!(roman_value(""), None);
    }
}

/// Properties over generated input: the parser never panics, its canonical form is a fixed
/// point, and every spelling of a number keeps the identity the registry deduplicates on.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::{Family, dedupe_key, parse};

    /// Issuer codes as offices write them.
    fn issuer() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "TW", "TU", "BCĐ", "VPTW", "UBND", "CP", "TTg", "MTTW", "BTT", "HĐND", "BDVTU",
        ])
    }

    /// A State number in one of its four shapes, with the parts it was built from.
    fn state_number() -> impl Strategy<Value = (String, u32)> {
        let seq = 1u32..999_999;
        let year = 1990i32..2031;
        prop_oneof![
            (
                seq.clone(),
                year.clone(),
                prop::sample::select(vec!["NĐ", "TT", "NQ", "QĐ"]),
                issuer()
            )
                .prop_map(|(n, y, t, i)| (format!("{n}/{y}/{t}-{i}"), n)),
            (seq.clone(), year, 11u8..16).prop_map(|(n, y, k)| (format!("{n}/{y}/QH{k}"), n)),
            (
                seq.clone(),
                prop::sample::select(vec!["KH", "CT", "ĐA", "BC", "TB"]),
                issuer()
            )
                .prop_map(|(n, t, i)| (format!("{n}/{t}-{i}"), n)),
            (seq, issuer(), prop::sample::select(vec!["VX", "NC", "KT"]))
                .prop_map(|(n, i, u)| (format!("{n}/{i}-{u}"), n)),
        ]
    }

    /// A Party number: `số-LOẠI/CƠQUAN`.
    fn party_number() -> impl Strategy<Value = (String, u32)> {
        (
            1u32..99_999,
            prop::sample::select(vec!["KH", "NQ", "CT", "KL", "QĐi", "HD", "CV", "TB"]),
            prop::sample::select(vec!["TW", "TU", "BCĐ", "VPTW", "BDVTU"]),
        )
            .prop_map(|(n, t, i)| (format!("{n}-{t}/{i}"), n))
    }

    /// The same number as a careless typist or a legacy font might write it.
    fn respelled(number: &str, prefix: bool, lower: bool, spaced: bool, dash: bool) -> String {
        let mut s = number.to_owned();
        if lower {
            s = s.to_lowercase();
        }
        if spaced {
            s = s.replace('/', " / ").replace('-', " - ");
        }
        if dash {
            s = s.replace('-', "\u{2013}");
        }
        if prefix { format!("Số: {s}") } else { s }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn never_panics_on_any_text(input in "\\PC{0,60}") {
            let _ = parse(&input);
        }

        #[test]
        fn never_panics_on_near_misses(input in "[0-9]{0,7}[-/ ]{0,2}[0-9A-Za-zĐđ]{0,6}[-/]{0,2}[A-Za-zĐđ0-9]{0,8}") {
            let _ = parse(&input);
        }

        #[test]
        fn built_numbers_parse_with_their_sequence((number, seq) in prop_oneof![state_number(), party_number()]) {
            let parsed = parse(&number).map_err(|e| TestCaseError::fail(format!("{number}: {e}")))?;
            prop_assert_eq!(parsed.seq, seq);
            prop_assert_eq!(parsed.canonical, number);
        }

        #[test]
        fn the_canonical_form_is_a_fixed_point(input in prop_oneof![
            state_number().prop_map(|(n, _)| n),
            party_number().prop_map(|(n, _)| n),
            "[0-9]{1,4}[-/][A-Za-zĐđ]{1,4}[-/][A-Za-zĐđ]{1,5}",
        ]) {
            if let Ok(first) = parse(&input) {
                let again = parse(&first.canonical)
                    .map_err(|e| TestCaseError::fail(format!("{} -> {}: {e}", input, first.canonical)))?;
                prop_assert_eq!(&again.canonical, &first.canonical);
                prop_assert_eq!(again.family, first.family);
                prop_assert_eq!(again.seq, first.seq);
                prop_assert_eq!(again.year, first.year);
                prop_assert_eq!(&again.type_code, &first.type_code);
                prop_assert_eq!(&again.issuer_codes, &first.issuer_codes);
                prop_assert_eq!(again.legislature_term, first.legislature_term);
            }
        }

        #[test]
        fn every_spelling_keeps_the_identity(
            (number, _) in prop_oneof![state_number(), party_number()],
            prefix: bool, lower: bool, spaced: bool, dash: bool,
        ) {
            let written = respelled(&number, prefix, lower, spaced, dash);
            let original = parse(&number).map_err(|e| TestCaseError::fail(format!("{number}: {e}")))?;
            let variant = parse(&written).map_err(|e| TestCaseError::fail(format!("{written}: {e}")))?;
            prop_assert_eq!(
                dedupe_key(&variant, Some(2024), Some("khóa XIV")),
                dedupe_key(&original, Some(2024), Some("khóa XIV")),
                "{} vs {}", written, number
            );
            if original.family != Family::Party {
                prop_assert_eq!(variant.year, original.year);
            }
        }
    }
}
