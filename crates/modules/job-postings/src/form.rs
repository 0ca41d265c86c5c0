//! The input form (jrec-in spec §1.3 rules 1–4, §1.4; modules spec §0.1): 「一時保存」 stores
//! whatever is typed, 必須 empty or not, and shows 「一時保存完了」; 「確認」 checks every rule,
//! stores the draft anyway, and shows the errors next to their fields and in the summary, or the
//! confirmation screen; 「登録依頼」 there freezes the form in the review workflow (登録依頼中)
//! and deletes the draft in the same transaction.
//!
//! Two tabs (§0.1 rule 6): the draft's version travels in a hidden field (`version`, 0 for a
//! form with no draft yet); a save of a stale version stores nothing and shows the typed values
//! with the stored ones beside them and 「他の画面で更新されています。…」, the hidden version
//! now the stored one, so that pressing again is a deliberate overwrite.

use crate::fields::{self, Rules};
use crate::lifecycle;
use crate::pages::{base, language_label, organization};
use crate::store::{self, Posting};
use crate::taxonomy::{Taxonomy, taxonomy};
use crate::view::{self, Group, Shown};
use crate::{AUDIT_PREFIX, KIND};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use madoguchi_core::publication;
use madoguchi_core::review::{Actor, ReviewAction, ReviewState};
use madoguchi_store::review::{self as reviews, ItemKey, Scope, Step};
use madoguchi_store::{Conn, audit, drafts};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::draft_seal::restore::FormUser;
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

type Pairs = Vec<(String, String)>;

fn taxo() -> Result<&'static Taxonomy, AppError> {
    taxonomy().map_err(|e| AppError::Internal(format!("jrec-in taxonomy: {e}")))
}

/// The JST date of `now`, for the 募集終了日 rule.
fn today(now: i64) -> Result<chrono::NaiveDate, AppError> {
    publication::jst_date(now).ok_or_else(|| AppError::Internal(format!("time {now} out of range")))
}

#[derive(Template)]
#[template(path = "job_postings/form.html")]
pub struct FormPage {
    pub chrome: Chrome,
    pub action: String,
    /// Sent with a new posting's form (the language chosen before it).
    pub language: String,
    pub language_label: String,
    pub version: i64,
    /// A new posting's form: its one-time token, so that the form posted twice makes one
    /// posting (`store::create_once`). Empty on an existing posting's form.
    pub form_token: String,
    pub data_number: String,
    pub groups: Vec<Group>,
    pub errors: FieldErrors,
    /// The 事務局's reason of a returned posting.
    pub returned_reason: Option<String>,
    /// A stale save: what is stored now (the form shows what this screen typed).
    pub latest: Option<Vec<Shown>>,
    pub list: String,
    /// 「…入力内容を下書きとして保存しました。」 after a login restored the form.
    pub notice: Option<String>,
}

struct Shape<'a> {
    posting: Option<&'a Posting>,
    language: &'a str,
    version: i64,
    errors: FieldErrors,
    returned_reason: Option<String>,
    latest: Option<Vec<Shown>>,
    notice: Option<String>,
}

fn form_page(
    ctx: &Ctx,
    current: &CurrentUser,
    pairs: &[(String, String)],
    shape: Shape<'_>,
) -> Result<Html<String>, AppError> {
    let base = base(current);
    html(&FormPage {
        chrome: ctx.chrome(ctx.t.get("posting.form.title"), Some(&current.portal), Some(Screen::PostingForm)),
        action: match shape.posting {
            Some(p) => format!("{base}/{}/edit", p.id),
            None => format!("{base}/new/form"),
        },
        language: shape.language.to_string(),
        language_label: language_label(ctx, shape.language),
        version: shape.version,
        form_token: if shape.posting.is_none() { madoguchi_web::auth::random_token() } else { String::new() },
        data_number: shape.posting.map(Posting::data_number_text).unwrap_or_default(),
        groups: view::groups(ctx.t, taxo()?, pairs),
        errors: shape.errors,
        returned_reason: shape.returned_reason,
        latest: shape.latest,
        // A registered posting's revision belongs to 修正・一時保存.
        list: match shape.posting {
            Some(p) if p.public_snapshot.is_some() => format!("{base}/revise"),
            _ => format!("{base}/register"),
        },
        notice: shape.notice,
    })
}

