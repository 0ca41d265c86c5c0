//! The institution's screens before a posting is registered (jrec-in spec §1.3 rules 1–4,
//! §1.6 item 1): 登録・一時保存 (the list), the terms, the language, 「一時保存完了」.
//! The input form (from 「決定」 on), its confirmation and 「登録依頼」 are in `form`.

use crate::store::{self, Line};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use madoguchi_core::portal::Module;
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// The institution's organization, where the portal has the module; 404 otherwise (the router
/// gates the routes too, a handler called from elsewhere must not serve them either).
pub(crate) fn organization(current: &CurrentUser) -> Result<i64, AppError> {
    if !current.portal.settings.modules.contains(&Module::JobPostings) {
        return Err(AppError::NotFound);
    }
    current.user.organization_id.ok_or(AppError::NotFound)
}

/// The module's addresses hang under `/{portal}/job-postings`.
pub(crate) fn base(current: &CurrentUser) -> String {
    format!("/{}/job-postings", current.portal.id)
}

/// The language label of a posting (`ja` → 日本語).
pub(crate) fn language_label(ctx: &Ctx, language: &str) -> String {
    ctx.t.get(if language == "en" { "posting.lang.en" } else { "posting.lang.ja" }).to_string()
}

/// The 求人件名 a JSON snapshot or draft payload holds.
pub(crate) fn title_of(json: Option<&str>) -> String {
    json.and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .and_then(|v| v.get("title").and_then(|t| t.as_str()).map(str::to_string))
        .unwrap_or_default()
}

// ---- 登録・一時保存 ----

pub struct Row {
    pub data_number: String,
    pub title: String,
    /// The input form's address, or while 登録依頼中 the read-only view (§1.3).
    pub href: Option<String>,
    pub language: String,
    pub state: String,
    /// 必須未入力 of the draft; None where nothing is being edited.
    pub missing: Option<i64>,
    pub updated: String,
    /// The posting's history (§1.6 item 6), once it was requested.
    pub history: Option<String>,
    /// 「削除」's confirmation, for a draft or a returned posting (never public, §1.3 rule 11).
    pub delete: Option<String>,
}

#[derive(Template)]
#[template(path = "job_postings/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub rows: Vec<Row>,
    pub new_href: String,
    /// 「D000000001 を削除しました。」 after a deletion.
    pub notice: Option<String>,
}

/// A posting of this list: never registered (no approved version), in 一時保存, 差戻し or
/// 登録依頼中 (§1.6 item 1).
fn row(ctx: &Ctx, base: &str, line: &Line) -> Option<Row> {
    if line.approved_revision.is_some() {
        return None;
    }
    let (state, editable) = match line.review_state.as_deref() {
        None => ("posting.state.draft", true),
        Some("returned") => ("posting.state.returned", true),
        Some("under_review") => ("posting.state.requested", false),
        // Withdrawn before ever being approved: gone from the list.
        Some(_) => return None,
    };
    let source = line.draft_payload.as_deref().or(line.pending_snapshot.as_deref());
    let updated = [Some(line.posting.updated_at), line.draft_updated_at, line.review_updated_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(line.posting.updated_at);
    Some(Row {
        data_number: line.posting.data_number_text(),
        title: title_of(source),
        // 登録依頼中 opens read-only (登録/修正依頼中の求人公募情報).
        href: Some(if editable {
            format!("{base}/{}/edit", line.posting.id)
        } else {
            format!("{base}/{}/requested", line.posting.id)
        }),
        language: language_label(ctx, &line.posting.language),
        state: ctx.t.get(state).to_string(),
        missing: if editable { Some(line.missing_required.unwrap_or(0)) } else { None },
        updated: format_ts(updated, ctx.lang),
        history: line.review_state.is_some().then(|| format!("{base}/{}/history", line.posting.id)),
        // Rows of this list never had an approved version: a draft or a returned one may go.
        delete: editable.then(|| format!("{base}/{}/delete", line.posting.id)),
    })
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    /// The データ番号 just deleted.
    #[serde(default)]
    deleted: String,
}

pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    axum::extract::Query(query): axum::extract::Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let mut conn = state.store.acquire().await?;
    let lines = store::lines(&mut conn, &current.portal.id, organization).await?;
    html(&ListPage {
        chrome: ctx.chrome(ctx.t.get("posting.list.title"), Some(&current.portal), Some(Screen::PostingRegister)),
        rows: lines.iter().filter_map(|l| row(&ctx, &base, l)).collect(),
        new_href: format!("{base}/new"),
        // Only a データ番号's shape is echoed (the address is typed by anyone).
        notice: crate::data_number::DataNumber::parse(&query.deleted)
            .map(|n| ctx.t.get("posting.delete.done").replace("{number}", &n.to_string())),
    })
}

