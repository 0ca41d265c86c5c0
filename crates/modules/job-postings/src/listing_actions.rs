//! The 事務局's two actions on a posting from 掲載一覧 (jrec-in spec §1.11 item 4; modules spec
//! §0.2 「withdraw on request」), on the posting's 操作 page:
//!
//! - **強制取り下げ** with a required reason (1–2,000 characters, the review reason's rule),
//!   after the platform's confirmation page. Decision: effective **at once** (`unpublish_at` =
//!   now), not at 22:00 like the institution's own 取り下げ — the 事務局 withdraws what must
//!   not stay public (a complaint, a posting filed in error), and the institution's 22:00 is
//!   there to keep a posting up the day it is withdrawn, which is not wanted here. It applies
//!   to every posting that was ever requested and is not withdrawn: 登録依頼中 and 修正依頼中
//!   too (the states the institution cannot touch, §1.3 rule 7). The review item records the
//!   operator's `withdraw_request` step with the reason (so it leaves 審査待ち一覧 and no later
//!   decision applies), a revision waiting for its 反映 time is dropped, an unsent revision
//!   draft deleted. Mail 【JREC-IN Portal】事務局による求人公募情報取り下げのお知らせ with the
//!   reason; audit `posting.withdrawn_by_office`.
//! - **掲載再開** (Choice) of a posting that shows 募集終了: a new 募集終了日 from today to 365
//!   days ahead (the form's own limit); the public version gets it at once, and so does the
//!   approved version the institution's next 修正 starts from — recorded as the 事務局's edit
//!   (`operator_edit`, the history shows the old and new date). Mail 【JREC-IN Portal】求人公募
//!   情報の掲載再開のお知らせ; audit `posting.reopened_by_office`. A withdrawn posting is not
//!   re-opened: its withdrawal was deliberate and mailed.
//!
//! Both go through `store::set_public` (so the search index follows in the same transaction)
//! and carry the review item's `last_seq`: on a stale page they answer 409 and change nothing.

use crate::console::{console_base, key, offered};
use crate::listing::{Light, may_reopen, may_withdraw, titles};
use crate::pages::language_label;
use crate::review_actions::entry;
use crate::store::{self, Posting};
use crate::{KIND, fields, mails};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Days, NaiveDate};
use madoguchi_console::operator::{SignedIn, console_path};
use madoguchi_core::review::{self as rules, Actor, ReasonRule, ReviewAction};
use madoguchi_mail::MailKind;
use madoguchi_store::review::{self as reviews, Scope, Step};
use madoguchi_store::{Conn, audit, drafts};
use madoguchi_web::confirm::{self, Confirmation, STEP_FIELD, Step as ConfirmStep};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// The audit event of the 事務局's 取り下げ.
pub const WITHDRAWN_BY_OFFICE: &str = "posting.withdrawn_by_office";
/// The audit event of a 掲載再開.
pub const REOPENED_BY_OFFICE: &str = "posting.reopened_by_office";

type Pairs = Vec<(String, String)>;

fn one<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// The typed values kept on a refusal.
#[derive(Default)]
pub struct Typed {
    pub reason: String,
    pub end_date: String,
}

fn typed(pairs: &Pairs) -> Typed {
    Typed {
        reason: one(pairs, "reason").replace("\r\n", "\n"),
        end_date: one(pairs, "end_date").trim().chars().take(40).collect(),
    }
}

/// The new 募集終了日 of a 掲載再開: a date from `today` to `today` + the form's limit.
/// Err is a message key.
pub fn reopen_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    if raw.trim().is_empty() {
        return Err("posting.listing.err.end_date_required");
    }
    let day = fields::date(raw).ok_or("posting.listing.err.end_date_format")?;
    if day < today {
        return Err("posting.listing.err.end_date_past");
    }
    let last = today.checked_add_days(Days::new(fields::Rules::default().end_date_max_days));
    if last.is_none_or(|last| day > last) {
        return Err("posting.listing.err.end_date_far");
    }
    Ok(day)
}

