//! The change mails (§3.8) to the users of a contract — sent, 労金処理済 (反映), the deadline
//! reminder — and the reminder's job. A mail names the サイクル, the receipt number and the
//! deadline, never a worker or an amount (personal data stays behind the client certificate).

use crate::rules;
use chrono::NaiveDate;
use madoguchi_core::{Lang, Portal};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::Conn;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::state::AppState;
use sqlx::Row;

/// Queues `kind` to every active user of the contract (master and general users) on `conn`,
/// the event's transaction. `values` adds to portal, organization, at, url and help_desk.
pub async fn mail_contract(
    state: &AppState,
    conn: &mut Conn,
    portal: &Portal,
    contract: i64,
    kind: MailKind,
    path: &str,
    values: &[(&str, &str)],
) -> Result<usize, AppError> {
    let now = state.clock.unix();
    let users = sqlx::query(
        "SELECT u.email, o.name AS organization FROM users u JOIN contracts c ON c.organization_id = u.organization_id
           JOIN organizations o ON o.id = c.organization_id
          WHERE c.id = $1 AND c.portal = $2 AND u.withdrawn_at IS NULL AND u.disabled_at IS NULL ORDER BY u.id",
    )
    .bind(contract)
    .bind(&portal.id)
    .fetch_all(&mut *conn)
    .await?;
    let lang = Lang::Ja;
    let portal_name = portal.settings.name.get(lang);
    let help_desk = madoguchi_web::pages::landing::help_desk_text(conn, portal, lang).await?;
    let at = format_ts(now, lang);
    let url = portal.url(path);
    for user in &users {
        let email: String = user.try_get("email")?;
        let organization: String = user.try_get("organization")?;
        let mut all: Vec<(&str, &str)> = vec![
            ("portal", portal_name),
            ("organization", &organization),
            ("at", &at),
            ("url", &url),
            ("help_desk", &help_desk),
        ];
        all.extend_from_slice(values);
        madoguchi_mail::queue(
            conn,
            &Envelope { portal: &portal.id, from_name: portal_name, to: &email, lang },
            kind,
            &all,
            state.mailer.domain(),
            now,
        )
        .await?;
    }
    Ok(users.len())
}

/// The deadline reminder (§3.8): once per サイクル with an unsent draft, from 2 business days
/// before its 変更期限 until the deadline. Idempotent: the delivery's `reminded_at` is claimed
/// in the mail's transaction. Returns how many サイクル were reminded.
pub async fn deadline_reminders(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now_jst();
    let mut reminded = 0;
    for portal in state.config.portals.iter().filter(|p| p.settings.modules.contains(&crate::MODULE)) {
        let overrides = state.calendars.overrides(&state.store, &portal.id).await?;
        let calendar = portal.calendar(&overrides);
        let candidates = {
            let mut conn = state.store.acquire().await?;
            unreminded_drafts(&mut conn, &portal.id).await?
        };
        for (contract, delivery, due_on) in candidates {
            let Ok(due) = NaiveDate::parse_from_str(&due_on, "%Y-%m-%d") else { continue };
            if !rules::reminder_due(&calendar, due, now) {
                continue;
            }
            let deadline = calendar.change_deadline(due).map(rules::deadline_text).unwrap_or_default();
            let mut tx = state.store.begin().await?;
            let claimed =
                sqlx::query("UPDATE zaikei_deliveries SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL")
                    .bind(delivery)
                    .bind(now.timestamp())
                    .execute(&mut *tx)
                    .await?;
            if claimed.rows_affected() != 1 {
                continue;
            }
            let path = format!("/zaikei/send/{delivery}");
            let values = [("due", due_on.as_str()), ("deadline", deadline.as_str())];
            mail_contract(state, &mut tx, portal, contract, MailKind::ZaikeiDeadlineNear, &path, &values).await?;
            let subject = format!("contract:{contract}");
            let entry = AuditEntry {
                portal: &portal.id,
                event: "zaikei.deadline_reminded",
                actor: Some("job"),
                subject: Some(&subject),
                detail: Some(&due_on),
                ..AuditEntry::default()
            };
            audit::record(&mut tx, &entry, now.timestamp()).await?;
            tx.commit().await?;
            reminded += 1;
        }
    }
    if reminded > 0 {
        state.mailer.wake();
    }
    Ok(reminded)
}

/// (contract, delivery, 入金予定日) of the portal's 預入依頼書 whose newest version is an unsent
/// draft and that were not reminded yet.
async fn unreminded_drafts(conn: &mut Conn, portal: &str) -> Result<Vec<(i64, i64, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT d.contract_id, d.id, d.due_on FROM zaikei_deliveries d JOIN contracts c ON c.id = d.contract_id
          WHERE c.portal = $1 AND d.kind = 'deposit' AND d.reminded_at IS NULL
            AND EXISTS (SELECT 1 FROM zaikei_change_sets s WHERE s.delivery_id = d.id AND s.state = 'draft')",
    )
    .bind(portal)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("contract_id")?, r.try_get("id")?, r.try_get("due_on")?))).collect()
}
