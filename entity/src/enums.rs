//! Enumerations stored as `VARCHAR(32)` strings in SCREAMING_SNAKE_CASE.
//!
//! Each enum is declared through `stored_enum!`, which writes the sea-orm
//! `DeriveActiveEnum` mapping and `as_str` from one list, so they cannot drift apart.
//! Serde uses `rename_all = "SCREAMING_SNAKE_CASE"`: name each variant so that its
//! SCREAMING_SNAKE_CASE form is its stored value (`PersonTimes` ↔ `PERSON_TIMES`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a string-backed enumeration: one `Variant = "STORED_VALUE"` per line.
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[sea_orm(string_value = $value)]
                $variant,
            )+
        }

        // Every stored value fits its `VARCHAR(32)` column: PostgreSQL refuses a longer one,
        // SQLite would keep it, so only a check at compile time keeps both the same.
        const _: () = {
            $( assert!($value.len() <= 32, concat!($value, " is longer than 32 bytes")); )+
        };

        impl $name {
            /// The string stored in the database (and used on the wire), e.g. `"DRAFT"`.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $( Self::$variant => $value, )+
                }
            }
        }
    };
}

stored_enum! {
    /// Kind of organisational unit (loại đơn vị).
    UnitKind {
        /// Province (tỉnh, thành phố trực thuộc trung ương).
        Province = "PROVINCE",
        /// District-level unit (huyện, thị xã, thành phố thuộc tỉnh).
        District = "DISTRICT",
        /// Commune-level unit (xã, phường, thị trấn).
        Commune = "COMMUNE",
        /// Party committee (cấp ủy, đảng bộ).
        PartyCommittee = "PARTY_COMMITTEE",
        /// Party commission or board (ban của cấp ủy, e.g. Ban Dân vận).
        PartyBoard = "PARTY_BOARD",
        /// Party organisation a superior committee appoints inside a state body (ban cán sự
        /// đảng, đảng đoàn), e.g. Ban cán sự đảng UBND tỉnh.
        PartyDelegation = "PARTY_DELEGATION",
        /// Steering committee (ban chỉ đạo).
        SteeringCommittee = "STEERING_COMMITTEE",
        /// People's Council (Hội đồng nhân dân).
        PeoplesCouncil = "PEOPLES_COUNCIL",
        /// People's Committee (Ủy ban nhân dân).
        PeoplesCommittee = "PEOPLES_COMMITTEE",
        /// Fatherland Front (Mặt trận Tổ quốc).
        FatherlandFront = "FATHERLAND_FRONT",
        /// Socio-political organisation (tổ chức chính trị - xã hội).
        SocioPoliticalOrganisation = "SOCIO_POLITICAL_ORGANISATION",
        /// State agency (cơ quan).
        Agency = "AGENCY",
        /// Public-service unit (đơn vị sự nghiệp công lập).
        PublicServiceUnit = "PUBLIC_SERVICE_UNIT",
        /// Enterprise (doanh nghiệp).
        Enterprise = "ENTERPRISE",
        /// Central body (cơ quan trung ương).
        CentralBody = "CENTRAL_BODY",
        /// People's Inspection Board (Ban Thanh tra nhân dân) of a commune, agency, public-service
        /// unit or enterprise, led through the Fatherland Front, for its term (Law 10/2022/QH15,
        /// Chapter V).
        PeoplesInspectionBoard = "PEOPLES_INSPECTION_BOARD",
        /// Community investment supervision board (Ban Giám sát đầu tư của cộng đồng) of one
        /// project, for the project's term (Law 10/2022/QH15; Decree 59/2023/NĐ-CP).
        InvestmentSupervisionBoard = "INVESTMENT_SUPERVISION_BOARD",
        /// Anything else.
        Other = "OTHER",
    }
}

stored_enum! {
    /// Grassroots type as the Law on Grassroots Democracy defines it (loại hình cơ sở).
    GrassrootsType {
        /// Commune level (cấp xã).
        Commune = "COMMUNE",
        /// Agency or public-service unit (cơ quan, đơn vị sự nghiệp công lập).
        AgencyOrPublicServiceUnit = "AGENCY_OR_PUBLIC_SERVICE_UNIT",
        /// Enterprise (doanh nghiệp).
        Enterprise = "ENTERPRISE",
        /// Other organisation employing workers (tổ chức khác có sử dụng lao động).
        OtherEmployer = "OTHER_EMPLOYER",
    }
}

