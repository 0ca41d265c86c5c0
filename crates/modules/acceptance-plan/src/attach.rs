//! 添付書類 (mlit-plan.md §4.3): the kinds this plan needs (`attachments::required_kinds` from the
//! plan's facts, the per-worker ones once per worker block) and No.16 その他 on top, each with its
//! files, one upload form per row (「ファイルを選択」 → 「アップロード」, [ML-jac0202]) that takes
//! PDF or JPEG by content, the kind's size and count limits, and the issue date for the kinds
//! that have an age rule; downloads through the Files block, only for the owning organization.

use crate::attachments::{self, Kind, PlanFacts, When};
use crate::form::{self, PlanForm};
use crate::pages::{self, Loaded, base, message_page, organization, today};
use crate::store::{self, Attachment, NewAttachment};
use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_store::files::{self, NewFile};
use madoguchi_web::confirm::{self, Confirmation, Step};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::files::human_size;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// The stored files' purpose (`files.purpose`).
pub const PURPOSE: &str = "plan_attachment";

/// Accepted uploads per organization and hour (Choice): a plan of 50 workers needs about 170
/// files; a script that fills the database gets the 429 page.
const UPLOADS_PER_HOUR: madoguchi_store::limits::Limit = madoguchi_store::limits::Limit::per_hour("plan.upload", 300);

/// The facts of the plan that decide its attachments. Counts not (yet) valid count as 0.
pub fn facts(plan: &PlanForm) -> PlanFacts {
    let n = |name: &str| crate::ids::count(plan.get(name), 0).unwrap_or(0);
    let planned = u32::try_from(plan.workers.len()).unwrap_or(u32::MAX);
    PlanFacts {
        sole_proprietor: plan.sole_proprietor(),
        comparator_exists: plan.comparator(),
        workers: n("fulltime")
            .saturating_add(n("current_ssw"))
            .saturating_add(n("current_construction"))
            .saturating_add(n("current_trainees"))
            .saturating_add(planned),
        planned_workers: planned,
        agent: !plan.get("agent_name").trim().is_empty(),
        other_requested: false,
    }
}

/// One row of the list: a kind (for a worker), its files, whether it is required.
pub struct Row {
    /// The row's place in the list, for the ids of its controls.
    pub index: usize,
    pub no: u8,
    pub name: String,
    pub worker: Option<u32>,
    pub worker_name: String,
    pub required: bool,
    pub dated: bool,
    pub files: Vec<FileLine>,
    pub kind: String,
    pub limits: String,
    /// The ids of the row's file and issue-date controls (the messages name them).
    pub file_field: String,
    pub issued_field: String,
}

pub struct FileLine {
    pub name: String,
    pub size: String,
    pub issued: String,
    pub href: String,
    pub delete: String,
}

