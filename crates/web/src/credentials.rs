//! Checking a login ID and password under the portal's lockout rule: shared by the login
//! screen and every screen that asks for the password without a session (mlit-fwms's
//! パスワード設定／変更), so that failures there count like a login.
//!
//! An attempt is reserved before the password is checked (exact under concurrency); unknown,
//! locked and blocked accounts cost the same argon2 work and get the same refusal. A password
//! reissued by ID／パスワード紛失 is accepted once, within its hours, and forces a change.

use crate::auth;
use crate::ctx::Origin;
use crate::ctx::audit_entry;
use crate::error::AppError;
use crate::format::format_ts;
use crate::i18n::Tr;
use crate::session::CurrentUser;
use crate::state::AppState;
use madoguchi_core::login_id::LoginId;
use madoguchi_core::password::{self, PasswordRule, Subject};
use madoguchi_core::portal::{SecondFactor, Unblocker};
use madoguchi_core::rules::{CodeRule, CodeVerdict, LockOutcome, LockRule};
use madoguchi_core::{Lang, Portal};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit;
use madoguchi_store::users::{self, User};
use madoguchi_store::{Conn, Tx, codes, sessions};

/// The purpose of a temporary password reissued by the operator-less recovery.
pub const REISSUE: &str = "reissue";

/// The password was right: the failure count is cleared in `tx`, still open for the caller.
pub struct Accepted {
    pub user: User,
    pub tx: Tx,
    /// It was a reissued temporary password (now the password, to be changed at once).
    pub temporary: bool,
}

pub async fn check(
    state: &AppState,
    portal: &Portal,
    login_id: &LoginId,
    password: &str,
    origin: &Origin,
    lang: Lang,
) -> Result<Option<Accepted>, AppError> {
    check_for(state, portal, login_id, password, origin, lang, Purpose::Login).await
}

/// What a password check by login ID is for: which accounts it may accept, and the event its
/// refusals are audited as. Both count on the same lockout counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A login, or a screen that works like one (mlit-fwms's パスワード設定／変更): active
    /// accounts; a temporary password reissued by ID／パスワード紛失 is accepted once.
    Login,
    /// hellowork's アカウントを再登録: only a withdrawn account (the caller checks the window).
    Return,
}

impl Purpose {
    fn refused_event(self) -> &'static str {
        match self {
            Purpose::Login => "login.failed",
            Purpose::Return => "account.return_refused",
        }
    }
}

/// [`check`] for a purpose. Every refusal is audited, with the account as its subject
/// whenever the login ID names one (locked, blocked, disabled or withdrawn included).
pub async fn check_for(
    state: &AppState,
    portal: &Portal,
    login_id: &LoginId,
    password: &str,
    origin: &Origin,
    lang: Lang,
    purpose: Purpose,
) -> Result<Option<Accepted>, AppError> {
    check_found(state, portal, Who::LoginId(login_id.as_str()), password, origin, lang, purpose).await
}

/// [`check`] for a job seeker (module `seekers`): the account of `email` among the portal's
/// seekers, under the same lockout rule, audits and equal work for an unknown address.
pub async fn check_seeker(
    state: &AppState,
    portal: &Portal,
    email: &str,
    password: &str,
    origin: &Origin,
    lang: Lang,
) -> Result<Option<Accepted>, AppError> {
    check_found(state, portal, Who::SeekerEmail(email), password, origin, lang, Purpose::Login).await
}

