//! The official report as a document (issue 14, part 4): gathers what the document says (the
//! report, its sections and indicator values, the issuer's name on the issue date, the place,
//! the outgoing number when registered) and lays it out with `render`. Whoever may read a
//! report may render it.

use chrono::{Datelike, NaiveDate};
use entity::{
    DocumentProfile, Measure, SigningAuthority, UnitKind, indicator, legal_document,
    outgoing_number, report, unit, unit_version,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    legal_number, lineage,
    official_format::{self, Authority, Profile},
    reports,
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
    render::{
        document::{Annex, OfficialDocument, Section, Signature},
        docx,
    },
};

/// The file formats a document is rendered to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Docx,
}

/// What the caller asks for beyond the report itself.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// The issuer's abbreviation in the symbol ("BDVTU", "UBND"), for a number not yet
    /// registered; without it the symbol's issuer part is left for the clerk.
    pub issuer_symbol: Option<String>,
    /// The place name before the date; by default the province the issuer lies in.
    pub place: Option<String>,
    /// Recipients; by default the unit the report goes to.
    pub recipients: Option<Vec<String>>,
}

/// A rendered file is a file qcdc made, stored like any other (`files::store_generated`).
pub use super::files::GeneratedFile as Rendered;

/// A unit as named on a given day.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedUnit {
    pub name: String,
    pub kind: UnitKind,
}

/// One row of the indicator annex.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorRow {
    pub name: String,
    pub measure: Measure,
    pub value: f64,
}

/// The registered outgoing number of a report.
#[derive(Clone, Debug, PartialEq)]
pub struct Numbered {
    pub profile: Profile,
    /// As registered and parsed: sequence and symbol ("BC/BDVTU", "BC-UBND").
    pub seq: u32,
    pub symbol: String,
    pub issued_on: NaiveDate,
    pub signature: Signature,
}

/// Everything a report's document says, loaded.
#[derive(Clone, Debug)]
pub struct ReportSource {
    pub report: report::Model,
    pub issuer: NamedUnit,
    pub superior: Option<NamedUnit>,
    /// The province's name, as the place of issue.
    pub province: Option<String>,
    pub recipient: Option<String>,
    pub indicators: Vec<IndicatorRow>,
    pub number: Option<Numbered>,
    /// The day names are taken on: the issue date, or today for a document not yet numbered.
    pub day: NaiveDate,
}

pub fn profile_of(p: DocumentProfile) -> Profile {
    match p {
        DocumentProfile::State => Profile::State,
        DocumentProfile::Party => Profile::Party,
    }
}

pub fn stored_profile(p: Profile) -> DocumentProfile {
    match p {
        Profile::State => DocumentProfile::State,
        Profile::Party => DocumentProfile::Party,
    }
}

pub fn authority_of(a: SigningAuthority) -> Authority {
    match a {
        SigningAuthority::OnBehalf => Authority::OnBehalf,
        SigningAuthority::ForTheHead => Authority::ForTheHead,
        SigningAuthority::ByOrder => Authority::ByOrder,
        SigningAuthority::Authorised => Authority::Authorised,
    }
}

/// The sequence and the symbol of a report's number, and the profile its punctuation belongs
/// to: `123-BC/BDVTU` is a Party document's, `05/BC-UBND` a state one's. Anything else, or
/// a number of another type than a report (BC), is refused naming `field`.
pub fn parse_report_number(field: &str, number: &str) -> AppResult<(Profile, u32, String)> {
    parse_number(field, number, Some("BC"))
}

