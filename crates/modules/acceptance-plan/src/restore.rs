//! A Part or a worker block posted after the idle logout comes back after the same user logs in
//! again (modules spec §0.1 rule 4; mlit-plan.md §4.9 check 3; the platform's side is
//! `madoguchi_web::draft_seal`): the section's fields as typed are stored into the plan's draft
//! and its form opens with 「セッションの有効期限が切れたため、入力内容を下書きとして保存しました。」.
//!
//! **Decision** (two tabs): the section is stored even when the draft was saved from another
//! screen meanwhile — only this section's fields are replaced, so what the other screen saved in
//! other sections stays; within this section the later save of the same user wins. A plan applied
//! for (or a worker removed) meanwhile takes nothing, and the login goes home.

use crate::form::{self, PlanForm};
use crate::state::PlanState;
use crate::{KIND, MODULE, store};
use madoguchi_core::Portal;
use madoguchi_store::drafts;
use madoguchi_store::review::{self as reviews, ItemKey, Scope};
use madoguchi_web::draft_seal::{DraftRestorer, RestoreFuture, RestoreInput};
use madoguchi_web::error::AppError;

/// The section a sealed address names: `part/p1`…`part/p5` or `workers/{key}`.
fn section(portal: &str, address: &str) -> Option<String> {
    let rest = address.strip_prefix(&format!("/{portal}/plan/"))?;
    if let Some(part) = rest.strip_prefix("part/") {
        return form::part(part).map(|s| format!("part/{}", s.key));
    }
    let key = rest.strip_prefix("workers/")?;
    key.parse::<u32>().ok().filter(|k| *k > 0 && k.to_string() == key).map(|k| format!("workers/{k}"))
}

/// The module's [`DraftRestorer`] (registered by the binary).
pub struct PlanRestorer;

impl DraftRestorer for PlanRestorer {
    fn owns(&self, portal: &Portal, address: &str) -> bool {
        portal.settings.modules.contains(&MODULE) && section(&portal.id, address).is_some()
    }

    fn restore<'a>(&'a self, input: RestoreInput<'a>) -> RestoreFuture<'a> {
        Box::pin(restore(input))
    }
}

async fn restore(input: RestoreInput<'_>) -> Result<Option<String>, AppError> {
    let RestoreInput { conn, portal, user, form: sealed, now } = input;
    let (Some(organization), Some(section)) = (user.organization_id, section(&portal.id, &sealed.target)) else {
        return Ok(None);
    };
    let Some(plan_row) = store::of_organization(conn, &portal.id, organization).await? else {
        return Ok(None);
    };
    let key = ItemKey { portal: &portal.id, kind: KIND, item_id: plan_row.id };
    let item = reviews::find(conn, key, Scope::Organization(organization)).await?;
    let state = PlanState::from_review(
        item.as_ref().map(|i| i.state),
        item.as_ref().is_some_and(|i| i.approved_revision.is_some()),
    );
    if !state.organization_may_edit() {
        return Ok(None);
    }
    let draft = drafts::of_item(conn, &portal.id, organization, KIND, plan_row.id).await?;
    let mut plan = match (&draft, &item) {
        (Some(d), _) => PlanForm::from_json(&d.payload),
        (None, Some(i)) => PlanForm::from_json(i.pending_snapshot.as_deref().unwrap_or("{}")),
        (None, None) => return Ok(None),
    };
    let values = match section.strip_prefix("workers/").and_then(|k| k.parse::<u32>().ok()) {
        Some(k) => match plan.workers.iter_mut().find(|w| w.key == k) {
            Some(w) => {
                form::take_section(&form::WORKER, &mut w.fields, &sealed.fields);
                true
            }
            None => false,
        },
        None => match section.strip_prefix("part/").and_then(form::part) {
            Some(part) => {
                form::take_section(part, &mut plan.fields, &sealed.fields);
                true
            }
            None => false,
        },
    };
    if !values {
        return Ok(None);
    }
    let payload = plan.to_json();
    let missing = drafts::Missing(form::missing(&plan));
    match draft {
        Some(d) => {
            // The version read now, not the form's: see the module's decision.
            let saved =
                drafts::save(conn, &portal.id, organization, d.id, d.version, user.id, &payload, &missing, now).await?;
            if !matches!(saved, drafts::SaveOutcome::Saved { .. }) {
                return Ok(None);
            }
        }
        None => {
            let new = drafts::NewDraft {
                portal: &portal.id,
                organization_id: organization,
                author_user_id: user.id,
                kind: KIND,
                item_id: Some(plan_row.id),
                payload: &payload,
                missing: &missing,
            };
            drafts::create(conn, &new, now).await?;
        }
    }
    store::touch(conn, plan_row.id, now).await?;
    Ok(Some(format!("/{}/plan/{section}?restored=1", portal.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_are_the_parts_and_the_worker_blocks_of_the_portal() {
        assert_eq!(section("mlit-fwms", "/mlit-fwms/plan/part/p1"), Some("part/p1".into()));
        assert_eq!(section("mlit-fwms", "/mlit-fwms/plan/workers/3"), Some("workers/3".into()));
        for other in [
            "/mlit-fwms/plan/part/p6",
            "/mlit-fwms/plan/workers/0",
            "/mlit-fwms/plan/workers/03",
            "/mlit-fwms/plan/workers/x",
            "/mlit-fwms/plan/apply",
            "/jrec-in/plan/part/p1",
            "/mlit-fwms/plan/workers/3/remove",
        ] {
            assert_eq!(section("mlit-fwms", other), None, "{other}");
        }
    }
}
