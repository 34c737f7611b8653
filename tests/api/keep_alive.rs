//! Kept-alive connections across refusals: an answer sent before the request body was read
//! either leaves the connection ready for the next request or says `Connection: close` and
//! closes it, so a client reusing connections never sends a request into a dead one.
//!
//! Spoken over raw TCP, byte for byte, so nothing in a client library hides what the server did.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{
        TcpStream,
        tcp::{OwnedReadHalf, OwnedWriteHalf},
    },
};

use crate::support::{Backend, TestApp};

/// Guards against a hang only; every wait below ends on an event long before it.
const NO_HANG: Duration = Duration::from_secs(60);

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn closes(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")))
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Reads one response (interim `100 Continue` included) off the connection.
async fn read_answer(reader: &mut BufReader<OwnedReadHalf>) -> std::io::Result<Answer> {
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a status line: {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':').expect("header line");
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut answer = Answer {
        status,
        headers,
        body: Vec::new(),
    };
    if status == 100 {
        return Ok(answer);
    }
    if let Some(length) = answer.header("content-length") {
        let mut body = vec![0; length.parse().expect("content-length")];
        reader.read_exact(&mut body).await?;
        answer.body = body;
    } else if answer
        .header("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        loop {
            line.clear();
            reader.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16).expect("chunk size");
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).await?;
            if size == 0 {
                break;
            }
            answer.body.extend_from_slice(&chunk[..size]);
        }
    }
    Ok(answer)
}

/// How a refused request is sent.
enum Send {
    /// Head and body at once, as reqwest and browsers do.
    Eagerly,
    /// `Expect: 100-continue`: the body only after the server asks for it, as curl does for
    /// large bodies. The server's answer then always comes before the body is read.
    AfterContinue,
    /// The head only: a body declared too large to be worth sending.
    HeadOnly,
}

struct Refused {
    what: &'static str,
    method: &'static str,
    path: &'static str,
    headers: String,
    body: Vec<u8>,
    send: Send,
    status: u16,
}

fn refused(
    what: &'static str,
    (method, path): (&'static str, &'static str),
    content_type: &str,
    body: Vec<u8>,
    send: Send,
    status: u16,
) -> Refused {
    let headers = format!(
        "Content-Type: {content_type}\r\nContent-Length: {}\r\n{}",
        body.len(),
        if matches!(send, Send::AfterContinue) {
            "Expect: 100-continue\r\n"
        } else {
            ""
        }
    );
    Refused {
        what,
        method,
        path,
        headers,
        body,
        send,
        status,
    }
}

fn oversized() -> Vec<u8> {
    let padding = "x".repeat(qcdc::http::BODY_LIMIT_BYTES + 10);
    json!({ "query": "{ __typename }", "variables": { "pad": padding } })
        .to_string()
        .into_bytes()
}

/// Writes `bytes` from a task of its own, so the response can be read meanwhile (a server
/// that answers early must not deadlock the test); hands the write half back when done.
fn write_in_background(
    mut writer: OwnedWriteHalf,
    bytes: Vec<u8>,
) -> tokio::task::JoinHandle<OwnedWriteHalf> {
    tokio::spawn(async move {
        // A server that closes without reading may reset the connection mid-body; what it
        // answered is judged from the response, not from this write.
        let _ = writer.write_all(&bytes).await;
        writer
    })
}

