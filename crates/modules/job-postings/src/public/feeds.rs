//! The search for machines (spec §0.5, §1.7; Beyond: neither original has them): an Atom feed
//! of any search (`/{portal}/postings.atom?<the page's query>`, the newest 50 by update), a
//! read-only JSON API (`/{portal}/api/v1/postings?<the same query>` → `{total, page, per_page,
//! items}`) and the sitemap of every public posting (`/{portal}/sitemap.xml`, `lastmod` = 更新日).
//!
//! The feed and the API take one use of a per-address limit each (60 a minute, Choice of §0.5;
//! the platform's `limits::take`, so it holds across instances); past it, the 429 page. Both
//! answer the same query as the page, in the request's language (Japanese postings unless
//! `english=1` or an English `Accept-Language`), so the API's `total` is the page's 該当件数.

use super::criteria::{Criteria, DEFAULT_PER_PAGE, Order};
use super::index::{self, Published};
use super::search::{public_portal, results, taxonomy};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use madoguchi_core::{Lang, Portal};
use madoguchi_store::limits::{self, Limit};
use madoguchi_web::ctx::{Ctx, Origin, PortalRef};
use madoguchi_web::error::AppError;
use madoguchi_web::state::AppState;
use sqlx::Row;

/// Feed and API requests per address and minute (Choice, §0.5).
pub const PER_MINUTE: Limit = Limit { name: "posting.public.api", max: 60, window_seconds: 60 };
/// The sitemap protocol's limit of addresses in one file.
pub const SITEMAP_MAX: i64 = 50_000;

/// One use of the per-address limit, in a transaction of its own (the request changes
/// nothing else).
async fn take_limit(state: &AppState, portal: &Portal, origin: &Origin, now: i64) -> Result<(), AppError> {
    let who = origin.ip.as_deref().unwrap_or("unknown");
    let mut tx = state.store.begin().await?;
    let within = limits::take(&mut tx, &portal.id, &PER_MINUTE, who, now).await?;
    tx.commit().await?;
    if within { Ok(()) } else { Err(AppError::TooMany) }
}

fn rfc3339(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.with_timezone(&madoguchi_core::clock::JST).to_rfc3339())
        .unwrap_or_default()
}

fn text(p: &Published, name: &str) -> String {
    p.snapshot.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_string()
}

fn list(p: &Published, name: &str) -> Vec<String> {
    p.snapshot
        .get(name)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).map(str::to_string).collect())
        .unwrap_or_default()
}

/// XML text and attribute escaping.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids (control characters other than tab and line ends).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn pairs_with(pairs: &[(String, String)], drop: &[&str]) -> Vec<(String, String)> {
    pairs.iter().filter(|(k, _)| !drop.contains(&k.as_str())).cloned().collect()
}

pub async fn atom(
    State(state): State<AppState>,
    ctx: Ctx,
    origin: Origin,
    PortalRef(portal): PortalRef,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let portal = public_portal(portal)?;
    let taxonomy = taxonomy()?;
    let now = state.clock.unix();
    take_limit(&state, &portal, &origin, now).await?;
    // The newest 50 by update, whatever the page's order and paging.
    let mut criteria = Criteria::parse(&pairs_with(&pairs, &["sort", "per", "page"]), taxonomy);
    if !criteria.errors.is_empty() {
        // A feed reader shows no page: the rule in plain words, as the API's error says it.
        let message = format!("keyword longer than {} characters", super::criteria::KEYWORD_MAX);
        return Ok((axum::http::StatusCode::BAD_REQUEST, message).into_response());
    }
    criteria.order = Order::Newest;
    criteria.per_page = DEFAULT_PER_PAGE;
    let (_, found) = results(&state, taxonomy, &portal.id, &criteria, ctx.lang == Lang::En, now).await?;
    let base = state.config.server.base_url();
    let query = criteria.href_query(Order::Newest, DEFAULT_PER_PAGE, 1);
    let search = format!("{base}/{}/postings{}{query}", portal.id, if query.is_empty() { "" } else { "?" });
    let name = portal.settings.name.get(ctx.lang);
    let updated = found.iter().map(|p| p.updated_at).max().unwrap_or(0);
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!("<title>{} {}</title>\n", xml(name), xml(ctx.t.get("posting.public.search_title"))));
    out.push_str(&format!("<id>{}</id>\n", xml(&search)));
    out.push_str(&format!("<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", xml(&search)));
    out.push_str(&format!("<updated>{}</updated>\n<author><name>{}</name></author>\n", rfc3339(updated), xml(name)));
    for p in &found {
        let href = format!("{base}/{}/postings/{}", portal.id, p.id);
        let end = index::end_date(&p.snapshot).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        out.push_str("<entry>\n");
        out.push_str(&format!("<id>{}</id>\n<title>{}</title>\n", xml(&href), xml(&text(p, "title"))));
        out.push_str(&format!("<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", xml(&href)));
        out.push_str(&format!(
            "<updated>{}</updated>\n<published>{}</published>\n",
            rfc3339(p.updated_at),
            rfc3339(p.publish_at)
        ));
        out.push_str(&format!("<author><name>{}</name></author>\n", xml(&p.organization_name)));
        let summary = format!(
            "{} {} / {} {}",
            ctx.t.get("posting.public.col.organization"),
            p.organization_name,
            ctx.t.get("posting.public.col.end_date"),
            end
        );
        out.push_str(&format!("<summary>{}</summary>\n</entry>\n", xml(&summary)));
    }
    out.push_str("</feed>\n");
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], out).into_response())
}

