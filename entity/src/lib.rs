//! sea-orm entities of qcdc: one module per table, plus the stored enumerations.
//!
//! Tables, columns, relations and nothing else: no business rules, no API concerns.
//! The schema itself is created by the `migration` crate; see `docs/data-model.md`.

pub mod enums;
pub mod prelude;

pub mod api_client;
pub mod assignment;
pub mod assignment_update;
pub mod attachment;
pub mod audit_event;
pub mod blob;
pub mod document_relation;
pub mod exemplar;
pub mod exemplar_assessment;
pub mod exemplar_criterion;
pub mod exemplar_recognition;
pub mod idempotency_key;
pub mod import;
pub mod import_error;
pub mod indicator;
pub mod indicator_value;
pub mod legal_document;
pub mod lesson;
pub mod outgoing_number;
pub mod oversight;
pub mod oversight_finding;
pub mod oversight_target;
pub mod plan;
pub mod plan_recipient;
pub mod recommendation;
pub mod refresh_token;
pub mod remedial_action;
pub mod reorg_event;
pub mod reorg_event_unit;
pub mod report;
pub mod report_obligation;
pub mod report_schedule;
pub mod report_task_progress;
pub mod review;
pub mod role_grant;
pub mod session;
pub mod task;
pub mod task_legal_reference;
pub mod task_tally;
pub mod tombstone;
pub mod unit;
pub mod unit_closure;
pub mod unit_version;
pub mod upload;
pub mod user;

pub use enums::*;