/// The empty form of a new posting in `language` (after 「決定」).
pub fn blank(current: &CurrentUser, ctx: &Ctx, language: &str) -> Result<Response, AppError> {
    let shape = Shape {
        posting: None,
        language,
        version: 0,
        errors: FieldErrors::default(),
        returned_reason: None,
        latest: None,
        notice: None,
    };
    Ok(form_page(ctx, current, &[], shape)?.into_response())
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    language: String,
}

/// 「決定」 (a GET form, so that the address reopens the empty form): without a language the
/// language page again with the message; with one the empty input form.
pub async fn new_form(current: CurrentUser, ctx: Ctx, Query(form): Query<LanguageForm>) -> Result<Response, AppError> {
    organization(&current)?;
    match form.language.as_str() {
        "ja" | "en" => blank(&current, &ctx, &form.language),
        _ => Ok(crate::pages::language_page(&ctx, &current, Some(ctx.t.get("posting.language.choose").to_string()))?
            .into_response()),
    }
}

#[derive(Template)]
#[template(path = "job_postings/refused.html")]
pub struct RefusedPage {
    pub chrome: Chrome,
    pub message: String,
    pub list: String,
}

pub(crate) fn refused(ctx: &Ctx, current: &CurrentUser, key: &str) -> Result<Response, AppError> {
    Ok(html(&RefusedPage {
        chrome: ctx.chrome(ctx.t.get("posting.form.title"), Some(&current.portal), Some(Screen::PostingForm)),
        message: ctx.t.get(key).to_string(),
        list: format!("{}/register", base(current)),
    })?
    .into_response())
}

/// Whether the institution may edit the posting now: never requested, or returned; a
/// registered posting while its 修正 is allowed (§1.3 rule 6: not while 修正依頼中, not later
/// than 募集終了日 + 14 days, not once withdrawn). Otherwise the manual's words (登録依頼中:
/// contact the 事務局).
pub(crate) fn editable(posting: &Posting, item: Option<&reviews::Item>, now: i64) -> Result<(), &'static str> {
    if item.is_some_and(|i| i.approved_snapshot.is_some()) {
        let facts = lifecycle::Facts::of(posting, item.map(|i| i.state), true, false, now);
        return lifecycle::may(lifecycle::Action::Revise, &facts, now).map_err(lifecycle::Refusal::message_key);
    }
    match item.map(|i| i.state) {
        None | Some(ReviewState::Returned) => Ok(()),
        Some(ReviewState::UnderReview) => Err("posting.refused.under_request"),
        Some(ReviewState::Withdrawn) => Err("posting.refused.withdrawn"),
        // The 事務局 has no 不認定 step (the workflow's `reject` is mlit's): never reached here.
        Some(ReviewState::Approved | ReviewState::Rejected) => Err("posting.refused.not_allowed"),
    }
}

/// The rules a posting's form is checked with: a registered posting's revision may move its
/// 募集終了日 to the request day or earlier, to end it early (§1.3 rule 9); a new posting's
/// ends tomorrow at the earliest.
pub(crate) fn rules_for(posting: &Posting, item: Option<&reviews::Item>, now: i64) -> Result<Rules, AppError> {
    if item.is_some_and(|i| i.approved_snapshot.is_some()) {
        let published_on = posting.publish_at.and_then(publication::jst_date);
        return Ok(Rules::revision(published_on, today(now)?));
    }
    Ok(Rules::default())
}

fn key(current: &CurrentUser, id: i64) -> ItemKey<'_> {
    ItemKey { portal: &current.portal.id, kind: KIND, item_id: id }
}

/// The reason of the item's last return, shown above the form while it is 差戻し.
async fn returned_reason(
    conn: &mut Conn,
    current: &CurrentUser,
    organization: i64,
    item: Option<&reviews::Item>,
) -> Result<Option<String>, AppError> {
    let Some(item) = item.filter(|i| i.state == ReviewState::Returned) else {
        return Ok(None);
    };
    let history = reviews::history(conn, key(current, item.item_id), Scope::Organization(organization)).await?;
    Ok(history.into_iter().rev().find(|e| e.action == ReviewAction::Return).and_then(|e| e.reason))
}

#[derive(Deserialize)]
pub struct EditQuery {
    /// Set by the login that restored a form posted after the idle logout.
    #[serde(default)]
    restored: Option<String>,
}

