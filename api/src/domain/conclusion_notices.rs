//! An oversight's conclusion notice (thông báo kết luận kiểm tra, giám sát; content 6) as an
//! official document: issued by the conducting unit as named on the conclusion day, numbered
//! as the conclusion document registered in the legal registry, its findings grouped by target
//! and its recommendations by addressee with their due dates. Laid out by the renderer of
//! reports (`rendering`, `render::docx`).
//!
//! Only the conducting side renders it (ADMIN, STEERING or UNIT_MANAGER over the conducting
//! unit, as `overseeing` defines the side): the notice carries every target's findings, while a
//! target reads only its own.

use chrono::NaiveDate;
use entity::{
    FindingKind, OversightKind, OversightStatus, oversight, oversight_finding, recommendation,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{
    authz,
    official_format::Profile,
    oversights,
    rendering::{
        self, Format, Issuer, Numbered, RenderOptions, Rendered, format_number, issuer_block,
        number_and_date, on_behalf_of, place_of,
    },
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
    render::{
        document::{OfficialDocument, Section, Signature, roman},
        docx,
    },
};

const FIELD: &str = "input.oversightId";

/// Everything a conclusion notice says, loaded.
#[derive(Clone, Debug)]
pub struct ConclusionSource {
    pub oversight: oversight::Model,
    /// The conducting unit as named on the conclusion day.
    pub issuer: Issuer,
    /// The conclusion document's number, when registered.
    pub number: Option<Numbered>,
    /// The day names are taken on: the conclusion day.
    pub day: NaiveDate,
    /// Targets in the order they were named, as named on the conclusion day.
    pub targets: Vec<(Uuid, String)>,
    pub findings: Vec<oversight_finding::Model>,
    /// Recommendations, earliest due first, each with its addressee's name.
    pub recommendations: Vec<(recommendation::Model, String)>,
}

/// Loads what the conclusion notice of oversight `id` says, signed by `signer` (by default on
/// behalf of the conducting unit).
///
/// Errors: `NOT_FOUND` for an oversight the caller does not see; `FORBIDDEN` off the conducting
/// side; `BAD_USER_INPUT` for an oversight not concluded, or a conclusion document whose number
/// reads as neither a Party nor an administrative document.
pub async fn load(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    signer: Option<Signature>,
) -> AppResult<ConclusionSource> {
    let o = oversights::get(db, caller, id)
        .await?
        .ok_or(AppError::NotFound("oversight"))?;
    authz::require(db, caller, authz::PLANNERS, o.conducting_unit_id).await?;
    let day = match (o.status, o.concluded_on) {
        (OversightStatus::Concluded | OversightStatus::Closed, Some(day)) => day,
        _ => {
            return Err(AppError::bad_input(
                FIELD,
                "only a concluded oversight has a conclusion notice",
            ));
        }
    };
    let issuer = rendering::issuer_on(db, o.conducting_unit_id, day).await?;
    let number = match o.conclusion_document_id {
        Some(doc) => {
            let signature = signer.clone().unwrap_or_else(|| {
                on_behalf_of(&issuer_block(&issuer.issuer, issuer.superior.as_ref()).1)
            });
            Some(rendering::registered_number(db, FIELD, doc, day, signature).await?)
        }
        None => None,
    };

    let target_ids: Vec<Uuid> = oversights::targets(db, id)
        .await?
        .into_iter()
        .map(|t| t.unit_id)
        .collect();
    let findings = oversights::findings(db, caller, &o).await?;
    let recommendations = recommendation::Entity::find()
        .filter(recommendation::Column::OversightId.eq(id))
        .filter(recommendation::Column::IssuedAt.is_not_null())
        .order_by_asc(recommendation::Column::SortKey)
        .order_by_asc(recommendation::Column::Id)
        .all(db)
        .await?;
    let mut ids = target_ids.clone();
    ids.extend(recommendations.iter().map(|r| r.addressee_unit_id));
    ids.sort_unstable();
    ids.dedup();
    let names = rendering::names_on(db, &ids, day).await?;
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    Ok(ConclusionSource {
        targets: target_ids.iter().map(|t| (*t, name(t))).collect(),
        recommendations: recommendations
            .into_iter()
            .map(|r| {
                let addressee = name(&r.addressee_unit_id);
                (r, addressee)
            })
            .collect(),
        oversight: o,
        issuer,
        number,
        day,
        findings,
    })
}

/// "kiểm tra" or "giám sát".
fn verb(kind: OversightKind) -> &'static str {
    match kind {
        OversightKind::Inspection => "kiểm tra",
        OversightKind::Supervision => "giám sát",
    }
}

