//! 契約ユーザー情報変更 (rokin): every user changes their own ユーザー名 and メールアドレス (with
//! its 再入力); the ユーザーＩＤ is shown and never changes (the manual: ask the bank). The
//! change is audited and mailed, to the old address as well when the address changed.

use crate::contract_users::{check_email, check_name};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_core::portal::MenuItem;
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::users;
use madoguchi_web::credentials::{self, Reauth};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::pages::information::{MenuView, gate, menu};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct InfoForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub email_confirm: String,
    /// Asked only when the e-mail changes (ASVS 7.5.1); never shown back.
    #[serde(default)]
    pub current_password: String,
}

#[derive(Template)]
#[template(path = "portal/user_info.html")]
pub struct InfoPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub action: String,
    pub id_label: String,
    pub login_id: String,
    pub form: InfoForm,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    /// ログイン中のブラウザ.
    pub sessions: String,
}

fn page(
    current: &CurrentUser,
    ctx: &Ctx,
    form: InfoForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    Ok(html(&InfoPage {
        chrome: ctx.chrome(ctx.t.get("menu.user_info"), Some(&current.portal), Some(Screen::UserInfo)),
        menu: menu(current, ctx),
        action: format!("/{}/user-info", current.portal.id),
        id_label: current.portal.settings.login_screen.id_label.get(ctx.lang).to_string(),
        login_id: current.user.login_id.clone(),
        form: InfoForm { current_password: String::new(), ..form },
        errors,
        notice,
        sessions: format!("/{}/sessions", current.portal.id),
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct InfoQuery {
    #[serde(default)]
    done: String,
}

pub async fn form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Query(query): Query<InfoQuery>,
) -> Result<Response, AppError> {
    if let Some(response) = gate(&state, &current, MenuItem::UserInfo) {
        return Ok(response);
    }
    let u = &current.user;
    let form = InfoForm {
        name: u.name.clone(),
        email: u.email.clone(),
        email_confirm: u.email.clone(),
        current_password: String::new(),
    };
    let notice = (query.done == "saved").then(|| ctx.t.get("info.saved").to_string());
    page(&current, &ctx, form, FieldErrors::default(), notice)
}

pub async fn save(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<InfoForm>,
) -> Result<Response, AppError> {
    if let Some(response) = gate(&state, &current, MenuItem::UserInfo) {
        return Ok(response);
    }
    let mut errors = FieldErrors::default();
    let name = check_name(&form.name, "name", &ctx, &mut errors);
    let email = check_email(&form.email, &form.email_confirm, &ctx, &mut errors);
    let (Some(name), Some(email)) = (name, email) else {
        return page(&current, &ctx, form, errors, None);
    };
    let u = &current.user;
    let (name_changed, email_changed) = (name != u.name, email != u.email);
    if !name_changed && !email_changed {
        return page(&current, &ctx, form, FieldErrors::form(ctx.t.get("users.err_nothing")), None);
    }
    let portal = &current.portal;
    let now = state.clock.unix();
    let subject = format!("user:{}", u.id);
    let detail = match (name_changed, email_changed) {
        (true, true) => "name,email",
        (true, false) => "name",
        _ => "email",
    };
    // The address receives the 認証コード that issues a certificate: changing it needs the
    // password (ASVS 7.5.1), counted under the lockout rule like a login.
    let mut tx = if email_changed {
        if form.current_password.is_empty() {
            let errors = FieldErrors::field("current_password", ctx.t.get("info.password_needed"));
            return page(&current, &ctx, form, errors, None);
        }
        match credentials::reauthenticate(&state, &current, &form.current_password, &origin, ctx.lang, "user_info")
            .await?
        {
            Reauth::Confirmed(tx) => tx,
            Reauth::Wrong => {
                let errors = FieldErrors::field("current_password", ctx.t.get("code2.wrong_password"));
                return page(&current, &ctx, form, errors, None);
            }
            Reauth::Locked => {
                return madoguchi_identity::reauth::locked_out(&state, &current, &ctx, &origin, jar).await;
            }
        }
    } else {
        state.store.begin().await?
    };
    users::set_profile(&mut tx, u.id, &name, &email).await?;
    let entry = AuditEntry {
        portal: &portal.id,
        event: "profile.updated",
        actor: Some(&subject),
        subject: Some(&subject),
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(detail),
    };
    audit::record(&mut tx, &entry, now).await?;
    let mut changes = Vec::new();
    if name_changed {
        changes.push(ctx.t.get("users.mail_name").replace("{name}", &name));
    }
    if email_changed {
        changes.push(ctx.t.get("users.mail_email").replace("{email}", &email));
    }
    let change = changes.join("\n");
    let portal_name = portal.settings.name.get(ctx.lang);
    let help_desk = madoguchi_web::pages::landing::help_desk_text(&mut tx, portal, ctx.lang).await?;
    let when = format_ts(now, ctx.lang);
    let mut recipients = vec![email.as_str()];
    if email_changed {
        // The old address learns of it too: a changed address must not go unnoticed.
        recipients.push(u.email.as_str());
    }
    for to in recipients {
        madoguchi_mail::queue(
            &mut tx,
            &Envelope { portal: &portal.id, from_name: portal_name, to, lang: ctx.lang },
            MailKind::ProfileChanged,
            &[("portal", portal_name), ("name", &name), ("change", &change), ("at", &when), ("help_desk", &help_desk)],
            state.mailer.domain(),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    state.mailer.wake();
    Ok(Redirect::to(&format!("/{}/user-info?done=saved", portal.id)).into_response())
}
