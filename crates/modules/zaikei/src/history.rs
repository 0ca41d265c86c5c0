//! 財形積立明細変更履歴照会 (§3.6.8): per サイクル (and 社員番号), every version of the changes —
//! version, 変更者, 変更日時, 項目, 変更前 → 変更後, 送信日時, 労金処理状況. Every user of a
//! contract with the 明細変更機能 option reads it (reading what was sent needs no right; the
//! master and the 明細変更 users change, docs/ZAIKEI.md).

use crate::change::{after_text, pick_page, status_of};
use crate::cycle::{self, yen};
use crate::kinds::{ChangeKind, SavingsKind};
use crate::store::changes;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use madoguchi_core::portal::MenuItem;
use madoguchi_store::users;
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::pages::html;
use madoguchi_web::pages::information::{MenuView, menu};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;
use std::collections::HashMap;

/// One change of one version.
pub struct HistoryLine {
    pub version: i64,
    pub by: String,
    pub at: String,
    pub who: String,
    pub item: String,
    pub before: String,
    pub after: String,
    pub sent_at: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "zaikei/history.html")]
pub struct HistoryPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub action: String,
    pub cycle_title: String,
    pub deadline: String,
    pub status: String,
    pub employee_no: String,
    pub lines: Vec<HistoryLine>,
}

#[derive(Deserialize, Default)]
pub struct HistoryQuery {
    #[serde(default)]
    pub employee_no: String,
}

/// `GET /{portal}/zaikei/history`: the サイクル to read.
pub async fn pick(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    pick_page(&state, &current, &ctx, MenuItem::ZaikeiHistory).await
}

/// `GET /{portal}/zaikei/history/{id}`.
pub async fn view(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, AppError> {
    let contract = match cycle::enter(&state, &current, &ctx, MenuItem::ZaikeiHistory).await? {
        Ok(contract) => contract,
        Err(response) => return Ok(response),
    };
    let cycle = cycle::load(&state, &current, contract, id).await?;
    let wanted = q.employee_no.trim().to_string();
    let mut conn = state.store.acquire().await?;
    let organization = current.user.organization_id.ok_or(AppError::NotFound)?;
    let people: HashMap<String, String> = users::of_organization(&mut conn, organization)
        .await?
        .into_iter()
        .map(|u| (format!("user:{}", u.id), format!("{}（{}）", u.login_id, u.name)))
        .collect();
    let sets = changes::sets(&mut conn, contract, id).await?;
    let mut lines = Vec::new();
    for set in sets.iter().rev() {
        let status = match (set.sent, set.processed_at) {
            (_, Some(_)) => ctx.t.get("zchange.processed"),
            (true, None) => ctx.t.get("zchange.not_processed"),
            (false, _) if cycle.window.is_open() => ctx.t.get("zchange.draft_unsent"),
            (false, _) => ctx.t.get("zchange.draft_expired"),
        };
        for row in changes::rows(&mut conn, contract, set.id).await? {
            let line = match row.deposit_row_id {
                Some(r) => changes::line_of(&mut conn, contract, id, r).await?,
                None => None,
            };
            let (employee_no, name, kind) = match &line {
                Some(l) => (l.employee_no.clone(), l.name.clone(), l.kind.label().to_string()),
                None => (
                    row.employee_no.clone(),
                    row.name.clone(),
                    SavingsKind::from_code(&row.savings_kind).map(|k| k.label().to_string()).unwrap_or_default(),
                ),
            };
            if !wanted.is_empty() && employee_no != wanted {
                continue;
            }
            let item = match row.kind {
                Some(ChangeKind::New) => ctx.t.get("zchange.item_new"),
                Some(ChangeKind::Stop) => ctx.t.get("zchange.item_stop"),
                _ => ctx.t.get("zchange.item_amount"),
            };
            lines.push(HistoryLine {
                version: set.version,
                by: people.get(&row.changed_by).cloned().unwrap_or_else(|| ctx.t.get("oplog.deleted_user").to_string()),
                at: format_ts(row.changed_at, ctx.lang),
                who: format!("{employee_no} {name}（{kind}）"),
                item: item.to_string(),
                before: row.before_amount.map(yen).unwrap_or_else(|| "—".into()),
                after: after_text(&row, &ctx),
                sent_at: set.sent_at.map(|t| format_ts(t, ctx.lang)).unwrap_or_default(),
                status: status.to_string(),
            });
        }
    }
    let latest = sets.last();
    Ok(html(&HistoryPage {
        chrome: ctx.chrome(ctx.t.get("menu.zaikei_history"), Some(&current.portal), Some(Screen::ZaikeiHistory)),
        menu: menu(&current, &ctx),
        action: format!("/{}/zaikei/history/{id}", current.portal.id),
        cycle_title: cycle.title(),
        deadline: cycle.deadline_text(),
        status: status_of(&cycle, latest, ctx.t),
        employee_no: wanted,
        lines,
    })?
    .into_response())
}
