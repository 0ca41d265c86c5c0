//! User sessions: created only after every factor, with a new id each time; the browser
//! holds a random token (cookie `mdg_s`, scoped to the portal's path), the server its hash.

use crate::auth;
use crate::client_cert::PeerCertificate;
use crate::cookies::{cookie, removal};
use crate::ctx::PortalRef;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_core::Portal;
use madoguchi_core::rules::{PasswordAge, SessionRule, SessionVerdict, password_age};
use madoguchi_store::users::{self, User};
use madoguchi_store::{Conn, sessions};

pub use crate::cookies::{SEEKER_COOKIE, SESSION_COOKIE};

pub fn portal_path(portal: &Portal) -> String {
    format!("/{}/", portal.id)
}

/// Where a job seeker's pages live (module `seekers`), and the path of the seeker's cookie.
pub fn seeker_path(portal: &Portal) -> String {
    format!("/{}/seeker", portal.id)
}

/// Starts a session for `user` on `conn` (inside the login's transaction) and returns the
/// cookie to set. Any session the browser had before is ended: the id is always new.
pub async fn start(
    conn: &mut Conn,
    state: &AppState,
    portal: &Portal,
    user_id: i64,
    jar: &CookieJar,
    now: i64,
) -> Result<axum_extra::extract::cookie::Cookie<'static>, AppError> {
    start_with(conn, state, portal, user_id, jar, now, &sessions::Meta::default()).await
}

/// [`start`], remembering the browser and address (the user's ログイン中のブラウザ list) and,
/// after a certificate login, the certificate the session is bound to.
pub async fn start_with(
    conn: &mut Conn,
    state: &AppState,
    portal: &Portal,
    user_id: i64,
    jar: &CookieJar,
    now: i64,
    meta: &sessions::Meta<'_>,
) -> Result<axum_extra::extract::cookie::Cookie<'static>, AppError> {
    start_as(conn, state, portal, user_id, jar, now, meta, Side::Employer).await
}

/// Starts a job seeker's session (the seekers' login, after its password): the same as
/// [`start_with`], under the seeker's own cookie.
pub async fn start_seeker(
    conn: &mut Conn,
    state: &AppState,
    portal: &Portal,
    user_id: i64,
    jar: &CookieJar,
    now: i64,
    meta: &sessions::Meta<'_>,
) -> Result<axum_extra::extract::cookie::Cookie<'static>, AppError> {
    start_as(conn, state, portal, user_id, jar, now, meta, Side::Seeker).await
}

/// Which side of a portal a session is for: its cookie, its path, whose accounts it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Employer,
    Seeker,
}

impl Side {
    fn cookie(self) -> &'static str {
        match self {
            Side::Employer => SESSION_COOKIE,
            Side::Seeker => SEEKER_COOKIE,
        }
    }

    fn path(self, portal: &Portal) -> String {
        match self {
            Side::Employer => portal_path(portal),
            Side::Seeker => seeker_path(portal),
        }
    }

    fn login(self, portal: &Portal) -> String {
        match self {
            Side::Employer => format!("/{}/login", portal.id),
            Side::Seeker => format!("{}/login", seeker_path(portal)),
        }
    }

    fn accepts(self, user: &User) -> bool {
        user.is_seeker() == (self == Side::Seeker)
    }
}

#[allow(clippy::too_many_arguments)]
async fn start_as(
    conn: &mut Conn,
    state: &AppState,
    portal: &Portal,
    user_id: i64,
    jar: &CookieJar,
    now: i64,
    meta: &sessions::Meta<'_>,
    side: Side,
) -> Result<axum_extra::extract::cookie::Cookie<'static>, AppError> {
    if let Some(old) = jar.get(side.cookie()) {
        sessions::delete(conn, &auth::token_hash(old.value())).await?;
    }
    let token = auth::random_token();
    let expires = SessionRule::of(&portal.settings.session).expires_at(now);
    let holder = sessions::Holder::User(user_id);
    sessions::insert_with(conn, &auth::token_hash(&token), &portal.id, holder, now, expires, meta).await?;
    users::record_login(conn, user_id, now).await?;
    Ok(cookie(side.cookie(), token, side.path(portal), state.secure_cookies()))
}

pub fn end_cookie(state: &AppState, portal: &Portal) -> axum_extra::extract::cookie::Cookie<'static> {
    removal(SESSION_COOKIE, portal_path(portal), state.secure_cookies())
}

/// The removal of a job seeker's session cookie (logout, 退会).
pub fn end_seeker_cookie(state: &AppState, portal: &Portal) -> axum_extra::extract::cookie::Cookie<'static> {
    removal(SEEKER_COOKIE, seeker_path(portal), state.secure_cookies())
}

/// Why a signed-in user must change the password before anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForcedChange {
    /// A temporary password (first login, reissue).
    Temporary,
    /// Older than the portal's maximum age.
    Expired,
}

/// Left in the request's extensions when [`CurrentUser`] refused it because the session of
/// `user_id` had just timed out (idle or absolute): what `crate::draft_seal::restore::FormUser`
/// seals a posted form for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiredSession {
    pub user_id: i64,
}

/// A user signed in to this portal, with the token hash of the session.
pub struct CurrentUser {
    pub portal: Portal,
    pub user: User,
    pub session_hash: String,
}

impl CurrentUser {
    pub fn forced_change(&self, now: i64) -> Option<ForcedChange> {
        if self.user.must_change_password {
            return Some(ForcedChange::Temporary);
        }
        (self.password_age(now) == PasswordAge::Expired).then_some(ForcedChange::Expired)
    }

