//! The `applications` table (migration 0031). Every seeker query binds the seeker, every
//! institution query the organization, so another one's id answers None exactly like a
//! missing one. Changes are single statements guarded by the row's `status` or `version`:
//! the second of two identical posts finds nothing to change.

use crate::status::Status;
use sqlx::{AnyConnection, Row};

/// An application row (without the document's bytes).
#[derive(Debug, Clone)]
pub struct Application {
    pub id: i64,
    pub portal: String,
    pub organization_id: i64,
    pub posting_id: i64,
    pub seeker_id: Option<i64>,
    pub receipt_id: Option<String>,
    pub status: Status,
    pub seeker_status: Status,
    pub previous_status: Option<Status>,
    pub file_id: i64,
    pub file_name: String,
    pub name: String,
    pub furigana: String,
    pub email: String,
    pub phone: String,
    pub affiliation: String,
    pub message: String,
    /// The language the seeker applied in (the seeker's mails).
    pub lang: String,
    pub note: String,
    pub data_number: String,
    pub title: String,
    pub version: i64,
    pub applied_at: Option<i64>,
    pub status_at: i64,
    /// When the retention period erased the document and the applicant data (`retention`).
    pub purged_at: Option<i64>,
}

impl Application {
    /// The document and the applicant data were erased (the row stays).
    pub fn purged(&self) -> bool {
        self.purged_at.is_some()
    }

    /// The statuses the institution may set next at `now`. A purged application cannot be
    /// sent to 再提出待ち: the retention period is over, no document is asked for again.
    pub fn may_set(&self, now: i64) -> Vec<Status> {
        let mut next = crate::status::institution_may_set(self.status, self.previous_status, self.status_at, now);
        if self.purged() {
            next.retain(|s| *s != Status::ResubmitRequested);
        }
        next
    }
}

const SELECT: &str = "SELECT a.id, a.portal, a.organization_id, a.posting_id, a.seeker_id, a.receipt_id, a.status,
        a.seeker_status, a.previous_status, a.file_id, f.name AS file_name, a.name, a.furigana, a.email, a.phone,
        a.affiliation, a.message, a.lang, a.note, a.data_number, a.title, a.version, a.applied_at, a.status_at,
        a.purged_at
    FROM applications a JOIN files f ON f.id = a.file_id";

fn status(r: &sqlx::any::AnyRow, column: &str) -> Result<Status, sqlx::Error> {
    let code: String = r.try_get(column)?;
    Status::parse(&code).ok_or_else(|| sqlx::Error::Decode(format!("unknown application status {code}").into()))
}

fn row(r: &sqlx::any::AnyRow) -> Result<Application, sqlx::Error> {
    let previous: Option<String> = r.try_get("previous_status")?;
    Ok(Application {
        id: r.try_get("id")?,
        portal: r.try_get("portal")?,
        organization_id: r.try_get("organization_id")?,
        posting_id: r.try_get("posting_id")?,
        seeker_id: r.try_get("seeker_id")?,
        receipt_id: r.try_get("receipt_id")?,
        status: status(r, "status")?,
        seeker_status: status(r, "seeker_status")?,
        previous_status: previous.as_deref().and_then(Status::parse),
        file_id: r.try_get("file_id")?,
        file_name: r.try_get("file_name")?,
        name: r.try_get("name")?,
        furigana: r.try_get("furigana")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        affiliation: r.try_get("affiliation")?,
        message: r.try_get("message")?,
        lang: r.try_get("lang")?,
        note: r.try_get("note")?,
        data_number: r.try_get("data_number")?,
        title: r.try_get("title")?,
        version: r.try_get("version")?,
        applied_at: r.try_get("applied_at")?,
        status_at: r.try_get("status_at")?,
        purged_at: r.try_get("purged_at")?,
    })
}

/// The seeker's application to a posting (draft or filed), if any.
pub async fn of_seeker_for_posting(
    conn: &mut AnyConnection,
    portal: &str,
    seeker: i64,
    posting: i64,
) -> Result<Option<Application>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE a.portal = $1 AND a.seeker_id = $2 AND a.posting_id = $3");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(seeker).bind(posting).fetch_optional(conn).await?;
    r.as_ref().map(row).transpose()
}

