//! The institution's bulk actions on 応募情報一覧 (jrec-in §1.9 items 4–5): the checked rows'
//! documents as one ZIP with 「応募者一覧.csv」, and one status for all checked rows with a
//! preview per row → 「変更」.
//!
//! Every id posted must be a filed application of this posting of the institution's own: one
//! that is not refuses the whole action (404), nothing changed or sent. The ZIP is the
//! platform's (`madoguchi_web::files::zip`): streamed while it is built, one file's bytes in
//! memory at a time. The preview carries each row's `version`; 「変更」 changes a row only in
//! the version previewed, in one transaction, so a second press changes and mails nothing.
//! The optional 通知文 goes into the mails of the rows told, as in the single change.

use crate::mails::{self, ToSeeker};
use crate::overview::{ListQuery, Picked, list_page, own_posting};
use crate::status::{self, Status};
use crate::store::{self, Application, Change};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_mail::MailKind;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::files;
use madoguchi_web::applying::PostingFacts;
use madoguchi_web::confirm::Step;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::files::zip::{self, ZipIndex, ZipItem};
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// The index inside the ZIP.
const INDEX: &str = "応募者一覧.csv";

/// The index's ファイル名 of a purged application (Japanese in both locales, as its headings).
const PURGED: &str = "保存期間経過のため削除されました";

/// The bulk form as posted: the checked ids (`ids`, or the preview's `row` = `id:version`),
/// which button, the new status and the 通知 choice.
#[derive(Default)]
struct Posted {
    ids: Vec<i64>,
    /// The versions the preview showed, by id (only from the preview).
    versions: Vec<(i64, i64)>,
    action: String,
    status: String,
    notify: String,
    /// 通知文 (≤ 1,000): in the 通知する mails only, never the 求人機関備考.
    notice: String,
    step: String,
    /// An id that is no number: refused like another institution's.
    bad: bool,
}

fn parse(pairs: Vec<(String, String)>) -> Posted {
    let mut posted = Posted::default();
    for (key, value) in pairs {
        match key.as_str() {
            "ids" => match value.parse() {
                Ok(id) if !posted.ids.contains(&id) => posted.ids.push(id),
                Ok(_) => {}
                Err(_) => posted.bad = true,
            },
            "row" => match value.split_once(':').and_then(|(i, v)| Some((i.parse().ok()?, v.parse().ok()?))) {
                Some((id, version)) if !posted.ids.contains(&id) => {
                    posted.ids.push(id);
                    posted.versions.push((id, version));
                }
                Some(_) => {}
                None => posted.bad = true,
            },
            "_action" => posted.action = value,
            "status" => posted.status = value,
            "notify" => posted.notify = value,
            "notice" => posted.notice = value,
            "_step" => posted.step = value,
            _ => {}
        }
    }
    posted
}

/// The checked applications, in 応募受付ID order; 404 when any id is not a filed application
/// of this posting of the institution (another's, a draft, unknown).
async fn checked(
    state: &AppState,
    portal: &str,
    posting: &PostingFacts,
    posted: &Posted,
) -> Result<Vec<Application>, AppError> {
    if posted.bad {
        return Err(AppError::NotFound);
    }
    let mut conn = state.store.acquire().await?;
    let all = store::of_posting(&mut conn, portal, posting.organization_id, posting.id).await?;
    let mut out = Vec::with_capacity(posted.ids.len());
    for id in &posted.ids {
        out.push(all.iter().find(|a| a.id == *id).cloned().ok_or(AppError::NotFound)?);
    }
    out.sort_by(|a, b| a.receipt_id.cmp(&b.receipt_id));
    Ok(out)
}

