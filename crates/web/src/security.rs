//! Request-level protections: the CSRF check on every POST, security headers, cookies, and
//! the error pages.
//!
//! CSRF uses the double-submit pattern with a token the server signed (`crate::csrf`): the
//! token in an HttpOnly, SameSite=Strict cookie, repeated in each form's hidden `_csrf` field;
//! a POST whose field does not match its cookie, whose token the server did not sign, or whose
//! `Origin` is another site's is refused before any handler runs, so no form can forget the
//! check. A response that starts a session gets a new token. A `multipart/form-data` form (the
//! manuals' and the documents' uploads) carries the token as its first part, read with the multipart parser before
//! the handler sees the body.
//!
//! The same middleware bounds every request body: `server.body_limit_bytes`, except a
//! multipart POST to an upload address (`accepts_upload`), which may bring a file of up to
//! `server.manual_max_bytes`. And it refuses input that contains a NUL, in the path, the query,
//! a form body or a multipart form's text fields, with a 400 page: PostgreSQL cannot store NUL
//! in text (the query would fail with a 500) and no form of ours has a use for it, so no
//! handler has to think about it.

use crate::cookies::cookie;
use crate::csrf::CsrfToken;
use crate::ctx::request_lang;
use crate::error::{ErrorKind, ErrorMarker};
use crate::error_page::error_page;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;

pub const CSRF_COOKIE: &str = "mdg_csrf";
pub const CSRF_FIELD: &str = "_csrf";

pub async fn csrf(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    // Only a token this server signed counts; anything else is replaced as if absent.
    let existing = jar.get(CSRF_COOKIE).map(|c| c.value().to_string()).filter(|v| state.csrf_key.verify(v));
    let token = existing.clone().unwrap_or_else(|| state.csrf_key.mint());
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

    let reads_body = parts.method != Method::GET && parts.method != Method::HEAD;
    let checked = parts.method == Method::POST && !parts.uri.path().starts_with("/_dev/");
    if checked
        && let Some(reason) =
            crate::csrf::foreign_origin(&parts.headers, &parts.uri, state.config.server.public_url.as_deref())
    {
        tracing::info!(path = parts.uri.path(), reason, "refused a POST from another site");
        return refuse(ErrorKind::Csrf, &parts.headers);
    }
    let request = if reads_body {
        let boundary = multipart_boundary(&parts.headers);
        let server = &state.config.server;
        let limit = if boundary.is_some() && accepts_upload(parts.uri.path()) {
            server.upload_limit_bytes()
        } else {
            server.body_limit_bytes
        };
        let Ok(bytes) = to_bytes(body, limit).await else {
            return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
        };
        if checked {
            let sent = match &boundary {
                Some(boundary) => multipart_token(bytes.clone(), boundary.clone()).await,
                None => url::form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned()),
            };
            let valid = matches!((&existing, &sent), (Some(cookie), Some(field)) if crate::auth::equal(cookie, field));
            if !valid {
                tracing::info!(path = parts.uri.path(), "refused a POST without a valid CSRF token");
                return refuse(ErrorKind::Csrf, &parts.headers);
            }
        }
        let nul = match boundary {
            Some(boundary) => multipart_text_has_nul(bytes.clone(), boundary).await,
            None => has_nul(&bytes),
        };
        if nul {
            tracing::info!(path = parts.uri.path(), "refused a body with a NUL");
            return refuse(ErrorKind::BadInput, &parts.headers);
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        Request::from_parts(parts, body)
    };

    let mut response = next.run(request).await;
    if starts_a_session(&response) {
        // Whatever token the browser had before signing in is not its session's: a new one.
        set_csrf_cookie(&mut response, &state.csrf_key.mint(), state.secure_cookies());
    } else if existing.is_none() {
        set_csrf_cookie(&mut response, &token, state.secure_cookies());
    }
    response
}

/// The response sets a session cookie (a login's last step; these answer with a redirect, so
/// no page of theirs carries the old token).
fn starts_a_session(response: &Response) -> bool {
    response.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).any(|text| {
        Cookie::parse(text).is_ok_and(|c| {
            crate::cookies::SESSION_COOKIES.contains(&c.name())
                && !c.value().is_empty()
                && c.max_age().is_none_or(|age| !age.is_zero())
        })
    })
}

/// A NUL in URL-encoded text (path, query or form body), raw or percent-encoded.
fn has_nul(encoded: &[u8]) -> bool {
    encoded.contains(&0) || encoded.windows(3).any(|w| w == b"%00")
}

/// The addresses that take a file, all in the operator console: the manuals' upload
/// (`/{portal}/operator/manuals`), the contracts' document shelves
/// (`/{portal}/operator/contracts/documents`, `/{portal}/operator/contracts/{id}/documents`)
/// and a document's replacement (`/{portal}/operator/documents/{id}/replace`).
pub fn accepts_upload(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let is_id = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match segments.as_slice() {
        [p, "operator", rest @ ..] if !p.is_empty() => match rest {
            ["manuals"] | ["contracts", "documents"] => true,
            // … and 財形データ取込 (a delivery file of the bank's, and its preview's 「取込」).
            ["contracts", id, "documents"] | ["documents", id, "replace"] | ["contracts", id, "zaikei"] => is_id(id),
            _ => false,
        },
        // mlit-fwms's plan attachments (PDF or JPEG, ≤ 10 MB each).
        [p, "plan", "attachments"] => !p.is_empty(),
        // jrec-in's Web応募: the one document (PDF or ZIP, ≤ 10 MB), and its 再提出.
        [p, "seeker", "apply", id] | [p, "seeker", "applications", id, "resubmit"] => !p.is_empty() && is_id(id),
        _ => false,
    }
}

