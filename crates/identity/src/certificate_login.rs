//! ログイン by client certificate (rokin's 電子証明書): the certificate the browser presented picks
//! the user; the user types only the パスワード. No certificate, or a foreign, expired or revoked
//! one, gets a page that says so and leads to 電子証明書発行 (the issuance screens are rokin's,
//! `madoguchi-rokin`). The password login (`login.rs`) hands a portal whose second factor is
//! the client certificate to this file.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_ca::{Authority, Rejection};
use madoguchi_core::Portal;
use madoguchi_core::login_id::LoginId;
use madoguchi_core::portal::{LockoutPolicy, SecondFactor, Unblocker};
use madoguchi_store::audit;
use madoguchi_store::certificates::{self};
use madoguchi_store::users::{self, User};
use madoguchi_web::client_cert::PeerCertificate;
use madoguchi_web::credentials;
use madoguchi_web::ctx::audit_entry;
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_clock;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session;
use madoguchi_web::state::AppState;

fn authority<'a>(state: &'a AppState, portal: &Portal) -> Result<&'a Authority, AppError> {
    state.ca(&portal.id).ok_or_else(|| AppError::Internal(format!("portal {} has no certificate authority", portal.id)))
}

/// 電子証明書発行's first screen, where every refusal leads.
fn path(portal: &Portal, step: &str) -> String {
    format!("/{}/certificate{step}", portal.id)
}

// ---- ログイン with the certificate ----

/// Why the presented certificate logs nobody in; each has its own explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    None,
    Foreign,
    Expired,
    Revoked,
    Malformed,
}

impl Refusal {
    /// The audit log's detail of a refused certificate login.
    fn detail(self) -> &'static str {
        match self {
            Refusal::None => "certificate_none",
            Refusal::Foreign => "certificate_foreign",
            Refusal::Expired => "certificate_expired",
            Refusal::Revoked => "certificate_revoked",
            Refusal::Malformed => "certificate_malformed",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Refusal::None => "cert.missing_none",
            Refusal::Foreign => "cert.missing_foreign",
            Refusal::Expired => "cert.missing_expired",
            Refusal::Revoked => "cert.missing_revoked",
            Refusal::Malformed => "cert.missing_malformed",
        }
    }
}

/// The user the presented certificate names, if it is this portal's, in force, and the one
/// the certificates table holds for that user.
pub async fn certificate_user(
    state: &AppState,
    portal: &Portal,
    presented: Option<&PeerCertificate>,
) -> Result<Result<User, Refusal>, AppError> {
    Ok(certificate_holder(state, portal, presented).await?.map(|(user, _)| user))
}

/// [`certificate_user`] with the certificate's serial (upper-case hex), which the session
/// made by the login is bound to.
async fn certificate_holder(
    state: &AppState,
    portal: &Portal,
    presented: Option<&PeerCertificate>,
) -> Result<Result<(User, String), Refusal>, AppError> {
    let Some(PeerCertificate(der)) = presented else { return Ok(Err(Refusal::None)) };
    let identity = match authority(state, portal)?.verify_client_with(der, state.clock.now(), |_| false) {
        Ok(identity) => identity,
        Err(Rejection::Foreign) => return Ok(Err(Refusal::Foreign)),
        Err(Rejection::Expired { .. } | Rejection::NotYetValid { .. }) => return Ok(Err(Refusal::Expired)),
        Err(Rejection::Revoked { .. }) => return Ok(Err(Refusal::Revoked)),
        Err(Rejection::Malformed(_)) => return Ok(Err(Refusal::Malformed)),
    };
    let mut conn = state.store.acquire().await?;
    let Some(row) = certificates::by_serial(&mut conn, &portal.id, &identity.serial.to_hex()).await? else {
        // Signed by our CA but unknown to the table (e.g. a restored old database): not trusted.
        return Ok(Err(Refusal::Revoked));
    };
    let user = match row.user_id {
        Some(id) if row.revoked_at.is_none() => users::by_id(&mut conn, id).await?,
        _ => return Ok(Err(Refusal::Revoked)),
    };
    Ok(user
        .filter(|u| u.login_id == identity.user_id && u.portal == portal.id)
        .map(|u| (u, row.serial))
        .ok_or(Refusal::Revoked))
}

#[derive(Template)]
#[template(path = "rokin/cert_missing.html")]
pub struct MissingPage {
    pub chrome: Chrome,
    pub reason: String,
    pub certificate: String,
}

