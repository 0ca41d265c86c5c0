//! 「応募を辞退する」 (jrec-in §1.8.4): the applicant withdraws an application from its page in
//! 応募履歴 → the confirmation → 「辞退する」. Allowed while the application has no final status:
//! from the statuses whose next in §1.9's table includes その他(辞退等)
//! (`Status::seeker_may_withdraw`); the application becomes その他(辞退等) on both sides and
//! the institution is mailed (「応募が辞退されました」). A post from any other status (a forged
//! one, or a page left open while the institution decided) is refused and changes nothing.
//!
//! The confirmation carries the application's `version`: a second press finds it withdrawn
//! and only shows it again, nothing recorded or mailed twice.

use crate::apply::seeker_chrome;
use crate::history::detail_page;
use crate::store::{self, Application};
use crate::{mails, seeker_base};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_mail::MailKind;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_web::confirm::Step;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::session::{CurrentSeeker, CurrentUser};
use madoguchi_web::state::AppState;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(default)]
    pub version: String,
    #[serde(default, rename = "_step")]
    pub step: String,
}

#[derive(Template)]
#[template(path = "applications/withdraw_confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub app: Application,
    pub status: String,
    pub action: String,
    pub version: i64,
}

fn refused(ctx: &Ctx, current: &CurrentUser, app: Application, key: &str) -> Result<Response, AppError> {
    let mut response = detail_page(ctx, current, app, None, FieldErrors::form(ctx.t.get(key)))?;
    *response.status_mut() = StatusCode::CONFLICT;
    Ok(response)
}

pub async fn post(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let portal = current.portal.clone();
    let app = {
        let mut conn = state.store.acquire().await?;
        store::of_seeker(&mut conn, &portal.id, current.user.id, id).await?.ok_or(AppError::NotFound)?
    };
    let page = format!("{}/applications/{id}", seeker_base(&portal));
    let step = Step::of(&form.step);
    if step == Step::Back {
        return Ok(Redirect::to(&page).into_response());
    }
    if form.version.parse::<i64>().ok() != Some(app.version) {
        // Pressed twice: the first press withdrew it.
        if step == Step::Confirmed && app.status == crate::status::Status::Other {
            return Ok(Redirect::to(&format!("{page}?done=withdrawn")).into_response());
        }
        return refused(&ctx, &current, app, "app.withdraw.stale");
    }
    if !app.status.seeker_may_withdraw() {
        return refused(&ctx, &current, app, "app.withdraw.refused");
    }
    if step == Step::Input {
        let confirm = ConfirmPage {
            chrome: seeker_chrome(&ctx, &portal, ctx.t.get("app.withdraw.title")),
            errors: FieldErrors::default(),
            base: seeker_base(&portal),
            status: ctx.t.get(app.seeker_status.key()).to_string(),
            action: format!("{page}/withdraw"),
            version: app.version,
            app,
        };
        return Ok(html(&confirm)?.into_response());
    }
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    if !store::withdraw(&mut tx, &app, now).await? {
        drop(tx);
        return Ok(Redirect::to(&page).into_response());
    }
    let subject = format!("organization:{}", app.organization_id);
    let actor = format!("user:{}", current.user.id);
    let detail = format!("{} {} -> other", app.receipt_id.as_deref().unwrap_or_default(), app.status.code());
    let entry = audit_entry(&portal, &origin, "application.withdrawn", Some(&subject), Some(&detail));
    audit::record(&mut tx, &AuditEntry { actor: Some(&actor), ..entry }, now).await?;
    let contact = crate::posting(&state, &mut tx, &portal.id, app.posting_id).await?.and_then(|p| p.contact_email);
    mails::to_institution(&state, &mut tx, &portal, &app, contact.as_deref(), MailKind::ApplicationWithdrawn).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(Redirect::to(&format!("{page}?done=withdrawn")).into_response())
}
