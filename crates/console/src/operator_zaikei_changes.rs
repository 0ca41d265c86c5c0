//! rokin 財形 in the operator console (spec rokin-zaikei §3.7.2–3): the per-contract 明細変更機能
//! option, and 送信済変更一覧 — per 入金予定日, the contracts that sent (their latest version),
//! those with unsent drafts and those with nothing; the CSV of the latest sent versions
//! (`madoguchi_zaikei::export`, the same lines as `madoguchi zaikei export`); 「労金処理済」 per
//! contract or for all, after a confirmation, which makes the delivery's 明細 take the changed
//! amounts and mails the contract's users. Every download and every 処理済 is audited. Only on
//! a portal whose preset lists the module (404 elsewhere).

use crate::excel_csv;
use crate::operator::{SignedIn, console_path};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use madoguchi_mail::MailKind;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::limits::{self, Limit};
use madoguchi_web::confirm::{self, Confirmation, Step};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use madoguchi_zaikei::store::sent::{self, DueDelivery};
use serde::Deserialize;

/// Downloads per operator and hour: each reads every sent change of a day.
const EXPORTS_PER_HOUR: Limit = Limit::per_hour("zaikei_export.operator", 60);

fn zaikei_portal(signed: &SignedIn) -> Result<(), AppError> {
    if signed.portal.settings.modules.contains(&madoguchi_zaikei::MODULE) { Ok(()) } else { Err(AppError::NotFound) }
}

#[derive(Deserialize, Default)]
pub struct OptionForm {
    /// `on` or `off`: what the button sets.
    #[serde(default)]
    pub to: String,
    #[serde(default, rename = "_step")]
    pub step: String,
}

/// `POST /{portal}/operator/contracts/{id}/zaikei-change`: turns the 明細変更機能 option on or
/// off, after a confirmation naming the contract.
pub async fn set_option(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<OptionForm>,
) -> Result<Response, AppError> {
    zaikei_portal(&signed)?;
    let on = match form.to.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::NotFound),
    };
    let contract = {
        let mut conn = state.store.acquire().await?;
        madoguchi_store::contracts::by_id(&mut conn, &signed.portal.id, id).await?.ok_or(AppError::NotFound)?
    };
    let base = console_path(&signed.portal);
    let t = ctx.t;
    if Step::of(&form.step) != Step::Confirmed {
        let question = t.get(if on { "op.zchange.option_on_confirm" } else { "op.zchange.option_off_confirm" });
        let confirmation = Confirmation::new(&ctx, question, format!("{base}/contracts/{id}/zaikei-change"))
            .fact(t.get("master.number"), contract.customer_id.clone())
            .carry("to", form.to.as_str())
            .buttons(t.get(if on { "op.zchange.option_on" } else { "op.zchange.option_off" }), t.get("form.cancel"))
            .no_link(format!("{base}/contracts"));
        return Ok(
            confirm::page(&ctx, t.get("op.contracts.title"), Some(&signed.portal), None, confirmation)?.into_response()
        );
    }
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    madoguchi_zaikei::store::set_change_option(&mut tx, contract.id, on).await?;
    let actor = format!("operator:{}", signed.operator.id);
    let subject = format!("organization:{}", contract.organization_id);
    let detail = format!("{} {}", contract.customer_id, if on { "on" } else { "off" });
    let entry = AuditEntry {
        portal: &signed.portal.id,
        event: "zaikei.change_option",
        actor: Some(&actor),
        subject: Some(&subject),
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(&detail),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{base}/contracts")).into_response())
}

#[derive(Deserialize, Default)]
pub struct DueQuery {
    #[serde(default)]
    pub due: String,
    #[serde(default)]
    pub done: String,
}

/// One contract of the list.
pub struct DueLine {
    pub delivery: i64,
    pub contract_no: String,
    pub organization: String,
    pub cycle: String,
    /// 送信済 (version, receipt, 送信日時) / 未送信の変更あり / 変更なし.
    pub status: String,
    pub receipt: String,
    pub sent_at: String,
    pub processed: bool,
    /// Sent and not yet processed: 「労金処理済」 is offered.
    pub processable: bool,
}

#[derive(Template)]
#[template(path = "operator/zaikei_sent_changes.html")]
pub struct ChangesPage {
    pub chrome: Chrome,
    pub base: String,
    pub due: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub lines: Vec<DueLine>,
    pub processable: usize,
}

