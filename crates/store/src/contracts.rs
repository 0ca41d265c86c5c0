//! Contracts (契約) an operator registers before an organization may onboard, their seats
//! and ASP user IDs; and sign-ups in progress.

use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct Contract {
    pub id: i64,
    pub customer_id: String,
    pub phone: String,
    pub seats: i64,
    pub used_seats: i64,
    pub organization_id: i64,
}

fn contract(r: &sqlx::any::AnyRow) -> Result<Contract, sqlx::Error> {
    Ok(Contract {
        id: r.try_get("id")?,
        customer_id: r.try_get("customer_id")?,
        phone: r.try_get("phone")?,
        seats: r.try_get("seats")?,
        used_seats: r.try_get("used_seats")?,
        organization_id: r.try_get("organization_id")?,
    })
}

/// Creates the contract with its organization and ASP user IDs; None when the CustomerId
/// is taken on this portal.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut AnyConnection,
    portal: &str,
    customer_id: &str,
    phone: &str,
    seats: i64,
    organization_id: i64,
    asp_user_ids: &[String],
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO contracts (portal, customer_id, phone, seats, organization_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (portal, customer_id) DO NOTHING RETURNING id",
    )
    .bind(portal)
    .bind(customer_id)
    .bind(phone)
    .bind(seats)
    .bind(organization_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = id {
        for asp in asp_user_ids {
            sqlx::query("INSERT INTO asp_users (contract_id, asp_user_id) VALUES ($1, $2)")
                .bind(id)
                .bind(asp)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(id)
}

pub async fn by_customer_id(
    conn: &mut AnyConnection,
    portal: &str,
    customer_id: &str,
) -> Result<Option<Contract>, sqlx::Error> {
    let row = sqlx::query("SELECT id, customer_id, phone, seats, used_seats, organization_id FROM contracts WHERE portal = $1 AND customer_id = $2")
        .bind(portal)
        .bind(customer_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(contract).transpose()
}

/// The portal's contract with this id (an operator's page names it in its address).
pub async fn by_id(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<Option<Contract>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, customer_id, phone, seats, used_seats, organization_id FROM contracts WHERE portal = $1 AND id = $2",
    )
    .bind(portal)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(contract).transpose()
}

pub async fn organization_name(conn: &mut AnyConnection, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1").bind(id).fetch_optional(conn).await
}

pub async fn list(conn: &mut AnyConnection, portal: &str) -> Result<Vec<Contract>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, customer_id, phone, seats, used_seats, organization_id FROM contracts WHERE portal = $1 ORDER BY customer_id")
        .bind(portal)
        .fetch_all(conn)
        .await?;
    rows.iter().map(contract).collect()
}

/// Takes one seat and returns its number (1 for the first); None when every seat is taken.
/// One statement checks and counts, so concurrent sign-ups never pass the limit.
pub async fn take_seat(conn: &mut AnyConnection, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE contracts SET used_seats = used_seats + 1 WHERE id = $1 AND used_seats < seats RETURNING used_seats",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Gives a seat back (an account of the contract was deleted).
pub async fn release_seat(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE contracts SET used_seats = used_seats - 1 WHERE id = $1 AND used_seats > 0")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn of_organization(conn: &mut AnyConnection, organization_id: i64) -> Result<Option<Contract>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, customer_id, phone, seats, used_seats, organization_id FROM contracts WHERE organization_id = $1",
    )
    .bind(organization_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(contract).transpose()
}

// ---- ASP user IDs ----

#[derive(Debug, Clone)]
pub struct AspUser {
    pub id: i64,
    pub asp_user_id: String,
    pub user_id: Option<i64>,
}

/// The contract's ASP user IDs in their order.
pub async fn asp_users(conn: &mut AnyConnection, contract_id: i64) -> Result<Vec<AspUser>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT id, asp_user_id, user_id FROM asp_users WHERE contract_id = $1 ORDER BY asp_user_id")
            .bind(contract_id)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(AspUser { id: r.try_get("id")?, asp_user_id: r.try_get("asp_user_id")?, user_id: r.try_get("user_id")? })
        })
        .collect()
}

