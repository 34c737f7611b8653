//! The client's address, as throttling, the audit log and the request log see it.
//!
//! Behind a reverse proxy every connection comes from the proxy, so the address is taken from
//! `X-Forwarded-For`, but only when the connection comes from a proxy the operator trusts
//! (`QCDC_TRUSTED_PROXIES`); from anyone else the header is ignored, or a client could claim
//! any address and escape its sign-in throttle. The header is read from the right, as nginx's
//! `real_ip_recursive on` reads it: each trusted proxy appends the address it saw, so the
//! rightmost address that is not a trusted proxy is the client; what lies to its left was
//! written by the client and proves nothing.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;

/// The address of the client a request is for, once proxies are accounted for; an extension
/// of every request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The networks whose connections may name the client in `X-Forwarded-For`.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client of a request that arrived from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        // Several header lines are one list (RFC 9110 §5.3), in order. Read as bytes, entry by
        // entry: a client can put any byte left of the address its proxy appends, and a line
        // refused whole would throw that address away with the client's garbage.
        let hops: Vec<&[u8]> = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|v| v.as_bytes().split(|b| *b == b','))
            .map(<[u8]>::trim_ascii)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(address) = parse_hop(hop) else {
                // Garbage a proxy would not write: stop at the last hop that vouches for it.
                break;
            };
            client = address;
            if !self.contains(address) {
                break;
            }
        }
        client
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:a.b.c.d`, as a dual-stack listener reports it)
/// is the IPv4 address, so one list of proxies and one throttle key serve both.
pub(crate) fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`), as some proxies write them.
fn parse_hop(hop: &[u8]) -> Option<IpAddr> {
    let hop = std::str::from_utf8(hop).ok()?;
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(canonical)
}

/// Parses `QCDC_TRUSTED_PROXIES`: addresses or CIDR networks, separated by commas.
pub fn parse_list(text: &str) -> Result<TrustedProxies, String> {
    let mut nets = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let net = entry
            .parse::<IpNet>()
            .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
            .map_err(|_| {
                format!("expected an address or a network such as 10.0.0.0/8, got `{entry}`")
            })?;
        nets.push(net);
    }
    Ok(TrustedProxies(nets))
}

/// Puts the [`ClientAddress`] of each request among its extensions, before anything else
/// (the request log included) looks at it.
pub async fn resolve(
    State(trusted): State<std::sync::Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let client = trusted.client(peer.ip(), request.headers());
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let trusted = parse_list("10.0.0.1").unwrap();
        assert_eq!(
            trusted.client(ip("203.0.113.7"), &headers(&["198.51.100.1"])),
            ip("203.0.113.7")
        );
        let nobody = TrustedProxies::default();
        assert_eq!(
            nobody.client(ip("10.0.0.1"), &headers(&["198.51.100.1"])),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_rightmost_untrusted_hop() {
        let trusted = parse_list("10.0.0.0/8, 127.0.0.1").unwrap();
        // The client wrote the first entry itself; the proxy appended the real address.
        let sent = headers(&["198.51.100.1, 203.0.113.7"]);
        assert_eq!(trusted.client(ip("127.0.0.1"), &sent), ip("203.0.113.7"));
        // Two proxies in a row, the header split over two lines.
        let sent = headers(&["198.51.100.1, 203.0.113.7", "10.1.2.3"]);
        assert_eq!(trusted.client(ip("10.0.0.5"), &sent), ip("203.0.113.7"));
    }

    #[test]
    fn a_trusted_proxy_without_a_header_or_with_garbage_is_itself_the_client() {
        let trusted = parse_list("127.0.0.1").unwrap();
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &headers(&["203.0.113.7, unknown"])),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn ports_and_mapped_addresses_are_read_as_addresses() {
        let trusted = parse_list("127.0.0.1").unwrap();
        assert_eq!(
            trusted.client(ip("::ffff:127.0.0.1"), &headers(&["203.0.113.7:5000"])),
            ip("203.0.113.7")
        );
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &headers(&["[2001:db8::1]:443"])),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn bytes_a_client_writes_left_of_its_address_do_not_hide_it() {
        let trusted = parse_list("127.0.0.1").unwrap();
        let mut h = HeaderMap::new();
        h.append(
            "x-forwarded-for",
            axum::http::HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.7").unwrap(),
        );
        assert_eq!(trusted.client(ip("127.0.0.1"), &h), ip("203.0.113.7"));
    }

    #[test]
    fn all_trusted_hops_leave_the_leftmost() {
        let trusted = parse_list("10.0.0.0/8").unwrap();
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &headers(&["10.9.9.9, 10.0.0.2"])),
            ip("10.9.9.9")
        );
    }

    #[test]
    fn the_list_refuses_what_is_not_an_address() {
        assert!(parse_list("10.0.0.0/8, nginx").is_err());
        assert!(parse_list("").unwrap().0.is_empty());
        assert_eq!(parse_list("::1, 192.168.0.0/16").unwrap().0.len(), 2);
    }
}
