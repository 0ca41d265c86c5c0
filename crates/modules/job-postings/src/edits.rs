//! What the 事務局's 「編集」 changed in the institution's text, for the institution (modules
//! spec §0.2: 「An operator edit of the organization's text is shown to the organization as a
//! diff」; jrec-in spec §1.11 item 2, §1.14). Each edit is a review step with the version it
//! replaced (`review_events.before_snapshot`); its history view shows every edit as a marked-up
//! diff (`console::history_lines`). The mails of the decision that ends the review round
//! (承認, 差戻し) carry the 事務局's changes of that round as plain text: what the institution
//! sent and what the 事務局 made of it, field by field, in words.
//!
//! **Decision**: no mail of its own per edit. An edit happens while the posting is under
//! review, and the institution can do nothing with it until the decision; a mail per typo fixed
//! would be noise, and the decision's mail lists them all in one place.

use crate::KIND;
use crate::fields::pairs_of;
use crate::taxonomy::taxonomy;
use crate::view;
use madoguchi_core::review::ReviewAction;
use madoguchi_core::review::diff::{self, FieldChange};
use madoguchi_store::Conn;
use madoguchi_store::review::{self as reviews, ItemKey, Scope};
use madoguchi_web::error::AppError;
use madoguchi_web::i18n::Tr;

fn pairs(json: &str) -> Vec<(String, String)> {
    serde_json::from_str::<serde_json::Value>(json).map(|v| pairs_of(&v)).unwrap_or_default()
}

/// The fields that hold a person's or an office's contact data: the mails name them without
/// their values (docs/JOB_POSTINGS.md, 「Mails」: never the contact person, phone or address);
/// the history page, behind the login, shows them.
const CONTACT_FIELDS: [&str; 6] =
    ["address", "apply_email", "mail_to", "contact_name", "contact_phone", "contact_email"];

/// The fields that differ between two snapshots, in form order, as (name, label, before, after)
/// in words (choice labels, taxonomy names), as the institution typed and chose them.
pub fn changed_fields(
    t: &Tr,
    before: &str,
    after: &str,
) -> Result<Vec<(&'static str, String, String, String)>, AppError> {
    let taxonomy = taxonomy().map_err(|e| AppError::Internal(format!("jrec-in taxonomy: {e}")))?;
    let old = view::words(t, taxonomy, &pairs(before));
    let new = view::words(t, taxonomy, &pairs(after));
    Ok(old
        .into_iter()
        .zip(new)
        .filter(|((name, _, b), (_, _, a))| diff::field(name, b, a).change != FieldChange::Unchanged)
        .map(|((name, label, b), (_, _, a))| (name, label, b, a))
        .collect())
}

/// The changes as a mail's section, to follow a line of the mail: a blank line, a heading,
/// then per field 「■ label」 with 修正前 / 修正後 (values indented, multi-line ones too); ""
/// when nothing changed, so that the mail reads the same as without edits.
pub fn changes_text(t: &Tr, before: &str, after: &str) -> Result<String, AppError> {
    let changed = changed_fields(t, before, after)?;
    if changed.is_empty() {
        return Ok(String::new());
    }
    let indent = |text: &str| {
        if text.is_empty() { t.get("posting.edit_mail.empty").to_string() } else { text.replace('\n', "\n    ") }
    };
    let mut out = format!("\n\n{}", t.get("posting.edit_mail.heading"));
    for (name, label, before, after) in changed {
        if CONTACT_FIELDS.contains(&name) {
            out.push_str(&format!("\n\n■ {label}\n  {}", t.get("posting.edit_mail.see_history")));
            continue;
        }
        out.push_str(&format!(
            "\n\n■ {label}\n  {}\n    {}\n  {}\n    {}",
            t.get("posting.edit_mail.before"),
            indent(&before),
            t.get("posting.edit_mail.after"),
            indent(&after)
        ));
    }
    Ok(out)
}

/// The 事務局's changes in the current review round of posting `id`, as the mail's section:
/// from what the institution last sent (its 登録依頼 / 再依頼・修正依頼) to the version the
/// 事務局 left after its last 「編集」; "" when the 事務局 edited nothing in this round (or its
/// edits cancel out). The mails are in Japanese (docs/JOB_POSTINGS.md, 「Mails」).
pub async fn round_changes(conn: &mut Conn, portal: &str, id: i64) -> Result<String, AppError> {
    let key = ItemKey { portal, kind: KIND, item_id: id };
    let events = reviews::history(conn, key, Scope::Operator).await?;
    let Some(sent) = events.iter().rposition(|e| matches!(e.action, ReviewAction::Submit | ReviewAction::Resubmit))
    else {
        return Ok(String::new());
    };
    let Some(edited) = events[sent..].iter().rev().find(|e| e.action == ReviewAction::OperatorEdit) else {
        return Ok(String::new());
    };
    match (&events[sent].snapshot, &edited.snapshot) {
        (Some(before), Some(after)) => changes_text(Tr::for_lang(madoguchi_core::Lang::Ja), before, after),
        _ => Ok(String::new()),
    }
}
