//! Attachments through the API: the two-step upload (beginUpload, PUT, completeUpload), files on
//! reports and their freezing, signed download links, refusals (type, size, hash, owner), the
//! virus scanner, the collector, and the same round trip on a real S3-compatible server.

use std::time::Duration;

use entity::Role;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, error_code};

on_both_databases!(
    a_pdf_goes_onto_a_draft_report_and_comes_back_byte_identical,
    refusals_of_type_size_hash_and_owner,
    an_approved_reports_files_are_frozen,
);

/// A small, valid PDF whose text is `line` (so different lines give different files).
pub fn pdf(line: &str) -> Vec<u8> {
    let stream = format!("BT /F1 12 Tf 72 720 Td ({line}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A draft report of `unit` for the first half of 2024.
pub async fn draft_report(app: &TestApp, token: &str, unit: &str) -> Value {
    app.data(
        token,
        "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }",
        json!({ "i": { "unitId": app.unit_id(unit).await, "kind": "PERIODIC", "title": "Báo cáo 6 tháng",
            "periodStart": "2024-01-01", "periodEnd": "2024-06-30" } }),
    )
    .await["createReport"]["report"]
        .clone()
}

pub const ATTACH: &str = "mutation($i: AttachFileInput!) { attachFile(input: $i) { attachment { id filename contentType byteSize sha256 origin targetId } } }";
const FILES: &str = "query($id: ID!) { node(id: $id) { ... on Report { attachments { id filename contentType byteSize sha256 downloadUrl } } } }";

/// Uploads a PDF, attaches it to a draft report, downloads it back, and recognises the same
/// bytes when they are offered again. Shared with the S3 scenario.
pub async fn round_trip(app: &TestApp) {
    let reporter = app.user_with("f-reporter", Role::Reporter, "ST.D01").await;
    let report = draft_report(app, &reporter, "ST.D01").await;
    let bytes = pdf("Bien ban hop dan - ban ky");
    let upload = app
        .upload(
            &reporter,
            "EVIDENCE",
            "Biên bản họp dân.pdf",
            "application/pdf",
            &bytes,
        )
        .await;
    let attached = app
        .data(
            &reporter,
            ATTACH,
            json!({ "i": { "uploadId": upload, "targetId": report["id"] } }),
        )
        .await["attachFile"]["attachment"]
        .clone();
    assert_eq!(attached["filename"], "Biên bản họp dân.pdf");
    assert_eq!(attached["contentType"], "application/pdf");
    assert_eq!(attached["byteSize"], bytes.len());
    assert_eq!(attached["sha256"], qcdc::domain::files::sha256_hex(&bytes));
    assert_eq!(attached["origin"], "UPLOADED");
    assert_eq!(attached["targetId"], report["id"]);

    let listed = app
        .data(&reporter, FILES, json!({ "id": report["id"] }))
        .await;
    let files = listed["node"]["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    let url = files[0]["downloadUrl"].as_str().unwrap();
    let (status, kind, body) = app.download(url).await;
    assert_eq!(status, 200);
    assert_eq!(kind, "application/pdf");
    assert!(
        body == bytes,
        "the downloaded bytes differ from the uploaded ones"
    );

    // The same bytes again: stored already, no upload needed, and they attach elsewhere.
    let again = app
        .begin_upload(&reporter, "EVIDENCE", "copy.pdf", "application/pdf", &bytes)
        .await;
    assert_eq!(again["alreadyStored"], true);
    assert!(again["uploadUrl"].is_null());
    let done = app
        .data(
            &reporter,
            "mutation($i: UploadIdInput!) { completeUpload(input: $i) { upload { status } } }",
            json!({ "i": { "id": again["upload"]["id"] } }),
        )
        .await;
    assert_eq!(done["completeUpload"]["upload"]["status"], "COMPLETE");
    let other = draft_report(app, &reporter, "ST.D01").await;
    app.data(
        &reporter,
        ATTACH,
        json!({ "i": { "uploadId": again["upload"]["id"], "targetId": other["id"] } }),
    )
    .await;
    // Attaching the same file to the same record twice is a conflict.
    let twice = app
        .gql(
            Some(&reporter),
            ATTACH,
            json!({ "i": { "uploadId": upload, "targetId": report["id"] } }),
        )
        .await;
    assert_eq!(error_code(&twice), Some("CONFLICT"), "{twice}");

    // Detaching on a draft works, and the link still minted keeps working only until it expires.
    let detached = app
        .data(
            &reporter,
            "mutation($i: DetachAttachmentInput!) { detachAttachment(input: $i) { detachedId } }",
            json!({ "i": { "id": attached["id"] } }),
        )
        .await;
    assert_eq!(detached["detachAttachment"]["detachedId"], attached["id"]);
    let listed = app
        .data(&reporter, FILES, json!({ "id": report["id"] }))
        .await;
    assert_eq!(listed["node"]["attachments"], json!([]));
}

async fn a_pdf_goes_onto_a_draft_report_and_comes_back_byte_identical(app: &TestApp) {
    round_trip(app).await;

    // Every link minted is in the audit log.
    let steering = app.login("steering").await;
    let log = app
        .data(
            &steering,
            "{ auditEvents(first: 50, filter: { action: \"attachment.download\" }) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        log["auditEvents"]["edges"].as_array().unwrap().len(),
        1,
        "{log}"
    );

    // A forged or altered link downloads nothing.
    let (status, _, _) = app.download("/files/not-a-token").await;
    assert_eq!(status, 403);

    // Multipart to /graphql is still refused.
    let res = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{}\r\n--x--\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
}

async fn refusals_of_type_size_hash_and_owner(app: &TestApp) {
    let reporter = app.user_with("f-rep", Role::Reporter, "ST.D01").await;
    let viewer = app.user_with("f-viewer", Role::Viewer, "ST.D01").await;
    let stranger = app.user_with("f-stranger", Role::Reporter, "ST.D02").await;

    // An executable renamed .pdf is found out when the upload completes.
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00 some code"
        .to_vec();
    let begun = app
        .begin_upload(
            &reporter,
            "EVIDENCE",
            "bao-cao.pdf",
            "application/pdf",
            &elf,
        )
        .await;
    let url = begun["uploadUrl"].as_str().unwrap();
    assert_eq!(app.put_bytes(&reporter, url, elf.clone()).await, 204);
    let completed = app
        .gql(
            Some(&reporter),
            "mutation($i: UploadIdInput!) { completeUpload(input: $i) { upload { status } } }",
            json!({ "i": { "id": begun["upload"]["id"] } }),
        )
        .await;
    assert_eq!(
        error_code(&completed),
        Some("BAD_USER_INPUT"),
        "{completed}"
    );
    // …and cannot be attached.
    let report = draft_report(app, &reporter, "ST.D01").await;
    let refused = app
        .gql(
            Some(&reporter),
            ATTACH,
            json!({ "i": { "uploadId": begun["upload"]["id"], "targetId": report["id"] } }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"), "{refused}");

    // A type the purpose does not take, and a declared size over the limit.
    let begin = "mutation($i: BeginUploadInput!) { beginUpload(input: $i) { uploadUrl } }";
    let sha = qcdc::domain::files::sha256_hex(b"x");
    for (content_type, size) in [
        ("application/x-msdownload", 10),
        ("application/pdf", app.files.max_upload_bytes + 1),
    ] {
        let body = app
            .gql(
                Some(&reporter),
                begin,
                json!({ "i": { "filename": "a.pdf", "contentType": content_type, "byteSize": size, "sha256": sha, "purpose": "EVIDENCE" } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "{content_type}: {body}"
        );
    }

    // A body larger than declared gets 413, whether announced or streamed.
    let bytes = pdf("size");
    let begun = app
        .begin_upload(&reporter, "EVIDENCE", "size.pdf", "application/pdf", &bytes)
        .await;
    let url = begun["uploadUrl"].as_str().unwrap().to_owned();
    let mut bigger = bytes.clone();
    bigger.extend_from_slice(&[b' '; 4096]);
    assert_eq!(app.put_bytes(&reporter, &url, bigger.clone()).await, 413);
    let streamed = app
        .client
        .put(app.url(&url))
        .bearer_auth(&reporter)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            bigger
                .chunks(1024)
                .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
                .collect::<Vec<_>>(),
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 413);
    // Other bytes of the same size do not match the declared hash.
    let mut altered = bytes.clone();
    altered[20] ^= 1;
    assert_eq!(app.put_bytes(&reporter, &url, altered).await, 400);
    // Only whoever began the upload may send it; without a token, 401.
    assert_eq!(app.put_bytes(&stranger, &url, bytes.clone()).await, 404);
    let anonymous = app
        .client
        .put(app.url(&url))
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    // …and only they can complete it.
    let theirs = app
        .gql(
            Some(&stranger),
            "mutation($i: UploadIdInput!) { completeUpload(input: $i) { upload { status } } }",
            json!({ "i": { "id": begun["upload"]["id"] } }),
        )
        .await;
    assert_eq!(error_code(&theirs), Some("NOT_FOUND"), "{theirs}");
    // Nothing received yet: completing says so.
    let early = app
        .gql(
            Some(&reporter),
            "mutation($i: UploadIdInput!) { completeUpload(input: $i) { upload { status } } }",
            json!({ "i": { "id": begun["upload"]["id"] } }),
        )
        .await;
    assert_eq!(error_code(&early), Some("BAD_USER_INPUT"), "{early}");
    assert_eq!(app.put_bytes(&reporter, &url, bytes.clone()).await, 204);

    // A viewer uploads nothing; another district's reporter attaches nothing to this report.
    let body = app
        .gql(
            Some(&viewer),
            begin,
            json!({ "i": { "filename": "a.pdf", "contentType": "application/pdf", "byteSize": 1, "sha256": sha, "purpose": "EVIDENCE" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let upload = app
        .upload(
            &stranger,
            "EVIDENCE",
            "x.pdf",
            "application/pdf",
            &pdf("stranger"),
        )
        .await;
    let body = app
        .gql(
            Some(&stranger),
            ATTACH,
            json!({ "i": { "uploadId": upload, "targetId": report["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    // An import upload is not evidence.
    let csv = "Mã,Tên\nX,Xã\n".as_bytes();
    let import = app
        .upload(&reporter, "IMPORT", "units.csv", "text/csv", csv)
        .await;
    let body = app
        .gql(
            Some(&reporter),
            ATTACH,
            json!({ "i": { "uploadId": import, "targetId": report["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");

    // An encrypted PDF is refused.
    let mut encrypted = pdf("secret");
    let at = encrypted.len() - 6;
    encrypted.splice(at..at, b"/Encrypt 9 0 R\n".iter().copied());
    let begun = app
        .begin_upload(
            &reporter,
            "EVIDENCE",
            "locked.pdf",
            "application/pdf",
            &encrypted,
        )
        .await;
    app.put_bytes(
        &reporter,
        begun["uploadUrl"].as_str().unwrap(),
        encrypted.clone(),
    )
    .await;
    let body = app
        .gql(
            Some(&reporter),
            "mutation($i: UploadIdInput!) { completeUpload(input: $i) { upload { status } } }",
            json!({ "i": { "id": begun["upload"]["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

async fn an_approved_reports_files_are_frozen(app: &TestApp) {
    let reporter = app.user_with("z-rep", Role::Reporter, "ST.D01").await;
    let manager = app.user_with("z-steer", Role::Steering, "ST").await;
    let report = draft_report(app, &reporter, "ST.D01").await;
    let first = app
        .upload(
            &reporter,
            "EVIDENCE",
            "scan.pdf",
            "application/pdf",
            &pdf("scan"),
        )
        .await;
    let attached = app
        .data(
            &reporter,
            ATTACH,
            json!({ "i": { "uploadId": first, "targetId": report["id"] } }),
        )
        .await["attachFile"]["attachment"]
        .clone();
    let submitted = app
        .data(
            &reporter,
            "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { version } } }",
            json!({ "i": { "id": report["id"], "version": report["version"] } }),
        )
        .await;
    let second = app
        .upload(
            &reporter,
            "EVIDENCE",
            "late.pdf",
            "application/pdf",
            &pdf("late"),
        )
        .await;
    // Sent for review: nothing added or removed.
    let body = app
        .gql(
            Some(&reporter),
            ATTACH,
            json!({ "i": { "uploadId": second, "targetId": report["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    app.data(
        &manager,
        "mutation($i: ReportStepInput!) { approveReport(input: $i) { report { status } } }",
        json!({ "i": { "id": report["id"], "version": submitted["submitReport"]["report"]["version"] } }),
    )
    .await;
    // Approved: frozen for good, for the steering committee too.
    let managers = app
        .upload(
            &manager,
            "EVIDENCE",
            "late.pdf",
            "application/pdf",
            &pdf("late"),
        )
        .await;
    for (token, upload) in [(&reporter, &second), (&manager, &managers)] {
        let body = app
            .gql(
                Some(token),
                ATTACH,
                json!({ "i": { "uploadId": upload, "targetId": report["id"] } }),
            )
            .await;
        assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
        let body = app
            .gql(
                Some(token),
                "mutation($i: DetachAttachmentInput!) { detachAttachment(input: $i) { detachedId } }",
                json!({ "i": { "id": attached["id"] } }),
            )
            .await;
        assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    }
    // The file is still there and readable.
    let listed = app
        .data(&manager, FILES, json!({ "id": report["id"] }))
        .await;
    assert_eq!(listed["node"]["attachments"].as_array().unwrap().len(), 1);
}

/// A stand-in ClamAV daemon: answers INSTREAM with FOUND for bytes holding the EICAR marker.
async fn fake_clamd() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut command = [0u8; 10];
                if socket.read_exact(&mut command).await.is_err() || &command != b"zINSTREAM\0" {
                    return;
                }
                let mut content = Vec::new();
                loop {
                    let mut len = [0u8; 4];
                    if socket.read_exact(&mut len).await.is_err() {
                        return;
                    }
                    let len = u32::from_be_bytes(len) as usize;
                    if len == 0 {
                        break;
                    }
                    let mut chunk = vec![0u8; len];
                    if socket.read_exact(&mut chunk).await.is_err() {
                        return;
                    }
                    content.extend_from_slice(&chunk);
                }
                let eicar = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE";
                let reply: &[u8] = if content.windows(eicar.len()).any(|w| w == eicar) {
                    b"stream: Eicar-Test-Signature FOUND\0"
                } else {
                    b"stream: OK\0"
                };
                let _ = socket.write_all(reply).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_virus_scanner_refuses_what_it_finds() {
    let clamd = fake_clamd().await;
    let app = TestApp::spawn_with(Backend::Sqlite, |mut c| {
        c.files.clamav = Some(clamd);
        c
    })
    .await;
    let reporter = app.user_with("v-rep", Role::Reporter, "ST.D01").await;
    app.upload(
        &reporter,
        "EVIDENCE",
        "clean.pdf",
        "application/pdf",
        &pdf("clean"),
    )
    .await;
    let infected = pdf("EICAR-STANDARD-ANTIVIRUS-TEST-FILE");
    let begun = app
        .begin_upload(
            &reporter,
            "EVIDENCE",
            "bad.pdf",
            "application/pdf",
            &infected,
        )
        .await;
    app.put_bytes(
        &reporter,
        begun["uploadUrl"].as_str().unwrap(),
        infected.clone(),
    )
    .await;
    let body = app
        .gql(
            Some(&reporter),
            "mutation($i: UploadIdInput!) { completeUpload(input: $i) { upload { status } } }",
            json!({ "i": { "id": begun["upload"]["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Eicar"),
        "{body}"
    );
    // Nothing of it was stored.
    let again = app
        .begin_upload(
            &reporter,
            "EVIDENCE",
            "bad.pdf",
            "application/pdf",
            &infected,
        )
        .await;
    assert_eq!(again["alreadyStored"], false);
    app.finish().await;
}

/// Files in the local store under `dir/files/<prefix>`.
fn stored(dir: &std::path::Path, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.join("files").join(prefix)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                found.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_uploads_and_unreferenced_files_are_collected() {
    let app = TestApp::spawn_with(Backend::Sqlite, |mut c| {
        c.files.upload_ttl = Duration::from_secs(2);
        c
    })
    .await;
    let dir = app.files.data_dir.clone();
    let reporter = app.user_with("g-rep", Role::Reporter, "ST.D01").await;
    let report = draft_report(&app, &reporter, "ST.D01").await;
    let kept = pdf("kept");
    let dropped = pdf("dropped");
    let upload = app
        .upload(&reporter, "EVIDENCE", "kept.pdf", "application/pdf", &kept)
        .await;
    app.data(
        &reporter,
        ATTACH,
        json!({ "i": { "uploadId": upload, "targetId": report["id"] } }),
    )
    .await;
    app.upload(
        &reporter,
        "EVIDENCE",
        "dropped.pdf",
        "application/pdf",
        &dropped,
    )
    .await;
    // Bytes sent, never completed.
    let abandoned = app
        .begin_upload(
            &reporter,
            "EVIDENCE",
            "abandoned.pdf",
            "application/pdf",
            &pdf("abandoned"),
        )
        .await;
    app.put_bytes(
        &reporter,
        abandoned["uploadUrl"].as_str().unwrap(),
        pdf("abandoned"),
    )
    .await;
    assert_eq!(stored(&dir, "uploads").len(), 1);
    assert_eq!(stored(&dir, "blobs").len(), 2);

    // Two days on, an instance collects: the abandoned bytes and the file nothing holds go.
    let later = app
        .another_instance(|mut c| {
            c.clock = qcdc::domain::clock::Clock::starting_at(
                chrono::Utc::now() + chrono::Duration::days(2),
            );
            c.files.collect_every = Duration::from_millis(200);
            c
        })
        .await;
    let kept_sha = qcdc::domain::files::sha256_hex(&kept);
    for _ in 0..100 {
        if stored(&dir, "uploads").is_empty() && stored(&dir, "blobs") == vec![kept_sha.clone()] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stored(&dir, "uploads").is_empty());
    assert_eq!(stored(&dir, "blobs"), vec![kept_sha]);
    // The attached file still downloads.
    let listed = app
        .data(&reporter, FILES, json!({ "id": report["id"] }))
        .await;
    let url = listed["node"]["attachments"][0]["downloadUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, body) = app.download(&url).await;
    assert_eq!(status, 200);
    assert!(body == kept);
    later.finish().await;
    app.finish().await;
}

/// The s3s-fs server (crates.io `s3s-fs`, feature `binary`) on a free port over `root`.
struct S3Server {
    child: std::process::Child,
    endpoint: String,
    _root: tempfile::TempDir,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const S3_KEY: &str = "qcdc-test-key";
const S3_SECRET: &str = "qcdc-test-secret-0123456789";

/// Starts s3s-fs with bucket `qcdc`; `None` (with a note) when it is not installed outside CI.
async fn s3_server() -> Option<S3Server> {
    let binary = std::env::var("QCDC_TEST_S3S_FS").unwrap_or_else(|_| "s3s-fs".into());
    if std::process::Command::new(&binary)
        .arg("--help")
        .output()
        .is_err()
    {
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!(
                "CI=true but {binary} is not installed: the S3 tests must run (.ci/run installs it)"
            );
        }
        eprintln!(
            "{binary} not installed: skipping the S3 run (cargo install s3s-fs --features binary)"
        );
        return None;
    }
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("qcdc")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(&binary)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--access-key",
            S3_KEY,
            "--secret-key",
            S3_SECRET,
        ])
        .arg(root.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let endpoint = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Some(S3Server {
        child,
        endpoint,
        _root: root,
    })
}

fn on_s3(endpoint: String) -> impl FnOnce(qcdc::config::Config) -> qcdc::config::Config {
    move |mut c| {
        c.files.s3 = Some(qcdc::storage::S3Settings {
            bucket: "qcdc".into(),
            endpoint: Some(endpoint),
            region: "us-east-1".into(),
            access_key_id: S3_KEY.into(),
            secret_access_key: S3_SECRET.into(),
        });
        c
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_round_trip_works_on_a_real_s3_server_sqlite() {
    let Some(s3) = s3_server().await else { return };
    let app = TestApp::spawn_with(Backend::Sqlite, on_s3(s3.endpoint.clone())).await;
    s3_round_trip(&app, &s3).await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_round_trip_works_on_a_real_s3_server_postgres() {
    if crate::support::postgres_url().is_none() {
        return;
    }
    let Some(s3) = s3_server().await else { return };
    let app = TestApp::spawn_with(Backend::Postgres, on_s3(s3.endpoint.clone())).await;
    s3_round_trip(&app, &s3).await;
    app.finish().await;
}

async fn s3_round_trip(app: &TestApp, s3: &S3Server) {
    // The bytes go straight to the bucket by a presigned URL, without qcdc's token.
    let reporter = app.user_with("s3-rep", Role::Reporter, "ST.D01").await;
    let begun = app
        .begin_upload(
            &reporter,
            "EVIDENCE",
            "s3.pdf",
            "application/pdf",
            &pdf("s3 probe"),
        )
        .await;
    let url = begun["uploadUrl"].as_str().unwrap();
    assert!(url.starts_with(&s3.endpoint), "{url}");
    assert_eq!(begun["authorizationRequired"], false);
    // A tampered signature is refused by the store itself.
    let tampered = url.replace("X-Amz-Signature=", "X-Amz-Signature=0");
    let res = app
        .client
        .put(&tampered)
        .body(pdf("s3 probe"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    round_trip(app).await;
}

on_both_databases!(
    attach_and_detach_by_role_in_and_out_of_scope,
    knowing_a_files_hash_gives_no_access_to_it,
);

/// Found from outside: anyone who knew a stored file's SHA-256 could "upload" it without its
/// bytes and read it; and a PDF named `.html` was saved by browsers as a page.
async fn knowing_a_files_hash_gives_no_access_to_it(app: &TestApp) {
    let owner = app.user_with("h-owner", Role::Reporter, "ST.D01").await;
    let stranger = app.user_with("h-stranger", Role::Reporter, "ST.D02").await;
    let secret = pdf("secret minutes");
    app.upload(
        &owner,
        "EVIDENCE",
        "minutes.pdf",
        "application/pdf",
        &secret,
    )
    .await;
    // The owner may skip sending the same bytes again…
    let again = app
        .begin_upload(
            &owner,
            "EVIDENCE",
            "minutes.pdf",
            "application/pdf",
            &secret,
        )
        .await;
    assert_eq!(again["alreadyStored"], true);
    // …a stranger with the hash may not, whatever size it declares, and cannot complete.
    let complete =
        "mutation($i: UploadIdInput!) { completeUpload(input: $i) { upload { status } } }";
    for size in [secret.len(), 1] {
        let begun = app
            .data(
                &stranger,
                "mutation($i: BeginUploadInput!) { beginUpload(input: $i) { upload { id } uploadUrl alreadyStored } }",
                json!({ "i": { "filename": "steal.pdf", "contentType": "application/pdf", "byteSize": size,
                    "sha256": qcdc::domain::files::sha256_hex(&secret), "purpose": "EVIDENCE" } }),
            )
            .await["beginUpload"]
            .clone();
        assert_eq!(begun["alreadyStored"], false, "{begun}");
        assert!(begun["uploadUrl"].is_string());
        let body = app
            .gql(
                Some(&stranger),
                complete,
                json!({ "i": { "id": begun["upload"]["id"] } }),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    }
    // A link does not carry the file's hash.
    let report = draft_report(app, &owner, "ST.D01").await;
    let upload = app
        .upload(
            &owner,
            "EVIDENCE",
            "minutes.pdf",
            "application/pdf",
            &secret,
        )
        .await;
    app.data(
        &owner,
        ATTACH,
        json!({ "i": { "uploadId": upload, "targetId": report["id"] } }),
    )
    .await;
    let listed = app.data(&owner, FILES, json!({ "id": report["id"] })).await;
    let url = listed["node"]["attachments"][0]["downloadUrl"]
        .as_str()
        .unwrap();
    let payload = url.rsplit('/').next().unwrap().split('.').nth(1).unwrap();
    let claims = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap(),
    )
    .unwrap();
    assert!(
        !claims.contains(&qcdc::domain::files::sha256_hex(&secret)),
        "{claims}"
    );

    // A PDF named as a page is refused when it completes.
    let polyglot = [
        b"%PDF-1.4\n<html><script>alert(1)</script></html>\n".as_slice(),
        &pdf("x")[9..],
    ]
    .concat();
    let begun = app
        .begin_upload(
            &owner,
            "EVIDENCE",
            "Biên bản.html",
            "application/pdf",
            &polyglot,
        )
        .await;
    app.put_bytes(
        &owner,
        begun["uploadUrl"].as_str().unwrap(),
        polyglot.clone(),
    )
    .await;
    let body = app
        .gql(
            Some(&owner),
            complete,
            json!({ "i": { "id": begun["upload"]["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

/// The authorisation matrix of `attachFile` and `detachAttachment` on a draft report: the
/// writers of the report's unit (STEERING and ADMIN above it, its UNIT_MANAGER and REPORTER);
/// a district role naming another district's report finds no such record; VIEWER uploads
/// nothing at all.
async fn attach_and_detach_by_role_in_and_out_of_scope(app: &TestApp) {
    let author = app.login("reporter").await;
    let mut tokens = Vec::new();
    for role in ["admin", "steering", "manager", "reporter", "viewer"] {
        tokens.push((role, app.login(role).await));
    }
    tokens.push((
        "d01admin",
        app.user_with("d01admin", Role::Admin, "ST.D01").await,
    ));
    let province_author = app.login("steering").await;
    let mut failures = Vec::new();
    for district in ["ST.D01", "ST.D02"] {
        for (role, token) in &tokens {
            let own = district == "ST.D01";
            let allowed = matches!(*role, "admin" | "steering")
                || (own && matches!(*role, "manager" | "reporter" | "d01admin"));
            let writer = if own { &author } else { &province_author };
            let report = draft_report(app, writer, district).await;
            let bytes = pdf(&format!("{role} {district}"));
            if *role == "viewer" {
                let begun = app
                    .gql(
                        Some(token),
                        "mutation($i: BeginUploadInput!) { beginUpload(input: $i) { uploadUrl } }",
                        json!({ "i": { "filename": "v.pdf", "contentType": "application/pdf", "byteSize": bytes.len(),
                            "sha256": qcdc::domain::files::sha256_hex(&bytes), "purpose": "EVIDENCE" } }),
                    )
                    .await;
                if error_code(&begun) != Some("FORBIDDEN") {
                    failures.push(format!("beginUpload by viewer: {begun}"));
                }
                continue;
            }
            let upload = app
                .upload(token, "EVIDENCE", "scan.pdf", "application/pdf", &bytes)
                .await;
            let body = app
                .gql(
                    Some(token),
                    ATTACH,
                    json!({ "i": { "uploadId": upload, "targetId": report["id"] } }),
                )
                .await;
            let expected = if allowed {
                None
            } else {
                Some("BAD_USER_INPUT")
            };
            if error_code(&body) != expected {
                failures.push(format!("attachFile by {role} on {district}: {body}"));
                continue;
            }
            if !allowed {
                continue;
            }
            // Someone else's file on the same report: detached by the same rule.
            let other = app
                .upload(
                    writer,
                    "EVIDENCE",
                    "other.pdf",
                    "application/pdf",
                    &pdf(&format!("other {role} {district}")),
                )
                .await;
            let theirs = app
                .data(
                    writer,
                    ATTACH,
                    json!({ "i": { "uploadId": other, "targetId": report["id"] } }),
                )
                .await["attachFile"]["attachment"]["id"]
                .clone();
            let body = app
                .gql(
                    Some(token),
                    "mutation($i: DetachAttachmentInput!) { detachAttachment(input: $i) { detachedId } }",
                    json!({ "i": { "id": theirs } }),
                )
                .await;
            if error_code(&body).is_some() {
                failures.push(format!("detachAttachment by {role} on {district}: {body}"));
            }
        }
    }
    // Out of scope, a district reporter neither sees nor detaches another district's files.
    let d02 = draft_report(app, &province_author, "ST.D02").await;
    let upload = app
        .upload(
            &province_author,
            "EVIDENCE",
            "d02.pdf",
            "application/pdf",
            &pdf("d02 only"),
        )
        .await;
    let theirs = app
        .data(
            &province_author,
            ATTACH,
            json!({ "i": { "uploadId": upload, "targetId": d02["id"] } }),
        )
        .await["attachFile"]["attachment"]["id"]
        .clone();
    let body = app
        .gql(
            Some(&author),
            "mutation($i: DetachAttachmentInput!) { detachAttachment(input: $i) { detachedId } }",
            json!({ "i": { "id": theirs } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let body = app
        .gql(
            Some(&author),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": theirs }),
        )
        .await;
    assert!(body["data"]["node"].is_null(), "{body}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