/// The form of a posting not yet registered: its draft, else (returned, edited in place) the
/// snapshot the 事務局 returned. A form restored by a login beside a draft another screen
/// saved meanwhile (`crate::restore`) is shown as typed, the stored draft beside it.
pub async fn edit(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
    Query(query): Query<EditQuery>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let mut conn = state.store.acquire().await?;
    let posting = store::find(&mut conn, &current.portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    let item = reviews::find(&mut conn, key(&current, id), Scope::Organization(organization)).await?;
    if let Err(message) = editable(&posting, item.as_ref(), state.clock.unix()) {
        return refused(&ctx, &current, message);
    }
    let draft = drafts::of_item(&mut conn, &current.portal.id, organization, KIND, id).await?;
    let (pairs, version) = match (&draft, &item) {
        (Some(d), _) => (payload_pairs(&d.payload), d.version),
        // A revision starts from the newest approved version; a returned one from what was returned.
        (None, Some(i)) if i.state == ReviewState::Approved => {
            (payload_pairs(i.approved_snapshot.as_deref().unwrap_or("{}")), 0)
        }
        (None, Some(i)) => (payload_pairs(i.pending_snapshot.as_deref().unwrap_or("{}")), 0),
        (None, None) => (Vec::new(), 0),
    };
    let kept = store::restored(&mut conn, &current.portal.id, organization, id).await?;
    let (pairs, latest, errors) = match kept {
        Some(kept) => (
            payload_pairs(&kept.payload),
            Some(view::shown(ctx.t, taxo()?, &pairs)),
            FieldErrors::form(ctx.t.get("draft.restored_replaced")),
        ),
        None => (pairs, None, FieldErrors::default()),
    };
    let reason = returned_reason(&mut conn, &current, organization, item.as_ref()).await?;
    let shape = Shape {
        posting: Some(&posting),
        language: &posting.language,
        version,
        errors,
        returned_reason: reason,
        latest,
        notice: query.restored.is_some().then(|| ctx.t.get("draft.restored_after_login").to_string()),
    };
    Ok(form_page(&ctx, &current, &pairs, shape)?.into_response())
}

fn payload_pairs(json: &str) -> Pairs {
    serde_json::from_str::<serde_json::Value>(json).map(|v| fields::pairs_of(&v)).unwrap_or_default()
}

/// The value of a form's control field (`language`, `version`, `action`); '' when absent.
pub(crate) fn control<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// 「一時保存」 or 「確認」 of a new posting: the first save makes the posting and its データ番号.
pub async fn save_new(
    State(state): State<AppState>,
    user: FormUser,
    ctx: Ctx,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let current = match user.or_seal(&state, &ctx, &pairs) {
        Ok(current) => current,
        Err(login) => return Ok(*login),
    };
    let organization = organization(&current)?;
    let language = control(&pairs, "language");
    if !matches!(language, "ja" | "en") {
        return Ok(Redirect::to(&format!("{}/new/language", base(&current))).into_response());
    }
    let now = state.clock.unix();
    let token = form_token(control(&pairs, "form_token"));
    let mut tx = state.store.begin().await?;
    let (posting, new) = store::create_once(&mut tx, &current.portal.id, organization, language, token, now).await?;
    if new {
        return save(state, tx, current, ctx, posting, None, pairs).await;
    }
    // The same new form posted again (a double click on 「一時保存」, or back and again): a save
    // of the posting its first POST made, if that may still be edited. The same content answers
    // as the first did; other content meets the stored draft side by side (nothing typed is
    // lost), as a second tab's does.
    let item = reviews::find(&mut tx, key(&current, posting.id), Scope::Organization(organization)).await?;
    if let Err(message) = editable(&posting, item.as_ref(), now) {
        return refused(&ctx, &current, message);
    }
    let draft = drafts::of_item(&mut tx, &current.portal.id, organization, KIND, posting.id).await?;
    let payload = fields::snapshot(&pairs).to_string();
    let same = draft.filter(|d| d.payload == payload).map(|d| d.version);
    save(state, tx, current, ctx, posting, same, pairs).await
}

/// The new form's token as posted, if it is one the form could have sent (a hostile value is
/// taken as none: the POST then makes a posting as it always did).
fn form_token(raw: &str) -> Option<&str> {
    let plausible = !raw.is_empty() && raw.len() <= 64 && raw.bytes().all(|b| b.is_ascii_alphanumeric());
    plausible.then_some(raw)
}

/// 「一時保存」 or 「確認」 of an existing posting's form.
pub async fn save_existing(
    State(state): State<AppState>,
    user: FormUser,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let current = match user.or_seal(&state, &ctx, &pairs) {
        Ok(current) => current,
        Err(login) => return Ok(*login),
    };
    let organization = organization(&current)?;
    let mut tx = state.store.begin().await?;
    let posting = store::find(&mut tx, &current.portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    let item = reviews::find(&mut tx, key(&current, id), Scope::Organization(organization)).await?;
    if let Err(message) = editable(&posting, item.as_ref(), state.clock.unix()) {
        return refused(&ctx, &current, message);
    }
    let version = control(&pairs, "version").parse::<i64>().unwrap_or(-1);
    save(state, tx, current, ctx, posting, Some(version), pairs).await
}

#[allow(clippy::too_many_arguments)]
async fn save(
    state: AppState,
    mut tx: madoguchi_store::Tx,
    current: CurrentUser,
    ctx: Ctx,
    posting: Posting,
    version: Option<i64>,
    pairs: Pairs,
) -> Result<Response, AppError> {
    let organization = posting.organization_id;
    let now = state.clock.unix();
    let portal = current.portal.id.clone();
    let payload = fields::snapshot(&pairs).to_string();
    let missing = drafts::Missing(fields::missing_required(&pairs).into_iter().map(String::from).collect());
    let existing = drafts::of_item(&mut tx, &portal, organization, KIND, posting.id).await?;
    let saved_version = match (existing, version) {
        (None, None | Some(0)) => {
            let new = drafts::NewDraft {
                portal: &portal,
                organization_id: organization,
                author_user_id: current.user.id,
                kind: KIND,
                item_id: Some(posting.id),
                payload: &payload,
                missing: &missing,
            };
            drafts::create(&mut tx, &new, now).await?;
            1
        }
        // A draft made in another tab since this form, which had none, was read.
        (Some(draft), None | Some(0)) => {
            drop(tx);
            return conflict(&ctx, &current, &posting, &pairs, &draft.payload, draft.version);
        }
        (Some(draft), Some(expected)) => {
            match drafts::save(
                &mut tx,
                &portal,
                organization,
                draft.id,
                expected,
                current.user.id,
                &payload,
                &missing,
                now,
            )
            .await?
            {
                drafts::SaveOutcome::Saved { version } => version,
                drafts::SaveOutcome::Conflict { current: latest } => {
                    drop(tx);
                    return conflict(&ctx, &current, &posting, &pairs, &latest.payload, latest.version);
                }
                drafts::SaveOutcome::Gone => {
                    drop(tx);
                    return refused(&ctx, &current, "review.refused.conflict");
                }
            }
        }
        // The draft this form was read from is gone: requested from another tab (and maybe
        // returned since). Nothing is stored; the list shows where the posting stands.
        (None, Some(_)) => {
            drop(tx);
            return refused(&ctx, &current, "review.refused.conflict");
        }
    };
    store::touch(&mut tx, &portal, organization, posting.id, now).await?;
    // A form a login restored beside the draft is settled by this save.
    store::drop_restored(&mut tx, &portal, organization, posting.id).await?;
    let base = base(&current);
    if control(&pairs, "action") != "confirm" {
        tx.commit().await?;
        return Ok(Redirect::to(&format!("{base}/{}/saved", posting.id)).into_response());
    }
    // 「確認」: the draft is stored whatever the rules say (§0.1), then checked.
    let item = reviews::find(&mut tx, key(&current, posting.id), Scope::Organization(organization)).await?;
    match fields::parse(&pairs, taxo()?, &rules_for(&posting, item.as_ref(), now)?, today(now)?) {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("{base}/{}/confirm", posting.id)).into_response())
        }
        Err(failures) => {
            let reason = returned_reason(&mut tx, &current, organization, item.as_ref()).await?;
            tx.commit().await?;
            let shape = Shape {
                posting: Some(&posting),
                language: &posting.language,
                version: saved_version,
                errors: view::errors(ctx.t, &failures),
                returned_reason: reason,
                latest: None,
                notice: None,
            };
            Ok(form_page(&ctx, &current, &pairs, shape)?.into_response())
        }
    }
}