/// The boundary of a `multipart/form-data` body, when the request has one.
fn multipart_boundary(headers: &axum::http::HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if !content_type.trim_start().to_ascii_lowercase().starts_with("multipart/form-data") {
        return None;
    }
    multer::parse_boundary(content_type).ok()
}

/// The token of a multipart form: its first part must be `_csrf` (our forms put it there), so
/// a file is never parsed before the request is known to come from our page.
async fn multipart_token(body: axum::body::Bytes, boundary: String) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let field = multipart.next_field().await.ok()??;
    if field.name() != Some(CSRF_FIELD) || field.file_name().is_some() {
        return None;
    }
    field.text().await.ok()
}

/// A NUL in a multipart form's text fields; a file's bytes are its own business.
async fn multipart_text_has_nul(body: axum::body::Bytes, boundary: String) -> bool {
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.file_name().is_some() {
            continue;
        }
        if field.name().is_some_and(|n| n.contains('\0')) || field.text().await.is_ok_and(|t| t.contains('\0')) {
            return true;
        }
    }
    false
}

fn set_csrf_cookie(response: &mut Response, token: &str, secure: bool) {
    let c = cookie(CSRF_COOKIE, token.to_string(), "/".into(), secure);
    if let Ok(value) = HeaderValue::from_str(&c.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Headers on every response. The CSP allows no inline script and no framing; over HTTPS
/// (our TLS listener, a trusted proxy saying so, or an `https://` `public_url`) HSTS.
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let https = crate::cookies::over_https(&state, request.extensions());
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
    if https {
        set(h, "strict-transport-security", "max-age=31536000; includeSubDomains");
    }
    response
}

/// Renders the pages that handlers and layers only marked (404, 500, 503), in the
/// request's language; and in place of axum's plain-text answer when an extractor could not
/// read the request (a form field sent twice, a number that is not one: 400, 415 or 422), our
/// 400 page. `/_dev/*` (test endpoints) keep their own plain answers.
pub async fn error_pages(request: Request, next: Next) -> Response {
    let lang = request_lang(request.headers());
    let csrf = request.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let (kind, reference) = match response.extensions().get::<ErrorMarker>() {
        Some(marker) => (marker.kind, marker.reference.clone()),
        None if !path.starts_with("/_dev/") && is_rejection(&response) => {
            // The rejection's text can quote what was sent: not in the log.
            tracing::info!(%path, status = response.status().as_u16(), "refused a request its handler could not read");
            (ErrorKind::BadForm, None)
        }
        None => return response,
    };
    let mut page = error_page(kind, lang, csrf, reference);
    for cookie in response.headers().get_all(header::SET_COOKIE) {
        page.headers_mut().append(header::SET_COOKIE, cookie.clone());
    }
    page
}

/// axum's extractor rejections (`Form`, `Query`, `Path`, …): a 400, 415 or 422 in plain text
/// that no handler of ours marked.
fn is_rejection(response: &Response) -> bool {
    let status = response.status();
    let plain_text = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/plain"));
    plain_text
        && matches!(
            status,
            StatusCode::BAD_REQUEST | StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::UNPROCESSABLE_ENTITY
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_manual_upload_takes_files() {
        assert!(accepts_upload("/rokin/operator/manuals"));
        assert!(!accepts_upload("/rokin/operator/manuals/3/delete"));
        assert!(!accepts_upload("/rokin/operator/announcements"));
        assert!(!accepts_upload("/rokin/manuals"));
        assert!(!accepts_upload("//operator/manuals"));
        assert!(accepts_upload("/shaho/operator/contracts/documents"));
        assert!(accepts_upload("/shaho/operator/contracts/12/documents"));
        assert!(accepts_upload("/shaho/operator/documents/7/replace"));
        assert!(!accepts_upload("/shaho/operator/contracts/x/documents"));
        assert!(!accepts_upload("/shaho/operator/documents/7/delete"));
        assert!(accepts_upload("/rokin/operator/contracts/3/zaikei"));
        assert!(!accepts_upload("/rokin/operator/contracts/x/zaikei"));
        assert!(!accepts_upload("/shaho/operator/contracts"));
        assert!(!accepts_upload("/shaho/documents"));
    }

    #[tokio::test]
    async fn the_token_of_a_multipart_form_is_its_first_part() {
        let body = |first: &str, second: &str| {
            axum::body::Bytes::from(format!(
                "--b\r\nContent-Disposition: form-data; name=\"{first}\"\r\n\r\ntok\r\n\
                 --b\r\nContent-Disposition: form-data; name=\"{second}\"\r\n\r\nx\r\n--b--\r\n"
            ))
        };
        assert_eq!(multipart_token(body("_csrf", "title"), "b".into()).await.as_deref(), Some("tok"));
        assert_eq!(multipart_token(body("title", "_csrf"), "b".into()).await, None);
        assert_eq!(multipart_token(axum::body::Bytes::from_static(b"garbage"), "b".into()).await, None);
    }
}
