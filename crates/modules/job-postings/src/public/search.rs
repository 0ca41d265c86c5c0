//! 求人公募情報検索 (spec §1.7, §0.5): the form and the results on one page, no login. The
//! conditions live in the URL (a GET form), so the result page keeps the form filled and a
//! further condition refines it (「絞込み検索」); the count is exact (「該当件数 N件」) and every
//! page of the results can be reached (no 1,000 cap). Works without JavaScript.

use super::PublicSearch;
use super::criteria::{Criteria, FACET_PARAMS, Order, PER_PAGE, TENURE_VALUES};
use super::index::{self, Published};
use crate::taxonomy::{Entry, Taxonomy};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use madoguchi_core::portal::Module;
use madoguchi_core::{Lang, Portal};
use madoguchi_search::Hits;
use madoguchi_web::ctx::{Chrome, Ctx, PortalRef};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::state::AppState;
use std::collections::BTreeMap;

/// The portal, where it has the module; 404 otherwise.
pub(crate) fn public_portal(portal: Portal) -> Result<Portal, AppError> {
    if portal.settings.modules.contains(&Module::JobPostings) { Ok(portal) } else { Err(AppError::NotFound) }
}

pub(crate) fn service(state: &AppState) -> Result<&PublicSearch, AppError> {
    state.service::<PublicSearch>().ok_or_else(|| AppError::Internal("the public search index is not open".into()))
}

pub(crate) fn taxonomy() -> Result<&'static Taxonomy, AppError> {
    crate::taxonomy::taxonomy().map_err(|e| AppError::Internal(e.to_string()))
}

/// A date (JST) as the pages show it: `2027年01月31日` / `2027-01-31`.
pub(crate) fn day(ts: i64, lang: Lang) -> String {
    let Some(date) = madoguchi_core::publication::jst_date(ts) else { return String::new() };
    match lang {
        Lang::Ja => date.format("%Y年%m月%d日").to_string(),
        Lang::En => date.format("%Y-%m-%d").to_string(),
    }
}

/// One checkbox (or option) of a facet, with its count among the results.
pub struct Choice {
    pub code: String,
    pub label: String,
    pub chosen: bool,
    pub count: u64,
    /// The 大分類 name of a 小分類 (its optgroup).
    pub group: String,
}

pub struct Facet {
    pub name: &'static str,
    pub legend: String,
    /// `checks` or `select` (a list box: 小分類, 都道府県).
    pub kind: &'static str,
    pub choices: Vec<Choice>,
}

pub struct Row {
    pub href: String,
    pub title: String,
    pub organization: String,
    pub place: String,
    pub fields: String,
    pub job_kinds: String,
    pub updated: String,
    pub end_date: String,
    pub ended: bool,
    pub e_apply: bool,
    pub consideration: bool,
}

pub struct PageLink {
    pub number: u64,
    pub href: String,
    pub current: bool,
}

pub struct Option2 {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

#[derive(Template)]
#[template(path = "job_postings/public_search.html")]
pub struct SearchPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub action: String,
    pub all: String,
    pub any: String,
    pub none: String,
    pub facets: Vec<Facet>,
    pub salaries: Vec<Option2>,
    pub flags: Vec<Option2>,
    pub orders: Vec<Option2>,
    pub pers: Vec<Option2>,
    /// None before a search could run (an error in the form).
    pub total: Option<u64>,
    pub summary: String,
    pub rows: Vec<Row>,
    pub pages: Vec<PageLink>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub first: Option<String>,
    pub last: Option<String>,
    /// The Atom feed of these conditions.
    pub feed: String,
}

fn entry_choices(
    entries: &[Entry],
    criteria: &Criteria,
    facet: &'static str,
    counts: Option<&BTreeMap<u64, u64>>,
    group: impl Fn(&Entry) -> String,
) -> Vec<Choice> {
    entries
        .iter()
        .map(|e| Choice {
            code: e.code.clone(),
            label: e.name.clone(),
            chosen: criteria.has(facet, &e.code),
            count: e.code.parse::<u64>().ok().and_then(|c| counts.and_then(|m| m.get(&c)).copied()).unwrap_or(0),
            group: group(e),
        })
        .collect()
}

fn placed_choices(
    codes: &[&str],
    ctx: &Ctx,
    key: impl Fn(&str) -> String,
    criteria: &Criteria,
    facet: &'static str,
    counts: Option<&BTreeMap<u64, u64>>,
) -> Vec<Choice> {
    codes
        .iter()
        .enumerate()
        .map(|(place, code)| Choice {
            code: code.to_string(),
            label: ctx.t.get(&key(code)).to_string(),
            chosen: criteria.has(facet, code),
            count: counts.and_then(|m| m.get(&(place as u64))).copied().unwrap_or(0),
            group: String::new(),
        })
        .collect()
}

