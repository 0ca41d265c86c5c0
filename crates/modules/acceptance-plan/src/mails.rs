//! The mails of mlit-plan.md §4.6 for 申請 and the office's decisions (Choice subjects, the
//! portal's bracketed name first, §0.9): to the organization — 申請 received, 補正のお願い (with
//! the comments), 認定のお知らせ（認定番号 …）, and the 不認定 result with its reason (not in
//! §4.6's table; decision: a refusal is told like the other decisions, the reason in the mail as
//! §0.2 asks) — and to the reviewing office — 審査待ちの申請があります, at every 申請 and 補正.
//! All are queued in the step's transaction (the outbox) in Japanese; they name the office,
//! the dates and the numbers, never a worker's data.

use crate::routing;
use madoguchi_core::{Lang, Portal};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::Conn;
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::state::AppState;

fn bureau_name(code: &str) -> String {
    routing::bureau(code).map(|b| b.name.clone()).unwrap_or_default()
}

async fn organization_name(conn: &mut Conn, id: i64) -> Result<String, AppError> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1").bind(id).fetch_optional(conn).await?;
    Ok(name.unwrap_or_default())
}

/// Queues `kind` to every active user of `organization`, linking 計画確認; `values` adds to
/// portal, organization, bureau, at, url and help_desk.
pub async fn to_organization(
    state: &AppState,
    conn: &mut Conn,
    portal: &Portal,
    organization: i64,
    bureau: &str,
    kind: MailKind,
    values: &[(&str, &str)],
) -> Result<(), AppError> {
    let to = Recipients { organization, bureau, path: "/plan/view" };
    to_organization_at(state, conn, portal, &to, kind, values).await
}

/// The organization a mail goes to, its office and the page the mail links (`/plan/…`).
#[derive(Clone, Copy)]
pub struct Recipients<'a> {
    pub organization: i64,
    pub bureau: &'a str,
    pub path: &'a str,
}

/// [`to_organization`] linking `to.path`.
pub async fn to_organization_at(
    state: &AppState,
    conn: &mut Conn,
    portal: &Portal,
    to: &Recipients<'_>,
    kind: MailKind,
    values: &[(&str, &str)],
) -> Result<(), AppError> {
    let Recipients { organization, bureau, path } = *to;
    let now = state.clock.unix();
    let lang = Lang::Ja;
    let emails = madoguchi_store::users::organization_emails(conn, organization).await?;
    let name = organization_name(conn, organization).await?;
    let portal_name = portal.settings.mail_name().get(lang);
    let help_desk = madoguchi_web::pages::landing::help_desk_text(conn, portal, lang).await?;
    let at = format_ts(now, lang);
    let url = portal.url(path);
    let bureau = bureau_name(bureau);
    for email in &emails {
        let mut all: Vec<(&str, &str)> = vec![
            ("portal", portal_name),
            ("organization", &name),
            ("bureau", &bureau),
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
    Ok(())
}

/// 「審査待ちの申請があります」 to every operator of the office `bureau` (none assigned: no
/// mail; the queue shows the plan all the same). `resubmitted`: a 補正 rather than a new 申請.
/// What waits for the office (the 「審査待ちの申請があります」 mail names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeKind {
    New,
    Resubmitted,
    /// A 変更申請 of a certified plan, first or after its 補正.
    Change,
}

impl OfficeKind {
    fn ja(self) -> &'static str {
        match self {
            OfficeKind::New => "新規申請",
            OfficeKind::Resubmitted => "補正後の再申請",
            OfficeKind::Change => "変更申請",
        }
    }
}

pub async fn to_office(
    state: &AppState,
    conn: &mut Conn,
    portal: &Portal,
    organization: i64,
    bureau: &str,
    kind: OfficeKind,
) -> Result<(), AppError> {
    let now = state.clock.unix();
    let lang = Lang::Ja;
    let operators = madoguchi_store::operators::of_office(conn, &portal.id, bureau).await?;
    let name = organization_name(conn, organization).await?;
    let portal_name = portal.settings.mail_name().get(lang);
    let at = format_ts(now, lang);
    let url = portal.url("/operator/plans");
    let office = bureau_name(bureau);
    let kind = kind.ja();
    for (email, _) in &operators {
        let values: [(&str, &str); 6] = [
            ("portal", portal_name),
            ("organization", &name),
            ("bureau", &office),
            ("at", &at),
            ("url", &url),
            ("kind", kind),
        ];
        madoguchi_mail::queue(
            conn,
            &Envelope { portal: &portal.id, from_name: portal_name, to: email, lang },
            MailKind::PlanAwaitingReview,
            &values,
            state.mailer.domain(),
            now,
        )
        .await?;
    }
    Ok(())
}
