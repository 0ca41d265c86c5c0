//! 財形変更後明細送信 (§3.6.7): a サイクル's draft summed per 財形種類 (件数, 金額差), the
//! deadline, 「送信」 → the server-side confirmation 「変更後明細を労金に送信します。よろしいで
//! すか？」 → 送信完了 with a receipt number. A send turns the draft into the sent version; a
//! later edit starts a new draft, and sending it supersedes (the operator takes the latest).

use crate::change::{ChangeLine, change_lines, current_rows, refusal};
use crate::cycle::{self, Cycle, signed_yen};
use crate::edit::base_of;
use crate::kinds::SavingsKind;
use crate::review::{self, Reviewed};
use crate::rules;
use crate::store::changes::{self, ChangeSet};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::portal::MenuItem;
use madoguchi_mail::MailKind;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::limits::{self, Limit};
use madoguchi_web::confirm::{self, Confirmation, Step};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::pages::information::{MenuView, menu};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// Sends per contract and hour: a send queues a mail to every user of the contract.
const SENDS_PER_HOUR: Limit = Limit::per_hour("zaikei_send.contract", 20);

/// 件数 and 金額差 of one 財形種類.
pub struct KindTotal {
    pub kind: String,
    pub count: usize,
    pub difference: String,
}

/// Per 財形種類 and overall: how many changes, and what they add to the サイクル's total.
pub fn totals(reviewed: &[Reviewed]) -> Vec<KindTotal> {
    let diff = |r: &Reviewed| r.row.after().unwrap_or(0) - r.row.before_amount.unwrap_or(0);
    let mut out: Vec<KindTotal> = SavingsKind::ALL
        .iter()
        .map(|k| {
            let of: Vec<&Reviewed> = reviewed.iter().filter(|r| r.kind() == Some(*k)).collect();
            KindTotal {
                kind: k.label().to_string(),
                count: of.len(),
                difference: signed_yen(of.iter().map(|r| diff(r)).sum()),
            }
        })
        .collect();
    out.push(KindTotal {
        kind: "合計".into(),
        count: reviewed.len(),
        difference: signed_yen(reviewed.iter().map(diff).sum()),
    });
    out
}

#[derive(Template)]
#[template(path = "zaikei/send.html")]
pub struct SendPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub action: String,
    pub change_link: String,
    pub cycle_title: String,
    pub deadline: String,
    pub closed: Option<String>,
    pub totals: Vec<KindTotal>,
    pub lines: Vec<ChangeLine>,
    /// How many changes fail the rules.
    pub invalid: usize,
    /// Why a send was refused (the page's error summary).
    pub errors: FieldErrors,
    /// The draft can be sent: open, no error, something to send.
    pub sendable: bool,
    pub base: String,
    /// The last send, if any: (version, receipt, 送信日時).
    pub last_sent: Option<(i64, String, String)>,
    pub draft: bool,
}

struct Loaded {
    contract: i64,
    cycle: Cycle,
    latest: Option<ChangeSet>,
    reviewed: Vec<Reviewed>,
    last_sent: Option<ChangeSet>,
}

async fn load(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    id: i64,
) -> Result<Result<Loaded, Response>, AppError> {
    let contract = match cycle::enter(state, current, ctx, MenuItem::ZaikeiSend).await? {
        Ok(contract) => contract,
        Err(response) => return Ok(Err(response)),
    };
    let cycle = cycle::load(state, current, contract, id).await?;
    let (latest, rows) = current_rows(state, contract, id).await?;
    let mut conn = state.store.acquire().await?;
    let reviewed = review::review(&mut conn, contract, &cycle, rows, ctx.t).await?;
    let last_sent = changes::latest_sent(&mut conn, contract, id).await?;
    Ok(Ok(Loaded { contract, cycle, latest, reviewed, last_sent }))
}

fn page(
    current: &CurrentUser,
    ctx: &Ctx,
    l: &Loaded,
    id: i64,
    refusal_errors: FieldErrors,
) -> Result<Response, AppError> {
    let base_path = format!("/{}/zaikei", current.portal.id);
    let lines = change_lines(&l.reviewed, &format!("{base_path}/change/{id}"), ctx);
    let invalid = lines.iter().filter(|c| !c.errors.is_empty()).count();
    let draft = l.latest.as_ref().is_some_and(|s| !s.sent);
    let closed = refusal(&l.cycle, ctx);
    Ok(html(&SendPage {
        chrome: ctx.chrome(ctx.t.get("menu.zaikei_send"), Some(&current.portal), Some(Screen::ZaikeiSend)),
        menu: menu(current, ctx),
        action: format!("{base_path}/send/{id}"),
        change_link: format!("{base_path}/change/{id}"),
        cycle_title: l.cycle.title(),
        deadline: l.cycle.deadline_text(),
        sendable: draft && invalid == 0 && closed.is_none(),
        closed,
        totals: totals(&l.reviewed),
        lines,
        invalid,
        errors: refusal_errors,
        base: base_of(l.latest.as_ref()),
        last_sent: l.last_sent.as_ref().map(|s| {
            (
                s.version,
                s.receipt_no.clone().unwrap_or_default(),
                s.sent_at.map(|t| format_ts(t, ctx.lang)).unwrap_or_default(),
            )
        }),
        draft,
    })?
    .into_response())
}

/// `GET /{portal}/zaikei/send`: the サイクル to send.
pub async fn pick(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    crate::change::pick_page(&state, &current, &ctx, MenuItem::ZaikeiSend).await
}

