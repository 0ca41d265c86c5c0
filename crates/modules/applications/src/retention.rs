//! The retention of applications (jrec-in §1.13 「applications retained」, modules README §6.3
//! decision 4; docs/APPLICATIONS.md "Retention"): the applications of a posting are kept until
//! 募集終了日 + `[applications] retention_days` (365), then the documents' bytes and the
//! applicant data are erased; 30 days before, the institution gets ONE mail
//! 「応募書類の保存期間が終了します」 with the day and the count, so it can save what it must
//! keep (応募情報一覧's ZIP).
//!
//! It runs with the server's other periodic jobs (`madoguchi::jobs::spawn`). Each step is
//! claimed in its own transaction by the posting's row in `application_retention` (migration
//! 0037): `noticed_at` goes in with the mail, `purged_at` with the erasure, each only where it
//! was NULL, so a second run or a second instance finds the step done.
//!
//! What the purge keeps: the application row with its 応募受付ID, status, dates and posting
//! (the institution's list and the seeker's 応募履歴 still show them), and the `files` row
//! its `file_id` names, emptied (`files::erase`: no bytes, no name, size 0). What it erases:
//! the document, 氏名, フリガナ, メールアドレス, 電話番号, 現所属, the message and the
//! 求人機関備考 (the institution's notes about a person are personal data too). Drafts never
//! filed are deleted with their documents on the same day, without a notice (the institution
//! never saw them). A posting without 募集終了日 is never purged: there is no day to count
//! from, and its applications go when the posting is deleted.

use madoguchi_core::relay::day_start;
use madoguchi_core::rules::DAY;
use madoguchi_mail::MailKind;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::files;
use madoguchi_web::applying::{Directory, PostingFacts};
use madoguchi_web::error::AppError;
use madoguchi_web::state::AppState;
use sqlx::{AnyConnection, Row};

/// How many days before the purge the institution is told.
pub const NOTICE_DAYS: i64 = 30;

/// 00:00 JST of 募集終了日 + `retention_days`, the purge day (`ends_at` is the first second
/// after 募集終了日 23:59:59 JST, i.e. 00:00 JST of the day after it).
pub fn purge_at(ends_at: i64, retention_days: u32) -> i64 {
    ends_at + (i64::from(retention_days) - 1) * DAY
}

/// What a posting's applications are due for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Nothing,
    Notice,
    Purge,
}

/// The step due at `now` for a posting that ends at `ends_at` (None: no 募集終了日, never),
/// whose notice went at `noticed_at`. The notice is due from 30 days before the purge day;
/// the purge from the purge day, and never earlier than 30 days (counted in JST days) after a
/// notice: when the notice went late (the job was down, the period was shortened) the purge
/// waits, so the institution always has its 30 days. `needs_notice`: false for a posting
/// with nothing filed (only drafts, which the institution never saw), purged on the day.
pub fn due(ends_at: Option<i64>, retention_days: u32, noticed_at: Option<i64>, needs_notice: bool, now: i64) -> Step {
    let Some(ends_at) = ends_at else { return Step::Nothing };
    let purge = purge_at(ends_at, retention_days);
    if !needs_notice {
        return if now >= purge { Step::Purge } else { Step::Nothing };
    }
    match noticed_at {
        None if now >= purge - NOTICE_DAYS * DAY => Step::Notice,
        None => Step::Nothing,
        Some(at) if now >= purge.max(day_start(at) + NOTICE_DAYS * DAY) => Step::Purge,
        Some(_) => Step::Nothing,
    }
}

/// The portal's postings with applications not yet purged that could be due now: every
/// application was created before its posting's end, so a posting whose newest row is
/// younger than the notice's offset cannot be due (this keeps the job from asking the
/// postings module about every recent posting every few minutes).
async fn candidates(conn: &mut AnyConnection, portal: &str, before: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT posting_id FROM applications WHERE portal = $1 AND purged_at IS NULL
         GROUP BY posting_id HAVING MAX(created_at) < $2 ORDER BY posting_id",
    )
    .bind(portal)
    .bind(before)
    .fetch_all(conn)
    .await
}

/// The posting's retention row: when it was noticed, if ever.
async fn noticed_at(conn: &mut AnyConnection, portal: &str, posting: i64) -> Result<Option<i64>, sqlx::Error> {
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT noticed_at FROM application_retention WHERE portal = $1 AND posting_id = $2")
            .bind(portal)
            .bind(posting)
            .fetch_optional(conn)
            .await?;
    Ok(at.flatten())
}

/// The posting's filed applications not yet purged.
async fn filed(conn: &mut AnyConnection, portal: &str, posting: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM applications
         WHERE portal = $1 AND posting_id = $2 AND status <> 'draft' AND purged_at IS NULL",
    )
    .bind(portal)
    .bind(posting)
    .fetch_one(conn)
    .await
}