/// A JSON snapshot with its 募集終了日 replaced.
fn with_end_date(json: &str, day: &str) -> Result<String, AppError> {
    let mut value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| AppError::Internal(format!("posting snapshot: {e}")))?;
    let object = value.as_object_mut().ok_or_else(|| AppError::Internal("posting snapshot: not an object".into()))?;
    object.insert("end_date".into(), serde_json::Value::String(day.to_string()));
    Ok(value.to_string())
}

/// The posting as the list reads it, with its review item's `last_seq`.
async fn load(conn: &mut Conn, portal: &str, id: i64) -> Result<(Light, Option<reviews::Item>), AppError> {
    let posting = store::find_any(conn, portal, id).await?.ok_or(AppError::NotFound)?;
    let item = reviews::find(conn, key(portal, id), Scope::Operator).await?;
    let has_draft = drafts::of_item(conn, portal, posting.organization_id, KIND, id).await?.is_some();
    let organization: Option<String> = sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
        .bind(posting.organization_id)
        .fetch_optional(&mut *conn)
        .await?;
    let light = Light {
        organization: organization.unwrap_or_default(),
        review: item.as_ref().map(|i| i.state),
        has_approved: item.as_ref().is_some_and(|i| i.approved_snapshot.is_some()),
        has_draft,
        hit: false,
        posting,
    };
    Ok((light, item))
}

