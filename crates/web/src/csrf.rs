//! The CSRF token and the same-origin check, which `security::csrf` applies to every POST.
//!
//! **The token is signed.** It is 16 random bytes and the first 16 bytes of their
//! HMAC-SHA256 under the server's key (`server_secrets.csrf`, made at first start and shared
//! by every instance on the database), 64 hex digits in all. The browser holds it in the
//! `mdg_csrf` cookie (the pre-session cookie: path `/`, HttpOnly, SameSite=Strict) and each
//! form repeats it in `_csrf`. A POST passes only when the field equals the cookie **and** the
//! server signed it, so a pair a client made up itself — a cookie planted from a sibling host or
//! over plain HTTP with a matching field — is refused.
//!
//! **It is renewed at login.** A response that starts a session (sets `mdg_s` or `mdg_op`)
//! also sets a fresh token, so whatever token a browser had before signing in — one somebody
//! else may have planted or read — is not the one of its session. (Binding the token to the
//! session id itself would need one token per session cookie: the sessions are scoped to
//! `/<portal>/` and `/<portal>/operator`, the token to `/`, and the language switch posts to
//! `/_lang`, where no session cookie is sent.)
//!
//! **Other sites are refused by their Origin.** A POST whose `Origin` is not this site's own
//! (the request's `Host`, or `server.public_url`), or whose `Sec-Fetch-Site` is `cross-site` or
//! `same-site`, is refused before its token is even read: every form of ours posts to its own
//! origin. Clients that send neither header (curl, scripts) are judged by the token alone.

use axum::http::{HeaderMap, Uri, header};
use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of randomness and of signature in a token.
const NONCE: usize = 16;
const TAG: usize = 16;
/// Separates this use of the key from any other it may get.
const CONTEXT: &[u8] = b"madoguchi csrf v1\0";

/// The key that signs CSRF tokens (32 bytes).
#[derive(Clone)]
pub struct CsrfKey([u8; 32]);

impl std::fmt::Debug for CsrfKey {
    // Never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(…)")
    }
}

impl CsrfKey {
    /// A key as stored (64 hex digits).
    pub fn from_hex(text: &str) -> Option<CsrfKey> {
        let bytes: [u8; 32] = hex::decode(text.trim()).ok()?.try_into().ok()?;
        Some(CsrfKey(bytes))
    }

    /// A new random key, as hex (what `server_secrets` keeps).
    pub fn random_hex() -> String {
        crate::auth::random_token()
    }

    fn tag(&self, nonce: &[u8]) -> Option<HmacSha256> {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.0).ok()?;
        mac.update(CONTEXT);
        mac.update(nonce);
        Some(mac)
    }

    /// A new token: random, signed, 64 hex digits.
    pub fn mint(&self) -> String {
        let mut nonce = [0u8; NONCE];
        rand::rng().fill_bytes(&mut nonce);
        // HMAC takes keys of any length: `tag` cannot fail with ours.
        let tag = self.tag(&nonce).map(|mac| mac.finalize().into_bytes()).unwrap_or_default();
        format!("{}{}", hex::encode(nonce), hex::encode(&tag[..TAG]))
    }

    /// Whether `token` is one this key signed (constant-time in the signature).
    pub fn verify(&self, token: &str) -> bool {
        if token.len() != 2 * (NONCE + TAG) {
            return false;
        }
        let (nonce, tag) = token.split_at(2 * NONCE);
        let (Ok(nonce), Ok(tag)) = (hex::decode(nonce), hex::decode(tag)) else {
            return false;
        };
        self.tag(&nonce).is_some_and(|mac| mac.verify_truncated_left(&tag).is_ok())
    }
}

