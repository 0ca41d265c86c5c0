//! The two output screens of 財形貯蓄事務 (manual Ⅳ.1-1-3 and Ⅳ.1-1-4, spec §3.6.4–5):
//! 財形積立明細書出力／財形アラーム明細出力 (PDF) and 財形積立明細データエクスポート (CSV).
//!
//! Each is one `GET` form: the 帳票, the delivery (the 3 shown per kind) and, for the CSV, the
//! encoding. The same address with the choices filled in checks them and answers the file, or
//! the form again with the messages. A delivery the contract does not have (another
//! contract's id, one pushed out by newer deliveries) is a 404, like any address that names
//! nothing of the user's. Every download is an audit event (`zaikei.report_output`,
//! `zaikei.exported`) and takes one use of a per-user limit shared by both screens: a report of
//! a few thousand rows costs a second of CPU.

use crate::kinds::DeliveryKind;
use crate::outputs::{self, ReportKind};
use crate::store::{self, Delivery, alarms, changes, statements};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use madoguchi_core::clock::JST;
use madoguchi_core::portal::MenuItem;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::limits::{self, Limit};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::excel_csv::{self, ExcelEncoding, Unencodable};
use madoguchi_web::files;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::pages::information::{MenuView, gate, menu};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// Outputs (PDF and CSV together) per user and hour. A master printing every report of
/// three deliveries and exporting each a few times stays far below it.
pub const OUTPUTS_PER_USER_PER_HOUR: i64 = 60;
const LIMIT: Limit = Limit::per_hour("zaikei.output", OUTPUTS_PER_USER_PER_HOUR);
/// No contract's id: every query bound to it finds nothing.
const NO_CONTRACT: i64 = -1;

/// The address's choices as sent: a parameter that is there, even empty, means the form was
/// submitted (a browser always sends the delivery `<select>`, and no unchecked radio button).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OutputParams {
    pub report: Option<String>,
    pub delivery: Option<String>,
    pub encoding: Option<String>,
}

impl OutputParams {
    fn submitted(&self) -> bool {
        self.report.is_some() || self.delivery.is_some() || self.encoding.is_some()
    }
}

/// The choices as the form shows them again.
#[derive(Debug, Clone, Default)]
pub struct OutputQuery {
    pub report: String,
    pub delivery: String,
    pub encoding: String,
}

impl From<OutputParams> for OutputQuery {
    fn from(p: OutputParams) -> Self {
        OutputQuery {
            report: p.report.unwrap_or_default(),
            delivery: p.delivery.unwrap_or_default(),
            encoding: p.encoding.unwrap_or_default(),
        }
    }
}

/// One 帳票 of a picker: form value, label key, the kind of delivery it is made of.
struct Choice {
    code: &'static str,
    label_key: &'static str,
    kind: DeliveryKind,
}

const REPORT_CHOICES: [Choice; 3] = [
    Choice { code: "statement", label_key: "zout.report.statement", kind: DeliveryKind::Deposit },
    Choice { code: "changes", label_key: "zout.report.changes", kind: DeliveryKind::Deposit },
    Choice { code: "alarms", label_key: "zout.report.alarms", kind: DeliveryKind::Alarm },
];

const EXPORT_CHOICES: [Choice; 4] = [
    Choice { code: "deposit", label_key: "zaikei.kind.deposit", kind: DeliveryKind::Deposit },
    Choice { code: "balance", label_key: "zaikei.kind.balance", kind: DeliveryKind::Balance },
    Choice { code: "incentive", label_key: "zaikei.kind.incentive", kind: DeliveryKind::Incentive },
    Choice { code: "alarm", label_key: "zaikei.kind.alarm", kind: DeliveryKind::Alarm },
];

/// The deliveries of one kind in the picker: an `<optgroup>`.
pub struct DeliveryGroup {
    pub label: String,
    /// (id, label)
    pub options: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "zaikei/output.html")]