fn facets(ctx: &Ctx, taxonomy: &Taxonomy, criteria: &Criteria, hits: Option<&Hits>) -> Vec<Facet> {
    let counts = |f: &str| hits.and_then(|h| h.facet_counts.get(f));
    FACET_PARAMS
        .iter()
        .map(|&name| {
            let none = |_: &Entry| String::new();
            let (kind, choices) = match name {
                "org_kind" => (
                    "checks",
                    placed_choices(
                        &madoguchi_core::organization::KINDS,
                        ctx,
                        |c| format!("org.kind.{c}"),
                        criteria,
                        name,
                        counts(name),
                    ),
                ),
                "major" => ("checks", entry_choices(&taxonomy.majors, criteria, name, counts(name), none)),
                "minor" => (
                    "select",
                    entry_choices(&taxonomy.minors, criteria, name, counts(name), |e| {
                        Taxonomy::name(&taxonomy.majors, &e.parent).unwrap_or_default().to_string()
                    }),
                ),
                "job_kind" => ("checks", entry_choices(&taxonomy.job_kinds, criteria, name, counts(name), none)),
                "employment" => {
                    ("checks", entry_choices(&taxonomy.employment_types, criteria, name, counts(name), none))
                }
                "area" => ("checks", entry_choices(&taxonomy.areas, criteria, name, counts(name), none)),
                "prefecture" => ("select", entry_choices(&taxonomy.prefectures, criteria, name, counts(name), none)),
                "tenure" => (
                    "checks",
                    TENURE_VALUES
                        .iter()
                        .map(|v| Choice {
                            code: v.to_string(),
                            label: ctx.t.get(&format!("posting.public.tenure.{v}")).to_string(),
                            chosen: criteria.has(name, &v.to_string()),
                            count: counts(name).and_then(|m| m.get(v)).copied().unwrap_or(0),
                            group: String::new(),
                        })
                        .collect(),
                ),
                "consideration" => (
                    "checks",
                    placed_choices(
                        crate::fields::CONSIDERATIONS,
                        ctx,
                        |c| format!("posting.choice.consideration.{c}"),
                        criteria,
                        name,
                        counts(name),
                    ),
                ),
                _ => (
                    "checks",
                    placed_choices(
                        &crate::fields::APPLY_METHODS[..3],
                        ctx,
                        |c| format!("posting.choice.apply_method.{c}"),
                        criteria,
                        name,
                        counts(name),
                    ),
                ),
            };
            Facet { name, legend: ctx.t.get(&format!("posting.public.facet.{name}")).to_string(), kind, choices }
        })
        .collect()
}

