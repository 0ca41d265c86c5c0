//! The browser's client certificate, as the handlers see it.
//!
//! A request carries a [`PeerCertificate`] extension (the DER of the client's leaf
//! certificate) when either
//!
//! * it came over the TLS listener of `serve` ([`crate::listener::serve_tls`]) and the browser
//!   presented a certificate in the handshake, or
//! * it came over the plain listener from a trusted reverse proxy (`server.trusted_proxies`)
//!   that put the certificate it received into `server.client_cert_header` (nginx:
//!   `$ssl_client_escaped_cert`, URL-escaped PEM) — see [`from_proxies`].
//!
//! The header is removed from every request before any handler runs, and believed only in
//! the second case: from anybody else (a browser, or any request on our own TLS listener)
//! it is dropped with a warning, so a client cannot name a certificate it does not hold.
//!
//! **Nothing here checks the certificate.** At the TLS layer any chain is accepted, as long
//! as the client proved it holds the certificate's key (see [`crate::tls::OptionalClientCert`]),
//! so that an expired, revoked or foreign certificate reaches the application and the user
//! gets a page that explains, instead of a browser error. Every use must verify it with
//! `madoguchi_ca::Authority::verify_client` (issuer, validity, revocation), e.g.
//! `state.ca(portal_id)?.verify_client(cert.der(), …)`.
//!
//! Handlers take it as `Option<PeerCertificate>` (or `Option<Extension<PeerCertificate>>`).

use crate::client_addr;
use axum::Router;
use axum::extract::{ConnectInfo, OptionalFromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue};
use ipnet::IpNet;
use madoguchi_core::config::ServerSettings;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// DER of the client's leaf certificate (unverified: see the module documentation).
#[derive(Clone, PartialEq, Eq)]
pub struct PeerCertificate(pub Arc<[u8]>);

