//! Development endpoints: the dev mailbox (when no SMTP is configured) and the test
//! clock (only with `--test-clock`). Without those, these paths are 404.

use crate::ctx::{Chrome, Ctx};
use crate::error::AppError;
use crate::format::format_datetime;
use crate::pages::html;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use chrono::{DateTime, Utc};
use madoguchi_core::clock::JST;
use madoguchi_store::outbox;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub struct MailJson {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub sent_at: String,
    pub message_id: String,
}

pub struct MailView {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub sent_at: String,
}

#[derive(Template)]
#[template(path = "dev_mail.html")]
pub struct MailboxPage {
    pub chrome: Chrome,
    pub mails: Vec<MailView>,
}

async fn mails(state: &AppState) -> Result<Vec<outbox::DevMail>, AppError> {
    if !state.mailer.is_dev_mailbox() {
        return Err(AppError::NotFound);
    }
    let mut conn = state.store.acquire().await?;
    Ok(outbox::dev_mails(&mut conn, 200).await?)
}

fn rfc3339(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0).map(|d| d.to_rfc3339()).unwrap_or_default()
}

pub async fn mailbox_json(State(state): State<AppState>) -> Result<Json<Vec<MailJson>>, AppError> {
    let list = mails(&state).await?;
    Ok(Json(
        list.into_iter()
            .map(|m| MailJson {
                sent_at: rfc3339(m.sent_at),
                to: m.to,
                from: m.from,
                subject: m.subject,
                text: m.text,
                message_id: m.message_id,
            })
            .collect(),
    ))
}

pub async fn mailbox(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let list = mails(&state).await?;
    let views = list
        .into_iter()
        .map(|m| MailView {
            sent_at: DateTime::from_timestamp(m.sent_at, 0)
                .map(|d| format_datetime(d.with_timezone(&JST), ctx.lang))
                .unwrap_or_default(),
            to: m.to,
            from: m.from,
            subject: m.subject,
            text: m.text,
        })
        .collect();
    html(&MailboxPage { chrome: ctx.chrome(ctx.t.get("dev.mail.title"), None, None), mails: views })
}

#[derive(Serialize)]
pub struct ClockJson {
    pub now: String,
    pub unix: i64,
    pub jst: String,
}

fn clock_json(state: &AppState) -> Result<Json<ClockJson>, AppError> {
    if !state.test_clock {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    Ok(Json(ClockJson { now: now.to_rfc3339(), unix: now.timestamp(), jst: now.with_timezone(&JST).to_rfc3339() }))
}

pub async fn clock(State(state): State<AppState>) -> Result<Json<ClockJson>, AppError> {
    clock_json(&state)
}

#[derive(Deserialize)]
pub struct Advance {
    seconds: i64,
}

pub async fn advance(State(state): State<AppState>, Form(form): Form<Advance>) -> Result<Response, AppError> {
    let test = state.clock.as_test().filter(|_| state.test_clock).ok_or(AppError::NotFound)?;
    if test.try_advance(form.seconds).is_none() {
        return Ok((StatusCode::BAD_REQUEST, "`seconds` moves the clock out of its range").into_response());
    }
    Ok(clock_json(&state)?.into_response())
}

#[derive(Deserialize)]
pub struct SetClock {
    /// RFC 3339, e.g. `2027-01-02T12:00:00+09:00`.
    at: String,
}

pub async fn set(State(state): State<AppState>, Form(form): Form<SetClock>) -> Result<Response, AppError> {
    let test = state.clock.as_test().filter(|_| state.test_clock).ok_or(AppError::NotFound)?;
    let Ok(at) = DateTime::parse_from_rfc3339(form.at.trim()) else {
        let message = "`at` must be RFC 3339, e.g. 2027-01-02T12:00:00+09:00 (URL-encode the +)";
        return Ok((StatusCode::BAD_REQUEST, message).into_response());
    };
    test.set(at.with_timezone(&Utc));
    Ok(clock_json(&state)?.into_response())
}
