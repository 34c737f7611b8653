//! A recognition of a "Dân vận khéo" entry (content 5) as an official decision (quyết định công
//! nhận, khen thưởng): issued by the recognising unit as named on the day of the recognition,
//! numbered as the decision registered in the legal registry, saying the form and level of the
//! recognition and the entry's name and unit. Laid out by the renderer of reports
//! (`rendering`, `render::docx`).
//!
//! Whoever may read the entry and write for its unit (ADMIN, STEERING, UNIT_MANAGER, REPORTER,
//! PARTNER over it) renders it; the file is kept on the entry.

use chrono::Datelike;
use entity::{
    ExemplarField, ExemplarKind, RecognitionForm, RecognitionLevel, exemplar, exemplar_recognition,
};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{
    authz, exemplars,
    official_format::Profile,
    rendering::{
        self, Format, Issuer, Numbered, RenderOptions, Rendered, issuer_block, number_and_date,
        on_behalf_of, place_of,
    },
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
    render::{
        document::{OfficialDocument, Section, Signature},
        docx,
    },
};

/// Everything a recognition decision says, loaded.
#[derive(Clone, Debug)]
pub struct DecisionSource {
    pub exemplar: exemplar::Model,
    pub recognition: exemplar_recognition::Model,
    /// The recognising unit as named on the day of the recognition.
    pub issuer: Issuer,
    /// The entry's unit as named that day.
    pub unit_name: String,
    /// The decision's number, when registered.
    pub number: Option<Numbered>,
}

/// Loads what the decision of recognition `recognition` (by default the entry's latest) of
/// entry `id` says, signed by `signer` (by default on behalf of the recognising unit).
///
/// Errors: `NOT_FOUND` for an entry the caller does not see; `FORBIDDEN` without a writing
/// grant over its unit; `BAD_USER_INPUT` for a recognition not of this entry, an entry never
/// recognised, or a registered decision whose number reads as neither a Party nor an
/// administrative document.
pub async fn load(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    recognition: Option<Uuid>,
    signer: Option<Signature>,
) -> AppResult<DecisionSource> {
    let e = exemplars::get(db, caller, id)
        .await?
        .ok_or(AppError::NotFound("exemplar"))?;
    authz::require(db, caller, authz::WRITERS, e.unit_id).await?;
    let recognitions = exemplars::recognitions(db, id).await?;
    let recognition = match recognition {
        Some(wanted) => recognitions
            .into_iter()
            .find(|r| r.id == wanted)
            .ok_or_else(|| AppError::bad_input("input.recognitionId", "recognition not found"))?,
        None => recognitions.into_iter().last().ok_or_else(|| {
            AppError::bad_input("input.exemplarId", "the entry has not been recognised")
        })?,
    };
    let day = recognition.recognised_on;
    let issuer = rendering::issuer_on(db, recognition.recognising_unit_id, day).await?;
    let unit_name = rendering::names_on(db, &[e.unit_id], day)
        .await?
        .remove(&e.unit_id)
        .unwrap_or_default();
    let number = match recognition.decision_document_id {
        Some(doc) => {
            let signature = signer.unwrap_or_else(|| {
                on_behalf_of(&issuer_block(&issuer.issuer, issuer.superior.as_ref()).1)
            });
            let field = "input.recognitionId";
            Some(rendering::registered_number(db, field, doc, day, signature).await?)
        }
        None => None,
    };
    Ok(DecisionSource {
        exemplar: e,
        recognition,
        issuer,
        unit_name,
        number,
    })
}

/// "mô hình", "tập thể", "cá nhân".
fn kind_noun(kind: ExemplarKind) -> &'static str {
    match kind {
        ExemplarKind::Model => "mô hình",
        ExemplarKind::Collective => "tập thể",
        ExemplarKind::Individual => "cá nhân",
    }
}

fn field_label(field: ExemplarField) -> &'static str {
    match field {
        ExemplarField::Economy => "kinh tế",
        ExemplarField::CultureSociety => "văn hóa - xã hội",
        ExemplarField::DefenceSecurity => "quốc phòng - an ninh",
        ExemplarField::PoliticalSystem => "xây dựng hệ thống chính trị",
    }
}

