//! 「削除」 of a posting that never was public (jrec-in spec §1.3 rule 11, Choice): a 一時保存
//! draft or a 差戻し posting, never approved. 登録・一時保存 links it on those rows; the address
//! answers the platform's confirmation page (`GET`, and a `POST` without `_step=confirmed`), so
//! that it works without JavaScript and nothing is deleted unconfirmed. Confirmed, the posting
//! row, its drafts (the form and a copy a login restored) and its review item with the history
//! go in one transaction with `posting.deleted` in the audit log (the データ番号 is not handed
//! out again: the serial never goes back).
//!
//! Refused — the posting stays, whatever was posted — once a version was ever approved (it was
//! or is public: 取り下げ is the way to end it, and its history is the record of what the public
//! saw), and while 登録依頼中 (the manual's instruction to contact the 事務局).

use crate::KIND;
use crate::lifecycle::{self, Action, Facts, PostingState};
use crate::pages::{base, organization, title_of};
use crate::store::{self, Posting};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_store::review::{self as reviews, ItemKey, Scope};
use madoguchi_store::{Conn, audit, drafts};
use madoguchi_web::confirm::{self, Confirmation, StepForm};
use madoguchi_web::ctx::{Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// The audit event of a deletion.
pub const DELETED: &str = "posting.deleted";

/// What the page says about the posting: its title and state, or why it may not be deleted.
struct Found {
    posting: Posting,
    title: String,
    state: PostingState,
    allowed: Result<(), &'static str>,
}

async fn load(conn: &mut Conn, current: &CurrentUser, organization: i64, id: i64, now: i64) -> Result<Found, AppError> {
    let portal = &current.portal.id;
    let posting = store::find(conn, portal, organization, id).await?.ok_or(AppError::NotFound)?;
    let key = ItemKey { portal, kind: KIND, item_id: id };
    let item = reviews::find(conn, key, Scope::Organization(organization)).await?;
    let draft = drafts::of_item(conn, portal, organization, KIND, id).await?;
    let has_approved = item.as_ref().is_some_and(|i| i.approved_snapshot.is_some());
    let facts = Facts::of(&posting, item.as_ref().map(|i| i.state), has_approved, draft.is_some(), now);
    let ever_public = has_approved || posting.public_snapshot.is_some() || posting.publish_at.is_some();
    let allowed = match lifecycle::may(Action::Delete, &facts, now) {
        Ok(()) if !ever_public => Ok(()),
        Err(lifecycle::Refusal::UnderRequest) => Err("posting.refused.under_request"),
        _ => Err("posting.delete.refused"),
    };
    let title = title_of(
        draft.as_ref().map(|d| d.payload.as_str()).or(item.as_ref().and_then(|i| i.pending_snapshot.as_deref())),
    );
    Ok(Found { state: PostingState::of(&facts, now), posting, title, allowed })
}

fn confirmation(ctx: &Ctx, current: &CurrentUser, found: &Found) -> Result<Response, AppError> {
    let base = base(current);
    let id = found.posting.id;
    let title =
        if found.title.is_empty() { ctx.t.get("posting.list.untitled").to_string() } else { found.title.clone() };
    let confirmation = Confirmation::new(ctx, ctx.t.get("posting.delete.question"), format!("{base}/{id}/delete"))
        .fact(ctx.t.get("posting.col.data_number"), found.posting.data_number_text())
        .fact(ctx.t.get("posting.field.title"), title)
        .fact(ctx.t.get("posting.col.state"), ctx.t.get(&found.state.label_key()))
        .buttons(ctx.t.get("posting.delete.yes"), ctx.t.get("posting.delete.no"))
        .no_link(format!("{base}/register"))
        .danger();
    let title = ctx.t.get("posting.delete.title");
    Ok(confirm::page(ctx, title, Some(&current.portal), Some(Screen::PostingRegister), confirmation)?.into_response())
}

fn refused(ctx: &Ctx, current: &CurrentUser, key: &str) -> Result<Response, AppError> {
    let page = crate::form::refused(ctx, current, key)?;
    Ok((StatusCode::CONFLICT, page).into_response())
}

/// The confirmation page: 「この求人公募情報を削除しますか？」.
pub async fn ask(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let mut conn = state.store.acquire().await?;
    let found = load(&mut conn, &current, organization, id, state.clock.unix()).await?;
    if let Err(key) = found.allowed {
        return refused(&ctx, &current, key);
    }
    confirmation(&ctx, &current, &found)
}

/// 「削除」 confirmed: the posting, its drafts and its review item go; unconfirmed, the
/// confirmation page again.
pub async fn delete(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, id)): Path<(String, i64)>,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let portal = current.portal.id.clone();
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let found = load(&mut tx, &current, organization, id, now).await?;
    if let Err(key) = found.allowed {
        drop(tx);
        return refused(&ctx, &current, key);
    }
    if !form.confirmed() {
        drop(tx);
        return confirmation(&ctx, &current, &found);
    }
    while let Some(draft) = drafts::of_item(&mut tx, &portal, organization, KIND, id).await? {
        drafts::delete(&mut tx, &portal, organization, draft.id).await?;
    }
    store::drop_restored(&mut tx, &portal, organization, id).await?;
    let key = ItemKey { portal: &portal, kind: KIND, item_id: id };
    reviews::delete_unapproved(&mut tx, key, organization).await?;
    if !store::delete_never_public(&mut tx, &portal, organization, id).await? {
        // The columns say it was public after all (a write between the check and here cannot
        // happen inside the transaction; this is the row's own guard): nothing is deleted.
        drop(tx);
        return refused(&ctx, &current, "posting.delete.refused");
    }
    let actor = format!("user:{}", current.user.id);
    let detail = found.posting.data_number_text();
    audit::record(&mut tx, &audit_entry(&current.portal, &origin, DELETED, Some(&actor), Some(&detail)), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/register?deleted={detail}", base(&current))).into_response())
}
