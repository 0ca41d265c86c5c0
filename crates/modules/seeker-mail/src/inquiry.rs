//! 「求職者照会メールを出す」 (jrec-in §1.10 item 2): メールの言語 + 内容 (≤ 2,000) → 「確認」,
//! which shows the manual's two notes verbatim above 「送信」 → 送信完了. The send is checked
//! again in its transaction: the profile still 公開 (the 公開 profile is the seeker's opt-in:
//! 非公開 turns inquiries off), and the portal's limits (one per seeker per 30 days, 100 per JST
//! day). The thread, the mail to the seeker and the audit event commit together.

use crate::rules::{self, BODY_MAX};
use crate::store::{self, Profile};
use crate::{TOPIC, mails, organization};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::relay::{self, Refusal};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::relay::{self as threads, NewThread};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct InquiryForm {
    #[serde(default)]
    pub lang: String,
    #[serde(default)]
    pub body: String,
    /// `confirm` (確認), `send` (送信) or `back` (戻る: the form again, as typed).
    #[serde(default)]
    pub step: String,
}

#[derive(Template)]
#[template(path = "seeker_mail/inquiry.html")]
pub struct FormPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub seeker_id: String,
    pub profile_href: String,
    pub lang: String,
    pub body: String,
    pub hint: String,
}

#[derive(Template)]
#[template(path = "seeker_mail/inquiry_confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub seeker_id: String,
    pub lang: String,
    pub lang_name: String,
    pub body: String,
}

fn form_page(ctx: &Ctx, current: &CurrentUser, p: &Profile, form: InquiryForm, errors: FieldErrors) -> Response {
    let portal = &current.portal;
    let page = FormPage {
        chrome: ctx.chrome(ctx.t.get("smail.inquiry.title"), Some(portal), None),
        errors,
        seeker_id: p.seeker_id.clone(),
        profile_href: format!("/{}/seeker-search/{}", portal.id, p.seeker_id),
        lang: if form.lang.is_empty() { "ja".to_string() } else { form.lang },
        body: form.body,
        hint: ctx.t.get("smail.chars").replace("{max}", &BODY_MAX.to_string()),
    };
    match html(&page) {
        Ok(h) => h.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn profile(state: &AppState, current: &CurrentUser, seeker: &str) -> Result<Profile, AppError> {
    let mut conn = state.store.acquire().await?;
    store::public_by_seeker_id(&mut conn, &current.portal.id, seeker).await?.ok_or(AppError::NotFound)
}

pub async fn form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, seeker)): Path<(String, String)>,
) -> Result<Response, AppError> {
    organization(&current)?;
    let p = profile(&state, &current, &seeker).await?;
    Ok(form_page(&ctx, &current, &p, InquiryForm::default(), FieldErrors::default()))
}

/// The form's checks: each broken rule beside its field.
fn check(ctx: &Ctx, form: &InquiryForm) -> Result<(&'static str, String), FieldErrors> {
    let mut errors = FieldErrors::default();
    let lang = rules::lang(&form.lang);
    if lang.is_none() {
        errors.add("lang", ctx.t.get("smail.err.lang"));
    }
    let body = rules::body(&form.body).map_err(|key| errors.add("body", ctx.t.get(key)));
    match (lang, body) {
        (Some(lang), Ok(body)) => Ok((lang, body)),
        _ => Err(errors),
    }
}

/// The limits' refusal as the form shows it.
fn refusal(ctx: &Ctx, r: Refusal) -> FieldErrors {
    match r {
        Refusal::TooSoon { until } => {
            FieldErrors::form(&ctx.t.get("smail.err.too_soon").replace("{until}", &format_ts(until, ctx.lang)))
        }
        Refusal::DailyLimit => FieldErrors::form(ctx.t.get("smail.err.daily")),
    }
}

pub async fn post(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_, seeker)): Path<(String, String)>,
    Form(form): Form<InquiryForm>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let p = profile(&state, &current, &seeker).await?;
    let (lang, body) = match check(&ctx, &form) {
        Ok(ok) => ok,
        Err(errors) => return Ok(form_page(&ctx, &current, &p, form, errors)),
    };
    let portal = current.portal.clone();
    let limits = portal.settings.seeker_mail;
    let now = state.clock.unix();
    match form.step.as_str() {
        "confirm" => {
            // Told before the confirmation, so nobody writes in vain; checked again at 送信.
            let sent = {
                let mut conn = state.store.acquire().await?;
                threads::sent(&mut conn, &portal.id, TOPIC, organization, p.user_id, relay::day_start(now)).await?
            };
            if let Err(r) = limits.check(now, sent) {
                return Ok(form_page(&ctx, &current, &p, form, refusal(&ctx, r)));
            }
            let page = ConfirmPage {
                chrome: ctx.chrome(ctx.t.get("smail.confirm.title"), Some(&portal), None),
                errors: FieldErrors::default(),
                seeker_id: p.seeker_id.clone(),
                lang: lang.to_string(),
                lang_name: ctx.t.get(&format!("smail.lang.{lang}")).to_string(),
                body,
            };
            return Ok(html(&page)?.into_response());
        }
        "send" => {}
        _ => return Ok(form_page(&ctx, &current, &p, form, FieldErrors::default())),
    }
    let mut tx = state.store.begin().await?;
    threads::lock_organization(&mut tx, organization).await?;
    // Read again under the lock: turned 非公開 or gone (退会) since the confirmation ⇒ 404.
    let p = store::public_by_seeker_id(&mut tx, &portal.id, &seeker).await?.ok_or(AppError::NotFound)?;
    let sent = threads::sent(&mut tx, &portal.id, TOPIC, organization, p.user_id, relay::day_start(now)).await?;
    if let Err(r) = limits.check(now, sent) {
        drop(tx);
        let mut response = form_page(&ctx, &current, &p, form, refusal(&ctx, r));
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return Ok(response);
    }
    let id = threads::open(
        &mut tx,
        &NewThread {
            portal: &portal.id,
            topic: TOPIC,
            organization_id: organization,
            author_user_id: current.user.id,
            recipient_user_id: p.user_id,
            recipient_handle: &p.seeker_id,
            lang,
            body: &body,
        },
        now,
    )
    .await?;
    // The institution's event (its 操作ログ shows it); the seeker is named by the ユーザID.
    let subject = format!("organization:{organization}");
    let actor = format!("user:{}", current.user.id);
    let detail = format!("inquiry {id} to {}", p.seeker_id);
    let entry = audit_entry(&portal, &origin, "seeker_mail.inquiry_sent", Some(&subject), Some(&detail));
    audit::record(&mut tx, &AuditEntry { actor: Some(&actor), ..entry }, now).await?;
    mails::inquiry(&state, &mut tx, &portal, organization, p.user_id, id, lang, &body).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(Redirect::to(&format!("/{}/inquiries/{id}?done=sent", portal.id)).into_response())
}
