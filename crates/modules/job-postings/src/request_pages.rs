//! The institution's 「事務局へ依頼する」 (jrec-in spec §1.3 rule 7, §1.6 item 3): on the read-only
//! view of a posting 登録依頼中 or 修正依頼中 (`requested`), below the manual's instruction, the
//! form (種類, 依頼内容, 修正箇所) → the confirmation (「依頼する」 / 「戻る」, the platform's
//! `confirm` page, the input carried in hidden fields and checked again) → 「事務局への依頼完了」.
//! The view lists the requests filed about the posting with their state and the 事務局's
//! closing note. `posting.office_request.filed` goes to the audit log with the request.
//!
//! Decisions: a request can be filed only while the posting is under review (then only the
//! 事務局 can act; otherwise the institution's own screens do it), the 事務局 learns of it from
//! its 依頼一覧 (no mail: the console is where it works), and once the posting has left review
//! the institution reads the closing note in the mail, since the read-only view is gone.

use crate::form::control;
use crate::office_requests::{self, About, Typed};
use crate::pages::{base, organization, title_of};
use crate::request_view::{FiledLine, filed_line, kind_label};
use crate::requested::detail_page;
use crate::store::{self, Posting};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use madoguchi_core::review::ReviewState;
use madoguchi_store::Conn;
use madoguchi_store::audit;
use madoguchi_store::review::{self as reviews, ItemKey, Scope};
use madoguchi_web::confirm::{self, Confirmation, STEP_FIELD, Step};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// The organization's posting `id` and the 求人件名 under review, when it is 登録依頼中 or
/// 修正依頼中; None when it has left review (the 事務局 decided meanwhile).
async fn under_review(
    conn: &mut Conn,
    current: &CurrentUser,
    organization: i64,
    id: i64,
) -> Result<(Posting, Option<String>), AppError> {
    let posting = store::find(conn, &current.portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    let key = ItemKey { portal: &current.portal.id, kind: crate::KIND, item_id: id };
    let item = reviews::find(conn, key, Scope::Organization(organization)).await?;
    let title = item.filter(|i| i.state == ReviewState::UnderReview).map(|i| title_of(i.pending_snapshot.as_deref()));
    Ok((posting, title))
}

/// 「確認」 of the request form, 「依頼する」 and 「戻る」 of its confirmation.
pub async fn file(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, id)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let now = state.clock.unix();
    let typed = Typed::of(&pairs);
    let mut tx = state.store.begin().await?;
    let (posting, title) = under_review(&mut tx, &current, organization, id).await?;
    let Some(title) = title else {
        drop(tx);
        return crate::form::refused(&ctx, &current, "posting.office_request.refused.not_under_review");
    };
    let step = Step::of(control(&pairs, STEP_FIELD));
    if step == Step::Back {
        drop(tx);
        return Ok(detail_page(&state, &current, &ctx, id, typed, FieldErrors::default()).await?.into_response());
    }
    let checked = match office_requests::check(&typed) {
        Ok(checked) => checked,
        Err(problems) => {
            drop(tx);
            let mut errors = FieldErrors::default();
            for (field, key) in problems {
                errors.add(field, ctx.t.get(key));
            }
            return Ok(detail_page(&state, &current, &ctx, id, typed, errors).await?.into_response());
        }
    };
    if step != Step::Confirmed {
        drop(tx);
        let mut confirmation =
            Confirmation::new(&ctx, ctx.t.get("posting.office_request.question"), format!("{base}/{id}/requested"))
                .fact(ctx.t.get("posting.col.data_number"), posting.data_number_text())
                .fact(ctx.t.get("posting.field.title"), title)
                .fact(ctx.t.get("posting.office_request.kind"), kind_label(&ctx, Some(checked.kind)))
                .fact(ctx.t.get("posting.office_request.body"), checked.body.clone());
        if !checked.location.is_empty() {
            confirmation = confirmation.fact(ctx.t.get("posting.office_request.location"), checked.location.clone());
        }
        let confirmation = confirmation
            .carry("kind", checked.kind.as_str())
            .carry("body", checked.body)
            .carry("location", checked.location)
            .buttons(ctx.t.get("posting.office_request.send"), ctx.t.get("posting.office_request.back"));
        let page_title = ctx.t.get("posting.office_request.confirm_title");
        return Ok(confirm::page(
            &ctx,
            page_title,
            Some(&current.portal),
            Some(Screen::PostingRequestedDetail),
            confirmation,
        )?
        .into_response());
    }
    let about = About {
        portal: &current.portal.id,
        organization_id: organization,
        posting_id: id,
        user_id: current.user.id,
        data_number: posting.data_number,
        title: &title,
    };
    let (request, new) = office_requests::file(&mut tx, &about, &checked, now).await?;
    if !new {
        drop(tx);
        return Ok(Redirect::to(&format!("{base}/{id}/requests/{request}")).into_response());
    }
    let actor = format!("user:{}", current.user.id);
    let detail = format!("{} kind:{} request:{request}", posting.data_number_text(), checked.kind.as_str());
    let entry = audit_entry(&current.portal, &origin, office_requests::FILED, Some(&actor), Some(&detail));
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{base}/{id}/requests/{request}")).into_response())
}

#[derive(Template)]
#[template(path = "job_postings/office_request_filed.html")]
pub struct FiledPage {
    pub chrome: Chrome,
    pub data_number: String,
    pub title: String,
    pub request: FiledLine,
    pub view: String,
    pub list: String,
}

/// 「事務局への依頼完了」: the request as filed; 404 for another organization's.
pub async fn filed(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, id, request)): Path<(String, i64, i64)>,
) -> Result<Html<String>, AppError> {
    let organization = organization(&current)?;
    let mut conn = state.store.acquire().await?;
    let found = office_requests::find(&mut conn, &current.portal.id, Some(organization), request)
        .await?
        .filter(|r| r.posting_id == id)
        .ok_or(AppError::NotFound)?;
    let base = base(&current);
    html(&FiledPage {
        chrome: ctx.chrome(
            ctx.t.get("posting.office_request.done_title"),
            Some(&current.portal),
            Some(Screen::PostingRequestedDetail),
        ),
        data_number: found.data_number_text(),
        title: found.title.clone(),
        request: filed_line(&ctx, &found),
        view: format!("{base}/{id}/requested"),
        list: format!("{base}/requested"),
    })
}
