//! Request-level protections: the CSRF check on every POST, security headers, cookies.
//!
//! CSRF uses the double-submit pattern with a server-made token: a random token in an
//! HttpOnly, SameSite=Strict cookie, repeated in each form's hidden `_csrf` field; a POST
//! whose field does not match its cookie is refused before any handler runs, so no form
//! can forget the check.
//!
//! The same layer refuses input that contains a NUL, in the path, the query or a form body,
//! with a 400 page: PostgreSQL cannot store NUL in text (the query would fail with a 500) and
//! no form of ours has a use for it, so no handler has to think about it.

use crate::ctx::request_lang;
use crate::error::{ErrorKind, ErrorMarker, error_page};
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

pub const CSRF_COOKIE: &str = "mdg_csrf";
pub const CSRF_FIELD: &str = "_csrf";

/// The token of this request, for forms to repeat.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// A cookie with the flags every cookie of ours has.
pub fn cookie(name: &'static str, value: String, path: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value)).path(path).http_only(true).secure(secure).same_site(SameSite::Strict).build()
}

pub fn removal(name: &'static str, path: String, secure: bool) -> Cookie<'static> {
    let mut c = cookie(name, String::new(), path, secure);
    c.make_removal();
    c
}

pub async fn csrf(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let existing = jar.get(CSRF_COOKIE).map(|c| c.value().to_string()).filter(|v| v.len() == 64);
    let token = existing.clone().unwrap_or_else(crate::auth::random_token);
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(CsrfToken(token.clone()));
    let refuse = |kind: ErrorKind, headers: &axum::http::HeaderMap| {
        let mut response = error_page(kind, request_lang(headers), token.clone(), None);
        set_csrf_cookie(&mut response, &token, state.secure_cookies());
        response
    };
    if has_nul(parts.uri.path().as_bytes()) || parts.uri.query().is_some_and(|q| has_nul(q.as_bytes())) {
        tracing::info!(path = parts.uri.path(), "refused a request with a NUL");
        return refuse(ErrorKind::BadInput, &parts.headers);
    }

    let checked = parts.method == Method::POST && !parts.uri.path().starts_with("/_dev/");
    let request = if checked {
        let limit = state.config.server.body_limit_bytes;
        let Ok(bytes) = to_bytes(body, limit).await else {
            return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
        };
        let sent = url::form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
        let valid = matches!((&existing, &sent), (Some(cookie), Some(field)) if crate::auth::equal(cookie, field));
        if !valid {
            tracing::info!(path = parts.uri.path(), "refused a POST without a valid CSRF token");
            return refuse(ErrorKind::Csrf, &parts.headers);
        }
        if has_nul(&bytes) {
            tracing::info!(path = parts.uri.path(), "refused a POST with a NUL");
            return refuse(ErrorKind::BadInput, &parts.headers);
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        Request::from_parts(parts, body)
    };

    let mut response = next.run(request).await;
    if existing.is_none() {
        set_csrf_cookie(&mut response, &token, state.secure_cookies());
    }
    response
}

/// A NUL in URL-encoded text (path, query or form body), raw or percent-encoded.
fn has_nul(encoded: &[u8]) -> bool {
    encoded.contains(&0) || encoded.windows(3).any(|w| w == b"%00")
}

fn set_csrf_cookie(response: &mut Response, token: &str, secure: bool) {
    let c = cookie(CSRF_COOKIE, token.to_string(), "/".into(), secure);
    if let Ok(value) = HeaderValue::from_str(&c.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Headers on every response. The CSP allows no inline script and no framing.
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    set(h, "permissions-policy", "camera=(), microphone=(), geolocation=()");
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages may carry personal data and are read on shared PCs: never keep them.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.secure_cookies() {
        set(h, "strict-transport-security", "max-age=31536000; includeSubDomains");
    }
    response
}

/// Renders the pages that handlers and layers only marked (404, 500, 503), in the
/// request's language.
pub async fn error_pages(request: Request, next: Next) -> Response {
    let lang = request_lang(request.headers());
    let csrf = request.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
    let response = next.run(request).await;
    match response.extensions().get::<ErrorMarker>() {
        Some(marker) => {
            let mut page = error_page(marker.kind, lang, csrf, marker.reference.clone());
            for cookie in response.headers().get_all(header::SET_COOKIE) {
                page.headers_mut().append(header::SET_COOKIE, cookie.clone());
            }
            page
        }
        None => response,
    }
}