pub async fn post(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_, posting)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let posting: i64 = posting.parse().map_err(|_| AppError::NotFound)?;
    let p = own_posting(&state, &current, posting).await?;
    let posted = parse(pairs);
    let apps = checked(&state, &current.portal.id, &p, &posted).await?;
    let mut errors = FieldErrors::default();
    if apps.is_empty() {
        errors.add("ids", ctx.t.get("app.bulk.none"));
    }
    let download = posted.action == "download";
    let target = Status::parse(&posted.status).filter(|s| status::SETTABLE.contains(s));
    let notify = match posted.notify.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    if !download {
        if target.is_none() {
            errors.add("bulk_status", ctx.t.get("app.bulk.err_status"));
        }
        if notify.is_none() {
            errors.add("notify", ctx.t.get("app.err.notify"));
        }
    }
    let notice = match crate::rules::notice(&posted.notice) {
        Ok(notice) => notice,
        Err(key) => {
            if !download {
                errors.add("notice", ctx.t.get(key));
            }
            String::new()
        }
    };
    let step = Step::of(&posted.step);
    if !errors.is_empty() || step == Step::Back {
        let picked = Picked {
            ids: posted.ids.clone(),
            status: posted.status.clone(),
            notify: posted.notify.clone(),
            notice: posted.notice.clone(),
        };
        let query = ListQuery::default();
        return list_page(&state, &current, &ctx, p, &query, picked, errors, None).await;
    }
    if download {
        return export(&state, &current, &ctx, &origin, &p, apps).await;
    }
    let (Some(target), Some(notify)) = (target, notify) else {
        return Err(AppError::NotFound);
    };
    let plan = plan(&state, apps, target, notify);
    match step {
        Step::Confirmed => {
            let n = apply(&state, &current, &origin, &plan, &posted.versions, &notice).await?;
            let to = format!("/{}/applications/postings/{}?done=changed&n={n}", current.portal.id, p.id);
            Ok(Redirect::to(&to).into_response())
        }
        _ => preview(&ctx, &current, &p, &plan, &posted, notice),
    }
}

/// One checked row and what 「変更」 does to it.
struct Planned {
    app: Application,
    allowed: bool,
    told: bool,
    target: Status,
}

fn plan(state: &AppState, apps: Vec<Application>, target: Status, notify: bool) -> Vec<Planned> {
    let now = state.clock.unix();
    apps.into_iter()
        .map(|app| {
            let allowed = app.may_set(now).contains(&target);
            Planned { told: allowed && (notify || target.always_told()), allowed, target, app }
        })
        .collect()
}

pub struct PreviewRow {
    pub receipt_id: String,
    pub name: String,
    pub from: String,
    pub allowed: bool,
    pub told: bool,
    /// `id:version`, what 「変更」 applies to.
    pub token: String,
}

#[derive(Template)]
#[template(path = "applications/bulk_confirm.html")]
pub struct PreviewPage {
    pub chrome: Chrome,
    pub action: String,
    pub to: String,
    pub status: String,
    pub notify: String,
    /// 通知文 as checked (shown and sent on only where someone is told).
    pub notice: String,
    pub told: bool,
    pub rows: Vec<PreviewRow>,
    pub changing: usize,
}

fn preview(
    ctx: &Ctx,
    current: &CurrentUser,
    p: &PostingFacts,
    plan: &[Planned],
    posted: &Posted,
    notice: String,
) -> Result<Response, AppError> {
    let target = plan.first().map_or(Status::Other, |r| r.target);
    let told = plan.iter().any(|r| r.told);
    let rows = plan
        .iter()
        .map(|r| PreviewRow {
            receipt_id: r.app.receipt_id.clone().unwrap_or_default(),
            name: if r.app.purged() { ctx.t.get("app.purged").to_string() } else { r.app.name.clone() },
            from: ctx.t.get(r.app.status.key()).to_string(),
            allowed: r.allowed,
            told: r.told,
            token: format!("{}:{}", r.app.id, r.app.version),
        })
        .collect();
    let page = PreviewPage {
        chrome: ctx.chrome(ctx.t.get("app.bulk.title"), Some(&current.portal), None),
        action: format!("/{}/applications/postings/{}/bulk", current.portal.id, p.id),
        to: ctx.t.get(target.key()).to_string(),
        status: posted.status.clone(),
        notify: posted.notify.clone(),
        // Nobody told: the 通知文 goes nowhere, not even on into 「変更」.
        notice: if told { notice } else { String::new() },
        told,
        changing: plan.iter().filter(|r| r.allowed).count(),
        rows,
    };
    Ok(html(&page)?.into_response())
}