/// The groups of a target's findings, in the order a notice reads them.
const GROUPS: [(FindingKind, &str); 5] = [
    (FindingKind::Strength, "Ưu điểm"),
    (FindingKind::Limitation, "Hạn chế"),
    (FindingKind::Violation, "Vi phạm"),
    (FindingKind::Cause, "Nguyên nhân"),
    (FindingKind::Lesson, "Bài học kinh nghiệm"),
];

/// Vietnamese sub-item letters: a, b, c, d, đ, e.
const LETTERS: [&str; 6] = ["a", "b", "c", "d", "đ", "e"];

/// One finding as a line: its statement, and for a violation the amount and land involved.
fn finding_line(f: &oversight_finding::Model) -> String {
    let statement = f.statement.trim().trim_end_matches(['.', ';']);
    let mut involved = Vec::new();
    if let Some(vnd) = f.amount_vnd {
        involved.push(format!("số tiền {} đồng", format_number(vnd as f64, 0)));
    }
    if let Some(m2) = f.land_m2 {
        involved.push(format!("diện tích đất {} m²", format_number(m2, 1)));
    }
    if involved.is_empty() {
        format!("- {statement}.")
    } else {
        format!("- {statement} ({}).", involved.join("; "))
    }
}

fn date(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// The conclusion notice in `profile`: pure, so the layout is tested without a database.
pub fn compose(
    source: &ConclusionSource,
    profile: Profile,
    options: &RenderOptions,
    signer: Option<Signature>,
) -> OfficialDocument {
    let o = &source.oversight;
    let (superior, issuer) = issuer_block(&source.issuer.issuer, source.issuer.superior.as_ref());
    let place = place_of(options, source.issuer.province.as_deref());
    let (number_line, place_and_date) = number_and_date(
        profile,
        "TB",
        source.number.as_ref(),
        &place,
        source.day,
        options.issuer_symbol.as_deref(),
    );
    let signature = match (&source.number, signer) {
        (Some(n), _) => n.signature.clone(),
        (None, Some(s)) => s,
        (None, None) => on_behalf_of(&issuer),
    };
    let verb = verb(o.kind);

    let mut results = Vec::new();
    let targets: Vec<&str> = source.targets.iter().map(|(_, n)| n.as_str()).collect();
    let start = o.started_on.unwrap_or(o.planned_start);
    results.push(format!(
        "Từ ngày {} đến ngày {}, {} đã tiến hành {verb} đối với {}.",
        date(start),
        date(source.day.max(start)),
        source.issuer.issuer.name,
        targets.join(", ")
    ));
    if let Some(subject) = o.subject.as_deref().filter(|s| !s.trim().is_empty()) {
        results.push(format!(
            "Nội dung {verb}: {}.",
            subject.trim().trim_end_matches('.')
        ));
    }
    results.push(format!(
        "Trên cơ sở báo cáo kết quả {verb}, {issuer} kết luận như sau:"
    ));
    let mut n = 0;
    for (target, name) in &source.targets {
        let of_target: Vec<&oversight_finding::Model> = source
            .findings
            .iter()
            .filter(|f| f.target_unit_id == *target)
            .collect();
        if of_target.is_empty() {
            continue;
        }
        n += 1;
        results.push(format!("{n}. Đối với {name}"));
        let mut letter = LETTERS.iter();
        for (kind, label) in GROUPS {
            let lines: Vec<String> = of_target
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| finding_line(f))
                .collect();
            if lines.is_empty() {
                continue;
            }
            results.push(format!("{}) {label}", letter.next().unwrap_or(&"-")));
            results.extend(lines);
        }
    }
    let mut sections = vec![Section {
        heading: format!("{}. KẾT QUẢ {}", roman(1), verb.to_uppercase()),
        paragraphs: results,
    }];

    if !source.recommendations.is_empty() {
        let mut paragraphs = Vec::new();
        let mut addressees: Vec<(Uuid, &str)> = Vec::new();
        for (r, name) in &source.recommendations {
            if !addressees.iter().any(|(id, _)| *id == r.addressee_unit_id) {
                addressees.push((r.addressee_unit_id, name));
            }
        }
        for (i, (addressee, name)) in addressees.iter().enumerate() {
            paragraphs.push(format!("{}. Đối với {name}", i + 1));
            for (r, _) in source
                .recommendations
                .iter()
                .filter(|(r, _)| r.addressee_unit_id == *addressee)
            {
                paragraphs.push(format!(
                    "- {}; thời hạn hoàn thành: trước ngày {}.",
                    r.statement.trim().trim_end_matches(['.', ';']),
                    date(r.due_on)
                ));
            }
        }
        sections.push(Section {
            heading: format!("{}. KIẾN NGHỊ", roman(2)),
            paragraphs,
        });
    }

    // By default the notice goes to the targets and the addressees.
    let recipients = options.recipients.clone().unwrap_or_else(|| {
        let mut to: Vec<String> = targets.iter().map(|t| (*t).to_owned()).collect();
        for (_, name) in &source.recommendations {
            if !to.contains(name) {
                to.push(name.clone());
            }
        }
        to
    });

    OfficialDocument {
        profile,
        superior,
        issuer,
        number_line,
        place_and_date,
        document_type: "Thông báo kết luận".to_owned(),
        summary: o.title.clone(),
        sections,
        annex: None,
        signature,
        recipients,
    }
}

