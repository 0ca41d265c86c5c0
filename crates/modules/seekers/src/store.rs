//! The seekers' SQL (table `seeker_profiles`, migration 0027; the accounts are `users` rows of
//! role `seeker`, made by `madoguchi_store::users::insert_seeker`). Every query of a seeker's
//! own data binds the portal and the user id of the session; [`public_profile`] and
//! [`public_profiles`] are what an institution may read, and select no name, address or
//! other contact: the type they return has no field for one.

use crate::rules::Profile;
use madoguchi_store::{Conn, search_changes};
use sqlx::Row;

/// Creates the profile row of a new account (非公開, empty).
pub async fn insert(
    conn: &mut Conn,
    portal: &str,
    user_id: i64,
    furigana: &str,
    lang: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO seeker_profiles (user_id, portal, furigana, lang, updated_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(portal)
    .bind(furigana)
    .bind(lang)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The seeker's own view of the account: the profile and the registration's reading and
/// language.
#[derive(Debug, Clone)]
pub struct Own {
    pub furigana: String,
    pub lang: String,
    pub profile: Profile,
    pub updated_at: i64,
}

fn codes(text: String) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

fn profile(r: &sqlx::any::AnyRow) -> Result<Profile, sqlx::Error> {
    Ok(Profile {
        public: r.try_get::<i64, _>("public")? != 0,
        research: codes(r.try_get("research_fields")?),
        jobs: codes(r.try_get("job_kinds")?),
        prefectures: codes(r.try_get("prefectures")?),
        degree: r.try_get("degree")?,
        position: r.try_get("position")?,
        career: r.try_get("career")?,
        appeal: r.try_get("appeal")?,
        researchmap: r.try_get("researchmap")?,
    })
}

macro_rules! profile_columns {
    () => {
        "p.public, p.research_fields, p.job_kinds, p.prefectures, p.degree, p.position, p.career, p.appeal, p.researchmap, p.updated_at"
    };
}

/// The signed-in seeker's own profile.
pub async fn own(conn: &mut Conn, portal: &str, user_id: i64) -> Result<Option<Own>, sqlx::Error> {
    let sql = concat!(
        "SELECT p.furigana, p.lang, ",
        profile_columns!(),
        " FROM seeker_profiles p WHERE p.portal = $1 AND p.user_id = $2"
    );
    let Some(r) = sqlx::query(sql).bind(portal).bind(user_id).fetch_optional(conn).await? else { return Ok(None) };
    Ok(Some(Own {
        furigana: r.try_get("furigana")?,
        lang: r.try_get("lang")?,
        profile: profile(&r)?,
        updated_at: r.try_get("updated_at")?,
    }))
}

/// Stores the seeker's checked profile; false when the account is gone. The 求職者情報検索 is
/// told in the same transaction (公開 or not, the follower re-reads the profile).
pub async fn save(conn: &mut Conn, portal: &str, user_id: i64, p: &Profile, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE seeker_profiles SET public = $3, research_fields = $4, job_kinds = $5, prefectures = $6, degree = $7,
                position = $8, career = $9, appeal = $10, researchmap = $11, updated_at = $12
         WHERE portal = $1 AND user_id = $2",
    )
    .bind(portal)
    .bind(user_id)
    .bind(i64::from(p.public))
    .bind(p.research.join(" "))
    .bind(p.jobs.join(" "))
    .bind(p.prefectures.join(" "))
    .bind(&p.degree)
    .bind(&p.position)
    .bind(&p.career)
    .bind(&p.appeal)
    .bind(&p.researchmap)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    search_changes::record_seeker_profile(conn, portal, user_id, now).await?;
    Ok(true)
}

/// What an institution sees of a seeker: the ユーザID and the 求職者情報, never the name, the
/// reading, the address or anything else that would reach the person (jrec-in §1.8.2).
#[derive(Debug, Clone)]
pub struct PublicProfile {
    pub user_id: i64,
    /// The ユーザID (`users.login_id`), the only handle an institution has.
    pub seeker_id: String,
    pub profile: Profile,
    pub updated_at: i64,
}

fn public(r: &sqlx::any::AnyRow) -> Result<PublicProfile, sqlx::Error> {
    Ok(PublicProfile {
        user_id: r.try_get("user_id")?,
        seeker_id: r.try_get("login_id")?,
        profile: profile(r)?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A seeker's profile as an institution may read it: only a 公開 one of this portal.
pub async fn public_profile(conn: &mut Conn, portal: &str, user_id: i64) -> Result<Option<PublicProfile>, sqlx::Error> {
    let sql = concat!(
        "SELECT p.user_id, u.login_id, ",
        profile_columns!(),
        " FROM seeker_profiles p JOIN users u ON u.id = p.user_id
          WHERE p.portal = $1 AND p.user_id = $2 AND p.public = 1 AND u.role = 'seeker' AND u.portal = $1"
    );
    let row = sqlx::query(sql).bind(portal).bind(user_id).fetch_optional(conn).await?;
    row.as_ref().map(public).transpose()
}

/// The portal's 公開 profiles, newest update first: what the institutions' search starts from.
pub async fn public_profiles(
    conn: &mut Conn,
    portal: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<PublicProfile>, sqlx::Error> {
    let sql = concat!(
        "SELECT p.user_id, u.login_id, ",
        profile_columns!(),
        " FROM seeker_profiles p JOIN users u ON u.id = p.user_id
          WHERE p.portal = $1 AND p.public = 1 AND u.role = 'seeker' AND u.portal = $1
          ORDER BY p.updated_at DESC, p.user_id DESC LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(sql).bind(portal).bind(limit).bind(offset).fetch_all(conn).await?;
    rows.iter().map(public).collect()
}

/// Deletes a seeker's account (退会, expiry): the profile, sessions, codes and history go
/// with it (foreign keys). False when it was gone already.
/// The 求職者情報検索 is told in the same transaction (its profile leaves the index).
pub async fn delete_account(conn: &mut Conn, portal: &str, user_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM users WHERE id = $1 AND portal = $2 AND role = 'seeker'")
        .bind(user_id)
        .bind(portal)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    search_changes::record_seeker_profile(conn, portal, user_id, now).await?;
    Ok(true)
}

// ---- the unused-account expiry: `rules::Expiry::step` in SQL ----

/// An account whose expiry notice is due: where to send it and in which language.
#[derive(Debug, Clone)]
pub struct Noticed {
    pub user_id: i64,
    pub seeker_id: String,
    pub email: String,
    pub name: String,
    pub lang: String,
}

/// Marks the notice sent for every account of the portal whose step is `Notify` (last login,
/// else registration, at least `unused_seconds` ago, and no notice standing) and returns them:
/// one statement, so two instances running the job mail each account once.
pub async fn claim_expiry_notices(
    conn: &mut Conn,
    portal: &str,
    unused_seconds: i64,
    now: i64,
) -> Result<Vec<Noticed>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE seeker_profiles SET expiry_noticed_at = $3
         WHERE portal = $1 AND user_id IN (
             SELECT u.id FROM users u
             WHERE u.portal = $1 AND u.role = 'seeker' AND COALESCE(u.last_login_at, u.created_at) + $2 <= $3
               AND (seeker_profiles.expiry_noticed_at IS NULL
                    OR seeker_profiles.expiry_noticed_at <= COALESCE(u.last_login_at, u.created_at)))
         RETURNING user_id",
    )
    .bind(portal)
    .bind(unused_seconds)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row = sqlx::query(
            "SELECT u.id, u.login_id, u.email, u.name, p.lang FROM users u JOIN seeker_profiles p ON p.user_id = u.id WHERE u.id = $1",
        )
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        out.push(Noticed {
            user_id: row.try_get("id")?,
            seeker_id: row.try_get("login_id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            lang: row.try_get("lang")?,
        });
    }
    Ok(out)
}

/// Deletes every account of the portal whose step is `Delete` (a notice at least
/// `notice_seconds` old, no login since) and returns their ids; each leaves the 求職者情報検索
/// in the same transaction.
pub async fn delete_expired(
    conn: &mut Conn,
    portal: &str,
    notice_seconds: i64,
    now: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let gone: Vec<i64> = sqlx::query_scalar(
        "DELETE FROM users
         WHERE portal = $1 AND role = 'seeker' AND id IN (
             SELECT p.user_id FROM seeker_profiles p
             WHERE p.portal = $1 AND p.expiry_noticed_at IS NOT NULL AND p.expiry_noticed_at + $2 <= $3
               AND p.expiry_noticed_at > COALESCE(users.last_login_at, users.created_at))
         RETURNING id",
    )
    .bind(portal)
    .bind(notice_seconds)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    for id in &gone {
        search_changes::record_seeker_profile(conn, portal, *id, now).await?;
    }
    Ok(gone)
}

/// A seeker as the portal's operator sees it in 求職者管理 (jrec-in §1.11 item 6): the account
/// and whether its 求職者情報 is 公開 — not the profile's text.
#[derive(Debug, Clone)]
pub struct Seeker {
    pub user_id: i64,
    /// The ユーザID.
    pub seeker_id: String,
    pub name: String,
    pub email: String,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    pub disabled_at: Option<i64>,
    pub public: bool,
}

/// The search of 求職者管理: `$2` an exact ユーザID (upper case), `$3` an exact address (lower
/// case), `$4` a part of the name (LIKE on the lower-cased name, escaped, so that both databases
/// ignore the case of Latin letters alike); all three empty: every seeker.
macro_rules! seeker_search {
    () => {
        " FROM users u LEFT JOIN seeker_profiles p ON p.portal = u.portal AND p.user_id = u.id
          WHERE u.portal = $1 AND u.role = 'seeker'
            AND ($2 = '' OR UPPER(u.login_id) = $2 OR LOWER(u.email) = $3 OR LOWER(u.name) LIKE $4 ESCAPE '\\')"
    };
}

/// What 求職者管理's search box holds, made into the three forms the SQL compares.
pub struct SeekerQuery {
    upper: String,
    lower: String,
    like: String,
}

impl SeekerQuery {
    pub fn new(q: &str) -> SeekerQuery {
        let q = q.trim();
        let escaped: String =
            q.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
        SeekerQuery {
            upper: q.to_uppercase(),
            lower: q.to_lowercase(),
            like: if q.is_empty() { String::new() } else { format!("%{}%", escaped.to_lowercase()) },
        }
    }
}

fn seeker(r: &sqlx::any::AnyRow) -> Result<Seeker, sqlx::Error> {
    Ok(Seeker {
        user_id: r.try_get("id")?,
        seeker_id: r.try_get("login_id")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        created_at: r.try_get("created_at")?,
        last_login_at: r.try_get("last_login_at")?,
        disabled_at: r.try_get("disabled_at")?,
        public: r.try_get::<Option<i64>, _>("public")?.unwrap_or(0) != 0,
    })
}

const SEEKER_COLUMNS: &str =
    "SELECT u.id, u.login_id, u.name, u.email, u.created_at, u.last_login_at, u.disabled_at, p.public";

/// How many of the portal's seekers match `query`.
pub async fn count_seekers(conn: &mut Conn, portal: &str, query: &SeekerQuery) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(concat!("SELECT COUNT(*)", seeker_search!()))
        .bind(portal)
        .bind(&query.upper)
        .bind(&query.lower)
        .bind(&query.like)
        .fetch_one(&mut *conn)
        .await
}

/// One page of the portal's seekers matching `query`, newest first.
pub async fn seekers(
    conn: &mut Conn,
    portal: &str,
    query: &SeekerQuery,
    limit: i64,
    offset: i64,
) -> Result<Vec<Seeker>, sqlx::Error> {
    let sql = format!("{SEEKER_COLUMNS}{} ORDER BY u.id DESC LIMIT $5 OFFSET $6", seeker_search!());
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(portal)
        .bind(&query.upper)
        .bind(&query.lower)
        .bind(&query.like)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(seeker).collect()
}

/// One seeker of the portal, for its operator; None for any other account.
pub async fn seeker_of_portal(conn: &mut Conn, portal: &str, user_id: i64) -> Result<Option<Seeker>, sqlx::Error> {
    let sql = format!(
        "{SEEKER_COLUMNS} FROM users u LEFT JOIN seeker_profiles p ON p.portal = u.portal AND p.user_id = u.id
         WHERE u.portal = $1 AND u.id = $2 AND u.role = 'seeker'"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(user_id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(seeker).transpose()
}

/// Turns a 公開 profile 非公開 (the operator's 「求職者情報を非公開にする」), telling the search in
/// the same transaction; false when it was 非公開 already (or gone).
pub async fn hide(conn: &mut Conn, portal: &str, user_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE seeker_profiles SET public = 0, updated_at = $3 WHERE portal = $1 AND user_id = $2 AND public = 1",
    )
    .bind(portal)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    search_changes::record_seeker_profile(conn, portal, user_id, now).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::SeekerQuery;

    #[test]
    fn a_search_is_an_exact_id_an_exact_address_or_a_literal_part_of_the_name() {
        let q = SeekerQuery::new("  u100000001 ");
        assert_eq!((q.upper.as_str(), q.lower.as_str(), q.like.as_str()), ("U100000001", "u100000001", "%u100000001%"));
        let q = SeekerQuery::new("Taro@Example.JP");
        assert_eq!(q.lower, "taro@example.jp");
        // The pattern's own characters are literal; the name is compared lower-cased.
        assert_eq!(SeekerQuery::new("50%_a\\B").like, "%50\\%\\_a\\\\b%");
        let q = SeekerQuery::new("   ");
        assert!(q.upper.is_empty() && q.lower.is_empty() && q.like.is_empty(), "every seeker");
    }
}
