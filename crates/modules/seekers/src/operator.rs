//! 求職者管理 in the operator console (jrec-in §1.11 item 6, a Choice): the portal's 事務局
//! finds a job seeker by ユーザID, address or name, reads the account (state, last login,
//! whether the 求職者情報 is 公開) and how many 求職者照会メール it received and answered —
//! counts only, never their text — and, for abuse handling:
//! - 「求職者情報を非公開にする」 (confirmed): the profile leaves 求職者情報検索 at once, the
//!   account stays; the seeker may publish it again, so a repeated abuse is met with
//! - 利用停止 / 利用再開: the console's own account actions (`/operator/users/{id}/disable`),
//!   which end the sessions and mail the owner, as for an employer account.
//!
//! The employer accounts' list (`ユーザ管理`) no longer lists seekers: a portal's seekers can
//! number in the hundred thousands, so this list searches in SQL (an exact ユーザID or address,
//! or a part of the name as stored) and pages, newest first.

use crate::store::{self, Seeker, SeekerQuery};
use crate::{MODULE, subject};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use madoguchi_console::operator::{SignedIn, console_path, local};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::relay;
use madoguchi_web::confirm::{self, Confirmation, StepForm};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::{Pager, html};
use madoguchi_web::state::AppState;
use serde::Deserialize;

const PAGE: i64 = 50;
/// The longest search, in characters: an address is at most 254, a name far less.
const QUERY_MAX: usize = 256;

/// 404 where the portal has no job seekers.
fn offered(signed: &SignedIn) -> Result<(), AppError> {
    if signed.portal.settings.modules.contains(&MODULE) { Ok(()) } else { Err(AppError::NotFound) }
}

fn when(ts: i64) -> String {
    local(ts).replace('T', " ")
}

/// 利用中 / 利用停止, as the console's account pages say it.
fn state_text(ctx: &Ctx, s: &Seeker) -> String {
    let key = if s.disabled_at.is_some() { "op.users.disabled" } else { "op.users.active" };
    ctx.t.get(key).to_string()
}

fn profile_text(ctx: &Ctx, s: &Seeker) -> String {
    ctx.t.get(if s.public { "seeker.profile.public_on" } else { "seeker.profile.public_off" }).to_string()
}

pub struct Line {
    pub href: String,
    pub seeker_id: String,
    pub name: String,
    pub email: String,
    pub registered: String,
    pub last_login: String,
    pub profile: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "seekers/operator_list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub q: String,
    pub lines: Vec<Line>,
    pub total: i64,
    pub pager: Pager,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    offered(&signed)?;
    let base = console_path(&signed.portal);
    let chrome = ctx.chrome(ctx.t.get("seeker.op.title"), Some(&signed.portal), None);
    if query.q.chars().count() > QUERY_MAX {
        let message = ctx.t.get("seeker.op.err.query_long").replace("{max}", &QUERY_MAX.to_string());
        let pager = Pager::new(1, 0, PAGE, |_| String::new());
        let errors = FieldErrors::field("q", &message);
        return html(&ListPage { chrome, errors, base, q: query.q.clone(), lines: Vec::new(), total: 0, pager });
    }
    let search = SeekerQuery::new(&query.q);
    let mut conn = state.store.acquire().await?;
    let total = store::count_seekers(&mut conn, &signed.portal.id, &search).await?;
    let page = query.page.unwrap_or(1).clamp(1, Pager::pages(total, PAGE));
    let found = store::seekers(&mut conn, &signed.portal.id, &search, PAGE, (page - 1) * PAGE).await?;
    let lines = found
        .iter()
        .map(|s| Line {
            href: format!("{base}/seekers/{}", s.user_id),
            seeker_id: s.seeker_id.clone(),
            name: s.name.clone(),
            email: s.email.clone(),
            registered: when(s.created_at),
            last_login: s.last_login_at.map(when).unwrap_or_default(),
            profile: profile_text(&ctx, s),
            state: state_text(&ctx, s),
        })
        .collect();
    let link = |p: i64| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &query.q)
            .append_pair("page", &p.to_string())
            .finish();
        format!("{base}/seekers?{query}")
    };
    html(&ListPage {
        chrome,
        errors: FieldErrors::default(),
        pager: Pager::new(page, total, PAGE, link),
        base,
        q: query.q.clone(),
        lines,
        total,
    })
}