/// Whose password is checked: an employer's account by login ID (never a seeker's: those log
/// in on the seekers' pages only) or a seeker's by address.
#[derive(Debug, Clone, Copy)]
enum Who<'a> {
    LoginId(&'a str),
    SeekerEmail(&'a str),
}

/// The password check: the account looked up and its attempt taken on one connection, given
/// back before the hashing.
async fn check_found(
    state: &AppState,
    portal: &Portal,
    who: Who<'_>,
    password: &str,
    origin: &Origin,
    lang: Lang,
    purpose: Purpose,
) -> Result<Option<Accepted>, AppError> {
    let now = state.clock.unix();
    let rule = LockRule::of(&portal.settings.lockout);
    let event = purpose.refused_event();
    let found = {
        let mut conn = state.store.acquire().await?;
        let found = match who {
            Who::LoginId(id) => users::by_login_id(&mut conn, &portal.id, id).await?.filter(|u| !u.is_seeker()),
            Who::SeekerEmail(email) => users::seeker_by_email(&mut conn, &portal.id, email).await?,
        };
        match found {
            Some(user) if purpose == Purpose::Login && user.withdrawn_at.is_some() => Err((Some(user.id), "withdrawn")),
            Some(user) if purpose == Purpose::Return && user.withdrawn_at.is_none() => {
                Err((Some(user.id), "not_withdrawn"))
            }
            // Disabled by the operator: refused like any wrong password, without counting.
            Some(user) if user.disabled_at.is_some() => Err((Some(user.id), "disabled")),
            Some(user) => match users::reserve_attempt(&mut conn, user.id, &rule, now).await? {
                Some(attempt) => Ok((user, attempt)),
                None => Err((Some(user.id), "locked")),
            },
            None => Err((None, "unknown_login_id")),
        }
    };
    let (user, attempt) = match found {
        Ok(found) => found,
        Err((user, detail)) => {
            state.hasher.verify(password, None).await;
            let subject = user.map(|id| format!("user:{id}"));
            let mut conn = state.store.acquire().await?;
            audit::record(&mut conn, &audit_entry(portal, origin, event, subject.as_deref(), Some(detail)), now)
                .await?;
            return Ok(None);
        }
    };
    let subject = format!("user:{}", user.id);
    let matched = state.hasher.verify(password, Some(&user.password_hash)).await;
    let mut tx = state.store.begin().await?;
    let temporary =
        !matched && purpose == Purpose::Login && accept_reissued(&mut tx, state, portal, &user, password, now).await?;
    if !matched && !temporary {
        let lock_until = rule.lock_until(now);
        let outcome = users::attempt_failed(&mut tx, user.id, attempt, &rule, now).await?;
        let entry = audit_entry(portal, origin, event, Some(&subject), Some("bad_password"));
        audit::record(&mut tx, &entry, now).await?;
        record_lock(&mut tx, state, portal, origin, &user, outcome, lock_until, lang, now).await?;
        tx.commit().await?;
        state.mailer.wake();
        return Ok(None);
    }
    users::attempt_succeeded(&mut tx, user.id).await?;
    if matched && state.hasher.needs_rehash(&user.password_hash) {
        // The operator changed the hashing parameters: bring this hash up to them.
        let hash = state.hasher.hash(password).await.map_err(|e| AppError::Internal(format!("hash: {e}")))?;
        users::rehash(&mut tx, user.id, &hash).await?;
    }
    let user = if temporary { users::by_id(&mut tx, user.id).await?.unwrap_or(user) } else { user };
    Ok(Some(Accepted { user, tx, temporary }))
}

/// The answer to a signed-in user's password asked again (password change, 退会, the login
/// code switch, an e-mail change).
pub enum Reauth {
    /// Right: the failure count is cleared in the transaction, still open for the caller.
    Confirmed(Tx),
    /// Wrong, counted; the account is still open.
    Wrong,
    /// The account is locked or blocked (this failure may have locked it): nothing was
    /// checked, and the caller ends the session that asked.
    Locked,
}

/// Checks the signed-in user's password under the same lockout rule as the login: a stolen
/// session may not guess the password any faster than the login screen lets anybody. Each
/// failure is audited as `reauth.failed` (detail: the screen), a refusal while locked as
/// `reauth.refused`; the lock or block itself is audited and mailed as at login.
pub async fn reauthenticate(
    state: &AppState,
    current: &CurrentUser,
    password: &str,
    origin: &Origin,
    lang: Lang,
    screen: &str,
) -> Result<Reauth, AppError> {
    let (portal, user) = (&current.portal, &current.user);
    let now = state.clock.unix();
    let rule = LockRule::of(&portal.settings.lockout);
    let subject = format!("user:{}", user.id);
    let attempt = {
        let mut conn = state.store.acquire().await?;
        users::reserve_attempt(&mut conn, user.id, &rule, now).await?
    };
    let Some(attempt) = attempt else {
        let mut conn = state.store.acquire().await?;
        audit::record(&mut conn, &audit_entry(portal, origin, "reauth.refused", Some(&subject), Some(screen)), now)
            .await?;
        return Ok(Reauth::Locked);
    };
    let matched = state.hasher.verify(password, Some(&user.password_hash)).await;
    let mut tx = state.store.begin().await?;
    if !matched {
        let lock_until = rule.lock_until(now);
        let outcome = users::attempt_failed(&mut tx, user.id, attempt, &rule, now).await?;
        audit::record(&mut tx, &audit_entry(portal, origin, "reauth.failed", Some(&subject), Some(screen)), now)
            .await?;
        record_lock(&mut tx, state, portal, origin, user, outcome, lock_until, lang, now).await?;
        tx.commit().await?;
        state.mailer.wake();
        return Ok(if outcome == LockOutcome::StillOpen { Reauth::Wrong } else { Reauth::Locked });
    }
    users::attempt_succeeded(&mut tx, user.id).await?;
    if state.hasher.needs_rehash(&user.password_hash) {
        let hash = state.hasher.hash(password).await.map_err(|e| AppError::Internal(format!("hash: {e}")))?;
        users::rehash(&mut tx, user.id, &hash).await?;
    }
    Ok(Reauth::Confirmed(tx))
}

/// Ends the session whose password checks locked the account (audited `session.ended`,
/// detail `locked`); the caller sends the browser to the login screen.
pub async fn end_locked_session(state: &AppState, current: &CurrentUser, origin: &Origin) -> Result<(), AppError> {
    let now = state.clock.unix();
    let subject = format!("user:{}", current.user.id);
    let mut tx = state.store.begin().await?;
    sessions::delete(&mut tx, &current.session_hash).await?;
    audit::record(&mut tx, &audit_entry(&current.portal, origin, "session.ended", Some(&subject), Some("locked")), now)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A reissued temporary password, once: it becomes the password, to be changed at once.
async fn accept_reissued(
    tx: &mut Tx,
    state: &AppState,
    portal: &Portal,
    user: &User,
    password: &str,
    now: i64,
) -> Result<bool, AppError> {
    let Some(rule) = CodeRule::reissued_password(&portal.settings.recovery) else { return Ok(false) };
    let Some(code) = codes::pending_for_user(tx, user.id, REISSUE).await? else { return Ok(false) };
    // Its attempts are not counted: a wrong entry here is a failed login, which the lockout counts.
    if !matches!(rule.verdict(code.expires_at, code.attempts, now), CodeVerdict::Open { .. })
        || !auth::equal(&auth::token_hash(password), &code.code_hash)
        || !codes::use_up(tx, code.id, now).await?
    {
        return Ok(false);
    }
    let hash = state.hasher.hash(password).await.map_err(|e| AppError::Internal(format!("hash: {e}")))?;
    users::set_password(tx, user.id, &hash, true, now).await?;
    Ok(true)
}

/// Audits a lock or block and, where the portal says so, mails the owner.
#[allow(clippy::too_many_arguments)]
async fn record_lock(
    tx: &mut Tx,
    state: &AppState,
    portal: &Portal,
    origin: &Origin,
    user: &User,
    outcome: LockOutcome,
    lock_until: i64,
    lang: Lang,
    now: i64,
) -> Result<(), AppError> {
    let subject = format!("user:{}", user.id);
    let (event, kind, locks) = match outcome {
        LockOutcome::StillOpen => return Ok(()),
        LockOutcome::Locked { lock_count } => ("account.locked", MailKind::AccountLocked, lock_count),
        LockOutcome::Blocked { lock_count } => ("account.blocked", MailKind::AccountBlocked, lock_count),
    };
    let detail = format!("lock {locks}");
    audit::record(tx, &audit_entry(portal, origin, event, Some(&subject), Some(&detail)), now).await?;
    let lockout = &portal.settings.lockout;
    if !lockout.notify_user {
        return Ok(());
    }
    let portal_name = portal.settings.name.get(lang);
    let help_desk = crate::pages::landing::help_desk_text(tx, portal, lang).await?;
    // An organization's administrator (rokin's マスターユーザー) cannot lift their own block:
    // theirs is the operator's to lift.
    let unblock_key = if lockout.unblock_by.contains(&Unblocker::OrgAdmin) && user.role != "admin" {
        "login.unblock_by_admin"
    } else {
        "login.unblock_by_operator"
    };
    let unblock = crate::i18n::Tr::for_lang(lang).get(unblock_key);
    let failures = lockout.failures.to_string();
    let minutes = lockout.lock_minutes.to_string();
    let block_after = lockout.block_after_locks.unwrap_or(0).to_string();
    let (at, until, locks) = (format_ts(now, lang), format_ts(lock_until, lang), locks.to_string());
    madoguchi_mail::queue(
        tx,
        &Envelope { portal: &portal.id, from_name: portal_name, to: &user.email, lang },
        kind,
        &[
            ("portal", portal_name),
            ("name", &user.name),
            ("failures", &failures),
            ("minutes", &minutes),
            ("at", &at),
            ("until", &until),
            ("block_after", &block_after),
            ("locks", &locks),
            ("unblock", unblock),
            ("help_desk", &help_desk),
        ],
        state.mailer.domain(),
        now,
    )
    .await?;
    Ok(())
}

/// Every rule for a user's new password: the portal's policy with the user's name and login
/// ID, then the history (at least the current password, so a change always changes it).
pub async fn new_password_rules(
    state: &AppState,
    conn: &mut Conn,
    portal: &Portal,
    user: &User,
    new: &str,
) -> Result<Vec<PasswordRule>, AppError> {
    let policy = &portal.settings.password;
    let names = [user.name.as_str()];
    let mut broken = password::check(policy, new, Subject { login_id: &user.login_id, names: &names });
    if broken.is_empty() {
        let count = policy.history.max(1);
        for old in users::recent_passwords(conn, user.id, count as i64).await? {
            if state.hasher.verify(new, Some(&old)).await {
                broken.push(PasswordRule::Reused { count });
                break;
            }
        }
    }
    Ok(broken)
}

/// What a password-reset key typed on the reset page came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetKey {
    /// The key was right, in time and within its tries: used up now, for this account.
    Used(i64),
    /// No pending key bound to this browser (none sent, used, or replaced): nobody to name.
    Unknown,
    /// Wrong, too late or past its tries, for this account's pending key. A wrong last try, or a
    /// key past its tries or time, is dropped: the page says to start again.
    Refused(i64),
}

/// Redeems the reset key `typed` against the pending key of `purpose` bound to this browser by
/// `token` (its cookie) under `rule`, in `tx`: one attempt counted, the comparison constant-time.
/// The caller records its own failure event and commits in every case (the attempt counts).
/// Shared by the employers' reset (`identity::recovery`) and the seekers' (`seekers::reset`).
pub async fn redeem_reset_key(
    tx: &mut Conn,
    portal: &str,
    purpose: &str,
    token: &str,
    typed: &str,
    rule: &CodeRule,
    now: i64,
) -> Result<ResetKey, AppError> {
    let Some(pending) = codes::attempt(tx, portal, purpose, &auth::token_hash(token)).await? else {
        return Ok(ResetKey::Unknown);
    };
    let verdict = rule.verdict(pending.expires_at, pending.attempts, now);
    let matches = auth::equal(&auth::token_hash(typed), &pending.code_hash);
    if matches!(verdict, CodeVerdict::Open { .. }) && matches && codes::use_up(tx, pending.id, now).await? {
        return Ok(ResetKey::Used(pending.user_id));
    }
    if verdict != (CodeVerdict::Open { last: false }) {
        codes::drop(tx, pending.id).await?;
    }
    Ok(ResetKey::Refused(pending.user_id))
}

/// How a password is being replaced, for the audit log.
pub struct Change<'a> {
    /// `password.changed` or `password.reset`.
    pub event: &'a str,
    pub detail: Option<&'a str>,
    /// The session that made the change stays; every other one ends.
    pub keep_session: Option<&'a str>,
}