/// Links an unlinked ASP user ID of the contract to an account that has none. False when
/// another account took it first, or this account got one meanwhile (another tab).
pub async fn link(conn: &mut AnyConnection, contract_id: i64, asp_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE asp_users SET user_id = $3 WHERE id = $2 AND contract_id = $1 AND user_id IS NULL")
        .bind(contract_id)
        .bind(asp_id)
        .bind(user_id)
        .execute(conn)
        .await;
    match done {
        Ok(done) => Ok(done.rows_affected() == 1),
        // asp_users.user_id is unique: one ASP user ID per account.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Unlinks the account's ASP user ID; false when it had none.
pub async fn unlink(conn: &mut AnyConnection, user_id: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE asp_users SET user_id = NULL WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

// ---- sign-ups in progress ----

/// Starts a sign-up; sign-ups expired for a day are cleared on the way.
pub async fn start_signup(
    conn: &mut AnyConnection,
    token_hash: &str,
    portal: &str,
    email: &str,
    code_hash: &str,
    expires_at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM signups WHERE expires_at < $1").bind(now - 86_400).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO signups (token_hash, portal, email, code_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(token_hash)
        .bind(portal)
        .bind(email)
        .bind(code_hash)
        .bind(expires_at)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Signup {
    pub email: String,
    pub code_hash: String,
    pub attempts: i64,
    pub verified: bool,
    /// The code's deadline, then (once verified) the details'.
    pub expires_at: i64,
}

/// The sign-up behind a browser's token, counting a code attempt when `count` is set.
/// Whether it is still valid is the caller's question to `rules`.
pub async fn signup(
    conn: &mut AnyConnection,
    portal: &str,
    token_hash: &str,
    count: bool,
) -> Result<Option<Signup>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE signups SET attempts = attempts + $3 WHERE token_hash = $1 AND portal = $2
         RETURNING email, code_hash, attempts, verified_at, expires_at",
    )
    .bind(token_hash)
    .bind(portal)
    .bind(i64::from(count))
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Signup {
            email: r.try_get("email")?,
            code_hash: r.try_get("code_hash")?,
            attempts: r.try_get("attempts")?,
            verified: r.try_get::<Option<i64>, _>("verified_at")?.is_some(),
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// The code was right: the sign-up may go on to the details for `minutes` more.
pub async fn verify_signup(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE signups SET verified_at = $2, expires_at = $3 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends a sign-up; false when a parallel request ended it first.
pub async fn end_signup(conn: &mut AnyConnection, token_hash: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM signups WHERE token_hash = $1").bind(token_hash).execute(conn).await?.rows_affected()
        == 1)
}

// ---- rokin: 契約番号 + 初期パスワード, one master user ----

use crate::users::{self, Counted};
use madoguchi_core::rules::{LockOutcome, LockRule, LockState};

/// A rokin contract as 初期登録ログイン sees it.
#[derive(Debug, Clone)]
pub struct InitialLogin {
    pub contract: Contract,
    /// None until the operator sets one (and after it is used: see [`register_master`]).
    pub initial_password_hash: Option<String>,
    pub lock: LockState,
}

/// rokin: a contract with its 契約番号 (kept in `customer_id`), the 初期パスワード's hash and
/// one seat, the master user's. None when the number is taken on this portal.
pub async fn insert_initial(
    conn: &mut AnyConnection,
    portal: &str,
    number: &str,
    initial_password_hash: &str,
    organization_id: i64,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO contracts (portal, customer_id, phone, seats, organization_id, created_at, initial_password_hash)
         VALUES ($1, $2, '', 1, $3, $4, $5) ON CONFLICT (portal, customer_id) DO NOTHING RETURNING id",
    )
    .bind(portal)
    .bind(number)
    .bind(organization_id)
    .bind(now)
    .bind(initial_password_hash)
    .fetch_optional(conn)
    .await
}

pub async fn initial_login(
    conn: &mut AnyConnection,
    portal: &str,
    number: &str,
) -> Result<Option<InitialLogin>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, customer_id, phone, seats, used_seats, organization_id, initial_password_hash,
                failed_count, locked_until, lock_count, blocked_at
         FROM contracts WHERE portal = $1 AND customer_id = $2",
    )
    .bind(portal)
    .bind(number)
    .fetch_optional(conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(InitialLogin {
        contract: contract(&r)?,
        initial_password_hash: r.try_get("initial_password_hash")?,
        lock: LockState {
            failed_count: r.try_get("failed_count")?,
            locked_until: r.try_get("locked_until")?,
            lock_count: r.try_get("lock_count")?,
            blocked: r.try_get::<Option<i64>, _>("blocked_at")?.is_some(),
        },
    }))
}

/// 初期登録ログイン counts failures on the contract like a login does on a user.
pub async fn reserve_initial_attempt(
    conn: &mut AnyConnection,
    id: i64,
    rule: &LockRule,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    users::reserve(conn, Counted::Contracts, id, rule, now).await
}

pub async fn initial_attempt_failed(
    conn: &mut AnyConnection,
    id: i64,
    attempt: i64,
    rule: &LockRule,
    now: i64,
) -> Result<LockOutcome, sqlx::Error> {
    users::failed(conn, Counted::Contracts, id, attempt, rule, now).await
}

pub async fn initial_attempt_succeeded(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    users::succeeded(conn, Counted::Contracts, id).await
}

/// A right 初期パスワード opens the マスターユーザー初期登録 form for this browser until `until`.
pub async fn open_registration(
    conn: &mut AnyConnection,
    id: i64,
    token_hash: &str,
    until: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE contracts SET registration_token_hash = $2, registration_until = $3 WHERE id = $1")
        .bind(id)
        .bind(token_hash)
        .bind(until)
        .execute(conn)
        .await?;
    Ok(())
}

/// The contract whose registration form this token opened, while it is open.
pub async fn registration(
    conn: &mut AnyConnection,
    portal: &str,
    token_hash: &str,
    now: i64,
) -> Result<Option<Contract>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, customer_id, phone, seats, used_seats, organization_id FROM contracts
         WHERE portal = $1 AND registration_token_hash = $2 AND registration_until > $3 AND used_seats < seats",
    )
    .bind(portal)
    .bind(token_hash)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(contract).transpose()
}

