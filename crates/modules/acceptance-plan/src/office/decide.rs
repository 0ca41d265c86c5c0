//! The office's three decisions on the 審査 page (mlit-plan.md §4.4, §4.6; modules spec §0.2):
//!
//! - 「補正依頼」: comments required — the portal's canned texts, a general comment and a
//!   comment per section (Parts 1–5, each worker block, the attachments), at most 2,000
//!   characters together as the step's reason (Choice, §0.2) — ⇒ 補正中. The per-section
//!   comments are kept (`plan_review_comments`) so the company sees each beside its section;
//!   the mail carries them all. `plan.correction_requested`.
//! - 「認定」: every criterion of the checklist confirmed and a 認定日 (default today; not after
//!   today, not before the 申請日) ⇒ 認定済 with the 認定番号 `<局略称>-<yyyy>-<6 digits>` (the
//!   year of the 認定日, the office's serial of that year, `routing::approval_number`), the mail
//!   with the number, `plan.certified`. The 認定通知書 is made from the certified version on
//!   request (`notice`).
//! - 「不認定」: a reason (1–2,000 characters) ⇒ 不認定, the mail with the reason,
//!   `plan.rejected`. The company may apply anew (the workflow's new round).
//!
//! Each carries the item's `last_seq` as the page showed it: a decision on a stale page (another
//! operator decided, the company resubmitted) is refused with 「他の画面で更新されています。…」
//! and records nothing. Refused input keeps what was typed, next to its field and in the
//! summary, and changes nothing.

use crate::bureau::{CRITERIA, Typed, console_base, item_key, load, review_page};
use crate::mails;
use crate::routing;
use crate::store;
use crate::submitted::{self, Submitted};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use madoguchi_console::operator::{SignedIn, office_entry as entry};
use madoguchi_core::review::{self as rules, Actor, ReasonRule, Refusal, ReviewAction, ReviewState};
use madoguchi_mail::MailKind;
use madoguchi_store::audit;
use madoguchi_store::review::{self as reviews, Step};
use madoguchi_web::ctx::{Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::state::AppState;

type Pairs = Vec<(String, String)>;

fn one<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

fn text(pairs: &Pairs, name: &str) -> String {
    one(pairs, name).replace("\r\n", "\n")
}

fn typed(pairs: &Pairs) -> Typed {
    Typed {
        canned: pairs.iter().filter(|(k, _)| k == "canned").map(|(_, v)| v.clone()).collect(),
        reason: text(pairs, "reason"),
        comments: pairs
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("comment_").map(|s| (s.to_string(), v.replace("\r\n", "\n"))))
            .collect(),
        criteria: pairs.iter().filter(|(k, _)| k == "criteria").map(|(_, v)| v.clone()).collect(),
        certified_on: one(pairs, "certified_on").trim().chars().take(40).collect(),
        reject_reason: text(pairs, "reject_reason"),
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

fn refusal_errors(ctx: &Ctx, refusal: Refusal) -> (FieldErrors, StatusCode) {
    let status = if matches!(refusal, Refusal::Conflict | Refusal::NotUnderReview) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (FieldErrors::form(ctx.t.get(refusal.message_key())), status)
}

/// The office's step on the plan, expected to follow the history the 審査 page showed (its
/// `seq`; a missing one never matches).
fn office_step<'a>(action: ReviewAction, signed: &SignedIn, reason: Option<&'a str>, pairs: &Pairs) -> Step<'a> {
    Step {
        action,
        actor: Actor::Operator(signed.operator.id),
        reason,
        effective_at: None,
        snapshot: None,
        expected_seq: one(pairs, "seq").trim().parse::<i64>().ok().or(Some(-1)),
    }
}

