//! Organizations and their users: credentials, the lockout counters, password history.

use madoguchi_core::rules::{ExpiryRule, LockRule, LockState};
use sqlx::{AnyConnection, Row};

/// The lockout's outcomes are the core's: the statements below mirror its [`LockRule`].
pub use madoguchi_core::rules::LockOutcome;

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub portal: String,
    pub organization_id: Option<i64>,
    pub login_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub password_changed_at: i64,
    pub must_change_password: bool,
    pub failed_count: i64,
    pub locked_until: Option<i64>,
    pub lock_count: i64,
    pub blocked_at: Option<i64>,
    /// shaho: a code mailed at every login, when the user turned it on.
    pub login_code_enabled: bool,
    pub withdrawn_at: Option<i64>,
    pub last_login_at: Option<i64>,
    /// The login before `last_login_at` (what 「前回ログイン」 shows once signed in).
    pub previous_login_at: Option<i64>,
    pub organization_name: Option<String>,
    /// The organization's office in charge (hellowork 管轄安定所); empty when none.
    pub organization_office: Option<String>,
    /// shaho: the contract of the account's organization, and the ASP user ID this
    /// account is linked to.
    pub contract_id: Option<i64>,
    pub asp_user_id: Option<String>,
    /// Disabled by the operator (利用停止) at this time: no login until re-enabled.
    pub disabled_at: Option<i64>,
    /// rokin 財形: the contract has the 明細変更機能 option (`contracts.zaikei_change`).
    pub contract_zaikei_change: bool,
    /// rokin 財形: the 明細変更 right the master grants a general user (`users.zaikei_change_right`).
    pub zaikei_change_right: bool,
}

macro_rules! columns {
    () => {
        "u.id, u.portal, u.organization_id, u.login_id, u.email, u.name, u.role, u.password_hash, u.password_changed_at,
         u.must_change_password, u.failed_count, u.locked_until, u.lock_count, u.blocked_at, u.login_code_enabled, u.withdrawn_at, u.last_login_at, u.previous_login_at,
         o.name AS organization_name, o.office AS organization_office, c.id AS contract_id, a.asp_user_id, u.disabled_at,
         COALESCE(c.zaikei_change, 0) AS contract_zaikei_change, u.zaikei_change_right"
    };
}

/// Users with their organization, its contract and the user's ASP user ID.
macro_rules! from {
    () => {
        concat!(" FROM users u", joins!())
    };
}

macro_rules! joins {
    () => {
        " LEFT JOIN organizations o ON o.id = u.organization_id
          LEFT JOIN contracts c ON c.organization_id = u.organization_id LEFT JOIN asp_users a ON a.user_id = u.id"
    };
}

impl User {
    /// A job seeker's account ([`SEEKER_ROLE`]), not an employer's.
    pub fn is_seeker(&self) -> bool {
        self.role == SEEKER_ROLE
    }

    /// The lockout counters, as [`LockRule`] reads them.
    pub fn lock_state(&self) -> LockState {
        LockState {
            failed_count: self.failed_count,
            locked_until: self.locked_until,
            lock_count: self.lock_count,
            blocked: self.blocked_at.is_some(),
        }
    }
}

fn user(r: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: r.try_get("id")?,
        portal: r.try_get("portal")?,
        organization_id: r.try_get("organization_id")?,
        login_id: r.try_get("login_id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        role: r.try_get("role")?,
        password_hash: r.try_get("password_hash")?,
        password_changed_at: r.try_get("password_changed_at")?,
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        failed_count: r.try_get("failed_count")?,
        locked_until: r.try_get("locked_until")?,
        lock_count: r.try_get("lock_count")?,
        blocked_at: r.try_get("blocked_at")?,
        login_code_enabled: r.try_get::<i64, _>("login_code_enabled")? != 0,
        withdrawn_at: r.try_get("withdrawn_at")?,
        last_login_at: r.try_get("last_login_at")?,
        previous_login_at: r.try_get("previous_login_at")?,
        organization_name: r.try_get("organization_name")?,
        organization_office: r.try_get("organization_office")?,
        contract_id: r.try_get("contract_id")?,
        asp_user_id: r.try_get("asp_user_id")?,
        disabled_at: r.try_get("disabled_at")?,
        contract_zaikei_change: r.try_get::<i64, _>("contract_zaikei_change")? != 0,
        zaikei_change_right: r.try_get::<i64, _>("zaikei_change_right")? != 0,
    })
}

