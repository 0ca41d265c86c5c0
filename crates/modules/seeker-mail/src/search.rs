//! 「求職者情報検索・求職者照会メール送付」 (jrec-in §1.10 item 1): 「キーワードで探す」 and
//! 「複数の条件で探す」 (研究分野, 希望職種, 希望勤務地, 最終学位) over the portal's 公開
//! 求職者情報, the exact count, 50 a page through all results (no cap), sorted by 更新日. The
//! query lives in the URL (GET), so a search can be bookmarked and refined. A profile's page
//! shows the ユーザID and the 求職者情報, never a name or contact, and leads to
//! 「求職者照会メールを出す」. The search runs on the platform's search engine (`crate::index`):
//! exact counts over every 公開 profile, no cap. A profile turned 非公開, or a seeker who left
//! (退会), leaves the results once the index's follower has applied the change (within a poll),
//! and its page 404s at once: the page and the rows of a result page read the table.

use crate::index::ProfileSearch;
use crate::rules::Conditions;
use crate::store::{self, Profile};
use crate::{TOPIC, organization};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use madoguchi_core::seeker_codes::{DEGREES, JOB_KINDS, List, PREFECTURES, RESEARCH_FIELDS};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::i18n::Tr;
use madoguchi_web::pages::{Pager, html};
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// Results a page (JREC-IN's own page size, modules README §0.5).
pub const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default, Clone)]
pub struct SearchQuery {
    #[serde(default)]
    pub keyword: String,
    #[serde(default)]
    pub research: String,
    #[serde(default)]
    pub job: String,
    #[serde(default)]
    pub prefecture: String,
    #[serde(default)]
    pub degree: String,
    /// `new` (更新日の新しい順, the default) or `old`.
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: String,
}

impl SearchQuery {
    fn link(&self, base: &str, page: i64) -> String {
        let pairs = [
            ("keyword", self.keyword.as_str()),
            ("research", &self.research),
            ("job", &self.job),
            ("prefecture", &self.prefecture),
            ("degree", &self.degree),
            ("sort", &self.sort),
        ];
        let mut q: Vec<String> =
            pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode(v))).collect();
        q.push(format!("page={page}"));
        format!("{base}?{}", q.join("&"))
    }
}

/// Percent-encodes a query value (every byte but the unreserved ones).
fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `<select>`'s options: `(group label, [(code, name)])`.
pub type Groups = Vec<(String, Vec<(String, String)>)>;

fn groups(list: &List) -> Groups {
    if list.groups.is_empty() {
        return vec![(String::new(), list.codes.iter().map(|c| (c.code.clone(), c.name.clone())).collect())];
    }
    list.groups
        .iter()
        .map(|(code, name)| (name.clone(), list.in_group(code).map(|c| (c.code.clone(), c.name.clone())).collect()))
        .collect()
}

fn names(list: &List, codes: &[String]) -> String {
    codes.iter().map(|c| list.name(c).unwrap_or(c.as_str()).to_string()).collect::<Vec<_>>().join("、")
}

fn degree_name(t: &Tr, code: &str) -> String {
    DEGREES.iter().find(|(c, _)| *c == code).map(|(_, k)| t.get(k).to_string()).unwrap_or_default()
}

/// A profile as the pages show it.
pub struct View {
    pub seeker_id: String,
    pub href: String,
    pub research: String,
    pub jobs: String,
    pub prefectures: String,
    pub degree: String,
    pub position: String,
    pub career: String,
    pub appeal: String,
    pub researchmap: String,
    pub updated: String,
}

fn view(ctx: &Ctx, portal: &str, p: &Profile) -> View {
    View {
        seeker_id: p.seeker_id.clone(),
        href: format!("/{portal}/seeker-search/{}", p.seeker_id),
        research: names(&RESEARCH_FIELDS, &p.research),
        jobs: names(&JOB_KINDS, &p.jobs),
        prefectures: names(&PREFECTURES, &p.prefectures),
        degree: degree_name(ctx.t, &p.degree),
        position: p.position.clone(),
        career: p.career.clone(),
        appeal: p.appeal.clone(),
        researchmap: p.researchmap.clone(),
        updated: format_ts(p.updated_at, ctx.lang),
    }
}