/// 「補正依頼」.
pub async fn request_correction(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, id)): Path<(String, i64)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let portal = signed.portal.id.clone();
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let found = load(&mut tx, &signed, id).await?;
    let current = Submitted::parse(found.item.pending_snapshot.as_deref().unwrap_or("{}"));
    let typed = typed(&pairs);
    // The comments of the sections this submission has, in the plan's order, each labelled
    // with its section in the reason (the mail and the history show them so).
    let mut errors = FieldErrors::default();
    let mut comments: Vec<(String, String)> = Vec::new();
    let mut labelled = vec![typed.reason.trim().to_string()];
    for section in submitted::sections(ctx.t, &current.form) {
        let Some((_, body)) = typed.comments.iter().find(|(k, _)| *k == section.key) else { continue };
        let body = body.trim();
        if body.is_empty() {
            continue;
        }
        if body.chars().count() > rules::REASON_MAX_CHARS {
            errors.add(&format!("comment_{}", section.key), ctx.t.get("review.reason.too_long"));
            continue;
        }
        labelled.push(format!("【{}】{}", section.title, body));
        comments.push((section.key, body.to_string()));
    }
    let canned: Vec<&str> = typed.canned.iter().map(String::as_str).collect();
    let free = labelled.into_iter().filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
    let reason = match rules::reason(ReasonRule::Required, &portal, &canned, &free) {
        Ok(Some(reason)) if errors.is_empty() => reason,
        Ok(_) => {
            if errors.is_empty() {
                errors.add("reason", ctx.t.get("plan.review.err.comments_required"));
            }
            drop(tx);
            return refused(&state, &signed, &ctx, id, &pairs, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => {
            let message = match e {
                rules::ReasonError::Required => ctx.t.get("plan.review.err.comments_required"),
                rules::ReasonError::TooLong => ctx.t.get("plan.review.err.comments_too_long"),
                rules::ReasonError::UnknownCanned => ctx.t.get(e.message_key()),
            };
            errors.add("reason", message);
            drop(tx);
            return refused(&state, &signed, &ctx, id, &pairs, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let step = office_step(ReviewAction::Return, &signed, Some(&reason), &pairs);
    let organization = found.plan.organization_id;
    let recorded = match reviews::record(&mut tx, item_key(&portal, id), organization, &step, now).await? {
        Ok(recorded) => recorded,
        Err(refusal) => {
            drop(tx);
            let (errors, status) = refusal_errors(&ctx, refusal);
            return refused(&state, &signed, &ctx, id, &pairs, errors, status).await;
        }
    };
    store::add_comments(&mut tx, id, recorded.seq, &comments).await?;
    let bureau = &found.bureau.code;
    let values = [("reason", reason.as_str())];
    mails::to_organization(
        &state,
        &mut tx,
        &signed.portal,
        organization,
        bureau,
        MailKind::PlanCorrectionRequested,
        &values,
    )
    .await?;
    let actor = format!("operator:{}", signed.operator.id);
    let subject = format!("organization:{organization}");
    let sections: Vec<&str> = comments.iter().map(|(k, _)| k.as_str()).collect();
    let detail = format!("plan {id} by {bureau}; sections: {}", sections.join(","));
    let event = "plan.correction_requested";
    audit::record(&mut tx, &entry(&signed, &origin, event, &actor, &subject, &detail), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/{id}?done=returned", console_base(&signed))).into_response())
}

/// The 認定日 as typed: a date, not after today, not before the 申請日.
fn certified_on(
    ctx: &Ctx,
    raw: &str,
    applied_on: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<chrono::NaiveDate, String> {
    if raw.trim().is_empty() {
        return Err(ctx.t.get("plan.review.err.certified_on_required").to_string());
    }
    let Ok(day) = crate::ids::date(raw) else {
        return Err(ctx.t.get("plan.review.err.certified_on_format").to_string());
    };
    if day > today {
        return Err(ctx.t.get("plan.review.err.certified_on_future").to_string());
    }
    if let Some(applied) = applied_on.and_then(|d| crate::ids::date(d).ok())
        && day < applied
    {
        return Err(ctx.t.get("plan.review.err.certified_on_before").replace("{date}", &applied.to_string()));
    }
    Ok(day)
}

/// 「認定」.
pub async fn certify(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, id)): Path<(String, i64)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let portal = signed.portal.id.clone();
    let now = state.clock.unix();
    let today = crate::pages::today(now)?;
    let mut tx = state.store.begin().await?;
    let found = load(&mut tx, &signed, id).await?;
    let typed = typed(&pairs);
    let change = crate::bureau::is_change(&found.item);
    // A 変更申請's 認定日 is not before its own 申請 (the round's date), a plan's not before its 申請日.
    let applied_on = if change {
        madoguchi_core::publication::jst_date(found.item.submitted_at).map(|d| d.to_string())
    } else {
        found.plan.applied_on.clone()
    };
    let mut errors = FieldErrors::default();
    if CRITERIA.iter().any(|c| !typed.criteria.iter().any(|t| t == c)) {
        errors.add("criteria", ctx.t.get("plan.review.err.criteria"));
    }
    let day = match certified_on(&ctx, &typed.certified_on, applied_on.as_deref(), today) {
        Ok(day) => Some(day),
        Err(message) => {
            errors.add("certified_on", &message);
            None
        }
    };
    let (true, Some(day)) = (errors.is_empty(), day) else {
        drop(tx);
        return refused(&state, &signed, &ctx, id, &pairs, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if found.item.state != ReviewState::UnderReview {
        drop(tx);
        let (errors, status) = refusal_errors(&ctx, Refusal::NotUnderReview);
        return refused(&state, &signed, &ctx, id, &pairs, errors, status).await;
    }
    let mut step = office_step(ReviewAction::Approve, &signed, None, &pairs);
    if change {
        // The change's 認定日 is kept in the plan's history (the step's effective time, the
        // day's start in JST); the plan's own 認定日 and 認定番号 stay.
        step.effective_at = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp() - 9 * 3600);
    }
    let organization = found.plan.organization_id;
    if let Err(refusal) = reviews::record(&mut tx, item_key(&portal, id), organization, &step, now).await? {
        drop(tx);
        let (errors, status) = refusal_errors(&ctx, refusal);
        return refused(&state, &signed, &ctx, id, &pairs, errors, status).await;
    }
    let bureau = &found.bureau.code;
    if change {
        let number = found.plan.approval_number.clone().unwrap_or_default();
        let certified_on = day.to_string();
        let values = [("approval_number", number.as_str()), ("certified_on", certified_on.as_str())];
        let kind = MailKind::PlanChangeCertified;
        mails::to_organization(&state, &mut tx, &signed.portal, organization, bureau, kind, &values).await?;
        store::touch(&mut tx, id, now).await?;
        let actor = format!("operator:{}", signed.operator.id);
        let subject = format!("organization:{organization}");
        let detail = format!("plan {id} {number} change on {certified_on}; criteria: {}", CRITERIA.join(","));
        let event = "plan.change_certified";
        audit::record(&mut tx, &entry(&signed, &origin, event, &actor, &subject, &detail), now).await?;
        tx.commit().await?;
        return Ok(Redirect::to(&format!("{}/{id}?done=certified", console_base(&signed))).into_response());
    }
    let year = day.year();
    let serial = madoguchi_store::serials::next(&mut tx, &portal, &format!("approval_number:{bureau}:{year}")).await?;
    let serial = u32::try_from(serial).map_err(|_| AppError::Internal(format!("approval serial {serial}")))?;
    let number = routing::approval_number(bureau, year, serial)
        .map_err(|e| AppError::Internal(format!("approval number {bureau} {year} {serial}: {e:?}")))?;
    let certified_on = day.to_string();
    store::certified(&mut tx, id, &number, &certified_on, now).await?;
    let values = [("approval_number", number.as_str()), ("certified_on", certified_on.as_str())];
    mails::to_organization(&state, &mut tx, &signed.portal, organization, bureau, MailKind::PlanCertified, &values)
        .await?;
    let actor = format!("operator:{}", signed.operator.id);
    let subject = format!("organization:{organization}");
    let detail = format!("plan {id} {number} on {certified_on}; criteria: {}", CRITERIA.join(","));
    audit::record(&mut tx, &entry(&signed, &origin, "plan.certified", &actor, &subject, &detail), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/{id}?done=certified", console_base(&signed))).into_response())
}

/// 「不認定」.
pub async fn reject(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, id)): Path<(String, i64)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let portal = signed.portal.id.clone();
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let found = load(&mut tx, &signed, id).await?;
    let typed = typed(&pairs);
    let reason = match rules::reason(ReasonRule::Required, &portal, &[], &typed.reject_reason) {
        Ok(Some(reason)) => reason,
        Ok(None) | Err(rules::ReasonError::Required) => {
            drop(tx);
            let errors = FieldErrors::field("reject_reason", ctx.t.get("plan.review.err.reject_reason"));
            return refused(&state, &signed, &ctx, id, &pairs, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => {
            drop(tx);
            let errors = FieldErrors::field("reject_reason", ctx.t.get(e.message_key()));
            return refused(&state, &signed, &ctx, id, &pairs, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let change = crate::bureau::is_change(&found.item);
    let step = office_step(ReviewAction::Reject, &signed, Some(&reason), &pairs);
    let organization = found.plan.organization_id;
    if let Err(refusal) = reviews::record(&mut tx, item_key(&portal, id), organization, &step, now).await? {
        drop(tx);
        let (errors, status) = refusal_errors(&ctx, refusal);
        return refused(&state, &signed, &ctx, id, &pairs, errors, status).await;
    }
    let bureau = &found.bureau.code;
    let values = [("reason", reason.as_str())];
    // A refused 変更申請 leaves the certified version in force; its mail and event say so.
    let (kind, event) = if change {
        (MailKind::PlanChangeRejected, "plan.change_rejected")
    } else {
        (MailKind::PlanRejected, "plan.rejected")
    };
    mails::to_organization(&state, &mut tx, &signed.portal, organization, bureau, kind, &values).await?;
    let actor = format!("operator:{}", signed.operator.id);
    let subject = format!("organization:{organization}");
    let detail = format!("plan {id} by {bureau}");
    audit::record(&mut tx, &entry(&signed, &origin, event, &actor, &subject, &detail), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/{id}?done=rejected", console_base(&signed))).into_response())
}

/// 「確認済にする」 of a 変更届出 (mlit-plan.md §4.5 item 2): the office has read the notice. A
/// notice of another plan (or another office's plan) is a 404; pressed again, nothing changes.
/// `plan.change_notice_confirmed`.
pub async fn confirm_notice(
    State(state): State<AppState>,
    signed: SignedIn,
    origin: Origin,
    Path((_portal, id, notice)): Path<(String, i64, i64)>,
    Form(_pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let found = load(&mut tx, &signed, id).await?;
    let confirmed = crate::change_store::confirm(&mut tx, found.plan.id, notice, signed.operator.id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    if confirmed {
        let actor = format!("operator:{}", signed.operator.id);
        let subject = format!("organization:{}", found.plan.organization_id);
        let detail = format!("plan {id} notice {notice} by {}", found.bureau.code);
        let event = "plan.change_notice_confirmed";
        audit::record(&mut tx, &entry(&signed, &origin, event, &actor, &subject, &detail), now).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/{id}?done=notice_confirmed", console_base(&signed))).into_response())
}