/// A stale save: nothing stored; the typed values stay in the form, the stored ones beside.
fn conflict(
    ctx: &Ctx,
    current: &CurrentUser,
    posting: &Posting,
    pairs: &[(String, String)],
    latest: &str,
    latest_version: i64,
) -> Result<Response, AppError> {
    let shape = Shape {
        posting: Some(posting),
        language: &posting.language,
        version: latest_version,
        errors: FieldErrors::form(ctx.t.get("draft.conflict")),
        returned_reason: None,
        latest: Some(view::shown(ctx.t, taxo()?, &payload_pairs(latest))),
        notice: None,
    };
    Ok((axum::http::StatusCode::CONFLICT, form_page(ctx, current, pairs, shape)?).into_response())
}

// ---- 確認 → 登録依頼 ----

#[derive(Template)]
#[template(path = "job_postings/confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub data_number: String,
    pub language_label: String,
    pub shown: Vec<Shown>,
    pub version: i64,
    pub action: String,
    pub back: String,
    pub resubmit: bool,
    /// 「修正依頼」 of a registered posting.
    pub revision: bool,
}

pub async fn confirm(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let mut conn = state.store.acquire().await?;
    let posting = store::find(&mut conn, &current.portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    let item = reviews::find(&mut conn, key(&current, id), Scope::Organization(organization)).await?;
    if let Err(message) = editable(&posting, item.as_ref(), state.clock.unix()) {
        return refused(&ctx, &current, message);
    }
    let Some(draft) = drafts::of_item(&mut conn, &current.portal.id, organization, KIND, id).await? else {
        return Ok(Redirect::to(&format!("{base}/{id}/edit")).into_response());
    };
    let pairs = payload_pairs(&draft.payload);
    let now = state.clock.unix();
    if fields::parse(&pairs, taxo()?, &rules_for(&posting, item.as_ref(), now)?, today(now)?).is_err() {
        return Ok(Redirect::to(&format!("{base}/{id}/edit")).into_response());
    }
    Ok(html(&ConfirmPage {
        chrome: ctx.chrome(ctx.t.get("posting.confirm.title"), Some(&current.portal), Some(Screen::PostingConfirm)),
        data_number: posting.data_number_text(),
        language_label: language_label(&ctx, &posting.language),
        shown: view::shown(ctx.t, taxo()?, &pairs),
        version: draft.version,
        action: format!("{base}/{id}/confirm"),
        back: format!("{base}/{id}/edit"),
        resubmit: item.is_some(),
        revision: item.as_ref().is_some_and(|i| i.approved_snapshot.is_some()),
    })?
    .into_response())
}

/// 「登録依頼」: the draft as confirmed (its version unchanged since the confirmation screen)
/// goes to review — a submission, or a resubmission of a returned posting — and the draft is
/// deleted, in one transaction with the audit event (`posting.submitted` / `.resubmitted`).
pub async fn submit(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, id)): Path<(String, i64)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let posting = store::find(&mut tx, &current.portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    let item = reviews::find(&mut tx, key(&current, id), Scope::Organization(organization)).await?;
    if let Err(message) = editable(&posting, item.as_ref(), state.clock.unix()) {
        return refused(&ctx, &current, message);
    }
    let draft = drafts::of_item(&mut tx, &current.portal.id, organization, KIND, id).await?;
    // Changed in another tab since the confirmation was shown: confirm what is stored now.
    let Some(draft) = draft.filter(|d| control(&pairs, "version") == d.version.to_string()) else {
        return Ok(Redirect::to(&format!("{base}/{id}/confirm")).into_response());
    };
    let form = payload_pairs(&draft.payload);
    if fields::parse(&form, taxo()?, &rules_for(&posting, item.as_ref(), now)?, today(now)?).is_err() {
        return Ok(Redirect::to(&format!("{base}/{id}/edit")).into_response());
    }
    let snapshot = fields::snapshot(&form).to_string();
    let (action, expected_seq) = match &item {
        Some(i) => (ReviewAction::Resubmit, Some(i.last_seq)),
        None => (ReviewAction::Submit, None),
    };
    let step = Step {
        action,
        actor: Actor::User(current.user.id),
        reason: None,
        effective_at: None,
        snapshot: Some(&snapshot),
        expected_seq,
    };
    if let Err(refusal) = reviews::record(&mut tx, key(&current, id), organization, &step, now).await? {
        drop(tx);
        return refused(&ctx, &current, refusal.message_key());
    }
    drafts::delete(&mut tx, &current.portal.id, organization, draft.id).await?;
    store::touch(&mut tx, &current.portal.id, organization, id, now).await?;
    let actor = format!("user:{}", current.user.id);
    let revision = item.as_ref().is_some_and(|i| i.approved_snapshot.is_some());
    let event = if revision { REVISION_REQUESTED.to_string() } else { action.audit_event(AUDIT_PREFIX) };
    let detail = posting.data_number_text();
    audit::record(&mut tx, &audit_entry(&current.portal, &origin, &event, Some(&actor), Some(&detail)), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{base}/{}", if revision { "revise" } else { "register" })).into_response())
}

/// The audit event of a registered posting's 「修正依頼」.
pub const REVISION_REQUESTED: &str = "posting.revision.requested";
