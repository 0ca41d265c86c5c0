//! One account as the operator sees it (organization, role, lock, last login, withdrawal,
//! disable), and the operator's disable (利用停止) and re-enable. A disabled account is
//! refused at login exactly like a wrong password; disabling ends its sessions, trusted
//! browsers and pending codes at once and mails the owner; re-enabling mails the owner too.

use crate::operator::{SignedIn, console_path, local};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use madoguchi_core::Lang;
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::users::{self, User};
use madoguchi_store::{codes, sessions};
use madoguchi_web::confirm::{self, Confirmation, StepForm};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::format::state_of;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;

#[derive(Template)]
#[template(path = "operator/user.html")]
pub struct UserPage {
    pub chrome: Chrome,
    pub base: String,
    pub id: i64,
    pub id_label: String,
    pub login_id: String,
    pub name: String,
    pub email: String,
    pub organization: String,
    /// The organization's registered data can be edited here (where the portal has 登録情報確認).
    pub organization_edit: Option<String>,
    /// (label, office) where the portal records an office in charge (hellowork 管轄安定所).
    pub office: Option<(String, String)>,
    pub role: String,
    pub state: String,
    pub can_unlock: bool,
    pub disabled: Option<String>,
    pub withdrawn: Option<String>,
    pub last_login: String,
    pub notice: Option<String>,
    /// Client-certificate portals: the user's certificates, newest first.
    pub certificates: Vec<CertificateLine>,
}

pub struct CertificateLine {
    pub id: i64,
    pub serial: String,
    pub subject: String,
    pub not_after: String,
    /// 有効 / 期限切れ / 失効, as the operator reads it.
    pub status: String,
    pub revocable: bool,
}

async fn certificate_lines(state: &AppState, ctx: &Ctx, user_id: i64) -> Result<Vec<CertificateLine>, AppError> {
    let now = state.clock.unix();
    let mut conn = state.store.acquire().await?;
    let rows = madoguchi_store::certificates::of_user(&mut conn, user_id).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let (key, revocable) = match c.revoked_at {
                Some(_) => ("op.user.cert_revoked", false),
                None if c.not_after < now => ("op.user.cert_expired", false),
                None => ("op.user.cert_valid", true),
            };
            CertificateLine {
                id: c.id,
                serial: c.serial,
                subject: c.subject,
                not_after: format_ts(c.not_after, ctx.lang),
                status: ctx.t.get(key).to_string(),
                revocable,
            }
        })
        .collect())
}

/// The account, when it is on this operator's portal; anything else is not found.
async fn account(state: &AppState, signed: &SignedIn, id: i64) -> Result<User, AppError> {
    let mut conn = state.store.acquire().await?;
    users::by_id(&mut conn, id).await?.filter(|u| u.portal == signed.portal.id).ok_or(AppError::NotFound)
}

fn when(ts: Option<i64>, ctx: &Ctx) -> Option<String> {
    ts.map(|t| format!("{}（{}）", ctx.t.get("op.user.since"), local(t).replace('T', " ")))
}

async fn user_page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    u: User,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    let portal = &signed.portal;
    let certificates = certificate_lines(state, ctx, u.id).await?;
    let base = console_path(portal);
    let (state_text, can_unlock) = state_of(&u, state.clock.unix(), ctx);
    let role = if u.role == "admin" { ctx.t.get("op.user.role_admin") } else { ctx.t.get("op.user.role_general") };
    html(&UserPage {
        chrome: ctx.chrome(ctx.t.get("op.user.title"), Some(portal), None),
        organization_edit: u
            .organization_id
            .filter(|_| portal.settings.registered_info.is_some())
            .map(|org| format!("{base}/organizations/{org}")),
        base,
        id: u.id,
        id_label: portal.settings.login_screen.id_label.get(ctx.lang).to_string(),
        login_id: u.login_id,
        name: u.name,
        email: u.email,
        organization: u.organization_name.unwrap_or_default(),
        office: portal
            .settings
            .office_label
            .as_ref()
            .map(|label| (label.get(ctx.lang).to_string(), u.organization_office.unwrap_or_default())),
        role: role.to_string(),
        state: state_text,
        can_unlock,
        disabled: when(u.disabled_at, ctx),
        withdrawn: when(u.withdrawn_at, ctx),
        last_login: u.last_login_at.map(|t| local(t).replace('T', " ")).unwrap_or_default(),
        notice,
        certificates,
    })
}

/// The detail page after an action taken elsewhere (閉塞解除 from this page).
pub async fn detail_with_notice(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    id: i64,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    let u = account(state, signed, id).await?;
    user_page(state, signed, ctx, u, notice).await
}