stored_enum! {
    /// Where a stored fact comes from (nguồn gốc dữ liệu).
    Provenance {
        /// The source article says it.
        Article = "ARTICLE",
        /// Secondary source or general knowledge.
        Research = "RESEARCH",
        /// Placeholder chosen for the seed.
        Assumed = "ASSUMED",
        /// Entered through the API.
        User = "USER",
    }
}

stored_enum! {
    /// Family of a legal document, from its number-and-symbol (hệ thống văn bản).
    DocumentFamily {
        /// Party document (văn bản của Đảng).
        Party = "PARTY",
        /// Law or code passed by the National Assembly (luật, bộ luật).
        StateLegislative = "STATE_LEGISLATIVE",
        /// Other state legal normative document (văn bản quy phạm pháp luật).
        StateNormative = "STATE_NORMATIVE",
        /// State administrative document (văn bản hành chính).
        StateAdministrative = "STATE_ADMINISTRATIVE",
        /// State official letter (công văn).
        StateOfficialLetter = "STATE_OFFICIAL_LETTER",
        /// Fatherland Front document (văn bản của Mặt trận).
        Front = "FRONT",
        /// Could not be determined.
        Unknown = "UNKNOWN",
    }
}

stored_enum! {
    /// Type of a legal document (loại văn bản).
    DocumentType {
        /// Law (luật).
        Law = "LAW",
        /// Decree (nghị định).
        Decree = "DECREE",
        /// Circular (thông tư).
        Circular = "CIRCULAR",
        /// Resolution (nghị quyết).
        Resolution = "RESOLUTION",
        /// Decision (quyết định).
        Decision = "DECISION",
        /// Directive (chỉ thị).
        Directive = "DIRECTIVE",
        /// Conclusion (kết luận).
        Conclusion = "CONCLUSION",
        /// Regulation (quy định).
        Regulation = "REGULATION",
        /// Rules (quy chế).
        Rules = "RULES",
        /// Guidance (hướng dẫn).
        Guidance = "GUIDANCE",
        /// Plan (kế hoạch).
        Plan = "PLAN",
        /// Programme (chương trình).
        Programme = "PROGRAMME",
        /// Scheme (đề án).
        Scheme = "SCHEME",
        /// Report (báo cáo).
        Report = "REPORT",
        /// Notice (thông báo).
        Notice = "NOTICE",
        /// Official letter (công văn).
        OfficialLetter = "OFFICIAL_LETTER",
        /// Anything else.
        Other = "OTHER",
    }
}

stored_enum! {
    /// Legal status of a document (tình trạng hiệu lực).
    DocumentStatus {
        /// In force (còn hiệu lực).
        InForce = "IN_FORCE",
        /// In force, amended by a later document (được sửa đổi, bổ sung).
        Amended = "AMENDED",
        /// Superseded by a successor document (được thay thế).
        Superseded = "SUPERSEDED",
        /// Repealed (bị bãi bỏ).
        Repealed = "REPEALED",
        /// Not known.
        Unknown = "UNKNOWN",
    }
}

stored_enum! {
    /// How one legal document relates to another (from → to).
    DocumentRelationKind {
        /// Amends (sửa đổi, bổ sung).
        Amends = "AMENDS",
        /// Replaces (thay thế).
        Replaces = "REPLACES",
        /// Repeals (bãi bỏ).
        Repeals = "REPEALS",
        /// Details (quy định chi tiết).
        Details = "DETAILS",
        /// Implements (hướng dẫn, triển khai thực hiện).
        Implements = "IMPLEMENTS",
    }
}

stored_enum! {
    /// Status of a plan (trạng thái kế hoạch).
    PlanStatus {
        /// Being drafted (dự thảo).
        Draft = "DRAFT",
        /// Issued (ban hành).
        Issued = "ISSUED",
        /// Closed (kết thúc).
        Closed = "CLOSED",
    }
}

stored_enum! {
    /// Status of a task; "overdue" is derived, not stored.
    TaskStatus {
        /// Not started (chưa triển khai).
        NotStarted = "NOT_STARTED",
        /// In progress (đang thực hiện).
        InProgress = "IN_PROGRESS",
        /// Done (hoàn thành).
        Done = "DONE",
        /// Cancelled (hủy bỏ).
        Cancelled = "CANCELLED",
    }
}

stored_enum! {
    /// Role of a unit in an assignment.
    AssignmentRole {
        /// Lead unit (đơn vị chủ trì).
        Lead = "LEAD",
        /// Coordinating unit (đơn vị phối hợp).
        Coordinate = "COORDINATE",
    }
}

