//! The Web応募 mails of jrec-in §1.12, queued in the step's transaction (the outbox).
//!
//! - To the seeker, in the language applied in: 受付 (with the 応募受付ID), 応募状況の更新 (only
//!   when the institution chose 通知する), 再提出のお願い. Never the 求人機関備考.
//! - To the institution: a new application, a 再提出. They go to the posting's 問い合わせ先
//!   address where it has one, else to every active user of the organization (as the postings'
//!   mails do), in Japanese, and carry the 応募受付ID but no data of the applicant: the name,
//!   address and document are read on the signed-in pages, never sent around by mail.

use crate::status::Status;
use crate::store::Application;
use madoguchi_core::{Lang, Portal};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::Conn;
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::i18n::Tr;
use madoguchi_web::state::AppState;

/// Where the institution's mails go: the posting's contact address, else its users.
pub(crate) async fn institution_addresses(
    conn: &mut Conn,
    organization_id: i64,
    contact: Option<&str>,
) -> Result<Vec<String>, AppError> {
    Ok(match contact {
        Some(address) => vec![address.to_string()],
        None => madoguchi_store::users::organization_emails(conn, organization_id).await?,
    })
}

/// Queues one mail of `kind` with `values` to each of the institution's addresses
/// ([`institution_addresses`]), in Japanese as every mail to an institution.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn queue_to_institution(
    state: &AppState,
    conn: &mut Conn,
    portal: &Portal,
    organization_id: i64,
    contact: Option<&str>,
    kind: MailKind,
    values: &[(&str, &str)],
    now: i64,
) -> Result<(), AppError> {
    let from = portal.settings.name.get(Lang::Ja);
    for to in institution_addresses(conn, organization_id, contact).await? {
        let envelope = Envelope { portal: &portal.id, from_name: from, to: &to, lang: Lang::Ja };
        madoguchi_mail::queue(conn, &envelope, kind, values, state.mailer.domain(), now).await?;
    }
    Ok(())
}

pub(crate) async fn organization_name(conn: &mut Conn, id: i64) -> Result<String, AppError> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
    Ok(name.unwrap_or_default())
}

/// Mails `kind` about `app` to its institution.
pub async fn to_institution(
    state: &AppState,
    conn: &mut Conn,
    portal: &Portal,
    app: &Application,
    contact: Option<&str>,
    kind: MailKind,
) -> Result<(), AppError> {
    let now = state.clock.unix();
    let organization = organization_name(conn, app.organization_id).await?;
    let url = portal.url(&format!("/applications/postings/{}", app.posting_id));
    let at = format_ts(now, Lang::Ja);
    let receipt = app.receipt_id.clone().unwrap_or_default();
    let values = [
        ("organization", organization.as_str()),
        ("data_number", &app.data_number),
        ("title", &app.title),
        ("receipt_id", &receipt),
        ("at", &at),
        ("url", &url),
    ];
    queue_to_institution(state, conn, portal, app.organization_id, contact, kind, &values, now).await
}

/// What a mail to the seeker says besides the application: the new status, the 通知文.
pub struct ToSeeker<'a> {
    pub kind: MailKind,
    pub status: Option<Status>,
    pub notice: &'a str,
}

/// Mails the seeker about `app`; nothing when the account is gone (退会).
pub async fn to_seeker(
    state: &AppState,
    conn: &mut Conn,
    portal: &Portal,
    app: &Application,
    mail: &ToSeeker<'_>,
) -> Result<(), AppError> {
    let Some(seeker) = app.seeker_id else { return Ok(()) };
    // After the retention purge the application's copy of the name and address is gone: the
    // applicant is still told, at the account's own (the account is the applicant's, who may
    // read it anyway on 応募履歴).
    let account = if app.purged() {
        match madoguchi_store::users::by_id(conn, seeker).await? {
            Some(user) if user.portal == portal.id => Some((user.name, user.email)),
            _ => return Ok(()),
        }
    } else {
        None
    };
    let (name, email) =
        account.as_ref().map_or((app.name.as_str(), app.email.as_str()), |(n, e)| (n.as_str(), e.as_str()));
    let now = state.clock.unix();
    let lang = Lang::parse(&app.lang).unwrap_or(Lang::Ja);
    let t = Tr::for_lang(lang);
    let organization = organization_name(conn, app.organization_id).await?;
    let url = portal.url(&format!("/seeker/applications/{}", app.id));
    let at = format_ts(now, lang);
    let receipt = app.receipt_id.clone().unwrap_or_default();
    let status = mail.status.map(|s| t.get(s.key()).to_string()).unwrap_or_default();
    let notice = if mail.notice.is_empty() {
        String::new()
    } else {
        let indented: Vec<String> = mail.notice.lines().map(|l| format!("  {l}")).collect();
        format!("\n\n{}\n{}", t.get("app.mail.notice"), indented.join("\n"))
    };
    let from = match &portal.settings.seekers.name {
        Some(name) => name.get(lang),
        None => portal.settings.name.get(lang),
    };
    let values = [
        ("name", name),
        ("organization", &organization),
        ("data_number", &app.data_number),
        ("title", &app.title),
        ("receipt_id", &receipt),
        ("file", &app.file_name),
        ("status", &status),
        ("notice", &notice),
        ("at", &at),
        ("url", &url),
    ];
    madoguchi_mail::queue(
        conn,
        &Envelope { portal: &portal.id, from_name: from, to: email, lang },
        mail.kind,
        &values,
        state.mailer.domain(),
        now,
    )
    .await?;
    Ok(())
}
