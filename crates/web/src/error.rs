//! Errors a handler can end with, turned into a page once. Pages are bilingual-free of
//! internals: a user sees what happened and a reference number, never a message from
//! the database or a stack.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("database: {0}")]
    Db(#[from] madoguchi_store::DbError),
    #[error("internal: {0}")]
    Internal(String),
    /// A rate limit (`limits::take`) refused the request: a 429 page that says to wait.
    #[error("too many requests")]
    TooMany,
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

/// A mail that could not be queued because the database is away is the database's error
/// (a 503), not a bug (a 500).
impl From<madoguchi_mail::QueueError> for AppError {
    fn from(e: madoguchi_mail::QueueError) -> Self {
        match e {
            madoguchi_mail::QueueError::Db(db) => AppError::Db(db),
            other => AppError::Internal(format!("mail: {other}")),
        }
    }
}

/// Which error page: the status and the locale keys of its title and lead.
#[derive(Clone, Copy, Debug)]
pub enum ErrorKind {
    NotFound,
    Internal,
    Unavailable,
    Csrf,
    /// Input no handler may see (a NUL: PostgreSQL cannot store it in text).
    BadInput,
    /// A form, query or path the handler's extractor could not read (a field sent twice, a
    /// number that is not one): what axum answers in plain text, as our page.
    BadForm,
    /// A rate limit was reached: the page asks to wait and try later (429).
    TooMany,
}

impl ErrorKind {
    /// The status and the locale keys of the page's title and lead.
    pub fn parts(self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, "error.not_found.title", "error.not_found.lead"),
            ErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "error.internal.title", "error.internal.lead"),
            ErrorKind::Unavailable => {
                (StatusCode::SERVICE_UNAVAILABLE, "error.unavailable.title", "error.unavailable.lead")
            }
            ErrorKind::Csrf => (StatusCode::FORBIDDEN, "error.csrf.title", "error.csrf.lead"),
            ErrorKind::BadInput => (StatusCode::BAD_REQUEST, "error.bad_input.title", "error.bad_input.lead"),
            ErrorKind::BadForm => (StatusCode::BAD_REQUEST, "error.bad_form.title", "error.bad_form.lead"),
            ErrorKind::TooMany => (StatusCode::TOO_MANY_REQUESTS, "error.too_many.title", "error.too_many.lead"),
        }
    }
}

/// The database is away or overloaded, rather than the request or our code being wrong: the
/// user may simply try again, and the page says so with a 503.
pub fn is_unavailable(e: &madoguchi_store::DbError) -> bool {
    use madoguchi_store::DbError as E;
    match e {
        // SQLite's "database is locked" after the busy timeout is a load problem, not a bug.
        E::Database(db) if db.message().contains("database is locked") => true,
        // PostgreSQL going away: class 08 (connection exception), 57P01–57P05 (shut down,
        // restarting, crashed, idle session ended) and 53300 (too many connections).
        E::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || code.starts_with("57P") || code == "53300" || code == "53000"
        }),
        E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) | E::WorkerCrashed => true,
        _ => false,
    }
}

/// Put on a response whose page the `error_pages` middleware renders, in the request's
/// language and with its CSRF token.
#[derive(Clone, Debug)]
pub struct ErrorMarker {
    pub kind: ErrorKind,
    pub reference: Option<String>,
}

pub fn marked(kind: ErrorKind, reference: Option<String>) -> Response {
    let mut response = kind.parts().0.into_response();
    response.extensions_mut().insert(ErrorMarker { kind, reference });
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => marked(ErrorKind::NotFound, None),
            AppError::TooMany => marked(ErrorKind::TooMany, None),
            AppError::Db(ref e) if is_unavailable(e) => {
                tracing::warn!(error = %self, "database unavailable");
                marked(ErrorKind::Unavailable, None)
            }
            other => {
                let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
                tracing::error!(error = %other, reference, "request failed");
                marked(ErrorKind::Internal, Some(reference))
            }
        }
    }
}
