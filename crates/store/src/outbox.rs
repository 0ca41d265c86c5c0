//! The mail outbox: rows written in the transaction of the change that causes them, then
//! claimed by a worker with a lease so that N instances deliver each mail once.

use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    pub message_id: &'a str,
    pub portal: &'a str,
    pub kind: &'a str,
    pub to: &'a str,
    pub from_name: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub id: i64,
    pub message_id: String,
    pub portal: String,
    pub kind: String,
    pub to: String,
    pub from_name: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    /// When the mail was queued (Unix seconds, the portal clock): its `Date:`.
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub retrying: i64,
    pub failed: i64,
    pub sent: i64,
    /// When the oldest mail still waiting to go out (pending or retrying) was queued.
    pub oldest_waiting_at: Option<i64>,
}

impl OutboxCounts {
    /// Mails that still have to go out: what piles up while the SMTP server is away.
    pub fn backlog(&self) -> i64 {
        self.pending + self.retrying
    }
}

pub async fn enqueue(conn: &mut AnyConnection, mail: &NewMail<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbox (message_id, portal, kind, to_addr, from_name, subject, body, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(mail.message_id)
    .bind(mail.portal)
    .bind(mail.kind)
    .bind(mail.to)
    .bind(mail.from_name)
    .bind(mail.subject)
    .bind(mail.body)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes up to `limit` of the oldest due mails and leases them until `lease_until`, oldest
/// first. The lease condition is repeated outside the sub-select so that, on PostgreSQL, a
/// second worker (another instance) racing for the same rows re-checks them after the first
/// one's update and gets none of them.
pub async fn claim(
    conn: &mut AnyConnection,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<QueuedMail>, sqlx::Error> {
    let rows = sqlx::query(
        "UPDATE outbox SET locked_until = $2, attempts = attempts + 1
         WHERE id IN (SELECT id FROM outbox
                      WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
                        AND (locked_until IS NULL OR locked_until <= $1)
                      ORDER BY id LIMIT $3)
           AND sent_at IS NULL AND (locked_until IS NULL OR locked_until <= $1)
         RETURNING id, message_id, portal, kind, to_addr, from_name, subject, body, attempts, created_at",
    )
    .bind(now)
    .bind(lease_until)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    let mut mails = rows
        .into_iter()
        .map(|r| {
            Ok(QueuedMail {
                id: r.try_get("id")?,
                message_id: r.try_get("message_id")?,
                portal: r.try_get("portal")?,
                kind: r.try_get("kind")?,
                to: r.try_get("to_addr")?,
                from_name: r.try_get("from_name")?,
                subject: r.try_get("subject")?,
                body: r.try_get("body")?,
                attempts: r.try_get("attempts")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    // RETURNING gives no order.
    mails.sort_by_key(|m| m.id);
    Ok(mails)
}

/// A mail delivered: its body is erased in the same statement. Bodies carry login codes,
/// reset keys and temporary passwords, which must not outlive their delivery in the database
/// (or its backups); the subject, recipient, Message-ID and state stay for the operator's
/// outbox page and for the repeat after a crash, which needs only the Message-ID to be
/// dropped by the receiver.
pub async fn mark_sent(conn: &mut AnyConnection, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox SET sent_at = $2, locked_until = NULL, last_error = NULL, body = '' WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A failed attempt: try again at `retry_at`, or give up (`retry_at` = None). Giving up
/// erases the body as sending does ([`mark_sent`]): nothing sends it any more, so a given-up
/// mail cannot be sent again; its codes would have expired by then anyway.
pub async fn mark_failed(
    conn: &mut AnyConnection,
    id: i64,
    error: &str,
    retry_at: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET locked_until = NULL, last_error = $2,
                next_attempt_at = COALESCE($3, next_attempt_at),
                failed_at = CASE WHEN $3 IS NULL THEN $4 ELSE NULL END,
                body = CASE WHEN $3 IS NULL THEN '' ELSE body END
         WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(retry_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn counts(conn: &mut AnyConnection, portal: Option<&str>) -> Result<OutboxCounts, sqlx::Error> {
    let row = sqlx::query(
        "SELECT
           COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL AND attempts = 0 THEN 1 ELSE 0 END), 0) AS pending,
           COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END), 0) AS retrying,
           COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS failed,
           COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS sent,
           MIN(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN created_at END) AS oldest_waiting_at
         FROM outbox WHERE ($1 IS NULL OR portal = $1)",
    )
    .bind(portal)
    .fetch_one(conn)
    .await?;
    Ok(OutboxCounts {
        pending: row.try_get("pending")?,
        retrying: row.try_get("retrying")?,
        failed: row.try_get("failed")?,
        sent: row.try_get("sent")?,
        oldest_waiting_at: row.try_get("oldest_waiting_at")?,
    })
}

/// Newest first: what the operator's outbox page lists.
pub async fn recent(conn: &mut AnyConnection, portal: &str, limit: i64) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, kind, to_addr, subject, created_at, attempts, next_attempt_at, sent_at, failed_at, last_error
         FROM outbox WHERE portal = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(portal)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OutboxRow {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                to: r.try_get("to_addr")?,
                subject: r.try_get("subject")?,
                created_at: r.try_get("created_at")?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
                sent_at: r.try_get("sent_at")?,
                failed_at: r.try_get("failed_at")?,
                last_error: r.try_get("last_error")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct DevMail {
    pub message_id: String,
    pub to: String,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub sent_at: i64,
}

/// The dev mailbox "delivers" by storing; the unique Message-ID makes a repeat a no-op.
pub async fn dev_deliver(conn: &mut AnyConnection, mail: &DevMail) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO dev_mailbox (message_id, to_addr, from_addr, subject, body, sent_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(&mail.message_id)
    .bind(&mail.to)
    .bind(&mail.from)
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(mail.sent_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn dev_mails(conn: &mut AnyConnection, limit: i64) -> Result<Vec<DevMail>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT message_id, to_addr, from_addr, subject, body, sent_at FROM dev_mailbox ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DevMail {
                message_id: r.try_get("message_id")?,
                to: r.try_get("to_addr")?,
                from: r.try_get("from_addr")?,
                subject: r.try_get("subject")?,
                text: r.try_get("body")?,
                sent_at: r.try_get("sent_at")?,
            })
        })
        .collect()
}
