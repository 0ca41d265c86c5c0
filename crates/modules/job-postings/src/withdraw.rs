//! 取り下げ (jrec-in spec §1.3 rule 8, §1.6 item 5; manual 「求人公募情報を取り下げるには?」):
//! 「求人機関メニュー > 求人公募情報管理 > 取り下げ」 lists the postings that are public or
//! waiting to be → the 求人件名 opens the posting as published → 「取り下げ」 → the confirmation
//! (「OK」, a page of its own so that it works without JavaScript) → 「情報取り下げ完了」.
//!
//! The posting leaves the public pages at 22:00 of that day (at once after 22:00,
//! `publication::unpublish_at`): a stored `unpublish_at`, no batch. A posting not yet public
//! is cancelled (it never reaches its 反映 time), a revision waiting for a later time never
//! comes, an unsent revision draft is discarded. The mail 「求人公募情報取り下げのお知らせ」 goes
//! to the institution's users and `posting.withdrawn` to the audit log, in the same
//! transaction. A posting 登録依頼中 or 修正依頼中 is refused with the manual's instruction to
//! contact the 事務局.

use crate::lifecycle::{self, Action, PostingState};
use crate::pages::{base, language_label, organization, title_of};
use crate::revise::{facts, title};
use crate::store::{self, Posting};
use crate::taxonomy::taxonomy;
use crate::view::{self, Shown};
use crate::{KIND, mails};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use madoguchi_core::publication;
use madoguchi_mail::MailKind;
use madoguchi_store::review::{self as reviews, ItemKey, Scope};
use madoguchi_store::{audit, drafts};
use madoguchi_web::confirm::{self, Confirmation, StepForm};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// The audit event of a 取り下げ.
pub const WITHDRAWN: &str = "posting.withdrawn";

pub struct Row {
    pub data_number: String,
    pub title: String,
    pub href: String,
    pub state: String,
    pub published: String,
    pub end_date: String,
}

#[derive(Template)]
#[template(path = "job_postings/withdraw.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub rows: Vec<Row>,
}

pub async fn list(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Html<String>, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let now = state.clock.unix();
    let mut conn = state.store.acquire().await?;
    let lines = store::lines(&mut conn, &current.portal.id, organization).await?;
    let rows = lines
        .iter()
        .filter(|l| lifecycle::may(Action::Withdraw, &facts(l, now), now).is_ok())
        .map(|l| Row {
            data_number: l.posting.data_number_text(),
            title: title(l, now),
            href: format!("{base}/{}/withdraw", l.posting.id),
            state: ctx.t.get(&PostingState::of(&facts(l, now), now).label_key()).to_string(),
            published: l.posting.publish_at.map(|t| format_ts(t, ctx.lang)).unwrap_or_default(),
            end_date: l.posting.public().current(now).and_then(|c| c.end_date).unwrap_or_default().to_string(),
        })
        .collect();
    html(&ListPage {
        chrome: ctx.chrome(ctx.t.get("posting.withdraw.title"), Some(&current.portal), Some(Screen::PostingWithdraw)),
        rows,
    })
}

/// The posting, its review item and whether the institution may withdraw it now.
async fn load(
    conn: &mut madoguchi_store::Conn,
    current: &CurrentUser,
    organization: i64,
    id: i64,
    now: i64,
) -> Result<(Posting, Result<(), lifecycle::Refusal>), AppError> {
    let posting = store::find(conn, &current.portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    let key = ItemKey { portal: &current.portal.id, kind: KIND, item_id: id };
    let item = reviews::find(conn, key, Scope::Organization(organization)).await?;
    let has_draft = drafts::of_item(conn, &current.portal.id, organization, KIND, id).await?.is_some();
    let facts = lifecycle::Facts::of(
        &posting,
        item.as_ref().map(|i| i.state),
        item.as_ref().is_some_and(|i| i.approved_snapshot.is_some()),
        has_draft,
        now,
    );
    Ok((posting, lifecycle::may(Action::Withdraw, &facts, now)))
}

#[derive(Template)]
#[template(path = "job_postings/withdraw_detail.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub data_number: String,
    pub language_label: String,
    pub shown: Vec<Shown>,
    pub ends: String,
    pub action: String,
    pub list: String,
}

/// The posting as the public sees it (or will), with 「取り下げ」.
pub async fn detail(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let now = state.clock.unix();
    let mut conn = state.store.acquire().await?;
    let (posting, allowed) = load(&mut conn, &current, organization, id, now).await?;
    if let Err(refusal) = allowed {
        return crate::form::refused(&ctx, &current, refusal.message_key());
    }
    let public = posting.public();
    let snapshot = public.current(now).map(|c| c.snapshot).unwrap_or("{}");
    let pairs = crate::console::snapshot_pairs(snapshot);
    let taxonomy = taxonomy().map_err(|e| AppError::Internal(format!("jrec-in taxonomy: {e}")))?;
    let until = publication::unpublish_at(now).map_err(|e| AppError::Internal(format!("withdrawal time: {e}")))?;
    let base = base(&current);
    Ok(html(&DetailPage {
        chrome: ctx.chrome(
            ctx.t.get("posting.withdraw.detail_title"),
            Some(&current.portal),
            Some(Screen::PostingWithdraw),
        ),
        data_number: posting.data_number_text(),
        language_label: language_label(&ctx, &posting.language),
        shown: view::shown(ctx.t, taxonomy, &pairs),
        ends: ends_words(&ctx, &posting, until, now),
        action: format!("{base}/{id}/withdraw"),
        list: format!("{base}/withdraw"),
    })?
    .into_response())
}

