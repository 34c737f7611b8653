//! The official report as a document (issue 14, part 4): a report rendered in the Party
//! profile (Guide 36-HD/VPTW) carries the page, margins, font, sizes and the exact header,
//! number and date strings; its outgoing number is a registry document used once; rendered to
//! PDF by LibreOffice it is A4 and numbers its pages from page 2. The same renderer writes an
//! oversight's conclusion notice (downloaded behind a link) and a recognition decision (kept on
//! the entry), each refused outside its side and scope.

use std::io::Read;
use std::path::Path;

use serde_json::{Value, json};

use crate::support::{TestApp, error_code, nodes};
use entity::Role;

on_both_databases!(
    a_party_report_renders_in_the_official_form,
    outgoing_numbers_by_role_scope_and_once,
    an_oversight_conclusion_renders_as_a_notice_for_the_conducting_side,
    a_recognition_renders_as_a_decision_on_the_entry,
    numbers_are_each_issuers_own_and_given_to_sent_reports,
);

const CREATE: &str =
    "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }";
const UPDATE: &str =
    "mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id version } } }";
const RENDER: &str = "mutation($i: RenderReportInput!) { renderReport(input: $i) { attachment { filename contentType byteSize origin downloadUrl } } }";
const REGISTER: &str = "mutation($i: RegisterOutgoingNumberInput!) { registerOutgoingNumber(input: $i) { profile legalDocument { id number documentType issuedOn } attachment { filename byteSize downloadUrl } } }";

/// A draft report of the provincial Ban Dân vận for the second half of 2024, long enough for
/// two pages, with indicator values.
async fn bdv_report(app: &TestApp, token: &str) -> Value {
    let created = app
        .data(
            token,
            CREATE,
            json!({ "i": { "unitId": app.unit_id("ST.TU.BDV").await, "kind": "ANNUAL_REVIEW",
                "title": "Tổng kết năm 2024 thực hiện Quy chế dân chủ ở cơ sở",
                "periodStart": "2024-07-01", "periodEnd": "2024-12-31" } }),
        )
        .await["createReport"]["report"]
        .clone();
    let results: Vec<String> = (1..=14)
        .map(|i| format!("Nội dung {i}: các cấp ủy, chính quyền tổ chức quán triệt, tuyên truyền sâu rộng Luật Thực hiện dân chủ ở cơ sở và các nghị định hướng dẫn; phát huy vai trò của Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội trong giám sát, phản biện xã hội; đối thoại trực tiếp với Nhân dân, giải quyết kịp thời kiến nghị chính đáng của người dân."))
        .collect();
    app.data(
        token,
        UPDATE,
        json!({ "i": { "id": created["id"], "version": created["version"],
            "results": results.join("\n"),
            "limitations": "Một số nơi việc tổ chức đối thoại còn hình thức.",
            "causes": "Nhận thức của một bộ phận cán bộ chưa đầy đủ.",
            "lessons": "Phát huy vai trò người đứng đầu.",
            "nextSteps": "Tiếp tục triển khai Kế hoạch 24-KH/BCĐ.",
            "indicatorValues": [{ "code": "C1.SESSIONS", "value": 1250 },
                                { "code": "C4.PETITIONS_RECEIVED", "value": 10 },
                                { "code": "C4.PETITIONS_RESOLVED", "value": 9 }] } }),
    )
    .await;
    submit(app, token, &created["id"]).await;
    created["id"].clone()
}

/// Sends `report` (a report is numbered once it is sent).
async fn submit(app: &TestApp, token: &str, report: &Value) {
    let version = app
        .data(
            token,
            "query($id: ID!) { node(id: $id) { ... on Report { version } } }",
            json!({ "id": report }),
        )
        .await["node"]["version"]
        .clone();
    app.data(
        token,
        "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { status } } }",
        json!({ "i": { "id": report, "version": version } }),
    )
    .await;
}

/// The DOCX behind a rendered attachment, downloaded through its signed link.
async fn docx_of(app: &TestApp, attachment: &Value) -> Vec<u8> {
    let (status, kind, bytes) = app
        .download(attachment["downloadUrl"].as_str().unwrap())
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    bytes
}

