//! The 事務局's two decisions on the 審査 page (jrec-in spec §1.3 rule 5, §1.11 item 2, §1.12;
//! modules spec §0.2, §0.3):
//!
//! - 「承認」 with a 反映日 (default the approval day): the review step, the public columns
//!   (`publish::Public::approve` — 22:00 of a same-day 反映日, 00:00 of a later one, a stored
//!   time, never a batch), the mail 「JREC-IN Portal求人公募情報登録完了のお知らせ」 with the time,
//!   `posting.review.approved` — one transaction.
//! - 「差戻し」 with a reason (the portal's canned texts and free text, 1–2,000 characters): the
//!   step, the mail with the reason, `posting.review.returned`.
//!
//! Both carry the `last_seq` the page showed: a decision taken on a stale page (another
//! operator decided meanwhile, the institution withdrew) is refused, not applied to what
//! changed. A refused input keeps what was typed and changes nothing.

use crate::console::{Typed, key, offered, review_page};
use crate::fields;
use crate::mails;
use crate::pages::title_of;
use crate::publish::Approved;
use crate::store;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use madoguchi_console::operator::SignedIn;
/// The 事務局's audit entries: the operator as actor, the institution as subject.
pub(crate) use madoguchi_console::operator::office_entry as entry;
use madoguchi_core::publication::{self, PublicationError};
use madoguchi_core::review::{self as rules, Actor, ReasonRule, ReviewAction, ReviewState};
use madoguchi_mail::MailKind;
use madoguchi_store::audit;
use madoguchi_store::review::{self as reviews, Scope, Step};
use madoguchi_web::ctx::{Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::state::AppState;

/// The prefix of the 事務局's review events: `posting.review.approved`, `.returned`.
pub const REVIEW_AUDIT_PREFIX: &str = "posting.review";

type Pairs = Vec<(String, String)>;

fn one<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

fn typed(pairs: &Pairs) -> Typed {
    Typed {
        reflect_on: one(pairs, "reflect_on").trim().chars().take(40).collect(),
        canned: pairs.iter().filter(|(k, _)| k == "canned").map(|(_, v)| v.clone()).collect(),
        reason: one(pairs, "reason").replace("\r\n", "\n"),
    }
}

/// The 反映日 as typed, checked against the approval day and the posting's 募集終了日.
fn reflect_on(ctx: &Ctx, raw: &str, end_date: Option<NaiveDate>, now: i64) -> Result<(NaiveDate, i64), String> {
    if raw.trim().is_empty() {
        return Err(ctx.t.get("posting.op.err.reflect_required").to_string());
    }
    let Some(day) = fields::date(raw) else {
        return Err(ctx.t.get("posting.op.err.reflect_format").to_string());
    };
    if end_date.is_some_and(|end| day > end) {
        let end = end_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        return Err(ctx.t.get("posting.op.err.reflect_after_end").replace("{date}", &end));
    }
    match publication::publish_at(now, day) {
        Ok(at) => Ok((day, at)),
        Err(PublicationError::ReflectDateInPast) => Err(ctx.t.get("posting.op.err.reflect_past").to_string()),
        Err(PublicationError::OutOfRange) => Err(ctx.t.get("posting.op.err.reflect_format").to_string()),
    }
}

async fn refused(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    id: i64,
    pairs: &Pairs,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    Ok((status, review_page(state, signed, ctx, id, typed(pairs), errors, None).await?).into_response())
}

fn refusal_status(refusal: rules::Refusal) -> StatusCode {
    if refusal == rules::Refusal::Conflict { StatusCode::CONFLICT } else { StatusCode::OK }
}

/// 「承認」.
pub async fn approve(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, id)): Path<(String, i64)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let portal = signed.portal.id.clone();
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let posting = store::find_any(&mut tx, &portal, id).await?.ok_or(AppError::NotFound)?;
    let item = reviews::find(&mut tx, key(&portal, id), Scope::Operator).await?.ok_or(AppError::NotFound)?;
    let pending = item.pending_snapshot.clone().filter(|_| item.state == ReviewState::UnderReview);
    let Some(pending) = pending else {
        drop(tx);
        let errors = FieldErrors::form(ctx.t.get("review.refused.not_under_review"));
        return refused(&state, &signed, &ctx, id, &pairs, errors, StatusCode::CONFLICT).await;
    };
    let end_text = text_field(&pending, "end_date");
    // A revision ending the posting early takes effect at once, with no 反映日 to choose.
    let at = if crate::lifecycle::ending_revision(&item, now).is_some() {
        now
    } else {
        match reflect_on(&ctx, one(&pairs, "reflect_on"), fields::date(&end_text), now) {
            Ok((_, at)) => at,
            Err(message) => {
                drop(tx);
                let errors = FieldErrors::field("reflect_on", &message);
                return refused(&state, &signed, &ctx, id, &pairs, errors, StatusCode::OK).await;
            }
        }
    };
    let office_changes = crate::edits::round_changes(&mut tx, &portal, id).await?;
    let expected = one(&pairs, "seq").trim().parse::<i64>().ok().or(Some(-1));
    let step = Step {
        action: ReviewAction::Approve,
        actor: Actor::Operator(signed.operator.id),
        reason: None,
        effective_at: Some(at),
        snapshot: None,
        expected_seq: expected,
    };
    if let Err(refusal) = reviews::record(&mut tx, key(&portal, id), posting.organization_id, &step, now).await? {
        drop(tx);
        let errors = FieldErrors::form(ctx.t.get(refusal.message_key()));
        return refused(&state, &signed, &ctx, id, &pairs, errors, refusal_status(refusal)).await;
    }
    let end_date = fields::date(&end_text).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or(end_text);
    let public = posting.public().approve(Approved { snapshot: &pending, end_date: &end_date, at }, now);
    store::set_public(&mut tx, &portal, posting.organization_id, id, &public, None, now).await?;
    let title = title_of(Some(&pending));
    let published = format_ts(at, madoguchi_core::Lang::Ja);
    mails::to_institution(
        &state,
        &mut tx,
        &signed.portal,
        &posting,
        &title,
        MailKind::PostingApproved,
        &[("published", &published), ("office_changes", &office_changes)],
    )
    .await?;
    let actor = format!("operator:{}", signed.operator.id);
    let event = ReviewAction::Approve.audit_event(REVIEW_AUDIT_PREFIX);
    let subject = format!("organization:{}", posting.organization_id);
    let detail = format!("{} publish_at:{at}", posting.data_number_text());
    audit::record(&mut tx, &entry(&signed, &origin, &event, &actor, &subject, &detail), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/{id}?done=approved", crate::console::console_base(&signed))).into_response())
}