stored_enum! {
    /// Status of an assignment (task given to a unit).
    AssignmentStatus {
        /// Assigned, not yet acknowledged (đã giao).
        Assigned = "ASSIGNED",
        /// Acknowledged by the unit (đã tiếp nhận).
        Acknowledged = "ACKNOWLEDGED",
        /// In progress (đang thực hiện).
        InProgress = "IN_PROGRESS",
        /// Done (hoàn thành).
        Done = "DONE",
        /// Cancelled (hủy bỏ).
        Cancelled = "CANCELLED",
        /// Handed to a successor unit when this one was reorganised (chuyển giao).
        Rerouted = "REROUTED",
    }
}

stored_enum! {
    /// Kind of report (loại báo cáo).
    ReportKind {
        /// Periodic progress report (báo cáo định kỳ).
        Periodic = "PERIODIC",
        /// Preliminary (e.g. six-month) review (sơ kết).
        PreliminaryReview = "PRELIMINARY_REVIEW",
        /// Annual or final review (tổng kết).
        AnnualReview = "ANNUAL_REVIEW",
        /// Inspection results (kiểm tra).
        Inspection = "INSPECTION",
        /// Supervision results (giám sát).
        Supervision = "SUPERVISION",
        /// Ad hoc report (báo cáo đột xuất).
        AdHoc = "AD_HOC",
    }
}

stored_enum! {
    /// Workflow status of a report.
    ReportStatus {
        /// Being written (dự thảo).
        Draft = "DRAFT",
        /// Submitted for approval (đã gửi).
        Submitted = "SUBMITTED",
        /// Approved; immutable from then on (đã duyệt).
        Approved = "APPROVED",
        /// Returned with a comment (trả lại).
        Returned = "RETURNED",
    }
}

stored_enum! {
    /// Unit of measure of an indicator (đơn vị tính).
    Measure {
        /// A count of things (số lượng).
        Count = "COUNT",
        /// Person-times (lượt người).
        PersonTimes = "PERSON_TIMES",
        /// Distinct persons (người).
        Persons = "PERSONS",
        /// Percentage (tỷ lệ %).
        Percent = "PERCENT",
        /// Vietnamese dong (đồng).
        Vnd = "VND",
    }
}

stored_enum! {
    /// How an indicator aggregates up the unit tree.
    Aggregation {
        /// Values add up.
        Sum = "SUM",
        /// Recomputed from the summed numerator and denominator, never averaged.
        Ratio = "RATIO",
        /// Largest value.
        Max = "MAX",
        /// Smallest value.
        Min = "MIN",
    }
}

stored_enum! {
    /// Role of a grant; the grant covers its scope unit's subtree (vai trò).
    Role {
        /// Everything, including users, grants and API clients.
        Admin = "ADMIN",
        /// Issue and close plans, assign tasks, approve or return reports.
        Steering = "STEERING",
        /// Derive plans, assign and approve reports of units below.
        UnitManager = "UNIT_MANAGER",
        /// Write and submit reports and progress.
        Reporter = "REPORTER",
        /// Read only.
        Viewer = "VIEWER",
        /// Partner system (API client): read, submit reports and progress.
        Partner = "PARTNER",
    }
}

stored_enum! {
    /// Kind of reorganisation (sắp xếp, tổ chức lại đơn vị).
    ReorgKind {
        /// Several units merge into a new one (hợp nhất).
        MergeNew = "MERGE_NEW",
        /// Units are merged into an existing one, which continues (sáp nhập).
        Absorb = "ABSORB",
        /// One unit splits into several new ones (chia, tách).
        Split = "SPLIT",
        /// Part of a unit (some of its sub-units) moves to another unit (điều chỉnh một phần).
        PartialTransfer = "PARTIAL_TRANSFER",
        /// New name or code (đổi tên).
        Rename = "RENAME",
        /// New kind, e.g. thị trấn to phường (chuyển loại hình).
        Reclassify = "RECLASSIFY",
        /// Moves under another parent (chuyển trực thuộc).
        Reparent = "REPARENT",
        /// Ceases to exist (giải thể, kết thúc hoạt động).
        Dissolve = "DISSOLVE",
        /// New units are established (thành lập), closing none: a commune, or a community
        /// board (Ban Thanh tra nhân dân, Ban Giám sát đầu tư của cộng đồng) for its term.
        Establish = "ESTABLISH",
    }
}

stored_enum! {
    /// Part a unit plays in a reorganisation.
    ReorgRole {
        /// A unit the event closes or changes.
        Predecessor = "PREDECESSOR",
        /// A unit that continues the predecessors or receives their open work.
        Successor = "SUCCESSOR",
    }
}

