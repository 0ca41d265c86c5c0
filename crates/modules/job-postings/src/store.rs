//! The postings table (migration `0022_job_postings`). Every institution query binds the
//! portal and the organization, so another institution's posting is `None` or absent from a
//! list, never an error that tells it exists. Functions take `&mut AnyConnection` so that they
//! compose in the caller's transaction (a first 一時保存 makes the posting, its データ番号 and
//! its draft in one).

use crate::KIND;
use crate::data_number::{DataNumber, SERIAL_NAME};
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
    pub created_at: i64,
    pub updated_at: i64,
}

impl Posting {
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
    created_at, updated_at";

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
    let number = serials::next(conn, portal, SERIAL_NAME).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO job_postings (portal, organization_id, data_number, language, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(portal)
    .bind(organization_id)
    .bind(number)
    .bind(language)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    find(conn, portal, organization_id, id).await?.ok_or(sqlx::Error::RowNotFound)
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
                p.unpublish_at, p.end_date, p.created_at, p.updated_at,
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
