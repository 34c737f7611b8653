//! Legal documents (văn bản): reference data every authenticated user may read.

use chrono::NaiveDate;
use entity::{DocumentType, Provenance, legal_document, task_legal_reference};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    page::{self, Keyed, Page, PageArgs},
    search_condition,
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

impl Keyed for legal_document::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Filters of the `legalDocuments` list.
#[derive(Clone, Debug, Default)]
pub struct DocumentFilter {
    /// Words of the number, title or issuer, in any case, with or without diacritics.
    pub search: Option<String>,
    pub types: Option<Vec<DocumentType>>,
    /// Words of the issuing body's name or code ("Bộ Chính trị", "tu", "ubnd").
    pub issuer: Option<String>,
    /// Year of issue (or the year written in the number).
    pub year: Option<i32>,
    pub provenance: Option<Provenance>,
    /// Only documents whose (derived) status is one of these.
    pub statuses: Option<Vec<entity::DocumentStatus>>,
    /// Only records changed at or after this time (incremental sync).
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

/// Documents matching `filter`, newest first (undated last).
pub async fn list(
    db: &impl ConnectionTrait,
    _caller: &Caller,
    filter: &DocumentFilter,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<legal_document::Model>> {
    let mut cond = Condition::all();
    if let Some(q) = &filter.search {
        cond = cond.add(search_condition(
            legal_document::Column::SearchText,
            "filter.search",
            q,
        )?);
    }
    if let Some(types) = &filter.types {
        cond = cond.add(legal_document::Column::DocumentType.is_in(types.iter().copied()));
    }
    if let Some(issuer) = &filter.issuer {
        cond = cond.add(search_condition(
            legal_document::Column::IssuerSearch,
            "filter.issuer",
            issuer,
        )?);
    }
    if let Some(year) = filter.year {
        let start = NaiveDate::from_ymd_opt(year, 1, 1)
            .ok_or_else(|| AppError::bad_input("filter.year", "not a valid year"))?;
        let end = NaiveDate::from_ymd_opt(year, 12, 31)
            .ok_or_else(|| AppError::bad_input("filter.year", "not a valid year"))?;
        cond = cond.add(
            Condition::any()
                .add(legal_document::Column::IssuedOn.between(start, end))
                .add(legal_document::Column::Year.eq(year)),
        );
    }
    if let Some(p) = filter.provenance {
        cond = cond.add(legal_document::Column::Provenance.eq(p));
    }
    if let Some(statuses) = &filter.statuses {
        cond = cond.add(legal_document::Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(since) = filter.updated_since {
        super::sync::check_not_future("filter.updatedSince", since)?;
        cond = cond.add(legal_document::Column::UpdatedAt.gte(since));
    }
    page::fetch(
        db,
        legal_document::Entity::find().filter(cond),
        legal_document::Column::SortKey,
        legal_document::Column::Id,
        args,
        count,
    )
    .await
}

pub async fn get(
    db: &impl ConnectionTrait,
    _caller: &Caller,
    id: Uuid,
) -> AppResult<Option<legal_document::Model>> {
    Ok(legal_document::Entity::find_by_id(id).one(db).await?)
}

/// A citation of a task the caller sees, or `None`.
pub async fn get_reference(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<entity::task_legal_reference::Model>> {
    use entity::{task, task_legal_reference};
    let visible = sea_orm::sea_query::Query::select()
        .column(task::Column::Id)
        .from(task::Entity)
        .cond_where(super::scope::visible_tasks(&caller.read_scopes()))
        .to_owned();
    Ok(task_legal_reference::Entity::find_by_id(id)
        .filter(task_legal_reference::Column::TaskId.in_subquery(visible))
        .one(db)
        .await?)
}

/// Task ids citing `document`, among the tasks the caller sees.
pub async fn citing_task_ids(
    db: &impl ConnectionTrait,
    caller: &Caller,
    document: Uuid,
) -> AppResult<Vec<Uuid>> {
    use entity::task;
    use sea_orm::{QuerySelect, sea_query::Query};
    let visible = Query::select()
        .column(task::Column::Id)
        .from(task::Entity)
        .cond_where(super::scope::visible_tasks(&caller.read_scopes()))
        .to_owned();
    Ok(task_legal_reference::Entity::find()
        .select_only()
        .column(task_legal_reference::Column::TaskId)
        .filter(task_legal_reference::Column::DocumentId.eq(document))
        .filter(task_legal_reference::Column::TaskId.in_subquery(visible))
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}

/// Sort key placing newer documents first and undated ones last.
pub fn sort_key(issued_on: Option<NaiveDate>, number: &str) -> String {
    use chrono::Datelike;
    let date_part = match issued_on {
        // Inverting the date turns an ascending byte order into newest-first.
        Some(d) => format!(
            "{:08}",
            99_999_999 - (d.year() * 10_000 + d.month() as i32 * 100 + d.day() as i32)
        ),
        None => "99999999".to_owned(),
    };
    format!("{date_part} {}", crate::text::collation_key(number))
}

/// The Vietnamese name of a document type, so a search for "nghị định 59" finds the decree.
pub fn type_label(t: DocumentType) -> &'static str {
    match t {
        DocumentType::Law => "Luật",
        DocumentType::Decree => "Nghị định",
        DocumentType::Circular => "Thông tư",
        DocumentType::Resolution => "Nghị quyết",
        DocumentType::Decision => "Quyết định",
        DocumentType::Directive => "Chỉ thị",
        DocumentType::Conclusion => "Kết luận",
        DocumentType::Regulation => "Quy định",
        DocumentType::Rules => "Quy chế",
        DocumentType::Guidance => "Hướng dẫn",
        DocumentType::Plan => "Kế hoạch",
        DocumentType::Programme => "Chương trình",
        DocumentType::Scheme => "Đề án",
        DocumentType::Report => "Báo cáo",
        DocumentType::Notice => "Thông báo",
        DocumentType::OfficialLetter => "Công văn",
        DocumentType::Other => "Văn bản",
    }
}

/// A document to register.
#[derive(Clone, Debug)]
pub struct NewDocument {
    pub number: String,
    pub document_type: DocumentType,
    pub issuer: String,
    pub issuer_unit_id: Option<Uuid>,
    pub issued_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub title: Option<String>,
    pub party_term: Option<String>,
    /// The status as registered; relations added later derive the stored `status` from it.
    pub status: entity::DocumentStatus,
    pub provenance: Provenance,
    pub note: Option<String>,
}

/// The number parsed into the columns it fills, and the key that makes a document unique.
pub struct NumberColumns {
    pub canonical: String,
    pub family: entity::DocumentFamily,
    pub seq: Option<i32>,
    pub seq_suffix: Option<String>,
    pub year: Option<i32>,
    pub type_code: Option<String>,
    pub issuer_codes: String,
    pub warnings: Vec<String>,
    pub dedupe_key: String,
}

/// Parses `number`; a number the grammar does not know is kept as written, flagged.
pub fn number_columns(
    number: &str,
    issued_on: Option<NaiveDate>,
    party_term: Option<&str>,
) -> NumberColumns {
    use super::legal_number::{self, Family};
    use chrono::Datelike;
    use entity::DocumentFamily;

    let cleaned = crate::text::clean(number);
    match legal_number::parse(&cleaned) {
        Ok(parsed) => {
            let family = match parsed.family {
                Family::Party => DocumentFamily::Party,
                Family::StateLegislative => DocumentFamily::StateLegislative,
                Family::StateNormative => DocumentFamily::StateNormative,
                Family::StateAdministrative => DocumentFamily::StateAdministrative,
                Family::StateOfficialLetter => DocumentFamily::StateOfficialLetter,
                Family::Front => DocumentFamily::Front,
            };
            let dedupe_key = legal_number::dedupe_key(
                &parsed,
                issued_on.map(|d| d.year()),
                party_term.map(crate::text::fold).as_deref(),
            );
            NumberColumns {
                canonical: parsed.canonical.clone(),
                family,
                seq: i32::try_from(parsed.seq).ok(),
                seq_suffix: parsed.seq_suffix.clone(),
                year: parsed.year,
                type_code: parsed.type_code.clone(),
                issuer_codes: parsed.issuer_codes.join(" "),
                warnings: parsed
                    .warnings
                    .iter()
                    .map(|w| w.code().to_owned())
                    .collect(),
                dedupe_key,
            }
        }
        Err(err) => NumberColumns {
            canonical: cleaned.clone(),
            family: DocumentFamily::Unknown,
            seq: None,
            seq_suffix: None,
            year: None,
            type_code: None,
            issuer_codes: String::new(),
            warnings: vec![err.code().to_owned()],
            dedupe_key: format!("RAW|{}", crate::text::fold(&cleaned).to_uppercase()),
        },
    }
}

/// The folded text the search and issuer filters match: number, type, title, issuer, term.
pub fn search_columns(
    number: &str,
    cols: &NumberColumns,
    document_type: DocumentType,
    title: Option<&str>,
    issuer: &str,
    party_term: Option<&str>,
) -> (String, String) {
    use crate::text;
    let search_text = text::fold(&format!(
        "{number} {} {} {} {issuer} {}",
        cols.canonical,
        type_label(document_type),
        title.unwrap_or_default(),
        party_term.unwrap_or_default(),
    ));
    let issuer_search = text::fold(&format!("{issuer} {}", cols.issuer_codes));
    (search_text, issuer_search)
}

/// Registers a document unless one with the same identity exists; returns the stored row and
/// whether it was created.
pub async fn register(
    db: &impl ConnectionTrait,
    new: NewDocument,
) -> AppResult<(legal_document::Model, bool)> {
    use crate::text;
    use sea_orm::{ActiveModelTrait, Set};

    let mut cols = number_columns(&new.number, new.issued_on, new.party_term.as_deref());
    // Each issuing body numbers its own documents (Decree 30/2020/NĐ-CP, Art. 15; Guide
    // 36-HD/VPTW): every commune's People's Committee has its "05/BC-UBND". A report qcdc knows
    // the issuing unit of is told apart by it; documents of outside bodies keep the shared key.
    if let (DocumentType::Report, Some(unit)) = (new.document_type, new.issuer_unit_id) {
        cols.dedupe_key = format!("{}|UNIT:{}", cols.dedupe_key, unit.simple()).to_uppercase();
    }
    if let Some(existing) = legal_document::Entity::find()
        .filter(legal_document::Column::DedupeKey.eq(&cols.dedupe_key))
        .one(db)
        .await?
    {
        return Ok((existing, false));
    }
    let number = text::clean(&new.number);
    let title = new.title.as_deref().map(text::clean);
    let issuer = text::clean(&new.issuer);
    let party_term = new.party_term.as_deref().map(text::clean);
    let (search_text, issuer_search) = search_columns(
        &number,
        &cols,
        new.document_type,
        title.as_deref(),
        &issuer,
        party_term.as_deref(),
    );
    let now = chrono::Utc::now();
    let model = legal_document::ActiveModel {
        id: Set(Uuid::now_v7()),
        sort_key: Set(sort_key(new.issued_on, &number)),
        number: Set(number),
        number_canonical: Set(cols.canonical),
        family: Set(cols.family),
        seq: Set(cols.seq),
        seq_suffix: Set(cols.seq_suffix),
        year: Set(cols.year),
        type_code: Set(cols.type_code),
        issuer_codes: Set(cols.issuer_codes),
        party_term: Set(party_term),
        document_type: Set(new.document_type),
        issuer: Set(issuer),
        issuer_unit_id: Set(new.issuer_unit_id),
        issued_on: Set(new.issued_on),
        effective_on: Set(new.effective_on),
        title: Set(title),
        status: Set(new.status),
        base_status: Set(new.status),
        superseded_by_id: Set(None),
        provenance: Set(new.provenance),
        note: Set(new.note.as_deref().map(text::clean)),
        parse_warnings: Set(serde_json::to_string(&cols.warnings).map_err(AppError::internal)?),
        dedupe_key: Set(cols.dedupe_key),
        search_text: Set(search_text),
        issuer_search: Set(issuer_search),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await?;
    Ok((model, true))
}
