//! One delivery in (spec §3.4): the console's upload and `madoguchi zaikei import` both come
//! here with the file's bytes. The file is parsed whole ([`crate::layout::parse`]); a delivery
//! with the same key is replaced only while the employer has changed nothing in it, else only
//! when the operator confirmed 「変更内容を破棄して再取込」. The delivery, the audit event (the
//! contract's organization as subject) and the 受信 mails to the contract's users are written in
//! the caller's transaction: all of it, or nothing.

use crate::kinds::DeliveryKind;
use crate::layout::Parsed;
use crate::store;
use chrono::{DateTime, NaiveDate};
use madoguchi_core::Lang;
use madoguchi_core::clock::JST;
use madoguchi_core::portal::Portal;
use madoguchi_mail::{Envelope, MailKind, QueueError};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::{Conn, users};

/// Who imports, for the audit log: `operator:<id>` with the request's address, or `cli`.
pub struct Importer<'a> {
    pub actor: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// The contract a delivery is for.
pub struct Target<'a> {
    pub portal: &'a Portal,
    pub contract_id: i64,
    pub organization_id: i64,
    pub organization_name: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored; `replaced`: an earlier delivery with the same key went.
    Imported { delivery: i64, replaced: bool, mailed: usize },
    /// A delivery with the same key has employer changes; nothing was done.
    ChangesExist { delivery: i64 },
}

#[derive(Debug)]
pub enum ImportError {
    Db(sqlx::Error),
    Mail(QueueError),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Db(e)
    }
}

impl From<QueueError> for ImportError {
    fn from(e: QueueError) -> Self {
        ImportError::Mail(e)
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Db(e) => write!(f, "database: {e}"),
            ImportError::Mail(e) => write!(f, "mail: {e}"),
        }
    }
}

impl std::error::Error for ImportError {}

/// `7月25日` (ja) or `25 Jul` (en) of an ISO date.
pub fn month_day(iso: &str, lang: Lang) -> String {
    match NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(d) if lang == Lang::Ja => d.format("%-m月%-d日").to_string(),
        Ok(d) => d.format("%-d %b %Y").to_string(),
        Err(_) => iso.to_string(),
    }
}

/// Stores a parsed file for the contract (see the module's doc), in `tx`.
#[allow(clippy::too_many_arguments)]
pub async fn import(
    tx: &mut Conn,
    target: &Target<'_>,
    parsed: &Parsed,
    file_name: &str,
    importer: &Importer<'_>,
    discard_changes: bool,
    mail_domain: &str,
    now: i64,
) -> Result<Outcome, ImportError> {
    let contract = target.contract_id;
    let existing = store::by_key(tx, contract, parsed.kind, parsed.cycle, &parsed.due_on).await?;
    let mut replaced = false;
    if let Some(old) = existing {
        if store::has_employer_changes(tx, contract, old.id).await? && !discard_changes {
            return Ok(Outcome::ChangesExist { delivery: old.id });
        }
        store::import::delete_delivery(tx, contract, old.id).await?;
        replaced = true;
    }
    let delivery = store::import::insert(tx, contract, parsed, file_name, importer.actor, now).await?;
    store::import::refresh_statistics(tx).await?;
    let subject = format!("organization:{}", target.organization_id);
    let event = if replaced { "zaikei.reimported" } else { "zaikei.imported" };
    let cycle = parsed.cycle.map(|c| format!(" {}", c.label())).unwrap_or_default();
    let detail = format!(
        "{}{cycle} {} {} ({}, {}件){}",
        parsed.kind.label(),
        parsed.kind.date_label(),
        parsed.due_on,
        file_name,
        parsed.rows.len(),
        if discard_changes && replaced { " 変更内容を破棄して再取込" } else { "" }
    );
    let entry = AuditEntry {
        portal: &target.portal.id,
        event,
        actor: Some(importer.actor),
        subject: Some(&subject),
        ip: importer.ip,
        user_agent: importer.user_agent,
        detail: Some(&detail),
    };
    audit::record(tx, &entry, now).await?;
    let mailed = mail_users(tx, target, parsed, mail_domain, now).await?;
    Ok(Outcome::Imported { delivery, replaced, mailed })
}

/// The 受信 mail (or アラーム受信) to every active user of the contract: what arrived and when,
/// never a worker's name or an amount.
async fn mail_users(
    tx: &mut Conn,
    target: &Target<'_>,
    parsed: &Parsed,
    mail_domain: &str,
    now: i64,
) -> Result<usize, ImportError> {
    let recipients = users::of_organization(tx, target.organization_id).await?;
    let recipients: Vec<_> = recipients
        .into_iter()
        .filter(|u| u.withdrawn_at.is_none() && u.disabled_at.is_none() && !u.email.is_empty())
        .collect();
    let lang = Lang::Ja;
    let portal_name = target.portal.settings.mail_name().get(lang);
    let at = DateTime::from_timestamp(now, 0)
        .map(|d| d.with_timezone(&JST).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let url = target.portal.url("/login");
    let date = month_day(&parsed.due_on, lang);
    let kind =
        if parsed.kind == DeliveryKind::Alarm { MailKind::ZaikeiAlarmReceived } else { MailKind::ZaikeiReceived };
    for user in &recipients {
        let envelope = Envelope { portal: &target.portal.id, from_name: portal_name, to: &user.email, lang };
        let values = [
            ("portal", portal_name),
            ("organization", target.organization_name),
            ("kind", parsed.kind.label()),
            ("date_label", parsed.kind.date_label()),
            ("date", date.as_str()),
            ("at", at.as_str()),
            ("url", url.as_str()),
        ];
        madoguchi_mail::queue(tx, &envelope, kind, &values, mail_domain, now).await?;
    }
    Ok(recipients.len())
}