fn missing_page(ctx: &Ctx, portal: &Portal, refusal: Refusal) -> Result<Response, AppError> {
    let page = html(&MissingPage {
        chrome: ctx.chrome(ctx.t.get("cert.missing_title"), Some(portal), Some(Screen::CertificateMissing)),
        reason: ctx.t.get(refusal.key()).to_string(),
        certificate: path(portal, ""),
    })?;
    Ok((StatusCode::FORBIDDEN, page).into_response())
}

#[derive(Template)]
#[template(path = "rokin/cert_login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub id_label: String,
    pub login_id: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    /// The manual's キャンセル: back to the portal's first screen (the four buttons).
    pub cancel: String,
}

pub fn login_page(
    ctx: &Ctx,
    portal: &Portal,
    user: &User,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    html(&LoginPage {
        chrome: ctx.chrome(portal.settings.login_screen.title.get(ctx.lang), Some(portal), Some(Screen::Login)),
        id_label: portal.settings.login_screen.id_label.get(ctx.lang).to_string(),
        login_id: user.login_id.clone(),
        errors,
        notice,
        cancel: format!("/{}/", portal.id),
    })
}

pub async fn login_form(
    state: &AppState,
    portal: &Portal,
    ctx: &Ctx,
    presented: Option<&PeerCertificate>,
) -> Result<Response, AppError> {
    match certificate_user(state, portal, presented).await? {
        Ok(user) => Ok(login_page(ctx, portal, &user, FieldErrors::default(), None)?.into_response()),
        Err(refusal) => missing_page(ctx, portal, refusal),
    }
}

/// Where a refused certificate login stands. The certificate already names the user, so
/// unlike the password login (same answer for everything) the page may say that the account
/// is locked until when, or blocked and who lifts it: nothing is told that the certificate's
/// holder does not know, and the lock mail says the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Not locked or blocked: the password was wrong (or the account is disabled or withdrawn,
    /// which is answered as a wrong password everywhere).
    WrongPassword,
    /// ロック: no login until then.
    Locked { until: i64 },
    /// 閉塞: the organization's administrator (rokin's マスターユーザー) lifts it.
    BlockedAskAdmin,
    /// 閉塞: the operator (the bank) lifts it: the administrator's own block, or where no
    /// administrator unblocks.
    BlockedAskOperator,
}

/// `user` as the refusal finds it at `now`.
pub fn standing(user: &User, lockout: &LockoutPolicy, now: i64) -> Standing {
    if user.disabled_at.is_some() || user.withdrawn_at.is_some() {
        return Standing::WrongPassword;
    }
    if user.blocked_at.is_some() {
        return if lockout.unblock_by.contains(&Unblocker::OrgAdmin) && user.role != "admin" {
            Standing::BlockedAskAdmin
        } else {
            Standing::BlockedAskOperator
        };
    }
    match user.locked_until {
        Some(until) if madoguchi_core::rules::before(until, now) => Standing::Locked { until },
        _ => Standing::WrongPassword,
    }
}

/// The refusal's message: the lock's end, or the block and whom to ask.
async fn refusal_message(state: &AppState, portal: &Portal, ctx: &Ctx, user_id: i64) -> Result<String, AppError> {
    let now = state.clock.unix();
    let user = {
        let mut conn = state.store.acquire().await?;
        users::by_id(&mut conn, user_id).await?
    };
    let standing = user.map_or(Standing::WrongPassword, |u| standing(&u, &portal.settings.lockout, now));
    Ok(match standing {
        Standing::WrongPassword => ctx.t.get("cert.login_failed").to_string(),
        Standing::Locked { until } => ctx.t.get("cert.locked").replace("{until}", &format_clock(until, ctx.lang)),
        Standing::BlockedAskAdmin => ctx.t.get("cert.blocked_ask_admin").to_string(),
        Standing::BlockedAskOperator => {
            ctx.t.get("cert.blocked_ask_operator").replace("{operator}", portal.settings.operator_name.get(ctx.lang))
        }
    })
}