#[derive(Template)]
#[template(path = "seeker_mail/search.html")]
pub struct SearchPage {
    pub chrome: Chrome,
    pub query: SearchQuery,
    pub research: Groups,
    pub jobs: Groups,
    pub prefectures: Groups,
    pub degrees: Vec<(String, String)>,
    pub total: i64,
    pub rows: Vec<View>,
    pub pager: Pager,
    pub history_href: String,
}

pub async fn page(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    organization(&current)?;
    let portal = &current.portal;
    let conditions = Conditions::new(&query.keyword, &query.research, &query.job, &query.prefecture, &query.degree);
    let asked = query.page.parse::<i64>().unwrap_or(1).max(1);
    let now = state.clock.unix();
    let search = service(&state)?;
    let (mut total, mut ids) = find(search, &conditions, &portal.id, &query.sort, asked, now).await?;
    // A page past the last (an old link) shows the last one.
    let page = asked.min(Pager::pages(total, PER_PAGE));
    if page < asked {
        (total, ids) = find(search, &conditions, &portal.id, &query.sort, page, now).await?;
    }
    // The page's rows from the table, in the index's order: one turned 非公開 since the follower
    // last applied the log is left out at once (its detail page already 404s).
    let mut found = {
        let mut conn = state.store.acquire().await?;
        store::public_by_ids(&mut conn, &portal.id, &ids).await?
    };
    found.sort_by_key(|p| ids.iter().position(|id| *id == p.user_id));
    let rows = found.iter().map(|p| view(&ctx, &portal.id, p)).collect();
    let base = format!("/{}/seeker-search", portal.id);
    let pager = Pager::new(page, total, PER_PAGE, |n| query.link(&base, n));
    let page = SearchPage {
        chrome: ctx.chrome(ctx.t.get("smail.search.title"), Some(portal), None),
        research: groups(&RESEARCH_FIELDS),
        jobs: groups(&JOB_KINDS),
        prefectures: groups(&PREFECTURES),
        degrees: DEGREES.iter().map(|(c, k)| (c.to_string(), ctx.t.get(k).to_string())).collect(),
        total,
        rows,
        pager,
        history_href: format!("/{}/inquiries", portal.id),
        query,
    };
    Ok(html(&page)?.into_response())
}

/// The profiles index of this instance (opened by the binary where a portal has the module).
fn service(state: &AppState) -> Result<&ProfileSearch, AppError> {
    state.service::<ProfileSearch>().ok_or_else(|| AppError::Internal("the profiles search index is not open".into()))
}

/// The exact total and one page of user ids; no hit at all when a condition is no code.
async fn find(
    search: &ProfileSearch,
    conditions: &Conditions,
    portal: &str,
    sort: &str,
    page: i64,
    now: i64,
) -> Result<(i64, Vec<i64>), AppError> {
    let page = u64::try_from(page).unwrap_or(1);
    let Some(query) = conditions.query(portal, sort, page, PER_PAGE as u64, now) else {
        return Ok((0, Vec::new()));
    };
    let hits = search.search(query).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let total = i64::try_from(hits.total).unwrap_or(i64::MAX);
    Ok((total, hits.ids.iter().filter_map(|id| id.parse().ok()).collect()))
}

#[derive(Template)]
#[template(path = "seeker_mail/profile.html")]
pub struct ProfilePage {
    pub chrome: Chrome,
    pub profile: View,
    pub inquiry_href: String,
    /// When this institution last sent this seeker an inquiry.
    pub last_sent: Option<String>,
}

pub async fn detail(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, seeker)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let portal = &current.portal;
    let mut conn = state.store.acquire().await?;
    let profile = store::public_by_seeker_id(&mut conn, &portal.id, &seeker).await?.ok_or(AppError::NotFound)?;
    let sent = madoguchi_store::relay::sent(&mut conn, &portal.id, TOPIC, organization, profile.user_id, 0).await?;
    drop(conn);
    let page = ProfilePage {
        chrome: ctx.chrome(ctx.t.get("smail.profile.title"), Some(portal), None),
        inquiry_href: format!("/{}/seeker-search/{}/inquiry", portal.id, profile.seeker_id),
        last_sent: sent.last_to_recipient.map(|at| format_ts(at, ctx.lang)),
        profile: view(&ctx, &portal.id, &profile),
    };
    Ok(html(&page)?.into_response())
}
