//! 退会 (jrec-in §1.8.6): the page says what goes (the account, the 求職者情報, the login) and
//! asks for the password and a tick of 「上記を確認のうえ、退会します」; only both together
//! delete the account, at once and for good. The password is checked under the lockout rule
//! (`credentials::reauthenticate`): a stolen session cannot guess it faster than the login
//! page. A mail confirms the withdrawal.

use crate::{area_name, base, chrome, store, subject};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit;
use madoguchi_web::credentials::{self, Reauth};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::session::{self, CurrentSeeker, CurrentUser};
use madoguchi_web::state::AppState;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "seekers/withdraw.html")]
pub struct WithdrawPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub confirmed: bool,
}

fn page(ctx: &Ctx, current: &CurrentUser, confirmed: bool, errors: FieldErrors) -> Result<Response, AppError> {
    Ok(html(&WithdrawPage {
        chrome: chrome(ctx, &current.portal, ctx.t.get("seeker.withdraw.title")),
        errors,
        base: base(&current.portal),
        confirmed,
    })?
    .into_response())
}

pub async fn form(CurrentSeeker(current): CurrentSeeker, ctx: Ctx) -> Result<Response, AppError> {
    page(&ctx, &current, false, FieldErrors::default())
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn withdraw(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, AppError> {
    let confirmed = form.confirm == "1";
    let mut errors = FieldErrors::default();
    if !confirmed {
        errors.add("confirm", ctx.t.get("seeker.withdraw.confirm_required"));
    }
    if form.password.is_empty() {
        errors.add("password", ctx.t.get("login.password_required"));
    }
    if !errors.is_empty() {
        return page(&ctx, &current, confirmed, errors);
    }
    let portal = current.portal.clone();
    let mut tx =
        match credentials::reauthenticate(&state, &current, &form.password, &origin, ctx.lang, "seeker.withdraw")
            .await?
        {
            Reauth::Confirmed(tx) => tx,
            Reauth::Wrong => {
                let errors = FieldErrors::field("password", ctx.t.get("seeker.withdraw.password_wrong"));
                return page(&ctx, &current, confirmed, errors);
            }
            Reauth::Locked => {
                credentials::end_locked_session(&state, &current, &origin).await?;
                let jar = jar.remove(session::end_seeker_cookie(&state, &portal));
                return Ok((jar, Redirect::to(&format!("{}/login", base(&portal)))).into_response());
            }
        };
    let now = state.clock.unix();
    let user = &current.user;
    let lang = {
        let own = store::own(&mut tx, &portal.id, user.id).await?;
        own.and_then(|o| madoguchi_core::Lang::parse(&o.lang)).unwrap_or(ctx.lang)
    };
    if !store::delete_account(&mut tx, &portal.id, user.id, now).await? {
        return Err(AppError::NotFound);
    }
    let subject = subject(user.id);
    audit::record(&mut tx, &audit_entry(&portal, &origin, "seeker.withdrawn", Some(&subject), None), now).await?;
    let name = area_name(&portal, lang);
    let at = format_ts(now, lang);
    let after = madoguchi_web::i18n::Tr::for_lang(lang).get("seeker.withdraw.mail_after");
    madoguchi_mail::queue(
        &mut tx,
        &Envelope { portal: &portal.id, from_name: name, to: &user.email, lang },
        MailKind::Withdrawn,
        &[("portal", name), ("name", &user.name), ("at", &at), ("after", after)],
        state.mailer.domain(),
        now,
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    let notice = Some(ctx.t.get("seeker.withdraw.done").to_string());
    let page = crate::login::login_page(&ctx, &portal, "", FieldErrors::default(), notice)?;
    Ok((jar.remove(session::end_seeker_cookie(&state, &portal)), page).into_response())
}