// ---- 新規作成: terms, then the language ----

#[derive(Template)]
#[template(path = "job_postings/terms.html")]
pub struct TermsPage {
    pub chrome: Chrome,
    pub action: String,
    pub back: String,
}

pub async fn terms(current: CurrentUser, ctx: Ctx) -> Result<Html<String>, AppError> {
    organization(&current)?;
    let base = base(&current);
    html(&TermsPage {
        chrome: ctx.chrome(ctx.t.get("posting.terms.title"), Some(&current.portal), Some(Screen::PostingTerms)),
        action: format!("{base}/new/language"),
        back: format!("{base}/register"),
    })
}

#[derive(Template)]
#[template(path = "job_postings/language.html")]
pub struct LanguagePage {
    pub chrome: Chrome,
    pub action: String,
    pub error: Option<String>,
}

pub(crate) fn language_page(ctx: &Ctx, current: &CurrentUser, error: Option<String>) -> Result<Html<String>, AppError> {
    html(&LanguagePage {
        chrome: ctx.chrome(ctx.t.get("posting.language.title"), Some(&current.portal), Some(Screen::PostingLanguage)),
        action: format!("{}/new/form", base(current)),
        error,
    })
}

/// 「上記に同意して、求人公募情報を作成する」 leads here (a POST, so that the agreement is a
/// press of the button); a GET shows the same page, for the browser's back button.
pub async fn language(current: CurrentUser, ctx: Ctx) -> Result<Html<String>, AppError> {
    organization(&current)?;
    language_page(&ctx, &current, None)
}

// ---- 一時保存完了 ----

#[derive(Template)]
#[template(path = "job_postings/saved.html")]
pub struct SavedPage {
    pub chrome: Chrome,
    pub data_number: String,
    pub title: String,
    pub list: String,
    /// The list's name: 登録・一時保存管理へ, or 修正・一時保存へ for a registered posting.
    pub list_label: String,
    pub edit: String,
}

pub async fn saved(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let mut conn = state.store.acquire().await?;
    let posting = store::find(&mut conn, &current.portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    let draft = madoguchi_store::drafts::of_item(&mut conn, &current.portal.id, organization, crate::KIND, id).await?;
    let Some(draft) = draft else {
        return Ok(Redirect::to(&format!("{base}/register")).into_response());
    };
    // A registered posting's draft is a revision: its list is 修正・一時保存.
    let registered = posting.public_snapshot.is_some();
    Ok(html(&SavedPage {
        chrome: ctx.chrome(ctx.t.get("posting.saved.title"), Some(&current.portal), Some(Screen::PostingSaved)),
        data_number: posting.data_number_text(),
        title: title_of(Some(&draft.payload)),
        list: format!("{base}/{}", if registered { "revise" } else { "register" }),
        list_label: ctx.t.get(if registered { "posting.saved.to_revise" } else { "posting.saved.to_list" }).to_string(),
        edit: format!("{base}/{id}/edit"),
    })?
    .into_response())
}
