//! The error page itself (404, 500, 503, CSRF, unreadable input) in the request's language:
//! `error.rs` says which error it is, this file draws it with the page chrome.

use crate::ctx::Chrome;
use crate::error::ErrorKind;
use crate::i18n::Tr;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use madoguchi_core::Lang;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub lead: String,
    pub reference: Option<String>,
}

/// Renders an error page; falls back to plain text if even that fails.
pub fn error_page(kind: ErrorKind, lang: Lang, csrf: String, reference: Option<String>) -> Response {
    let (status, title, lead) = kind.parts();
    let t = Tr::for_lang(lang);
    let page = ErrorPage {
        chrome: Chrome { t, csrf, path: "/".into(), title: t.get(title).to_string(), portal: None, help_href: None },
        lead: t.get(lead).to_string(),
        reference,
    };
    let mut response = match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, t.get(title).to_string()).into_response(),
    };
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
    }
    response
}