/// One of the seeker's filed applications.
pub async fn of_seeker(
    conn: &mut AnyConnection,
    portal: &str,
    seeker: i64,
    id: i64,
) -> Result<Option<Application>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE a.portal = $1 AND a.seeker_id = $2 AND a.id = $3 AND a.status <> 'draft'");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(seeker).bind(id).fetch_optional(conn).await?;
    r.as_ref().map(row).transpose()
}

/// The seeker's filed applications, newest first (応募履歴).
pub async fn list_of_seeker(
    conn: &mut AnyConnection,
    portal: &str,
    seeker: i64,
) -> Result<Vec<Application>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE a.portal = $1 AND a.seeker_id = $2 AND a.status <> 'draft' ORDER BY a.applied_at DESC, a.id DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(seeker).fetch_all(conn).await?;
    rows.iter().map(row).collect()
}

/// One of the organization's filed applications.
pub async fn of_organization(
    conn: &mut AnyConnection,
    portal: &str,
    organization: i64,
    id: i64,
) -> Result<Option<Application>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE a.portal = $1 AND a.organization_id = $2 AND a.id = $3 AND a.status <> 'draft'");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(organization).bind(id).fetch_optional(conn).await?;
    r.as_ref().map(row).transpose()
}

/// The filed applications of one of the organization's postings, unordered (the page sorts).
pub async fn of_posting(
    conn: &mut AnyConnection,
    portal: &str,
    organization: i64,
    posting: i64,
) -> Result<Vec<Application>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE a.portal = $1 AND a.organization_id = $2 AND a.posting_id = $3 AND a.status <> 'draft'"
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(organization).bind(posting).fetch_all(conn).await?;
    rows.iter().map(row).collect()
}

/// (posting, status, count) of the organization's filed applications.
pub async fn counts(
    conn: &mut AnyConnection,
    portal: &str,
    organization: i64,
) -> Result<Vec<(i64, Status, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT posting_id, status, COUNT(*) AS n FROM applications
         WHERE portal = $1 AND organization_id = $2 AND status <> 'draft' GROUP BY posting_id, status",
    )
    .bind(portal)
    .bind(organization)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("posting_id")?, status(r, "status")?, r.try_get("n")?))).collect()
}

/// What the seeker typed on the application form.
pub struct Applicant<'a> {
    pub name: &'a str,
    pub furigana: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub affiliation: &'a str,
    pub message: &'a str,
    pub lang: &'a str,
}

/// The posting as it was when applied.
pub struct PostingRef<'a> {
    pub id: i64,
    pub organization_id: i64,
    pub data_number: &'a str,
    pub title: &'a str,
}

/// A new draft (the document just stored as `file_id`). None when the seeker already has an
/// application to the posting (a draft written by another tab meanwhile, or a filed one).
pub async fn insert_draft(
    conn: &mut AnyConnection,
    portal: &str,
    seeker: i64,
    posting: &PostingRef<'_>,
    applicant: &Applicant<'_>,
    file_id: i64,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let inserted = sqlx::query_scalar(
        "INSERT INTO applications (portal, organization_id, posting_id, seeker_id, status, seeker_status, file_id,
             name, furigana, email, phone, affiliation, message, lang, data_number, title, created_at, status_at, updated_at)
         VALUES ($1, $2, $3, $4, 'draft', 'draft', $5, $6, $7, $8, $9, $10, $11, $15, $12, $13, $14, $14, $14)
         ON CONFLICT (posting_id, seeker_id) DO NOTHING RETURNING id",
    )
    .bind(portal)
    .bind(posting.organization_id)
    .bind(posting.id)
    .bind(seeker)
    .bind(file_id)
    .bind(applicant.name)
    .bind(applicant.furigana)
    .bind(applicant.email)
    .bind(applicant.phone)
    .bind(applicant.affiliation)
    .bind(applicant.message)
    .bind(posting.data_number)
    .bind(posting.title)
    .bind(now)
    .bind(applicant.lang)
    .fetch_optional(conn)
    .await?;
    Ok(inserted)
}

