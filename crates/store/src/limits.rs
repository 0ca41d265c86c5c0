//! Rate limits ("at most 3 reset keys per address per hour") that hold under concurrency, on
//! one instance and across several on one PostgreSQL.
//!
//! Counting earlier events and then inserting the new one lets simultaneous requests all
//! count the same total under PostgreSQL's READ COMMITTED (20 simultaneous reset requests
//! with a limit of 3 queued 4 to 9 mails). Here every limited key has a row in `rate_limits`
//! that [`take`] first upserts: the upsert holds the row's lock until the caller's
//! transaction ends, so the requests of one key pass one at a time, and each counts the uses
//! its predecessors committed (`rate_limit_uses`, a sliding window: at most `max` uses in any
//! `window_seconds`). On SQLite the write transaction (`BEGIN IMMEDIATE`) already runs alone.
//! Different keys never wait for each other.
//!
//! Call [`take`] in the transaction of the change it guards (the mail queued, the sign-up
//! row), after which a refused request must change nothing the limit is about. Several
//! limits in one transaction are taken in the same order everywhere (address before
//! recipient), so that two requests never hold each other's rows.

use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

/// One limit: `max` uses of a key within any `window_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// What is limited, e.g. `reset.ip`; part of the key, so two limits never share uses.
    pub name: &'static str,
    pub max: i64,
    pub window_seconds: i64,
}

impl Limit {
    pub const fn per_hour(name: &'static str, max: i64) -> Limit {
        Limit { name, max, window_seconds: 3600 }
    }
}

/// The stored key: a hash of portal, limit and who, so that the table holds no address.
fn key(portal: &str, limit: &Limit, who: &str) -> String {
    let mut hash = Sha256::new();
    for part in [portal, limit.name, who] {
        hash.update(part.as_bytes());
        // A separator that none of the parts contains: ("a", "bc") and ("ab", "c") differ.
        hash.update([0]);
    }
    hex::encode(hash.finalize())
}

/// Takes one use of `limit` for `who` (an address, a user, an e-mail address) on `portal`:
/// true when it was within the limit (the use is recorded), false when the limit is reached
/// (nothing recorded: a refused request does not push the window further).
pub async fn take(
    conn: &mut AnyConnection,
    portal: &str,
    limit: &Limit,
    who: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let key = key(portal, limit, who);
    // The lock: inserted or updated, the row stays locked to the end of the transaction.
    // `expires_at` is when the newest possible use leaves the window (for `purge`).
    sqlx::query(
        "INSERT INTO rate_limits (key, expires_at) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at",
    )
    .bind(&key)
    .bind(now + limit.window_seconds)
    .execute(&mut *conn)
    .await?;
    let since = now - limit.window_seconds;
    sqlx::query("DELETE FROM rate_limit_uses WHERE key = $1 AND at < $2")
        .bind(&key)
        .bind(since)
        .execute(&mut *conn)
        .await?;
    let taken = sqlx::query(
        "INSERT INTO rate_limit_uses (key, at)
         SELECT $1, $2 WHERE (SELECT COUNT(*) FROM rate_limit_uses WHERE key = $1 AND at >= $3) < $4",
    )
    .bind(&key)
    .bind(now)
    .bind(since)
    .bind(limit.max)
    .execute(&mut *conn)
    .await?;
    Ok(taken.rows_affected() == 1)
}

/// Forgets the keys whose window has passed (a scheduled job): what is left of them would
/// count nothing any more. Returns how many keys went.
pub async fn purge(conn: &mut AnyConnection, now: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM rate_limit_uses WHERE key IN (SELECT key FROM rate_limits WHERE expires_at < $1)")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let gone = sqlx::query("DELETE FROM rate_limits WHERE expires_at < $1").bind(now).execute(&mut *conn).await?;
    Ok(gone.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_portal_limit_and_who_apart() {
        let reset = Limit::per_hour("reset.ip", 20);
        let signup = Limit::per_hour("signup.ip", 20);
        let k = key("hellowork", &reset, "198.18.0.1");
        assert_eq!(k.len(), 64);
        assert_eq!(k, key("hellowork", &reset, "198.18.0.1"));
        assert_ne!(k, key("shaho", &reset, "198.18.0.1"));
        assert_ne!(k, key("hellowork", &signup, "198.18.0.1"));
        assert_ne!(k, key("hellowork", &reset, "198.18.0.10"));
        assert!(!k.contains("198.18"));
    }
}