pub struct OutputPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub action: String,
    pub lead: String,
    /// The CSV screen (with the encoding) rather than the PDF one.
    pub export: bool,
    /// (value, label) of the 帳票 radio buttons.
    pub choices: Vec<(String, String)>,
    pub groups: Vec<DeliveryGroup>,
    /// (value, label) of the encodings (CSV only).
    pub encodings: Vec<(String, String)>,
    pub query: OutputQuery,
    pub errors: FieldErrors,
    pub submit: String,
}

/// Which screen a request is for.
struct Which {
    item: MenuItem,
    screen: Screen,
    choices: &'static [Choice],
    export: bool,
}

pub async fn reports(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Query(q): Query<OutputParams>,
) -> Result<Response, AppError> {
    let which =
        Which { item: MenuItem::ZaikeiReports, screen: Screen::ZaikeiReports, choices: &REPORT_CHOICES, export: false };
    output(&state, &current, &ctx, &origin, q, which).await
}

pub async fn export(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Query(q): Query<OutputParams>,
) -> Result<Response, AppError> {
    let which =
        Which { item: MenuItem::ZaikeiExport, screen: Screen::ZaikeiExport, choices: &EXPORT_CHOICES, export: true };
    output(&state, &current, &ctx, &origin, q, which).await
}

/// What a checked request asks for.
struct Request {
    choice: &'static Choice,
    delivery: Delivery,
    encoding: ExcelEncoding,
}

