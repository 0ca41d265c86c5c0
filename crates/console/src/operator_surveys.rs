//! The exit surveys (退会アンケート) for the operator: a paged list and a CSV export for Excel
//! (UTF-8 with BOM, reasons by their Japanese labels). Exporting is a data export: audited.
//! Only where the portal's withdrawal has the survey.

use crate::excel_csv;
use crate::operator::{SignedIn, console_path, local};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use madoguchi_core::Lang;
use madoguchi_identity::withdrawal::REASONS;
use madoguchi_store::surveys::{self, Survey};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::i18n::Tr;
use madoguchi_web::pages::Pager;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

const PAGE: i64 = 50;
const EXPORT_LIMIT: i64 = 100_000;

fn has_survey(signed: &SignedIn) -> Result<(), AppError> {
    let on = signed.portal.settings.withdrawal.as_ref().is_some_and(|w| w.survey);
    if on { Ok(()) } else { Err(AppError::NotFound) }
}

/// The reasons' labels, joined as one cell; a key no longer offered is shown as stored.
fn reason_labels(reasons: &str, t: &Tr) -> String {
    reasons
        .split(',')
        .filter(|r| !r.is_empty())
        .map(|r| if REASONS.contains(&r) { t.get(&format!("withdraw.reason.{r}")).to_string() } else { r.to_string() })
        .collect::<Vec<_>>()
        .join("、")
}

pub struct Line {
    pub at: String,
    pub reasons: String,
    pub comment: String,
}

fn line(s: Survey, t: &Tr) -> Line {
    Line { at: local(s.created_at).replace('T', " "), reasons: reason_labels(&s.reasons, t), comment: s.comment }
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    pub page: Option<i64>,
}

#[derive(Template)]
#[template(path = "operator/surveys.html")]
pub struct SurveysPage {
    pub chrome: Chrome,
    pub base: String,
    pub lines: Vec<Line>,
    pub total: i64,
    pub pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Html<String>, AppError> {
    has_survey(&signed)?;
    let portal = &signed.portal;
    let page = q.page.unwrap_or(1).max(1);
    let (rows, total) = {
        let mut conn = state.store.acquire().await?;
        surveys::page(&mut conn, &portal.id, PAGE, (page - 1).saturating_mul(PAGE)).await?
    };
    let base = console_path(portal);
    let link = |p: i64| format!("{base}/surveys?page={p}");
    html(&SurveysPage {
        chrome: ctx.chrome(ctx.t.get("op.surveys.title"), Some(portal), None),
        pager: Pager::new(page, total, PAGE, link),
        base,
        lines: rows.into_iter().map(|s| line(s, ctx.t)).collect(),
        total,
    })
}

pub async fn export(State(state): State<AppState>, signed: SignedIn, origin: Origin) -> Result<Response, AppError> {
    has_survey(&signed)?;
    let portal = &signed.portal;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let (rows, _) = surveys::page(&mut tx, &portal.id, EXPORT_LIMIT, 0).await?;
    excel_csv::record_export(&mut tx, &signed, &origin, "withdrawal_surveys.csv", rows.len(), now).await?;
    tx.commit().await?;
    // The file is for the secretariat's Excel: Japanese labels whatever the screen's language.
    let t = Tr::for_lang(Lang::Ja);
    let lines = rows.into_iter().map(|s| {
        let l = line(s, t);
        vec![l.at, l.reasons, l.comment]
    });
    excel_csv::download("withdrawal-surveys", &portal.id, now, &["回答日時", "退会理由", "ご意見・ご要望"], lines)
}
