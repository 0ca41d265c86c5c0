//! Scheduled work. Each job claims what it does with an atomic update, so that several
//! instances on one PostgreSQL do each piece once; `serve` runs them every few minutes.

use madoguchi_core::Lang;
use madoguchi_core::rules::{CertificateRule, DAY, ExpiryRule, purge_cutoff};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::{certificates, limits, users};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::state::AppState;
use std::time::Duration;

/// A reminder mail, once per password, when it enters the portal's warning window
/// (mlit-fwms: 7 days before the 180-day expiry). Our addition to the manual's on-screen
/// prompt. Returns how many were queued.
pub async fn password_expiry_reminders(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.unix();
    let mut queued = 0;
    for portal in &state.config.portals {
        let Some(rule) = ExpiryRule::of(&portal.settings.password) else { continue };
        let mut tx = state.store.begin().await?;
        let due = users::claim_expiry_reminders(&mut tx, &portal.id, &rule, now).await?;
        let portal_name = portal.settings.name.get(Lang::Ja);
        for user in &due {
            let expires = format_ts(rule.expires_at(user.password_changed_at), Lang::Ja);
            madoguchi_mail::queue(
                &mut tx,
                &Envelope { portal: &portal.id, from_name: portal_name, to: &user.email, lang: Lang::Ja },
                MailKind::PasswordExpiring,
                &[("portal", portal_name), ("name", &user.name), ("expires", &expires)],
                state.mailer.domain(),
                now,
            )
            .await?;
            let subject = format!("user:{}", user.id);
            let entry = AuditEntry {
                portal: &portal.id,
                event: "password.expiry_reminded",
                actor: Some("job"),
                subject: Some(&subject),
                ..AuditEntry::default()
            };
            audit::record(&mut tx, &entry, now).await?;
        }
        tx.commit().await?;
        queued += due.len();
    }
    if queued > 0 {
        state.mailer.wake();
    }
    Ok(queued)
}

/// Deletes accounts withdrawn longer ago than the portal keeps them (hellowork: from day 31
/// a former user must go to the office). Returns how many went.
pub async fn purge_withdrawn(state: &AppState) -> Result<u64, AppError> {
    let now = state.clock.unix();
    let mut purged = 0;
    for portal in &state.config.portals {
        let Some(w) = &portal.settings.withdrawal else { continue };
        let mut tx = state.store.begin().await?;
        let gone = users::purge_withdrawn(&mut tx, &portal.id, purge_cutoff(w, now)).await?;
        if gone > 0 {
            let detail = format!("{gone} account(s)");
            let entry = AuditEntry {
                portal: &portal.id,
                event: "account.purged",
                actor: Some("job"),
                detail: Some(&detail),
                ..AuditEntry::default()
            };
            audit::record(&mut tx, &entry, now).await?;
        }
        tx.commit().await?;
        purged += gone;
    }
    Ok(purged)
}