pub async fn api(
    State(state): State<AppState>,
    ctx: Ctx,
    origin: Origin,
    PortalRef(portal): PortalRef,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let portal = public_portal(portal)?;
    let taxonomy = taxonomy()?;
    let now = state.clock.unix();
    take_limit(&state, &portal, &origin, now).await?;
    let criteria = Criteria::parse(&pairs, taxonomy);
    if !criteria.errors.is_empty() {
        let fields: Vec<&str> = criteria.errors.iter().map(|(f, _)| *f).collect();
        let body =
            serde_json::json!({ "error": "keyword_too_long", "fields": fields, "max": super::criteria::KEYWORD_MAX });
        return Ok((axum::http::StatusCode::BAD_REQUEST, axum::Json(body)).into_response());
    }
    let (hits, found) = results(&state, taxonomy, &portal.id, &criteria, ctx.lang == Lang::En, now).await?;
    let base = state.config.server.base_url();
    let items: Vec<serde_json::Value> = found
        .iter()
        .map(|p| {
            serde_json::json!({
                "id": p.id,
                "data_number": p.data_number,
                "url": format!("{base}/{}/postings/{}", portal.id, p.id),
                "language": p.language,
                "title": text(p, "title"),
                "organization": p.organization_name,
                "department": text(p, "department"),
                "research_fields": list(p, "major"),
                "job_kinds": list(p, "job_kind"),
                "employment": text(p, "employment"),
                "prefecture": text(p, "prefecture"),
                "published": rfc3339(p.publish_at),
                "end_date": text(p, "end_date"),
            })
        })
        .collect();
    let body = serde_json::json!({
        "total": hits.total,
        "page": criteria.page,
        "per_page": criteria.per_page,
        "items": items,
    });
    Ok(axum::Json(body).into_response())
}

pub async fn sitemap(State(state): State<AppState>, PortalRef(portal): PortalRef) -> Result<Response, AppError> {
    let portal = public_portal(portal)?;
    let now = state.clock.unix();
    let rows = {
        let mut conn = state.store.acquire().await?;
        sqlx::query(
            "SELECT id, publish_at, unpublish_at, public_snapshot, public_since, next_snapshot, next_at FROM job_postings
             WHERE portal = $1 AND public_snapshot IS NOT NULL AND publish_at <= $2
               AND (unpublish_at IS NULL OR unpublish_at > $2)
             ORDER BY id LIMIT $3",
        )
        .bind(&portal.id)
        .bind(now)
        .bind(SITEMAP_MAX)
        .fetch_all(&mut *conn)
        .await?
    };
    let base = state.config.server.base_url();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    out.push_str(&format!("<url><loc>{}</loc></url>\n", xml(&format!("{base}/{}/postings", portal.id))));
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let publish_at: i64 = r.try_get("publish_at")?;
        let unpublish_at: Option<i64> = r.try_get("unpublish_at")?;
        // The version in force now: an approved revision once its 反映 time has come.
        let next_at: Option<i64> = r.try_get::<Option<i64>, _>("next_at")?.filter(|at| *at <= now);
        let (snapshot, updated_at): (String, i64) = match next_at {
            Some(at) => (r.try_get::<Option<String>, _>("next_snapshot")?.unwrap_or_default(), at),
            None => (r.try_get("public_snapshot")?, r.try_get::<Option<i64>, _>("public_since")?.unwrap_or(publish_at)),
        };
        let snapshot: serde_json::Value = serde_json::from_str(&snapshot).unwrap_or_default();
        // Past the 365 days after its end: no longer public.
        if index::public_until(&snapshot, unpublish_at).is_some_and(|until| now >= until) {
            continue;
        }
        let lastmod = madoguchi_core::publication::jst_date(updated_at).map(|d| d.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "<url><loc>{}</loc><lastmod>{lastmod}</lastmod></url>\n",
            xml(&format!("{base}/{}/postings/{id}", portal.id))
        ));
    }
    out.push_str("</urlset>\n");
    Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], out).into_response())
}