/// Why a POST is refused as sent from another site, if it is: its `Sec-Fetch-Site` says so,
/// or its `Origin` is not this site (the request's host, or `public_url`'s origin). A request
/// with neither header passes here (non-browser clients); the token decides.
pub fn foreign_origin(headers: &HeaderMap, uri: &Uri, public_url: Option<&str>) -> Option<String> {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("?");
        if site.eq_ignore_ascii_case("cross-site") || site.eq_ignore_ascii_case("same-site") {
            return Some(format!("Sec-Fetch-Site: {site}"));
        }
    }
    let origin = headers.get(header::ORIGIN)?.to_str().unwrap_or("");
    // `null`: a sandboxed frame, a file, a redirect from elsewhere; never a page of ours.
    if origin.trim() == "null" {
        return Some("Origin: null".into());
    }
    let Some(origin) = url::Url::parse(origin).ok().filter(|o| o.host_str().is_some()) else {
        return Some("an unreadable Origin".into());
    };
    let origin_host = origin.host_str().unwrap_or_default();
    let origin_port = origin.port_or_known_default();
    let request_host =
        headers.get(header::HOST).and_then(|h| h.to_str().ok()).or_else(|| uri.authority().map(|a| a.as_str()));
    let same = |authority: &str| {
        authority.parse::<axum::http::uri::Authority>().is_ok_and(|a| {
            // A Host without a port means the scheme's default, which is the Origin's.
            a.host().eq_ignore_ascii_case(origin_host) && a.port_u16().or(origin_port) == origin_port
        })
    };
    if request_host.is_some_and(same) {
        return None;
    }
    let public = public_url.and_then(|u| url::Url::parse(u).ok());
    if public.is_some_and(|p| p.origin() == origin.origin()) {
        return None;
    }
    Some(format!("Origin: {}", origin.origin().ascii_serialization()))
}

/// The token of this request, for forms to repeat.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_tokens_the_key_signed_pass() {
        let key = CsrfKey::from_hex(&CsrfKey::random_hex()).unwrap();
        let token = key.mint();
        assert_eq!(token.len(), 64);
        assert!(key.verify(&token));
        assert_ne!(key.mint(), token, "random");
        // Another server's key, a made-up token, a changed digit, a cut one.
        let other = CsrfKey::from_hex(&CsrfKey::random_hex()).unwrap();
        assert!(!other.verify(&token));
        assert!(!key.verify(&"a".repeat(64)));
        let mut changed = token.clone().into_bytes();
        changed[63] = if changed[63] == b'0' { b'1' } else { b'0' };
        assert!(!key.verify(std::str::from_utf8(&changed).unwrap()));
        assert!(!key.verify(&token[..62]));
        assert!(!key.verify(&format!("{}zz", &token[..62])));
        assert!(CsrfKey::from_hex("abc").is_none());
        assert_eq!(format!("{key:?}"), "CsrfKey(…)");
    }

    fn check(headers: &[(&'static str, &'static str)], public_url: Option<&str>) -> Option<String> {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(*k, HeaderValue::from_static(v));
        }
        foreign_origin(&map, &Uri::from_static("/rokin/login"), public_url)
    }

    #[test]
    fn a_post_from_another_site_is_refused_by_its_origin() {
        let host = ("host", "127.0.0.1:8080");
        assert_eq!(check(&[host, ("origin", "http://127.0.0.1:8080")], None), None);
        assert_eq!(check(&[("host", "Portal.Example.jp"), ("origin", "https://portal.example.jp")], None), None);
        assert_eq!(check(&[("host", "portal.example.jp:443"), ("origin", "https://portal.example.jp")], None), None);
        assert_eq!(check(&[host, ("sec-fetch-site", "same-origin"), ("origin", "http://127.0.0.1:8080")], None), None);
        // No Origin: curl or a script, judged by the token.
        assert_eq!(check(&[host], None), None);
        // A proxy that rewrote the host: public_url is ours too.
        let public = Some("https://portal.example.jp/");
        assert_eq!(check(&[host, ("origin", "https://portal.example.jp")], public), None);

        for (headers, why) in [
            (vec![host, ("origin", "https://evil.example")], "Origin: https://evil.example"),
            (vec![host, ("origin", "http://127.0.0.1:8081")], "Origin: http://127.0.0.1:8081"),
            (vec![host, ("origin", "null")], "Origin: null"),
            (vec![host, ("origin", "not a url")], "an unreadable Origin"),
            (vec![host, ("sec-fetch-site", "cross-site")], "Sec-Fetch-Site: cross-site"),
            (
                vec![host, ("sec-fetch-site", "same-site"), ("origin", "http://127.0.0.1:8080")],
                "Sec-Fetch-Site: same-site",
            ),
        ] {
            assert_eq!(check(&headers, public).as_deref(), Some(why), "{headers:?}");
        }
    }
}