pub async fn insert_organization(
    conn: &mut AnyConnection,
    portal: &str,
    name: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO organizations (portal, name, created_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(portal)
        .bind(name)
        .bind(now)
        .fetch_one(conn)
        .await
}

/// The office in charge of an organization (hellowork 管轄安定所).
pub async fn set_office(conn: &mut AnyConnection, organization: i64, office: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE organizations SET office = $2 WHERE id = $1")
        .bind(organization)
        .bind(office)
        .execute(conn)
        .await?;
    Ok(())
}

pub struct NewUser<'a> {
    pub portal: &'a str,
    pub organization_id: Option<i64>,
    pub login_id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

/// Creates the user, or None when the login ID is taken on this portal.
pub async fn insert(conn: &mut AnyConnection, u: &NewUser<'_>, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO users (portal, organization_id, login_id, email, name, role, password_hash, password_changed_at, must_change_password, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8)
         ON CONFLICT (portal, login_id) DO NOTHING RETURNING id",
    )
    .bind(u.portal)
    .bind(u.organization_id)
    .bind(u.login_id)
    .bind(u.email)
    .bind(u.name)
    .bind(u.role)
    .bind(u.password_hash)
    .bind(now)
    .bind(i64::from(u.must_change_password))
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = id {
        push_history(conn, id, u.password_hash, now).await?;
    }
    Ok(id)
}

/// The role of a job seeker (求職者): a user without an organization, who logs in by e-mail
/// address on the seekers' pages only (migration 0027, docs/SEEKERS.md). The employer's
/// screens refuse such an account, and the seekers' screens every other.
pub const SEEKER_ROLE: &str = "seeker";

/// Creates a seeker account, or None when its login ID or its address is taken among the
/// portal's seekers (`users_seeker_email`): one statement, so two registrations of one
/// address at once make one account.
pub async fn insert_seeker(
    conn: &mut AnyConnection,
    portal: &str,
    login_id: &str,
    email: &str,
    name: &str,
    password_hash: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO users (portal, organization_id, login_id, email, name, role, password_hash, password_changed_at, must_change_password, created_at)
         VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, 0, $7)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(portal)
    .bind(login_id)
    .bind(email)
    .bind(name)
    .bind(SEEKER_ROLE)
    .bind(password_hash)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = id {
        push_history(conn, id, password_hash, now).await?;
    }
    Ok(id)
}

/// The seeker account of an address on a portal (the address as `normalize::email` leaves it).
pub async fn seeker_by_email(conn: &mut AnyConnection, portal: &str, email: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), from!(), " WHERE u.portal = $1 AND u.email = $2 AND u.role = 'seeker'");
    let row = sqlx::query(sql).bind(portal).bind(email).fetch_optional(conn).await?;
    row.as_ref().map(user).transpose()
}

/// What became of a general user's registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberInsert {
    Created(i64),
    /// The organization has its maximum of general users already.
    Full,
    /// The login ID is used on this portal.
    Taken,
}

/// Registers a general user (`role = 'member'`) of `u.organization_id` unless the organization
/// has `max` of them already. Run it in a transaction: the organization's row is locked first,
/// so that registrations of one organization queue and each counts what the previous one
/// committed. (A conditional `INSERT … SELECT … WHERE count < max` alone is not enough on
/// PostgreSQL: under READ COMMITTED two of them see the same count and both insert. SQLite's
/// `BEGIN IMMEDIATE` serializes writers anyway.)
pub async fn insert_member(
    conn: &mut AnyConnection,
    u: &NewUser<'_>,
    max: i64,
    now: i64,
) -> Result<MemberInsert, sqlx::Error> {
    let Some(organization) = u.organization_id else { return Ok(MemberInsert::Full) };
    // A write that changes nothing, for its row lock (PostgreSQL: held until commit).
    sqlx::query("UPDATE organizations SET name = name WHERE id = $1").bind(organization).execute(&mut *conn).await?;
    // A new statement, so a new snapshot on PostgreSQL: it sees what the lock's holder committed.
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE organization_id = $1 AND role = 'member'")
        .bind(organization)
        .fetch_one(&mut *conn)
        .await?;
    if members >= max {
        return Ok(MemberInsert::Full);
    }
    Ok(match insert(conn, &NewUser { role: "member", ..*u }, now).await? {
        Some(id) => MemberInsert::Created(id),
        None => MemberInsert::Taken,
    })
}

