//! The institution's 「応募管理 > 求人公募情報の応募状況確認」 (jrec-in §1.9 items 1–2): one row
//! per posting of its own that was published with Web応募 可 (データ番号, 求人件名, 募集終了日,
//! 応募者数 and the count in each status, each a link), then a posting's 応募情報一覧 — 応募受付ID,
//! 氏名, 応募日時, 応募状況, 応募書類, 求人機関備考 (the first 30 characters) — sorted by any column,
//! filtered by status, 50 a page, a checkbox per row for the bulk actions (`bulk`). Another
//! organization's posting is 404.

use crate::status::{self, Status};
use crate::store::{self, Application};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use madoguchi_web::applying::{Directory, PostingFacts};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::{Pager, html};
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;
use std::collections::HashMap;

/// Rows a page of 応募情報一覧 (jrec-in §1.13: 50).
pub const PER_PAGE: usize = 50;
/// How much of the 求人機関備考 the list shows (§1.9 item 2).
pub const NOTE_PREVIEW: usize = 30;

pub fn organization(current: &CurrentUser) -> Result<i64, AppError> {
    current.user.organization_id.ok_or(AppError::NotFound)
}

pub struct Count {
    pub n: i64,
    pub href: String,
}

pub struct PostingRow {
    pub data_number: String,
    pub title: String,
    pub end_date: String,
    pub total: Count,
    pub counts: Vec<Count>,
}

#[derive(Template)]
#[template(path = "applications/overview.html")]
pub struct OverviewPage {
    pub chrome: Chrome,
    pub statuses: Vec<String>,
    pub rows: Vec<PostingRow>,
}

pub async fn postings(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let portal = &current.portal;
    let mut conn = state.store.acquire().await?;
    let postings = match state.service::<Directory>() {
        Some(d) => d.web_apply_postings(&mut conn, &portal.id, organization, state.clock.unix()).await?,
        None => Vec::new(),
    };
    let mut counts: HashMap<(i64, Status), i64> = HashMap::new();
    for (posting, status, n) in store::counts(&mut conn, &portal.id, organization).await? {
        counts.insert((posting, status), n);
    }
    drop(conn);
    let base = format!("/{}/applications/postings", portal.id);
    let rows = postings
        .iter()
        .map(|p| {
            let list = format!("{base}/{}", p.id);
            let per: Vec<Count> = status::ALL
                .iter()
                .map(|s| Count {
                    n: counts.get(&(p.id, *s)).copied().unwrap_or(0),
                    href: format!("{list}?status={}", s.code()),
                })
                .collect();
            PostingRow {
                data_number: p.data_number.clone(),
                title: p.title.clone(),
                end_date: p.end_date.clone(),
                total: Count { n: per.iter().map(|c| c.n).sum(), href: list },
                counts: per,
            }
        })
        .collect();
    let page = OverviewPage {
        chrome: ctx.chrome(ctx.t.get("app.overview.title"), Some(portal), None),
        statuses: status::ALL.iter().map(|s| ctx.t.get(s.key()).to_string()).collect(),
        rows,
    };
    Ok(html(&page)?.into_response())
}

/// The organization's posting, or 404 (another's, unknown, never published).
pub async fn own_posting(state: &AppState, current: &CurrentUser, id: i64) -> Result<PostingFacts, AppError> {
    let organization = organization(current)?;
    let mut conn = state.store.acquire().await?;
    crate::posting(state, &mut conn, &current.portal.id, id)
        .await?
        .filter(|p| p.organization_id == organization)
        .ok_or(AppError::NotFound)
}

/// The list's columns to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Receipt,
    Name,
    Applied,
    Status,
    File,
    Note,
}

impl Sort {
    const ALL: [Sort; 6] = [Sort::Receipt, Sort::Name, Sort::Applied, Sort::Status, Sort::File, Sort::Note];