/// The password step of the certificate login (the login screen's POST on this portal).
pub async fn login(
    state: &AppState,
    portal: &Portal,
    ctx: &Ctx,
    origin: &Origin,
    jar: CookieJar,
    presented: Option<&PeerCertificate>,
    password: &str,
) -> Result<Response, AppError> {
    if !matches!(portal.settings.second_factor, SecondFactor::ClientCertificate { .. }) {
        return Err(AppError::NotFound);
    }
    let (user, serial) = match certificate_holder(state, portal, presented).await? {
        Ok(held) => held,
        Err(refusal) => {
            // A login attempt like any other: written down, with why the certificate failed.
            let mut conn = state.store.acquire().await?;
            let entry = audit_entry(portal, origin, "login.failed", None, Some(refusal.detail()));
            audit::record(&mut conn, &entry, state.clock.unix()).await?;
            return missing_page(ctx, portal, refusal);
        }
    };
    if password.is_empty() {
        let errors = FieldErrors::field("password", ctx.t.get("login.password_required"));
        return Ok(login_page(ctx, portal, &user, errors, None)?.into_response());
    }
    let login_id = LoginId::parse(&portal.settings.login_id, &user.login_id)
        .map_err(|_| AppError::Internal(format!("stored login ID of user {} does not parse", user.id)))?;
    let Some(accepted) = credentials::check(state, portal, &login_id, password, origin, ctx.lang).await? else {
        let errors = FieldErrors::form(&refusal_message(state, portal, ctx, user.id).await?);
        return Ok(login_page(ctx, portal, &user, errors, None)?.into_response());
    };
    let (user, mut tx) = (accepted.user, accepted.tx);
    let now = state.clock.unix();
    let subject = format!("user:{}", user.id);
    let entry = audit_entry(portal, origin, "login.succeeded", Some(&subject), Some("certificate"));
    audit::record(&mut tx, &entry, now).await?;
    let meta = origin.session_meta(Some(&serial));
    let session = session::start_with(&mut tx, state, portal, user.id, &jar, now, &meta).await?;
    tx.commit().await?;
    Ok((jar.add(session), Redirect::to(&format!("/{}/home", portal.id))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use madoguchi_core::Config;

    const NOW: i64 = 1_790_000_000;

    fn user(role: &str) -> User {
        User {
            id: 1,
            portal: "rokin".into(),
            organization_id: Some(1),
            login_id: "Taro01".into(),
            email: "taro@example.jp".into(),
            name: "山田 太郎".into(),
            role: role.into(),
            password_hash: String::new(),
            password_changed_at: NOW,
            must_change_password: false,
            failed_count: 0,
            locked_until: None,
            lock_count: 0,
            blocked_at: None,
            login_code_enabled: false,
            withdrawn_at: None,
            last_login_at: None,
            previous_login_at: None,
            organization_name: None,
            organization_office: None,
            contract_id: None,
            asp_user_id: None,
            disabled_at: None,
            contract_zaikei_change: false,
            zaikei_change_right: false,
        }
    }

    fn lockout() -> LockoutPolicy {
        Config::demo().unwrap().portal("rokin").unwrap().settings.lockout.clone()
    }

    #[test]
    fn a_lock_is_told_with_its_end_until_it_runs_out() {
        let mut u = user("general");
        u.locked_until = Some(NOW + 3600);
        assert_eq!(standing(&u, &lockout(), NOW), Standing::Locked { until: NOW + 3600 });
        assert_eq!(standing(&u, &lockout(), NOW + 3599), Standing::Locked { until: NOW + 3600 });
        assert_eq!(standing(&u, &lockout(), NOW + 3600), Standing::WrongPassword, "the lock has run out");
    }

    #[test]
    fn a_block_names_who_lifts_it() {
        let mut general = user("general");
        general.blocked_at = Some(NOW);
        general.locked_until = Some(NOW + 3600);
        assert_eq!(standing(&general, &lockout(), NOW), Standing::BlockedAskAdmin);
        let mut master = user("admin");
        master.blocked_at = Some(NOW);
        assert_eq!(standing(&master, &lockout(), NOW + 86_400), Standing::BlockedAskOperator);
        // Where no organization administrator unblocks, everyone asks the operator.
        let mut operator_only = lockout();
        operator_only.unblock_by = vec![Unblocker::Operator];
        assert_eq!(standing(&general, &operator_only, NOW), Standing::BlockedAskOperator);
    }

    #[test]
    fn an_open_disabled_or_withdrawn_account_reads_as_a_wrong_password() {
        assert_eq!(standing(&user("general"), &lockout(), NOW), Standing::WrongPassword);
        let mut disabled = user("general");
        disabled.disabled_at = Some(NOW);
        disabled.blocked_at = Some(NOW);
        assert_eq!(standing(&disabled, &lockout(), NOW), Standing::WrongPassword);
        let mut withdrawn = user("admin");
        withdrawn.withdrawn_at = Some(NOW);
        withdrawn.locked_until = Some(NOW + 60);
        assert_eq!(standing(&withdrawn, &lockout(), NOW), Standing::WrongPassword);
    }
}