/// Sends `case` on a fresh connection, then one more request the way a client that reuses
/// connections would: on the same connection unless the answer said `Connection: close`.
/// Returns the answer to `case`.
async fn refusal_then_next_request(app: &TestApp, case: Refused) -> Answer {
    let what = case.what;
    let authority = app.base.trim_start_matches("http://").to_owned();
    let (reader, writer) = TcpStream::connect(&authority).await.unwrap().into_split();
    let mut reader = BufReader::new(reader);
    let mut writer = Some(writer);
    let head = format!(
        "{} {} HTTP/1.1\r\nHost: {authority}\r\n{}\r\n",
        case.method, case.path, case.headers
    );
    let mut body = Some(case.body);
    let mut writing = None;
    if let Some(w) = writer.as_mut() {
        w.write_all(head.as_bytes()).await.unwrap();
    }
    if matches!(case.send, Send::Eagerly) {
        writing = writer
            .take()
            .zip(body.take())
            .map(|(w, b)| write_in_background(w, b));
    }
    let answer = loop {
        let answer = tokio::time::timeout(NO_HANG, read_answer(&mut reader))
            .await
            .unwrap_or_else(|_| panic!("{what}: no answer"))
            .unwrap_or_else(|e| panic!("{what}: the connection failed before an answer: {e}"));
        if answer.status != 100 {
            break answer;
        }
        assert!(
            matches!(case.send, Send::AfterContinue),
            "{what}: 100 Continue unasked"
        );
        writing = writer
            .take()
            .zip(body.take())
            .map(|(w, b)| write_in_background(w, b));
    };
    assert_eq!(answer.status, case.status, "{what}");
    if body.is_some() {
        assert!(
            answer.closes(),
            "{what}: answered before the body was sent, yet without Connection: close"
        );
    }
    let writer = match writing {
        Some(task) => task.await.unwrap(),
        None => writer.expect("the write half"),
    };

    let next = format!("GET /healthz HTTP/1.1\r\nHost: {authority}\r\n\r\n");
    let next_answer = if answer.closes() {
        // The connection ends: no further answer can come on it.
        let mut rest = Vec::new();
        let end = tokio::time::timeout(NO_HANG, reader.read_to_end(&mut rest))
            .await
            .unwrap_or_else(|_| panic!("{what}: Connection: close, but the connection stays open"));
        assert!(
            end.is_err() || rest.is_empty(),
            "{what}: bytes after the answer"
        );
        drop(writer);
        let (reader, mut writer) = TcpStream::connect(&authority).await.unwrap().into_split();
        writer.write_all(next.as_bytes()).await.unwrap();
        read_answer(&mut BufReader::new(reader)).await
    } else {
        let mut writer = writer;
        let sent = writer.write_all(next.as_bytes()).await;
        assert!(sent.is_ok(), "{what}: the kept-alive connection is gone");
        tokio::time::timeout(NO_HANG, read_answer(&mut reader))
            .await
            .unwrap_or_else(|_| panic!("{what}: no answer to the next request"))
    };
    let next_answer = next_answer.unwrap_or_else(|e| {
        panic!("{what}: the next request on the kept-alive connection failed: {e}")
    });
    assert_eq!(next_answer.status, 200, "{what}: the next request");
    assert_eq!(next_answer.body, b"ok", "{what}: the next request");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_early_refusal_leaves_the_connection_usable() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let json = "application/json";
    let graphql = ("POST", "/graphql");
    let token = ("POST", "/oauth/token");
    let form = "application/x-www-form-urlencoded";
    let some_body = || vec![b'x'; 256 * 1024];

    // Refused for its declared length, before any of the body is read.
    for send in [Send::Eagerly, Send::AfterContinue] {
        let answer = refusal_then_next_request(
            &app,
            refused(
                "413 (declared length)",
                graphql,
                json,
                oversized(),
                send,
                413,
            ),
        )
        .await;
        let body = answer.json();
        assert_eq!(
            crate::support::error_code(&body),
            Some("PAYLOAD_TOO_LARGE"),
            "{body}"
        );
        assert!(
            body["errors"][0]["extensions"]["requestId"].is_string(),
            "{body}"
        );
    }
    // Declared far beyond what is worth reading: the answer comes at once and closes.
    let declared = 64 * 1024 * 1024;
    let answer = refusal_then_next_request(
        &app,
        Refused {
            what: "413 (declared length past the drain limit)",
            method: "POST",
            path: "/graphql",
            headers: format!("Content-Type: {json}\r\nContent-Length: {declared}\r\n"),
            body: Vec::new(),
            send: Send::HeadOnly,
            status: 413,
        },
    )
    .await;
    assert!(answer.closes());
    // No declared length: refused once the limit is crossed, the rest left unread.
    let mut chunked = Vec::new();
    for chunk in oversized().chunks(64 * 1024) {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = refusal_then_next_request(
        &app,
        Refused {
            what: "413 (chunked)",
            method: "POST",
            path: "/graphql",
            headers: format!("Content-Type: {json}\r\nTransfer-Encoding: chunked\r\n"),
            body: chunked,
            send: Send::Eagerly,
            status: 413,
        },
    )
    .await;
    assert_eq!(
        crate::support::error_code(&answer.json()),
        Some("PAYLOAD_TOO_LARGE")
    );

    // Refused by routing, which never reads a body.
    for send in [Send::Eagerly, Send::AfterContinue] {
        refusal_then_next_request(
            &app,
            refused("405", ("PUT", "/graphql"), json, some_body(), send, 405),
        )
        .await;
    }
    refusal_then_next_request(
        &app,
        refused(
            "404",
            ("POST", "/nowhere"),
            json,
            some_body(),
            Send::AfterContinue,
            404,
        ),
    )
    .await;

    // Refused by the handlers, which read the body first.
    let operation = json!({ "query": "{ __typename }" })
        .to_string()
        .into_bytes();
    let batch = json!([{ "query": "{ __typename }" }])
        .to_string()
        .into_bytes();
    let wrong_client =
        b"grant_type=client_credentials&client_id=nobody&client_secret=wrong".to_vec();
    for (what, route, content_type, body, status) in [
        ("415", graphql, "text/plain", operation.clone(), 415),
        ("400 (batch)", graphql, json, batch, 400),
        ("401 (token endpoint)", token, form, wrong_client, 401),
        (
            "400 (token endpoint, not a form)",
            token,
            json,
            operation,
            400,
        ),
    ] {
        refusal_then_next_request(
            &app,
            refused(what, route, content_type, body, Send::AfterContinue, status),
        )
        .await;
    }
    app.finish().await;
}
