//! What the institutions read of the seekers (jrec-in §1.8.2): only 公開 profiles of the same
//! portal, with the ユーザID and never the name, reading, address or phone — the type has no
//! field for them. The seekers module owns the table (migration 0027); this module only reads
//! it, and the address of a seeker only to mail the seeker (never shown).

use madoguchi_store::Conn;
use sqlx::Row;

/// A 公開 profile as an institution sees it.
#[derive(Debug, Clone)]
pub struct Profile {
    pub user_id: i64,
    /// The ユーザID (`users.login_id`).
    pub seeker_id: String,
    pub research: Vec<String>,
    pub jobs: Vec<String>,
    pub prefectures: Vec<String>,
    pub degree: String,
    pub position: String,
    pub career: String,
    pub appeal: String,
    pub researchmap: String,
    pub updated_at: i64,
}

fn codes(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

fn profile(r: &sqlx::any::AnyRow) -> Result<Profile, sqlx::Error> {
    Ok(Profile {
        user_id: r.try_get("user_id")?,
        seeker_id: r.try_get("login_id")?,
        research: codes(&r.try_get::<String, _>("research_fields")?),
        jobs: codes(&r.try_get::<String, _>("job_kinds")?),
        prefectures: codes(&r.try_get::<String, _>("prefectures")?),
        degree: r.try_get("degree")?,
        position: r.try_get("position")?,
        career: r.try_get("career")?,
        appeal: r.try_get("appeal")?,
        researchmap: r.try_get("researchmap")?,
        updated_at: r.try_get("updated_at")?,
    })
}

macro_rules! public_profiles {
    () => {
        "SELECT p.user_id, u.login_id, p.research_fields, p.job_kinds, p.prefectures, p.degree, p.position,
                p.career, p.appeal, p.researchmap, p.updated_at
         FROM seeker_profiles p JOIN users u ON u.id = p.user_id
         WHERE p.portal = $1 AND p.public = 1 AND u.role = 'seeker' AND u.portal = $1"
    };
}

/// 公開 profiles of the portal by user id (the rows of a result page), in no order; the ones
/// turned 非公開 or gone since the index last heard are simply absent.
pub async fn public_by_ids(conn: &mut Conn, portal: &str, ids: &[i64]) -> Result<Vec<Profile>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // One statement per page (at most 50 ids); `Any` has no array binds, and the ids are numbers.
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!(concat!(public_profiles!(), " AND p.user_id IN ({})"), list.join(","));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).fetch_all(&mut *conn).await?;
    rows.iter().map(profile).collect()
}

/// One 公開 profile by user id (the search index's loader).
pub async fn public_by_user_id(conn: &mut Conn, portal: &str, user_id: i64) -> Result<Option<Profile>, sqlx::Error> {
    let row = sqlx::query(concat!(public_profiles!(), " AND p.user_id = $2"))
        .bind(portal)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(profile).transpose()
}

/// Every portal's 公開 profiles in (portal, user id) order after the cursor, at most `limit`
/// (the search index built anew).
pub async fn public_after(
    conn: &mut Conn,
    portal: &str,
    user_id: i64,
    limit: i64,
) -> Result<Vec<(String, Profile)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.portal, p.user_id, u.login_id, p.research_fields, p.job_kinds, p.prefectures, p.degree, p.position,
                p.career, p.appeal, p.researchmap, p.updated_at
         FROM seeker_profiles p JOIN users u ON u.id = p.user_id
         WHERE p.public = 1 AND u.role = 'seeker' AND u.portal = p.portal
           AND (p.portal > $1 OR (p.portal = $1 AND p.user_id > $2))
         ORDER BY p.portal, p.user_id LIMIT $3",
    )
    .bind(portal)
    .bind(user_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("portal")?, profile(r)?))).collect()
}

/// One 公開 profile by its ユーザID; None when it is 非公開, gone or of another portal.
pub async fn public_by_seeker_id(
    conn: &mut Conn,
    portal: &str,
    seeker_id: &str,
) -> Result<Option<Profile>, sqlx::Error> {
    let row = sqlx::query(concat!(public_profiles!(), " AND u.login_id = $2"))
        .bind(portal)
        .bind(seeker_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(profile).transpose()
}

/// Where a seeker's mails go: the address and the language of the account.
pub async fn seeker_contact(
    conn: &mut Conn,
    portal: &str,
    user_id: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT u.email, p.lang FROM users u JOIN seeker_profiles p ON p.user_id = u.id
         WHERE u.id = $1 AND u.portal = $2 AND u.role = 'seeker'",
    )
    .bind(user_id)
    .bind(portal)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| Ok((r.try_get("email")?, r.try_get("lang")?))).transpose()
}