async fn output(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    origin: &Origin,
    params: OutputParams,
    which: Which,
) -> Result<Response, AppError> {
    if let Some(response) = gate(state, current, which.item) {
        return Ok(response);
    }
    // An organization without a contract (yet) has no deliveries: the pickers are empty, and
    // any delivery asked for is not found (as on the 照会 screens).
    let contract = current.user.contract_id.unwrap_or(NO_CONTRACT);
    let mut conn = state.store.acquire().await?;
    let mut groups = Vec::new();
    let mut kinds: Vec<DeliveryKind> = which.choices.iter().map(|c| c.kind).collect();
    // Two reports of one kind of delivery (財形積立明細書, 財形積立変更明細書) share its group.
    kinds.dedup();
    for kind in kinds {
        let recent = store::recent(&mut conn, contract, kind).await?;
        groups.push(DeliveryGroup {
            label: ctx.t.get(&format!("zaikei.kind.{}", kind.code())).to_string(),
            options: recent.iter().map(|d| (d.id.to_string(), delivery_label(d, ctx))).collect(),
        });
    }
    if !params.submitted() {
        let q = OutputQuery { encoding: ExcelEncoding::default().form_value().to_string(), ..OutputQuery::default() };
        return form(ctx, current, &which, groups, q, FieldErrors::default(), StatusCode::OK);
    }
    let q = OutputQuery::from(params);
    let mut errors = FieldErrors::default();
    let choice = which.choices.iter().find(|c| c.code == q.report.trim());
    if choice.is_none() {
        errors.add("report", ctx.t.get("zout.err_report"));
    }
    let delivery = match q.delivery.trim() {
        "" => {
            errors.add("delivery", ctx.t.get("zout.err_delivery"));
            None
        }
        // An id that is not the contract's (or not a number) names nothing: 404.
        id => Some(
            store::shown(&mut conn, contract, id.parse().map_err(|_| AppError::NotFound)?)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
    };
    if let (Some(c), Some(d)) = (choice, &delivery)
        && c.kind != d.kind
    {
        errors.add("delivery", ctx.t.get("zout.err_mismatch"));
    }
    let encoding = if which.export {
        ExcelEncoding::from_form(&q.encoding, ctx.t).map_err(|m| errors.add("encoding", &m)).ok()
    } else {
        Some(ExcelEncoding::default())
    };
    let (Some(choice), Some(delivery), Some(encoding), true) = (choice, delivery, encoding, errors.is_empty()) else {
        return form(ctx, current, &which, groups, q, errors, StatusCode::OK);
    };
    drop(conn);
    let request = Request { choice, delivery, encoding };

    let now = state.clock.unix();
    let user = format!("user:{}", current.user.id);
    {
        let mut tx = state.store.begin().await?;
        let within = limits::take(&mut tx, &current.portal.id, &LIMIT, &user, now).await?;
        tx.commit().await?;
        if !within {
            let errors = FieldErrors::form(ctx.t.get("zout.too_many"));
            return form(ctx, current, &which, groups, q, errors, StatusCode::TOO_MANY_REQUESTS);
        }
    }
    let file = if which.export {
        csv_file(state, ctx, contract, &request).await?
    } else {
        pdf_file(state, ctx, current, contract, &request, now).await?
    };
    let file = match file {
        Ok(file) => file,
        Err((field, refused)) => {
            let errors = FieldErrors::field(field, &refused);
            return form(ctx, current, &which, groups, q, errors, StatusCode::OK);
        }
    };
    let detail = format!("{} {} {}件", file.what, outputs::delivery_key(&request.delivery), file.rows);
    let entry = AuditEntry {
        portal: &current.portal.id,
        event: if which.export { "zaikei.exported" } else { "zaikei.report_output" },
        actor: Some(&user),
        subject: None,
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(&detail),
    };
    let mut tx = state.store.begin().await?;
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(if which.export {
        excel_csv::download(&file.name, request.encoding, file.bytes)
    } else {
        files::pdf(&file.name, file.bytes, "attachment")
    })
}

/// Why nothing is handed out: the field the message stands at, and the message.
type Refusal = (&'static str, String);

/// A file ready to hand out, with what the audit entry says of it.
struct File {
    name: String,
    bytes: Vec<u8>,
    /// 「財形積立明細書 PDF」, 「CSV UTF-8」 …
    what: String,
    rows: usize,
}

async fn pdf_file(
    state: &AppState,
    ctx: &Ctx,
    current: &CurrentUser,
    contract: i64,
    request: &Request,
    now: i64,
) -> Result<Result<File, Refusal>, AppError> {
    let Some(report_kind) = ReportKind::parse(request.choice.code) else { return Err(AppError::NotFound) };
    let organization = current.user.organization_name.clone().unwrap_or_default();
    let created = jst_minute(now);
    let d = &request.delivery;
    let mut conn = state.store.acquire().await?;
    let (report, rows) = match report_kind {
        ReportKind::Statement => {
            let lines = statements::all(&mut conn, contract, d.id, d.kind, &statements::Filter::default()).await?;
            (outputs::statement_report(&organization, &created, d, &lines), lines.len())
        }
        ReportKind::Alarms => {
            let list = alarms::list(&mut conn, contract, d.id, &alarms::AlarmFilter::default()).await?;
            (outputs::alarm_report(&organization, &created, d, &list), list.len())
        }
        ReportKind::Changes => {
            // The statement of what was sent (and, after 労金処理済, what the bank applied);
            // a draft is not a statement.
            let Some(set) = changes::latest_sent(&mut conn, contract, d.id).await? else {
                return Ok(Err(("delivery", ctx.t.get("zout.err_no_changes").to_string())));
            };
            let list = changes::rows(&mut conn, contract, set.id).await?;
            let sent = set.sent_at.map(jst_minute).unwrap_or_default();
            (outputs::change_report(&organization, &created, d, &set, &sent, &list), list.len())
        }
    };
    drop(conn);
    // The layout is fixed here, so a refusal is this module's bug.
    let bytes = report.to_pdf().map_err(|e| AppError::Internal(format!("zaikei report: {e}")))?;
    let title = report_kind.title();
    Ok(Ok(File { name: outputs::file_name(title, d, "pdf"), bytes, what: format!("{title} PDF"), rows }))
}

/// 「2025-07-14 10:00」, Japan time (the 帳票 are Japanese whatever the screen's language).
fn jst_minute(at: i64) -> String {
    DateTime::from_timestamp(at, 0)
        .map(|d| d.with_timezone(&JST).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The CSV, or the message for a character CP932 cannot hold (naming the 社員番号, so the
/// user finds the row; nothing is handed out).
async fn csv_file(
    state: &AppState,
    ctx: &Ctx,
    contract: i64,
    request: &Request,
) -> Result<Result<File, Refusal>, AppError> {
    let d = &request.delivery;
    let mut conn = state.store.acquire().await?;
    let (employees, lines): (Vec<String>, Vec<Vec<String>>) = if d.kind == DeliveryKind::Alarm {
        let list = alarms::list(&mut conn, contract, d.id, &alarms::AlarmFilter::default()).await?;
        list.iter().map(|a| (a.employee_no.clone(), outputs::csv_alarm_line(a))).unzip()
    } else {
        let list = statements::all(&mut conn, contract, d.id, d.kind, &statements::Filter::default()).await?;
        list.iter().map(|l| (l.employee_no.clone(), outputs::csv_line(l))).unzip()
    };
    drop(conn);
    let rows = lines.len();
    let headings = outputs::csv_headings(d.kind);
    match excel_csv::write(request.encoding, &headings, lines) {
        Ok(bytes) => {
            let encoding = match request.encoding {
                ExcelEncoding::Utf8Bom => "UTF-8",
                ExcelEncoding::Cp932 => "CP932",
            };
            let name = outputs::file_name("財形積立明細データ", d, "csv");
            Ok(Ok(File { name, bytes, what: format!("CSV {encoding}"), rows }))
        }
        Err(bad) => Ok(Err(("encoding", unencodable_message(&bad, &employees, ctx)))),
    }
}

/// 「社員番号 A0001 の「氏名」に … 表せない文字「𠮷」（U+20BB7）があります。…」: the row is
/// named by its 社員番号 (what the user knows), the line of the file (header = 1) maps to it.
fn unencodable_message(bad: &Unencodable, employees: &[String], ctx: &Ctx) -> String {
    let employee = bad.row.checked_sub(2).and_then(|i| employees.get(i)).map(String::as_str).unwrap_or("");
    ctx.t
        .get("zout.err_unencodable")
        .replace("{employee_no}", employee)
        .replace("{column}", &bad.column)
        .replace("{char}", &bad.character.to_string())
        .replace("{code}", &format!("U+{:04X}", u32::from(bad.character)))
}

/// 「月例 入金予定日 2025-07-25（受信 2025-07-14 10:00・120件）」 in the screen's language.
fn delivery_label(d: &Delivery, ctx: &Ctx) -> String {
    let cycle = d.cycle.map(|c| format!("{} ", ctx.t.get(&format!("zaikei.cycle.{}", c.code())))).unwrap_or_default();
    ctx.t
        .get("zout.option")
        .replace("{cycle}", &cycle)
        .replace("{date_label}", ctx.t.get(&format!("zaikei.date.{}", d.kind.code())))
        .replace("{date}", &d.due_on)
        .replace("{at}", &format_ts(d.received_at, ctx.lang))
        .replace("{n}", &d.row_count.to_string())
}

fn form(
    ctx: &Ctx,
    current: &CurrentUser,
    which: &Which,
    groups: Vec<DeliveryGroup>,
    query: OutputQuery,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (title, lead, submit) = if which.export {
        ("menu.zaikei_export", "zout.lead_export", "zout.submit_csv")
    } else {
        ("menu.zaikei_reports", "zout.lead_reports", "zout.submit_pdf")
    };
    let page = OutputPage {
        chrome: ctx.chrome(ctx.t.get(title), Some(&current.portal), Some(which.screen)),
        menu: menu(current, ctx),
        action: format!("/{}/{}", current.portal.id, which.screen.path()),
        lead: ctx.t.get(lead).to_string(),
        export: which.export,
        choices: which.choices.iter().map(|c| (c.code.to_string(), ctx.t.get(c.label_key).to_string())).collect(),
        groups,
        encodings: ExcelEncoding::ALL
            .iter()
            .map(|e| (e.form_value().to_string(), ctx.t.get(e.label_key()).to_string()))
            .collect(),
        query,
        errors,
        submit: ctx.t.get(submit).to_string(),
    };
    Ok((status, html(&page)?).into_response())
}