/// rokin: mails each certificate's user once when its renewal window opens (30 days before
/// expiry) and once when it expired unrenewed; drops .p12 files whose download window passed.
/// Returns how many mails were queued.
pub async fn certificate_mails(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.unix();
    let mut queued = 0;
    {
        let mut conn = state.store.acquire().await?;
        certificates::end_downloads(&mut conn, now).await?;
    }
    for portal in &state.config.portals {
        let Some(rule) = CertificateRule::of(&portal.settings.second_factor, 1) else { continue };
        let mut tx = state.store.begin().await?;
        let renewals = certificates::claim_renewal_mails(&mut tx, &portal.id, rule.renew_before, now).await?;
        let expired = certificates::claim_expiry_mails(&mut tx, &portal.id, now).await?;
        let days = (rule.renew_before / DAY).to_string();
        let due = renewals
            .iter()
            .map(|c| (c, MailKind::CertificateRenewal, "certificate.renewal_mailed"))
            .chain(expired.iter().map(|c| (c, MailKind::CertificateExpired, "certificate.expiry_mailed")));
        for (cert, kind, event) in due {
            let Some(user) = (match cert.user_id {
                Some(id) => users::by_id(&mut tx, id).await?,
                None => None,
            }) else {
                continue;
            };
            let values = [
                ("subject", cert.subject.clone()),
                ("not_after", format_ts(cert.not_after, Lang::Ja)),
                ("days", days.clone()),
            ];
            madoguchi_rokin::certificate::mail_certificate(state, &mut tx, portal, &user, kind, &values, Lang::Ja)
                .await?;
            let subject = format!("user:{}", user.id);
            let entry = AuditEntry {
                portal: &portal.id,
                event,
                actor: Some("job"),
                subject: Some(&subject),
                detail: Some(&cert.serial),
                ..AuditEntry::default()
            };
            audit::record(&mut tx, &entry, now).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    if queued > 0 {
        state.mailer.wake();
    }
    Ok(queued)
}

/// Forgets rate-limit keys whose window has passed (`madoguchi_store::limits`).
pub async fn purge_rate_limits(state: &AppState) -> Result<u64, AppError> {
    let mut tx = state.store.begin().await?;
    let gone = limits::purge(&mut tx, state.clock.unix()).await?;
    tx.commit().await?;
    Ok(gone)
}

/// 財形: deletes the deliveries beyond the 3 most recent per contract and kind (spec §3.4;
/// the screens stop listing them at once, this frees the space). Idempotent and cheap when there
/// is nothing to delete, so it runs with the other jobs rather than once a day.
pub async fn prune_zaikei(state: &AppState) -> Result<u64, AppError> {
    let mut pruned = 0;
    for portal in state.config.portals.iter().filter(|p| p.settings.modules.contains(&madoguchi_zaikei::MODULE)) {
        let mut tx = state.store.begin().await?;
        let gone = madoguchi_zaikei::store::prune(&mut tx, &portal.id).await?;
        if gone > 0 {
            let detail = format!("{gone} delivery(ies)");
            let entry = AuditEntry {
                portal: &portal.id,
                event: "zaikei.pruned",
                actor: Some("job"),
                detail: Some(&detail),
                ..AuditEntry::default()
            };
            audit::record(&mut tx, &entry, state.clock.unix()).await?;
        }
        tx.commit().await?;
        pruned += gone;
    }
    Ok(pruned)
}

/// Runs the jobs every five minutes until the process ends.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(error) = password_expiry_reminders(&state).await {
                tracing::warn!(%error, "password expiry reminders failed; retrying later");
            }
            if let Err(error) = certificate_mails(&state).await {
                tracing::warn!(%error, "certificate mails failed; retrying later");
            }
            if let Err(error) = purge_withdrawn(&state).await {
                tracing::warn!(%error, "purging withdrawn accounts failed; retrying later");
            }
            if let Err(error) = madoguchi_zaikei::notify::deadline_reminders(&state).await {
                tracing::warn!(%error, "財形 deadline reminders failed; retrying later");
            }
            if let Err(error) = purge_rate_limits(&state).await {
                tracing::warn!(%error, "purging rate limits failed; retrying later");
            }
            if let Err(error) = madoguchi_seekers::expiry::run(&state).await {
                tracing::warn!(%error, "the seekers' unused-account expiry failed; retrying later");
            }
            if let Err(error) = madoguchi_acceptance_plan::report_job::reminders(&state).await {
                tracing::warn!(%error, "受入報告 reminders failed; retrying later");
            }
            if let Err(error) = madoguchi_applications::reminder::run(&state).await {
                tracing::warn!(%error, "Web応募 result reminders failed; retrying later");
            }
            if let Err(error) = madoguchi_applications::retention::run(&state).await {
                tracing::warn!(%error, "Web応募 retention (notice, purge) failed; retrying later");
            }
            if let Err(error) = prune_zaikei(&state).await {
                tracing::warn!(%error, "pruning old 財形 deliveries failed; retrying later");
            }
            tokio::time::sleep(Duration::from_secs(300)).await;
        }
    })
}
