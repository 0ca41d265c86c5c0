//! The 受入報告's reminders (mlit-plan.md §4.6): 「受入報告の期限が近づいています」 in the 7 days
//! before the deadline and 「受入報告の期限を過ぎています」 from the day after it, to every active
//! user of the organization, each once per worker and deadline. It runs with the server's other
//! periodic jobs (`madoguchi::jobs::spawn`, every five minutes): nothing for the operator to
//! start. Idempotent: each mail is claimed on the worker's row in the mail's transaction, so a
//! second run (or a second instance on one PostgreSQL) sends nothing again; a report filed or a
//! new grant date typed before the claim stops the old deadline's mail.

use crate::mails::{self, Recipients};
use crate::report_store;
use crate::reports::{self, Standing};
use madoguchi_mail::MailKind;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_web::error::AppError;
use madoguchi_web::state::AppState;

/// Sends the reminders due now; how many were queued (one per worker and kind).
pub async fn reminders(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.unix();
    let today = crate::pages::today(now)?;
    let mut sent = 0;
    for portal in state.config.portals.iter().filter(|p| p.settings.modules.contains(&crate::MODULE)) {
        let awaited = {
            let mut conn = state.store.acquire().await?;
            report_store::awaited(&mut conn, &portal.id).await?
        };
        for a in awaited {
            let Ok(due) = crate::ids::date(&a.due_on) else { continue };
            let Some(which) = reports::reminder(due, today, a.soon_sent, a.overdue_sent) else { continue };
            let overdue = which == Standing::Overdue;
            let mut tx = state.store.begin().await?;
            if !report_store::claim_reminder(&mut tx, a.plan_id, a.worker, &a.due_on, overdue, now).await? {
                continue;
            }
            let (kind, event) = if overdue {
                (MailKind::PlanArrivalOverdue, "plan.arrival_overdue_mailed")
            } else {
                (MailKind::PlanArrivalDueSoon, "plan.arrival_due_mailed")
            };
            let to = Recipients { organization: a.organization_id, bureau: &a.bureau, path: "/plan/reports" };
            mails::to_organization_at(state, &mut tx, portal, &to, kind, &[("due", &a.due_on)]).await?;
            let subject = format!("organization:{}", a.organization_id);
            let detail = format!("plan {} worker {} due {}", a.plan_id, a.worker, a.due_on);
            let entry = AuditEntry {
                portal: &portal.id,
                event,
                actor: Some("job"),
                subject: Some(&subject),
                detail: Some(&detail),
                ..AuditEntry::default()
            };
            audit::record(&mut tx, &entry, now).await?;
            tx.commit().await?;
            sent += 1;
        }
    }
    if sent > 0 {
        state.mailer.wake();
    }
    Ok(sent)
}
