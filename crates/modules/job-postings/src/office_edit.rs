//! The 事務局's 「編集」 (jrec-in spec §1.11 item 2; modules spec §0.2): from the 審査 page of a
//! posting under review — a new request or a 修正依頼 — the operator opens the posting's own form
//! (the same fieldsets, the same rules as the institution's 「確認」, the revision's 募集終了日
//! rule for a registered posting), corrects it and saves. The posting stays under review; the
//! step `operator_edit` records the new version with the one it replaced, so the history shows
//! the change and the institution sees it as a diff (its history page, and the mail of the
//! decision: `edits`). An optional note tells the institution why.
//!
//! Like 承認 and 差戻し the form carries the item's `last_seq`: an edit made on a stale page
//! (another operator edited or decided, the page was open twice) is refused with 409 and the
//! typed values kept, so that nothing overwrites what changed meanwhile. A save that changes no
//! field records nothing. Audit: `posting.review.edited_by_operator`.

use crate::console::{console_base, key, offered, snapshot_pairs, taxo};
use crate::fields;
use crate::form::rules_for;
use crate::pages::{language_label, title_of};
use crate::review_actions::{REVIEW_AUDIT_PREFIX, entry};
use crate::store::{self, Posting};
use crate::view::{self, Group};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_console::operator::{SignedIn, console_path};
use madoguchi_core::publication;
use madoguchi_core::review::{self as rules, Actor, ReasonRule, ReviewAction, ReviewState};
use madoguchi_store::audit;
use madoguchi_store::review::{self as reviews, Scope, Step};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;

type Pairs = Vec<(String, String)>;

#[derive(Template)]
#[template(path = "job_postings/console_edit.html")]
pub struct EditPage {
    pub chrome: Chrome,
    pub base: String,
    pub action: String,
    pub review: String,
    pub data_number: String,
    pub title: String,
    pub organization: String,
    pub language_label: String,
    pub seq: String,
    pub groups: Vec<Group>,
    pub note: String,
    pub errors: FieldErrors,
}

struct Shape<'a> {
    posting: &'a Posting,
    pairs: &'a [(String, String)],
    seq: String,
    note: String,
    errors: FieldErrors,
}

