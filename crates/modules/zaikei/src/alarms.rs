//! 財形アラーム明細照会 (manual Ⅳ.1-1-2, spec §3.6.3): the アラーム明細 of a delivery (the last
//! 3), filtered by アラーム種別, 期限日 (on or before) and 対応状況, and 「対応済にする」 with a
//! note (a POST with the kit's CSRF token, audited). Master and general users alike.

use crate::computed::{self, Holding};
use crate::kinds::{Cycle, DeliveryKind, SavingsKind};
use crate::statements::contract_of;
use crate::store::alarms::{self, Alarm, AlarmFilter, HoldingRow};
use crate::store::{self, Delivery};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use madoguchi_core::normalize;
use madoguchi_core::portal::MenuItem;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::{format_ts, format_yen};
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::pages::information::{MenuView, gate, menu};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// The longest 対応内容 note.
pub const NOTE_MAX: usize = 200;

#[derive(Deserialize, Default, Clone)]
pub struct AlarmQuery {
    #[serde(default)]
    pub delivery: String,
    #[serde(default)]
    pub alarm_kind: String,
    #[serde(default)]
    pub due_by: String,
    /// `open` 未対応, `done` 対応済, '' both.
    #[serde(default)]
    pub handled: String,
    #[serde(default)]
    pub done: String,
}

impl AlarmQuery {
    fn query_string(&self, delivery: i64) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("delivery", &delivery.to_string())
            .append_pair("alarm_kind", &self.alarm_kind)
            .append_pair("due_by", &self.due_by)
            .append_pair("handled", &self.handled)
            .finish()
    }
}

pub struct AlarmView {
    pub id: i64,
    pub alarm: Alarm,
    pub savings: String,
    pub handled_at: String,
    /// The note field's name (`note-<id>`), for its label and error.
    pub note_field: String,
    /// What was typed into the note when the mark came back with an error.
    pub note_typed: String,
}

#[derive(Template)]
#[template(path = "zaikei/alarms.html")]
pub struct AlarmsPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub action: String,
    pub query: AlarmQuery,
    pub deliveries: Vec<(String, String, bool)>,
    pub alarm_kinds: Vec<String>,
    pub summary: Option<String>,
    pub alarms: Vec<AlarmView>,
    /// Where each mark form returns to (the list with its filter).
    pub back: String,
    /// 「システム判定」: what the verdicts are read from (None: no 加入者残高一覧表 yet).
    pub computed_basis: Option<String>,
    pub computed: Vec<ComputedView>,
}

/// One 「システム判定」 row.
pub struct ComputedView {
    pub row: HoldingRow,
    pub savings: String,
    pub verdict: String,
    pub action: String,
    pub balance: String,
    pub limit: String,
    pub projected: String,
}

/// The 「システム判定」 section: the verdicts of `computed` over the latest 加入者残高一覧表 and
/// the latest 月例 預入依頼書 of the contract, and the sentence that says which.
async fn computed_section(
    conn: &mut madoguchi_store::Conn,
    contract: i64,
    ctx: &Ctx,
) -> Result<(Option<String>, Vec<ComputedView>), sqlx::Error> {
    let Some(balance) = store::recent(conn, contract, DeliveryKind::Balance).await?.into_iter().next() else {
        return Ok((None, Vec::new()));
    };
    let deposits = store::recent(conn, contract, DeliveryKind::Deposit).await?;
    let deposit = deposits.into_iter().find(|d| d.cycle == Some(Cycle::Monthly));
    let basis = match &deposit {
        Some(d) => ctx.t.get("zaikei.computed.basis").replace("{base}", &balance.due_on).replace("{due}", &d.due_on),
        None => ctx.t.get("zaikei.computed.basis_no_deposit").replace("{base}", &balance.due_on),
    };
    let rows = alarms::holdings(conn, contract, balance.id, deposit.as_ref().map(|d| d.id)).await?;
    let views = rows
        .into_iter()
        .filter_map(|row| {
            let kind = SavingsKind::from_code(&row.savings)?;
            let holding = Holding { kind, balance: row.balance, limit: row.limit, monthly: row.monthly };
            let verdict = computed::verdict(&holding)?;
            Some(ComputedView {
                savings: ctx.t.get(&format!("zaikei.savings.{}", row.savings)).to_string(),
                verdict: ctx.t.get(verdict.label_key()).to_string(),
                action: ctx.t.get(verdict.action_key()).to_string(),
                balance: format_yen(holding.balance),
                limit: holding.limit.map(format_yen).unwrap_or_default(),
                projected: format_yen(holding.projected()),
                row,
            })
        })
        .collect();
    Ok((Some(basis), views))
}

fn delivery_label(d: &Delivery, ctx: &Ctx) -> String {
    format!(
        "{} {}（{} {}）",
        ctx.t.get("zaikei.date.alarm"),
        d.due_on,
        ctx.t.get("zaikei.col_received"),
        format_ts(d.received_at, ctx.lang)
    )
}

fn read_filter(q: &AlarmQuery, kinds: &[String], ctx: &Ctx, errors: &mut FieldErrors) -> AlarmFilter {
    let alarm_kind = q.alarm_kind.trim().to_string();
    if !alarm_kind.is_empty() && !kinds.contains(&alarm_kind) {
        errors.add("alarm_kind", ctx.t.get("zaikei.err_choice"));
    }
    let due_by = normalize::fold(q.due_by.trim()).replace('/', "-");
    let due_by = match due_by.as_str() {
        "" => String::new(),
        raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) => d.format("%Y-%m-%d").to_string(),
            Err(_) => {
                errors.add("due_by", ctx.t.get("zaikei.err_date"));
                String::new()
            }
        },
    };
    let handled = match q.handled.as_str() {
        "" => None,
        "open" => Some(false),
        "done" => Some(true),
        _ => {
            errors.add("handled", ctx.t.get("zaikei.err_choice"));
            None
        }
    };
    AlarmFilter { alarm_kind, due_by, handled }
}

