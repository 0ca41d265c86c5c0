//! What the operator edits on a portal: announcements (連絡事項) with their dates, and
//! texts such as the help desk that replace the preset's.

use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub id: i64,
    pub title_ja: String,
    pub title_en: String,
    pub body_ja: String,
    pub body_en: String,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct AnnouncementInput {
    pub title_ja: String,
    pub title_en: String,
    pub body_ja: String,
    pub body_en: String,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, title_ja, title_en, body_ja, body_en, starts_at, ends_at"
    };
}

fn announcement(r: &sqlx::any::AnyRow) -> Result<Announcement, sqlx::Error> {
    Ok(Announcement {
        id: r.try_get("id")?,
        title_ja: r.try_get("title_ja")?,
        title_en: r.try_get("title_en")?,
        body_ja: r.try_get("body_ja")?,
        body_en: r.try_get("body_en")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
    })
}

/// Announcements not ended at `now` (shown now or later), newest start first: what the
/// portals' announcement cache holds and filters by the time of each request.
pub async fn unended_announcements(
    conn: &mut AnyConnection,
    portal: &str,
    now: i64,
) -> Result<Vec<Announcement>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM announcements WHERE portal = $1 AND (ends_at IS NULL OR ends_at > $2)
         ORDER BY starts_at DESC, id DESC"
    );
    let rows = sqlx::query(sql).bind(portal).bind(now).fetch_all(conn).await?;
    rows.iter().map(announcement).collect()
}

pub async fn all_announcements(conn: &mut AnyConnection, portal: &str) -> Result<Vec<Announcement>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM announcements WHERE portal = $1 ORDER BY starts_at DESC, id DESC");
    let rows = sqlx::query(sql).bind(portal).fetch_all(conn).await?;
    rows.iter().map(announcement).collect()
}

pub async fn find_announcement(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
) -> Result<Option<Announcement>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM announcements WHERE portal = $1 AND id = $2");
    let row = sqlx::query(sql).bind(portal).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(announcement).transpose()
}

pub async fn insert_announcement(
    conn: &mut AnyConnection,
    portal: &str,
    a: &AnnouncementInput,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO announcements (portal, title_ja, title_en, body_ja, body_en, starts_at, ends_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(portal)
    .bind(&a.title_ja)
    .bind(&a.title_en)
    .bind(&a.body_ja)
    .bind(&a.body_en)
    .bind(a.starts_at)
    .bind(a.ends_at)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn update_announcement(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
    a: &AnnouncementInput,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE announcements SET title_ja = $3, title_en = $4, body_ja = $5, body_en = $6,
                starts_at = $7, ends_at = $8, updated_at = $9
         WHERE portal = $1 AND id = $2",
    )
    .bind(portal)
    .bind(id)
    .bind(&a.title_ja)
    .bind(&a.title_en)
    .bind(&a.body_ja)
    .bind(&a.body_en)
    .bind(a.starts_at)
    .bind(a.ends_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_announcement(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM announcements WHERE portal = $1 AND id = $2")
        .bind(portal)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn count_announcements(conn: &mut AnyConnection, portal: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM announcements WHERE portal = $1").bind(portal).fetch_one(conn).await
}

/// An operator-edited text (`help_desk` …), if the operator has edited it.
pub async fn text(conn: &mut AnyConnection, portal: &str, key: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT ja, en FROM portal_texts WHERE portal = $1 AND key = $2")
        .bind(portal)
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok((r.try_get("ja")?, r.try_get("en")?))).transpose()
}

pub async fn set_text(
    conn: &mut AnyConnection,
    portal: &str,
    key: &str,
    ja: &str,
    en: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO portal_texts (portal, key, ja, en, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (portal, key) DO UPDATE SET ja = excluded.ja, en = excluded.en, updated_at = excluded.updated_at",
    )
    .bind(portal)
    .bind(key)
    .bind(ja)
    .bind(en)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
