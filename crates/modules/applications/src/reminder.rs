//! The result reminder (jrec-in §1.9, Beyond; §1.12 「選考結果が未通知の応募があります」): JST
//! asks that every applicant be told the result, so 30 days after a posting's 募集終了日 its
//! institution gets ONE mail listing the applications still in 応募中 / 受理済 / 再提出済 (the
//! 応募受付ID and status of each, never a name) with the link to the posting's 応募情報一覧.
//!
//! It runs with the server's other periodic jobs (`madoguchi::jobs::spawn`). Sent once ever per
//! posting: the posting's row in `application_reminders` (migration 0036) is inserted in the
//! mail's transaction, and its primary key makes a second run, or a second instance on one
//! PostgreSQL, find it claimed. A posting without 募集終了日 gets no reminder (there is no day to
//! count from); a posting whose applicants were all told (or withdrew) gets none either, and
//! an application filed late never reopens a reminder already sent.

use crate::status::Status;
use madoguchi_core::Lang;
use madoguchi_core::rules::DAY;
use madoguchi_mail::MailKind;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_web::applying::Directory;
use madoguchi_web::error::AppError;
use madoguchi_web::i18n::Tr;
use madoguchi_web::state::AppState;
use sqlx::{AnyConnection, Row};

/// The days after 募集終了日 the reminder waits (jrec-in §1.9: 30, a Choice).
pub const AFTER_DAYS: i64 = 30;

/// The statuses that still wait for a result the applicant is told.
pub const WAITING: [Status; 3] = [Status::Applied, Status::Accepted, Status::Resubmitted];

/// Whether the reminder of a posting whose 募集終了日 ends at `ends_at` (the first second after
/// its 23:59:59 JST) is due at `now`: from 00:00 JST of the 30th day after 募集終了日. None (no
/// 募集終了日): never.
pub fn due(ends_at: Option<i64>, now: i64) -> bool {
    ends_at.is_some_and(|end| now >= end + (AFTER_DAYS - 1) * DAY)
}

/// A filed application still waiting for its result.
struct Waiting {
    posting_id: i64,
    organization_id: i64,
    receipt_id: String,
    status: Status,
}

/// Of one posting (read under its claim), or of every posting not yet reminded.
fn waiting_sql(one_posting: bool) -> String {
    let codes: Vec<String> = WAITING.iter().map(|s| format!("'{}'", s.code())).collect();
    let which = if one_posting {
        " AND a.posting_id = $2"
    } else {
        " AND NOT EXISTS (SELECT 1 FROM application_reminders r WHERE r.portal = a.portal AND r.posting_id = a.posting_id)"
    };
    format!(
        "SELECT a.posting_id, a.organization_id, a.receipt_id, a.status FROM applications a
         WHERE a.portal = $1 AND a.status IN ({}){which}
         ORDER BY a.posting_id, a.applied_at, a.id",
        codes.join(", ")
    )
}

fn waiting_row(r: &sqlx::any::AnyRow) -> Result<Waiting, sqlx::Error> {
    let code: String = r.try_get("status")?;
    let status =
        Status::parse(&code).ok_or_else(|| sqlx::Error::Decode(format!("unknown application status {code}").into()))?;
    let receipt: Option<String> = r.try_get("receipt_id")?;
    Ok(Waiting {
        posting_id: r.try_get("posting_id")?,
        organization_id: r.try_get("organization_id")?,
        receipt_id: receipt.unwrap_or_default(),
        status,
    })
}

/// The waiting applications of the portal's postings not yet reminded (`posting`: of one).
async fn waiting(conn: &mut AnyConnection, portal: &str, posting: Option<i64>) -> Result<Vec<Waiting>, sqlx::Error> {
    let sql = waiting_sql(posting.is_some());
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal);
    if let Some(id) = posting {
        query = query.bind(id);
    }
    query.fetch_all(conn).await?.iter().map(waiting_row).collect()
}