/// 「差戻し」.
pub async fn send_back(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, id)): Path<(String, i64)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let portal = signed.portal.id.clone();
    let now = state.clock.unix();
    let typed = typed(&pairs);
    let canned: Vec<&str> = typed.canned.iter().map(String::as_str).collect();
    let reason = match rules::reason(ReasonRule::Required, &portal, &canned, &typed.reason) {
        Ok(Some(reason)) => reason,
        Ok(None) => {
            let errors = FieldErrors::field("reason", ctx.t.get("review.reason.required"));
            return refused(&state, &signed, &ctx, id, &pairs, errors, StatusCode::OK).await;
        }
        Err(e) => {
            let errors = FieldErrors::field("reason", ctx.t.get(e.message_key()));
            return refused(&state, &signed, &ctx, id, &pairs, errors, StatusCode::OK).await;
        }
    };
    let mut tx = state.store.begin().await?;
    let posting = store::find_any(&mut tx, &portal, id).await?.ok_or(AppError::NotFound)?;
    let item = reviews::find(&mut tx, key(&portal, id), Scope::Operator).await?.ok_or(AppError::NotFound)?;
    let expected = one(&pairs, "seq").trim().parse::<i64>().ok().or(Some(-1));
    let step = Step {
        action: ReviewAction::Return,
        actor: Actor::Operator(signed.operator.id),
        reason: Some(&reason),
        effective_at: None,
        snapshot: None,
        expected_seq: expected,
    };
    if let Err(refusal) = reviews::record(&mut tx, key(&portal, id), posting.organization_id, &step, now).await? {
        drop(tx);
        let errors = FieldErrors::form(ctx.t.get(refusal.message_key()));
        return refused(&state, &signed, &ctx, id, &pairs, errors, refusal_status(refusal)).await;
    }
    let title = title_of(item.pending_snapshot.as_deref());
    let office_changes = crate::edits::round_changes(&mut tx, &portal, id).await?;
    mails::to_institution(
        &state,
        &mut tx,
        &signed.portal,
        &posting,
        &title,
        MailKind::PostingReturned,
        &[("reason", &reason), ("office_changes", &office_changes)],
    )
    .await?;
    let actor = format!("operator:{}", signed.operator.id);
    let event = ReviewAction::Return.audit_event(REVIEW_AUDIT_PREFIX);
    let subject = format!("organization:{}", posting.organization_id);
    let detail = posting.data_number_text();
    audit::record(&mut tx, &entry(&signed, &origin, &event, &actor, &subject, &detail), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/{id}?done=returned", crate::console::console_base(&signed))).into_response())
}

/// A text field of a JSON snapshot ("" when absent).
fn text_field(json: &str, name: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get(name).and_then(|t| t.as_str()).map(str::to_string))
        .unwrap_or_default()
}