impl PeerCertificate {
    pub fn der(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for PeerCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PeerCertificate({} bytes)", self.0.len())
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for PeerCertificate {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Infallible> {
        Ok(parts.extensions.get::<PeerCertificate>().cloned())
    }
}

/// Marks a request that arrived on our own TLS listener: its client certificate (if any)
/// came from the handshake, and no header may replace it.
#[derive(Clone, Copy, Debug)]
pub struct TerminatedHere;

/// Which proxies are believed, and which header they use.
#[derive(Clone, Debug)]
pub struct ProxyTrust {
    proxies: Vec<IpNet>,
    header: HeaderName,
}

impl ProxyTrust {
    /// From `server.trusted_proxies` and `server.client_cert_header`. The configuration
    /// check refuses bad entries, so here they cannot occur; should one slip through, it
    /// trusts nobody rather than failing open.
    pub fn from_settings(server: &ServerSettings) -> ProxyTrust {
        let proxies = server.trusted_proxies.iter().filter_map(|n| n.parse::<IpNet>().ok()).collect();
        let header = HeaderName::try_from(server.client_cert_header.as_str())
            .unwrap_or(HeaderName::from_static("x-ssl-client-cert"));
        ProxyTrust { proxies, header }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
        let ip = ip.to_canonical();
        self.proxies.iter().any(|net| net.contains(&ip))
    }

    /// Decides the request's [`Client`] (address and scheme, `crate::client_addr`); removes
    /// the certificate header and turns it into a [`PeerCertificate`] when a trusted proxy
    /// sent it.
    pub fn apply(&self, mut request: Request) -> Request {
        let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let tls_here = request.extensions().get::<TerminatedHere>().is_some();
        let client = client_addr::resolve(peer, tls_here, request.headers(), |ip| self.trusts(ip));
        request.extensions_mut().insert(client);
        let count = request.headers().get_all(&self.header).iter().count();
        let Some(value) = request.headers_mut().remove(&self.header) else {
            return request;
        };
        let path = request.uri().path().to_string();
        if request.extensions().get::<TerminatedHere>().is_some() {
            tracing::warn!(header = %self.header, path, "ignored a client-certificate header on a TLS connection of our own");
            return request;
        }
        let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        match peer {
            Some(ip) if self.trusts(ip) => {}
            _ => {
                let peer = peer.map(|ip| ip.to_string()).unwrap_or_default();
                tracing::warn!(header = %self.header, peer, path, "ignored a client-certificate header from an untrusted address");
                return request;
            }
        }
        if count > 1 {
            tracing::warn!(header = %self.header, path, "the proxy sent the client-certificate header more than once: ignored");
            return request;
        }
        match decode_header(&value) {
            Ok(Some(cert)) => {
                request.extensions_mut().insert(cert);
            }
            // nginx sends an empty value when the browser presented no certificate.
            Ok(None) => {}
            Err(reason) => {
                tracing::warn!(header = %self.header, path, reason, "the proxy's client-certificate header is unreadable: ignored")
            }
        }
        request
    }
}

/// Adds the proxy step to `router` (outermost, so every handler sees its result): the
/// client's address and scheme, and the client certificate header.
/// `madoguchi_web::app` calls this; tests may wrap their own routers with it.
pub fn from_proxies(router: Router, server: &ServerSettings) -> Router {
    let trust = Arc::new(ProxyTrust::from_settings(server));
    router.layer(axum::middleware::map_request(move |request: Request| {
        let trust = trust.clone();
        async move { Ok::<_, Infallible>(trust.apply(request)) }
    }))
}

const PEM_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END: &str = "-----END CERTIFICATE-----";

/// The header's value: URL-escaped PEM (nginx `$ssl_client_escaped_cert`), or PEM whose
/// line breaks became spaces or tabs (header values cannot hold line breaks; Apache's
/// `%{SSL_CLIENT_CERT}s` and nginx's old `$ssl_client_cert` do that). Empty (or only
/// whitespace) means no certificate.
pub fn decode_header(value: &HeaderValue) -> Result<Option<PeerCertificate>, String> {
    let decoded: Vec<u8> = percent_encoding::percent_decode(value.as_bytes()).collect();
    let text = String::from_utf8(decoded).map_err(|_| "not UTF-8 after unescaping".to_string())?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // Re-lay the base64 between the markers on one line, whatever broke it up.
    let body = text
        .strip_prefix(PEM_BEGIN)
        .and_then(|rest| rest.trim_end().strip_suffix(PEM_END))
        .ok_or_else(|| "not one PEM certificate".to_string())?;
    let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let pem = format!("{PEM_BEGIN}\n{base64}\n{PEM_END}\n");
    let der = CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| format!("not a PEM certificate: {e}"))?;
    Ok(Some(PeerCertificate(Arc::from(der.as_ref()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    // A certificate's base64 holds `+` and `/`: nginx escapes them (`%2B`, `%2F`), and a
    // form decoder would turn a literal `+` into a space.
    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMAMCAQE+/w==\n-----END CERTIFICATE-----\n";

    #[test]
    fn escaped_and_plain_pem_decode_to_the_same_der() {
        let escaped: String =
            percent_encoding::utf8_percent_encode(PEM, percent_encoding::NON_ALPHANUMERIC).to_string();
        let a = decode_header(&HeaderValue::from_str(&escaped).unwrap()).unwrap().unwrap();
        // Header values cannot hold newlines: a proxy that does not escape sends the PEM
        // with its lines joined by spaces or tabs.
        let b = decode_header(&HeaderValue::from_str(&PEM.replace('\n', " ")).unwrap()).unwrap().unwrap();
        let c = decode_header(&HeaderValue::from_str(&PEM.replace('\n', "\t")).unwrap()).unwrap().unwrap();
        assert_eq!(a.der(), [0x30, 0x03, 0x02, 0x01, 0x01, 0x3e, 0xff]);
        assert_eq!((&a, &a), (&b, &c));
    }

    #[test]
    fn empty_is_none_and_garbage_is_an_error() {
        assert_eq!(decode_header(&HeaderValue::from_static("")).unwrap(), None);
        assert!(decode_header(&HeaderValue::from_static("hello")).is_err());
        // Two certificates, or something after the end marker: not one certificate.
        let two = format!("{PEM}{PEM}").replace('\n', " ");
        assert!(decode_header(&HeaderValue::from_str(&two).unwrap()).is_err());
    }

    #[test]
    fn ipv4_mapped_peers_are_matched_as_ipv4() {
        let server = ServerSettings { trusted_proxies: vec!["127.0.0.1/32".into()], ..ServerSettings::default() };
        let trust = ProxyTrust::from_settings(&server);
        assert!(trust.trusts("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!trust.trusts("127.0.0.2".parse().unwrap()));
    }
}
