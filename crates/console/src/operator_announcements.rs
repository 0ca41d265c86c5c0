//! 連絡事項 (announcements) in the operator console: listed with their state, created,
//! edited and deleted; each shows on the portal's first screen between its dates.

use crate::operator::{SignedIn, console_path, local, normalize_newlines};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Html;
use chrono::NaiveDateTime;
use madoguchi_core::clock::JST;
use madoguchi_core::{Lang, Portal};
use madoguchi_store::content;
use madoguchi_web::confirm::{self, Confirmation, StepForm};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

pub struct AnnouncementRow {
    pub id: i64,
    pub title: String,
    pub period: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "operator/announcements.html")]
pub struct AnnouncementsPage {
    pub chrome: Chrome,
    pub base: String,
    pub rows: Vec<AnnouncementRow>,
    pub notice: Option<String>,
}

async fn announcements_page(
    state: &AppState,
    portal: &Portal,
    ctx: &Ctx,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    let now = state.clock.unix();
    let list = {
        let mut conn = state.store.acquire().await?;
        content::all_announcements(&mut conn, &portal.id).await?
    };
    let rows = list
        .into_iter()
        .map(|a| {
            let state_key = if a.starts_at > now {
                "op.ann.state_scheduled"
            } else if a.ends_at.is_some_and(|e| e <= now) {
                "op.ann.state_ended"
            } else {
                "op.ann.state_live"
            };
            let title = if ctx.lang == Lang::En && !a.title_en.is_empty() { a.title_en } else { a.title_ja };
            AnnouncementRow {
                id: a.id,
                title,
                period: format!(
                    "{} ～ {}",
                    local(a.starts_at).replace('T', " "),
                    a.ends_at.map(|e| local(e).replace('T', " ")).unwrap_or_default()
                ),
                state: ctx.t.get(state_key).to_string(),
            }
        })
        .collect();
    html(&AnnouncementsPage {
        chrome: ctx.chrome(ctx.t.get("op.ann.title"), Some(portal), None),
        base: console_path(portal),
        rows,
        notice,
    })
}

pub async fn announcements(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
) -> Result<Html<String>, AppError> {
    announcements_page(&state, &signed.portal, &ctx, None).await
}

#[derive(Deserialize, Default, Clone)]
pub struct AnnouncementForm {
    #[serde(default)]
    pub title_ja: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub body_ja: String,
    #[serde(default)]
    pub body_en: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
}

#[derive(Template)]
#[template(path = "operator/announcement_form.html")]
pub struct AnnouncementFormPage {
    pub chrome: Chrome,
    pub base: String,
    pub action: String,
    pub form: AnnouncementForm,
    pub errors: FieldErrors,
    pub delete_action: Option<String>,
}

fn parse_local(raw: &str) -> Option<i64> {
    let raw = madoguchi_web::forms::fold(raw);
    let raw = raw.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .and_then(|n| n.and_local_timezone(JST).single())
        .map(|d| d.timestamp())
}

/// The announcement's rules: Japanese title and text required, lengths, dates in order.
fn check_announcement(form: &AnnouncementForm, ctx: &Ctx) -> Result<content::AnnouncementInput, FieldErrors> {
    let t = ctx.t;
    let mut errors = FieldErrors::default();
    let len = |s: &str| s.trim().chars().count();
    if len(&form.title_ja) == 0 {
        errors.add("title_ja", t.get("op.ann.err.title_required"));
    } else if len(&form.title_ja) > 100 {
        errors.add("title_ja", t.get("op.ann.err.title_long"));
    }
    if len(&form.title_en) > 100 {
        errors.add("title_en", t.get("op.ann.err.title_long"));
    }
    if len(&form.body_ja) == 0 {
        errors.add("body_ja", t.get("op.ann.err.body_required"));
    } else if len(&form.body_ja) > 2000 {
        errors.add("body_ja", t.get("op.ann.err.body_long"));
    }
    if len(&form.body_en) > 2000 {
        errors.add("body_en", t.get("op.ann.err.body_long"));
    }
    let starts = if form.starts_at.trim().is_empty() {
        errors.add("starts_at", t.get("op.ann.err.start_required"));
        None
    } else {
        let parsed = parse_local(&form.starts_at);
        if parsed.is_none() {
            errors.add("starts_at", t.get("op.ann.err.date"));
        }
        parsed
    };
    let ends = if form.ends_at.trim().is_empty() {
        None
    } else {
        let parsed = parse_local(&form.ends_at);
        match (parsed, starts) {
            (None, _) => errors.add("ends_at", t.get("op.ann.err.date")),
            (Some(e), Some(s)) if e <= s => errors.add("ends_at", t.get("op.ann.err.end_before_start")),
            _ => {}
        }
        parsed
    };
    match starts {
        Some(starts_at) if errors.is_empty() => Ok(content::AnnouncementInput {
            title_ja: form.title_ja.trim().to_string(),
            title_en: form.title_en.trim().to_string(),
            body_ja: normalize_newlines(&form.body_ja),
            body_en: normalize_newlines(&form.body_en),
            starts_at,
            ends_at: ends,
        }),
        _ => Err(errors),
    }
}