/// The rows of the plan: what it needs, then No.16 その他 (always offered).
pub fn rows(ctx: &Ctx, current: &CurrentUser, plan: &PlanForm, stored: &[Attachment]) -> Vec<Row> {
    let base = base(current);
    let english = ctx.t.code() == "en";
    let mut wanted: Vec<(&'static Kind, Option<u32>, bool)> = attachments::required_kinds(&facts(plan))
        .into_iter()
        .map(|r| (r.kind, r.worker.and_then(|i| plan.workers.get(i as usize)).map(|w| w.key), true))
        .collect();
    for kind in attachments::kinds().iter().filter(|k| k.when == When::OnRequest) {
        if !wanted.iter().any(|(k, _, _)| k.key == kind.key) {
            wanted.push((kind, None, false));
        }
    }
    wanted
        .into_iter()
        .enumerate()
        .map(|(index, (kind, worker, required))| Row {
            index,
            no: kind.no,
            name: if english { kind.name.en.clone() } else { kind.name.ja.clone() },
            worker,
            worker_name: worker
                .and_then(|k| plan.worker(k))
                .map(|w| form::one(&w.fields, "name_roman").to_string())
                .unwrap_or_default(),
            required,
            dated: kind.max_age_months.is_some(),
            files: stored
                .iter()
                .filter(|a| a.kind == kind.key && a.worker == worker.map(i64::from))
                .map(|a| FileLine {
                    name: a.name.clone(),
                    size: human_size(a.size),
                    issued: a.issued_on.clone().unwrap_or_default(),
                    href: format!("{base}/attachments/{}", a.id),
                    delete: format!("{base}/attachments/{}/delete", a.id),
                })
                .collect(),
            kind: kind.key.clone(),
            file_field: format!("file-{index}"),
            issued_field: format!("issued-{index}"),
            limits: ctx
                .t
                .get("plan.attachments.limits")
                .replace("{max_mb}", &(kind.max_bytes / (1024 * 1024)).to_string())
                .replace("{max}", &kind.max_files.to_string()),
        })
        .collect()
}

/// The required rows that have no file: the 申請's check (§4.4 「申請」 runs §4.3's required kinds).
pub fn missing_rows(rows: &[Row]) -> Vec<&Row> {
    rows.iter().filter(|r| r.required && r.files.is_empty()).collect()
}

#[derive(Template)]
#[template(path = "plan/attachments.html")]
pub struct AttachmentsPage {
    pub chrome: Chrome,
    pub rows: Vec<Row>,
    pub editable: bool,
    pub action: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub back: String,
}

async fn page(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let organization = organization(current)?;
    let mut conn = state.store.acquire().await?;
    let Some(loaded) = pages::load(&mut conn, current, organization).await? else {
        return Ok(Redirect::to(&base(current)).into_response());
    };
    let plan = pages::form_of(&loaded);
    let stored = store::attachments(&mut conn, loaded.plan.id).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = html(&AttachmentsPage {
        chrome: ctx.chrome(ctx.t.get("plan.attachments.title"), Some(&current.portal), Some(Screen::PlanAttachments)),
        rows: rows(ctx, current, &plan, &stored),
        editable: loaded.may_edit(),
        action: format!("{}/attachments", base(current)),
        errors,
        notice,
        back: base(current),
    })?;
    Ok((status, page).into_response())
}

pub async fn list(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    page(&state, &current, &ctx, FieldErrors::default(), None).await
}

/// The largest file any kind takes: the upload reader stops there.
fn read_limit() -> usize {
    let max = attachments::kinds().iter().map(|k| k.max_bytes).max().unwrap_or(10 * 1024 * 1024);
    usize::try_from(max).unwrap_or(usize::MAX)
}

fn file_error(ctx: &Ctx, e: attachments::FileError) -> String {
    let mut text = ctx.t.get(e.message_key()).to_string();
    for (k, v) in e.params() {
        text = text.replace(&format!("{{{k}}}"), &v);
    }
    text
}

/// 「アップロード」: one file for one row.
pub async fn upload(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let now = state.clock.unix();
    let Some(mut upload) = madoguchi_web::files::uploads::read(multipart, read_limit()).await else {
        return page(&state, &current, &ctx, FieldErrors::form(ctx.t.get("files.err_unreadable")), None).await;
    };
    let row = upload.text("row").to_string();
    let file_id = format!("file-{row}");
    let issued_id = format!("issued-{row}");
    let mut tx = state.store.begin().await?;
    let Some(loaded) = pages::load(&mut tx, &current, organization).await? else {
        return Ok(Redirect::to(&base(&current)).into_response());
    };
    if !loaded.may_edit() {
        drop(tx);
        return message_page(&ctx, &current, "plan.refused.not_editable", StatusCode::CONFLICT);
    }
    let plan = pages::form_of(&loaded);
    let Some(kind) = attachments::kind(upload.text("kind")) else {
        drop(tx);
        return page(&state, &current, &ctx, FieldErrors::form(ctx.t.get("plan.attachments.err_kind")), None).await;
    };
    let worker = match (kind.when, upload.text("worker").parse::<u32>()) {
        (When::PerWorker, Ok(k)) if plan.worker(k).is_some() => Some(i64::from(k)),
        (When::PerWorker, _) => {
            drop(tx);
            return page(&state, &current, &ctx, FieldErrors::form(ctx.t.get("plan.refused.worker_gone")), None).await;
        }
        _ => None,
    };
    let mut errors = FieldErrors::default();
    let issued = match kind.max_age_months {
        None => None,
        Some(_) => match crate::ids::date(upload.text("issued_on")) {
            Err(e) => {
                errors.add(&issued_id, ctx.t.get(e.message_key()));
                None
            }
            Ok(date) => match attachments::check_issue_date(kind, date, today(now)?) {
                Ok(()) => Some(date.to_string()),
                Err(e) => {
                    errors.add(&issued_id, &crate::view::message(ctx.t, &to_issue(&e)));
                    None
                }
            },
        },
    };
    let already = store::count_of_kind(&mut tx, loaded.plan.id, &kind.key, worker).await?;
    let already = u32::try_from(already).unwrap_or(u32::MAX);
    let checked = if upload.too_large {
        Err(attachments::FileError::TooLarge { max_mb: kind.max_bytes / (1024 * 1024) })
    } else {
        let bytes = upload.file.as_ref().map(|(_, b)| b.as_slice()).unwrap_or(&[]);
        attachments::check_file(kind, bytes, already)
    };
    let chosen =
        upload.too_large || upload.file.as_ref().is_some_and(|(name, bytes)| !name.is_empty() || !bytes.is_empty());
    let file_type = match checked {
        Ok(t) => Some(t),
        // No file chosen at all: say so, rather than 「ファイルが空です。」.
        Err(_) if !chosen => {
            errors.add(&file_id, ctx.t.get("files.err_missing"));
            None
        }
        Err(e) => {
            errors.add(&file_id, &file_error(&ctx, e));
            None
        }
    };
    let (Some(file_type), true) = (file_type, errors.is_empty()) else {
        drop(tx);
        return page(&state, &current, &ctx, errors, None).await;
    };
    // Only an accepted file takes a use of the limit, in the transaction that stores it.
    if !madoguchi_store::limits::take(&mut tx, &current.portal.id, &UPLOADS_PER_HOUR, &organization.to_string(), now)
        .await?
    {
        return Err(AppError::TooMany);
    }
    let (raw_name, content) = upload.take_file().unwrap_or_default();
    let media = madoguchi_core::files::MediaType::from_mime(file_type.mime());
    let name = madoguchi_core::files::file_name(&raw_name, &kind.name.ja, media);
    let new = NewFile {
        portal: &current.portal.id,
        owner_organization_id: Some(organization),
        owner_user_id: Some(current.user.id),
        purpose: PURPOSE,
        name: &name,
        media_type: file_type.mime(),
        content: &content,
    };
    let stored = files::insert(&mut tx, &new, now).await?;
    let attachment = NewAttachment {
        plan_id: loaded.plan.id,
        kind: &kind.key,
        worker,
        file_id: stored.id,
        issued_on: issued.as_deref(),
    };
    store::add_attachment(&mut tx, &attachment, now).await?;
    store::touch(&mut tx, loaded.plan.id, now).await?;
    tx.commit().await?;
    let notice = ctx.t.get("plan.attachments.uploaded").replace("{name}", &name);
    page(&state, &current, &ctx, FieldErrors::default(), Some(notice)).await
}

fn to_issue(e: &crate::rules::RuleError) -> crate::check::Issue {
    crate::check::Issue { section: String::new(), field: "", key: e.message_key(), params: e.params() }
}

/// A file of the organization's plan, as a download (`file.downloaded` in the audit log).
pub async fn download(
    State(state): State<AppState>,
    current: CurrentUser,
    origin: Origin,
    Path((_portal, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let a = store::attachment_of(&mut tx, &current.portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    let file =
        files::for_owner(&mut tx, &current.portal.id, organization, a.file_id).await?.ok_or(AppError::NotFound)?;
    let content = files::content(&mut tx, &current.portal.id, file.id).await?.ok_or(AppError::NotFound)?;
    let actor = format!("user:{}", current.user.id);
    madoguchi_web::files::record_download(&mut tx, &origin, &actor, &file, Some("plan"), now).await?;
    tx.commit().await?;
    Ok(madoguchi_web::files::download(&file, content))
}

/// 「削除」 of a file, after 「…を削除します。よろしいですか？」, while the plan is editable.
pub async fn delete(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
    Form(form): Form<confirm::StepForm>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let mut tx = state.store.begin().await?;
    let a = store::attachment_of(&mut tx, &current.portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    let Some(loaded): Option<Loaded> = pages::load(&mut tx, &current, organization).await? else {
        return Err(AppError::NotFound);
    };
    if !loaded.may_edit() {
        drop(tx);
        return message_page(&ctx, &current, "plan.refused.not_editable", StatusCode::CONFLICT);
    }
    // A 変更申請 adds files; those the plan was certified with stay.
    if loaded.certified_files().contains(&a.file_id) {
        drop(tx);
        return message_page(&ctx, &current, "plan.change.err.certified_file", StatusCode::CONFLICT);
    }
    if Step::of(&form.step) != Step::Confirmed {
        drop(tx);
        let confirmation = Confirmation::new(
            &ctx,
            ctx.t.get("plan.attachments.delete_confirm"),
            format!("{base}/attachments/{id}/delete"),
        )
        .fact(ctx.t.get("plan.attachments.file"), a.name.clone())
        .no_link(format!("{base}/attachments"))
        .danger();
        let title = ctx.t.get("plan.attachments.delete");
        return Ok(confirm::page(&ctx, title, Some(&current.portal), Some(Screen::PlanAttachments), confirmation)?
            .into_response());
    }
    store::remove_attachment(&mut tx, &current.portal.id, &a).await?;
    store::touch(&mut tx, loaded.plan.id, state.clock.unix()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{base}/attachments")).into_response())
}
