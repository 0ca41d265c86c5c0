//! A Part or a worker block posted after the idle logout comes back after the same user logs in
//! again (modules spec §0.1 rule 4; mlit-plan.md §4.9 check 3; the platform's side is
//! `madoguchi_web::draft_seal`): the section's fields as typed are stored into the plan's draft
//! and its form opens with 「セッションの有効期限が切れたため、入力内容を下書きとして保存しました。」.
//!
//! **Decision** (two tabs): the section is stored even when the draft was saved from another
//! screen meanwhile — only this section's fields are replaced, so what the other screen saved in
//! other sections stays; within this section the later save of the same user wins. A plan applied
//! for (or a worker removed) meanwhile takes nothing, and the login goes home.
//!
//! **A 変更申請** (a certified plan whose change is being written or corrected) is restored as
//! its save would store it (`change_rules::lock`): a Part's fields no 変更申請 case covers keep
//! the certified values whatever was posted, an added worker's block is stored as typed. An
//! existing worker's block is locked on the form; posted unchanged it stores nothing and its form
//! opens; posted changed (only a forged post can) the save would refuse it, so **decision**:
//! nothing of it is stored and its form opens with the rule's message beside the field
//! (`?refused=pay_lowered|worker_changed`, read by `pages::show`) — the block has no field the
//! user may change, so nothing the user could have saved is lost.

use crate::change_rules::{self, Locked};
use crate::form;
use crate::pages;
use crate::{KIND, MODULE, store};
use madoguchi_core::Portal;
use madoguchi_store::drafts;
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
    let target = match section.strip_prefix("workers/") {
        Some(key) => pages::worker_target(key)?,
        None => pages::part_target(section.trim_start_matches("part/"))?,
    };
    let Some(mut loaded) = pages::load_in(conn, &portal.id, organization).await? else {
        return Ok(None);
    };
    if loaded.draft.is_none() {
        // A draft made meanwhile by another request is the one to store into (`store::lock`).
        store::lock(conn, loaded.plan.id).await?;
        loaded.draft = drafts::of_item(conn, &portal.id, organization, KIND, loaded.plan.id).await?;
    }
    if !loaded.may_edit() || (loaded.draft.is_none() && loaded.item.is_none()) {
        return Ok(None);
    }
    let address = format!("/{}/plan/{section}", portal.id);
    let mut plan = pages::form_of(&loaded);
    let Some(mut typed) = target.values(&plan) else { return Ok(None) };
    form::take_section(target.section(), &mut typed, &sealed.fields);
    // A 変更申請: the same locks as its save (`change_rules::lock`).
    if let Some(certified) = loaded.change_basis() {
        match change_rules::lock(&certified, target, &mut typed, &sealed.fields) {
            Locked::Store => {}
            Locked::Nothing => return Ok(Some(address)),
            Locked::Refused(refused) => {
                return Ok(Some(format!("{address}?refused={}", change_rules::refusal_code(&refused))));
            }
        }
    }
    if let Some(values) = target.values_mut(&mut plan) {
        *values = typed;
    }
    let payload = plan.to_json();
    let missing = pages::missing(&plan);
    match &loaded.draft {
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
                item_id: Some(loaded.plan.id),
                payload: &payload,
                missing: &missing,
            };
            drafts::create(conn, &new, now).await?;
        }
    }
    store::touch(conn, loaded.plan.id, now).await?;
    Ok(Some(format!("{address}?restored=1")))
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
