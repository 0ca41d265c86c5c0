//! A posting's history for its institution (jrec-in spec §1.6 item 6; modules spec §0.2):
//! every step of its review — 登録依頼, 再依頼・修正依頼, 承認 with the publication time,
//! 差戻し with the reason, the 事務局's 「編集」 with what it changed as a diff and its note —
//! and the institution's own 取り下げ, oldest first. The 事務局's staff appear as 「事務局」 (the
//! institution does not know them by name), the institution's users by name.
//!
//! Linked from 登録・一時保存, 修正・一時保存 and 登録/修正依頼中; another institution's posting,
//! or an unknown id, is a 404 like every address of the module.

use crate::KIND;
use crate::console::{HistoryLine, Reader, history_lines};
use crate::lifecycle::{Facts, PostingState};
use crate::pages::{base, language_label, organization, title_of};
use crate::store;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use madoguchi_store::drafts;
use madoguchi_store::review::{self as reviews, ItemKey, Scope};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

#[derive(Template)]
#[template(path = "job_postings/history.html")]
pub struct HistoryPage {
    pub chrome: Chrome,
    pub data_number: String,
    pub title: String,
    pub language_label: String,
    pub state: String,
    pub lines: Vec<HistoryLine>,
    pub list: String,
    pub list_label: String,
}

pub async fn page(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
) -> Result<Html<String>, AppError> {
    let organization = organization(&current)?;
    let now = state.clock.unix();
    let portal = &current.portal.id;
    let mut conn = state.store.acquire().await?;
    let posting = store::find(&mut conn, portal, organization, id).await?.ok_or(AppError::NotFound)?;
    let key = ItemKey { portal, kind: KIND, item_id: id };
    let item = reviews::find(&mut conn, key, Scope::Organization(organization)).await?;
    let events = reviews::history(&mut conn, key, Scope::Organization(organization)).await?;
    let draft = drafts::of_item(&mut conn, portal, organization, KIND, id).await?;
    let mut lines: Vec<(i64, HistoryLine)> =
        events.iter().map(|e| e.at).zip(history_lines(&mut conn, &ctx, &events, Reader::Institution).await?).collect();
    // The institution's 取り下げ is not a review step: its time and effect are the posting's.
    if let (Some(at), Some(until)) = (posting.withdrawn_at, posting.unpublish_at) {
        let line = HistoryLine {
            at: format_ts(at, ctx.lang),
            action: ctx.t.get("posting.history.withdrawn").to_string(),
            actor: ctx.t.get("posting.history.institution").to_string(),
            reason: None,
            effective: Some(ctx.t.get("posting.history.unpublished_at").replace("{at}", &format_ts(until, ctx.lang))),
            diff: Vec::new(),
        };
        let place = lines.iter().position(|(t, _)| *t > at).unwrap_or(lines.len());
        lines.insert(place, (at, line));
    }
    let public = posting.public();
    let title = title_of(
        draft
            .as_ref()
            .map(|d| d.payload.as_str())
            .or(item.as_ref().and_then(|i| i.pending_snapshot.as_deref()))
            .or(public.current(now).map(|c| c.snapshot)),
    );
    let has_approved = item.as_ref().is_some_and(|i| i.approved_snapshot.is_some());
    let facts = Facts::of(&posting, item.as_ref().map(|i| i.state), has_approved, draft.is_some(), now);
    let base = base(&current);
    html(&HistoryPage {
        chrome: ctx.chrome(ctx.t.get("posting.history.title"), Some(&current.portal), Some(Screen::PostingHistory)),
        data_number: posting.data_number_text(),
        title,
        language_label: language_label(&ctx, &posting.language),
        state: ctx.t.get(&PostingState::of(&facts, now).label_key()).to_string(),
        lines: lines.into_iter().map(|(_, l)| l).collect(),
        list: format!("{base}/{}", if has_approved { "revise" } else { "register" }),
        list_label: ctx
            .t
            .get(if has_approved { "posting.saved.to_revise" } else { "posting.saved.to_list" })
            .to_string(),
    })
}