/// The sequence and the symbol of a document's number (`12-TB/BCĐ`, `05/QĐ-UBND`) and the
/// profile its punctuation belongs to; of type `type_code` when one is named. A number of
/// neither a Party nor an administrative document is refused naming `field`.
pub fn parse_number(
    field: &str,
    number: &str,
    type_code: Option<&str>,
) -> AppResult<(Profile, u32, String)> {
    use legal_number::Family;
    let parsed = legal_number::parse(number)
        .map_err(|e| AppError::bad_input(field, format!("not a document number ({e})")))?;
    if let Some(expected) = type_code
        && parsed.type_code.as_deref() != Some(expected)
    {
        return Err(AppError::bad_input(
            field,
            format!(
                "the number has the type {expected} (123-{expected}/BDVTU, 05/{expected}-UBND)"
            ),
        ));
    }
    let profile = match parsed.family {
        Family::Party => Profile::Party,
        Family::StateAdministrative | Family::Front => Profile::State,
        _ => {
            return Err(AppError::bad_input(
                field,
                "the number reads 123-BC/BDVTU (Party) or 05/BC-UBND (state)",
            ));
        }
    };
    let prefix = format!(
        "{}{}",
        parsed.seq_text,
        parsed.seq_suffix.as_deref().unwrap_or("")
    );
    let symbol = parsed
        .canonical
        .strip_prefix(&prefix)
        .map(|rest| rest.trim_start_matches(['-', '/']).to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::bad_input(field, "the number has no symbol"))?;
    Ok((profile, parsed.seq, symbol))
}

/// The number of registry document `id` as a document carries it, signed by `signature`;
/// issued on its issue date, or `fallback` when the registry has none. A number that reads as
/// neither a Party nor an administrative document is refused naming `field`.
pub(crate) async fn registered_number(
    db: &impl ConnectionTrait,
    field: &str,
    id: Uuid,
    fallback: NaiveDate,
    signature: Signature,
) -> AppResult<Numbered> {
    let doc = legal_document::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("legal document"))?;
    let (profile, seq, symbol) = parse_number(field, &doc.number, None)?;
    Ok(Numbered {
        profile,
        seq,
        symbol,
        issued_on: doc.issued_on.unwrap_or(fallback),
        signature,
    })
}

/// Refuses a document numbered in one profile rendered in the other.
pub(crate) fn require_profile(number: Option<&Numbered>, profile: Profile) -> AppResult<()> {
    match number {
        Some(n) if n.profile != profile => Err(AppError::bad_input(
            "input.profile",
            "the document was numbered in the other profile",
        )),
        _ => Ok(()),
    }
}

/// The file name of a document: its number ("123-BC-BDVTU.docx"), else `stem`.
pub(crate) fn filename(number: Option<&Numbered>, stem: &str) -> String {
    match number {
        Some(n) => format!("{}-{}.docx", n.seq, n.symbol.replace('/', "-")),
        None => format!("{stem}.docx"),
    }
}

/// Units named on `day`: their version then, or their current record if they had none.
pub(crate) async fn named_on(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    day: NaiveDate,
) -> AppResult<std::collections::HashMap<Uuid, (NamedUnit, Option<Uuid>)>> {
    let versions = lineage::versions_on(db, ids, day).await?;
    let mut out = std::collections::HashMap::new();
    let missing: Vec<Uuid> = ids
        .iter()
        .copied()
        .filter(|id| !versions.contains_key(id))
        .collect();
    for (id, v) in versions {
        let unit_version::Model {
            name,
            kind,
            parent_id,
            ..
        } = v;
        out.insert(id, (NamedUnit { name, kind }, parent_id));
    }
    if !missing.is_empty() {
        for u in unit::Entity::find()
            .filter(unit::Column::Id.is_in(missing))
            .all(db)
            .await?
        {
            out.insert(
                u.id,
                (
                    NamedUnit {
                        name: u.name,
                        kind: u.kind,
                    },
                    u.parent_id,
                ),
            );
        }
    }
    Ok(out)
}

/// The issuer of a document as named on a day, with the unit above it and its province.
#[derive(Clone, Debug, PartialEq)]
pub struct Issuer {
    pub issuer: NamedUnit,
    pub superior: Option<NamedUnit>,
    /// The province's name, as the place of issue.
    pub province: Option<String>,
}