#[derive(Template)]
#[template(path = "job_postings/console_manage.html")]
pub struct ManagePage {
    pub chrome: Chrome,
    pub base: String,
    pub action: String,
    pub listing: String,
    pub review: Option<String>,
    pub data_number: String,
    pub title: String,
    pub organization: String,
    pub language_label: String,
    pub state: String,
    pub published: String,
    pub end_date: String,
    pub withdraw: bool,
    pub reopen: bool,
    pub seq: i64,
    pub reason: String,
    pub new_end_date: String,
    pub today: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

async fn manage_page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    id: i64,
    typed: Typed,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    offered(signed)?;
    let portal = &signed.portal.id;
    let now = state.clock.unix();
    let mut conn = state.store.acquire().await?;
    let (light, item) = load(&mut conn, portal, id).await?;
    let named = titles(&mut conn, portal, &[id], now).await?;
    let base = console_base(signed);
    let today = madoguchi_core::publication::jst_date(now).ok_or_else(|| AppError::Internal("clock".into()))?;
    let posting = &light.posting;
    html(&ManagePage {
        chrome: ctx.chrome(ctx.t.get("posting.listing.manage_title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        action: format!("{base}/{id}"),
        listing: format!("{base}/listing"),
        review: item.as_ref().map(|_| format!("{base}/{id}")),
        data_number: posting.data_number_text(),
        title: named.get(&id).cloned().unwrap_or_default(),
        organization: light.organization.clone(),
        language_label: language_label(ctx, &posting.language),
        state: ctx.t.get(&light.state(now).label_key()).to_string(),
        published: posting.publish_at.map(|t| format_ts(t, ctx.lang)).unwrap_or_default(),
        end_date: posting.public().end_date_at(now).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        withdraw: may_withdraw(&light, now),
        reopen: may_reopen(&light, now),
        seq: item.as_ref().map(|i| i.last_seq).unwrap_or(0),
        reason: typed.reason,
        new_end_date: typed.end_date,
        today: today.format("%Y-%m-%d").to_string(),
        errors,
        notice,
    })
}

#[derive(Deserialize, Default)]
pub struct ManageQuery {
    #[serde(default)]
    pub done: String,
}

/// The posting's 操作 page.
pub async fn manage(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
    Query(query): Query<ManageQuery>,
) -> Result<Html<String>, AppError> {
    let notice = match query.done.as_str() {
        "withdrawn" => Some(ctx.t.get("posting.listing.done.withdrawn").to_string()),
        "reopened" => Some(ctx.t.get("posting.listing.done.reopened").to_string()),
        _ => None,
    };
    manage_page(&state, &signed, &ctx, id, Typed::default(), FieldErrors::default(), notice).await
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
    Ok((status, manage_page(state, signed, ctx, id, typed(pairs), errors, None).await?).into_response())
}

fn expected_seq(pairs: &Pairs) -> Option<i64> {
    one(pairs, "seq").trim().parse::<i64>().ok().or(Some(-1))
}

/// 「取り下げる」 (confirmed on the platform's page).
pub async fn withdraw(
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
    let step = ConfirmStep::of(one(&pairs, STEP_FIELD));
    if step == ConfirmStep::Back {
        return refused(&state, &signed, &ctx, id, &pairs, FieldErrors::default(), StatusCode::OK).await;
    }
    let reason = match rules::reason(ReasonRule::Required, &portal, &[], &typed(&pairs).reason) {
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
    let (light, _) = load(&mut tx, &portal, id).await?;
    if !may_withdraw(&light, now) {
        drop(tx);
        let errors = FieldErrors::form(ctx.t.get("posting.listing.err.not_withdrawable"));
        return refused(&state, &signed, &ctx, id, &pairs, errors, StatusCode::CONFLICT).await;
    }
    let title = titles(&mut tx, &portal, &[id], now).await?.remove(&id).unwrap_or_default();
    let posting = store::find_any(&mut tx, &portal, id).await?.ok_or(AppError::NotFound)?;
    if step != ConfirmStep::Confirmed {
        drop(tx);
        let base = console_base(&signed);
        let confirmation =
            Confirmation::new(&ctx, ctx.t.get("posting.listing.withdraw_question"), format!("{base}/{id}/withdraw"))
                .fact(ctx.t.get("posting.col.data_number"), posting.data_number_text())
                .fact(ctx.t.get("posting.field.title"), title)
                .fact(ctx.t.get("posting.op.col.organization"), light.organization)
                .fact(ctx.t.get("posting.listing.reason"), reason.clone())
                .carry("reason", reason)
                .carry("seq", one(&pairs, "seq"))
                .buttons(ctx.t.get("posting.listing.withdraw"), ctx.t.get("posting.office_request.back"))
                .danger();
        let page_title = ctx.t.get("posting.listing.manage_title");
        return Ok(confirm::page(&ctx, page_title, Some(&signed.portal), None, confirmation)?.into_response());
    }
    let step = Step {
        action: ReviewAction::WithdrawRequest,
        actor: Actor::Operator(signed.operator.id),
        reason: Some(&reason),
        effective_at: Some(now),
        snapshot: None,
        expected_seq: expected_seq(&pairs),
    };
    if let Err(refusal) = reviews::record(&mut tx, key(&portal, id), posting.organization_id, &step, now).await? {
        drop(tx);
        let status = if refusal == rules::Refusal::Conflict { StatusCode::CONFLICT } else { StatusCode::OK };
        let errors = FieldErrors::form(ctx.t.get(refusal.message_key()));
        return refused(&state, &signed, &ctx, id, &pairs, errors, status).await;
    }
    let after = posting.public().withdraw(now, now);
    store::set_public(&mut tx, &portal, posting.organization_id, id, &after, Some(now), now).await?;
    if let Some(draft) = drafts::of_item(&mut tx, &portal, posting.organization_id, KIND, id).await? {
        drafts::delete(&mut tx, &portal, posting.organization_id, draft.id).await?;
    }
    let until = format_ts(now, madoguchi_core::Lang::Ja);
    let values = [("reason", reason.as_str()), ("until", until.as_str())];
    mails::to_institution(
        &state,
        &mut tx,
        &signed.portal,
        &posting,
        &title,
        MailKind::PostingWithdrawnByOffice,
        &values,
    )
    .await?;
    let actor = format!("operator:{}", signed.operator.id);
    let subject = format!("organization:{}", posting.organization_id);
    let detail = format!("{} unpublish_at:{now}", posting.data_number_text());
    audit::record(&mut tx, &entry(&signed, &origin, WITHDRAWN_BY_OFFICE, &actor, &subject, &detail), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/{id}/manage?done=withdrawn", console_base(&signed))).into_response())
}

/// 「掲載を再開する」 with the new 募集終了日.
pub async fn reopen(
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
    let today = madoguchi_core::publication::jst_date(now).ok_or_else(|| AppError::Internal("clock".into()))?;
    let day = match reopen_date(one(&pairs, "end_date"), today) {
        Ok(day) => day.format("%Y-%m-%d").to_string(),
        Err(key) => {
            let errors = FieldErrors::field("end_date", ctx.t.get(key));
            return refused(&state, &signed, &ctx, id, &pairs, errors, StatusCode::OK).await;
        }
    };
    let mut tx = state.store.begin().await?;
    let (light, item) = load(&mut tx, &portal, id).await?;
    let approved = item.and_then(|i| i.approved_snapshot).filter(|_| may_reopen(&light, now));
    let Some(approved) = approved else {
        drop(tx);
        let errors = FieldErrors::form(ctx.t.get("posting.listing.err.not_reopenable"));
        return refused(&state, &signed, &ctx, id, &pairs, errors, StatusCode::CONFLICT).await;
    };
    let posting: Posting = store::find_any(&mut tx, &portal, id).await?.ok_or(AppError::NotFound)?;
    let mut public = posting.public().folded(now);
    let old = public.end_date.clone().unwrap_or_default();
    let Some(snapshot) = public.snapshot.clone() else {
        return Err(AppError::Internal(format!("posting {id}: ended without a public version")));
    };
    public.snapshot = Some(with_end_date(&snapshot, &day)?);
    public.end_date = Some(day.clone());
    let edited = with_end_date(&approved, &day)?;
    // The history is the institution's record too: in Japanese whatever the screen's language.
    let reason = madoguchi_web::i18n::Tr::for_lang(madoguchi_core::Lang::Ja)
        .get("posting.listing.reopen_history")
        .replace("{old}", &old)
        .replace("{new}", &day);
    let step = Step {
        action: ReviewAction::OperatorEdit,
        actor: Actor::Operator(signed.operator.id),
        reason: Some(&reason),
        effective_at: None,
        snapshot: Some(&edited),
        expected_seq: expected_seq(&pairs),
    };
    if let Err(refusal) = reviews::record(&mut tx, key(&portal, id), posting.organization_id, &step, now).await? {
        drop(tx);
        let status = if refusal == rules::Refusal::Conflict { StatusCode::CONFLICT } else { StatusCode::OK };
        let errors = FieldErrors::form(ctx.t.get(refusal.message_key()));
        return refused(&state, &signed, &ctx, id, &pairs, errors, status).await;
    }
    store::set_public(&mut tx, &portal, posting.organization_id, id, &public, None, now).await?;
    let title = crate::pages::title_of(public.snapshot.as_deref());
    mails::to_institution(
        &state,
        &mut tx,
        &signed.portal,
        &posting,
        &title,
        MailKind::PostingReopened,
        &[("end_date", &day)],
    )
    .await?;
    let actor = format!("operator:{}", signed.operator.id);
    let subject = format!("organization:{}", posting.organization_id);
    let detail = format!("{} end_date:{old}->{day}", posting.data_number_text());
    audit::record(&mut tx, &entry(&signed, &origin, REOPENED_BY_OFFICE, &actor, &subject, &detail), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/{id}/manage?done=reopened", console_base(&signed))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_reopened_posting_ends_today_or_later_within_a_year() {
        let today = day(2026, 11, 24);
        assert_eq!(reopen_date("2026-11-24", today), Ok(today), "today: open until 23:59:59");
        assert_eq!(reopen_date("2026-11-23", today), Err("posting.listing.err.end_date_past"));
        assert_eq!(reopen_date("2027-11-24", today), Ok(day(2027, 11, 24)));
        assert_eq!(reopen_date("2027-11-25", today), Err("posting.listing.err.end_date_far"));
        assert_eq!(reopen_date(" ", today), Err("posting.listing.err.end_date_required"));
        assert_eq!(reopen_date("来年", today), Err("posting.listing.err.end_date_format"));
    }

    #[test]
    fn the_end_date_is_replaced_in_the_snapshot() {
        let json = with_end_date(r#"{"title":"公募","end_date":"2026-11-20"}"#, "2026-12-31").unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["end_date"], "2026-12-31");
        assert_eq!(value["title"], "公募");
        assert!(with_end_date("[]", "2026-12-31").is_err());
    }
}