/// A result row of a published posting.
pub(crate) fn row(ctx: &Ctx, taxonomy: &Taxonomy, portal: &str, p: &Published, now: i64) -> Row {
    let s = &p.snapshot;
    let text = |name: &str| s.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let list = |name: &str| -> Vec<String> {
        s.get(name)
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let names = |entries: &[Entry], codes: Vec<String>| {
        codes.iter().filter_map(|c| Taxonomy::name(entries, c)).collect::<Vec<_>>().join("、")
    };
    let place = if text("location") == "overseas" {
        ctx.t.get("posting.choice.location.overseas").to_string()
    } else {
        Taxonomy::name(&taxonomy.prefectures, &text("prefecture")).unwrap_or_default().to_string()
    };
    let end = index::end_date(s);
    Row {
        href: format!("/{portal}/postings/{}", p.id),
        title: text("title"),
        organization: p.organization_name.clone(),
        place,
        fields: names(&taxonomy.majors, list("major")),
        job_kinds: names(&taxonomy.job_kinds, list("job_kind")),
        updated: day(p.updated_at, ctx.lang),
        end_date: end
            .and_then(|d| madoguchi_core::publication::jst_time(d, (0, 0)))
            .map(|t| day(t, ctx.lang))
            .unwrap_or_default(),
        ended: end.is_some_and(|d| madoguchi_core::publication::has_ended(d, now)),
        e_apply: list("apply_method").iter().any(|m| m != "post"),
        consideration: !list("consideration").is_empty(),
    }
}

/// One page of results: the engine's answer and the page's postings in its order (the page,
/// the feed and the API share it, so one query gives one count everywhere).
pub(crate) async fn results(
    state: &AppState,
    taxonomy: &Taxonomy,
    portal: &str,
    criteria: &Criteria,
    english_site: bool,
    now: i64,
) -> Result<(Hits, Vec<Published>), AppError> {
    let query = criteria.query(taxonomy, portal, english_site, now);
    let hits = service(state)?.search(query).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let ids: Vec<i64> = hits.ids.iter().filter_map(|id| index::posting_id(id)).collect();
    let found = {
        let mut conn = state.store.acquire().await?;
        index::find_many(&mut conn, portal, &ids, now).await?
    };
    let mut by_id: BTreeMap<i64, Published> = found.into_iter().map(|p| (p.id, p)).collect();
    let page = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    Ok((hits, page))
}

fn options(values: impl IntoIterator<Item = (String, String)>, chosen: &str) -> Vec<Option2> {
    values.into_iter().map(|(value, label)| Option2 { chosen: value == chosen, value, label }).collect()
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    PortalRef(portal): PortalRef,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let portal = public_portal(portal)?;
    let taxonomy = taxonomy()?;
    let criteria = Criteria::parse(&pairs, taxonomy);
    let now = state.clock.unix();
    let base = format!("/{}/postings", portal.id);
    let mut errors = FieldErrors::default();
    for (field, key) in &criteria.errors {
        let label = ctx.t.get(&format!("posting.public.{field}")).to_string();
        errors.add(
            field,
            &ctx.t.get(key).replace("{label}", &label).replace("{max}", &super::criteria::KEYWORD_MAX.to_string()),
        );
    }
    let results = if errors.is_empty() {
        Some(results(&state, taxonomy, &portal.id, &criteria, ctx.lang == Lang::En, now).await?)
    } else {
        None
    };
    let hits = results.as_ref().map(|(hits, _)| hits);
    let mut rows = Vec::new();
    let (mut pages, mut prev, mut next, mut first, mut last) = (Vec::new(), None, None, None, None);
    let mut summary = String::new();
    if let Some((hits, found)) = &results {
        rows = found.iter().map(|p| row(&ctx, taxonomy, &portal.id, p, now)).collect();
        let per = criteria.per_page;
        let page_count = hits.total.div_ceil(per).max(1);
        let href = |n: u64| format!("{base}?{}", criteria.href_query(criteria.order, per, n));
        let current = criteria.page;
        let from = current.saturating_sub(2).max(1);
        let to = (current + 2).min(page_count);
        pages = (from..=to).map(|n| PageLink { number: n, href: href(n), current: n == current }).collect();
        prev = (current > 1).then(|| href((current - 1).min(page_count)));
        next = (current < page_count).then(|| href(current + 1));
        first = (from > 1).then(|| href(1));
        last = (to < page_count).then(|| href(page_count));
        let shown_from = (current - 1) * per + 1;
        let shown_to = (current * per).min(hits.total);
        summary = if rows.is_empty() {
            String::new()
        } else {
            ctx.t
                .get("posting.public.showing")
                .replace("{from}", &shown_from.to_string())
                .replace("{to}", &shown_to.to_string())
        };
    }
    let title = ctx.t.get("posting.public.search_title");
    let chrome = ctx.chrome(title, Some(&portal), None);
    let salary_chosen = criteria.salary.map(|s| s.to_string()).unwrap_or_default();
    let mut salaries = vec![(String::new(), ctx.t.get("posting.public.salary_any").to_string())];
    salaries.extend((1..=30i64).map(|n| {
        let label = ctx.t.get("posting.public.salary_from");
        let label = label
            .replace("{n}", &(n * 100).to_string())
            .replace("{yen}", &madoguchi_web::format::format_yen(n * 1_000_000));
        (format!("{}", n * 100), label)
    }));
    let flags = [
        ("new", criteria.new),
        ("closing", criteria.closing),
        ("ended", criteria.ended),
        ("english", criteria.english),
    ]
    .into_iter()
    .map(|(name, on)| Option2 {
        value: name.to_string(),
        label: ctx.t.get(&format!("posting.public.flag.{name}")).to_string(),
        chosen: on,
    })
    .collect();
    let page = SearchPage {
        errors,
        action: base.clone(),
        all: criteria.all.clone(),
        any: criteria.any.clone(),
        none: criteria.none.clone(),
        facets: facets(&ctx, taxonomy, &criteria, hits),
        salaries: options(salaries, &salary_chosen),
        flags,
        orders: options(
            Order::ALL.iter().map(|o| {
                (o.as_str().to_string(), ctx.t.get(&format!("posting.public.sort.{}", o.as_str())).to_string())
            }),
            criteria.order.as_str(),
        ),
        pers: options(PER_PAGE.iter().map(|p| (p.to_string(), p.to_string())), &criteria.per_page.to_string()),
        total: hits.map(|h| h.total),
        summary,
        rows,
        pages,
        prev,
        next,
        first,
        last,
        feed: {
            let query = criteria.href_query(Order::Newest, super::criteria::DEFAULT_PER_PAGE, 1);
            format!("{base}.atom{}{query}", if query.is_empty() { "" } else { "?" })
        },
        chrome,
    };
    let status = if page.errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::BAD_REQUEST };
    Ok((status, Html(askama::Template::render(&page)?)).into_response())
}
