//! The mails of jrec-in spec §1.12 to the institution: registered (a new posting or a
//! revision, 「JREC-IN Portal求人公募情報登録完了のお知らせ」 [M-J]), returned (with the
//! 事務局's reason, as python.org's users asked [PY-727]) and withdrawn. Each goes to every
//! active user of the organization, in the step's transaction (the outbox), and names the
//! データ番号, the 求人件名 and the times — no person's data (the posting's contact fields stay
//! out of the mail).

use crate::store::{self, Posting};
use madoguchi_core::{Lang, Portal};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::Conn;
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::state::AppState;

/// Queues `kind` about `posting` to its organization's users; `values` adds to organization,
/// data_number, title, at, url and help_desk. Returns how many were queued.
pub async fn to_institution(
    state: &AppState,
    conn: &mut Conn,
    portal: &Portal,
    posting: &Posting,
    title: &str,
    kind: MailKind,
    values: &[(&str, &str)],
) -> Result<usize, AppError> {
    let now = state.clock.unix();
    let lang = Lang::Ja;
    let emails = store::organization_emails(conn, posting.organization_id).await?;
    let organization: String = sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
        .bind(posting.organization_id)
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or_default();
    let portal_name = portal.settings.name.get(lang);
    let help_desk = madoguchi_web::pages::landing::help_desk_text(conn, portal, lang).await?;
    let at = format_ts(now, lang);
    let url = portal.url("/job-postings/register");
    let data_number = posting.data_number_text();
    for email in &emails {
        let mut all: Vec<(&str, &str)> = vec![
            ("organization", &organization),
            ("data_number", &data_number),
            ("title", title),
            ("at", &at),
            ("url", &url),
            ("help_desk", &help_desk),
        ];
        all.extend_from_slice(values);
        madoguchi_mail::queue(
            conn,
            &Envelope { portal: &portal.id, from_name: portal_name, to: email, lang },
            kind,
            &all,
            state.mailer.domain(),
            now,
        )
        .await?;
    }
    Ok(emails.len())
}