/// Claims the posting's step (notice or purge) by filling its column of `application_retention`
/// where it is still empty; false when that step went already (this or another instance).
async fn claim(
    conn: &mut AnyConnection,
    portal: &str,
    posting: i64,
    step: Step,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let sql = match step {
        Step::Notice => {
            "INSERT INTO application_retention (portal, posting_id, noticed_at) VALUES ($1, $2, $3)
             ON CONFLICT (portal, posting_id) DO UPDATE SET noticed_at = excluded.noticed_at
             WHERE application_retention.noticed_at IS NULL"
        }
        Step::Purge => {
            "INSERT INTO application_retention (portal, posting_id, purged_at) VALUES ($1, $2, $3)
             ON CONFLICT (portal, posting_id) DO UPDATE SET purged_at = excluded.purged_at
             WHERE application_retention.purged_at IS NULL"
        }
        Step::Nothing => return Ok(false),
    };
    let done = sqlx::query(sql).bind(portal).bind(posting).bind(now).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Postings whose institution was told.
    pub noticed: usize,
    /// Postings whose applications were purged.
    pub purged: usize,
}

/// Sends the notices and does the purges due now.
pub async fn run(state: &AppState) -> Result<Outcome, AppError> {
    let now = state.clock.unix();
    let mut outcome = Outcome::default();
    let Some(directory) = state.service::<Directory>() else { return Ok(outcome) };
    for portal in state.config.portals.iter().filter(|p| p.settings.modules.contains(&crate::MODULE)) {
        let days = portal.settings.applications.retention_days;
        let before = now - (i64::from(days) - 1 - NOTICE_DAYS) * DAY;
        let postings = {
            let mut conn = state.store.acquire().await?;
            candidates(&mut conn, &portal.id, before).await?
        };
        for posting in postings {
            // One posting that fails (a mail that cannot be queued, a row that cannot be read)
            // is tried again at the next run; it never holds up the other postings.
            match one_posting(state, directory, portal, posting, now).await {
                Ok(Step::Notice) => outcome.noticed += 1,
                Ok(Step::Purge) => outcome.purged += 1,
                Ok(Step::Nothing) => {}
                Err(e) => tracing::warn!(portal = %portal.id, posting, error = %e, "retention of a posting failed"),
            }
        }
    }
    if outcome.noticed > 0 {
        state.mailer.wake();
    }
    Ok(outcome)
}

/// The step due for one posting, done in one transaction: what was done (Nothing when it was
/// not due, or another run had claimed it).
async fn one_posting(
    state: &AppState,
    directory: &Directory,
    portal: &madoguchi_core::Portal,
    posting: i64,
    now: i64,
) -> Result<Step, AppError> {
    let days = portal.settings.applications.retention_days;
    let mut tx = state.store.begin().await?;
    let Some(facts) = directory.posting(&mut tx, &portal.id, posting, now).await? else { return Ok(Step::Nothing) };
    let count = filed(&mut tx, &portal.id, posting).await?;
    let noticed = noticed_at(&mut tx, &portal.id, posting).await?;
    let step = due(facts.ends_at, days, noticed, count > 0, now);
    if !claim(&mut tx, &portal.id, posting, step, now).await? {
        return Ok(Step::Nothing);
    }
    match step {
        Step::Notice => notice(state, &mut tx, portal, &facts, count, now).await?,
        Step::Purge => purge(&mut tx, &portal.id, posting, now).await?,
        Step::Nothing => {}
    }
    tx.commit().await?;
    Ok(step)
}

/// The 30-day notice to the institution (in Japanese, as its other mails), and its audit event.
async fn notice(
    state: &AppState,
    tx: &mut AnyConnection,
    portal: &madoguchi_core::Portal,
    facts: &PostingFacts,
    count: i64,
    now: i64,
) -> Result<(), AppError> {
    let days = portal.settings.applications.retention_days;
    // A late notice (the job was down, the period shortened) moves the purge as `due` does: the
    // mail names the day the purge will really run.
    let purge_day = facts.ends_at.map(|end| purge_at(end, days)).unwrap_or(now).max(day_start(now) + NOTICE_DAYS * DAY);
    let purge_date = madoguchi_web::format::local(purge_day).chars().take(10).collect::<String>();
    let organization = crate::mails::organization_name(tx, facts.organization_id).await?;
    let url = portal.url(&format!("/applications/postings/{}", facts.id));
    let count_text = count.to_string();
    let values = [
        ("organization", organization.as_str()),
        ("data_number", &facts.data_number),
        ("title", &facts.title),
        ("end_date", &facts.end_date),
        ("purge_date", &purge_date),
        ("count", &count_text),
        ("url", &url),
    ];
    let (kind, contact) = (MailKind::ApplicationRetentionNotice, facts.contact_email.as_deref());
    crate::mails::queue_to_institution(state, tx, portal, facts.organization_id, contact, kind, &values, now).await?;
    let subject = format!("posting:{}", facts.id);
    let detail = format!("{count} application(s) to be purged on {purge_date}");
    record(tx, &portal.id, "application.retention_noticed", &subject, &detail, now).await
}

