//! The unused-account expiry (jrec-in §1.8.7, `rules::Expiry`): a seeker account without a
//! login for `seekers.unused_days` (3 years) gets a notice mail; `seekers.notice_days` (30)
//! later it is deleted unless its owner logged in meanwhile. The binary runs [`run`] with its
//! other jobs (every few minutes; each step is claimed in one statement, so several instances
//! do each once, and running it again the same day does nothing).

use crate::rules::Expiry;
use crate::{area_name, store, subject};
use madoguchi_core::Lang;
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::state::AppState;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub noticed: usize,
    pub deleted: usize,
}

pub async fn run(state: &AppState) -> Result<Outcome, AppError> {
    let now = state.clock.unix();
    let mut outcome = Outcome::default();
    for portal in state.config.portals.iter().filter(|p| p.settings.modules.contains(&crate::MODULE)) {
        let rule = Expiry::of(&portal.settings.seekers);
        let mut tx = state.store.begin().await?;
        for gone in store::delete_expired(&mut tx, &portal.id, rule.notice_seconds, now).await? {
            let subject = subject(gone);
            let entry = AuditEntry {
                portal: &portal.id,
                event: "seeker.expired",
                actor: Some("job"),
                subject: Some(&subject),
                ..AuditEntry::default()
            };
            audit::record(&mut tx, &entry, now).await?;
            outcome.deleted += 1;
        }
        for due in store::claim_expiry_notices(&mut tx, &portal.id, rule.unused_seconds, now).await? {
            let lang = Lang::parse(&due.lang).unwrap_or_default();
            let t = madoguchi_web::i18n::Tr::for_lang(lang);
            let name = area_name(portal, lang);
            let years = portal.settings.seekers.unused_days / 365;
            let unused = if portal.settings.seekers.unused_days % 365 == 0 {
                t.get("seeker.expiry.years").replace("{n}", &years.to_string())
            } else {
                t.get("seeker.expiry.days").replace("{n}", &portal.settings.seekers.unused_days.to_string())
            };
            // The deletion runs on the first job round past this moment.
            let deadline = format_ts(rule.deletes_at(now), lang);
            let url = portal.url("/seeker/login");
            madoguchi_mail::queue(
                &mut tx,
                &Envelope { portal: &portal.id, from_name: name, to: &due.email, lang },
                MailKind::SeekerExpiring,
                &[
                    ("portal", name),
                    ("name", &due.name),
                    ("user_id", &due.seeker_id),
                    ("unused", &unused),
                    ("deadline", &deadline),
                    ("url", &url),
                ],
                state.mailer.domain(),
                now,
            )
            .await?;
            let subject = subject(due.user_id);
            let entry = AuditEntry {
                portal: &portal.id,
                event: "seeker.expiry_noticed",
                actor: Some("job"),
                subject: Some(&subject),
                ..AuditEntry::default()
            };
            audit::record(&mut tx, &entry, now).await?;
            outcome.noticed += 1;
        }
        tx.commit().await?;
    }
    if outcome.noticed > 0 {
        state.mailer.wake();
    }
    Ok(outcome)
}