/// A user's name and e-mail address (契約ユーザー情報変更, and the master's 更新へ); the
/// login ID never changes. False when the user is gone.
pub async fn set_profile(conn: &mut AnyConnection, id: i64, name: &str, email: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET name = $2, email = $3 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(email)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn by_login_id(conn: &mut AnyConnection, portal: &str, login_id: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), from!(), " WHERE u.portal = $1 AND u.login_id = $2");
    let row = sqlx::query(sql).bind(portal).bind(login_id).fetch_optional(conn).await?;
    row.as_ref().map(user).transpose()
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<User>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), from!(), " WHERE u.id = $1");
    let row = sqlx::query(sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(user).transpose()
}

/// A session and, when a user holds it, the user: what every signed-in page reads first,
/// in one query instead of two.
pub async fn by_session(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<(crate::sessions::Session, Option<User>)>, sqlx::Error> {
    let sql = concat!(
        "SELECT s.portal AS s_portal, s.operator_id AS s_operator_id, s.user_id AS s_user_id,
                s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at,
                s.certificate_serial AS s_certificate_serial, ",
        columns!(),
        " FROM sessions s LEFT JOIN users u ON u.id = s.user_id",
        joins!(),
        " WHERE s.token_hash = $1"
    );
    let Some(r) = sqlx::query(sql).bind(token_hash).fetch_optional(conn).await? else { return Ok(None) };
    let session = crate::sessions::Session {
        portal: r.try_get("s_portal")?,
        operator_id: r.try_get("s_operator_id")?,
        user_id: r.try_get("s_user_id")?,
        created_at: r.try_get("s_created_at")?,
        last_seen_at: r.try_get("s_last_seen_at")?,
        expires_at: r.try_get("s_expires_at")?,
        certificate_serial: r.try_get("s_certificate_serial")?,
    };
    let user = match r.try_get::<Option<i64>, _>("id")? {
        Some(_) => Some(user(&r)?),
        None => None,
    };
    Ok(Some((session, user)))
}

/// The portal's employer accounts (its job seekers are not), oldest first, at most `limit`.
pub async fn employers(conn: &mut AnyConnection, portal: &str, limit: i64) -> Result<Vec<User>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), from!(), " WHERE u.portal = $1 AND u.role <> $2 ORDER BY u.id LIMIT $3");
    let rows = sqlx::query(sql).bind(portal).bind(SEEKER_ROLE).bind(limit).fetch_all(conn).await?;
    rows.iter().map(user).collect()
}

/// The portal's employer accounts registered with `email` (the login ID reminder), oldest first.
pub async fn employers_by_email(conn: &mut AnyConnection, portal: &str, email: &str) -> Result<Vec<User>, sqlx::Error> {
    let sql =
        concat!("SELECT ", columns!(), from!(), " WHERE u.portal = $1 AND u.email = $2 AND u.role <> $3 ORDER BY u.id");
    let rows = sqlx::query(sql).bind(portal).bind(email).bind(SEEKER_ROLE).fetch_all(conn).await?;
    rows.iter().map(user).collect()
}

/// The accounts of an organization, oldest first.
pub async fn of_organization(conn: &mut AnyConnection, organization_id: i64) -> Result<Vec<User>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), from!(), " WHERE u.organization_id = $1 ORDER BY u.id");
    let rows = sqlx::query(sql).bind(organization_id).fetch_all(conn).await?;
    rows.iter().map(user).collect()
}