/// `GET /{portal}/zaikei/send/{id}`.
pub async fn form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    match load(&state, &current, &ctx, id).await? {
        Ok(l) => page(&current, &ctx, &l, id, FieldErrors::default()),
        Err(response) => Ok(response),
    }
}

#[derive(Deserialize, Default)]
pub struct SendForm {
    #[serde(default)]
    pub base: String,
    #[serde(default, rename = "_step")]
    pub step: String,
}

/// `POST /{portal}/zaikei/send/{id}`: 「送信」 asks, 「はい」 sends.
pub async fn send(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<SendForm>,
) -> Result<Response, AppError> {
    let l = match load(&state, &current, &ctx, id).await? {
        Ok(l) => l,
        Err(response) => return Ok(response),
    };
    let refuse = |key: &str| -> Result<Response, AppError> { refused(&current, &ctx, &l, id, ctx.t.get(key)) };
    if let Some(message) = refusal(&l.cycle, &ctx) {
        return refused(&current, &ctx, &l, id, &message);
    }
    let Some(draft) = l.latest.clone().filter(|s| !s.sent) else { return refuse("zchange.err_nothing_to_send") };
    if base_of(Some(&draft)) != form.base {
        return refuse("zchange.err_conflict");
    }
    if l.reviewed.iter().any(|r| !r.errors.is_empty()) {
        return refuse("zchange.err_send_errors");
    }
    if Step::of(&form.step) != Step::Confirmed {
        let confirmation = Confirmation::new(
            &ctx,
            ctx.t.get("zchange.send_question"),
            format!("/{}/zaikei/send/{id}", current.portal.id),
        )
        .fact(ctx.t.get("zchange.cycle"), l.cycle.title())
        .fact(ctx.t.get("zchange.change_count"), l.reviewed.len().to_string())
        .fact(ctx.t.get("zchange.deadline"), l.cycle.deadline_text())
        .carry("base", form.base.clone())
        .buttons(ctx.t.get("zchange.send"), ctx.t.get("confirm.no"))
        .no_link(format!("/{}/zaikei/send/{id}", current.portal.id));
        return Ok(confirm::page(
            &ctx,
            ctx.t.get("menu.zaikei_send"),
            Some(&current.portal),
            Some(Screen::ZaikeiSend),
            confirmation,
        )?
        .into_response());
    }
    let now = state.clock.unix();
    let by = format!("user:{}", current.user.id);
    let mut tx = state.store.begin().await?;
    if !limits::take(&mut tx, &current.portal.id, &SENDS_PER_HOUR, &l.contract.to_string(), now).await? {
        return refuse("zchange.err_too_many_sends");
    }
    // The lock: the draft the page showed, unchanged since (another tab did not save or send).
    if !changes::claim(&mut tx, draft.id, draft.revision, &by, now).await? {
        return refuse("zchange.err_conflict");
    }
    let receipt = rules::receipt_number(state.clock.now_jst(), draft.id);
    changes::mark_sent(&mut tx, l.contract, &draft, &by, now, &receipt).await?;
    let detail = format!("{} v{} {} {} changes", l.cycle.delivery.due_on, draft.version, receipt, l.reviewed.len());
    let entry = AuditEntry {
        portal: &current.portal.id,
        event: "zaikei.sent",
        actor: Some(&by),
        subject: None,
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(&detail),
    };
    audit::record(&mut tx, &entry, now).await?;
    let deadline = l.cycle.deadline_text();
    let values =
        [("receipt", receipt.as_str()), ("due", l.cycle.delivery.due_on.as_str()), ("deadline", deadline.as_str())];
    let path = format!("/zaikei/history/{id}");
    crate::notify::mail_contract(
        &state,
        &mut tx,
        &current.portal,
        l.contract,
        MailKind::ZaikeiChangesSent,
        &path,
        &values,
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(Redirect::to(&format!("/{}/zaikei/send/{id}/done", current.portal.id)).into_response())
}

/// The send screen again with why the send was refused, nothing changed.
fn refused(current: &CurrentUser, ctx: &Ctx, l: &Loaded, id: i64, message: &str) -> Result<Response, AppError> {
    page(current, ctx, l, id, FieldErrors::form(message))
}

#[derive(Template)]
#[template(path = "zaikei/send_done.html")]
pub struct DonePage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub base: String,
    pub id: i64,
    pub cycle_title: String,
    pub receipt: String,
    pub sent_at: String,
    pub version: i64,
    pub deadline: String,
}

/// `GET /{portal}/zaikei/send/{id}/done`: 送信完了 with the receipt number of the last send.
pub async fn done(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let l = match load(&state, &current, &ctx, id).await? {
        Ok(l) => l,
        Err(response) => return Ok(response),
    };
    let Some(sent) = l.last_sent.as_ref() else {
        return Ok(Redirect::to(&format!("/{}/zaikei/send/{id}", current.portal.id)).into_response());
    };
    Ok(html(&DonePage {
        chrome: ctx.chrome(ctx.t.get("zchange.sent_title"), Some(&current.portal), Some(Screen::ZaikeiSend)),
        menu: menu(&current, &ctx),
        base: format!("/{}", current.portal.id),
        id,
        cycle_title: l.cycle.title(),
        receipt: sent.receipt_no.clone().unwrap_or_default(),
        sent_at: sent.sent_at.map(|t| format_ts(t, ctx.lang)).unwrap_or_default(),
        version: sent.version,
        deadline: l.cycle.deadline_text(),
    })?
    .into_response())
}
