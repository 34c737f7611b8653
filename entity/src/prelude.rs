//! The entities under their table-level names, as `sea-orm-cli` generates them.

pub use super::api_client::Entity as ApiClient;
pub use super::assignment::Entity as Assignment;
pub use super::assignment_update::Entity as AssignmentUpdate;
pub use super::audit_event::Entity as AuditEvent;
pub use super::document_relation::Entity as DocumentRelation;
pub use super::idempotency_key::Entity as IdempotencyKey;
pub use super::indicator::Entity as Indicator;
pub use super::indicator_value::Entity as IndicatorValue;
pub use super::legal_document::Entity as LegalDocument;
pub use super::plan::Entity as Plan;
pub use super::plan_recipient::Entity as PlanRecipient;
pub use super::refresh_token::Entity as RefreshToken;
pub use super::report::Entity as Report;
pub use super::report_obligation::Entity as ReportObligation;
pub use super::report_schedule::Entity as ReportSchedule;
pub use super::report_task_progress::Entity as ReportTaskProgress;
pub use super::role_grant::Entity as RoleGrant;
pub use super::session::Entity as Session;
pub use super::task::Entity as Task;
pub use super::task_legal_reference::Entity as TaskLegalReference;
pub use super::tombstone::Entity as Tombstone;
pub use super::unit::Entity as Unit;
pub use super::unit_closure::Entity as UnitClosure;
pub use super::user::Entity as User;
