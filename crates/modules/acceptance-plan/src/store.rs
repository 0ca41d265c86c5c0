//! The plan's tables (migration `0026_acceptance_plans`): the plan row of an organization and its
//! attachments. Every organization query binds the portal and the organization, so another
//! organization's plan or file is `None`, never an error that tells it exists. Functions take
//! `&mut AnyConnection` so that they compose in the caller's transaction.

use sqlx::{AnyConnection, Row};

/// The plan's own row (the form is in its draft or its review item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: i64,
    pub organization_id: i64,
    /// The reviewing office's code, from 申請 on.
    pub bureau: Option<String>,
    /// The JST date of the last 申請 (YYYY-MM-DD).
    pub applied_on: Option<String>,
    pub approval_number: Option<String>,
    pub certified_on: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, organization_id, bureau, applied_on, approval_number, certified_on, created_at, updated_at";

fn plan(r: &sqlx::any::AnyRow) -> Result<Plan, sqlx::Error> {
    Ok(Plan {
        id: r.try_get("id")?,
        organization_id: r.try_get("organization_id")?,
        bureau: r.try_get("bureau")?,
        applied_on: r.try_get("applied_on")?,
        approval_number: r.try_get("approval_number")?,
        certified_on: r.try_get("certified_on")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The organization's plan, if it started one.
pub async fn of_organization(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
) -> Result<Option<Plan>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM acceptance_plans WHERE portal = $1 AND organization_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(organization_id).fetch_optional(conn).await?;
    row.as_ref().map(plan).transpose()
}

/// The organization's plan, made now if it has none (two tabs pressing 「新規申請」 at once
/// get the same row: the insert yields to the unique key). Whether it was made now.
pub async fn start(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    now: i64,
) -> Result<(Plan, bool), sqlx::Error> {
    let made = sqlx::query(
        "INSERT INTO acceptance_plans (portal, organization_id, created_at, updated_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (portal, organization_id) DO NOTHING",
    )
    .bind(portal)
    .bind(organization_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0;
    let plan = of_organization(conn, portal, organization_id).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok((plan, made))
}

/// Holds the plan's row for the rest of the transaction, so that two requests making the plan's
/// draft at the same moment (「新規申請を開始する」 or 「変更申請を開始する」 pressed in two tabs)
/// run one after the other: the second reads the draft the first made instead of making a
/// second one (`drafts` has no unique key per item; a second draft would outlive the 申請).
/// On PostgreSQL the UPDATE takes the row lock and the next statement reads what the first
/// committed; SQLite's write transaction (`BEGIN IMMEDIATE`) runs alone anyway.
pub async fn lock(conn: &mut AnyConnection, plan_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE acceptance_plans SET updated_at = updated_at WHERE id = $1")
        .bind(plan_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the plan changed.
pub async fn touch(conn: &mut AnyConnection, plan_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE acceptance_plans SET updated_at = $2 WHERE id = $1")
        .bind(plan_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// 申請: the reviewing office and the application date.
pub async fn applied(
    conn: &mut AnyConnection,
    plan_id: i64,
    bureau: &str,
    applied_on: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE acceptance_plans SET bureau = $2, applied_on = $3, updated_at = $4 WHERE id = $1")
        .bind(plan_id)
        .bind(bureau)
        .bind(applied_on)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// One attachment with its file's name and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub kind: String,
    /// The Part 6 block's key, for a per-worker kind.
    pub worker: Option<i64>,
    pub file_id: i64,
    pub issued_on: Option<String>,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub created_at: i64,
}

fn attachment(r: &sqlx::any::AnyRow) -> Result<Attachment, sqlx::Error> {
    Ok(Attachment {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        worker: r.try_get("worker")?,
        file_id: r.try_get("file_id")?,
        issued_on: r.try_get("issued_on")?,
        name: r.try_get("name")?,
        media_type: r.try_get("media_type")?,
        size: r.try_get("size")?,
        created_at: r.try_get("created_at")?,
    })
}

const ATTACHMENT: &str =
    "SELECT a.id, a.kind, a.worker, a.file_id, a.issued_on, f.name, f.media_type, f.size, a.created_at
     FROM plan_attachments a JOIN files f ON f.id = a.file_id";

/// The plan's attachments in upload order.
pub async fn attachments(conn: &mut AnyConnection, plan_id: i64) -> Result<Vec<Attachment>, sqlx::Error> {
    let sql = format!("{ATTACHMENT} WHERE a.plan_id = $1 ORDER BY a.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(plan_id).fetch_all(conn).await?;
    rows.iter().map(attachment).collect()
}

/// Attachment `id` of the organization's plan; None for another organization's.
pub async fn attachment_of(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    id: i64,
) -> Result<Option<Attachment>, sqlx::Error> {
    let sql = format!(
        "{ATTACHMENT} JOIN acceptance_plans p ON p.id = a.plan_id
         WHERE p.portal = $1 AND p.organization_id = $2 AND f.owner_organization_id = $2 AND a.id = $3"
    );
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(organization_id).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(attachment).transpose()
}

pub struct NewAttachment<'a> {
    pub plan_id: i64,
    pub kind: &'a str,
    pub worker: Option<i64>,
    pub file_id: i64,
    pub issued_on: Option<&'a str>,
}

pub async fn add_attachment(conn: &mut AnyConnection, new: &NewAttachment<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO plan_attachments (plan_id, kind, worker, file_id, issued_on, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(new.plan_id)
    .bind(new.kind)
    .bind(new.worker)
    .bind(new.file_id)
    .bind(new.issued_on)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// The files of one kind (and worker) already attached: the per-kind limit counts them.
pub async fn count_of_kind(
    conn: &mut AnyConnection,
    plan_id: i64,
    kind: &str,
    worker: Option<i64>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM plan_attachments WHERE plan_id = $1 AND kind = $2
         AND ((worker IS NULL AND $3 IS NULL) OR worker = $3)",
    )
    .bind(plan_id)
    .bind(kind)
    .bind(worker)
    .fetch_one(conn)
    .await
}

/// Removes an attachment and its stored file.
pub async fn remove_attachment(conn: &mut AnyConnection, portal: &str, a: &Attachment) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM plan_attachments WHERE id = $1").bind(a.id).execute(&mut *conn).await?;
    madoguchi_store::files::delete(conn, portal, a.file_id).await?;
    Ok(())
}

// ---- the reviewing office's side (migration 0029) ----

/// Plan `id` as the office `bureau` may see it: only a plan applied for to that office; None
/// for another office's, another portal's or an unknown id (the console answers 404).
pub async fn for_bureau(
    conn: &mut AnyConnection,
    portal: &str,
    bureau: &str,
    id: i64,
) -> Result<Option<Plan>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM acceptance_plans WHERE portal = $1 AND bureau = $2 AND id = $3");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(bureau).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(plan).transpose()
}

/// One line of an office's list: the plan, its organization and its review round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLine {
    pub plan_id: i64,
    pub organization_name: String,
    pub state: String,
    /// 1 for the first 申請, more for each 補正 (or new 申請 after 不認定).
    pub revision: i64,
    pub submitted_at: i64,
    /// A round after 認定: a 変更申請.
    pub change: bool,
}

/// The office's plans in `states` (review states, e.g. `under_review`) whose round started at
/// or after `since`, oldest round first. The office is bound in the query: another office's
/// plans are never read.
pub async fn bureau_queue(
    conn: &mut AnyConnection,
    portal: &str,
    bureau: &str,
    states: &[&str],
    since: i64,
    limit: i64,
) -> Result<Vec<QueueLine>, sqlx::Error> {
    if states.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..states.len()).map(|i| format!("${}", i + 5)).collect();
    let sql = format!(
        "SELECT p.id, o.name AS organization_name, r.state, r.revision, r.submitted_at, r.approved_revision
         FROM acceptance_plans p
         JOIN review_items r ON r.portal = p.portal AND r.kind = $2 AND r.item_id = p.id
         JOIN organizations o ON o.id = p.organization_id
         WHERE p.portal = $1 AND p.bureau = $3 AND r.submitted_at >= $4 AND r.state IN ({})
         ORDER BY r.submitted_at, p.id LIMIT {limit}",
        marks.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(crate::KIND).bind(bureau).bind(since);
    for s in states {
        query = query.bind(*s);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(QueueLine {
                plan_id: r.try_get("id")?,
                organization_name: r.try_get("organization_name")?,
                state: r.try_get("state")?,
                revision: r.try_get("revision")?,
                submitted_at: r.try_get("submitted_at")?,
                change: r.try_get::<Option<i64>, _>("approved_revision")?.is_some(),
            })
        })
        .collect()
}

/// 認定: the 認定番号 and the 認定日 (YYYY-MM-DD).
pub async fn certified(
    conn: &mut AnyConnection,
    plan_id: i64,
    approval_number: &str,
    certified_on: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE acceptance_plans SET approval_number = $2, certified_on = $3, updated_at = $4 WHERE id = $1")
        .bind(plan_id)
        .bind(approval_number)
        .bind(certified_on)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The attachment of `plan_id` that holds file `file_id` (the file a snapshot names); None when
/// the plan has no such file (any more).
pub async fn attachment_by_file(
    conn: &mut AnyConnection,
    plan_id: i64,
    file_id: i64,
) -> Result<Option<Attachment>, sqlx::Error> {
    let sql = format!("{ATTACHMENT} WHERE a.plan_id = $1 AND a.file_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(plan_id).bind(file_id).fetch_optional(conn).await?;
    row.as_ref().map(attachment).transpose()
}

/// The comments of one 補正依頼 (`seq`: its review event), section by section.
pub async fn add_comments(
    conn: &mut AnyConnection,
    plan_id: i64,
    seq: i64,
    comments: &[(String, String)],
) -> Result<(), sqlx::Error> {
    for (section, body) in comments {
        sqlx::query("INSERT INTO plan_review_comments (plan_id, seq, section, body) VALUES ($1, $2, $3, $4)")
            .bind(plan_id)
            .bind(seq)
            .bind(section)
            .bind(body)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The per-section comments of the 補正依頼 recorded as review event `seq`: (section, body).
pub async fn comments(conn: &mut AnyConnection, plan_id: i64, seq: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT section, body FROM plan_review_comments WHERE plan_id = $1 AND seq = $2 ORDER BY id")
            .bind(plan_id)
            .bind(seq)
            .fetch_all(conn)
            .await?;
    rows.iter().map(|r| Ok((r.try_get("section")?, r.try_get("body")?))).collect()
}
