//! The postings table (migration `0022_job_postings`). Every institution query binds the
//! portal and the organization, so another institution's posting is `None` or absent from a
//! list, never an error that tells it exists. Functions take `&mut AnyConnection` so that they
//! compose in the caller's transaction (a first 一時保存 makes the posting, its データ番号 and
//! its draft in one).

use crate::KIND;
use crate::data_number::{DataNumber, SERIAL_NAME};
use crate::publish::Public;
use madoguchi_store::serials;
use sqlx::{AnyConnection, Row};

/// A posting as its row says (the form itself is in its draft or its review item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub id: i64,
    pub organization_id: i64,
    pub data_number: i64,
    /// `ja` or `en`, fixed at creation.
    pub language: String,
    pub public_snapshot: Option<String>,
    pub publish_at: Option<i64>,
    pub unpublish_at: Option<i64>,
    pub end_date: Option<String>,
    /// An approved revision waiting for its 反映 time (migration 0024; `publish::Public`).
    pub next_snapshot: Option<String>,
    pub next_at: Option<i64>,
    pub next_end_date: Option<String>,
    /// When the institution pressed 「取り下げ」 (`unpublish_at` is when it takes effect).
    pub withdrawn_at: Option<i64>,
    /// When `public_snapshot` became (or becomes) public: the 更新日 of the public page.
    pub public_since: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Posting {
    /// The public columns, for the rules of `publish`.
    pub fn public(&self) -> Public {
        Public {
            snapshot: self.public_snapshot.clone(),
            publish_at: self.publish_at,
            unpublish_at: self.unpublish_at,
            end_date: self.end_date.clone(),
            since: self.public_since,
            next_snapshot: self.next_snapshot.clone(),
            next_at: self.next_at,
            next_end_date: self.next_end_date.clone(),
        }
    }

    /// `D` + 9 digits; empty for a number out of range (the serial never hands one out).
    pub fn data_number_text(&self) -> String {
        u32::try_from(self.data_number)
            .ok()
            .and_then(DataNumber::from_serial)
            .map(|n| n.to_string())
            .unwrap_or_default()
    }
}

const COLUMNS: &str = "id, organization_id, data_number, language, public_snapshot, publish_at, unpublish_at, end_date,
    next_snapshot, next_at, next_end_date, withdrawn_at, public_since, created_at, updated_at";

fn posting(r: &sqlx::any::AnyRow) -> Result<Posting, sqlx::Error> {
    Ok(Posting {
        id: r.try_get("id")?,
        organization_id: r.try_get("organization_id")?,
        data_number: r.try_get("data_number")?,
        language: r.try_get("language")?,
        public_snapshot: r.try_get("public_snapshot")?,
        publish_at: r.try_get("publish_at")?,
        unpublish_at: r.try_get("unpublish_at")?,
        end_date: r.try_get("end_date")?,
        next_snapshot: r.try_get("next_snapshot")?,
        next_at: r.try_get("next_at")?,
        next_end_date: r.try_get("next_end_date")?,
        withdrawn_at: r.try_get("withdrawn_at")?,
        public_since: r.try_get("public_since")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A new posting of the organization, with the portal's next データ番号 (taken in the caller's
/// transaction: a rolled-back save hands the number out again, a committed one never).
pub async fn create(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    language: &str,
    now: i64,
) -> Result<Posting, sqlx::Error> {
    let (posting, _) = create_once(conn, portal, organization_id, language, None, now).await?;
    Ok(posting)
}

/// A new posting made by the new form's POST carrying `token` (the form's one-time token), or
/// the posting an earlier POST of the same form made: `(posting, true)` when it is new. Without a
/// token every call makes one. Two POSTs at the same moment meet at the unique index: the later
/// one waits for the first and then finds its posting (on PostgreSQL its データ番号 is skipped).
pub async fn create_once(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    language: &str,
    token: Option<&str>,
    now: i64,
) -> Result<(Posting, bool), sqlx::Error> {
    if let Some(found) = by_form_token(conn, portal, organization_id, token).await? {
        return Ok((found, false));
    }
    let number = serials::next(conn, portal, SERIAL_NAME).await?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO job_postings (portal, organization_id, data_number, language, form_token, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (organization_id, form_token) DO NOTHING RETURNING id",
    )
    .bind(portal)
    .bind(organization_id)
    .bind(number)
    .bind(language)
    .bind(token)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => Ok((find(conn, portal, organization_id, id).await?.ok_or(sqlx::Error::RowNotFound)?, true)),
        None => {
            let found = by_form_token(conn, portal, organization_id, token).await?;
            Ok((found.ok_or(sqlx::Error::RowNotFound)?, false))
        }
    }
}

async fn by_form_token(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    token: Option<&str>,
) -> Result<Option<Posting>, sqlx::Error> {
    let Some(token) = token else { return Ok(None) };
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM job_postings WHERE portal = $1 AND organization_id = $2 AND form_token = $3",
    )
    .bind(portal)
    .bind(organization_id)
    .bind(token)
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => find(conn, portal, organization_id, id).await,
        None => Ok(None),
    }
}

/// The organization's posting `id`; None for another organization's or an unknown id.
pub async fn find(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    id: i64,
) -> Result<Option<Posting>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM job_postings WHERE portal = $1 AND organization_id = $2 AND id = $3");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(organization_id).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(posting).transpose()
}