    /// shaho: an account of a contract that is not linked to one of the contract's ASP
    /// user IDs may do nothing before it is (the manual: キャンセル ⇒ no entry).
    pub fn needs_asp_link(&self) -> bool {
        self.portal.settings.modules.contains(&madoguchi_core::portal::Module::AspAccounts)
            && self.user.contract_id.is_some()
            && self.user.asp_user_id.is_none()
    }

    /// Days until the password expires, when inside the warning window.
    pub fn expiry_warning_days(&self, now: i64) -> Option<i64> {
        match self.password_age(now) {
            PasswordAge::ExpiresSoon { days_left } => Some(days_left),
            PasswordAge::Fresh | PasswordAge::Expired => None,
        }
    }

    fn password_age(&self, now: i64) -> PasswordAge {
        password_age(&self.portal.settings.password, self.user.password_changed_at, now)
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    /// An employer's session: a seeker's account is refused here, whatever cookie it came in.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        resolve(parts, state, Side::Employer).await
    }
}

/// A job seeker signed in to this portal's seekers' pages (module `seekers`): the same
/// session rules as [`CurrentUser`], under the seeker's cookie, for seeker accounts only.
pub struct CurrentSeeker(pub CurrentUser);

impl FromRequestParts<AppState> for CurrentSeeker {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        resolve(parts, state, Side::Seeker).await.map(CurrentSeeker)
    }
}

async fn resolve(parts: &mut Parts, state: &AppState, side: Side) -> Result<CurrentUser, Response> {
    let PortalRef(portal) = PortalRef::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
    let login = Redirect::to(&side.login(&portal)).into_response();
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(token) = jar.get(side.cookie()).map(|c| c.value().to_string()) else {
        return Err(login);
    };
    let hash = auth::token_hash(&token);
    let now = state.clock.unix();
    let fail = |e: madoguchi_store::DbError| AppError::from(e).into_response();
    let mut conn = state.store.acquire().await.map_err(fail)?;
    // The session and its user in one query: every signed-in page starts here.
    let (session, user) = match users::by_session(&mut conn, &hash).await.map_err(fail)? {
        Some((session, user)) => (Some(session), user),
        None => (None, None),
    };
    let rule = SessionRule::of(&portal.settings.session);
    let mine = session.as_ref().filter(|s| s.portal == portal.id && s.user_id.is_some());
    let verdict = mine.map(|s| rule.verdict(s.expires_at, s.last_seen_at, now));
    let live = mine.filter(|_| verdict == Some(SessionVerdict::Live));
    let Some(user_id) = live.and_then(|s| s.user_id) else {
        if let (Some(ended), Some(reason)) = (mine, verdict.and_then(SessionVerdict::reason)) {
            // A timed-out session: gone from the server, and written down.
            let subject = ended.user_id.map(|id| format!("user:{id}"));
            let entry = madoguchi_store::audit::AuditEntry {
                portal: &portal.id,
                event: "session.ended",
                actor: subject.as_deref(),
                subject: subject.as_deref(),
                detail: Some(reason),
                ..Default::default()
            };
            madoguchi_store::audit::record(&mut conn, &entry, now).await.map_err(fail)?;
            // A form posted now is sealed for this user's next login (`crate::draft_seal::restore`).
            if let Some(user_id) = ended.user_id {
                parts.extensions.insert(ExpiredSession { user_id });
            }
        }
        sessions::delete(&mut conn, &hash).await.map_err(fail)?;
        return Err(login);
    };
    // Disabling or withdrawing deletes the sessions; this also ends one that a login
    // racing with the disable created after that delete.
    let Some(user) = user.filter(|u| u.id == user_id && u.disabled_at.is_none() && u.withdrawn_at.is_none()) else {
        sessions::delete(&mut conn, &hash).await.map_err(fail)?;
        return Err(login);
    };
    // A session of the other side's account (a seeker's token in the employer's cookie, or
    // the reverse) is no session here; it is left to its own side's pages.
    if !side.accepts(&user) {
        return Err(login);
    }
    // A certificate login's session is bound to its certificate: every request must present
    // it (a copied cookie, or the plain listener, has none), and it must still be in force.
    if let Some(serial) = live.and_then(|s| s.certificate_serial.as_deref())
        && !presents(state, &portal, parts, serial)
    {
        let subject = format!("user:{user_id}");
        let entry = madoguchi_store::audit::AuditEntry {
            portal: &portal.id,
            event: "session.ended",
            actor: Some(&subject),
            subject: Some(&subject),
            detail: Some("certificate_missing"),
            ..Default::default()
        };
        madoguchi_store::audit::record(&mut conn, &entry, now).await.map_err(fail)?;
        sessions::delete(&mut conn, &hash).await.map_err(fail)?;
        return Err(login);
    }
    if live.is_some_and(|s| SessionRule::needs_touch(s.last_seen_at, now)) {
        sessions::touch(&mut conn, &hash, now).await.map_err(fail)?;
    }
    Ok(CurrentUser { portal, user, session_hash: hash })
}

/// Whether the request presents the certificate `serial` names, valid now and signed by the
/// portal's CA (a certificate of another CA could carry the same serial).
fn presents(state: &AppState, portal: &Portal, parts: &Parts, serial: &str) -> bool {
    let (Some(cert), Some(ca)) = (parts.extensions.get::<PeerCertificate>(), state.ca(&portal.id)) else {
        return false;
    };
    ca.verify_client_with(cert.der(), state.clock.now(), |_| false).is_ok_and(|id| id.serial.to_hex() == serial)
}