/// Unit `unit` as the issuer of a document on `day`: its name then, the unit above it, and the
/// province it lay in.
pub(crate) async fn issuer_on(
    db: &impl ConnectionTrait,
    unit: Uuid,
    day: NaiveDate,
) -> AppResult<Issuer> {
    let mut chain = Vec::new();
    let mut next = Some(unit);
    let mut province = None;
    // Trees are shallow; the bound guards a cycle.
    while let Some(current) = next.filter(|_| chain.len() < 16) {
        let named = named_on(db, &[current], day).await?;
        let Some((unit, parent)) = named.get(&current).cloned() else {
            break;
        };
        if unit.kind == UnitKind::Province {
            province = Some(unit.name.clone());
            chain.push(unit);
            break;
        }
        chain.push(unit);
        next = parent;
    }
    let mut chain = chain.into_iter();
    let issuer = chain.next().ok_or(AppError::NotFound("unit"))?;
    Ok(Issuer {
        issuer,
        superior: chain.next(),
        province,
    })
}

/// The names of units `ids` on `day`.
pub(crate) async fn names_on(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    day: NaiveDate,
) -> AppResult<std::collections::HashMap<Uuid, String>> {
    Ok(named_on(db, ids, day)
        .await?
        .into_iter()
        .map(|(id, (unit, _))| (id, unit.name))
        .collect())
}