pub async fn detail(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let u = account(&state, &signed, id).await?;
    if u.is_seeker() {
        return Ok(Redirect::to(&seeker_page(&signed, id)).into_response());
    }
    Ok(user_page(&state, &signed, &ctx, u, None).await?.into_response())
}

/// A job seeker's page in the console: 求職者管理 (module `seekers`), where its 利用停止 and
/// 利用再開 start and end.
fn seeker_page(signed: &SignedIn, id: i64) -> String {
    format!("{}/seekers/{id}", console_path(&signed.portal))
}

/// The account an action is about, as its confirmation names it.
pub fn account_facts(confirmation: Confirmation, signed: &SignedIn, ctx: &Ctx, u: &User, now: i64) -> Confirmation {
    let id_label = signed.portal.settings.login_screen.id_label.get(ctx.lang);
    confirmation
        .fact(id_label, u.login_id.as_str())
        .fact(ctx.t.get("op.users.col_name"), u.name.as_str())
        .fact(ctx.t.get("op.users.col_org"), u.organization_name.as_deref().unwrap_or(""))
        .fact(ctx.t.get("op.users.col_state"), state_of(u, now, ctx).0)
}

/// 利用停止／利用再開's confirmation, naming the account; 「いいえ」 returns to its page.
fn disable_confirmation(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    u: &User,
    disable: bool,
) -> Result<Html<String>, AppError> {
    let base = console_path(&signed.portal);
    let (question, yes, verb) = if disable {
        ("op.user.disable_confirm", "op.user.disable", "disable")
    } else {
        ("op.user.enable_confirm", "op.user.enable", "enable")
    };
    let confirmation = Confirmation::new(ctx, ctx.t.get(question), format!("{base}/users/{}/{verb}", u.id))
        .buttons(ctx.t.get(yes), ctx.t.get("form.cancel"))
        .no_link(if u.is_seeker() { seeker_page(signed, u.id) } else { format!("{base}/users/{}", u.id) });
    let mut confirmation = account_facts(confirmation, signed, ctx, u, state.clock.unix());
    if disable {
        confirmation = confirmation.fact(ctx.t.get("op.user.disable"), ctx.t.get("op.user.disable_lead")).danger();
    }
    confirm::page(ctx, ctx.t.get("op.user.title"), Some(&signed.portal), None, confirmation)
}

pub async fn disable_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Html<String>, AppError> {
    let u = account(&state, &signed, id).await?;
    disable_confirmation(&state, &signed, &ctx, &u, true)
}

pub async fn enable_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Html<String>, AppError> {
    let u = account(&state, &signed, id).await?;
    disable_confirmation(&state, &signed, &ctx, &u, false)
}

pub async fn disable(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    if !form.confirmed() {
        let u = account(&state, &signed, id).await?;
        return Ok(disable_confirmation(&state, &signed, &ctx, &u, true)?.into_response());
    }
    set_disabled(state, signed, ctx, origin, id, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    if !form.confirmed() {
        let u = account(&state, &signed, id).await?;
        return Ok(disable_confirmation(&state, &signed, &ctx, &u, false)?.into_response());
    }
    set_disabled(state, signed, ctx, origin, id, false).await
}

/// The state change, what it ends, the audit entry and the owner's mail: one transaction.
async fn set_disabled(
    state: AppState,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    id: i64,
    disable: bool,
) -> Result<Response, AppError> {
    let u = account(&state, &signed, id).await?;
    let portal = &signed.portal;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let changed = users::set_disabled(&mut tx, &portal.id, id, disable.then_some(now)).await?;
    let (event, kind, notice) = if disable {
        ("account.disabled", MailKind::AccountDisabled, "op.user.disabled_done")
    } else {
        ("account.enabled", MailKind::AccountEnabled, "op.user.enabled_done")
    };
    if changed {
        let ended = if disable {
            codes::revoke_trusted(&mut tx, id).await?;
            codes::void_pending(&mut tx, id, now).await?;
            sessions::delete_for_user(&mut tx, id, None).await?
        } else {
            0
        };
        let (actor, subject) = (format!("operator:{}", signed.operator.id), format!("user:{id}"));
        let detail = disable.then(|| format!("{ended} session(s) ended"));
        audit::record(
            &mut tx,
            &AuditEntry {
                portal: &portal.id,
                event,
                actor: Some(&actor),
                subject: Some(&subject),
                ip: origin.ip.as_deref(),
                user_agent: origin.user_agent.as_deref(),
                detail: detail.as_deref(),
            },
            now,
        )
        .await?;
        // The owner's language is not stored: mails to employers are Japanese, as elsewhere.
        let lang = Lang::Ja;
        let portal_name = portal.settings.name.get(lang);
        let help_desk = madoguchi_web::pages::landing::help_desk_text(&mut tx, portal, lang).await?;
        let at = format_ts(now, lang);
        madoguchi_mail::queue(
            &mut tx,
            &Envelope { portal: &portal.id, from_name: portal_name, to: &u.email, lang },
            kind,
            &[("portal", portal_name), ("name", &u.name), ("at", &at), ("help_desk", &help_desk)],
            state.mailer.domain(),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    if changed {
        state.mailer.wake();
    }
    let u = account(&state, &signed, id).await?;
    if u.is_seeker() {
        let done = if !changed {
            "unchanged"
        } else if disable {
            "disabled"
        } else {
            "enabled"
        };
        return Ok(Redirect::to(&format!("{}?done={done}", seeker_page(&signed, id))).into_response());
    }
    let notice = if changed { ctx.t.get(notice) } else { ctx.t.get("op.user.unchanged") };
    Ok(user_page(&state, &signed, &ctx, u, Some(notice.to_string())).await?.into_response())
}

/// 失効's confirmation, naming the certificate and its user.
pub async fn revoke_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id, certificate)): Path<(String, i64, i64)>,
) -> Result<Html<String>, AppError> {
    revoke_confirmation(&state, &signed, &ctx, id, certificate).await
}