fn parse_due(raw: &str) -> Option<String> {
    let folded = madoguchi_web::forms::fold(raw.trim()).replace('/', "-");
    NaiveDate::parse_from_str(&folded, "%Y-%m-%d").ok().map(|d| d.format("%Y-%m-%d").to_string())
}

fn line(d: &DueDelivery, ctx: &Ctx) -> DueLine {
    let t = ctx.t;
    let (status, receipt, sent_at) = match (&d.sent, &d.draft) {
        (Some(s), draft) => {
            let mut status = format!("{} {}{}", t.get("op.zchange.sent"), t.get("op.zchange.version"), s.version);
            if s.processed_at.is_some() {
                status = format!("{status}・{}", t.get("op.zchange.processed"));
            }
            if draft.is_some() {
                status = format!("{status}（{}）", t.get("op.zchange.newer_draft"));
            }
            (
                status,
                s.receipt_no.clone().unwrap_or_default(),
                s.sent_at.map(|at| format_ts(at, ctx.lang)).unwrap_or_default(),
            )
        }
        (None, Some(_)) => (t.get("op.zchange.draft_only").to_string(), String::new(), String::new()),
        (None, None) => (t.get("op.zchange.nothing").to_string(), String::new(), String::new()),
    };
    let processed = d.sent.as_ref().is_some_and(|s| s.processed_at.is_some());
    DueLine {
        delivery: d.delivery_id,
        contract_no: d.contract_no.clone(),
        organization: d.organization.clone(),
        cycle: d.cycle.map(|c| c.label().to_string()).unwrap_or_default(),
        status,
        receipt,
        sent_at,
        processed,
        processable: d.sent.is_some() && !processed,
    }
}