/// "cấp huyện".
pub fn level_label(level: RecognitionLevel) -> &'static str {
    match level {
        RecognitionLevel::Commune => "cấp xã",
        RecognitionLevel::District => "cấp huyện",
        RecognitionLevel::Province => "cấp tỉnh",
        RecognitionLevel::Central => "cấp trung ương",
    }
}

/// The award a form gives ("Giấy khen"); `None` for a recognition decision itself.
pub fn award(form: RecognitionForm) -> Option<&'static str> {
    match form {
        RecognitionForm::Decision => None,
        RecognitionForm::CertificateOfMerit => Some("Giấy khen"),
        RecognitionForm::DiplomaOfMerit => Some("Bằng khen"),
        RecognitionForm::EmulationFlag => Some("Cờ thi đua"),
    }
}

/// The decision in `profile`: pure, so the layout is tested without a database.
pub fn compose(
    source: &DecisionSource,
    profile: Profile,
    options: &RenderOptions,
    signer: Option<Signature>,
) -> OfficialDocument {
    let (e, r) = (&source.exemplar, &source.recognition);
    let (superior, issuer) = issuer_block(&source.issuer.issuer, source.issuer.superior.as_ref());
    let place = place_of(options, source.issuer.province.as_deref());
    let (number_line, place_and_date) = number_and_date(
        profile,
        "QĐ",
        source.number.as_ref(),
        &place,
        r.recognised_on,
        options.issuer_symbol.as_deref(),
    );
    let signature = match (&source.number, signer) {
        (Some(n), _) => n.signature.clone(),
        (None, Some(s)) => s,
        (None, None) => on_behalf_of(&issuer),
    };
    let level = level_label(r.level);
    let year = r.recognised_on.year();
    // Models are recognised as models, collectives and individuals as exemplars (điển hình).
    let recognised_as = match e.kind {
        ExemplarKind::Model => "mô hình",
        ExemplarKind::Collective | ExemplarKind::Individual => "điển hình",
    };
    let entry = format!(
        "{} \"{}\" của {} (lĩnh vực {})",
        kind_noun(e.kind),
        e.name.trim(),
        source.unit_name,
        field_label(e.field)
    );
    let (summary, article_1) = match award(r.form) {
        None => (
            format!("Về việc công nhận {recognised_as} \"Dân vận khéo\" {level} năm {year}"),
            format!("Công nhận {entry} là {recognised_as} \"Dân vận khéo\" {level} năm {year}."),
        ),
        Some(award) => (
            format!("Về việc tặng {award} {level} trong phong trào thi đua \"Dân vận khéo\""),
            format!(
                "Tặng {award} {level} cho {entry} đã có thành tích xuất sắc trong phong trào \
                 thi đua \"Dân vận khéo\" năm {year}."
            ),
        ),
    };
    let sections = vec![
        Section {
            heading: String::new(),
            paragraphs: vec![
                format!(
                    "Căn cứ kết quả đánh giá {} \"{}\" theo các tiêu chí của phong trào thi đua \
                     \"Dân vận khéo\";",
                    kind_noun(e.kind),
                    e.name.trim()
                ),
                format!("Xét đề nghị của {},", source.unit_name),
            ],
        },
        Section {
            heading: "QUYẾT ĐỊNH:".to_owned(),
            paragraphs: Vec::new(),
        },
        Section {
            heading: "Điều 1.".to_owned(),
            paragraphs: vec![article_1],
        },
        Section {
            heading: "Điều 2.".to_owned(),
            paragraphs: vec!["Quyết định có hiệu lực kể từ ngày ký.".to_owned()],
        },
        Section {
            heading: "Điều 3.".to_owned(),
            paragraphs: vec![format!(
                "{}, {} \"{}\" và các cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành \
                 Quyết định này.",
                source.unit_name,
                kind_noun(e.kind),
                e.name.trim()
            )],
        },
    ];
    let recipients = options
        .recipients
        .clone()
        .unwrap_or_else(|| vec!["Như Điều 3".to_owned()]);
    OfficialDocument {
        profile,
        superior,
        issuer,
        number_line,
        place_and_date,
        document_type: "Quyết định".to_owned(),
        summary,
        sections,
        annex: None,
        signature,
        recipients,
    }
}