/// Stores a new password in `tx` with everything a new password ends — the user's trusted
/// browsers and other sessions — audits it and mails the owner.
#[allow(clippy::too_many_arguments)]
pub async fn replace_password(
    tx: &mut Tx,
    state: &AppState,
    portal: &Portal,
    user: &User,
    new: &str,
    change: Change<'_>,
    origin: &Origin,
    lang: Lang,
) -> Result<(), AppError> {
    let now = state.clock.unix();
    let hash = state.hasher.hash(new).await.map_err(|e| AppError::Internal(format!("hash: {e}")))?;
    users::set_password(tx, user.id, &hash, false, now).await?;
    let subject = format!("user:{}", user.id);
    let revoked = codes::revoke_trusted(tx, user.id).await?;
    if revoked > 0 {
        let detail = format!("{revoked} browser(s)");
        audit::record(tx, &audit_entry(portal, origin, "trusted_browser.revoked", Some(&subject), Some(&detail)), now)
            .await?;
    }
    sessions::delete_for_user(tx, user.id, change.keep_session).await?;
    audit::record(tx, &audit_entry(portal, origin, change.event, Some(&subject), change.detail), now).await?;
    let portal_name = portal.settings.name.get(lang);
    let help_desk = crate::pages::landing::help_desk_text(tx, portal, lang).await?;
    let at = format_ts(now, lang);
    // Only where browsers can skip the one-time password is there a skip to end.
    let trust_note = match portal.settings.second_factor {
        SecondFactor::EmailOtp { .. } => format!("\n{}\n", Tr::for_lang(lang).get("mail.trust_revoked")),
        _ => String::new(),
    };
    madoguchi_mail::queue(
        tx,
        &Envelope { portal: &portal.id, from_name: portal_name, to: &user.email, lang },
        MailKind::PasswordChanged,
        &[
            ("portal", portal_name),
            ("name", &user.name),
            ("at", &at),
            ("trust_note", &trust_note),
            ("help_desk", &help_desk),
        ],
        state.mailer.domain(),
        now,
    )
    .await?;
    Ok(())
}