/// Deletes an account with everything that hangs on it (sessions, codes, trusted browsers,
/// history; its ASP user ID is unlinked). False when it was gone already.
pub async fn delete(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM users WHERE id = $1 AND portal = $2").bind(id).bind(portal).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Changes an account's role from `from` to `to`; false when it did not have `from`
/// (a parallel change came first).
pub async fn change_role(conn: &mut AnyConnection, id: i64, from: &str, to: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET role = $3 WHERE id = $1 AND role = $2")
        .bind(id)
        .bind(from)
        .bind(to)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A table whose rows carry the lockout counters (`failed_count`, `locked_until`,
/// `lock_count`, `blocked_at`): users, and rokin's contracts (初期登録ログイン).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counted {
    Users,
    Contracts,
}

impl Counted {
    /// The table name, spliced into the lockout statements: one of two constants, never input.
    fn table(self) -> &'static str {
        match self {
            Counted::Users => "users",
            Counted::Contracts => "contracts",
        }
    }
}

/// Takes one attempt before the password is checked: [`LockRule::reserve`] in one statement.
/// Returns the attempt's number, or None when the account is locked or blocked: then no
/// password is checked. Counting first makes the lock exact under concurrency: with a
/// threshold of N, at most N attempts are ever admitted per lock period, however many
/// arrive at once.
pub async fn reserve_attempt(
    conn: &mut AnyConnection,
    id: i64,
    rule: &LockRule,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    reserve(conn, Counted::Users, id, rule, now).await
}

pub(crate) async fn reserve(
    conn: &mut AnyConnection,
    counted: Counted,
    id: i64,
    rule: &LockRule,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let sql = format!(
        "UPDATE {} SET
            failed_count = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 ELSE failed_count + 1 END,
            locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN NULL ELSE locked_until END
         WHERE id = $1 AND blocked_at IS NULL
           AND ((locked_until IS NULL AND failed_count < $3) OR (locked_until IS NOT NULL AND locked_until <= $2))
         RETURNING failed_count",
        counted.table()
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(id).bind(now).bind(rule.threshold).fetch_optional(conn).await
}

/// A checked attempt failed: [`LockRule::fail`] in one statement. The attempt that reaches
/// the threshold locks the account; the rule's K-th lock blocks it.
pub async fn attempt_failed(
    conn: &mut AnyConnection,
    id: i64,
    attempt: i64,
    rule: &LockRule,
    now: i64,
) -> Result<LockOutcome, sqlx::Error> {
    failed(conn, Counted::Users, id, attempt, rule, now).await
}

pub(crate) async fn failed(
    conn: &mut AnyConnection,
    counted: Counted,
    id: i64,
    attempt: i64,
    rule: &LockRule,
    now: i64,
) -> Result<LockOutcome, sqlx::Error> {
    if !rule.locks_at(attempt) {
        return Ok(LockOutcome::StillOpen);
    }
    let sql = format!(
        "UPDATE {} SET locked_until = $2, lock_count = lock_count + 1,
                blocked_at = CASE WHEN $3 > 0 AND lock_count + 1 >= $3 THEN $4 ELSE blocked_at END
         WHERE id = $1 RETURNING lock_count, blocked_at",
        counted.table()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(rule.lock_until(now))
        .bind(rule.block_after.unwrap_or(0))
        .bind(now)
        .fetch_one(conn)
        .await?;
    let lock_count: i64 = row.try_get("lock_count")?;
    let blocked: Option<i64> = row.try_get("blocked_at")?;
    Ok(if blocked.is_some() { LockOutcome::Blocked { lock_count } } else { LockOutcome::Locked { lock_count } })
}

/// The password was right: the counters start again.
pub async fn attempt_succeeded(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    succeeded(conn, Counted::Users, id).await
}

pub(crate) async fn succeeded(conn: &mut AnyConnection, counted: Counted, id: i64) -> Result<(), sqlx::Error> {
    let sql =
        format!("UPDATE {} SET failed_count = 0, locked_until = NULL, lock_count = 0 WHERE id = $1", counted.table());
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(conn).await?;
    Ok(())
}

pub async fn record_login(conn: &mut AnyConnection, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET previous_login_at = last_login_at, last_login_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Operator (or admin) action: lift a lock and a block.
pub async fn unlock(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET failed_count = 0, locked_until = NULL, lock_count = 0, blocked_at = NULL WHERE id = $1 AND portal = $2")
        .bind(id)
        .bind(portal)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_password(
    conn: &mut AnyConnection,
    id: i64,
    hash: &str,
    must_change: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $2, password_changed_at = $3, must_change_password = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .bind(now)
    .bind(i64::from(must_change))
    .execute(&mut *conn)
    .await?;
    push_history(conn, id, hash, now).await
}

/// The same password under new hashing parameters: no history entry, no age change.
pub async fn rehash(conn: &mut AnyConnection, id: i64, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1").bind(id).bind(hash).execute(conn).await?;
    Ok(())
}

async fn push_history(conn: &mut AnyConnection, id: i64, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO password_history (user_id, password_hash, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(hash)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The hashes of the last `count` passwords, newest first.
pub async fn recent_passwords(conn: &mut AnyConnection, id: i64, count: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2")
        .bind(id)
        .bind(count)
        .fetch_all(conn)
        .await
}

pub async fn set_login_code(conn: &mut AnyConnection, id: i64, enabled: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET login_code_enabled = $2 WHERE id = $1")
        .bind(id)
        .bind(i64::from(enabled))
        .execute(conn)
        .await?;
    Ok(())
}

/// Users of a portal whose password is in the rule's warning window (`ExpiryRule::age` is
/// `ExpiresSoon`: warned from, not yet expired) and who have not been reminded since their
/// last change, marked reminded in the same statement: with several instances, each
/// reminder is claimed once.
pub async fn claim_expiry_reminders(
    conn: &mut AnyConnection,
    portal: &str,
    rule: &ExpiryRule,
    now: i64,
) -> Result<Vec<User>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE users SET expiry_reminded_at = $4
         WHERE portal = $1 AND blocked_at IS NULL AND must_change_password = 0
           AND password_changed_at + $2 > $4 AND password_changed_at + $2 - $3 <= $4
           AND (expiry_reminded_at IS NULL OR expiry_reminded_at <= password_changed_at)
         RETURNING id",
    )
    .bind(portal)
    .bind(rule.max_age_seconds)
    .bind(rule.warning_seconds)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(user) = by_id(conn, id).await? {
            claimed.push(user);
        }
    }
    Ok(claimed)
}

/// 退会: the account stays, unusable, until it returns or is purged.
pub async fn withdraw(conn: &mut AnyConnection, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET withdrawn_at = $2 WHERE id = $1").bind(id).bind(now).execute(conn).await?;
    Ok(())
}

/// The account returns (アカウントを再登録); false when it was not withdrawn.
pub async fn restore(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET withdrawn_at = NULL, failed_count = 0, locked_until = NULL WHERE id = $1 AND withdrawn_at IS NOT NULL")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes accounts withdrawn before `before` (`rules::purge_cutoff`), with everything that hangs on them, and
/// organizations left without users. Returns how many accounts went.
pub async fn purge_withdrawn(conn: &mut AnyConnection, portal: &str, before: i64) -> Result<u64, sqlx::Error> {
    let gone = sqlx::query("DELETE FROM users WHERE portal = $1 AND withdrawn_at IS NOT NULL AND withdrawn_at < $2")
        .bind(portal)
        .bind(before)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if gone > 0 {
        sqlx::query("DELETE FROM organizations WHERE portal = $1 AND id NOT IN (SELECT organization_id FROM users WHERE organization_id IS NOT NULL)")
            .bind(portal)
            .execute(conn)
            .await?;
    }
    Ok(gone)
}

pub async fn record_survey(
    conn: &mut AnyConnection,
    portal: &str,
    reasons: &str,
    comment: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO withdrawal_surveys (portal, reasons, comment, created_at) VALUES ($1, $2, $3, $4)")
        .bind(portal)
        .bind(reasons)
        .bind(comment)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Operator action: disable the account (`Some(now)`) or re-enable it (`None`). False when
/// the account is not on this portal or already in that state, so a repeated click changes,
/// audits and mails nothing.
pub async fn set_disabled(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
    at: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let sql = if at.is_some() {
        "UPDATE users SET disabled_at = $3 WHERE id = $1 AND portal = $2 AND disabled_at IS NULL"
    } else {
        "UPDATE users SET disabled_at = $3 WHERE id = $1 AND portal = $2 AND disabled_at IS NOT NULL"
    };
    let done = sqlx::query(sql).bind(id).bind(portal).bind(at).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// rokin 財形: a general user's 明細変更 right (the master grants it in 契約ユーザー情報照会;
/// the caller has bound the user to the master's organization).
pub async fn set_zaikei_change_right(conn: &mut AnyConnection, user: i64, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET zaikei_change_right = $2 WHERE id = $1")
        .bind(user)
        .bind(i64::from(on))
        .execute(conn)
        .await?;
    Ok(())
}

/// The addresses of an organization's active users (not withdrawn, not disabled): whom a
/// module's mail about the organization's item goes to (jrec-in's postings, mlit's plan).
pub async fn organization_emails(conn: &mut AnyConnection, organization_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT email FROM users WHERE organization_id = $1 AND withdrawn_at IS NULL AND disabled_at IS NULL
           AND email IS NOT NULL AND email <> '' ORDER BY id",
    )
    .bind(organization_id)
    .fetch_all(conn)
    .await
}