stored_enum! {
    /// Who made a change the audit log records (người thực hiện).
    ActorKind {
        /// A signed-in person (`actor_user_id`).
        User = "USER",
        /// A partner system signed in with client credentials (`actor_client_id`).
        Partner = "PARTNER",
        /// The operator's command line (`qcdc user …`, `qcdc client …`, `qcdc seed`): no account.
        CommandLine = "COMMAND_LINE",
        /// Nobody signed in: a failed sign-in attempt.
        Anonymous = "ANONYMOUS",
    }
}

stored_enum! {
    /// Whether an oversight inspects or supervises (hình thức).
    OversightKind {
        /// Inspection (kiểm tra).
        Inspection = "INSPECTION",
        /// Supervision (giám sát), including the community's own (Ban Thanh tra nhân dân, Ban
        /// Giám sát đầu tư của cộng đồng).
        Supervision = "SUPERVISION",
    }
}

stored_enum! {
    /// How an oversight comes about (content 6 of Plan 24-KH/BCĐ).
    OversightCadence {
        /// Periodic, by the year's oversight plan (định kỳ, theo kế hoạch).
        Periodic = "PERIODIC",
        /// Regular, ongoing (thường xuyên).
        Regular = "REGULAR",
        /// Ad hoc, when a complex matter arises (đột xuất).
        AdHoc = "AD_HOC",
    }
}

stored_enum! {
    /// Where an oversight stands.
    OversightStatus {
        /// Planned (dự kiến).
        Planned = "PLANNED",
        /// Under way (đang tiến hành): findings are recorded.
        InProgress = "IN_PROGRESS",
        /// Concluded (đã kết luận): findings fixed, recommendations followed up.
        Concluded = "CONCLUDED",
        /// Closed (kết thúc): every recommendation verified or waived.
        Closed = "CLOSED",
        /// Cancelled (hủy), with a reason.
        Cancelled = "CANCELLED",
    }
}

stored_enum! {
    /// What a finding of an oversight says about its target.
    FindingKind {
        /// Strength (ưu điểm).
        Strength = "STRENGTH",
        /// Limitation (hạn chế).
        Limitation = "LIMITATION",
        /// Cause (nguyên nhân) of a limitation or violation.
        Cause = "CAUSE",
        /// Lesson (bài học kinh nghiệm).
        Lesson = "LESSON",
        /// Violation (vi phạm), with amounts in đồng or land in m² where stated.
        Violation = "VIOLATION",
    }
}

stored_enum! {
    /// Where a recommendation (kiến nghị) of an oversight stands.
    RecommendationStatus {
        /// Issued, not yet answered.
        Open = "OPEN",
        /// Accepted by the addressee (tiếp thu).
        Accepted = "ACCEPTED",
        /// Disputed by the addressee, with its reason.
        Disputed = "DISPUTED",
        /// Remedial actions under way.
        InProgress = "IN_PROGRESS",
        /// The addressee reports it remedied.
        ReportedDone = "REPORTED_DONE",
        /// The conducting side found the remedy effective. Final.
        Verified = "VERIFIED",
        /// The remedy was not effective: open again with a later due date.
        Reopened = "REOPENED",
        /// Dropped by the conducting side, with a reason. Final.
        Waived = "WAIVED",
    }
}

stored_enum! {
    /// Kind of review (content 7 of Plan 24-KH/BCĐ).
    ReviewKind {
        /// Six-month or other preliminary review (sơ kết); its report is a PRELIMINARY_REVIEW.
        Preliminary = "PRELIMINARY",
        /// Final or annual review (tổng kết); its report is an ANNUAL_REVIEW.
        Final = "FINAL",
        /// Thematic review (chuyên đề); its report is AD_HOC.
        Thematic = "THEMATIC",
    }
}

stored_enum! {
    /// Where a review stands.
    ReviewStatus {
        /// Scheduled, not yet held.
        Planned = "PLANNED",
        /// Held, with its consolidated report.
        Held = "HELD",
    }
}

stored_enum! {
    /// What a "Dân vận khéo" entry is (content 5 of Plan 24-KH/BCĐ).
    ExemplarKind {
        /// A model (mô hình "Dân vận khéo").
        Model = "MODEL",
        /// An exemplary collective (tập thể điển hình).
        Collective = "COLLECTIVE",
        /// An exemplary individual (cá nhân điển hình).
        Individual = "INDIVIDUAL",
    }
}

