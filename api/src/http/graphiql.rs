//! The GraphiQL page at `GET /graphql` (for a browser asking for `text/html`; see
//! `http::answer::negotiate`) and its assets, embedded in the binary: the page loads
//! nothing from another host, so the IDE works on a network without internet, and its
//! Content-Security-Policy keeps it that way.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Where the assets are served, relative to the page (served at the endpoint itself), so the
/// page keeps working behind a proxy that mounts qcdc under a prefix.
const ASSET_PATH: &str = "graphiql/assets";

/// One embedded file: its name in the URL, its media type, its bytes and, for the large ones,
/// the same bytes gzipped by `update.sh`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    gzip: Option<&'static [u8]>,
}

/// The pinned GraphiQL release (`api/assets/graphiql/dist`, copied by its `update.sh`) and the
/// page's own script and style.
const ASSETS: &[Asset] = &[
    Asset {
        name: "react.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../assets/graphiql/dist/react.production.min.js"),
        gzip: Some(include_bytes!(
            "../../assets/graphiql/dist/react.production.min.js.gz"
        )),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../assets/graphiql/dist/react-dom.production.min.js"),
        gzip: Some(include_bytes!(
            "../../assets/graphiql/dist/react-dom.production.min.js.gz"
        )),
    },
    Asset {
        name: "graphiql.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../assets/graphiql/dist/graphiql.min.js"),
        gzip: Some(include_bytes!(
            "../../assets/graphiql/dist/graphiql.min.js.gz"
        )),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../assets/graphiql/dist/graphiql.min.css"),
        gzip: Some(include_bytes!(
            "../../assets/graphiql/dist/graphiql.min.css.gz"
        )),
    },
    Asset {
        name: "qcdc-graphiql.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../assets/graphiql/qcdc-graphiql.js"),
        gzip: None,
    },
    Asset {
        name: "qcdc-graphiql.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../assets/graphiql/qcdc-graphiql.css"),
        gzip: None,
    },
];

/// A digest of every asset, part of each asset's URL: a new release changes the URLs, so the
/// assets can be cached for a year without a browser ever mixing two releases.
static TAG: LazyLock<String> = LazyLock::new(|| {
    let mut digest = Sha256::new();
    for asset in ASSETS {
        digest.update(asset.name.as_bytes());
        digest.update((asset.body.len() as u64).to_le_bytes());
        digest.update(asset.body);
    }
    digest
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
});

/// The GraphiQL page, with a Content-Security-Policy that admits only this origin.
pub fn page(headers: &HeaderMap) -> Response {
    let nonce = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>());
    let tag = TAG.as_str();
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="robots" content="noindex">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>qcdc · GraphiQL</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="{ASSET_PATH}/{tag}/graphiql.min.css">
    <link rel="stylesheet" href="{ASSET_PATH}/{tag}/qcdc-graphiql.css">
  </head>
  <body>
    <div id="graphiql">Loading…</div>
    <script src="{ASSET_PATH}/{tag}/react.production.min.js"></script>
    <script src="{ASSET_PATH}/{tag}/react-dom.production.min.js"></script>
    <script src="{ASSET_PATH}/{tag}/graphiql.min.js"></script>
    <script src="{ASSET_PATH}/{tag}/qcdc-graphiql.js" nonce="{nonce}"></script>
  </body>
</html>
"#
    );
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The nonce is fresh on every response, so no copy may be reused.
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::VARY, "Accept"),
        ],
        html,
    )
        .into_response();
    if let Ok(policy) = HeaderValue::from_str(&content_security_policy(headers, &nonce)) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// Only this origin: scripts and styles from the embedded files (plus the `<style>` elements
/// GraphiQL's dialogs add, admitted by the page's nonce), fonts and images from the CSS's own
/// `data:` URLs, requests to `/graphql` over HTTP and WebSocket. The WebSocket origin is named
/// as well as `'self'` because browsers older than CSP level 3 do not match `ws:` to `'self'`.
fn content_security_policy(headers: &HeaderMap, nonce: &str) -> String {
    let sockets = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        // A Host that is not a plain host[:port] could smuggle directives into the policy.
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .map(|h| format!(" ws://{h} wss://{h}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'{sockets}; \
         object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// `GET /graphiql/assets/{tag}/{file}`: one embedded asset of the current release, gzipped when
/// the browser accepts it.
pub async fn asset(Path((tag, name)): Path<(String, String)>, headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS
        .iter()
        .find(|a| a.name == name)
        .filter(|_| tag == *TAG)
    else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        asset.body,
    )
        .into_response();
    if let Some(gzip) = asset.gzip {
        let headers_out = response.headers_mut();
        headers_out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if accepts_gzip(&headers) {
            headers_out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            *response.body_mut() = axum::body::Body::from(gzip);
        }
    }
    response
}

/// Whether `Accept-Encoding` admits gzip (named, or `*`, and not with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_sent_only_where_accepted() {
        let encoding = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
            accepts_gzip(&headers)
        };
        assert!(encoding("gzip, deflate, br, zstd"));
        assert!(encoding("br;q=1.0, gzip;q=0.8"));
        assert!(encoding("*"));
        assert!(!encoding("gzip;q=0"));
        assert!(!encoding("br, identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn a_hostile_host_adds_no_directive() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::HOST,
            HeaderValue::from_static("x; script-src https://evil.example"),
        );
        let policy = content_security_policy(&headers, "n");
        assert!(!policy.contains("evil"));
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        let policy = content_security_policy(&headers, "n");
        assert!(policy.contains("connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080;"));
    }
}
