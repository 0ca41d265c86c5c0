//! The public search's change log (migration 0019): which documents to re-read into every
//! instance's search index. Written by the business change in its own transaction, read by
//! each instance's follower (`madoguchi-search`).

use sqlx::{AnyConnection, Row};

/// One row of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    pub scope: String,
    pub doc_id: String,
    pub changed_at: i64,
}

/// Notes that the document `scope`/`doc_id` changed. Call it inside the transaction of the
/// change itself, so the note commits with it or not at all.
pub async fn record(conn: &mut AnyConnection, scope: &str, doc_id: &str, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO search_changes (scope, doc_id, changed_at) VALUES ($1, $2, $3) RETURNING seq")
        .bind(scope)
        .bind(doc_id)
        .bind(now)
        .fetch_one(conn)
        .await
}

/// The index scope of a portal's 公開 求職者情報 (jrec-in's 求職者情報検索): the seekers
/// module changes the profiles, the seeker-mail module indexes them, and neither imports the
/// other, so the name lives here.
pub fn seeker_profiles_scope(portal: &str) -> String {
    format!("seeker_profiles:{portal}")
}

/// Notes that what the 求職者情報検索 may find of seeker `user_id` changed (a profile saved,
/// turned 公開 or 非公開, an account deleted), in the transaction of the change.
pub async fn record_seeker_profile(
    conn: &mut AnyConnection,
    portal: &str,
    user_id: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    record(conn, &seeker_profiles_scope(portal), &user_id.to_string(), now).await
}

/// The rows after `seq`, oldest first, at most `limit`.
pub async fn after(conn: &mut AnyConnection, seq: i64, limit: i64) -> Result<Vec<Change>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT seq, scope, doc_id, changed_at FROM search_changes WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(seq)
            .bind(limit)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(Change {
                seq: r.try_get("seq")?,
                scope: r.try_get("scope")?,
                doc_id: r.try_get("doc_id")?,
                changed_at: r.try_get("changed_at")?,
            })
        })
        .collect()
}

/// The highest sequence number written so far (0 for an empty log).
pub async fn last_seq(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM search_changes").fetch_one(conn).await
}
