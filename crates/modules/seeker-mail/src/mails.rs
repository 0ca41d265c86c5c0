//! The two mails of 求職者照会メール (jrec-in §1.12), queued in the send's transaction.
//!
//! - To the seeker, in the language the institution chose: 「求人機関から照会メールが届きました」
//!   with the institution's name, the text (the inquiry is itself a relayed mail [M-J]) and the
//!   link to the 受信箱. Never an address of the institution's users.
//! - To the institution user who sent the inquiry (else the organization's users, once that
//!   account is gone): 「求職者照会メールに返信がありました」 with the ユーザID and the link — not
//!   the reply's text and not the seeker's address, even when disclosed: both are read on the
//!   signed-in page, where the reading is audited (personal data does not travel by mail).

use crate::store;
use madoguchi_core::{Lang, Portal};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::Conn;
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::state::AppState;

async fn organization_name(conn: &mut Conn, id: i64) -> Result<String, AppError> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
    Ok(name.unwrap_or_default())
}

/// The inquiry to the seeker.
#[allow(clippy::too_many_arguments)]
pub async fn inquiry(
    state: &AppState,
    conn: &mut Conn,
    portal: &Portal,
    organization_id: i64,
    seeker_user_id: i64,
    thread_id: i64,
    lang: &str,
    body: &str,
) -> Result<(), AppError> {
    let Some((to, _)) = store::seeker_contact(conn, &portal.id, seeker_user_id).await? else {
        return Ok(());
    };
    let now = state.clock.unix();
    let lang = Lang::parse(lang).unwrap_or(Lang::Ja);
    let organization = organization_name(conn, organization_id).await?;
    let url = portal.url(&format!("/seeker/inquiries/{thread_id}"));
    let at = format_ts(now, lang);
    let from = match &portal.settings.seekers.name {
        Some(name) => name.get(lang),
        None => portal.settings.name.get(lang),
    };
    let indented: Vec<String> = body.lines().map(|l| format!("  {l}")).collect();
    let text = indented.join("\n");
    let values = [("organization", organization.as_str()), ("body", &text), ("at", &at), ("url", &url)];
    madoguchi_mail::queue(
        conn,
        &Envelope { portal: &portal.id, from_name: from, to: &to, lang },
        MailKind::SeekerInquiry,
        &values,
        state.mailer.domain(),
        now,
    )
    .await?;
    Ok(())
}

/// The reply-arrived notice to the institution.
pub async fn reply(
    state: &AppState,
    conn: &mut Conn,
    portal: &Portal,
    thread: &madoguchi_store::relay::Thread,
) -> Result<(), AppError> {
    let now = state.clock.unix();
    let lang = Lang::Ja;
    let author = match thread.author_user_id {
        Some(id) => {
            madoguchi_store::users::by_id(conn, id).await?.filter(|u| u.organization_id == Some(thread.organization_id))
        }
        None => None,
    };
    let addresses = match author {
        Some(u) if !u.email.is_empty() => vec![u.email],
        _ => madoguchi_store::users::organization_emails(conn, thread.organization_id).await?,
    };
    let url = portal.url(&format!("/inquiries/{}", thread.id));
    let at = format_ts(now, lang);
    let sent = format_ts(thread.created_at, lang);
    let from = portal.settings.name.get(lang);
    for to in addresses {
        let values = [
            ("organization", thread.organization_name.as_str()),
            ("seeker_id", &thread.recipient_handle),
            ("sent", &sent),
            ("at", &at),
            ("url", &url),
        ];
        madoguchi_mail::queue(
            conn,
            &Envelope { portal: &portal.id, from_name: from, to: &to, lang },
            MailKind::SeekerInquiryReply,
            &values,
            state.mailer.domain(),
            now,
        )
        .await?;
    }
    Ok(())
}
