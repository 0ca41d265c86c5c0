//! The seeker's 照会メール受信箱 (jrec-in §1.8 item 5): the inquiries received, newest first,
//! unread ones marked; an inquiry's page (opening it marks it read) with the one reply through
//! the portal — text (≤ 2,000) and 「メールアドレスを開示する」 → 確認 → 「返信する」. A second
//! reply, or a post after the reply (a forged or stale form), is refused and changes nothing.
//! Another seeker's inquiry is 404.
//!
//! **Decision** (確認): the manual has no confirmation before the reply, but the reply goes
//! once and may disclose the seeker's address, neither of which can be taken back; so the
//! checked reply is shown first with the address it would disclose (or 「開示しない」), as the
//! institution's inquiry is. 「修正する」 brings the form back as typed.

use crate::rules::{self, BODY_MAX};
use crate::{TOPIC, mails, seeker_base, seeker_chrome};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::relay::{REPLIES, may_reply};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::relay::{self, Party, Side, Thread};
use madoguchi_web::confirm::Step;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::session::{CurrentSeeker, CurrentUser};
use madoguchi_web::state::AppState;
use serde::Deserialize;

pub struct Row {
    pub href: String,
    pub organization: String,
    pub received: String,
    pub unread: bool,
    pub replied: bool,
}

#[derive(Template)]
#[template(path = "seeker_mail/inbox.html")]
pub struct InboxPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub unread: i64,
    pub rows: Vec<Row>,
}