/// Renders the conclusion notice of oversight `id` in `profile` (see [`load`] for who may).
/// A notice whose conclusion document is numbered in one profile is not rendered in the other.
pub async fn render(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    profile: Profile,
    format: Format,
    options: &RenderOptions,
    signer: Option<Signature>,
) -> AppResult<Rendered> {
    let source = load(db, caller, id, signer.clone()).await?;
    rendering::require_profile(source.number.as_ref(), profile)?;
    let document = compose(&source, profile, options, signer);
    let bytes = match format {
        Format::Docx => docx::write(&document)?,
    };
    let stem = format!("thong-bao-ket-luan-{}", source.day.format("%Y-%m-%d"));
    Ok(Rendered {
        filename: rendering::filename(source.number.as_ref(), &stem),
        content_type: docx::CONTENT_TYPE,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use entity::{OversightCadence, UnitKind};

    use super::*;
    use crate::domain::rendering::NamedUnit;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn finding(target: Uuid, kind: FindingKind, statement: &str) -> oversight_finding::Model {
        let now = chrono::Utc::now();
        oversight_finding::Model {
            id: Uuid::now_v7(),
            oversight_id: Uuid::nil(),
            target_unit_id: target,
            kind,
            statement: statement.into(),
            explains_id: None,
            amount_vnd: None,
            land_m2: None,
            search_text: String::new(),
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    fn source(number: Option<Numbered>) -> ConclusionSource {
        let now = chrono::Utc::now();
        let (d01, d02) = (Uuid::now_v7(), Uuid::now_v7());
        let mut violation = finding(d01, FindingKind::Violation, "Thu sai quy định.");
        violation.amount_vnd = Some(12_500_000);
        violation.land_m2 = Some(250.5);
        ConclusionSource {
            oversight: oversight::Model {
                id: Uuid::nil(),
                conducting_unit_id: Uuid::nil(),
                plan_id: None,
                task_id: None,
                programme_document_id: None,
                kind: OversightKind::Inspection,
                cadence: OversightCadence::Periodic,
                title: "Kiểm tra việc thực hiện dân chủ ở cơ sở năm 2024".into(),
                subject: None,
                decision_document_id: None,
                conclusion_document_id: None,
                planned_start: day("2024-10-01"),
                planned_end: day("2024-10-31"),
                started_on: Some(day("2024-10-02")),
                concluded_on: Some(day("2024-11-05")),
                status: OversightStatus::Concluded,
                reason: None,
                author_id: None,
                search_text: String::new(),
                sort_key: String::new(),
                created_at: now,
                updated_at: now,
                version: 3,
            },
            issuer: Issuer {
                issuer: NamedUnit {
                    name: "Ban Chỉ đạo thực hiện Quy chế dân chủ ở cơ sở tỉnh Sóc Trăng".into(),
                    kind: UnitKind::SteeringCommittee,
                },
                superior: Some(NamedUnit {
                    name: "Tỉnh Sóc Trăng".into(),
                    kind: UnitKind::Province,
                }),
                province: Some("Tỉnh Sóc Trăng".into()),
            },
            number,
            day: day("2024-11-05"),
            targets: vec![
                (d01, "Thành phố Sóc Trăng".into()),
                (d02, "Thị xã Vĩnh Châu".into()),
            ],
            findings: vec![
                finding(d01, FindingKind::Cause, "Cán bộ chưa nắm quy định"),
                finding(d01, FindingKind::Limitation, "Chưa công khai dự toán"),
                violation,
                finding(d02, FindingKind::Strength, "Đối thoại tốt"),
            ],
            recommendations: vec![(
                recommendation::Model {
                    id: Uuid::now_v7(),
                    oversight_id: Uuid::nil(),
                    finding_id: None,
                    addressee_unit_id: d01,
                    statement: "Niêm yết công khai dự toán.".into(),
                    due_on: day("2024-12-15"),
                    status: entity::RecommendationStatus::Open,
                    response: None,
                    reason: None,
                    reopen_count: 0,
                    issued_at: Some(now),
                    reported_done_at: None,
                    settled_at: None,
                    due_soon_notified_on: None,
                    overdue_notified_on: None,
                    search_text: String::new(),
                    sort_key: String::new(),
                    created_at: now,
                    updated_at: now,
                    version: 1,
                },
                "Thành phố Sóc Trăng".into(),
            )],
        }
    }

    #[test]
    fn findings_group_by_target_and_recommendations_by_addressee() {
        let doc = compose(
            &source(None),
            Profile::Party,
            &RenderOptions::default(),
            None,
        );
        assert_eq!(doc.document_type, "Thông báo kết luận");
        assert_eq!(doc.superior, None, "a province is a place, not a body");
        assert!(doc.number_line.ends_with("-TB/…"), "{}", doc.number_line);
        let results = &doc.sections[0];
        assert_eq!(results.heading, "I. KẾT QUẢ KIỂM TRA");
        assert!(results.paragraphs[0].starts_with("Từ ngày 02/10/2024 đến ngày 05/11/2024"));
        let from = |text: &str| results.paragraphs.iter().position(|p| p == text).unwrap();
        // Limitations before violations before causes, lettered in that order.
        assert!(from("1. Đối với Thành phố Sóc Trăng") < from("a) Hạn chế"));
        assert!(from("a) Hạn chế") < from("b) Vi phạm"));
        assert!(from("b) Vi phạm") < from("c) Nguyên nhân"));
        assert!(from("2. Đối với Thị xã Vĩnh Châu") < from("a) Ưu điểm"));
        assert!(results.paragraphs.contains(
            &"- Thu sai quy định (số tiền 12.500.000 đồng; diện tích đất 250,5 m²).".into()
        ));
        let recommendations = &doc.sections[1];
        assert_eq!(recommendations.heading, "II. KIẾN NGHỊ");
        assert_eq!(
            recommendations.paragraphs,
            [
                "1. Đối với Thành phố Sóc Trăng",
                "- Niêm yết công khai dự toán; thời hạn hoàn thành: trước ngày 15/12/2024."
            ]
        );
        assert_eq!(doc.recipients, ["Thành phố Sóc Trăng", "Thị xã Vĩnh Châu"]);
        assert_eq!(
            doc.signature.heading_lines(Profile::Party)[0],
            "T/M BAN CHỈ ĐẠO THỰC HIỆN QUY CHẾ DÂN CHỦ Ở CƠ SỞ TỈNH SÓC TRĂNG"
        );
    }

    #[test]
    fn a_registered_conclusion_carries_its_number_and_date() {
        let numbered = Numbered {
            profile: Profile::Party,
            seq: 12,
            symbol: "TB/BCĐ".into(),
            issued_on: day("2024-11-06"),
            signature: Signature::default(),
        };
        let doc = compose(
            &source(Some(numbered)),
            Profile::Party,
            &RenderOptions::default(),
            None,
        );
        assert_eq!(doc.number_line, "Số 12-TB/BCĐ");
        assert_eq!(doc.place_and_date, "Sóc Trăng, ngày 06 tháng 11 năm 2024");
    }
}
