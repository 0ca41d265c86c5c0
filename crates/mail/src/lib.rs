//! Mail: the texts (ja/en), queuing into the outbox, and the worker that delivers through
//! SMTP or the dev mailbox.

pub mod templates;
mod worker;

pub use templates::{MailKind, Rendered, TemplateError, render};
pub use worker::{MailStats, Mailer, Transport, TransportError};

use madoguchi_core::Lang;
use madoguchi_store::Conn;
use madoguchi_store::outbox::{self, NewMail};

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Db(#[from] madoguchi_store::DbError),
}

/// What one mail needs to be queued.
pub struct Envelope<'a> {
    pub portal: &'a str,
    /// Sender display name: the portal's name, in the recipient's language.
    pub from_name: &'a str,
    pub to: &'a str,
    pub lang: Lang,
}

/// Renders and queues a mail on `conn`, which should be the transaction of the change
/// that causes it: both commit, or neither does. Returns the stable Message-ID.
pub async fn queue(
    conn: &mut Conn,
    envelope: &Envelope<'_>,
    kind: MailKind,
    values: &[(&str, &str)],
    domain: &str,
    now: i64,
) -> Result<String, QueueError> {
    let mail = render(kind, envelope.lang, values)?;
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4(), domain);
    outbox::enqueue(
        conn,
        &NewMail {
            message_id: &message_id,
            portal: envelope.portal,
            kind: kind.key(),
            to: envelope.to,
            from_name: envelope.from_name,
            subject: &mail.subject,
            body: &mail.body,
        },
        now,
    )
    .await?;
    Ok(message_id)
}