    fn code(self) -> &'static str {
        match self {
            Sort::Receipt => "receipt",
            Sort::Name => "name",
            Sort::Applied => "applied",
            Sort::Status => "status",
            Sort::File => "file",
            Sort::Note => "note",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Sort::Receipt => "app.col.receipt",
            Sort::Name => "app.col.name",
            Sort::Applied => "app.col.applied",
            Sort::Status => "app.col.status",
            Sort::File => "app.col.file",
            Sort::Note => "app.col.note",
        }
    }

    fn parse(code: &str) -> Sort {
        Sort::ALL.into_iter().find(|s| s.code() == code).unwrap_or(Sort::Applied)
    }

    /// What a row sorts by (the id breaks ties, so every order is total and stable across pages).
    /// Computed once per row: a list of 2,000 compared its keys ~40,000 times.
    fn sort_key(self, x: &Application) -> (String, i64) {
        let text = match self {
            Sort::Receipt => x.receipt_id.clone().unwrap_or_default(),
            Sort::Name => x.furigana.clone(),
            Sort::Applied => format!("{:020}", x.applied_at.unwrap_or(0)),
            Sort::Status => format!("{:02}", status::ALL.iter().position(|s| *s == x.status).unwrap_or(0)),
            Sort::File => x.file_name.clone(),
            Sort::Note => x.note.clone(),
        };
        (text, x.id)
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    sort: String,
    #[serde(default)]
    dir: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: String,
    #[serde(default)]
    done: String,
    #[serde(default)]
    n: String,
    /// 「すべて選択」 (`all=1`): every row of the page shown comes checked.
    #[serde(default)]
    all: String,
}

pub struct Heading {
    pub label: String,
    pub href: String,
    /// `ascending` / `descending` where the list is sorted by it (aria-sort).
    pub sorted: Option<&'static str>,
}

pub struct ListRow {
    pub id: i64,
    /// Checked for the bulk actions (kept when the bulk form is shown again).
    pub picked: bool,
    pub receipt_id: String,
    pub href: String,
    pub name: String,
    pub applied: String,
    pub status: String,
    /// 「保存期間経過のため削除されました」 once purged (then no link).
    pub file_name: String,
    pub file_href: Option<String>,
    pub note: String,
}

pub struct StatusChoice {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "applications/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub posting: PostingFacts,
    pub action: String,
    pub sort: &'static str,
    pub dir: &'static str,
    pub choices: Vec<StatusChoice>,
    pub headings: Vec<Heading>,
    pub rows: Vec<ListRow>,
    pub total: usize,
    pub pager: Pager,
    pub back: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    /// The bulk form (「一括ダウンロード」, 「一括変更」): its address, the statuses it offers,
    /// and the 通知 choice as typed.
    pub bulk: String,
    pub targets: Vec<StatusChoice>,
    pub notify: String,
    /// 「すべて選択」: this page of the list with every row checked.
    pub select_all: String,
    /// The bulk form's 通知文 as typed.
    pub notice_text: String,
}

/// What the bulk form had when it is shown again with its errors: the checked rows, the
/// status, the 通知 choice and the 通知文.
#[derive(Default)]
pub struct Picked {
    pub ids: Vec<i64>,
    pub status: String,
    pub notify: String,
    pub notice: String,
}

pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, posting)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let posting: i64 = posting.parse().map_err(|_| AppError::NotFound)?;
    let p = own_posting(&state, &current, posting).await?;
    let notice = (query.done == "changed")
        .then(|| ctx.t.get("app.bulk.done").replace("{n}", &query.n.parse::<u32>().unwrap_or(0).to_string()));
    list_page(&state, &current, &ctx, p, &query, Picked::default(), FieldErrors::default(), notice).await
}