#[derive(Template)]
#[template(path = "seekers/operator_detail.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub base: String,
    pub id: i64,
    pub seeker_id: String,
    pub name: String,
    pub email: String,
    pub registered: String,
    pub last_login: String,
    pub state: String,
    pub disabled: bool,
    pub public: bool,
    pub profile: String,
    pub received: i64,
    pub replied: i64,
    pub notice: Option<String>,
}

async fn seeker(state: &AppState, signed: &SignedIn, id: i64) -> Result<Seeker, AppError> {
    offered(signed)?;
    let mut conn = state.store.acquire().await?;
    store::seeker_of_portal(&mut conn, &signed.portal.id, id).await?.ok_or(AppError::NotFound)
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    pub done: String,
}

pub async fn detail(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
    Query(query): Query<DetailQuery>,
) -> Result<Html<String>, AppError> {
    let s = seeker(&state, &signed, id).await?;
    let (received, replied) = {
        let mut conn = state.store.acquire().await?;
        relay::recipient_counts(&mut conn, &signed.portal.id, s.user_id).await?
    };
    // Back from this page's own action, or from the console's 利用停止／利用再開.
    let notice = match query.done.as_str() {
        "hidden" => Some("seeker.op.hidden_done"),
        "disabled" => Some("op.user.disabled_done"),
        "enabled" => Some("op.user.enabled_done"),
        "unchanged" => Some("op.user.unchanged"),
        _ => None,
    }
    .map(|key| ctx.t.get(key).to_string());
    html(&DetailPage {
        chrome: ctx.chrome(ctx.t.get("seeker.op.detail_title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        id: s.user_id,
        registered: when(s.created_at),
        last_login: s.last_login_at.map(when).unwrap_or_default(),
        state: state_text(&ctx, &s),
        disabled: s.disabled_at.is_some(),
        public: s.public,
        profile: profile_text(&ctx, &s),
        received,
        replied,
        notice,
        seeker_id: s.seeker_id,
        name: s.name,
        email: s.email,
    })
}

/// 「求職者情報を非公開にする」's confirmation, naming the seeker; 「いいえ」 returns to its page.
fn hide_confirmation(signed: &SignedIn, ctx: &Ctx, s: &Seeker) -> Result<Html<String>, AppError> {
    let page = format!("{}/seekers/{}", console_path(&signed.portal), s.user_id);
    let confirmation = Confirmation::new(ctx, ctx.t.get("seeker.op.hide_confirm"), format!("{page}/hide"))
        .fact(ctx.t.get("seeker.op.col_id"), s.seeker_id.as_str())
        .fact(ctx.t.get("op.users.col_name"), s.name.as_str())
        .fact(ctx.t.get("seeker.op.hide"), ctx.t.get("seeker.op.hide_lead"))
        .buttons(ctx.t.get("seeker.op.hide"), ctx.t.get("form.cancel"))
        .no_link(page)
        .danger();
    confirm::page(ctx, ctx.t.get("seeker.op.detail_title"), Some(&signed.portal), None, confirmation)
}

pub async fn hide_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Html<String>, AppError> {
    let s = seeker(&state, &signed, id).await?;
    hide_confirmation(&signed, &ctx, &s)
}

/// Turns the profile 非公開 (only with `_step=confirmed`): audited as `seeker.profile_hidden`;
/// a profile already 非公開 changes nothing and records nothing.
pub async fn hide(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    let s = seeker(&state, &signed, id).await?;
    if !form.confirmed() {
        return Ok(hide_confirmation(&signed, &ctx, &s)?.into_response());
    }
    let portal = &signed.portal.id;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    if store::hide(&mut tx, portal, s.user_id, now).await? {
        let actor = format!("operator:{}", signed.operator.id);
        let subject = subject(s.user_id);
        let entry = audit_entry(&signed.portal, &origin, "seeker.profile_hidden", Some(&subject), Some(&s.seeker_id));
        let entry = AuditEntry { actor: Some(&actor), ..entry };
        audit::record(&mut tx, &entry, now).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/seekers/{}?done=hidden", console_path(&signed.portal), s.user_id)).into_response())
}