fn document_xml(docx: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

async fn a_party_report_renders_in_the_official_form(app: &TestApp) {
    let steering = app.user_with("doc-steering", Role::Steering, "ST").await;
    let report = bdv_report(app, &steering).await;

    // Not numbered yet: rendered with the number and the date left for the clerk.
    let first = app
        .data(
            &steering,
            RENDER,
            json!({ "i": { "reportId": report, "profile": "PARTY", "format": "DOCX" } }),
        )
        .await;
    let document = &first["renderReport"]["attachment"];
    assert_eq!(document["origin"], "RENDERED");
    assert_eq!(
        document["contentType"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert!(document["byteSize"].as_i64().unwrap() > 1_000);
    let blank = document_xml(&docx_of(app, document).await);
    assert!(blank.contains("-BC/…"), "the number is left blank");
    assert!(blank.contains("Sóc Trăng, ngày ") && !blank.contains("Số 123"));

    let registered = app
        .data(
            &steering,
            REGISTER,
            json!({ "i": { "reportId": report, "number": "123-BC/BDVTU", "issuedOn": "2025-02-05",
                "signer": { "authority": "FOR_THE_HEAD", "onBehalfOf": "Trưởng ban",
                            "position": "Phó Trưởng ban", "name": "Nguyễn Văn An" } } }),
        )
        .await;
    let registered = &registered["registerOutgoingNumber"];
    assert_eq!(registered["profile"], "PARTY");
    assert_eq!(registered["legalDocument"]["number"], "123-BC/BDVTU");
    assert_eq!(registered["legalDocument"]["documentType"], "REPORT");
    assert_eq!(registered["attachment"]["filename"], "123-BC-BDVTU.docx");

    // The number parses and searches like every registry document.
    let found = app
        .data(
            &steering,
            "{ legalDocuments(first: 5, filter: { search: \"BC/BDVTU\" }) { edges { node { number } } } }",
            json!({}),
        )
        .await;
    assert!(
        nodes(&found, &["legalDocuments"])
            .iter()
            .any(|d| d["number"] == "123-BC/BDVTU")
    );

    let docx = docx_of(app, &registered["attachment"]).await;
    let xml = document_xml(&docx);
    assert!(xml.contains(r#"<w:pgSz w:w="11906" w:h="16838""#), "A4");
    // Margins the profile names: 20 mm top and bottom, 30 mm left, 15 mm right.
    for margin in [
        r#"w:top="1134""#,
        r#"w:bottom="1134""#,
        r#"w:left="1701""#,
        r#"w:right="850""#,
    ] {
        assert!(xml.contains(margin), "{margin}");
    }
    assert!(xml.contains(r#"w:ascii="Times New Roman""#));
    // The Party's name in 15 pt, the type in 16 pt, the body in 14 pt (half-points).
    for size in ["30", "32", "28"] {
        assert!(
            xml.contains(&format!(r#"<w:sz w:val="{size}" />"#)),
            "{size}"
        );
    }
    for text in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "TỈNH ỦY SÓC TRĂNG",
        "BAN DÂN VẬN",
        "Số 123-BC/BDVTU",
        "Sóc Trăng, ngày 05 tháng 02 năm 2025",
        "BÁO CÁO",
        "K/T TRƯỞNG BAN",
        "PHÓ TRƯỞNG BAN",
        "Nguyễn Văn An",
        "Nơi nhận:",
    ] {
        assert!(xml.contains(text), "{text}");
    }
    assert!(xml.contains(">*<"), "the star below the issuer");
    assert!(
        xml.contains("w:titlePg"),
        "the first page has a header of its own"
    );

    check_pdf(&docx);
}

/// The PDF LibreOffice makes of `docx`: its text, A4, and page numbers from page 2.
fn check_pdf(docx: &[u8]) {
    let Some(soffice) = tool("soffice") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.docx");
    std::fs::write(&file, docx).unwrap();
    // A profile folder of its own, so parallel runs do not share LibreOffice's lock.
    let profile = format!("-env:UserInstallation=file://{}/lo", dir.path().display());
    let status = std::process::Command::new(soffice)
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&file)
        .output()
        .unwrap();
    let pdf = dir.path().join("report.pdf");
    assert!(pdf.exists(), "soffice made no PDF: {status:?}");
    if let Ok(keep) = std::env::var("QCDC_KEEP_PDF") {
        std::fs::copy(&pdf, keep).unwrap();
    }

    let info = run("pdfinfo", &[pdf.as_path()], &[]);
    assert!(
        info.contains("595.") && info.contains(" x 841.") || info.contains(" x 842"),
        "{info}"
    );
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(pages >= 2, "{pages} pages");

    let all = run("pdftotext", &[pdf.as_path(), Path::new("-")], &["-layout"]);
    for text in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Số 123-BC/BDVTU",
        "Sóc Trăng, ngày 05 tháng 02 năm 2025",
    ] {
        assert!(all.contains(text), "{text} in\n{all}");
    }
    let page = |n: &str| {
        run(
            "pdftotext",
            &[pdf.as_path(), Path::new("-")],
            &["-f", n, "-l", n, "-layout"],
        )
    };
    // Page 1 carries no number; page 2 begins with "2" centred in its header.
    let first = page("1");
    assert!(
        !first.lines().take(2).any(|l| l.trim() == "1"),
        "page 1 is numbered:\n{first}"
    );
    let second = page("2");
    assert_eq!(
        second.lines().find(|l| !l.trim().is_empty()).map(str::trim),
        Some("2"),
        "page 2:\n{second}"
    );
}

/// The path of `name` on PATH; a missing tool fails in CI and is skipped elsewhere.
fn tool(name: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!("CI=true but {name} is missing: install LibreOffice and poppler-utils");
        }
        eprintln!("{name} not found: skipping the PDF check");
    }
    found
}

fn run(program: &str, files: &[&Path], args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .args(files)
        .output()
        .unwrap();
    assert!(out.status.success(), "{program}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

async fn outgoing_numbers_by_role_scope_and_once(app: &TestApp) {
    let steering = app.user_with("num-steering", Role::Steering, "ST").await;
    let reporter = app
        .user_with("num-reporter", Role::Reporter, "ST.TU.BDV")
        .await;
    let outsider = app
        .user_with("num-outsider", Role::UnitManager, "ST.D01")
        .await;
    let first = bdv_report(app, &steering).await;
    let second = bdv_report(app, &steering).await;
    let input = |report: &Value, number: &str| json!({ "i": { "reportId": report, "number": number, "issuedOn": "2025-02-05" } });

    // A reporter writes reports but does not number them; a manager elsewhere cannot see it.
    let by_reporter = app
        .gql(Some(&reporter), REGISTER, input(&first, "7-BC/BDVTU"))
        .await;
    assert_eq!(error_code(&by_reporter), Some("FORBIDDEN"));
    let by_outsider = app
        .gql(Some(&outsider), REGISTER, input(&first, "7-BC/BDVTU"))
        .await;
    assert_eq!(error_code(&by_outsider), Some("NOT_FOUND"));
    let render_outside = app
        .gql(
            Some(&outsider),
            RENDER,
            json!({ "i": { "reportId": first, "profile": "PARTY", "format": "DOCX" } }),
        )
        .await;
    assert_eq!(error_code(&render_outside), Some("NOT_FOUND"));
    // The reporter may read the report, so may render it.
    app.data(
        &reporter,
        RENDER,
        json!({ "i": { "reportId": first, "profile": "STATE", "format": "DOCX" } }),
    )
    .await;

    // Not a report's number, or issued in the future: refused naming the field.
    for (number, day) in [("24-KH/BCĐ", "2025-02-05"), ("7-BC/BDVTU", "2999-01-01")] {
        let bad = app
            .gql(
                Some(&steering),
                REGISTER,
                json!({ "i": { "reportId": first, "number": number, "issuedOn": day } }),
            )
            .await;
        assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"), "{number}");
    }

    app.data(&steering, REGISTER, input(&first, "7-BC/BDVTU"))
        .await;
    // The same number for another report, or a second number for the first: CONFLICT.
    let again = app
        .gql(Some(&steering), REGISTER, input(&second, "07-bc/bdvtu"))
        .await;
    assert_eq!(error_code(&again), Some("CONFLICT"));
    let twice = app
        .gql(Some(&steering), REGISTER, input(&first, "8-BC/BDVTU"))
        .await;
    assert_eq!(error_code(&twice), Some("CONFLICT"));
    // A numbered Party report is not rendered as a state one.
    let other_profile = app
        .gql(
            Some(&steering),
            RENDER,
            json!({ "i": { "reportId": first, "profile": "STATE", "format": "DOCX" } }),
        )
        .await;
    assert_eq!(error_code(&other_profile), Some("BAD_USER_INPUT"));
}

/// A4 and the profile's margins (20 mm top and bottom, 30 mm left, 15 mm right, both profiles).
fn assert_a4_with_margins(xml: &str) {
    assert!(xml.contains(r#"<w:pgSz w:w="11906" w:h="16838""#), "A4");
    for margin in [
        r#"w:top="1134""#,
        r#"w:bottom="1134""#,
        r#"w:left="1701""#,
        r#"w:right="850""#,
    ] {
        assert!(xml.contains(margin), "{margin}");
    }
}

const RENDER_CONCLUSION: &str = "mutation($i: RenderOversightConclusionInput!) { renderOversightConclusion(input: $i) { download { filename contentType byteSize url } } }";

async fn an_oversight_conclusion_renders_as_a_notice_for_the_conducting_side(app: &TestApp) {
    use crate::oversight::{oversight_step, register, under_way};
    let s = under_way(app).await;
    let outsider = app
        .user_with("tb-outsider", Role::UnitManager, "ST.TU.BDV")
        .await;
    let input = |profile: &str| json!({ "i": { "oversightId": s.oversight, "profile": profile, "format": "DOCX" } });

    // Under way, there is nothing to conclude yet.
    let early = app
        .gql(Some(&s.steering), RENDER_CONCLUSION, input("PARTY"))
        .await;
    assert_eq!(error_code(&early), Some("BAD_USER_INPUT"), "{early}");

    let conclusion = register(
        app,
        &s.steering,
        "12-TB/BCĐ",
        "NOTICE",
        "Thông báo kết luận kiểm tra",
    )
    .await;
    app.data(
        &s.steering,
        &oversight_step("concludeOversight"),
        json!({ "i": { "id": s.oversight, "version": s.version, "conclusionDocumentId": conclusion } }),
    )
    .await;

    // The targets read the oversight, but the notice is the conducting side's: it carries
    // every target's findings. Outside the scope the oversight does not exist.
    for (who, token, code) in [
        ("the target's manager", &s.d01, "FORBIDDEN"),
        ("the other target's reporter", &s.d02, "FORBIDDEN"),
        ("a unit outside", &outsider, "NOT_FOUND"),
    ] {
        let body = app
            .gql(Some(token), RENDER_CONCLUSION, input("PARTY"))
            .await;
        assert_eq!(error_code(&body), Some(code), "{who}: {body}");
    }
    // Numbered as a Party notice, it is not rendered as a state one.
    let other_profile = app
        .gql(Some(&s.steering), RENDER_CONCLUSION, input("STATE"))
        .await;
    assert_eq!(error_code(&other_profile), Some("BAD_USER_INPUT"));

    let rendered = app
        .data(&s.steering, RENDER_CONCLUSION, input("PARTY"))
        .await;
    let download = &rendered["renderOversightConclusion"]["download"];
    assert_eq!(download["filename"], "12-TB-BCĐ.docx");
    let (status, kind, docx) = app.download(download["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(kind, download["contentType"].as_str().unwrap());
    let xml = document_xml(&docx);
    assert_a4_with_margins(&xml);
    let due = (app.clock.today() + chrono::Duration::days(10))
        .format("%d/%m/%Y")
        .to_string();
    for text in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "BAN CHỈ ĐẠO THỰC HIỆN QUY CHẾ DÂN CHỦ Ở CƠ SỞ TỈNH SÓC TRĂNG",
        "Số 12-TB/BCĐ",
        "Sóc Trăng, ngày 15 tháng 3 năm 2024",
        "THÔNG BÁO KẾT LUẬN",
        "Kiểm tra việc thực hiện dân chủ ở cơ sở năm 2024",
        "I. KẾT QUẢ KIỂM TRA",
        "1. Đối với Thành phố Sóc Trăng",
        "a) Hạn chế",
        "- Chưa công khai đầy đủ dự toán ngân sách xã.",
        "b) Nguyên nhân",
        "- Cán bộ phụ trách chưa nắm quy định.",
        "2. Đối với Thị xã Vĩnh Châu",
        "a) Ưu điểm",
        "- Tổ chức tốt hội nghị đối thoại.",
        "II. KIẾN NGHỊ",
        "T/M BAN CHỈ ĐẠO",
        "Nơi nhận:",
    ] {
        assert!(xml.contains(text), "{text}");
    }
    assert!(
        xml.contains(&format!(
            "- Niêm yết công khai dự toán theo Điều 11 Luật 10/2022/QH15; thời hạn hoàn thành: trước ngày {due}."
        )),
        "the recommendation with its due date"
    );
}

const RECOGNISE: &str =
    "mutation($i: RecogniseExemplarInput!) { recogniseExemplar(input: $i) { recognition { id } } }";
const RENDER_DECISION: &str = "mutation($i: RenderRecognitionDecisionInput!) { renderRecognitionDecision(input: $i) { attachment { filename contentType origin downloadUrl } } }";

async fn a_recognition_renders_as_a_decision_on_the_entry(app: &TestApp) {
    use crate::exemplars::{register, version};
    let manager = app
        .user_with("qd-manager", Role::UnitManager, "ST.D01")
        .await;
    let reporter = app.user_with("qd-reporter", Role::Reporter, "ST.D01").await;
    let viewer = app.user_with("qd-viewer", Role::Viewer, "ST.D01").await;
    let outsider = app.user_with("qd-outsider", Role::Reporter, "ST.D02").await;
    let steering = app.user_with("qd-steering", Role::Steering, "ST").await;
    let entry = register(
        app,
        &manager,
        "ST.D01",
        "Mô hình nuôi tôm sạch giúp hộ nghèo",
    )
    .await;
    let input = |extra: Value| {
        let mut i = json!({ "exemplarId": entry, "profile": "STATE", "format": "DOCX" });
        for (k, v) in extra.as_object().unwrap() {
            i[k] = v.clone();
        }
        json!({ "i": i })
    };

    // Not recognised yet: there is no decision to render.
    let early = app
        .gql(Some(&manager), RENDER_DECISION, input(json!({})))
        .await;
    assert_eq!(error_code(&early), Some("BAD_USER_INPUT"), "{early}");

    let recognise = |form: &str, decision: Value| {
        let (entry, form) = (entry.clone(), form.to_owned());
        let manager = manager.clone();
        async move {
            let v = version(app, &manager, &entry).await;
            app.data(
                &manager,
                RECOGNISE,
                json!({ "i": { "id": entry, "version": v, "form": form, "level": "DISTRICT",
                    "recognisingUnitId": app.unit_id("ST.D01").await, "recognisedOn": "2024-03-15",
                    "decisionDocumentId": decision } }),
            )
            .await["recogniseExemplar"]["recognition"]["id"]
                .clone()
        }
    };
    recognise("CERTIFICATE_OF_MERIT", Value::Null).await;

    // A reporter of the entry's unit writes for it; a viewer reads it only; another district
    // does not see it.
    let rendered = app.data(&reporter, RENDER_DECISION, input(json!({}))).await;
    let attachment = &rendered["renderRecognitionDecision"]["attachment"];
    assert_eq!(attachment["origin"], "RENDERED");
    assert_eq!(attachment["filename"], "quyet-dinh-2024-03-15.docx");
    let viewed = app
        .gql(Some(&viewer), RENDER_DECISION, input(json!({})))
        .await;
    assert_eq!(error_code(&viewed), Some("FORBIDDEN"), "{viewed}");
    let outside = app
        .gql(Some(&outsider), RENDER_DECISION, input(json!({})))
        .await;
    assert_eq!(error_code(&outside), Some("NOT_FOUND"), "{outside}");

    let xml = document_xml(&docx_of(app, attachment).await);
    assert_a4_with_margins(&xml);
    for text in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "THÀNH PHỐ SÓC TRĂNG",
        "/QĐ-…",
        "Sóc Trăng, ngày ",
        "QUYẾT ĐỊNH",
        "Về việc tặng Giấy khen cấp huyện",
        "Tặng Giấy khen cấp huyện cho mô hình",
        "Mô hình nuôi tôm sạch giúp hộ nghèo",
        "Điều 1.",
        "TM. THÀNH PHỐ SÓC TRĂNG",
    ] {
        assert!(xml.contains(text), "{text}");
    }

    // A second recognition, by a registered decision: its number and date, in its profile.
    let decision = crate::oversight::register(
        app,
        &steering,
        "05/QĐ-UBND",
        "DECISION",
        "Quyết định công nhận mô hình Dân vận khéo",
    )
    .await;
    let second = recognise("DECISION", decision).await;
    let numbered = app
        .data(
            &manager,
            RENDER_DECISION,
            input(json!({ "recognitionId": second })),
        )
        .await;
    let attachment = &numbered["renderRecognitionDecision"]["attachment"];
    assert_eq!(attachment["filename"], "5-QĐ-UBND.docx");
    let xml = document_xml(&docx_of(app, attachment).await);
    for text in [
        "Số: 05/QĐ-UBND",
        "Sóc Trăng, ngày 15 tháng 3 năm 2024",
        "Về việc công nhận mô hình",
        "cấp huyện năm 2024",
    ] {
        assert!(xml.contains(text), "{text}");
    }
    let party = app
        .gql(
            Some(&manager),
            RENDER_DECISION,
            input(json!({ "recognitionId": second, "profile": "PARTY" })),
        )
        .await;
    assert_eq!(error_code(&party), Some("BAD_USER_INPUT"), "{party}");
    // A recognition of another entry is not this entry's.
    let other = register(app, &manager, "ST.D01", "Mô hình khác").await;
    let wrong = app
        .gql(
            Some(&manager),
            RENDER_DECISION,
            json!({ "i": { "exemplarId": other, "recognitionId": second, "profile": "STATE", "format": "DOCX" } }),
        )
        .await;
    assert_eq!(error_code(&wrong), Some("BAD_USER_INPUT"), "{wrong}");

    // A rendering replaces the one before: one file hangs on the entry.
    let listed = app
        .data(
            &manager,
            "query($id: ID!) { exemplar(id: $id) { attachments { filename origin } } }",
            json!({ "id": entry }),
        )
        .await;
    assert_eq!(
        listed["exemplar"]["attachments"].as_array().unwrap().len(),
        1,
        "{listed}"
    );
}

/// A report of `unit` for the first half of 2025, sent.
async fn sent_report(app: &TestApp, token: &str, unit: &str) -> Value {
    let created = app
        .data(
            token,
            CREATE,
            json!({ "i": { "unitId": app.unit_id(unit).await, "kind": "PERIODIC",
                "title": "Báo cáo 6 tháng", "periodStart": "2025-01-01", "periodEnd": "2025-06-30" } }),
        )
        .await["createReport"]["report"]
        .clone();
    submit(app, token, &created["id"]).await;
    created["id"].clone()
}

/// Found from outside: two districts could not both number a report "05/BC-UBND", a draft could
/// be numbered, and each rendering of a report was kept for good.
async fn numbers_are_each_issuers_own_and_given_to_sent_reports(app: &TestApp) {
    let steering = app.user_with("n-steering", Role::Steering, "ST").await;
    let number = |report: &Value, n: &str| json!({ "i": { "reportId": report, "number": n, "issuedOn": "2025-07-02" } });
    // A draft is numbered once it is sent.
    let draft = app
        .data(
            &steering,
            CREATE,
            json!({ "i": { "unitId": app.unit_id("ST.D01").await, "kind": "PERIODIC",
                "title": "Nháp", "periodStart": "2025-01-01", "periodEnd": "2025-06-30" } }),
        )
        .await["createReport"]["report"]["id"]
        .clone();
    let body = app
        .gql(Some(&steering), REGISTER, number(&draft, "05/BC-UBND"))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    // Nothing was kept of the refused attempt.
    let found = app
        .data(
            &steering,
            "{ legalDocuments(first: 5, filter: { search: \"05/BC-UBND\" }) { edges { node { number } } } }",
            json!({}),
        )
        .await;
    assert!(nodes(&found, &["legalDocuments"]).is_empty(), "{found}");

    // Two districts each have their own "05/BC-UBND"; one district cannot use it twice.
    let d01 = sent_report(app, &steering, "ST.D01").await;
    let d02 = sent_report(app, &steering, "ST.D02").await;
    let again = sent_report(app, &steering, "ST.D01").await;
    app.data(&steering, REGISTER, number(&d01, "05/BC-UBND"))
        .await;
    app.data(&steering, REGISTER, number(&d02, "05/BC-UBND"))
        .await;
    let body = app
        .gql(Some(&steering), REGISTER, number(&again, "05/BC-UBND"))
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");

    // Renderings replace each other: one rendered file on the report, whatever was asked.
    for place in ["Sóc Trăng", "Cần Thơ", "Sóc Trăng"] {
        app.data(
            &steering,
            RENDER,
            json!({ "i": { "reportId": d02, "profile": "STATE", "format": "DOCX", "place": place } }),
        )
        .await;
    }
    let files = app
        .data(
            &steering,
            "query($id: ID!) { node(id: $id) { ... on Report { attachments { origin } } } }",
            json!({ "id": d02 }),
        )
        .await;
    assert_eq!(
        files["node"]["attachments"],
        json!([{ "origin": "RENDERED" }]),
        "{files}"
    );
}