/// Loads what the document of report `id` says, if the caller may read the report.
pub async fn load_report(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<ReportSource> {
    let report = reports::get(db, caller, id)
        .await?
        .ok_or(AppError::NotFound("report"))?;
    let number = match outgoing_number::Entity::find()
        .filter(outgoing_number::Column::ReportId.eq(id))
        .one(db)
        .await?
    {
        Some(row) => {
            let doc = legal_document::Entity::find_by_id(row.document_id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound("legal document"))?;
            let (_, seq, symbol) = parse_report_number("number", &doc.number)?;
            Some(Numbered {
                profile: profile_of(row.profile),
                seq,
                symbol,
                issued_on: doc.issued_on.unwrap_or_else(|| caller.today()),
                signature: Signature {
                    authority: row.signer_authority.map(authority_of),
                    on_behalf_of: row.signer_on_behalf_of,
                    position: row.signer_position,
                    name: row.signer_name,
                },
            })
        }
        None => None,
    };
    let day = number
        .as_ref()
        .map_or_else(|| caller.today(), |n| n.issued_on);

    // The issuer, the unit above it, its province and the recipient, as named that day.
    let Issuer {
        issuer,
        superior,
        province,
    } = issuer_on(db, report.unit_id, day).await?;
    let recipient = match report.recipient_unit_id {
        Some(r) => named_on(db, &[r], day)
            .await?
            .remove(&r)
            .map(|(u, _)| u.name),
        None => None,
    };

    let values = reports::indicator_values(db, id).await?;
    let catalogue: std::collections::HashMap<Uuid, indicator::Model> = indicator::Entity::find()
        .filter(indicator::Column::Id.is_in(values.iter().map(|v| v.indicator_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut indicators: Vec<(String, IndicatorRow)> = values
        .iter()
        .filter_map(|v| {
            catalogue.get(&v.indicator_id).map(|i| {
                (
                    i.code.clone(),
                    IndicatorRow {
                        name: i.name.clone(),
                        measure: i.measure,
                        value: v.value,
                    },
                )
            })
        })
        .collect();
    indicators.sort_by(|a, b| a.0.cmp(&b.0));

    Ok(ReportSource {
        report,
        issuer,
        superior,
        province,
        recipient,
        indicators: indicators.into_iter().map(|(_, row)| row).collect(),
        number,
        day,
    })
}

/// Territorial units are places, not bodies: no issuer block names them above a body.
fn is_territory(kind: UnitKind) -> bool {
    matches!(
        kind,
        UnitKind::Province | UnitKind::District | UnitKind::Commune
    )
}

/// "Tỉnh Sóc Trăng" → "Sóc Trăng": the place name of Decree 30 is the locality's own name.
pub fn place_name(province: &str) -> String {
    let lower = province.to_lowercase();
    for prefix in ["thành phố ", "tỉnh "] {
        if lower.starts_with(prefix) {
            return province
                .chars()
                .skip(prefix.chars().count())
                .collect::<String>()
                .trim()
                .to_owned();
        }
    }
    province.trim().to_owned()
}

/// A value as Vietnamese documents write it: "1.234", "12,5", "1.000.000 đồng" as "1.000.000".
pub fn format_value(value: f64, measure: Measure) -> String {
    format_number(value, if measure == Measure::Percent { 1 } else { 0 })
}

/// `value` with at most `decimals` decimals, grouped with dots and a decimal comma.
pub fn format_number(value: f64, decimals: usize) -> String {
    let fixed = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 { "-" } else { "" };
    match fraction.trim_end_matches('0') {
        "" => format!("{sign}{grouped}"),
        f => format!("{sign}{grouped},{f}"),
    }
}

fn measure_label(measure: Measure) -> &'static str {
    match measure {
        Measure::Count => "Số lượng",
        Measure::PersonTimes => "Lượt người",
        Measure::Persons => "Người",
        Measure::Percent => "%",
        Measure::Vnd => "Đồng",
    }
}

/// The issuer block's lines: the body above the issuer when it is one (not a territory), and
/// the issuer's name without the superior's ("Ban Dân vận Tỉnh ủy Sóc Trăng" under "Tỉnh ủy Sóc
/// Trăng" reads "Ban Dân vận").
pub fn issuer_block(issuer: &NamedUnit, superior: Option<&NamedUnit>) -> (Option<String>, String) {
    let superior = superior
        .filter(|s| !is_territory(s.kind))
        .map(|s| s.name.clone());
    let name = match &superior {
        Some(above) => issuer
            .name
            .strip_suffix(above.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(&issuer.name)
            .to_owned(),
        None => issuer.name.clone(),
    };
    (superior, name)
}

/// The place before the date: the caller's, else the province's name.
pub fn place_of(options: &RenderOptions, province: Option<&str>) -> String {
    options
        .place
        .clone()
        .or_else(|| province.map(place_name))
        .unwrap_or_else(|| "…".to_owned())
}

/// The number line and the place-and-date line of a document of type `type_code` ("BC",
/// "TB", "QĐ"): as registered, or with the number and the day and month of `day`'s year left
/// for the clerk (the symbol's issuer part is `issuer_symbol`, or left blank too).
pub fn number_and_date(
    profile: Profile,
    type_code: &str,
    number: Option<&Numbered>,
    place: &str,
    day: NaiveDate,
    issuer_symbol: Option<&str>,
) -> (String, String) {
    match number {
        Some(n) => (
            official_format::number_line(profile, Some(n.seq), &n.symbol),
            official_format::place_and_date(place, n.issued_on),
        ),
        None => {
            let issuer_symbol = issuer_symbol.unwrap_or("…");
            let symbol = match profile {
                Profile::State => format!("{type_code}-{issuer_symbol}"),
                Profile::Party => format!("{type_code}/{issuer_symbol}"),
            };
            (
                official_format::number_line(profile, None, &symbol),
                official_format::place_and_blank_date(place, day.year()),
            )
        }
    }
}

/// The signature of a document not yet signed: on behalf of the issuer (T/M, TM.).
pub fn on_behalf_of(issuer: &str) -> Signature {
    Signature {
        authority: Some(Authority::OnBehalf),
        on_behalf_of: Some(issuer.to_owned()),
        position: None,
        name: None,
    }
}

/// The document of a report in `profile`: pure, so the layout is tested without a database.
pub fn compose_report(
    source: &ReportSource,
    profile: Profile,
    options: &RenderOptions,
) -> OfficialDocument {
    let r = &source.report;
    let (superior, issuer) = issuer_block(&source.issuer, source.superior.as_ref());
    let place = place_of(options, source.province.as_deref());
    let (number_line, place_and_date) = number_and_date(
        profile,
        "BC",
        source.number.as_ref(),
        &place,
        source.day,
        options.issuer_symbol.as_deref(),
    );
    let signature = match &source.number {
        Some(n) => n.signature.clone(),
        None => on_behalf_of(&issuer),
    };

    let mut sections = Vec::new();
    let mut push = |heading: &str, parts: &[(Option<&str>, &Option<String>)]| {
        let mut paragraphs = Vec::new();
        for (label, text) in parts {
            let Some(text) = text.as_deref().filter(|t| !t.trim().is_empty()) else {
                continue;
            };
            if let Some(label) = label {
                paragraphs.push((*label).to_owned());
            }
            paragraphs.extend(Section::from_text("", text).paragraphs);
        }
        if !paragraphs.is_empty() {
            let n = crate::render::document::roman(sections.len() + 1);
            sections.push(Section {
                heading: format!("{n}. {heading}"),
                paragraphs,
            });
        }
    };
    push("KẾT QUẢ ĐẠT ĐƯỢC", &[(None, &r.results)]);
    let both = r.limitations.is_some() && r.causes.is_some();
    push(
        "HẠN CHẾ VÀ NGUYÊN NHÂN",
        &[
            (both.then_some("1. Hạn chế"), &r.limitations),
            (both.then_some("2. Nguyên nhân"), &r.causes),
        ],
    );
    push("BÀI HỌC KINH NGHIỆM", &[(None, &r.lessons)]);
    push(
        "PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI",
        &[(None, &r.next_steps)],
    );

    let annex = (!source.indicators.is_empty()).then(|| Annex {
        title: format!(
            "Kết quả các chỉ tiêu từ ngày {} đến ngày {}",
            r.period_start.format("%d/%m/%Y"),
            r.period_end.format("%d/%m/%Y")
        ),
        columns: vec!["Chỉ tiêu".into(), "Đơn vị tính".into(), "Kết quả".into()],
        rows: source
            .indicators
            .iter()
            .map(|i| {
                vec![
                    i.name.clone(),
                    measure_label(i.measure).to_owned(),
                    format_value(i.value, i.measure),
                ]
            })
            .collect(),
    });
    let recipients = options
        .recipients
        .clone()
        .unwrap_or_else(|| source.recipient.iter().cloned().collect());

    OfficialDocument {
        profile,
        superior,
        issuer,
        number_line,
        place_and_date,
        document_type: "Báo cáo".to_owned(),
        summary: r.title.clone(),
        sections,
        annex,
        signature,
        recipients,
    }
}

/// Renders report `id` in `profile` (whoever may read the report may render it). A report
/// numbered in one profile is not rendered in the other.
pub async fn render_report(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    profile: Profile,
    format: Format,
    options: &RenderOptions,
) -> AppResult<Rendered> {
    let source = load_report(db, caller, id).await?;
    require_profile(source.number.as_ref(), profile)?;
    let document = compose_report(&source, profile, options);
    let bytes = match format {
        Format::Docx => docx::write(&document)?,
    };
    let stem = format!("bao-cao-{}", source.report.period_end.format("%Y-%m-%d"));
    Ok(Rendered {
        filename: filename(source.number.as_ref(), &stem),
        content_type: docx::CONTENT_TYPE,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_numbers_give_their_profile_and_symbol() {
        let (p, seq, symbol) = parse_report_number("n", "123-BC/BDVTU").unwrap();
        assert_eq!((p, seq, symbol.as_str()), (Profile::Party, 123, "BC/BDVTU"));
        let (p, seq, symbol) = parse_report_number("n", "05/BC-UBND").unwrap();
        assert_eq!((p, seq, symbol.as_str()), (Profile::State, 5, "BC-UBND"));
        assert!(parse_report_number("n", "24-KH/BCĐ").is_err(), "a plan");
        assert!(parse_report_number("n", "59/2023/NĐ-CP").is_err());
        assert!(parse_report_number("n", "hello").is_err());
    }

    #[test]
    fn places_drop_the_word_for_province_or_city() {
        assert_eq!(place_name("Tỉnh Sóc Trăng"), "Sóc Trăng");
        assert_eq!(place_name("Thành phố Cần Thơ"), "Cần Thơ");
        assert_eq!(place_name("Hà Nội"), "Hà Nội");
    }

    #[test]
    fn values_are_written_the_vietnamese_way() {
        assert_eq!(format_value(1234.0, Measure::Count), "1.234");
        assert_eq!(format_value(1_000_000.0, Measure::Vnd), "1.000.000");
        assert_eq!(format_value(12.5, Measure::Percent), "12,5");
        assert_eq!(format_value(100.0, Measure::Percent), "100");
        assert_eq!(format_value(7.0, Measure::Count), "7");
    }

    fn source(number: Option<Numbered>) -> ReportSource {
        let day = NaiveDate::from_ymd_opt(2024, 2, 5).unwrap();
        let now = chrono::Utc::now();
        ReportSource {
            report: report::Model {
                id: Uuid::nil(),
                unit_id: Uuid::nil(),
                recipient_unit_id: None,
                plan_id: None,
                schedule_id: None,
                obligation_id: None,
                kind: entity::ReportKind::AdHoc,
                title: "Sơ kết 6 tháng".into(),
                period_start: day,
                period_end: day,
                status: entity::ReportStatus::Draft,
                revision: 1,
                previous_id: None,
                results: Some("Kết quả một.\nKết quả hai.".into()),
                limitations: Some("Hạn chế.".into()),
                causes: Some("Nguyên nhân.".into()),
                lessons: None,
                next_steps: Some("Tiếp tục.".into()),
                review_comment: None,
                author_id: None,
                submitted_at: None,
                first_submitted_at: None,
                approved_at: None,
                search_text: String::new(),
                sort_key: String::new(),
                created_at: now,
                updated_at: now,
                version: 1,
            },
            issuer: NamedUnit {
                name: "Ban Dân vận Tỉnh ủy Sóc Trăng".into(),
                kind: UnitKind::PartyBoard,
            },
            superior: Some(NamedUnit {
                name: "Tỉnh ủy Sóc Trăng".into(),
                kind: UnitKind::PartyCommittee,
            }),
            province: Some("Tỉnh Sóc Trăng".into()),
            recipient: Some("Ban Chỉ đạo Trung ương".into()),
            indicators: vec![IndicatorRow {
                name: "Buổi tuyên truyền".into(),
                measure: Measure::Count,
                value: 1200.0,
            }],
            number,
            day,
        }
    }

    #[test]
    fn an_unnumbered_report_leaves_number_and_date_to_the_clerk() {
        let doc = compose_report(&source(None), Profile::Party, &RenderOptions::default());
        assert_eq!(doc.superior.as_deref(), Some("Tỉnh ủy Sóc Trăng"));
        assert_eq!(doc.issuer, "Ban Dân vận");
        assert!(doc.number_line.starts_with("Số ") && doc.number_line.ends_with("-BC/…"));
        assert!(doc.place_and_date.starts_with("Sóc Trăng, ngày "));
        assert!(doc.place_and_date.ends_with("năm 2024"));
        let headings: Vec<&str> = doc.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(
            headings,
            [
                "I. KẾT QUẢ ĐẠT ĐƯỢC",
                "II. HẠN CHẾ VÀ NGUYÊN NHÂN",
                "III. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI"
            ]
        );
        assert_eq!(doc.sections[1].paragraphs[0], "1. Hạn chế");
        assert_eq!(doc.annex.as_ref().unwrap().rows[0][2], "1.200");
        assert_eq!(doc.recipients, ["Ban Chỉ đạo Trung ương"]);
    }

    #[test]
    fn a_numbered_report_carries_its_number_date_and_signer() {
        let numbered = Numbered {
            profile: Profile::Party,
            seq: 123,
            symbol: "BC/BDVTU".into(),
            issued_on: NaiveDate::from_ymd_opt(2024, 2, 5).unwrap(),
            signature: Signature {
                authority: Some(Authority::ForTheHead),
                on_behalf_of: Some("Trưởng ban".into()),
                position: Some("Phó Trưởng ban".into()),
                name: Some("Nguyễn Văn A".into()),
            },
        };
        let doc = compose_report(
            &source(Some(numbered)),
            Profile::Party,
            &RenderOptions::default(),
        );
        assert_eq!(doc.number_line, "Số 123-BC/BDVTU");
        assert_eq!(doc.place_and_date, "Sóc Trăng, ngày 05 tháng 02 năm 2024");
        assert_eq!(
            doc.signature.heading_lines(Profile::Party),
            ["K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"]
        );
    }
}
