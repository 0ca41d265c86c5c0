//! The append-only audit log. Written in the transaction of the event it records.

use sqlx::AnyConnection;

#[derive(Debug, Clone, Default)]
pub struct AuditEntry<'a> {
    pub portal: &'a str,
    pub event: &'a str,
    pub actor: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub detail: Option<&'a str>,
}

pub async fn record(
    conn: &mut AnyConnection,
    entry: &AuditEntry<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (portal, at, event, actor, subject, ip, user_agent, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entry.portal)
    .bind(now)
    .bind(entry.event)
    .bind(entry.actor)
    .bind(entry.subject)
    .bind(entry.ip)
    .bind(entry.user_agent)
    .bind(entry.detail)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn count_events(
    conn: &mut AnyConnection,
    portal: &str,
    event: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE portal = $1 AND event = $2")
        .bind(portal)
        .bind(event)
        .fetch_one(conn)
        .await
}
