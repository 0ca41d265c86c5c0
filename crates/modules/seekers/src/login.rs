//! ログイン by e-mail address and password (jrec-in §1.8.1), ログアウト, and the マイページ: the
//! seeker's menu. The password check is the platform's (`credentials::check_seeker`: the
//! lockout, equal work and the same refusal for an unknown address, the audit of failures);
//! a login always starts a new session under the seeker's own cookie.

use crate::{area_name, base, chrome, store, subject};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_core::{Portal, normalize};
use madoguchi_store::{audit, sessions};
use madoguchi_web::credentials;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, PortalRef, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::session::{self, CurrentSeeker};
use madoguchi_web::state::AppState;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "seekers/login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub email: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub base: String,
}

pub fn login_page(
    ctx: &Ctx,
    portal: &Portal,
    email: &str,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    html(&LoginPage {
        chrome: chrome(ctx, portal, ctx.t.get("seeker.login.title")),
        email: email.to_string(),
        errors,
        notice,
        base: base(portal),
    })
}

pub async fn form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    login_page(&ctx, &portal, "", FieldErrors::default(), None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let email = normalize::email(&form.email);
    let mut errors = FieldErrors::default();
    if !normalize::is_email(&email) {
        errors.add("email", ctx.t.get("seeker.error.email"));
    }
    if form.password.is_empty() {
        errors.add("password", ctx.t.get("login.password_required"));
    }
    if !errors.is_empty() {
        return Ok(login_page(&ctx, &portal, &form.email, errors, None)?.into_response());
    }
    let Some(accepted) = credentials::check_seeker(&state, &portal, &email, &form.password, &origin, ctx.lang).await?
    else {
        let errors = FieldErrors::form(ctx.t.get("seeker.login.failed"));
        return Ok(login_page(&ctx, &portal, &form.email, errors, None)?.into_response());
    };
    let (user, mut tx) = (accepted.user, accepted.tx);
    let now = state.clock.unix();
    let subject = subject(user.id);
    audit::record(&mut tx, &audit_entry(&portal, &origin, "seeker.logged_in", Some(&subject), None), now).await?;
    let meta = origin.session_meta(None);
    let cookie = session::start_seeker(&mut tx, &state, &portal, user.id, &jar, now, &meta).await?;
    tx.commit().await?;
    Ok((jar.add(cookie), Redirect::to(&format!("{}/home", base(&portal)))).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    sessions::delete(&mut tx, &current.session_hash).await?;
    let subject = subject(current.user.id);
    audit::record(&mut tx, &audit_entry(portal, &origin, "seeker.logged_out", Some(&subject), None), now).await?;
    tx.commit().await?;
    let page = login_page(&ctx, portal, "", FieldErrors::default(), Some(ctx.t.get("login.logged_out").to_string()))?;
    Ok((jar.remove(session::end_seeker_cookie(&state, portal)), page).into_response())
}

/// The seeker's menu: what exists today (求職者情報, 退会), the account's ユーザID and
/// whether the 求職者情報 is 公開.
#[derive(Template)]
#[template(path = "seekers/home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub name: String,
    pub seeker_id: String,
    pub public: bool,
    pub last_login: Option<String>,
    pub area: String,
}

pub async fn home(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let own = {
        let mut conn = state.store.acquire().await?;
        store::own(&mut conn, &portal.id, current.user.id).await?
    };
    let page = HomePage {
        chrome: chrome(&ctx, portal, ctx.t.get("seeker.home.title")),
        errors: FieldErrors::default(),
        base: base(portal),
        name: current.user.name.clone(),
        seeker_id: current.user.login_id.clone(),
        public: own.is_some_and(|o| o.profile.public),
        last_login: current.user.previous_login_at.map(|at| format_ts(at, ctx.lang)),
        area: area_name(portal, ctx.lang).to_string(),
    };
    Ok(html(&page)?.into_response())
}
