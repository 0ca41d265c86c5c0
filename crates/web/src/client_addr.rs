//! Who sent a request, and whether it reached us over HTTPS: decided once per request, by the
//! outermost layer ([`crate::client_cert::from_proxies`]), and read through [`Client::of`]
//! everywhere an address matters — the audit log, the per-address limits, the office ranges
//! that skip a one-time password, `/metrics`.
//!
//! The TCP peer is the client, unless the peer is one of `server.trusted_proxies` (on the plain
//! listener: a proxy talks to that one). Then the client is taken from `X-Forwarded-For`,
//! read from the right: each proxy appends the address it received the request from, so the
//! rightmost address that is not a trusted proxy is the first one no proxy of ours can vouch
//! for — whatever the client itself wrote to the left of it is ignored. An unreadable entry
//! stops the walk at the last address a trusted hop gave. `X-Forwarded-Proto: https` from a
//! trusted proxy says the browser used HTTPS (cookies get `Secure`, HSTS is sent). From
//! anybody else both headers mean nothing.

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use std::net::{IpAddr, SocketAddr};

/// The client of a request, after the trusted proxies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client {
    /// `None` only when the request came from no socket (never in `serve`).
    pub ip: Option<IpAddr>,
    /// Over TLS: our own listener, or a trusted proxy saying `X-Forwarded-Proto: https`.
    pub https: bool,
}

impl Client {
    /// The client [`resolve`]d for this request; before that layer ran (a router without it),
    /// the TCP peer, over plain HTTP.
    pub fn of(extensions: &Extensions) -> Client {
        extensions.get::<Client>().copied().unwrap_or_else(|| Client {
            ip: extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_canonical()),
            https: false,
        })
    }
}

/// The client of a request from `peer` with `headers`. `tls_here`: it came over our own TLS
/// listener (no proxy in between, so the forwarding headers are not believed); `trusted`:
/// whether an address is one of `server.trusted_proxies`.
pub fn resolve(peer: Option<IpAddr>, tls_here: bool, headers: &HeaderMap, trusted: impl Fn(IpAddr) -> bool) -> Client {
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    let Some(peer) = peer.map(|ip| ip.to_canonical()) else {
        return Client { ip: None, https: tls_here };
    };
    if tls_here || !trusted(peer) {
        return Client { ip: Some(peer), https: tls_here };
    }
    // Several headers are one list, in order (RFC 9110 §5.3).
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else { break };
        client = ip;
        if !trusted(ip) {
            break;
        }
    }
    // The proxy sets it (nginx `$scheme`); if a list came through, its last word is the proxy's.
    let https = headers
        .get_all("x-forwarded-proto")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    Client { ip: Some(client), https }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`) or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let ip = hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| hop.strip_prefix('[').and_then(|h| h.strip_suffix(']')).and_then(|h| h.parse().ok()))?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn trusted(ip: IpAddr) -> bool {
        ["127.0.0.1", "10.0.0.1", "10.0.0.2"].iter().any(|t| t.parse::<IpAddr>().ok() == Some(ip))
    }

    fn client(peer: &str, tls: bool, headers: &[(&'static str, &'static str)]) -> (String, bool) {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(*k, HeaderValue::from_static(v));
        }
        let c = resolve(Some(peer.parse().unwrap()), tls, &map, trusted);
        (c.ip.map(|ip| ip.to_string()).unwrap_or_default(), c.https)
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let xff = "x-forwarded-for";
        assert_eq!(client("127.0.0.1", false, &[(xff, "203.0.113.7")]), ("203.0.113.7".into(), false));
        // What the client wrote itself (left of the hop our proxy saw) is ignored.
        assert_eq!(client("127.0.0.1", false, &[(xff, "1.2.3.4, 203.0.113.7")]), ("203.0.113.7".into(), false));
        // Through two trusted proxies.
        assert_eq!(client("127.0.0.1", false, &[(xff, "1.2.3.4, 203.0.113.7, 10.0.0.2")]).0, "203.0.113.7");
        // Two header lines are one list; ports and brackets are read.
        assert_eq!(client("127.0.0.1", false, &[(xff, "1.2.3.4"), (xff, "203.0.113.7:4711")]).0, "203.0.113.7");
        assert_eq!(client("127.0.0.1", false, &[(xff, "[2001:db8::1]:80")]).0, "2001:db8::1");
        assert_eq!(client("::ffff:127.0.0.1", false, &[(xff, "::ffff:198.51.100.1")]).0, "198.51.100.1");
        // Garbage stops the walk at the last address a trusted hop gave.
        assert_eq!(client("127.0.0.1", false, &[(xff, "203.0.113.7, garbage, 10.0.0.2")]).0, "10.0.0.2");
        // Only trusted hops: the leftmost.
        assert_eq!(client("127.0.0.1", false, &[(xff, "10.0.0.1, 10.0.0.2")]).0, "10.0.0.1");
        // No header: the proxy itself.
        assert_eq!(client("127.0.0.1", false, &[]).0, "127.0.0.1");
    }

    #[test]
    fn nobody_else_and_never_on_our_own_tls_listener() {
        let headers = [("x-forwarded-for", "203.0.113.7"), ("x-forwarded-proto", "https")];
        assert_eq!(client("198.18.0.9", false, &headers), ("198.18.0.9".into(), false));
        assert_eq!(client("127.0.0.1", true, &headers), ("127.0.0.1".into(), true));
        assert_eq!(client("127.0.0.1", false, &headers), ("203.0.113.7".into(), true));
        assert!(!client("127.0.0.1", false, &[("x-forwarded-proto", "http")]).1);
        assert!(!client("127.0.0.1", false, &[("x-forwarded-proto", "https, http")]).1);
    }
}
