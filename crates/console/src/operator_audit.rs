//! The audit log as the operator searches it: by user, event and dates, with paging and a
//! CSV export (UTF-8 with BOM, which Excel opens on double-click). The export is itself audited.

use crate::excel_csv;
use crate::operator::{SignedIn, console_path, local};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use madoguchi_store::audit::{self, AuditFilter, AuditRow};
use madoguchi_store::users;
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::day_range;
use madoguchi_web::forms::{FieldErrors, fold};
use madoguchi_web::pages::Pager;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

const PAGE: i64 = 50;
const EXPORT_LIMIT: i64 = 100_000;

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub organization: String,
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub page: Option<i64>,
}

impl AuditQuery {
    /// The same search as a query string, for paging links and the CSV link.
    pub fn query_string(&self, page: Option<i64>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("user", &self.user)
            .append_pair("organization", &self.organization)
            .append_pair("event", &self.event)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to);
        if let Some(p) = page {
            s.append_pair("page", &p.to_string());
        }
        s.finish()
    }
}

pub struct Line {
    pub at: String,
    pub organization: String,
    pub event: String,
    pub actor: String,
    pub subject: String,
    pub ip: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "operator/audit.html")]
pub struct AuditPage {
    pub chrome: Chrome,
    pub base: String,
    pub query: AuditQuery,
    pub errors: FieldErrors,
    pub lines: Vec<Line>,
    pub total: i64,
    pub pager: Pager,
    pub csv: String,
}

/// Turns the form into a filter; bad dates are field errors.
async fn filter(
    state: &AppState,
    portal: &str,
    q: &AuditQuery,
    ctx: &Ctx,
) -> Result<Result<AuditFilter, FieldErrors>, AppError> {
    let mut errors = FieldErrors::default();
    let (from, until) = day_range(&q.from, &q.to, ctx, &mut errors);
    let user = fold(&q.user).trim().to_string();
    let party = if user.is_empty() {
        None
    } else if user.starts_with("user:") || user.starts_with("operator:") {
        Some(user)
    } else {
        let mut conn = state.store.acquire().await?;
        let login_id = if user.contains('@') { user.to_lowercase() } else { user.clone() };
        match users::by_login_id(&mut conn, portal, &login_id).await? {
            Some(u) => Some(format!("user:{}", u.id)),
            None => {
                errors.add("user", ctx.t.get("op.audit.err_user"));
                None
            }
        }
    };
    let event = Some(q.event.trim().to_string()).filter(|e| !e.is_empty());
    let organization = Some(fold(&q.organization).trim().to_string()).filter(|o| !o.is_empty());
    Ok(if errors.is_empty() {
        Ok(AuditFilter { party, event, from, until, organization, organization_id: None })
    } else {
        Err(errors)
    })
}

fn line(r: AuditRow) -> Line {
    Line {
        at: local(r.at).replace('T', " "),
        organization: r.organization.unwrap_or_default(),
        event: r.event,
        actor: r.actor.unwrap_or_default(),
        subject: r.subject.unwrap_or_default(),
        ip: r.ip.unwrap_or_default(),
        detail: r.detail.unwrap_or_default(),
    }
}

pub async fn search(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, AppError> {
    let portal = &signed.portal;
    let base = console_path(portal);
    let page = q.page.unwrap_or(1).max(1);
    let (rows, total, errors) = match filter(&state, &portal.id, &q, &ctx).await? {
        Ok(f) => {
            let mut conn = state.store.acquire().await?;
            let (rows, total) = audit::search(&mut conn, &portal.id, &f, PAGE, (page - 1).saturating_mul(PAGE)).await?;
            (rows, total, FieldErrors::default())
        }
        Err(errors) => (Vec::new(), 0, errors),
    };
    let link = |p: i64| format!("{base}/audit?{}", q.query_string(Some(p)));
    html(&AuditPage {
        chrome: ctx.chrome(ctx.t.get("op.audit.title"), Some(portal), None),
        csv: format!("{base}/audit.csv?{}", q.query_string(None)),
        pager: Pager::new(page, total, PAGE, link),
        base,
        query: q,
        errors,
        lines: rows.into_iter().map(line).collect(),
        total,
    })
}

pub async fn export(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let portal = &signed.portal;
    let Ok(f) = filter(&state, &portal.id, &q, &ctx).await? else {
        return Err(AppError::NotFound);
    };
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let (rows, _) = audit::search(&mut tx, &portal.id, &f, EXPORT_LIMIT, 0).await?;
    excel_csv::record_export(&mut tx, &signed, &origin, "audit.csv", rows.len(), now).await?;
    tx.commit().await?;
    let lines = rows.into_iter().map(|r| {
        vec![
            local(r.at).replace('T', " "),
            r.organization.unwrap_or_default(),
            r.event,
            r.actor.unwrap_or_default(),
            r.subject.unwrap_or_default(),
            r.ip.unwrap_or_default(),
            r.user_agent.unwrap_or_default(),
            r.detail.unwrap_or_default(),
        ]
    });
    let headings = ["日時", "組織", "イベント", "実行者", "対象", "IPアドレス", "ブラウザ", "詳細"];
    excel_csv::download("audit", &portal.id, now, &headings, lines)
}
