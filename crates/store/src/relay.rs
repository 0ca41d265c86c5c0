//! Relayed messages (migration 0035; modules README §0.8): threads between an organization
//! (side a) and one user (side b), and their messages. The rules (how many threads a day, how
//! many replies) are `madoguchi_core::relay`; this module stores, counts and reads. Every read
//! binds the party asking — side a by organization, side b by user — so a thread is never
//! handed to anyone else.

use madoguchi_core::relay::Sent;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Who wrote a message, or who is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The organization that opened the thread.
    A,
    /// The user it was sent to.
    B,
}

impl Side {
    fn code(self) -> &'static str {
        match self {
            Side::A => "a",
            Side::B => "b",
        }
    }

    fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }
}

/// One message of a thread.
#[derive(Debug, Clone)]
pub struct Message {
    pub side: Side,
    pub body: String,
    /// The sender's address, only where the sender disclosed it.
    pub disclosed_address: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// A thread and its messages, oldest first.
#[derive(Debug, Clone)]
pub struct Thread {
    pub id: i64,
    pub organization_id: i64,
    pub organization_name: String,
    /// Side a's user who opened it; None once that account is gone.
    pub author_user_id: Option<i64>,
    pub recipient_user_id: Option<i64>,
    pub recipient_handle: String,
    pub lang: String,
    pub b_count: i64,
    pub created_at: i64,
    pub messages: Vec<Message>,
}

impl Thread {
    /// The first message of `side`, if it wrote one.
    pub fn first_of(&self, side: Side) -> Option<&Message> {
        self.messages.iter().find(|m| m.side == side)
    }

    /// Whether `reader` has messages of the other side not yet opened.
    pub fn unread_for(&self, reader: Side) -> bool {
        self.messages.iter().any(|m| m.side == reader.other() && m.read_at.is_none())
    }
}

/// What opening a thread stores.
pub struct NewThread<'a> {
    pub portal: &'a str,
    pub topic: &'a str,
    pub organization_id: i64,
    pub author_user_id: i64,
    pub recipient_user_id: i64,
    pub recipient_handle: &'a str,
    pub lang: &'a str,
    pub body: &'a str,
}

/// Holds the organization's row to the end of the transaction, so that two sends of one
/// organization count each other (PostgreSQL's READ COMMITTED would let both count the same
/// total; on SQLite the write transaction runs alone anyway). `name = name`: PostgreSQL
/// refuses to write an identity column, and the row lock is all this is for.
pub async fn lock_organization(conn: &mut AnyConnection, organization_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE organizations SET name = name WHERE id = $1").bind(organization_id).execute(&mut *conn).await?;
    Ok(())
}

/// What the organization has sent that the limits count: its last thread with the recipient
/// and its threads since `since` (the JST day's start).
pub async fn sent(
    conn: &mut AnyConnection,
    portal: &str,
    topic: &str,
    organization_id: i64,
    recipient_user_id: i64,
    since: i64,
) -> Result<Sent, sqlx::Error> {
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(created_at) FROM relay_threads
         WHERE portal = $1 AND topic = $2 AND organization_id = $3 AND recipient_user_id = $4",
    )
    .bind(portal)
    .bind(topic)
    .bind(organization_id)
    .bind(recipient_user_id)
    .fetch_one(&mut *conn)
    .await?;
    let today: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM relay_threads
         WHERE portal = $1 AND topic = $2 AND organization_id = $3 AND created_at >= $4",
    )
    .bind(portal)
    .bind(topic)
    .bind(organization_id)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Sent { last_to_recipient: last, today })
}

/// Opens a thread with its first message (side a's). Returns the thread's id.
pub async fn open(conn: &mut AnyConnection, new: &NewThread<'_>, now: i64) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO relay_threads (portal, topic, organization_id, author_user_id, recipient_user_id,
             recipient_handle, lang, a_count, b_count, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, 0, $8) RETURNING id",
    )
    .bind(new.portal)
    .bind(new.topic)
    .bind(new.organization_id)
    .bind(new.author_user_id)
    .bind(new.recipient_user_id)
    .bind(new.recipient_handle)
    .bind(new.lang)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    insert_message(conn, id, Side::A, new.body, None, now).await?;
    Ok(id)
}