/// The page, with `errors` and the typed note of a refused mark (`typed`: alarm id and note).
async fn page(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    q: AlarmQuery,
    mut errors: FieldErrors,
    typed: Option<(i64, String)>,
) -> Result<Response, AppError> {
    let contract = contract_of(current);
    let mut conn = state.store.acquire().await?;
    let recent = store::recent(&mut conn, contract, DeliveryKind::Alarm).await?;
    let chosen = match q.delivery.trim().parse::<i64>() {
        Ok(id) => match store::shown(&mut conn, contract, id).await? {
            Some(d) if d.kind == DeliveryKind::Alarm => Some(d),
            _ => return Err(AppError::NotFound),
        },
        Err(_) if q.delivery.trim().is_empty() => recent.first().cloned(),
        Err(_) => {
            errors.add("delivery", ctx.t.get("zaikei.err_choice"));
            recent.first().cloned()
        }
    };
    let kinds = match &chosen {
        Some(d) => alarms::kinds(&mut conn, contract, d.id).await?,
        None => Vec::new(),
    };
    let filter = read_filter(&q, &kinds, ctx, &mut errors);
    let list = match &chosen {
        Some(d) if errors.is_empty() || typed.is_some() => alarms::list(&mut conn, contract, d.id, &filter).await?,
        _ => Vec::new(),
    };
    let (computed_basis, computed) = computed_section(&mut conn, contract, ctx).await?;
    drop(conn);
    let action = format!("/{}/zaikei/alarms", current.portal.id);
    let back = format!("{action}?{}", q.query_string(chosen.as_ref().map(|d| d.id).unwrap_or(0)));
    let notice = (q.done == "handled").then(|| ctx.t.get("zaikei.handled_done").to_string());
    let page = AlarmsPage {
        chrome: ctx.chrome(ctx.t.get("menu.zaikei_alarms"), Some(&current.portal), Some(Screen::ZaikeiAlarms)),
        menu: menu(current, ctx),
        notice,
        deliveries: recent
            .iter()
            .map(|d| (d.id.to_string(), delivery_label(d, ctx), Some(d.id) == chosen.as_ref().map(|c| c.id)))
            .collect(),
        alarm_kinds: kinds,
        summary: chosen.as_ref().map(|d| delivery_label(d, ctx)),
        alarms: list
            .into_iter()
            .map(|a| AlarmView {
                id: a.id,
                savings: ctx.t.get(&format!("zaikei.savings.{}", a.savings)).to_string(),
                handled_at: a.handled_at.map(|t| format_ts(t, ctx.lang)).unwrap_or_default(),
                note_field: format!("note-{}", a.id),
                note_typed: typed.as_ref().filter(|(id, _)| *id == a.id).map(|(_, n)| n.clone()).unwrap_or_default(),
                alarm: a,
            })
            .collect(),
        back,
        action,
        query: q,
        errors,
        computed_basis,
        computed,
    };
    Ok(html(&page)?.into_response())
}

pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Query(q): Query<AlarmQuery>,
) -> Result<Response, AppError> {
    if let Some(response) = gate(&state, &current, MenuItem::ZaikeiAlarms) {
        return Ok(response);
    }
    page(&state, &current, &ctx, q, FieldErrors::default(), None).await
}

#[derive(Deserialize)]
pub struct HandledForm {
    #[serde(default)]
    note: String,
    /// The list's filter, to return to it.
    #[serde(default)]
    alarm_kind: String,
    #[serde(default)]
    due_by: String,
    #[serde(default)]
    handled: String,
}

/// 「対応済にする」: the alarm of the contract gets the note, who and when; audited.
pub async fn mark_handled(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<HandledForm>,
) -> Result<Response, AppError> {
    if let Some(response) = gate(&state, &current, MenuItem::ZaikeiAlarms) {
        return Ok(response);
    }
    let contract = contract_of(&current);
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let delivery = alarms::delivery_of(&mut tx, contract, id).await?.ok_or(AppError::NotFound)?;
    let note = form.note.trim().to_string();
    let q = AlarmQuery {
        delivery: delivery.to_string(),
        alarm_kind: form.alarm_kind,
        due_by: form.due_by,
        handled: form.handled,
        done: String::new(),
    };
    let field = format!("note-{id}");
    let problem = if note.is_empty() {
        Some("zaikei.err_note")
    } else if note.chars().count() > NOTE_MAX {
        Some("zaikei.err_note_long")
    } else {
        None
    };
    if let Some(key) = problem {
        drop(tx);
        let errors = FieldErrors::field(&field, ctx.t.get(key));
        return page(&state, &current, &ctx, q, errors, Some((id, form.note))).await;
    }
    let actor = format!("user:{}", current.user.id);
    if !alarms::mark_handled(&mut tx, contract, id, &note, &actor, now).await? {
        return Err(AppError::NotFound);
    }
    let subject = current.user.organization_id.map(|o| format!("organization:{o}"));
    let detail = format!("アラーム明細 {id}");
    let entry = AuditEntry {
        portal: &current.portal.id,
        event: "zaikei.alarm_handled",
        actor: Some(&actor),
        subject: subject.as_deref(),
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(&detail),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    let back = format!("/{}/zaikei/alarms?{}&done=handled", current.portal.id, q.query_string(delivery));
    Ok(Redirect::to(&back).into_response())
}
