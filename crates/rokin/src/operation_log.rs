//! 操作ログ照会 (rokin): the audit events of the signed-in user's organization, newest first,
//! searched by user, kind of operation and dates (Japan time), paged. The master user reads
//! every user of the organization; a general user reads only the events they did or that
//! concern them (the manual puts the screen under システム管理機能 without saying who may use
//! it; another user's logins are not a general user's business). Events of other
//! organizations never show: the search is bound to the organization in SQL.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use madoguchi_core::portal::MenuItem;
use madoguchi_store::audit::{self, AuditFilter, AuditRow};
use madoguchi_store::users::{self, User};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::day_range;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::Pager;
use madoguchi_web::pages::html;
use madoguchi_web::pages::information::{MASTER, MenuView, gate, menu};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;
use std::collections::HashMap;

const PAGE: i64 = 50;

/// The kinds of operation the search offers, in the order of the list. Each has its Japanese
/// and English name under `event.<name>` in the locales; an event without one (added later)
/// shows under its own name.
const EVENTS: [&str; 33] = [
    "login.succeeded",
    "login.failed",
    "session.ended",
    "password.changed",
    "password.expiry_reminded",
    "password.temporary_set",
    "account.locked",
    "account.blocked",
    "account.unlocked",
    "account.disabled",
    "account.enabled",
    "user.created",
    "user.updated",
    "user.deleted",
    "profile.updated",
    "manual.downloaded",
    // A stored file handed out (the Files block, docs/FILES.md): the organization's own.
    "file.downloaded",
    "certificate.code_sent",
    "certificate.issued",
    "certificate.revoked",
    "certificate.renewal_mailed",
    "certificate.expiry_mailed",
    "zaikei.imported",
    "zaikei.reimported",
    "zaikei.alarm_handled",
    "zaikei.report_output",
    "zaikei.exported",
    "zaikei.changes_exported",
    "zaikei.changed",
    "zaikei.sent",
    "zaikei.change_right",
    "zaikei.processed",
    "zaikei.deadline_reminded",
];

/// The name of an event as the screen shows it.
fn event_name(ctx: &Ctx, event: &str) -> String {
    ctx.t.find(&format!("event.{event}")).unwrap_or(event).to_string()
}

#[derive(Deserialize, Default, Clone)]
pub struct LogQuery {
    /// The user's id (the master's search), empty for everybody.
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub page: Option<i64>,
}

impl LogQuery {
    fn query_string(&self, page: i64) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("user", &self.user)
            .append_pair("event", &self.event)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .append_pair("page", &page.to_string())
            .finish()
    }
}

pub struct Line {
    pub at: String,
    pub login_id: String,
    pub name: String,
    pub event: String,
    pub subject: String,
    pub ip: String,
}

#[derive(Template)]
#[template(path = "portal/operation_log.html")]
pub struct LogPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub action: String,
    pub id_label: String,
    /// The master chooses a user: (id, "ID（name）").
    pub users: Option<Vec<(String, String)>>,
    /// (event, name) for the kind list.
    pub events: Vec<(String, String)>,
    pub query: LogQuery,
    pub errors: FieldErrors,
    pub lines: Vec<Line>,
    pub total: i64,
    pub pager: Pager,
}

/// Who a party of an entry is, as the screen names them: (ユーザーＩＤ, ユーザー名).
fn party(
    raw: Option<&str>,
    people: &HashMap<String, &User>,
    row: &AuditRow,
    operator: &str,
    ctx: &Ctx,
) -> (String, String) {
    let Some(raw) = raw else { return (String::new(), String::new()) };
    if let Some(u) = people.get(raw) {
        return (u.login_id.clone(), u.name.clone());
    }
    if raw.starts_with("user:") {
        // A deleted user: their registration and deletion keep the ID in the entry's detail.
        let id = match row.event.as_str() {
            "user.created" | "user.deleted" if row.subject.as_deref() == Some(raw) => {
                row.detail.clone().unwrap_or_default()
            }
            _ => String::new(),
        };
        return (id, ctx.t.get("oplog.deleted_user").to_string());
    }
    // The bank's staff (operator console, command line).
    (String::new(), format!("{operator}{}", ctx.t.get("oplog.operator_suffix")))
}

pub async fn search(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Query(q): Query<LogQuery>,
) -> Result<Response, AppError> {
    if let Some(response) = gate(&state, &current, MenuItem::OperationLog) {
        return Ok(response);
    }
    let organization = current.user.organization_id.ok_or(AppError::NotFound)?;
    let master = current.user.role == MASTER;
    let mut conn = state.store.acquire().await?;
    let people_list = users::of_organization(&mut conn, organization).await?;
    let people: HashMap<String, &User> = people_list.iter().map(|u| (format!("user:{}", u.id), u)).collect();

    let mut errors = FieldErrors::default();
    let (from, until) = day_range(&q.from, &q.to, &ctx, &mut errors);
    let party_filter = if !master {
        Some(format!("user:{}", current.user.id))
    } else if q.user.trim().is_empty() {
        None
    } else {
        let key = format!("user:{}", q.user.trim());
        if !people.contains_key(&key) {
            errors.add("user", ctx.t.get("oplog.err_user"));
        }
        Some(key)
    };
    let event = Some(q.event.trim().to_string()).filter(|e| !e.is_empty());
    if event.as_deref().is_some_and(|e| !EVENTS.contains(&e)) {
        errors.add("event", ctx.t.get("oplog.err_event"));
    }
    let page = q.page.unwrap_or(1).max(1);
    let (rows, total) = if errors.is_empty() {
        let filter = AuditFilter {
            party: party_filter,
            event,
            from,
            until,
            organization: None,
            organization_id: Some(organization),
        };
        audit::search(&mut conn, &current.portal.id, &filter, PAGE, (page - 1).saturating_mul(PAGE)).await?
    } else {
        (Vec::new(), 0)
    };
    drop(conn);

    let operator = current.portal.settings.operator_name.get(ctx.lang);
    let lines = rows
        .iter()
        .map(|r| {
            let (login_id, name) = party(r.actor.as_deref().or(r.subject.as_deref()), &people, r, operator, &ctx);
            let subject = if r.subject.is_some() && r.subject != r.actor {
                let (id, name) = party(r.subject.as_deref(), &people, r, operator, &ctx);
                if id.is_empty() { name } else { format!("{id}（{name}）") }
            } else {
                String::new()
            };
            Line {
                at: format_ts(r.at, ctx.lang),
                login_id,
                name,
                event: event_name(&ctx, &r.event),
                subject,
                ip: r.ip.clone().unwrap_or_default(),
            }
        })
        .collect();
    let action = format!("/{}/operation-log", current.portal.id);
    let link = |p: i64| format!("{action}?{}", q.query_string(p));
    let pager = Pager::new(page, total, PAGE, link);
    let users = master.then(|| {
        let mut list: Vec<&User> = people_list.iter().collect();
        list.sort_by_key(|u| (u.role != MASTER, u.id));
        list.into_iter().map(|u| (u.id.to_string(), format!("{}（{}）", u.login_id, u.name))).collect()
    });
    Ok(html(&LogPage {
        chrome: ctx.chrome(ctx.t.get("menu.operation_log"), Some(&current.portal), Some(Screen::OperationLog)),
        menu: menu(&current, &ctx),
        action,
        id_label: current.portal.settings.login_screen.id_label.get(ctx.lang).to_string(),
        users,
        events: EVENTS.iter().map(|e| (e.to_string(), event_name(&ctx, e))).collect(),
        query: q,
        errors,
        lines,
        total,
        pager,
    })?
    .into_response())
}
