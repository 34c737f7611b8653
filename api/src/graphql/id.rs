//! Opaque global ids: `base64url("<Type>:<uuid>")`, so clients never build or parse them.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The object types that have global ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    Unit,
    LegalDocument,
    Plan,
    Task,
    Assignment,
    Report,
    ReportSchedule,
    Indicator,
    User,
    Obligation,
    AuditEvent,
    ApiClient,
    RoleGrant,
    Reorganisation,
    DocumentRelation,
    /// A task's citation of a legal document (its removal is a tombstone of the sync feed).
    LegalReference,
    Oversight,
    OversightFinding,
    Recommendation,
    RemedialAction,
    Review,
    Lesson,
    /// A "Dân vận khéo" model or exemplary collective or individual.
    Exemplar,
    ExemplarCriterion,
    ExemplarRecognition,
    /// A file on a record.
    Attachment,
    /// A table file validated (and perhaps applied) for import.
    Import,
    /// An upload begun by the caller.
    Upload,
}

impl NodeType {
    const ALL: [NodeType; 28] = [
        Self::Unit,
        Self::LegalDocument,
        Self::Plan,
        Self::Task,
        Self::Assignment,
        Self::Report,
        Self::ReportSchedule,
        Self::Indicator,
        Self::User,
        Self::Obligation,
        Self::AuditEvent,
        Self::ApiClient,
        Self::RoleGrant,
        Self::Reorganisation,
        Self::DocumentRelation,
        Self::LegalReference,
        Self::Oversight,
        Self::OversightFinding,
        Self::Recommendation,
        Self::RemedialAction,
        Self::Review,
        Self::Lesson,
        Self::Exemplar,
        Self::ExemplarCriterion,
        Self::ExemplarRecognition,
        Self::Attachment,
        Self::Import,
        Self::Upload,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Unit => "Unit",
            Self::LegalDocument => "LegalDocument",
            Self::Plan => "Plan",
            Self::Task => "Task",
            Self::Assignment => "Assignment",
            Self::Report => "Report",
            Self::ReportSchedule => "ReportSchedule",
            Self::Indicator => "Indicator",
            Self::User => "User",
            Self::Obligation => "Obligation",
            Self::AuditEvent => "AuditEvent",
            Self::ApiClient => "ApiClient",
            Self::RoleGrant => "RoleGrant",
            Self::Reorganisation => "Reorganisation",
            Self::DocumentRelation => "DocumentRelation",
            Self::LegalReference => "LegalReference",
            Self::Oversight => "Oversight",
            Self::OversightFinding => "OversightFinding",
            Self::Recommendation => "Recommendation",
            Self::RemedialAction => "RemedialAction",
            Self::Review => "Review",
            Self::Lesson => "Lesson",
            Self::Exemplar => "Exemplar",
            Self::ExemplarCriterion => "ExemplarCriterion",
            Self::ExemplarRecognition => "ExemplarRecognition",
            Self::Attachment => "Attachment",
            Self::Import => "Import",
            Self::Upload => "Upload",
        }
    }
}

pub fn encode(kind: NodeType, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.name(), id.simple())))
}

/// Decodes any global id into its type and uuid; `field` names the argument in errors.
pub fn decode_any(field: &str, id: &ID) -> AppResult<(NodeType, Uuid)> {
    let bad = || AppError::bad_input(field, "not a valid id");
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (name, uuid) = text.split_once(':').ok_or_else(bad)?;
    let kind = NodeType::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(bad)?;
    Ok((kind, Uuid::parse_str(uuid).map_err(|_| bad())?))
}

/// Decodes an id that must be of `kind`.
pub fn decode(field: &str, kind: NodeType, id: &ID) -> AppResult<Uuid> {
    match decode_any(field, id)? {
        (k, uuid) if k == kind => Ok(uuid),
        _ => Err(AppError::bad_input(
            field,
            format!("expected the id of a {}", kind.name()),
        )),
    }
}

/// Decodes an optional id argument.
pub fn decode_opt(field: &str, kind: NodeType, id: Option<&ID>) -> AppResult<Option<Uuid>> {
    id.map(|id| decode(field, kind, id)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_type_check() {
        let uuid = Uuid::now_v7();
        let id = encode(NodeType::Plan, uuid);
        assert_eq!(decode("id", NodeType::Plan, &id).unwrap(), uuid);
        assert_eq!(
            decode("id", NodeType::Task, &id).unwrap_err().code(),
            "BAD_USER_INPUT"
        );
        assert!(decode_any("id", &ID("not-an-id".into())).is_err());
        assert!(decode_any("id", &ID(URL_SAFE_NO_PAD.encode("Plan:xyz"))).is_err());
        assert!(decode_any("id", &ID(URL_SAFE_NO_PAD.encode(format!("Bogus:{uuid}")))).is_err());
    }
}