/// The master user is registered: its seat is taken in the same statement that checks it
/// (so two browsers racing with the same contract make one master), the registration token
/// ends, and the 初期パスワード is forgotten: it opened the contract once, and the operator
/// sets a new one when the master is re-initialized. False when a master already exists.
pub async fn register_master(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE contracts SET used_seats = used_seats + 1, registration_token_hash = NULL, registration_until = NULL,
                initial_password_hash = NULL
         WHERE id = $1 AND used_seats < seats",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The operator's re-initialization (「ログインＩＤ／パスワード依頼書」): the seat is free
/// again, with a new 初期パスワード and cleared counters. The caller removes the master user.
pub async fn reinitialize(conn: &mut AnyConnection, id: i64, initial_password_hash: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE contracts SET used_seats = 0, initial_password_hash = $2, failed_count = 0, locked_until = NULL,
                lock_count = 0, blocked_at = NULL, registration_token_hash = NULL, registration_until = NULL
         WHERE id = $1",
    )
    .bind(id)
    .bind(initial_password_hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

// ---- shaho: guessing a contract (詳細の追加's lockout) ----

/// One more contract-match failure of a sign-up: the count so far (the caller ends the
/// sign-up at its limit). None when the sign-up is gone.
pub async fn signup_mismatch(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE signups SET match_failures = match_failures + 1 WHERE token_hash = $1 RETURNING match_failures",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

/// A contract one of whose two secrets was typed right with the other wrong.
#[derive(Debug, Clone)]
pub struct Guessed {
    pub id: i64,
    pub customer_id: String,
    pub organization_id: i64,
    /// Failures since the operator last marked them as checked, this one included.
    pub match_failures: i64,
}

/// Counts a failed match on every contract of the portal whose CustomerId or phone was typed
/// (the probe knew an office's phone and guessed its CustomerId): one statement each, so
/// that concurrent failures all count.
pub async fn count_mismatch(
    conn: &mut AnyConnection,
    portal: &str,
    customer_id: &str,
    phone: &str,
    now: i64,
) -> Result<Vec<Guessed>, sqlx::Error> {
    let rows = sqlx::query(
        "UPDATE contracts SET match_failures = match_failures + 1, match_failed_at = $4
         WHERE portal = $1 AND (customer_id = $2 OR phone = $3)
         RETURNING id, customer_id, organization_id, match_failures",
    )
    .bind(portal)
    .bind(customer_id)
    .bind(phone)
    .bind(now)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Guessed {
                id: r.try_get("id")?,
                customer_id: r.try_get("customer_id")?,
                organization_id: r.try_get("organization_id")?,
                match_failures: r.try_get("match_failures")?,
            })
        })
        .collect()
}

/// The operator saw the failures: the count starts again (and so does the alert).
pub async fn clear_mismatches(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE contracts SET match_failures = 0 WHERE id = $1 AND portal = $2")
        .bind(id)
        .bind(portal)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A new 管理者登録コード (its hash) for the contract, replacing any earlier one.
pub async fn set_admin_code(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
    code_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE contracts SET admin_code_hash = $3, admin_code_issued_at = $4 WHERE id = $1 AND portal = $2",
    )
    .bind(id)
    .bind(portal)
    .bind(code_hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Uses the contract's 管理者登録コード if `code_hash` is it: once, in the statement that
/// checks it. False when it is not (or none was issued).
pub async fn use_admin_code(conn: &mut AnyConnection, id: i64, code_hash: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE contracts SET admin_code_hash = NULL WHERE id = $1 AND admin_code_hash = $2 AND used_seats = 1",
    )
    .bind(id)
    .bind(code_hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What the operator's contract list shows of the guard: failures since last checked, and
/// whether an issued 管理者登録コード waits to be used (by contract id).
pub async fn guard_states(
    conn: &mut AnyConnection,
    portal: &str,
) -> Result<std::collections::HashMap<i64, (i64, bool)>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, match_failures, admin_code_hash FROM contracts WHERE portal = $1")
        .bind(portal)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let code: Option<String> = r.try_get("admin_code_hash")?;
            Ok((r.try_get("id")?, (r.try_get("match_failures")?, code.is_some())))
        })
        .collect()
}
