//! Our cookies as they travel over HTTPS: `Secure`, and a name prefix the browser enforces.
//!
//! The pages name their cookies plainly (`mdg_csrf`, `mdg_s`, `mdg_otp`, …) and set them with
//! `Secure` only when `server.public_url` is `https://` (`AppState::secure_cookies`); which
//! connection a request came over is this layer's business, once, for every cookie:
//!
//! * A response to a request that came over HTTPS — our TLS listener, a trusted proxy saying
//!   `X-Forwarded-Proto: https` (`crate::client_addr`), or any request when `public_url` is
//!   `https://` — has every `Set-Cookie` made `Secure` and renamed: `__Host-<name>` when its
//!   path is `/` (the CSRF token, the language), `__Secure-<name>` otherwise. The session and
//!   the other flow cookies are scoped to their portal's path (`/<portal>/`,
//!   `/<portal>/operator`, …), which `__Host-` does not allow (it requires `Path=/`); moving
//!   them to `/` would send every portal's session to every other portal and to the shared
//!   pages, so they keep their paths and get `__Secure-`. Both prefixes make the browser refuse
//!   the cookie from plain HTTP; `__Host-` also from any other host name (a sibling subdomain
//!   cannot plant a CSRF token).
//! * On such a request, the browser's `__Host-`/`__Secure-` cookies are handed to the pages
//!   under their plain names, and a plain `mdg_*` cookie is dropped: over HTTPS only what was
//!   set over HTTPS counts (a plain one can have been planted over HTTP, where the same
//!   browser shares cookies across ports).
//!
//! Over plain HTTP (the demo's port 8080, the tests) nothing changes.

use crate::client_addr::Client;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, SameSite};

const HOST_PREFIX: &str = "__Host-";
const SECURE_PREFIX: &str = "__Secure-";
/// Every cookie the application sets starts with this.
const OURS: &str = "mdg_";

/// Whether this request reached us over HTTPS, as far as cookies and HSTS are concerned.
pub fn over_https(state: &AppState, extensions: &Extensions) -> bool {
    Client::of(extensions).https || state.config.server.serves_https()
}

/// The layer (outside every other that reads or sets cookies).
pub async fn transport(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let https = over_https(&state, request.extensions());
    if https {
        unwrap_prefixes(request.headers_mut());
    }
    let mut response = next.run(request).await;
    if https {
        secure_set_cookies(response.headers_mut());
    }
    response
}

/// `__Host-x=…` and `__Secure-x=…` → `x=…`; plain `mdg_*` dropped; other cookies kept.
fn unwrap_prefixes(headers: &mut HeaderMap) {
    let sent: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            if let Some(plain) = pair.strip_prefix(HOST_PREFIX).or_else(|| pair.strip_prefix(SECURE_PREFIX)) {
                Some(plain.to_string())
            } else if name.starts_with(OURS) {
                None
            } else {
                Some(pair.to_string())
            }
        })
        .collect();
    headers.remove(header::COOKIE);
    if sent.is_empty() {
        return;
    }
    if let Ok(value) = HeaderValue::from_str(&sent.join("; ")) {
        headers.insert(header::COOKIE, value);
    }
}

/// Every `Set-Cookie`: `Secure`, and `__Host-` (path `/`, no domain) or `__Secure-`.
fn secure_set_cookies(headers: &mut HeaderMap) {
    let set: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).iter().cloned().collect();
    if set.is_empty() {
        return;
    }
    headers.remove(header::SET_COOKIE);
    for value in set {
        let secured = value
            .to_str()
            .ok()
            .and_then(|text| Cookie::parse(text.to_string()).ok())
            .filter(|c| c.name().starts_with(OURS))
            .and_then(|mut c| {
                let prefix = if c.path() == Some("/") && c.domain().is_none() { HOST_PREFIX } else { SECURE_PREFIX };
                c.set_name(format!("{prefix}{}", c.name()));
                c.set_secure(true);
                HeaderValue::from_str(&c.to_string()).ok()
            });
        headers.append(header::SET_COOKIE, secured.unwrap_or(value));
    }
}

/// The employer's session cookie (path `/<portal>/`).
pub const SESSION_COOKIE: &str = "mdg_s";

/// A job seeker's session cookie (path `/<portal>/seeker`, docs/SEEKERS.md): apart from the
/// employer's, so that neither side's pages ever receive the other's session.
pub const SEEKER_COOKIE: &str = "mdg_seeker";

/// Every cookie that holds a session: an employer's (`mdg_s`, path `/<portal>/`), a seeker's
/// (`mdg_seeker`) and an operator's (`mdg_op`, path `/<portal>/operator`, set by the
/// console). A response that sets one starts a session, and the CSRF token is renewed with it
/// (`security::csrf`).
pub const SESSION_COOKIES: [&str; 3] = [SESSION_COOKIE, SEEKER_COOKIE, "mdg_op"];

/// A cookie with the flags every cookie of ours has.
pub fn cookie(name: &'static str, value: String, path: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value)).path(path).http_only(true).secure(secure).same_site(SameSite::Strict).build()
}

pub fn removal(name: &'static str, path: String, secure: bool) -> Cookie<'static> {
    let mut c = cookie(name, String::new(), path, secure);
    c.make_removal();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_https_the_browser_gets_prefixed_secure_cookies() {
        let mut headers = HeaderMap::new();
        for c in [
            "mdg_csrf=abc; HttpOnly; SameSite=Strict; Path=/",
            "mdg_s=tok; HttpOnly; SameSite=Strict; Path=/rokin/",
            "mdg_s=; HttpOnly; SameSite=Strict; Path=/rokin/; Max-Age=0",
            "other=1; Path=/",
        ] {
            headers.append(header::SET_COOKIE, HeaderValue::from_static(c));
        }
        secure_set_cookies(&mut headers);
        let set: Vec<&str> = headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(set.len(), 4);
        assert!(set[0].starts_with("__Host-mdg_csrf=abc;") && set[0].contains("Secure"), "{}", set[0]);
        assert!(set[1].starts_with("__Secure-mdg_s=tok;") && set[1].contains("Path=/rokin/"), "{}", set[1]);
        assert!(set[1].contains("Secure") && set[1].contains("HttpOnly"), "{}", set[1]);
        assert!(set[2].starts_with("__Secure-mdg_s=;") && set[2].contains("Max-Age=0"), "{}", set[2]);
        assert_eq!(set[3], "other=1; Path=/", "not ours: untouched");
    }

    #[test]
    fn over_https_the_pages_read_only_what_was_set_over_https() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("mdg_csrf=planted; __Host-mdg_csrf=real; theme=x"));
        headers.append(header::COOKIE, HeaderValue::from_static("__Secure-mdg_s=tok; mdg_s=planted"));
        unwrap_prefixes(&mut headers);
        assert_eq!(headers.get_all(header::COOKIE).iter().count(), 1);
        assert_eq!(headers.get(header::COOKIE).unwrap(), "mdg_csrf=real; theme=x; mdg_s=tok");
        let mut only_planted = HeaderMap::new();
        only_planted.insert(header::COOKIE, HeaderValue::from_static("mdg_csrf=planted"));
        unwrap_prefixes(&mut only_planted);
        assert!(only_planted.get(header::COOKIE).is_none());
    }
}