async fn page(state: &AppState, signed: &SignedIn, ctx: &Ctx, shape: Shape<'_>) -> Result<String, AppError> {
    let mut conn = state.store.acquire().await?;
    let organization: Option<String> = sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
        .bind(shape.posting.organization_id)
        .fetch_optional(&mut *conn)
        .await?;
    let base = format!("{}/{}", console_base(signed), shape.posting.id);
    let title = title_of(Some(&fields::snapshot(shape.pairs).to_string()));
    let page = EditPage {
        chrome: ctx.chrome(ctx.t.get("posting.op.edit.title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        action: format!("{base}/edit"),
        review: base,
        data_number: shape.posting.data_number_text(),
        title,
        organization: organization.unwrap_or_default(),
        language_label: language_label(ctx, &shape.posting.language),
        seq: shape.seq,
        groups: view::groups(ctx.t, taxo()?, shape.pairs),
        note: shape.note,
        errors: shape.errors,
    };
    Ok(html(&page)?.0)
}

/// The posting under review and its review item; anything else goes back to the 審査 page,
/// which says where it stands.
async fn under_review(
    conn: &mut madoguchi_store::Conn,
    signed: &SignedIn,
    id: i64,
) -> Result<Result<(Posting, reviews::Item), Response>, AppError> {
    let portal = &signed.portal.id;
    let posting = store::find_any(conn, portal, id).await?.ok_or(AppError::NotFound)?;
    let item = reviews::find(conn, key(portal, id), Scope::Operator).await?.ok_or(AppError::NotFound)?;
    if item.state != ReviewState::UnderReview {
        return Ok(Err(Redirect::to(&format!("{}/{id}", console_base(signed))).into_response()));
    }
    Ok(Ok((posting, item)))
}

/// 「編集」: the form with the version under review.
pub async fn form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let mut conn = state.store.acquire().await?;
    let (posting, item) = match under_review(&mut conn, &signed, id).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    drop(conn);
    let pairs = snapshot_pairs(item.pending_snapshot.as_deref().unwrap_or("{}"));
    let shape = Shape {
        posting: &posting,
        pairs: &pairs,
        seq: item.last_seq.to_string(),
        note: String::new(),
        errors: FieldErrors::default(),
    };
    Ok(axum::response::Html(page(&state, &signed, &ctx, shape).await?).into_response())
}

/// The form again, as typed, with `shape`'s errors, sent with `status`.
async fn answer(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    shape: Shape<'_>,
    status: StatusCode,
) -> Result<Response, AppError> {
    Ok((status, axum::response::Html(page(state, signed, ctx, shape).await?)).into_response())
}

fn control<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// 「保存」: checked with the posting's rules, recorded as `operator_edit` with the version it
/// replaces, in one transaction with the audit event.
pub async fn save(
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
    let seq = control(&pairs, "seq").trim().to_string();
    let note_typed = control(&pairs, "note").replace("\r\n", "\n");
    let mut tx = state.store.begin().await?;
    let (posting, item) = match under_review(&mut tx, &signed, id).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let shape = |errors: FieldErrors| Shape {
        posting: &posting,
        pairs: &pairs,
        seq: seq.clone(),
        note: note_typed.clone(),
        errors,
    };
    let mut errors = FieldErrors::default();
    let today = publication::jst_date(now).ok_or_else(|| AppError::Internal(format!("time {now} out of range")))?;
    if let Err(failures) = fields::parse(&pairs, taxo()?, &rules_for(&posting, Some(&item), now)?, today) {
        errors = view::errors(ctx.t, &failures);
    }
    let note = match rules::reason(ReasonRule::Optional, &portal, &[], &note_typed) {
        Ok(note) => note,
        Err(e) => {
            errors.add("note", ctx.t.get(e.message_key()));
            None
        }
    };
    if !errors.is_empty() {
        drop(tx);
        return answer(&state, &signed, &ctx, shape(errors), StatusCode::OK).await;
    }
    let snapshot = fields::snapshot(&pairs).to_string();
    let before = item.pending_snapshot.clone().unwrap_or_default();
    let changed = crate::edits::changed_fields(ctx.t, &before, &snapshot)?;
    if changed.is_empty() {
        drop(tx);
        let errors = FieldErrors::form(ctx.t.get("posting.op.edit.unchanged"));
        return answer(&state, &signed, &ctx, shape(errors), StatusCode::OK).await;
    }
    let step = Step {
        action: ReviewAction::OperatorEdit,
        actor: Actor::Operator(signed.operator.id),
        reason: note.as_deref(),
        effective_at: None,
        snapshot: Some(&snapshot),
        expected_seq: Some(seq.parse::<i64>().unwrap_or(-1)),
    };
    if let Err(refusal) = reviews::record(&mut tx, key(&portal, id), posting.organization_id, &step, now).await? {
        drop(tx);
        let status = if refusal == rules::Refusal::Conflict { StatusCode::CONFLICT } else { StatusCode::OK };
        let errors = FieldErrors::form(ctx.t.get(refusal.message_key()));
        return answer(&state, &signed, &ctx, shape(errors), status).await;
    }
    let actor = format!("operator:{}", signed.operator.id);
    let event = ReviewAction::OperatorEdit.audit_event(REVIEW_AUDIT_PREFIX);
    let subject = format!("organization:{}", posting.organization_id);
    let fields: Vec<String> = changed.into_iter().map(|(_, label, _, _)| label).collect();
    let detail = format!("{} fields:{}", posting.data_number_text(), fields.join("、"));
    audit::record(&mut tx, &entry(&signed, &origin, &event, &actor, &subject, &detail), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/{id}?done=edited", console_base(&signed))).into_response())
}
