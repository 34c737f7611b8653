//! Answers sent before the request body was read (a 413 for a declared length, a 404 or 405
//! with a body, a timeout, a panic): the unread rest is drained, within a bound, so the
//! connection stays usable; past the bound the answer says `Connection: close` and the
//! connection closes.
//!
//! Without this, hyper writes such an answer as if the connection were reusable and only then
//! gives up on the unread bytes and closes it, so a client that reuses the connection (reqwest,
//! browsers, proxies) sends its next request into a closed socket. Whether the rest of the body
//! had already arrived decided which: a race that only lost on a busy machine.

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::{Body, Bytes, HttpBody},
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};
use futures_util::StreamExt;
use tokio::sync::oneshot;

/// Most bytes of an unread body read and discarded to keep its connection open: twice the
/// largest body accepted, so a client that overshot the limit keeps its connection.
pub const DRAIN_LIMIT_BYTES: usize = 2 * super::BODY_LIMIT_BYTES;
/// Longest wait for the rest of an unread body before closing the connection instead.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// Middleware: hands the request on with its body watched; when the answer comes back and
/// the body was left unread, drains it or closes the connection. Also gives every error answer
/// that is not JSON (a 413 from whichever layer refused the body, a 408, a 404, a 405, a
/// caught panic) the GraphQL error shape, a code and the request id (`http::answer::json_errors`).
pub async fn finish(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let audience = super::answer::Audience::from_headers(request.headers());
    let (back, mut returned) = oneshot::channel();
    let request = request.map(|body| {
        Body::new(Watched {
            inner: body,
            ended: false,
            back: Some(back),
        })
    });
    let mut response = super::answer::json_errors(&audience, next.run(request).await).await;
    // A switch of protocols keeps the connection by definition.
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        return response;
    }
    let reusable = match returned.try_recv() {
        // The body was read to its end.
        Err(oneshot::error::TryRecvError::Closed) => true,
        Ok(unread) => declared.is_none_or(|n| n <= DRAIN_LIMIT_BYTES as u64) && drain(unread).await,
        // Something still holds the body, so it cannot be drained here.
        Err(oneshot::error::TryRecvError::Empty) => false,
    };
    if !reusable {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Reads and discards the rest of `body`; whether it ended within the bounds.
async fn drain(body: Body) -> bool {
    let mut stream = body.into_data_stream();
    let mut left = DRAIN_LIMIT_BYTES;
    let read = async {
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(data) if data.len() <= left => left -= data.len(),
                _ => return false,
            }
        }
        true
    };
    tokio::time::timeout(DRAIN_TIMEOUT, read)
        .await
        .unwrap_or(false)
}

/// The request body as the inner layers see it. Dropped before its end, it hands the body
/// back to [`finish`] instead of letting it go: dropping it is what makes hyper give up on the
/// connection.
struct Watched {
    inner: Body,
    ended: bool,
    back: Option<oneshot::Sender<Body>>,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(None) = polled {
            self.ended = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if !self.is_end_stream()
            && let Some(back) = self.back.take()
        {
            // `finish` may be gone already (the answer was sent); then so is the need.
            let _ = back.send(std::mem::take(&mut self.inner));
        }
    }
}
