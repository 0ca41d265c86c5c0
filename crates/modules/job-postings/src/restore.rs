//! A posting form posted after the idle logout comes back as a draft after the same user logs
//! in again (modules spec §0.1 rule 4; the platform's side is `madoguchi_web::draft_seal`).
//!
//! The forms are the input form of a new posting (`…/new/form`) and of an existing one
//! (`…/{id}/edit`); both 「一時保存」 and 「確認」 come back as a 一時保存 (the rules run when
//! the user presses 確認 again). The login then opens the form with
//! 「セッションの有効期限が切れたため、入力内容を下書きとして保存しました。」.
//!
//! Two tabs: when the draft was saved from another screen after this form was read, the
//! restored fields do not overwrite it. They are kept beside it (a draft of kind
//! [`store::RESTORED_KIND`]) and the form shows them as typed with the stored version beside, the
//! same screen as a stale save, until the next save of the posting removes them. A posting
//! sent for review or withdrawn in the meantime cannot be edited under any session: nothing is
//! stored then, and the login goes home.

use crate::fields;
use crate::form::{control, editable};
use crate::store;
use crate::{KIND, MODULE};
use madoguchi_core::Portal;
use madoguchi_store::drafts;
use madoguchi_store::review::{self as reviews, ItemKey, Scope};
use madoguchi_web::draft_seal::{DraftRestorer, RestoreFuture, RestoreInput};
use madoguchi_web::error::AppError;

/// The form a sealed address names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    New,
    Existing(i64),
}

fn target(portal: &str, address: &str) -> Option<Target> {
    let rest = address.strip_prefix(&format!("/{portal}/job-postings/"))?;
    if rest == "new/form" {
        return Some(Target::New);
    }
    let id = rest.strip_suffix("/edit")?;
    id.parse::<i64>().ok().filter(|n| *n > 0 && n.to_string() == id).map(Target::Existing)
}

/// The module's [`DraftRestorer`] (registered by the binary).
pub struct PostingRestorer;

impl DraftRestorer for PostingRestorer {
    fn owns(&self, portal: &Portal, address: &str) -> bool {
        portal.settings.modules.contains(&MODULE) && target(&portal.id, address).is_some()
    }

    fn restore<'a>(&'a self, input: RestoreInput<'a>) -> RestoreFuture<'a> {
        Box::pin(restore(input))
    }
}

async fn restore(input: RestoreInput<'_>) -> Result<Option<String>, AppError> {
    let RestoreInput { conn, portal, user, form, now } = input;
    let (Some(organization), Some(target)) = (user.organization_id, target(&portal.id, &form.target)) else {
        return Ok(None);
    };
    let pairs = &form.fields;
    let payload = fields::snapshot(pairs).to_string();
    let missing = drafts::Missing(fields::missing_required(pairs).into_iter().map(String::from).collect());
    let new = |kind: &'static str, item: i64| drafts::NewDraft {
        portal: &portal.id,
        organization_id: organization,
        author_user_id: user.id,
        kind,
        item_id: Some(item),
        payload: &payload,
        missing: &missing,
    };
    let id = match target {
        Target::New => {
            let language = control(pairs, "language");
            if !matches!(language, "ja" | "en") {
                return Ok(None);
            }
            let posting = store::create(conn, &portal.id, organization, language, now).await?;
            drafts::create(conn, &new(KIND, posting.id), now).await?;
            posting.id
        }
        Target::Existing(id) => {
            let Some(posting) = store::find(conn, &portal.id, organization, id).await? else {
                return Ok(None);
            };
            let key = ItemKey { portal: &portal.id, kind: KIND, item_id: id };
            let item = reviews::find(conn, key, Scope::Organization(organization)).await?;
            if editable(&posting, item.as_ref(), now).is_err() {
                return Ok(None);
            }
            let version = control(pairs, "version").parse::<i64>().unwrap_or(-1);
            let stored = match drafts::of_item(conn, &portal.id, organization, KIND, id).await? {
                None if version == 0 => drafts::create(conn, &new(KIND, id), now).await.map(|_| true)?,
                None => false,
                Some(draft) => matches!(
                    drafts::save(conn, &portal.id, organization, draft.id, version, user.id, &payload, &missing, now)
                        .await?,
                    drafts::SaveOutcome::Saved { .. }
                ),
            };
            if !stored {
                store::drop_restored(conn, &portal.id, organization, id).await?;
                drafts::create(conn, &new(store::RESTORED_KIND, id), now).await?;
            }
            store::touch(conn, &portal.id, organization, id, now).await?;
            id
        }
    };
    Ok(Some(format!("/{}/job-postings/{id}/edit?restored=1", portal.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_are_the_new_and_the_edit_form_of_the_portal() {
        assert_eq!(target("jrec-in", "/jrec-in/job-postings/new/form"), Some(Target::New));
        assert_eq!(target("jrec-in", "/jrec-in/job-postings/42/edit"), Some(Target::Existing(42)));
        for other in [
            "/jrec-in/job-postings/42/confirm",
            "/jrec-in/job-postings/new/language",
            "/jrec-in/job-postings/x/edit",
            "/jrec-in/job-postings/-1/edit",
            "/jrec-in/job-postings/0/edit",
            "/hellowork/job-postings/42/edit",
            "/jrec-in/job-postings/42/edit/more",
        ] {
            assert_eq!(target("jrec-in", other), None, "{other}");
        }
    }
}