stored_enum! {
    /// The field of the "Dân vận khéo" movement an entry belongs to (lĩnh vực).
    ExemplarField {
        /// Economy (kinh tế).
        Economy = "ECONOMY",
        /// Culture and society (văn hóa - xã hội).
        CultureSociety = "CULTURE_SOCIETY",
        /// Defence and security (quốc phòng - an ninh).
        DefenceSecurity = "DEFENCE_SECURITY",
        /// Building the political system (xây dựng hệ thống chính trị).
        PoliticalSystem = "POLITICAL_SYSTEM",
    }
}

stored_enum! {
    /// Where a "Dân vận khéo" entry stands.
    ExemplarStatus {
        /// Registered (đăng ký), not yet assessed.
        Registered = "REGISTERED",
        /// Assessed against the criteria (đã đánh giá).
        Assessed = "ASSESSED",
        /// Recognised (được công nhận) by at least one decision or award.
        Recognised = "RECOGNISED",
        /// Retired (không còn duy trì), with its day and reason; history kept.
        Retired = "RETIRED",
    }
}

stored_enum! {
    /// The form a recognition takes (hình thức công nhận, khen thưởng).
    RecognitionForm {
        /// A recognition decision (quyết định công nhận).
        Decision = "DECISION",
        /// Certificate of merit (Giấy khen).
        CertificateOfMerit = "CERTIFICATE_OF_MERIT",
        /// Diploma of merit (Bằng khen).
        DiplomaOfMerit = "DIPLOMA_OF_MERIT",
        /// Emulation flag (Cờ thi đua).
        EmulationFlag = "EMULATION_FLAG",
    }
}

stored_enum! {
    /// The level a recognition is given at (cấp).
    RecognitionLevel {
        /// Commune level (cấp xã).
        Commune = "COMMUNE",
        /// District level (cấp huyện).
        District = "DISTRICT",
        /// Province level (cấp tỉnh).
        Province = "PROVINCE",
        /// Central level (cấp trung ương).
        Central = "CENTRAL",
    }
}

stored_enum! {
    /// What an uploaded file is for; each purpose allows its own file types.
    UploadPurpose {
        /// Evidence attached to a record (the signed scan of a report, minutes, photographs):
        /// PDF, JPEG, PNG, DOCX or XLSX.
        Evidence = "EVIDENCE",
        /// A table to import (`createImport`): XLSX or CSV.
        Import = "IMPORT",
    }
}

stored_enum! {
    /// Whose rules an official document follows.
    DocumentProfile {
        /// State bodies: Decree 30/2020/NĐ-CP, Appendix I.
        State = "STATE",
        /// Party bodies: Guide 36-HD/VPTW (2018).
        Party = "PARTY",
    }
}

stored_enum! {
    /// What a table import brings in.
    ImportKind {
        /// Units, keyed by unit code; new units are established under their parent.
        Units = "UNITS",
        /// Indicator values of draft reports, keyed by unit, period and indicator code.
        IndicatorValues = "INDICATOR_VALUES",
        /// Tasks of a plan, keyed by plan and task code; new tasks only in a draft plan.
        Tasks = "TASKS",
        /// Assignments of a plan's tasks, keyed by plan, task code and unit code.
        Assignments = "ASSIGNMENTS",
    }
}

stored_enum! {
    /// Where an upload stands.
    UploadStatus {
        /// Begun: the bytes are expected at its URL until it expires.
        Pending = "PENDING",
        /// Checked (size, hash, type, scan) and linked to its stored blob.
        Complete = "COMPLETE",
    }
}

stored_enum! {
    /// How an attached file came to be.
    AttachmentOrigin {
        /// Uploaded by a person or a partner system.
        Uploaded = "UPLOADED",
        /// Made by qcdc (`renderReport`).
        Rendered = "RENDERED",
    }
}

stored_enum! {
    /// Where an import stands.
    ImportStatus {
        /// Read and validated (the dry run); nothing written yet.
        Validated = "VALIDATED",
        /// The file itself cannot be imported (unreadable, legacy encoding, missing columns).
        Refused = "REFUSED",
        /// Its valid rows were written.
        Applied = "APPLIED",
    }
}

stored_enum! {
    /// On whose behalf an official document is signed.
    SigningAuthority {
        /// Thay mặt a collective body (TM., T/M).
        OnBehalf = "ON_BEHALF",
        /// Ký thay the head, by a deputy (KT., K/T).
        ForTheHead = "FOR_THE_HEAD",
        /// Thừa lệnh the head (TL., T/L).
        ByOrder = "BY_ORDER",
        /// Thừa ủy quyền (TUQ., T/U).
        Authorised = "AUTHORISED",
    }
}