/// 応募情報一覧 of posting `p`, as `query` asks, with the bulk form as `picked` had it.
#[allow(clippy::too_many_arguments)]
pub async fn list_page(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    p: PostingFacts,
    query: &ListQuery,
    picked: Picked,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let mut apps = {
        let mut conn = state.store.acquire().await?;
        store::of_posting(&mut conn, &portal.id, p.organization_id, p.id).await?
    };
    let filter = Status::parse(&query.status).filter(|s| *s != Status::Draft);
    apps.retain(|a| filter.is_none_or(|f| a.status == f));
    let sort = Sort::parse(&query.sort);
    // 応募日時 newest first unless asked otherwise; any other column A→Z first.
    let descending = match query.dir.as_str() {
        "asc" => false,
        "desc" => true,
        _ => sort == Sort::Applied,
    };
    apps.sort_by_cached_key(|a| sort.sort_key(a));
    if descending {
        apps.reverse();
    }
    let total = apps.len();
    let pages = i64::try_from(total.div_ceil(PER_PAGE).max(1)).unwrap_or(1);
    let page = query.page.parse::<i64>().unwrap_or(1).clamp(1, pages);
    let action = format!("/{}/applications/postings/{}", portal.id, p.id);
    let status_code = filter.map_or("", Status::code);
    let dir = if descending { "desc" } else { "asc" };
    let link =
        |sort: &str, dir: &str, page: i64| format!("{action}?status={status_code}&sort={sort}&dir={dir}&page={page}");
    let headings = Sort::ALL
        .iter()
        .map(|s| {
            let here = *s == sort;
            let next = if here && !descending { "desc" } else { "asc" };
            Heading {
                label: ctx.t.get(s.key()).to_string(),
                href: link(s.code(), next, 1),
                sorted: here.then_some(if descending { "descending" } else { "ascending" }),
            }
        })
        .collect();
    // 「すべて選択」 is a link, so it works without JavaScript: the same list (filter, order,
    // page) again with every row checked.
    let all = query.all == "1";
    let select_all = format!("{}&all=1", link(sort.code(), dir, page));
    let skip = usize::try_from(page - 1).unwrap_or(0).saturating_mul(PER_PAGE);
    let base = format!("/{}/applications", portal.id);
    let rows = apps
        .iter()
        .skip(skip)
        .take(PER_PAGE)
        .map(|a| ListRow {
            id: a.id,
            picked: all || picked.ids.contains(&a.id),
            receipt_id: a.receipt_id.clone().unwrap_or_default(),
            href: format!("{base}/{}", a.id),
            name: a.name.clone(),
            applied: a.applied_at.map(|t| format_ts(t, ctx.lang)).unwrap_or_default(),
            status: ctx.t.get(a.status.key()).to_string(),
            file_name: if a.purged() { ctx.t.get("app.purged").to_string() } else { a.file_name.clone() },
            file_href: (!a.purged()).then(|| format!("{base}/{}/document", a.id)),
            note: a.note.chars().take(NOTE_PREVIEW).collect(),
        })
        .collect();
    let pager = Pager::new(page, i64::try_from(total).unwrap_or(0), PER_PAGE as i64, |n| link(sort.code(), dir, n));
    let choices = status::ALL
        .iter()
        .map(|s| StatusChoice { code: s.code(), label: ctx.t.get(s.key()).to_string(), selected: filter == Some(*s) })
        .collect();
    let bulk = format!("{base}/postings/{}/bulk", p.id);
    let page = ListPage {
        chrome: ctx.chrome(ctx.t.get("app.list.title"), Some(portal), None),
        posting: p,
        action,
        sort: sort.code(),
        dir,
        choices,
        headings,
        rows,
        total,
        pager,
        bulk,
        back: base,
        errors,
        notice,
        targets: status::SETTABLE
            .iter()
            .map(|s| StatusChoice {
                code: s.code(),
                label: ctx.t.get(s.key()).to_string(),
                selected: picked.status == s.code(),
            })
            .collect(),
        notify: picked.notify,
        notice_text: picked.notice,
        select_all,
    };
    Ok(html(&page)?.into_response())
}