/// Deletes the organization's posting `id` if it never had a public version (§1.3 rule 11:
/// 「削除」 of a draft or a returned posting). True when a row was deleted. Its drafts and review
/// item are the caller's to delete first, in the same transaction.
pub async fn delete_never_public(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM job_postings WHERE portal = $1 AND organization_id = $2 AND id = $3
           AND public_snapshot IS NULL AND publish_at IS NULL AND next_snapshot IS NULL",
    )
    .bind(portal)
    .bind(organization_id)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the posting changed (a save of its draft, a request).
pub async fn touch(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE job_postings SET updated_at = $4 WHERE portal = $1 AND organization_id = $2 AND id = $3")
        .bind(portal)
        .bind(organization_id)
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// One line of the institution's lists: the posting, its open draft and its review item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub posting: Posting,
    pub draft_payload: Option<String>,
    pub missing_required: Option<i64>,
    pub draft_updated_at: Option<i64>,
    /// `review_items.state`, None when never requested.
    pub review_state: Option<String>,
    pub pending_snapshot: Option<String>,
    /// Some once a version was approved (the posting is registered).
    pub approved_revision: Option<i64>,
    pub review_updated_at: Option<i64>,
}

/// Every posting of the organization with its draft and review item, newest first.
pub async fn lines(conn: &mut AnyConnection, portal: &str, organization_id: i64) -> Result<Vec<Line>, sqlx::Error> {
    let sql = "SELECT p.id, p.organization_id, p.data_number, p.language, p.public_snapshot, p.publish_at,
                p.unpublish_at, p.end_date, p.next_snapshot, p.next_at, p.next_end_date, p.withdrawn_at, p.public_since,
                p.created_at, p.updated_at,
                d.payload AS draft_payload, d.missing_required, d.updated_at AS draft_updated_at,
                r.state AS review_state, r.pending_snapshot, r.approved_revision, r.updated_at AS review_updated_at
         FROM job_postings p
         LEFT JOIN drafts d ON d.portal = p.portal AND d.organization_id = p.organization_id AND d.kind = $3
                           AND d.item_id = p.id
         LEFT JOIN review_items r ON r.portal = p.portal AND r.organization_id = p.organization_id
                                 AND r.kind = $3 AND r.item_id = p.id
         WHERE p.portal = $1 AND p.organization_id = $2
         ORDER BY p.id DESC";
    let rows = sqlx::query(sql).bind(portal).bind(organization_id).bind(KIND).fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(Line {
                posting: posting(r)?,
                draft_payload: r.try_get("draft_payload")?,
                missing_required: r.try_get("missing_required")?,
                draft_updated_at: r.try_get("draft_updated_at")?,
                review_state: r.try_get("review_state")?,
                pending_snapshot: r.try_get("pending_snapshot")?,
                approved_revision: r.try_get("approved_revision")?,
                review_updated_at: r.try_get("review_updated_at")?,
            })
        })
        .collect()
}

/// The posting `id` of the portal, whatever its organization: for the 事務局's screens only
/// (the console is the portal's operator's).
pub async fn find_any(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<Option<Posting>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM job_postings WHERE portal = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(posting).transpose()
}

/// Stores the public columns `public` of the organization's posting (an approval, a 取り下げ),
/// with `withdrawn_at` when the step is a withdrawal. The single place where what the public
/// sees changes, so it also writes the search index's change note
/// (`public::index::reindex`) on the same connection: called inside the step's transaction,
/// the note commits with the new columns or not at all.
pub async fn set_public(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    id: i64,
    public: &Public,
    withdrawn_at: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE job_postings SET public_snapshot = $4, publish_at = $5, unpublish_at = $6, end_date = $7,
                next_snapshot = $8, next_at = $9, next_end_date = $10,
                withdrawn_at = COALESCE(withdrawn_at, $11), updated_at = $12, public_since = $13
         WHERE portal = $1 AND organization_id = $2 AND id = $3",
    )
    .bind(portal)
    .bind(organization_id)
    .bind(id)
    .bind(public.snapshot.as_deref())
    .bind(public.publish_at)
    .bind(public.unpublish_at)
    .bind(public.end_date.as_deref())
    .bind(public.next_snapshot.as_deref())
    .bind(public.next_at)
    .bind(public.next_end_date.as_deref())
    .bind(withdrawn_at)
    .bind(now)
    .bind(public.since)
    .execute(&mut *conn)
    .await?;
    crate::public::index::reindex(conn, portal, id, now).await?;
    Ok(())
}

/// The addresses of the organization's active users: the mails of §1.12 go to each.
pub async fn organization_emails(conn: &mut AnyConnection, organization_id: i64) -> Result<Vec<String>, sqlx::Error> {
    madoguchi_store::users::organization_emails(conn, organization_id).await
}

/// The draft kind of a form a login restored beside a draft another screen saved meanwhile
/// (`crate::restore`).
pub const RESTORED_KIND: &str = "job_posting.restored";

/// The restored form kept beside the posting's draft, if any.
pub(crate) async fn restored(
    conn: &mut AnyConnection,
    portal: &str,
    organization: i64,
    id: i64,
) -> Result<Option<madoguchi_store::drafts::Draft>, sqlx::Error> {
    madoguchi_store::drafts::of_item(conn, portal, organization, RESTORED_KIND, id).await
}

/// Removes the restored form kept beside the posting's draft (a save has settled it).
pub(crate) async fn drop_restored(
    conn: &mut AnyConnection,
    portal: &str,
    organization: i64,
    id: i64,
) -> Result<(), sqlx::Error> {
    while let Some(kept) = restored(conn, portal, organization, id).await? {
        madoguchi_store::drafts::delete(conn, portal, organization, kept.id).await?;
    }
    Ok(())
}
