//! The worker blocks of Part 6 added and removed (mlit-plan.md §4.2, §4.4): 「1号特定技能外国人を
//! 追加」 makes an empty block and opens its form; 「削除」 asks first, then takes the block and its
//! attachments. A 変更申請 adds workers; a certified one is not removed ([ML-jac0504]).

use crate::form::{self, PlanForm};
use crate::pages::{self, Pairs, Target, base, control, editable_draft, message_page, organization, worker_target};
use crate::store;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_store::drafts;
use madoguchi_web::confirm::{self, Confirmation, Step};
use madoguchi_web::ctx::Ctx;
use madoguchi_web::error::AppError;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// The most worker blocks a plan takes (Choice: the headcount cap bounds a real plan far below;
/// this bounds what a script can pile into one draft).
pub const MAX_WORKERS: usize = 100;

/// 「1号特定技能外国人を追加」: a new empty block, then its form.
pub async fn add_worker(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    change_workers(state, current, ctx, pairs, None).await
}

/// 「削除」 of a worker block, after 「…を削除します。よろしいですか？」; its attachments go with it.
pub async fn remove_worker(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, worker)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let Target::Worker(key) = worker_target(&worker)? else { return Err(AppError::NotFound) };
    change_workers(state, current, ctx, pairs, Some(key)).await
}

async fn change_workers(
    state: AppState,
    current: CurrentUser,
    ctx: Ctx,
    pairs: Pairs,
    remove: Option<u32>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let now = state.clock.unix();
    let base = base(&current);
    let mut tx = state.store.begin().await?;
    let Some((loaded, draft, made)) = editable_draft(&mut tx, &current, organization, now).await? else {
        let started = store::of_organization(&mut tx, &current.portal.id, organization).await?.is_some();
        drop(tx);
        return if started {
            message_page(&ctx, &current, "plan.refused.not_editable", StatusCode::CONFLICT)
        } else {
            Ok(Redirect::to(&base).into_response())
        };
    };
    let mut plan = PlanForm::from_json(&draft.payload);
    let mut expected = control(&pairs, "version").parse::<i64>().unwrap_or(-1);
    // The overview of a plan without a draft (補正中, read from the returned snapshot) shows
    // version 0; the draft made just now from that snapshot is what it showed.
    if expected == 0 && made {
        expected = draft.version;
    }
    if expected != draft.version {
        drop(tx);
        return message_page(&ctx, &current, "draft.conflict", StatusCode::CONFLICT);
    }
    let target = match remove {
        None if plan.workers.len() >= MAX_WORKERS => {
            drop(tx);
            return message_page(&ctx, &current, "plan.refused.too_many_workers", StatusCode::CONFLICT);
        }
        None => format!("{base}/workers/{}", plan.add_worker()),
        Some(key) => {
            let Some(worker) = plan.worker(key) else {
                drop(tx);
                return message_page(&ctx, &current, "plan.refused.worker_gone", StatusCode::CONFLICT);
            };
            // A 変更申請 adds workers; a certified one is not removed from the list ([ML-jac0504]).
            if loaded.certified().is_some_and(|c| c.worker(key).is_some()) {
                drop(tx);
                return message_page(&ctx, &current, "plan.change.err.worker_removed", StatusCode::CONFLICT);
            }
            if Step::of(control(&pairs, confirm::STEP_FIELD)) != Step::Confirmed {
                drop(tx);
                let name = form::one(&worker.fields, "name_roman").to_string();
                let question = ctx.t.get("plan.worker.remove_confirm");
                let confirmation = Confirmation::new(&ctx, question, format!("{base}/workers/{key}/remove"))
                    .fact(ctx.t.get("plan.field.name_roman"), name)
                    .carry("version", draft.version.to_string())
                    .no_link(base.clone())
                    .danger();
                let title = ctx.t.get("plan.worker.remove");
                return Ok(confirm::page(&ctx, title, Some(&current.portal), Some(Screen::PlanNew), confirmation)?
                    .into_response());
            }
            plan.remove_worker(key);
            for a in store::attachments(&mut tx, loaded.plan.id).await? {
                if a.worker == Some(i64::from(key)) {
                    store::remove_attachment(&mut tx, &current.portal.id, &a).await?;
                }
            }
            format!("{base}?done=removed")
        }
    };
    let payload = plan.to_json();
    let outcome = drafts::save(
        &mut tx,
        &current.portal.id,
        organization,
        draft.id,
        expected,
        current.user.id,
        &payload,
        &pages::missing(&plan),
        now,
    )
    .await?;
    if !matches!(outcome, drafts::SaveOutcome::Saved { .. }) {
        drop(tx);
        return message_page(&ctx, &current, "draft.conflict", StatusCode::CONFLICT);
    }
    store::touch(&mut tx, loaded.plan.id, now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&target).into_response())
}