/// When the posting leaves the site, in words: 22:00 today, at once, or — not yet public — now.
fn ends_words(ctx: &Ctx, posting: &Posting, until: i64, now: i64) -> String {
    if posting.publish_at.is_none_or(|from| from > now) {
        return ctx.t.get("posting.withdraw.cancels").to_string();
    }
    ctx.t.get("posting.withdraw.ends").replace("{at}", &format_ts(until, ctx.lang))
}

/// 「取り下げ」 asks first (「OK」); the confirmed POST withdraws.
pub async fn withdraw(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, id)): Path<(String, i64)>,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let now = state.clock.unix();
    let until = publication::unpublish_at(now).map_err(|e| AppError::Internal(format!("withdrawal time: {e}")))?;
    let mut tx = state.store.begin().await?;
    let (posting, allowed) = load(&mut tx, &current, organization, id, now).await?;
    if let Err(refusal) = allowed {
        drop(tx);
        return crate::form::refused(&ctx, &current, refusal.message_key());
    }
    let public = posting.public();
    let title = title_of(public.current(now).map(|c| c.snapshot));
    if !form.confirmed() {
        drop(tx);
        let confirmation =
            Confirmation::new(&ctx, ctx.t.get("posting.withdraw.question"), format!("{base}/{id}/withdraw"))
                .fact(ctx.t.get("posting.col.data_number"), posting.data_number_text())
                .fact(ctx.t.get("posting.field.title"), title)
                .fact(ctx.t.get("posting.withdraw.col.ends"), ends_words(&ctx, &posting, until, now))
                .buttons(ctx.t.get("posting.withdraw.ok"), ctx.t.get("posting.withdraw.cancel"))
                .no_link(format!("{base}/{id}/withdraw"))
                .danger();
        let title = ctx.t.get("posting.withdraw.detail_title");
        return Ok(confirm::page(&ctx, title, Some(&current.portal), Some(Screen::PostingWithdraw), confirmation)?
            .into_response());
    }
    // Not yet public: gone at once (it never reaches its 反映 time); public: at 22:00.
    let effective = if posting.publish_at.is_none_or(|from| from > now) { now } else { until };
    let after = public.withdraw(effective, now);
    store::set_public(&mut tx, &current.portal.id, organization, id, &after, Some(now), now).await?;
    // An unsent revision can never be requested now.
    if let Some(draft) = drafts::of_item(&mut tx, &current.portal.id, organization, KIND, id).await? {
        drafts::delete(&mut tx, &current.portal.id, organization, draft.id).await?;
    }
    let until_words = format_ts(after.unpublish_at.unwrap_or(effective), madoguchi_core::Lang::Ja);
    mails::to_institution(
        &state,
        &mut tx,
        &current.portal,
        &posting,
        &title,
        MailKind::PostingWithdrawn,
        &[("until", &until_words)],
    )
    .await?;
    let actor = format!("user:{}", current.user.id);
    let detail = format!("{} unpublish_at:{}", posting.data_number_text(), after.unpublish_at.unwrap_or(effective));
    audit::record(&mut tx, &audit_entry(&current.portal, &origin, WITHDRAWN, Some(&actor), Some(&detail)), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{base}/{id}/withdrawn")).into_response())
}

#[derive(Template)]
#[template(path = "job_postings/withdrawn.html")]
pub struct DonePage {
    pub chrome: Chrome,
    pub data_number: String,
    pub title: String,
    pub ends: String,
    pub list: String,
}

/// 「情報取り下げ完了」: only for a posting the institution withdrew.
pub async fn done(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
) -> Result<Html<String>, AppError> {
    let organization = organization(&current)?;
    let mut conn = state.store.acquire().await?;
    let posting = store::find(&mut conn, &current.portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    let (Some(_), Some(until)) = (posting.withdrawn_at, posting.unpublish_at) else {
        return Err(AppError::NotFound);
    };
    let title = title_of(posting.public_snapshot.as_deref());
    html(&DonePage {
        chrome: ctx.chrome(
            ctx.t.get("posting.withdraw.done_title"),
            Some(&current.portal),
            Some(Screen::PostingWithdraw),
        ),
        data_number: posting.data_number_text(),
        title,
        ends: ctx.t.get("posting.withdraw.ended_at").replace("{at}", &format_ts(until, ctx.lang)),
        list: format!("{}/withdraw", base(&current)),
    })
}
