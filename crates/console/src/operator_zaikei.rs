//! 財形データ取込 (rokin, module `zaikei`; spec §3.7.1) in the operator console, from 契約の管理:
//! per contract the deliveries it has (the last 3 per kind), and the upload of one file of the
//! bank's → a preview (区分, date, 件数 and 金額 per 財形種類, what it replaces) or every refused
//! line with its number → 「取込」. The preview carries the file's text in its form, so that
//! 「取込」 sends it again and it is parsed again (a hidden field is input like any other).
//! A delivery the employer has changed is replaced only by 「変更内容を破棄して再取込」.
//! The import itself (store, audit, mails) is the module's (`madoguchi_zaikei::import`), as
//! for `madoguchi zaikei import`.

use crate::operator::{SignedIn, console_path};
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::csv_import::{RowError, decode_csv};
use madoguchi_store::contracts;
use madoguchi_store::limits::{self, Limit};
use madoguchi_web::confirm::Step;
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::files::uploads;
use madoguchi_web::format::{format_ts, format_yen};
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use madoguchi_zaikei::import::{self, Importer, Outcome, Target};
use madoguchi_zaikei::kinds::DeliveryKind;
use madoguchi_zaikei::layout::{self, Parsed};
use madoguchi_zaikei::store as zstore;
use serde::Deserialize;

/// Imports per operator and hour: a branch imports a few files per contract a month, so 120
/// leaves room for a day's catch-up while a runaway script (or a stolen session) is stopped.
/// The preview (parsing only, nothing stored) is not counted.
const IMPORTS_PER_HOUR: Limit = Limit::per_hour("zaikei.import.operator", 120);

fn offered(signed: &SignedIn) -> Result<(), AppError> {
    if signed.portal.settings.modules.contains(&madoguchi_zaikei::MODULE) { Ok(()) } else { Err(AppError::NotFound) }
}

/// The contract of this portal with its organization's name; 404 for another portal's.
async fn contract(state: &AppState, signed: &SignedIn, id: i64) -> Result<(contracts::Contract, String), AppError> {
    let mut conn = state.store.acquire().await?;
    let contract = contracts::by_id(&mut conn, &signed.portal.id, id).await?.ok_or(AppError::NotFound)?;
    let name = contracts::organization_name(&mut conn, contract.organization_id).await?.unwrap_or_default();
    Ok((contract, name))
}

pub struct DeliveryLine {
    pub kind: String,
    pub date: String,
    pub received: String,
    pub rows: i64,
    pub state: String,
    pub file_name: String,
}

#[derive(Template)]
#[template(path = "operator/zaikei.html")]
pub struct ZaikeiPage {
    pub chrome: Chrome,
    pub base: String,
    pub action: String,
    pub deliveries: Vec<DeliveryLine>,
    /// (code, label, selected)
    pub kinds: Vec<(String, String, bool)>,
    pub errors: FieldErrors,
    /// The refused lines of the file: (line, message).
    pub refused: Vec<(u64, String)>,
    pub notice: Option<String>,
}

