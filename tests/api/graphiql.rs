//! The GraphiQL page works on a network without internet: everything it loads comes from the
//! server itself, and its Content-Security-Policy admits nothing else.

use reqwest::Url;
use serde_json::Value;

use crate::support::{Backend, TestApp, error_code};

/// The value of every `src="…"` and `href="…"` attribute in the page.
fn references(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = page;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').expect("closing quote");
            found.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    found
}

/// The directive `name` of a policy, without its name.
fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
    policy
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix(name))
        .unwrap_or_else(|| panic!("no {name} in {policy}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_loads_only_what_the_server_itself_serves() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let endpoint = Url::parse(&app.url("/graphql")).unwrap();
    let open = || {
        app.client
            .get(endpoint.clone())
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
    };
    let res = open().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let headers = res.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(headers["cache-control"], "no-store");
    let policy = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = res.text().await.unwrap();

    // Only this origin; no inline script; inline style only by this response's nonce.
    assert_eq!(directive(&policy, "default-src "), "'self'");
    assert_eq!(directive(&policy, "script-src "), "'self'");
    let host = endpoint.authority();
    assert_eq!(
        directive(&policy, "connect-src "),
        format!("'self' ws://{host} wss://{host}")
    );
    let nonce = directive(&policy, "style-src 'self' 'nonce-")
        .strip_suffix('\'')
        .unwrap()
        .to_owned();
    assert!(page.contains(&format!("nonce=\"{nonce}\"")));
    for source in ["img-src ", "font-src "] {
        assert_eq!(directive(&policy, source), "'self' data:", "{source}");
    }
    assert!(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"));
    assert!(!page.contains("<style"), "the page's styles are files");
    // A nonce is good for one response only.
    let again = open().await.unwrap();
    let other = again.headers()["content-security-policy"].to_str().unwrap();
    assert!(!other.contains(&nonce));

    // No URL to another host, and every file the page names is served here, with its type.
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("//"),
        "{page}"
    );
    let mut scripts = 0;
    let mut styles = 0;
    for reference in references(&page) {
        if reference.starts_with("data:") {
            continue;
        }
        let url = endpoint.join(&reference).unwrap();
        assert_eq!(url.origin(), endpoint.origin(), "{reference}");
        let asset = app.client.get(url.clone()).send().await.unwrap();
        assert_eq!(asset.status().as_u16(), 200, "{url}");
        let kind = asset.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            asset.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable"),
            "{url}"
        );
        assert_eq!(asset.headers()["x-content-type-options"], "nosniff");
        let body = asset.text().await.unwrap();
        if reference.ends_with(".js") {
            assert!(kind.starts_with("text/javascript"), "{url}: {kind}");
            scripts += 1;
        } else if reference.ends_with(".css") {
            assert!(kind.starts_with("text/css"), "{url}: {kind}");
            // Fonts and images come inside the CSS, never from another host.
            for (i, _) in body.match_indices("url(") {
                let target = body[i + 4..].trim_start_matches(['"', '\'']);
                assert!(target.starts_with("data:"), "{url}: {}", &body[i..i + 60]);
            }
            assert!(!body.contains("@import"), "{url}");
            styles += 1;
        } else {
            panic!("unexpected reference {reference}");
        }
    }
    // React, ReactDOM, GraphiQL and the page's own script; GraphiQL's styles and the page's.
    assert_eq!((scripts, styles), (4, 2));

    let tagged = references(&page)
        .into_iter()
        .find(|r| r.ends_with("/graphiql.min.js"))
        .unwrap();
    // A browser that accepts gzip gets the precompressed copy; a client that does not, the file.
    let script = endpoint.join(&tagged).unwrap();
    let plain = app.client.get(script.clone()).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.headers()["vary"], "Accept-Encoding");
    let plain = plain.bytes().await.unwrap();
    let zipped = app
        .client
        .get(script)
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let zipped = zipped.bytes().await.unwrap();
    assert_eq!(&zipped[..2], &[0x1f, 0x8b], "gzip magic");
    assert!(
        zipped.len() * 2 < plain.len(),
        "{} of {}",
        zipped.len(),
        plain.len()
    );

    // An asset of another release, or a name that is no asset, is not found.
    for name in ["Cargo.toml", "..%2F..%2FCargo.toml", "graphiql.min.js.map"] {
        let url = endpoint
            .join(&tagged.replace("graphiql.min.js", name))
            .unwrap();
        let res = app.client.get(url.clone()).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 404, "{url}");
    }
    let stale = app.url("/graphiql/assets/0000000000000000/graphiql.min.js");
    let res = app.client.get(&stale).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_get_that_asks_for_json_gets_no_page_and_runs_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let login = r#"mutation { login(username: "admin", password: "qcdc-demo") { accessToken } }"#;
    for accept in [
        "application/json",
        "application/graphql-response+json, application/json;q=0.9",
    ] {
        let res = app
            .client
            .get(app.url("/graphql"))
            .header("accept", accept)
            .query(&[("query", login)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 405, "{accept}");
        assert_eq!(res.headers()["allow"], "POST");
        assert!(res.headers().get("content-security-policy").is_none());
        let body: Value = res.json().await.unwrap();
        assert_eq!(error_code(&body), Some("BAD_REQUEST"));
        assert!(body.get("data").is_none(), "{body}");
    }
    app.finish().await;
}
