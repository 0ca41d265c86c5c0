//! 登録/修正依頼中の求人公募情報 (jrec-in spec §1.6 item 3, manual 「登録依頼または修正依頼中の
//! 公募を確認するには?」): the organization's postings under review, and each one read-only
//! with the manual's instruction to contact the 事務局 for a change or a withdrawal, and below
//! it the 「事務局へ依頼する」 form and the requests filed so far (`request_pages`).

use crate::office_requests::Typed;
use crate::pages::{base, language_label, organization, title_of};
use crate::request_view::{Section, section};
use crate::store;
use crate::taxonomy::taxonomy;
use crate::view::{self, Shown};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use madoguchi_store::review::{self as reviews, ItemKey, Scope};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

pub struct Row {
    pub data_number: String,
    pub title: String,
    pub href: String,
    pub language: String,
    /// 登録依頼中 or (for a registered posting's revision) 修正依頼中.
    pub state: String,
    pub requested: String,
    /// The posting's history (§1.6 item 6).
    pub history: String,
}

#[derive(Template)]
#[template(path = "job_postings/requested.html")]
pub struct RequestedPage {
    pub chrome: Chrome,
    pub rows: Vec<Row>,
}

pub async fn list(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Html<String>, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let mut conn = state.store.acquire().await?;
    let lines = store::lines(&mut conn, &current.portal.id, organization).await?;
    let rows = lines
        .iter()
        .filter(|l| l.review_state.as_deref() == Some("under_review"))
        .map(|l| Row {
            data_number: l.posting.data_number_text(),
            title: title_of(l.pending_snapshot.as_deref()),
            href: format!("{base}/{}/requested", l.posting.id),
            language: language_label(&ctx, &l.posting.language),
            state: ctx
                .t
                .get(if l.approved_revision.is_some() {
                    "posting.state.revision_requested"
                } else {
                    "posting.state.requested"
                })
                .to_string(),
            requested: l.review_updated_at.map(|t| format_ts(t, ctx.lang)).unwrap_or_default(),
            history: format!("{base}/{}/history", l.posting.id),
        })
        .collect();
    html(&RequestedPage {
        chrome: ctx.chrome(ctx.t.get("posting.requested.title"), Some(&current.portal), Some(Screen::PostingRequested)),
        rows,
    })
}

#[derive(Template)]
#[template(path = "job_postings/requested_detail.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub data_number: String,
    pub language_label: String,
    pub shown: Vec<Shown>,
    pub list: String,
    /// 「事務局へ依頼する」 and the requests filed about this posting.
    pub requests: Section,
    pub errors: FieldErrors,
}

/// One posting under review, as requested; 404 for one that is not (or not the organization's).
pub async fn detail(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
) -> Result<Html<String>, AppError> {
    detail_page(&state, &current, &ctx, id, Typed::default(), FieldErrors::default()).await
}

/// The read-only view with the request form holding `typed` and `errors` beside its fields.
pub(crate) async fn detail_page(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    id: i64,
    typed: Typed,
    errors: FieldErrors,
) -> Result<Html<String>, AppError> {
    let organization = organization(current)?;
    let mut conn = state.store.acquire().await?;
    let posting = store::find(&mut conn, &current.portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    let key = ItemKey { portal: &current.portal.id, kind: crate::KIND, item_id: id };
    let item = reviews::find(&mut conn, key, Scope::Organization(organization)).await?;
    let Some(snapshot) =
        item.filter(|i| i.state == madoguchi_core::review::ReviewState::UnderReview).and_then(|i| i.pending_snapshot)
    else {
        return Err(AppError::NotFound);
    };
    let pairs = serde_json::from_str::<serde_json::Value>(&snapshot)
        .map(|v| crate::fields::pairs_of(&v))
        .map_err(|e| AppError::Internal(format!("posting {id} snapshot: {e}")))?;
    let taxonomy = taxonomy().map_err(|e| AppError::Internal(format!("jrec-in taxonomy: {e}")))?;
    html(&DetailPage {
        chrome: ctx.chrome(
            ctx.t.get("posting.requested.detail_title"),
            Some(&current.portal),
            Some(Screen::PostingRequestedDetail),
        ),
        data_number: posting.data_number_text(),
        language_label: language_label(ctx, &posting.language),
        shown: view::shown(ctx.t, taxonomy, &pairs),
        list: format!("{}/requested", base(current)),
        requests: section(&mut conn, ctx, current, organization, id, typed).await?,
        errors,
    })
}