fn form_page(
    ctx: &Ctx,
    portal: &Portal,
    id: Option<i64>,
    form: AnnouncementForm,
    errors: FieldErrors,
) -> Result<Html<String>, AppError> {
    let base = console_path(portal);
    let (title, action, delete_action) = match id {
        None => (ctx.t.get("op.ann.new"), format!("{base}/announcements/new"), None),
        Some(id) => (
            ctx.t.get("op.ann.edit"),
            format!("{base}/announcements/{id}"),
            Some(format!("{base}/announcements/{id}/delete")),
        ),
    };
    html(&AnnouncementFormPage {
        chrome: ctx.chrome(title, Some(portal), None),
        base,
        action,
        form,
        errors,
        delete_action,
    })
}

pub async fn new_announcement_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
) -> Result<Html<String>, AppError> {
    let form = AnnouncementForm { starts_at: local(state.clock.unix()), ..AnnouncementForm::default() };
    form_page(&ctx, &signed.portal, None, form, FieldErrors::default())
}

pub async fn create_announcement(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Form(form): Form<AnnouncementForm>,
) -> Result<Html<String>, AppError> {
    let input = match check_announcement(&form, &ctx) {
        Ok(input) => input,
        Err(errors) => return form_page(&ctx, &signed.portal, None, form, errors),
    };
    let now = state.clock.unix();
    let mut conn = state.store.acquire().await?;
    content::insert_announcement(&mut conn, &signed.portal.id, &input, now).await?;
    drop(conn);
    state.notices.forget(&signed.portal.id);
    announcements_page(&state, &signed.portal, &ctx, Some(ctx.t.get("form.saved").to_string())).await
}

pub async fn edit_announcement_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Html<String>, AppError> {
    let found = {
        let mut conn = state.store.acquire().await?;
        content::find_announcement(&mut conn, &signed.portal.id, id).await?
    };
    let a = found.ok_or(AppError::NotFound)?;
    let form = AnnouncementForm {
        title_ja: a.title_ja,
        title_en: a.title_en,
        body_ja: a.body_ja,
        body_en: a.body_en,
        starts_at: local(a.starts_at),
        ends_at: a.ends_at.map(local).unwrap_or_default(),
    };
    form_page(&ctx, &signed.portal, Some(id), form, FieldErrors::default())
}

pub async fn update_announcement(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<AnnouncementForm>,
) -> Result<Html<String>, AppError> {
    let input = match check_announcement(&form, &ctx) {
        Ok(input) => input,
        Err(errors) => return form_page(&ctx, &signed.portal, Some(id), form, errors),
    };
    let updated = {
        let mut conn = state.store.acquire().await?;
        content::update_announcement(&mut conn, &signed.portal.id, id, &input, state.clock.unix()).await?
    };
    state.notices.forget(&signed.portal.id);
    if !updated {
        return Err(AppError::NotFound);
    }
    announcements_page(&state, &signed.portal, &ctx, Some(ctx.t.get("form.saved").to_string())).await
}

/// 削除's confirmation, naming the announcement; 「キャンセル」 returns to its edit page.
async fn delete_confirmation(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    id: i64,
) -> Result<Html<String>, AppError> {
    let found = {
        let mut conn = state.store.acquire().await?;
        content::find_announcement(&mut conn, &signed.portal.id, id).await?
    };
    let a = found.ok_or(AppError::NotFound)?;
    let base = console_path(&signed.portal);
    let period = format!(
        "{} ～ {}",
        local(a.starts_at).replace('T', " "),
        a.ends_at.map(local).unwrap_or_default().replace('T', " ")
    );
    let confirmation =
        Confirmation::new(ctx, ctx.t.get("op.ann.delete_confirm"), format!("{base}/announcements/{id}/delete"))
            .fact(ctx.t.get("op.ann.title_ja"), a.title_ja.as_str())
            .fact(ctx.t.get("op.ann.col_period"), period)
            .buttons(ctx.t.get("form.delete"), ctx.t.get("form.cancel"))
            .no_link(format!("{base}/announcements/{id}"))
            .danger();
    confirm::page(ctx, ctx.t.get("op.ann.title"), Some(&signed.portal), None, confirmation)
}

pub async fn delete_announcement_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Html<String>, AppError> {
    delete_confirmation(&state, &signed, &ctx, id).await
}

pub async fn delete_announcement(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<StepForm>,
) -> Result<Html<String>, AppError> {
    if !form.confirmed() {
        return delete_confirmation(&state, &signed, &ctx, id).await;
    }
    let deleted = {
        let mut conn = state.store.acquire().await?;
        content::delete_announcement(&mut conn, &signed.portal.id, id).await?
    };
    state.notices.forget(&signed.portal.id);
    if !deleted {
        return Err(AppError::NotFound);
    }
    announcements_page(&state, &signed.portal, &ctx, Some(ctx.t.get("form.deleted").to_string())).await
}