/// Renders the decision of a recognition of entry `id` in `profile` (see [`load`] for who
/// may). A decision numbered in one profile is not rendered in the other.
#[allow(clippy::too_many_arguments)]
pub async fn render(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    recognition: Option<Uuid>,
    profile: Profile,
    format: Format,
    options: &RenderOptions,
    signer: Option<Signature>,
) -> AppResult<Rendered> {
    let source = load(db, caller, id, recognition, signer.clone()).await?;
    rendering::require_profile(source.number.as_ref(), profile)?;
    let document = compose(&source, profile, options, signer);
    let bytes = match format {
        Format::Docx => docx::write(&document)?,
    };
    let stem = format!(
        "quyet-dinh-{}",
        source.recognition.recognised_on.format("%Y-%m-%d")
    );
    Ok(Rendered {
        filename: rendering::filename(source.number.as_ref(), &stem),
        content_type: docx::CONTENT_TYPE,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use entity::{ExemplarStatus, UnitKind};

    use super::*;
    use crate::domain::rendering::NamedUnit;

    fn source(form: RecognitionForm) -> DecisionSource {
        let now = chrono::Utc::now();
        let day: NaiveDate = "2024-03-15".parse().unwrap();
        DecisionSource {
            exemplar: exemplar::Model {
                id: Uuid::nil(),
                unit_id: Uuid::nil(),
                kind: ExemplarKind::Model,
                field: ExemplarField::Economy,
                name: "Nuôi tôm sạch".into(),
                description: None,
                registered_on: day,
                status: ExemplarStatus::Recognised,
                recognised_on: Some(day),
                retired_on: None,
                retire_reason: None,
                source_exemplar_id: None,
                author_id: None,
                search_text: String::new(),
                sort_key: String::new(),
                created_at: now,
                updated_at: now,
                version: 3,
            },
            recognition: exemplar_recognition::Model {
                id: Uuid::nil(),
                exemplar_id: Uuid::nil(),
                form,
                level: RecognitionLevel::District,
                recognising_unit_id: Uuid::nil(),
                decision_document_id: None,
                recognised_on: day,
                overridden: false,
                override_reason: None,
                author_id: None,
                created_at: now,
            },
            issuer: Issuer {
                issuer: NamedUnit {
                    name: "Thành phố Sóc Trăng".into(),
                    kind: UnitKind::District,
                },
                superior: None,
                province: Some("Tỉnh Sóc Trăng".into()),
            },
            unit_name: "Thành phố Sóc Trăng".into(),
            number: None,
        }
    }

    #[test]
    fn a_decision_recognises_the_model_at_its_level() {
        let doc = compose(
            &source(RecognitionForm::Decision),
            Profile::State,
            &RenderOptions::default(),
            None,
        );
        assert_eq!(doc.document_type, "Quyết định");
        assert_eq!(
            doc.summary,
            "Về việc công nhận mô hình \"Dân vận khéo\" cấp huyện năm 2024"
        );
        assert!(doc.number_line.ends_with("/QĐ-…"), "{}", doc.number_line);
        assert_eq!(
            doc.sections[2].paragraphs[0],
            "Công nhận mô hình \"Nuôi tôm sạch\" của Thành phố Sóc Trăng (lĩnh vực kinh tế) là \
             mô hình \"Dân vận khéo\" cấp huyện năm 2024."
        );
        assert_eq!(doc.recipients, ["Như Điều 3"]);
    }

    #[test]
    fn an_award_names_its_form() {
        let doc = compose(
            &source(RecognitionForm::CertificateOfMerit),
            Profile::State,
            &RenderOptions::default(),
            None,
        );
        assert!(doc.summary.starts_with("Về việc tặng Giấy khen cấp huyện"));
        assert!(doc.sections[2].paragraphs[0].starts_with("Tặng Giấy khen cấp huyện cho mô hình"));
        assert_eq!(doc.sections[0].heading, "", "the preamble has no heading");
    }
}