/// Erases the posting's filed applications (document bytes, applicant data) and deletes its
/// drafts with their documents; one audit event with the counts.
async fn purge(tx: &mut AnyConnection, portal: &str, posting: i64, now: i64) -> Result<(), AppError> {
    let rows =
        sqlx::query("SELECT id, status FROM applications WHERE portal = $1 AND posting_id = $2 AND purged_at IS NULL")
            .bind(portal)
            .bind(posting)
            .fetch_all(&mut *tx)
            .await?;
    let draft = crate::status::Status::Draft.code();
    let (mut erased, mut drafts) = (0, 0);
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        let status: String = row.try_get("status")?;
        // The file is the one the changed row names (RETURNING): a 再提出 committed since the
        // SELECT above has replaced it, and the replacement is what must go.
        if status == draft {
            let file: Option<i64> =
                sqlx::query_scalar("DELETE FROM applications WHERE id = $1 AND status = $2 RETURNING file_id")
                    .bind(id)
                    .bind(draft)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(file) = file {
                files::delete(tx, portal, file).await?;
                drafts += 1;
            }
        } else {
            let file: Option<i64> = sqlx::query_scalar(
                "UPDATE applications SET name = '', furigana = '', email = '', phone = '', affiliation = '',
                     message = '', note = '', purged_at = $2, version = version + 1, updated_at = $2
                 WHERE id = $1 AND purged_at IS NULL RETURNING file_id",
            )
            .bind(id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(file) = file {
                files::erase(tx, portal, file).await?;
                erased += 1;
            }
        }
    }
    let subject = format!("posting:{posting}");
    let detail = format!("{erased} application(s) purged, {drafts} draft(s) deleted");
    record(tx, portal, "application.documents_purged", &subject, &detail, now).await
}

async fn record(
    tx: &mut AnyConnection,
    portal: &str,
    event: &str,
    subject: &str,
    detail: &str,
    now: i64,
) -> Result<(), AppError> {
    let entry = AuditEntry {
        portal,
        event,
        actor: Some("job"),
        subject: Some(subject),
        detail: Some(detail),
        ..AuditEntry::default()
    };
    audit::record(tx, &entry, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // 募集終了日 2026-11-30: ends at 2026-12-01 00:00 JST (2026-11-30 15:00 UTC).
    const ENDS_AT: i64 = 1_796_050_800;

    #[test]
    fn the_purge_day_is_the_closing_day_plus_the_period_at_midnight_japan_time() {
        // 2026-11-30 + 365 days = 2027-11-30, 00:00 JST = 2027-11-29 15:00 UTC.
        assert_eq!(purge_at(ENDS_AT, 365), 1_827_500_400);
        assert_eq!(madoguchi_web::format::local(purge_at(ENDS_AT, 365)), "2027-11-30T00:00");
    }

    #[test]
    fn the_notice_comes_thirty_days_before_and_the_purge_on_the_day() {
        let purge = purge_at(ENDS_AT, 365);
        let notice = purge - 30 * DAY;
        assert_eq!(madoguchi_web::format::local(notice), "2027-10-31T00:00");
        // The last second of the day before (23:59:59 JST) is not yet; 00:00 JST is.
        assert_eq!(due(Some(ENDS_AT), 365, None, true, notice - 1), Step::Nothing);
        assert_eq!(due(Some(ENDS_AT), 365, None, true, notice), Step::Notice);
        // Noticed on time: nothing until the purge day's 00:00 JST.
        assert_eq!(due(Some(ENDS_AT), 365, Some(notice + 120), true, purge - 1), Step::Nothing);
        assert_eq!(due(Some(ENDS_AT), 365, Some(notice + 120), true, purge), Step::Purge);
        // Without a 募集終了日, never.
        assert_eq!(due(None, 365, None, true, purge + 3650 * DAY), Step::Nothing);
        assert_eq!(due(None, 365, Some(notice), true, purge + 3650 * DAY), Step::Nothing);
    }

    #[test]
    fn a_late_notice_moves_the_purge_so_the_institution_keeps_its_thirty_days() {
        let purge = purge_at(ENDS_AT, 365);
        // The job was down: on the purge day nothing was noticed yet, so the notice goes first.
        assert_eq!(due(Some(ENDS_AT), 365, None, true, purge + 5 * DAY), Step::Notice);
        // Noticed at 23:30 JST of purge day + 5: the purge waits for 00:00 JST 30 days after that day.
        let late = purge + 5 * DAY + 23 * 3600 + 1800;
        let day = day_start(late);
        assert_eq!(day, purge + 5 * DAY);
        assert_eq!(due(Some(ENDS_AT), 365, Some(late), true, day + 30 * DAY - 1), Step::Nothing);
        assert_eq!(due(Some(ENDS_AT), 365, Some(late), true, day + 30 * DAY), Step::Purge);
    }

    #[test]
    fn drafts_alone_need_no_notice() {
        let purge = purge_at(ENDS_AT, 365);
        assert_eq!(due(Some(ENDS_AT), 365, None, false, purge - 1), Step::Nothing);
        assert_eq!(due(Some(ENDS_AT), 365, None, false, purge), Step::Purge);
    }
}