/// A draft typed again (and its document, when a new one came). False: it is no longer a
/// draft of this version.
pub async fn update_draft(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    applicant: &Applicant<'_>,
    file_id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE applications SET phone = $3, affiliation = $4, message = $5, furigana = $6, file_id = $7,
             lang = $9, version = version + 1, updated_at = $8
         WHERE id = $1 AND version = $2 AND status = 'draft'",
    )
    .bind(id)
    .bind(version)
    .bind(applicant.phone)
    .bind(applicant.affiliation)
    .bind(applicant.message)
    .bind(applicant.furigana)
    .bind(file_id)
    .bind(now)
    .bind(applicant.lang)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// 「応募する」: the draft of this version becomes 応募中 under `receipt_id`. False: nothing
/// filed (already filed by the first press, or changed since the confirmation was shown).
pub async fn file(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    receipt_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE applications SET status = 'applied', seeker_status = 'applied', receipt_id = $3, applied_at = $4,
             status_at = $4, updated_at = $4, version = version + 1
         WHERE id = $1 AND version = $2 AND status = 'draft'",
    )
    .bind(id)
    .bind(version)
    .bind(receipt_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether a receipt ID is taken (drawn again then).
pub async fn receipt_taken(conn: &mut AnyConnection, receipt_id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE receipt_id = $1")
        .bind(receipt_id)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

/// The institution's change of 応募状況 and 求人機関備考, from the version it confirmed. `told`:
/// the applicant is told, so what the applicant sees becomes the new status too.
pub struct Change<'a> {
    pub status: Status,
    pub note: &'a str,
    pub told: bool,
}

/// False: the application changed since the confirmation (a second press, another user).
pub async fn change(
    conn: &mut AnyConnection,
    app: &Application,
    change: &Change<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let moved = change.status != app.status;
    let seeker_status = if change.told { change.status } else { app.seeker_status };
    let previous = if moved { Some(app.status) } else { app.previous_status };
    let status_at = if moved { now } else { app.status_at };
    let done = sqlx::query(
        "UPDATE applications SET status = $3, seeker_status = $4, previous_status = $5, status_at = $6, note = $7,
             version = version + 1, updated_at = $8
         WHERE id = $1 AND version = $2 AND status <> 'draft'",
    )
    .bind(app.id)
    .bind(app.version)
    .bind(change.status.code())
    .bind(seeker_status.code())
    .bind(previous.map(Status::code))
    .bind(status_at)
    .bind(change.note)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The applicant's new document while 再提出待ち: 再提出済, seen by both sides. False: not
/// (or no longer) 再提出待ち, or purged.
pub async fn resubmit(
    conn: &mut AnyConnection,
    app: &Application,
    file_id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE applications SET file_id = $3, status = 'resubmitted', seeker_status = 'resubmitted',
             previous_status = status, status_at = $4, updated_at = $4, version = version + 1
         WHERE id = $1 AND version = $2 AND status = 'resubmit_requested' AND purged_at IS NULL",
    )
    .bind(app.id)
    .bind(app.version)
    .bind(file_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// 「応募を辞退する」: その他(辞退等) on both sides, from the version the applicant confirmed and
/// only from a status that may still be withdrawn. False: changed since (a second press, or the
/// institution decided meanwhile).
pub async fn withdraw(conn: &mut AnyConnection, app: &Application, now: i64) -> Result<bool, sqlx::Error> {
    if !app.status.seeker_may_withdraw() {
        return Ok(false);
    }
    let done = sqlx::query(
        "UPDATE applications SET status = 'other', seeker_status = 'other', previous_status = status,
             status_at = $3, updated_at = $3, version = version + 1
         WHERE id = $1 AND version = $2 AND status = $4",
    )
    .bind(app.id)
    .bind(app.version)
    .bind(now)
    .bind(app.status.code())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