pub async fn list(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let base = seeker_base(portal);
    let party = Party::Recipient(current.user.id);
    let (threads, unread) = {
        let mut conn = state.store.acquire().await?;
        (
            relay::list(&mut conn, &portal.id, TOPIC, party).await?,
            relay::unread(&mut conn, &portal.id, TOPIC, party).await?,
        )
    };
    let rows = threads
        .iter()
        .map(|t| Row {
            href: format!("{base}/inquiries/{}", t.id),
            organization: t.organization_name.clone(),
            received: format_ts(t.created_at, ctx.lang),
            unread: t.unread_for(Side::B),
            replied: t.b_count > 0,
        })
        .collect();
    let page = InboxPage {
        chrome: seeker_chrome(&ctx, portal, ctx.t.get("smail.inbox.title")),
        errors: FieldErrors::default(),
        base,
        unread,
        rows,
    };
    Ok(html(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "seeker_mail/inbox_detail.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub notice: Option<String>,
    pub organization: String,
    pub received: String,
    pub body: String,
    /// The reply sent, with its date and whether the address went with it.
    pub reply: Option<(String, String, bool)>,
    /// The form (while no reply was sent): its text and the disclosure box as typed.
    pub can_reply: bool,
    pub input: ReplyForm,
    pub hint: String,
    pub email: String,
}

#[derive(Deserialize, Default)]
pub struct ReplyForm {
    #[serde(default)]
    pub body: String,
    /// 「メールアドレスを開示する」: `1` when ticked.
    #[serde(default)]
    pub disclose: String,
    /// The confirmation's step (`confirmed`, `back`; none: the form itself).
    #[serde(default, rename = "_step")]
    pub step: String,
}

#[derive(Template)]
#[template(path = "seeker_mail/reply_confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub organization: String,
    pub body: String,
    pub disclose: bool,
    /// What 「メールアドレスを開示する」 means here: the address, or that none goes.
    pub disclosure: String,
}

fn detail_page(
    ctx: &Ctx,
    current: &CurrentUser,
    thread: &Thread,
    input: ReplyForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let reply = thread
        .first_of(Side::B)
        .map(|m| (m.body.clone(), format_ts(m.created_at, ctx.lang), m.disclosed_address.is_some()));
    let page = DetailPage {
        chrome: seeker_chrome(ctx, portal, ctx.t.get("smail.inbox.detail_title")),
        errors,
        base: seeker_base(portal),
        notice,
        organization: thread.organization_name.clone(),
        received: format_ts(thread.created_at, ctx.lang),
        body: thread.first_of(Side::A).map(|m| m.body.clone()).unwrap_or_default(),
        can_reply: may_reply(thread.b_count),
        reply,
        input,
        hint: ctx.t.get("smail.chars").replace("{max}", &BODY_MAX.to_string()),
        email: current.user.email.clone(),
    };
    Ok(html(&page)?.into_response())
}

fn id_of(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

#[derive(Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    done: String,
}

pub async fn detail(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let id = id_of(&id)?;
    let portal = &current.portal;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let thread = relay::get(&mut tx, &portal.id, TOPIC, Party::Recipient(current.user.id), id)
        .await?
        .ok_or(AppError::NotFound)?;
    relay::mark_read(&mut tx, thread.id, Side::B, now).await?;
    tx.commit().await?;
    let notice = (query.done == "replied").then(|| ctx.t.get("smail.reply.done").to_string());
    detail_page(&ctx, &current, &thread, ReplyForm::default(), FieldErrors::default(), notice)
}

pub async fn reply(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, AppError> {
    let id = id_of(&id)?;
    let portal = current.portal.clone();
    let party = Party::Recipient(current.user.id);
    let thread = {
        let mut conn = state.store.acquire().await?;
        relay::get(&mut conn, &portal.id, TOPIC, party, id).await?.ok_or(AppError::NotFound)?
    };
    if !may_reply(thread.b_count) {
        return refused(&ctx, &current, &thread, form);
    }
    let body = match rules::body(&form.body) {
        Ok(body) => body,
        Err(key) => {
            let errors = FieldErrors::field("body", ctx.t.get(key));
            return detail_page(&ctx, &current, &thread, form, errors, None);
        }
    };
    let disclose = form.disclose == "1";
    match Step::of(&form.step) {
        Step::Back => return detail_page(&ctx, &current, &thread, form, FieldErrors::default(), None),
        Step::Input => return confirm_page(&ctx, &current, &thread, body, disclose),
        Step::Confirmed => {}
    }
    let address = disclose.then(|| current.user.email.clone());
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    if !relay::reply(&mut tx, thread.id, current.user.id, REPLIES, &body, address.as_deref(), now).await? {
        // Answered in between (two posts of one form): the first one stands, and is shown.
        drop(tx);
        let mut conn = state.store.acquire().await?;
        let thread = relay::get(&mut conn, &portal.id, TOPIC, party, id).await?.ok_or(AppError::NotFound)?;
        return refused(&ctx, &current, &thread, form);
    }
    let subject = format!("organization:{}", thread.organization_id);
    let actor = format!("user:{}", current.user.id);
    let detail = format!("inquiry {} disclosed={disclose}", thread.id);
    let entry = audit_entry(&portal, &origin, "seeker_mail.replied", Some(&subject), Some(&detail));
    audit::record(&mut tx, &AuditEntry { actor: Some(&actor), ..entry }, now).await?;
    mails::reply(&state, &mut tx, &portal, &thread).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(Redirect::to(&format!("{}/inquiries/{id}?done=replied", seeker_base(&portal))).into_response())
}

/// The checked reply, before it goes.
fn confirm_page(
    ctx: &Ctx,
    current: &CurrentUser,
    thread: &Thread,
    body: String,
    disclose: bool,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let disclosure = if disclose {
        ctx.t.get("smail.reply.disclose_yes").replace("{email}", &current.user.email)
    } else {
        ctx.t.get("smail.reply.disclose_no").to_string()
    };
    let page = ConfirmPage {
        chrome: seeker_chrome(ctx, portal, ctx.t.get("smail.reply.confirm_title")),
        errors: FieldErrors::default(),
        base: seeker_base(portal),
        organization: thread.organization_name.clone(),
        body,
        disclose,
        disclosure,
    };
    Ok(html(&page)?.into_response())
}

/// A reply to an inquiry answered already: 409 with the reason, nothing stored.
fn refused(ctx: &Ctx, current: &CurrentUser, thread: &Thread, form: ReplyForm) -> Result<Response, AppError> {
    let errors = FieldErrors::form(ctx.t.get("smail.err.replied"));
    let mut response = detail_page(ctx, current, thread, form, errors, None)?;
    *response.status_mut() = StatusCode::CONFLICT;
    Ok(response)
}