fn kind_label(ctx: &Ctx, kind: DeliveryKind) -> String {
    ctx.t.get(&format!("zaikei.kind.{}", kind.code())).to_string()
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    id: i64,
    kind: Option<DeliveryKind>,
    errors: FieldErrors,
    refused: Vec<RowError>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let (contract, organization) = contract(state, signed, id).await?;
    let mut conn = state.store.acquire().await?;
    let mut deliveries = Vec::new();
    for k in DeliveryKind::ALL {
        for d in zstore::recent(&mut conn, contract.id, k).await? {
            let cycle =
                d.cycle.map(|c| format!(" {}", ctx.t.get(&format!("zaikei.cycle.{}", c.code())))).unwrap_or_default();
            deliveries.push(DeliveryLine {
                kind: format!("{}{cycle}", kind_label(ctx, k)),
                date: format!("{} {}", ctx.t.get(&format!("zaikei.date.{}", k.code())), d.due_on),
                received: format_ts(d.received_at, ctx.lang),
                rows: d.row_count,
                state: ctx.t.get(&format!("zaikei.st.{}", d.state.code())).to_string(),
                file_name: d.file_name,
            });
        }
    }
    drop(conn);
    let base = console_path(&signed.portal);
    let title = format!("{}（{} {organization}）", ctx.t.get("op.zaikei.title"), contract.customer_id);
    Ok(html(&ZaikeiPage {
        chrome: ctx.chrome(&title, Some(&signed.portal), None),
        action: format!("{base}/contracts/{id}/zaikei"),
        base,
        deliveries,
        kinds: DeliveryKind::ALL
            .iter()
            .map(|k| (k.code().to_string(), kind_label(ctx, *k), Some(*k) == kind))
            .collect(),
        errors,
        refused: refused.into_iter().map(|e| (e.line, e.message)).collect(),
        notice,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let notice = match query.done.as_str() {
        "imported" => Some(ctx.t.get("op.zaikei.imported").to_string()),
        _ => None,
    };
    page(&state, &signed, &ctx, id, None, FieldErrors::default(), Vec::new(), notice).await
}

pub struct TotalLine {
    pub label: String,
    pub count: i64,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "operator/zaikei_preview.html")]
pub struct PreviewPage {
    pub chrome: Chrome,
    /// The console's address (the nav's links).
    pub base: String,
    pub action: String,
    pub back: String,
    pub kind: String,
    pub kind_label: String,
    pub facts: Vec<(String, String)>,
    pub totals: Vec<TotalLine>,
    pub content: String,
    pub file_name: String,
    /// The delivery it replaces has employer changes: only 「変更内容を破棄して再取込」.
    pub changed: bool,
    pub replaces: bool,
}

/// What the upload or the preview's 「取込」 sent: the kind, the file's text and name.
struct Sent {
    kind: Option<DeliveryKind>,
    text: Result<String, String>,
    file_name: String,
    step: Step,
    discard: bool,
}

fn read_sent(upload: uploads::Upload) -> Sent {
    let kind = DeliveryKind::parse(upload.text("kind"));
    let step = Step::of(upload.text("_step"));
    let discard = upload.text("discard") == "1";
    if step == Step::Confirmed {
        // The preview's hidden field: cleaned again, as anything a form sends.
        let file_name = madoguchi_core::files::file_name(upload.text("file_name"), "zaikei.csv", None);
        return Sent { kind, text: Ok(upload.text("content").to_string()), file_name, step, discard };
    }
    let (text, file_name) = match (&upload.file, upload.too_large) {
        (_, true) => (Err("too_large".to_string()), String::new()),
        (Some((name, bytes)), false) if !bytes.is_empty() => {
            (decode_csv(bytes), madoguchi_core::files::file_name(name, "zaikei.csv", None))
        }
        _ => (Err("missing".to_string()), String::new()),
    };
    Sent { kind, text, file_name, step, discard }
}

pub async fn upload(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let max = state.config.server.manual_max_bytes;
    let Some(upload) = uploads::read(multipart, max).await else {
        let errors = FieldErrors::field("file", ctx.t.get("op.manuals.err_unreadable"));
        return page(&state, &signed, &ctx, id, None, errors, Vec::new(), None).await;
    };
    let sent = read_sent(upload);
    let mut errors = FieldErrors::default();
    if sent.kind.is_none() {
        errors.add("kind", ctx.t.get("zaikei.err_choice"));
    }
    let text = match &sent.text {
        Ok(text) => text.clone(),
        Err(reason) => {
            let key = match reason.as_str() {
                "missing" => "op.zaikei.err_file",
                "too_large" => "op.zaikei.err_too_large",
                _ => "op.zaikei.err_encoding",
            };
            errors.add("file", ctx.t.get(key));
            String::new()
        }
    };
    let Some(kind) = sent.kind.filter(|_| errors.is_empty()) else {
        return page(&state, &signed, &ctx, id, sent.kind, errors, Vec::new(), None).await;
    };
    let parsed = match layout::parse(kind, text.as_bytes()) {
        Ok(parsed) => parsed,
        Err(refused) => {
            let errors =
                FieldErrors::field("file", &ctx.t.get("op.zaikei.err_rows").replace("{n}", &refused.len().to_string()));
            return page(&state, &signed, &ctx, id, Some(kind), errors, refused, None).await;
        }
    };
    let (contract, organization) = contract(&state, &signed, id).await?;
    if sent.step != Step::Confirmed {
        return preview(&state, &signed, &ctx, id, contract.id, &parsed, text, sent.file_name).await;
    }
    let now = state.clock.unix();
    let actor = format!("operator:{}", signed.operator.id);
    let importer = Importer { actor: &actor, ip: origin.ip.as_deref(), user_agent: origin.user_agent.as_deref() };
    let target = Target {
        portal: &signed.portal,
        contract_id: contract.id,
        organization_id: contract.organization_id,
        organization_name: &organization,
    };
    let mut tx = state.store.begin().await?;
    if !limits::take(&mut tx, &signed.portal.id, &IMPORTS_PER_HOUR, &signed.operator.id.to_string(), now).await? {
        return Err(AppError::TooMany);
    }
    let outcome =
        import::import(&mut tx, &target, &parsed, &sent.file_name, &importer, sent.discard, state.mailer.domain(), now)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    match outcome {
        Outcome::ChangesExist { .. } => {
            drop(tx);
            preview(&state, &signed, &ctx, id, contract.id, &parsed, text, sent.file_name).await
        }
        Outcome::Imported { .. } => {
            tx.commit().await?;
            state.mailer.wake();
            let back = format!("{}/contracts/{id}/zaikei?done=imported", console_path(&signed.portal));
            Ok(Redirect::to(&back).into_response())
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn preview(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    id: i64,
    contract: i64,
    parsed: &Parsed,
    content: String,
    file_name: String,
) -> Result<Response, AppError> {
    let mut conn = state.store.acquire().await?;
    let existing = zstore::by_key(&mut conn, contract, parsed.kind, parsed.cycle, &parsed.due_on).await?;
    let changed = match &existing {
        Some(d) => zstore::has_employer_changes(&mut conn, contract, d.id).await?,
        None => false,
    };
    drop(conn);
    let kind = parsed.kind;
    let mut facts = vec![
        (ctx.t.get("zaikei.col_kind").to_string(), kind_label(ctx, kind)),
        (ctx.t.get(&format!("zaikei.date.{}", kind.code())).to_string(), parsed.due_on.clone()),
        (ctx.t.get("op.zaikei.file").to_string(), file_name.clone()),
        (ctx.t.get("zaikei.count").to_string(), parsed.rows.len().to_string()),
    ];
    if let Some(cycle) = parsed.cycle {
        facts.insert(
            1,
            (
                ctx.t.get("op.zaikei.cycle").to_string(),
                ctx.t.get(&format!("zaikei.cycle.{}", cycle.code())).to_string(),
            ),
        );
    }
    let action = format!("{}/contracts/{id}/zaikei", console_path(&signed.portal));
    let title = ctx.t.get("op.zaikei.preview_title");
    Ok(html(&PreviewPage {
        chrome: ctx.chrome(title, Some(&signed.portal), None),
        base: console_path(&signed.portal),
        back: action.clone(),
        action,
        kind: kind.code().to_string(),
        kind_label: ctx.t.get(&format!("zaikei.amount_of.{}", kind.code())).to_string(),
        facts,
        totals: parsed
            .totals()
            .into_iter()
            .map(|(k, n, sum)| TotalLine {
                label: ctx.t.get(&format!("zaikei.savings.{}", k.code())).to_string(),
                count: n,
                amount: format_yen(sum),
            })
            .collect(),
        content,
        file_name,
        changed,
        replaces: existing.is_some(),
    })?
    .into_response())
}