/// `GET /{portal}/operator/zaikei/changes?due=YYYY-MM-DD`: 送信済変更一覧.
pub async fn changes(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Query(q): Query<DueQuery>,
) -> Result<Response, AppError> {
    zaikei_portal(&signed)?;
    let mut errors = FieldErrors::default();
    let due = if q.due.trim().is_empty() { None } else { parse_due(&q.due) };
    if !q.due.trim().is_empty() && due.is_none() {
        errors.add("due", ctx.t.get("op.zchange.err_due"));
    }
    let lines = match &due {
        Some(due) => {
            let mut conn = state.store.acquire().await?;
            sent::due(&mut conn, &signed.portal.id, due).await?.iter().map(|d| line(d, &ctx)).collect()
        }
        None => Vec::new(),
    };
    let notice = match q.done.as_str() {
        "processed" => Some(ctx.t.get("op.zchange.done_processed").to_string()),
        _ => None,
    };
    Ok(html(&ChangesPage {
        chrome: ctx.chrome(ctx.t.get("op.zchange.title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        due: due.unwrap_or_else(|| q.due.clone()),
        errors,
        notice,
        processable: lines.iter().filter(|l: &&DueLine| l.processable).count(),
        lines,
    })?
    .into_response())
}

/// `GET /{portal}/operator/zaikei/changes.csv?due=YYYY-MM-DD`: the latest sent versions.
pub async fn export(
    State(state): State<AppState>,
    signed: SignedIn,
    origin: Origin,
    Query(q): Query<DueQuery>,
) -> Result<Response, AppError> {
    zaikei_portal(&signed)?;
    let due = parse_due(&q.due).ok_or(AppError::NotFound)?;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let who = signed.operator.id.to_string();
    if !limits::take(&mut tx, &signed.portal.id, &EXPORTS_PER_HOUR, &who, now).await? {
        return Err(AppError::TooMany);
    }
    let found = madoguchi_zaikei::export::of_due(&mut tx, &signed.portal.id, &due).await?;
    let file = format!("zaikei-changes-{due}");
    excel_csv::record_export(&mut tx, &signed, &origin, &file, found.lines.len(), now).await?;
    let actor = format!("operator:{}", signed.operator.id);
    let detail = format!("{due} {} contracts {} rows", found.contracts, found.lines.len());
    let entry = AuditEntry {
        portal: &signed.portal.id,
        event: "zaikei.changes_exported",
        actor: Some(&actor),
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(&detail),
        ..AuditEntry::default()
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    excel_csv::download(&file, &signed.portal.id, now, madoguchi_zaikei::export::HEADING, found.lines)
}

#[derive(Deserialize, Default)]
pub struct ProcessForm {
    #[serde(default)]
    pub due: String,
    #[serde(default, rename = "_step")]
    pub step: String,
}

/// `POST /{portal}/operator/zaikei/changes/{delivery}/processed`: 「労金処理済」 for one contract.
pub async fn processed_one(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, delivery)): Path<(String, i64)>,
    Form(form): Form<ProcessForm>,
) -> Result<Response, AppError> {
    process(state, signed, ctx, origin, Some(delivery), form).await
}

/// `POST /{portal}/operator/zaikei/changes/processed`: 「労金処理済」 for every sent contract of the day.
pub async fn processed_all(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Form(form): Form<ProcessForm>,
) -> Result<Response, AppError> {
    process(state, signed, ctx, origin, None, form).await
}

async fn process(
    state: AppState,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    only: Option<i64>,
    form: ProcessForm,
) -> Result<Response, AppError> {
    zaikei_portal(&signed)?;
    let due = parse_due(&form.due).ok_or(AppError::NotFound)?;
    let base = console_path(&signed.portal);
    let pending = |list: Vec<DueDelivery>| -> Vec<DueDelivery> {
        list.into_iter()
            .filter(|d| only.is_none_or(|id| id == d.delivery_id))
            .filter(|d| d.sent.as_ref().is_some_and(|s| s.processed_at.is_none()))
            .collect()
    };
    let targets = {
        let mut conn = state.store.acquire().await?;
        pending(sent::due(&mut conn, &signed.portal.id, &due).await?)
    };
    if only.is_some() && targets.is_empty() {
        return Err(AppError::NotFound);
    }
    let t = ctx.t;
    let action = match only {
        Some(id) => format!("{base}/zaikei/changes/{id}/processed"),
        None => format!("{base}/zaikei/changes/processed"),
    };
    if Step::of(&form.step) != Step::Confirmed {
        let mut confirmation = Confirmation::new(&ctx, t.get("op.zchange.process_confirm"), action)
            .fact(t.get("op.zchange.due"), due.clone())
            .fact(t.get("op.zchange.contracts"), targets.len().to_string())
            .carry("due", due.as_str())
            .buttons(t.get("op.zchange.process"), t.get("form.cancel"))
            .no_link(format!("{base}/zaikei/changes?due={due}"));
        for d in &targets {
            confirmation = confirmation.fact(t.get("master.number"), format!("{} {}", d.contract_no, d.organization));
        }
        return Ok(
            confirm::page(&ctx, t.get("op.zchange.title"), Some(&signed.portal), None, confirmation)?.into_response()
        );
    }
    let now = state.clock.unix();
    let actor = format!("operator:{}", signed.operator.id);
    let mut tx = state.store.begin().await?;
    // Read again in the transaction: another operator may have processed some meanwhile.
    let targets = pending(sent::due(&mut tx, &signed.portal.id, &due).await?);
    for d in &targets {
        let Some(set) = &d.sent else { continue };
        sent::apply(&mut tx, d.contract_id, set, &d.due_on, now).await?;
        let subject = format!("contract:{}", d.contract_id);
        let detail =
            format!("{} {} v{} {}", d.contract_no, d.due_on, set.version, set.receipt_no.clone().unwrap_or_default());
        let organization = sent::organization_of(&mut tx, d.contract_id).await?;
        let subject = organization.map(|o| format!("organization:{o}")).unwrap_or(subject);
        let entry = AuditEntry {
            portal: &signed.portal.id,
            event: "zaikei.processed",
            actor: Some(&actor),
            subject: Some(&subject),
            ip: origin.ip.as_deref(),
            user_agent: origin.user_agent.as_deref(),
            detail: Some(&detail),
        };
        audit::record(&mut tx, &entry, now).await?;
        let receipt = set.receipt_no.clone().unwrap_or_default();
        let values = [("receipt", receipt.as_str()), ("due", d.due_on.as_str())];
        madoguchi_zaikei::notify::mail_contract(
            &state,
            &mut tx,
            &signed.portal,
            d.contract_id,
            MailKind::ZaikeiChangesApplied,
            "/home",
            &values,
        )
        .await?;
    }
    tx.commit().await?;
    state.mailer.wake();
    Ok(Redirect::to(&format!("{base}/zaikei/changes?due={due}&done=processed")).into_response())
}