async fn insert_message(
    conn: &mut AnyConnection,
    thread_id: i64,
    side: Side,
    body: &str,
    disclosed_address: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO relay_messages (thread_id, side, body, disclosed_address, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(thread_id)
    .bind(side.code())
    .bind(body)
    .bind(disclosed_address)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Side b's answer, when the thread has fewer than `max` of them: the count is raised in the
/// same statement that checks it (the row stays locked), so two posts of one form store one
/// answer. False when the thread took no more.
pub async fn reply(
    conn: &mut AnyConnection,
    thread_id: i64,
    recipient_user_id: i64,
    max: i64,
    body: &str,
    disclosed_address: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let raised = sqlx::query(
        "UPDATE relay_threads SET b_count = b_count + 1 WHERE id = $1 AND recipient_user_id = $2 AND b_count < $3",
    )
    .bind(thread_id)
    .bind(recipient_user_id)
    .bind(max)
    .execute(&mut *conn)
    .await?;
    if raised.rows_affected() != 1 {
        return Ok(false);
    }
    insert_message(conn, thread_id, Side::B, body, disclosed_address, now).await?;
    Ok(true)
}

/// Marks the other side's messages of the thread read by `reader`. True when any was unread.
pub async fn mark_read(conn: &mut AnyConnection, thread_id: i64, reader: Side, now: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE relay_messages SET read_at = $1 WHERE thread_id = $2 AND side = $3 AND read_at IS NULL")
            .bind(now)
            .bind(thread_id)
            .bind(reader.other().code())
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// Who reads: side a by its organization, side b by its user.
#[derive(Debug, Clone, Copy)]
pub enum Party {
    Organization(i64),
    Recipient(i64),
}

impl Party {
    fn side(self) -> Side {
        match self {
            Party::Organization(_) => Side::A,
            Party::Recipient(_) => Side::B,
        }
    }

    fn id(self) -> i64 {
        match self {
            Party::Organization(id) | Party::Recipient(id) => id,
        }
    }
}

/// The party's threads: `$3` its side's code, `$4` its organization or user.
macro_rules! party_filter {
    () => {
        "(($3 = 'a' AND t.organization_id = $4) OR ($3 = 'b' AND t.recipient_user_id = $4))"
    };
}

/// How many threads hold messages of the other side that `party` has not opened.
pub async fn unread(conn: &mut AnyConnection, portal: &str, topic: &str, party: Party) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "SELECT COUNT(DISTINCT t.id) FROM relay_threads t JOIN relay_messages m ON m.thread_id = t.id
         WHERE t.portal = $1 AND t.topic = $2 AND m.side = $5 AND m.read_at IS NULL AND ",
        party_filter!()
    ))
    .bind(portal)
    .bind(topic)
    .bind(party.side().code())
    .bind(party.id())
    .bind(party.side().other().code())
    .fetch_one(&mut *conn)
    .await
}

/// How many threads (any topic) a recipient user has received, and how many of them it
/// answered: counts only, for the operator's abuse handling (jrec-in §1.11 item 6).
pub async fn recipient_counts(conn: &mut AnyConnection, portal: &str, user_id: i64) -> Result<(i64, i64), sqlx::Error> {
    let row: (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), SUM(CASE WHEN b_count > 0 THEN 1 ELSE 0 END) FROM relay_threads
         WHERE portal = $1 AND recipient_user_id = $2",
    )
    .bind(portal)
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.0, row.1.unwrap_or(0)))
}

/// The party's threads, newest first, each with its messages.
pub async fn list(
    conn: &mut AnyConnection,
    portal: &str,
    topic: &str,
    party: Party,
) -> Result<Vec<Thread>, sqlx::Error> {
    read(conn, portal, topic, party, None).await
}

/// One thread of the party; None when it is not theirs (or does not exist).
pub async fn get(
    conn: &mut AnyConnection,
    portal: &str,
    topic: &str,
    party: Party,
    id: i64,
) -> Result<Option<Thread>, sqlx::Error> {
    Ok(read(conn, portal, topic, party, Some(id)).await?.into_iter().next())
}

async fn read(
    conn: &mut AnyConnection,
    portal: &str,
    topic: &str,
    party: Party,
    id: Option<i64>,
) -> Result<Vec<Thread>, sqlx::Error> {
    // Thread id 0 (no thread has it) reads them all.
    let rows = sqlx::query(concat!(
        "SELECT t.id, t.organization_id, o.name AS organization_name, t.author_user_id, t.recipient_user_id, t.recipient_handle,
                t.lang, t.b_count, t.created_at
         FROM relay_threads t JOIN organizations o ON o.id = t.organization_id
         WHERE t.portal = $1 AND t.topic = $2 AND ($5 = 0 OR t.id = $5) AND ",
        party_filter!(),
        " ORDER BY t.created_at DESC, t.id DESC"
    ))
    .bind(portal)
    .bind(topic)
    .bind(party.side().code())
    .bind(party.id())
    .bind(id.unwrap_or(0))
        .fetch_all(&mut *conn)
        .await?;
    let mut threads = Vec::with_capacity(rows.len());
    for r in &rows {
        threads.push(Thread {
            id: r.try_get("id")?,
            organization_id: r.try_get("organization_id")?,
            organization_name: r.try_get("organization_name")?,
            author_user_id: r.try_get("author_user_id")?,
            recipient_user_id: r.try_get("recipient_user_id")?,
            recipient_handle: r.try_get("recipient_handle")?,
            lang: r.try_get("lang")?,
            b_count: r.try_get("b_count")?,
            created_at: r.try_get("created_at")?,
            messages: Vec::new(),
        });
    }
    let rows = sqlx::query(concat!(
        "SELECT m.thread_id, m.side, m.body, m.disclosed_address, m.created_at, m.read_at
         FROM relay_messages m JOIN relay_threads t ON t.id = m.thread_id
         WHERE t.portal = $1 AND t.topic = $2 AND ($5 = 0 OR t.id = $5) AND ",
        party_filter!(),
        " ORDER BY m.created_at, m.id"
    ))
    .bind(portal)
    .bind(topic)
    .bind(party.side().code())
    .bind(party.id())
    .bind(id.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    let index: HashMap<i64, usize> = threads.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    for r in &rows {
        let thread_id: i64 = r.try_get("thread_id")?;
        let side: String = r.try_get("side")?;
        let Some(&i) = index.get(&thread_id) else { continue };
        threads[i].messages.push(Message {
            side: if side == "b" { Side::B } else { Side::A },
            body: r.try_get("body")?,
            disclosed_address: r.try_get("disclosed_address")?,
            created_at: r.try_get("created_at")?,
            read_at: r.try_get("read_at")?,
        });
    }
    Ok(threads)
}