/// Claims the posting's reminder; false when it was sent already (by this or another instance).
async fn claim(conn: &mut AnyConnection, portal: &str, posting: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO application_reminders (portal, posting_id, sent_at) VALUES ($1, $2, $3)
         ON CONFLICT (portal, posting_id) DO NOTHING",
    )
    .bind(portal)
    .bind(posting)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sends the reminders due now; how many postings were reminded.
pub async fn run(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.unix();
    let Some(directory) = state.service::<Directory>() else { return Ok(0) };
    let t = Tr::for_lang(Lang::Ja);
    let mut sent = 0;
    for portal in state.config.portals.iter().filter(|p| p.settings.modules.contains(&crate::MODULE)) {
        let mut postings: Vec<i64> = {
            let mut conn = state.store.acquire().await?;
            waiting(&mut conn, &portal.id, None).await?.iter().map(|w| w.posting_id).collect()
        };
        postings.dedup();
        for posting in postings {
            // One posting that fails is tried again at the next run; the others go on.
            match remind(state, directory, portal, posting, now, t).await {
                Ok(true) => sent += 1,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(portal = %portal.id, posting, error = %e, "result reminder of a posting failed")
                }
            }
        }
    }
    if sent > 0 {
        state.mailer.wake();
    }
    Ok(sent)
}

/// The reminder of one posting, in one transaction: whether it was sent now.
async fn remind(
    state: &AppState,
    directory: &Directory,
    portal: &madoguchi_core::Portal,
    posting: i64,
    now: i64,
    t: &Tr,
) -> Result<bool, AppError> {
    let mut tx = state.store.begin().await?;
    let Some(facts) = directory.posting(&mut tx, &portal.id, posting, now).await? else { return Ok(false) };
    if !due(facts.ends_at, now) || !claim(&mut tx, &portal.id, posting, now).await? {
        return Ok(false);
    }
    // Read again under the claim: a status changed since the first look counts.
    let rows = waiting(&mut tx, &portal.id, Some(posting)).await?;
    let Some(first) = rows.first() else { return Ok(false) };
    let list: Vec<String> = rows.iter().map(|w| format!("  {}  {}", w.receipt_id, t.get(w.status.key()))).collect();
    let organization = crate::mails::organization_name(&mut tx, first.organization_id).await?;
    let url = portal.url(&format!("/applications/postings/{posting}"));
    let values = [
        ("organization", organization.as_str()),
        ("data_number", &facts.data_number),
        ("title", &facts.title),
        ("end_date", &facts.end_date),
        ("applications", &list.join("\n")),
        ("url", &url),
    ];
    let (kind, contact) = (MailKind::ApplicationResultReminder, facts.contact_email.as_deref());
    crate::mails::queue_to_institution(state, &mut tx, portal, first.organization_id, contact, kind, &values, now)
        .await?;
    let subject = format!("posting:{posting}");
    let detail = format!("{} application(s) waiting for a result", rows.len());
    let entry = AuditEntry {
        portal: &portal.id,
        event: "application.result_reminded",
        actor: Some("job"),
        subject: Some(&subject),
        detail: Some(&detail),
        ..AuditEntry::default()
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_from_the_thirtieth_day_after_the_closing_day() {
        // 募集終了日 2026-11-30: ends at 2026-12-01 00:00 JST (2026-11-30 15:00 UTC).
        let ends_at = 1_796_050_800;
        // 2026-12-30 00:00 JST is the 30th day after 2026-11-30.
        let day_30 = ends_at + 29 * DAY;
        assert!(!due(Some(ends_at), ends_at));
        assert!(!due(Some(ends_at), day_30 - 1));
        assert!(due(Some(ends_at), day_30));
        assert!(due(Some(ends_at), day_30 + 400 * DAY));
        assert!(!due(None, day_30 + 400 * DAY));
    }
}