/// Changes the allowed rows in the versions previewed, in one transaction: per row the status,
/// its audit event and, when told, its one mail. Returns how many rows changed.
async fn apply(
    state: &AppState,
    current: &CurrentUser,
    origin: &Origin,
    plan: &[Planned],
    versions: &[(i64, i64)],
    notice: &str,
) -> Result<usize, AppError> {
    let portal = &current.portal;
    let now = state.clock.unix();
    let actor = format!("user:{}", current.user.id);
    let mut tx = state.store.begin().await?;
    let mut changed = 0;
    for row in plan.iter().filter(|r| r.allowed) {
        let app = &row.app;
        // Only the version the preview showed: a second press, or a change since, skips it.
        if !versions.contains(&(app.id, app.version)) {
            continue;
        }
        let change = Change { status: row.target, note: &app.note, told: row.told };
        if !store::change(&mut tx, app, &change, now).await? {
            continue;
        }
        changed += 1;
        let subject = format!("organization:{}", app.organization_id);
        let detail = format!(
            "{} {} -> {} notified={} bulk",
            app.receipt_id.as_deref().unwrap_or_default(),
            app.status.code(),
            row.target.code(),
            if row.told { "yes" } else { "no" }
        );
        let entry = audit_entry(portal, origin, "application.status_changed", Some(&subject), Some(&detail));
        audit::record(&mut tx, &AuditEntry { actor: Some(&actor), ..entry }, now).await?;
        if row.told {
            // One application per seeker and posting: one mail per applicant.
            let kind = if row.target == Status::ResubmitRequested {
                MailKind::ApplicationResubmit
            } else {
                MailKind::ApplicationStatus
            };
            let mail = ToSeeker { kind, status: Some(row.target), notice };
            mails::to_seeker(state, &mut tx, portal, app, &mail).await?;
        }
    }
    tx.commit().await?;
    state.mailer.wake();
    Ok(changed)
}

/// 「一括ダウンロード」: the checked documents and 応募者一覧.csv as one ZIP, each file's
/// download and the export recorded before the first byte goes.
async fn export(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    origin: &Origin,
    p: &PostingFacts,
    apps: Vec<Application>,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let now = state.clock.unix();
    let stamp: String = madoguchi_web::format::local(now).chars().filter(char::is_ascii_digit).collect();
    let zip_name = format!("応募書類_{}_{stamp}.zip", p.data_number);
    let actor = format!("user:{}", current.user.id);
    let mut tx = state.store.begin().await?;
    let mut items = Vec::with_capacity(apps.len());
    // A purged row has no document: the index lists it as deleted, the archive has no entry.
    for app in apps.iter().filter(|a| !a.purged()) {
        let file =
            files::for_owner(&mut tx, &portal.id, p.organization_id, app.file_id).await?.ok_or(AppError::NotFound)?;
        madoguchi_web::files::record_download(&mut tx, origin, &actor, &file, Some(&zip_name), now).await?;
        let receipt = app.receipt_id.clone().unwrap_or_default();
        items.push(ZipItem { entry_name: format!("{receipt}_{}", file.name), file });
    }
    let receipts: Vec<&str> = apps.iter().filter(|a| !a.purged()).filter_map(|a| a.receipt_id.as_deref()).collect();
    let subject = format!("organization:{}", p.organization_id);
    let detail = format!("{} files: {}", items.len(), receipts.join(" "));
    let entry = audit_entry(portal, origin, "application.documents_exported", Some(&subject), Some(&detail));
    audit::record(&mut tx, &AuditEntry { actor: Some(&actor), ..entry }, now).await?;
    tx.commit().await?;
    let index = ZipIndex { name: INDEX.to_string(), content: index(ctx, &apps, &items)? };
    Ok(zip::zip_response(state.store.clone(), &zip_name, items, Some(index), now))
}

/// 応募者一覧.csv: one row per checked application, with its file's name as the archive holds
/// it and its SHA-256; a purged one says 「保存期間経過のため削除されました」 instead (and has
/// no entry in the archive).
fn index(ctx: &Ctx, apps: &[Application], items: &[ZipItem]) -> Result<Vec<u8>, AppError> {
    // The names exactly as `write_zip` writes them (the index comes first there too).
    let names = zip::entry_names(std::iter::once(INDEX).chain(items.iter().map(|i| i.entry_name.as_str())));
    let mut entries = items.iter().zip(names.into_iter().skip(1));
    let mut rows = Vec::with_capacity(apps.len());
    for app in apps {
        let (name, size, sha256) = if app.purged() {
            (PURGED.to_string(), String::new(), String::new())
        } else {
            let (item, name) = entries.next().ok_or_else(|| AppError::Internal("index: a file missing".into()))?;
            (name, item.file.size.to_string(), item.file.sha256.clone())
        };
        rows.push(vec![
            app.receipt_id.clone().unwrap_or_default(),
            app.name.clone(),
            app.furigana.clone(),
            app.applied_at.map(|t| format_ts(t, ctx.lang)).unwrap_or_default(),
            ctx.t.get(app.status.key()).to_string(),
            name,
            size,
            sha256,
        ]);
    }
    let headings =
        ["応募受付ID", "氏名", "フリガナ", "応募日時", "応募状況", "ファイル名", "サイズ(バイト)", "SHA-256"];
    zip::index_csv(&headings, rows).map_err(|e| AppError::Internal(format!("index: {e:?}")))
}
