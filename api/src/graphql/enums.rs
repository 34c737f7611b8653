//! GraphQL mirrors of the stored enumerations. The API owns its enums (entities carry no API
//! concerns); the macro keeps both sides in step and fails to compile when they drift.

macro_rules! api_enum {
    (
        $(#[$meta:meta])*
        $name:ident => $stored:ident {
            $( $(#[$vmeta:meta])* $variant:ident ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl From<entity::$stored> for $name {
            fn from(value: entity::$stored) -> Self {
                match value {
                    $( entity::$stored::$variant => Self::$variant ),+
                }
            }
        }

        impl From<$name> for entity::$stored {
            fn from(value: $name) -> Self {
                match value {
                    $( $name::$variant => entity::$stored::$variant ),+
                }
            }
        }
    };
}

api_enum! {
    /// Kind of organisational unit (loại đơn vị).
    UnitKind => UnitKind {
        /// Province (tỉnh, thành phố trực thuộc trung ương).
        Province,
        /// District-level unit (huyện, thị xã, thành phố thuộc tỉnh); abolished from 2025-07-01.
        District,
        /// Commune-level unit (xã, phường, thị trấn).
        Commune,
        /// Party committee (cấp ủy, đảng ủy).
        PartyCommittee,
        /// Board of a party committee (ban của cấp ủy, e.g. Ban Dân vận).
        PartyBoard,
        /// Party organisation a superior committee appoints inside a state body (ban cán sự
        /// đảng, đảng đoàn), e.g. Ban cán sự đảng UBND tỉnh; not an elected committee.
        PartyDelegation,
        /// Steering committee (ban chỉ đạo).
        SteeringCommittee,
        /// People's Council (Hội đồng nhân dân).
        PeoplesCouncil,
        /// People's Committee (Ủy ban nhân dân).
        PeoplesCommittee,
        /// Vietnam Fatherland Front committee (Ủy ban Mặt trận Tổ quốc).
        FatherlandFront,
        /// Socio-political organisation (tổ chức chính trị - xã hội).
        SocioPoliticalOrganisation,
        /// State agency (cơ quan nhà nước, sở, ngành).
        Agency,
        /// Public-service unit (đơn vị sự nghiệp công lập).
        PublicServiceUnit,
        /// Enterprise (doanh nghiệp).
        Enterprise,
        /// Central body (cơ quan trung ương).
        CentralBody,
        /// People's Inspection Board (Ban Thanh tra nhân dân), for its term (`validTo`).
        PeoplesInspectionBoard,
        /// Community investment supervision board (Ban Giám sát đầu tư của cộng đồng) of one
        /// project, for its term (`validTo`).
        InvestmentSupervisionBoard,
        /// Any other organisation.
        Other,
    }
}

api_enum! {
    /// Grassroots type as the Law on Grassroots Democracy (10/2022/QH15) defines them.
    GrassrootsType => GrassrootsType {
        /// Commune level (xã, phường, thị trấn).
        Commune,
        /// Agency or public-service unit (cơ quan, đơn vị).
        AgencyOrPublicServiceUnit,
        /// Enterprise (doanh nghiệp).
        Enterprise,
        /// Other organisation employing workers (tổ chức có sử dụng lao động).
        OtherEmployer,
    }
}

api_enum! {
    /// Where a seeded fact comes from, so nothing assumed passes for the article's word.
    Provenance => Provenance {
        /// Stated by the source article on Plan 24-KH/BCĐ.
        Article,
        /// From secondary sources or general knowledge, not the article.
        Research,
        /// A placeholder chosen for the seed (dates, sub-task breakdowns); to be confirmed.
        Assumed,
        /// Entered by a user through the API.
        User,
    }
}

api_enum! {
    /// Numbering family of a document number (số, ký hiệu).
    DocumentFamily => DocumentFamily {
        /// Party document: `số-LOẠI/CƠQUAN` (e.g. `30-CT/TW`).
        Party,
        /// Law or National Assembly resolution: `số/năm/QHk`.
        StateLegislative,
        /// Legal normative document: `số/năm/LOẠI-CƠQUAN` (e.g. `59/2023/NĐ-CP`).
        StateNormative,
        /// Administrative document: `số/LOẠI-CƠQUAN` (e.g. `33/CT-TTg`).
        StateAdministrative,
        /// Official letter without a type code: `số/CƠQUAN-ĐƠNVỊ`.
        StateOfficialLetter,
        /// Fatherland Front document (e.g. `01/ĐA-MTTW-BTT`).
        Front,
        /// A number the grammar does not recognise; kept as written.
        Unknown,
    }
}

api_enum! {
    /// Type of a legal document (loại văn bản).
    DocumentType => DocumentType {
        /// Luật.
        Law,
        /// Nghị định.
        Decree,
        /// Thông tư.
        Circular,
        /// Nghị quyết.
        Resolution,
        /// Quyết định.
        Decision,
        /// Chỉ thị.
        Directive,
        /// Kết luận.
        Conclusion,
        /// Quy định.
        Regulation,
        /// Quy chế.
        Rules,
        /// Hướng dẫn.
        Guidance,
        /// Kế hoạch.
        Plan,
        /// Chương trình.
        Programme,
        /// Đề án.
        Scheme,
        /// Báo cáo.
        Report,
        /// Thông báo.
        Notice,
        /// Công văn.
        OfficialLetter,
        /// Any other type.
        Other,
    }
}

api_enum! {
    /// Legal status of a document.
    DocumentStatus => DocumentStatus {
        /// In force (còn hiệu lực).
        InForce,
        /// In force with amendments.
        Amended,
        /// Replaced by another document.
        Superseded,
        /// Repealed (bãi bỏ).
        Repealed,
        /// Not known.
        Unknown,
    }
}

api_enum! {
    /// How one document relates to another.
    DocumentRelationKind => DocumentRelationKind {
        /// Amends (sửa đổi, bổ sung) the other document.
        Amends,
        /// Replaces (thay thế) it.
        Replaces,
        /// Repeals (bãi bỏ) it.
        Repeals,
        /// Details (quy định chi tiết) it.
        Details,
        /// Implements (triển khai, thực hiện) it.
        Implements,
    }
}

api_enum! {
    /// Life cycle of a plan.
    PlanStatus => PlanStatus {
        /// Being drafted; visible to its authors.
        Draft,
        /// Issued with a number and date.
        Issued,
        /// Closed after the period's final review.
        Closed,
    }
}

api_enum! {
    /// Status of a task. Overdue is not a status: see `Task.isOverdue`.
    TaskStatus => TaskStatus {
        /// Nothing reported yet.
        NotStarted,
        /// Work reported, not finished.
        InProgress,
        /// Finished.
        Done,
        /// Dropped.
        Cancelled,
    }
}

api_enum! {
    /// Role of a unit in a task.
    AssignmentRole => AssignmentRole {
        /// Lead unit (đơn vị chủ trì); one per task.
        Lead,
        /// Coordinating unit (đơn vị phối hợp).
        Coordinate,
    }
}

api_enum! {
    /// Status of an assignment.
    AssignmentStatus => AssignmentStatus {
        /// Assigned, not yet acknowledged.
        Assigned,
        /// Acknowledged by the unit.
        Acknowledged,
        /// Work in progress.
        InProgress,
        /// Completed.
        Done,
        /// Cancelled.
        Cancelled,
        /// Handed to a successor unit when this one was reorganised; see `reroutedTo`.
        Rerouted,
    }
}

api_enum! {
    /// Kind of report.
    ReportKind => ReportKind {
        /// Periodic progress report.
        Periodic,
        /// Six-month preliminary review (sơ kết).
        PreliminaryReview,
        /// Annual review (tổng kết).
        AnnualReview,
        /// Inspection results (kiểm tra).
        Inspection,
        /// Supervision results (giám sát).
        Supervision,
        /// Ad hoc report (đột xuất).
        AdHoc,
    }
}

api_enum! {
    /// Workflow status of a report.
    ReportStatus => ReportStatus {
        /// Being written.
        Draft,
        /// Sent for review.
        Submitted,
        /// Approved; never changes again.
        Approved,
        /// Returned with a comment for correction.
        Returned,
    }
}

api_enum! {
    /// What an indicator counts.
    Measure => Measure {
        /// A count of things.
        Count,
        /// Person-times (lượt người).
        PersonTimes,
        /// Distinct persons.
        Persons,
        /// A percentage.
        Percent,
        /// An amount in Vietnamese đồng.
        Vnd,
    }
}

api_enum! {
    /// How an indicator's values combine up the unit tree.
    Aggregation => Aggregation {
        /// Values add up.
        Sum,
        /// Recomputed from the summed numerator and denominator, never averaged.
        Ratio,
        /// The largest value.
        Max,
        /// The smallest value.
        Min,
    }
}

api_enum! {
    /// A role a grant gives over a unit's subtree.
    Role => Role {
        /// Everything, including users, grants and API clients.
        Admin,
        /// Issue and close plans, assign tasks, approve or return reports.
        Steering,
        /// Derive plans and assign within scope, approve reports of units below.
        UnitManager,
        /// Write and submit reports and progress of units in scope.
        Reporter,
        /// Read within scope.
        Viewer,
        /// Partner system: read, submit reports and progress.
        Partner,
    }
}

api_enum! {
    /// Kind of reorganisation (sắp xếp, tổ chức lại đơn vị).
    ReorgKind => ReorgKind {
        /// Several units merge into a new one (hợp nhất): the predecessors close, the new
        /// unit receives their open work and their holders' grants.
        MergeNew,
        /// Units merge into an existing one, which continues (sáp nhập): the absorbed units
        /// close, their open sub-units move under the absorbing unit.
        Absorb,
        /// One unit splits into several new ones (chia, tách): open work goes to the
        /// designated successor unless `routing` maps it elsewhere.
        Split,
        /// Some sub-units of a unit move to another unit (điều chỉnh một phần); both continue.
        PartialTransfer,
        /// New name, short name or code (đổi tên).
        Rename,
        /// New kind, e.g. thị trấn to phường (chuyển loại hình).
        Reclassify,
        /// Moves under another parent (chuyển trực thuộc).
        Reparent,
        /// Ceases to exist (giải thể): open work goes to the named successor.
        Dissolve,
        /// New units are established (thành lập), closing none: a commune, or a community
        /// board for its term (`newUnits.validTo`).
        Establish,
    }
}

api_enum! {
    /// Part a unit plays in a reorganisation.
    ReorgRole => ReorgRole {
        /// A unit the event closes or changes.
        Predecessor,
        /// A unit that continues the predecessors or receives their open work.
        Successor,
    }
}

api_enum! {
    /// Who made a recorded change (người thực hiện).
    ActorKind => ActorKind {
        /// A signed-in person; `actor` is the username.
        User,
        /// A partner system signed in with client credentials; `actor` is the client's name.
        Partner,
        /// The operator's command line (`qcdc user …`, `qcdc client …`, `qcdc seed`);
        /// `actor` is `command line`.
        CommandLine,
        /// Nobody signed in: a failed sign-in attempt; `actor` is null and the record is the
        /// account or client tried, if it exists.
        Anonymous,
    }
}

api_enum! {
    /// Whether an oversight inspects or supervises (hình thức).
    OversightKind => OversightKind {
        /// Inspection (kiểm tra).
        Inspection,
        /// Supervision (giám sát), the community boards' included.
        Supervision,
    }
}

api_enum! {
    /// How an oversight comes about.
    OversightCadence => OversightCadence {
        /// Periodic, by the year's oversight plan (định kỳ).
        Periodic,
        /// Regular, ongoing (thường xuyên).
        Regular,
        /// Ad hoc, when a complex matter arises (đột xuất).
        AdHoc,
    }
}

api_enum! {
    /// Where an oversight stands: PLANNED → IN_PROGRESS → CONCLUDED → CLOSED, or CANCELLED.
    OversightStatus => OversightStatus {
        /// Planned (dự kiến).
        Planned,
        /// Under way (đang tiến hành): findings and recommendations are recorded.
        InProgress,
        /// Concluded (đã kết luận): findings fixed unless STEERING reopens it.
        Concluded,
        /// Closed (kết thúc): every recommendation verified or waived.
        Closed,
        /// Cancelled (hủy), with a reason.
        Cancelled,
    }
}

api_enum! {
    /// What a finding says about its target.
    FindingKind => FindingKind {
        /// Strength (ưu điểm).
        Strength,
        /// Limitation (hạn chế).
        Limitation,
        /// Cause (nguyên nhân) of a limitation or violation.
        Cause,
        /// Lesson (bài học kinh nghiệm).
        Lesson,
        /// Violation (vi phạm), with amounts in đồng or land in m² where stated.
        Violation,
    }
}

api_enum! {
    /// Where a recommendation (kiến nghị) stands.
    RecommendationStatus => RecommendationStatus {
        /// Issued, not yet answered.
        Open,
        /// Accepted by the addressee (tiếp thu).
        Accepted,
        /// Disputed by the addressee, with its reason.
        Disputed,
        /// Remedial actions under way.
        InProgress,
        /// The addressee reports it remedied.
        ReportedDone,
        /// The conducting side found the remedy effective. Final.
        Verified,
        /// Not effective: open again with a later due date.
        Reopened,
        /// Dropped by the conducting side, with a reason. Final.
        Waived,
    }
}

api_enum! {
    /// Kind of review (content 7).
    ReviewKind => ReviewKind {
        /// Six-month or other preliminary review (sơ kết); its report is a PRELIMINARY_REVIEW.
        Preliminary,
        /// Final or annual review (tổng kết); its report is an ANNUAL_REVIEW.
        Final,
        /// Thematic review (chuyên đề); its report is AD_HOC.
        Thematic,
    }
}

api_enum! {
    /// Where a review stands.
    ReviewStatus => ReviewStatus {
        /// Scheduled, not yet held.
        Planned,
        /// Held, with its consolidated report.
        Held,
    }
}

api_enum! {
    /// What a "Dân vận khéo" entry is.
    ExemplarKind => ExemplarKind {
        /// A model (mô hình "Dân vận khéo").
        Model,
        /// An exemplary collective (tập thể điển hình).
        Collective,
        /// An exemplary individual (cá nhân điển hình).
        Individual,
    }
}

api_enum! {
    /// The field of the "Dân vận khéo" movement (lĩnh vực).
    ExemplarField => ExemplarField {
        /// Economy (kinh tế).
        Economy,
        /// Culture and society (văn hóa - xã hội).
        CultureSociety,
        /// Defence and security (quốc phòng - an ninh).
        DefenceSecurity,
        /// Building the political system (xây dựng hệ thống chính trị).
        PoliticalSystem,
    }
}

api_enum! {
    /// Where a "Dân vận khéo" entry stands: REGISTERED → ASSESSED → RECOGNISED, or RETIRED
    /// (history kept).
    ExemplarStatus => ExemplarStatus {
        /// Registered (đăng ký), not yet assessed.
        Registered,
        /// Assessed against the criteria.
        Assessed,
        /// Recognised by at least one decision or award.
        Recognised,
        /// Retired, with its day and reason; it still counts in the periods it was active.
        Retired,
    }
}

api_enum! {
    /// The form of a recognition (hình thức công nhận, khen thưởng).
    RecognitionForm => RecognitionForm {
        /// A recognition decision (quyết định công nhận).
        Decision,
        /// Certificate of merit (Giấy khen).
        CertificateOfMerit,
        /// Diploma of merit (Bằng khen).
        DiplomaOfMerit,
        /// Emulation flag (Cờ thi đua).
        EmulationFlag,
    }
}

api_enum! {
    /// The level a recognition is given at (cấp).
    RecognitionLevel => RecognitionLevel {
        /// Commune level (cấp xã).
        Commune,
        /// District level (cấp huyện).
        District,
        /// Province level (cấp tỉnh).
        Province,
        /// Central level (cấp trung ương).
        Central,
    }
}

api_enum! {
    /// What an uploaded file is for; each purpose allows its own file types.
    UploadPurpose => UploadPurpose {
        /// Evidence attached to a record (signed scan, minutes, photographs): PDF, JPEG, PNG,
        /// DOCX or XLSX.
        Evidence,
        /// A table to import: XLSX or CSV.
        Import,
    }
}

api_enum! {
    /// Whose rules an official document follows.
    DocumentProfile => DocumentProfile {
        /// State bodies: Decree 30/2020/NĐ-CP, Appendix I ("Số: 05/BC-UBND", TM./KT./TL.).
        State,
        /// Party bodies: Guide 36-HD/VPTW of 2018 ("Số 123-BC/BDVTU", T/M, K/T, T/L).
        Party,
    }
}

api_enum! {
    /// Where an upload stands.
    UploadStatus => UploadStatus {
        /// Begun: the bytes are expected at its URL until it expires.
        Pending,
        /// Checked and stored: it can be attached or imported until it expires.
        Complete,
    }
}

api_enum! {
    /// How an attached file came to be.
    AttachmentOrigin => AttachmentOrigin {
        /// Uploaded by a person or a partner system.
        Uploaded,
        /// Made by qcdc (`renderReport`).
        Rendered,
    }
}

api_enum! {
    /// On whose behalf an official document is signed.
    SigningAuthority => SigningAuthority {
        /// On behalf of a collective body (thay mặt: TM., T/M).
        OnBehalf,
        /// For the head, by a deputy (ký thay: KT., K/T).
        ForTheHead,
        /// By order of the head (thừa lệnh: TL., T/L).
        ByOrder,
        /// Under authorisation (thừa ủy quyền: TUQ., T/U).
        Authorised,
    }
}