async fn revoke_confirmation(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    id: i64,
    certificate: i64,
) -> Result<Html<String>, AppError> {
    let u = account(state, signed, id).await?;
    let cert = {
        let mut conn = state.store.acquire().await?;
        madoguchi_store::certificates::by_id(&mut conn, &signed.portal.id, certificate).await?
    };
    let cert = cert.filter(|c| c.user_id == Some(u.id)).ok_or(AppError::NotFound)?;
    let base = console_path(&signed.portal);
    let action = format!("{base}/users/{id}/certificates/{certificate}/revoke");
    let confirmation = Confirmation::new(ctx, ctx.t.get("op.user.cert_revoke_confirm"), action)
        .fact(ctx.t.get("cert.subject"), cert.subject.as_str())
        .fact(ctx.t.get("op.user.cert_serial"), cert.serial.as_str())
        .fact(ctx.t.get("cert.valid_until"), format_ts(cert.not_after, ctx.lang))
        .buttons(ctx.t.get("op.user.cert_revoke"), ctx.t.get("form.cancel"))
        .no_link(format!("{base}/users/{id}"))
        .danger();
    let confirmation = account_facts(confirmation, signed, ctx, &u, state.clock.unix());
    confirm::page(ctx, ctx.t.get("op.user.title"), Some(&signed.portal), None, confirmation)
}

/// The operator revokes a certificate (the user changes PCs, or lost one): it stops logging
/// in at once, goes on the CRL, and the user is mailed. The user then issues a new one.
pub async fn revoke_certificate(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, id, certificate)): Path<(String, i64, i64)>,
    Form(form): Form<StepForm>,
) -> Result<Html<String>, AppError> {
    if !form.confirmed() {
        return revoke_confirmation(&state, &signed, &ctx, id, certificate).await;
    }
    let u = account(&state, &signed, id).await?;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let found = madoguchi_store::certificates::by_id(&mut tx, &signed.portal.id, certificate).await?;
    let Some(cert) = found.filter(|c| c.user_id == Some(u.id)) else { return Err(AppError::NotFound) };
    let notice = if madoguchi_store::certificates::revoke(&mut tx, cert.id, "operator", now).await? {
        let actor = format!("operator:{}", signed.operator.id);
        let subject = format!("user:{}", u.id);
        let entry = AuditEntry {
            portal: &signed.portal.id,
            event: "certificate.revoked",
            actor: Some(&actor),
            subject: Some(&subject),
            ip: origin.ip.as_deref(),
            user_agent: origin.user_agent.as_deref(),
            detail: Some(&cert.serial),
        };
        audit::record(&mut tx, &entry, now).await?;
        let values = [("subject", cert.subject.clone())];
        madoguchi_rokin::certificate::mail_certificate(
            &state,
            &mut tx,
            &signed.portal,
            &u,
            MailKind::CertificateRevoked,
            &values,
            Lang::Ja,
        )
        .await?;
        ctx.t.get("op.user.cert_revoked_done")
    } else {
        ctx.t.get("op.user.cert_already_revoked")
    };
    tx.commit().await?;
    state.mailer.wake();
    user_page(&state, &signed, &ctx, u, Some(notice.to_string())).await
}
