//! 「求職者照会メール利用履歴及び返信の参照」 (jrec-in §1.10 items 4–5): the widget's
//! 「未読メール○件」 / 「未読メールはありません」 (unread = replies not yet opened), then one row
//! per inquiry of the organization — No., 宛先ユーザID, 送信日, 送信内容, 返信日, 返信内容 — and
//! an inquiry's page with the whole texts and 「返信者メールアドレス」 where the seeker disclosed
//! it. Opening the page marks the reply read; showing a disclosed address is a view of personal
//! data and an audit event. Another organization's inquiry is 404.

use crate::{TOPIC, organization, unread_words};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::relay::{self, Party, Side, Thread};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::pages::html;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// How much of a text the list shows.
pub const PREVIEW: usize = 30;

fn preview(text: &str) -> String {
    let line = text.replace('\n', " ");
    if line.chars().count() <= PREVIEW {
        return line;
    }
    format!("{}…", line.chars().take(PREVIEW).collect::<String>())
}

pub struct Row {
    pub no: usize,
    pub href: String,
    pub seeker_id: String,
    pub sent: String,
    pub body: String,
    pub replied: String,
    pub reply: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "seeker_mail/history.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub unread: String,
    pub search_href: String,
    pub rows: Vec<Row>,
}

pub async fn list(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let portal = &current.portal;
    let (threads, unread) = {
        let mut conn = state.store.acquire().await?;
        let party = Party::Organization(organization);
        (
            relay::list(&mut conn, &portal.id, TOPIC, party).await?,
            relay::unread(&mut conn, &portal.id, TOPIC, party).await?,
        )
    };
    let count = threads.len();
    let rows = threads
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let inquiry = t.first_of(Side::A);
            let reply = t.first_of(Side::B);
            Row {
                // No. counts from the oldest, so a row keeps its number as new ones arrive.
                no: count - i,
                href: format!("/{}/inquiries/{}", portal.id, t.id),
                seeker_id: t.recipient_handle.clone(),
                sent: format_ts(t.created_at, ctx.lang),
                body: inquiry.map(|m| preview(&m.body)).unwrap_or_default(),
                replied: reply.map(|m| format_ts(m.created_at, ctx.lang)).unwrap_or_default(),
                reply: reply.map(|m| preview(&m.body)).unwrap_or_default(),
                unread: t.unread_for(Side::A),
            }
        })
        .collect();
    let page = ListPage {
        chrome: ctx.chrome(ctx.t.get("smail.history.title"), Some(portal), None),
        unread: unread_words(ctx.t, unread),
        search_href: format!("/{}/seeker-search", portal.id),
        rows,
    };
    Ok(html(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    done: String,
}

#[derive(Template)]
#[template(path = "seeker_mail/history_detail.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub sent_notice: bool,
    pub seeker_id: String,
    pub lang: String,
    pub sent: String,
    pub body: String,
    pub replied: Option<String>,
    pub reply: Option<String>,
    pub address: Option<String>,
    pub list_href: String,
    /// The 公開 profile's page, only while the seeker's account exists.
    pub profile_href: Option<String>,
}

fn id_of(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

pub async fn detail(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let id = id_of(&id)?;
    let portal = &current.portal;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let thread: Thread = relay::get(&mut tx, &portal.id, TOPIC, Party::Organization(organization), id)
        .await?
        .ok_or(AppError::NotFound)?;
    relay::mark_read(&mut tx, thread.id, Side::A, now).await?;
    let reply = thread.first_of(Side::B).cloned();
    let address = reply.as_ref().and_then(|m| m.disclosed_address.clone());
    if address.is_some() {
        let subject = format!("organization:{organization}");
        let actor = format!("user:{}", current.user.id);
        let detail = format!("inquiry {} reply of {}", thread.id, thread.recipient_handle);
        let entry = audit_entry(portal, &origin, "seeker_mail.address_viewed", Some(&subject), Some(&detail));
        audit::record(&mut tx, &AuditEntry { actor: Some(&actor), ..entry }, now).await?;
    }
    tx.commit().await?;
    let inquiry = thread.first_of(Side::A);
    let page = DetailPage {
        chrome: ctx.chrome(ctx.t.get("smail.history.detail_title"), Some(portal), None),
        sent_notice: query.done == "sent",
        seeker_id: thread.recipient_handle.clone(),
        lang: ctx.t.get(&format!("smail.lang.{}", thread.lang)).to_string(),
        sent: format_ts(thread.created_at, ctx.lang),
        body: inquiry.map(|m| m.body.clone()).unwrap_or_default(),
        replied: reply.as_ref().map(|m| format_ts(m.created_at, ctx.lang)),
        reply: reply.map(|m| m.body),
        address,
        list_href: format!("/{}/inquiries", portal.id),
        profile_href: thread
            .recipient_user_id
            .map(|_| format!("/{}/seeker-search/{}", portal.id, thread.recipient_handle)),
    };
    Ok(html(&page)?.into_response())
}
