//! アクセス数 (jrec-in spec §1.6 item 4): views of a posting's public page, one per visitor per
//! posting per JST day; the institution's own views and known bots are not counted (Choice).
//! A visitor is the `mdg_v` cookie (a random value the page sets), or, where a browser sends
//! none, its address and user agent; either is kept only as a SHA-256 (migration 0025). The
//! institution reads the counts on アクセス数閲覧 (当月, 前月, 合計; データ番号 order or
//! 「アクセス数合計順」) and downloads them as CSV for Excel.

use crate::pages::organization;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{Datelike, Months, NaiveDate};
use madoguchi_core::publication::jst_date;
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::excel_csv::{self, ExcelEncoding};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

/// The visitor cookie.
pub const VISITOR_COOKIE: &str = "mdg_v";
/// How long a browser keeps its visitor cookie (a year, in seconds).
const VISITOR_AGE: i64 = 365 * 86_400;

/// Fragments of the user agents of crawlers, link previewers and scripted clients
/// (case-insensitive; Choice: the common ones, not an exhaustive list).
const BOTS: [&str; 12] = [
    "bot",
    "crawl",
    "spider",
    "slurp",
    "facebookexternalhit",
    "mediapartners",
    "headless",
    "curl/",
    "wget/",
    "python-",
    "java/",
    "go-http-client",
];

/// Whether a user agent is a known bot; an empty one counts as one (browsers send theirs).
pub fn is_bot(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    ua.trim().is_empty() || BOTS.iter().any(|b| ua.contains(b))
}

/// The stored visitor: a hash of the cookie, else of the address and user agent.
pub fn visitor_key(cookie: Option<&str>, ip: Option<&str>, user_agent: &str) -> String {
    let mut hash = Sha256::new();
    match cookie {
        Some(value) => {
            hash.update(b"c\0");
            hash.update(value.as_bytes());
        }
        None => {
            hash.update(b"a\0");
            hash.update(ip.unwrap_or_default().as_bytes());
            hash.update(b"\0");
            hash.update(user_agent.as_bytes());
        }
    }
    hex::encode(hash.finalize())
}

/// A JST day as the table keeps it: yyyymmdd.
pub fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 10_000 + i64::from(date.month()) * 100 + i64::from(date.day())
}

/// The first and last day numbers of the month of `date` and of the month before it.
pub fn months(date: NaiveDate) -> ((i64, i64), (i64, i64)) {
    let first = date.with_day(1).unwrap_or(date);
    let previous = first.checked_sub_months(Months::new(1)).unwrap_or(first);
    let span = |d: NaiveDate| (day_number(d), day_number(d) - i64::from(d.day()) + 31);
    (span(first), span(previous))
}

/// A visitor cookie's value: random, opaque.
pub fn new_visitor() -> String {
    madoguchi_web::auth::random_token()
}

/// The visitor cookie: HttpOnly, for the public pages only; `Lax` rather than the portal's
/// usual `Strict`, because most visitors arrive from another site (a search engine, a feed
/// reader), and a cookie left off those arrivals would count them again by address.
pub fn visitor_cookie(portal: &str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((VISITOR_COOKIE, value))
        .path(format!("/{portal}/postings"))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(VISITOR_AGE))
        .build()
}

/// Counts a view of `visitor` (the cookie's key, or the address's where there is no cookie);
/// false when this visitor was already counted today. `also` is the address's key of a
/// visitor known by its cookie: its first view, made before it had the cookie, was counted
/// under that key, and is the same visitor's.
pub async fn record(
    conn: &mut AnyConnection,
    posting_id: i64,
    now: i64,
    visitor: &str,
    also: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let Some(today) = jst_date(now) else { return Ok(false) };
    let day = day_number(today);
    if let Some(also) = also {
        let seen: Option<i64> =
            sqlx::query_scalar("SELECT day FROM posting_views WHERE posting_id = $1 AND day = $2 AND visitor = $3")
                .bind(posting_id)
                .bind(day)
                .bind(also)
                .fetch_optional(&mut *conn)
                .await?;
        if seen.is_some() {
            return Ok(false);
        }
    }
    let done = sqlx::query(
        "INSERT INTO posting_views (posting_id, day, visitor) VALUES ($1, $2, $3)
         ON CONFLICT (posting_id, day, visitor) DO NOTHING",
    )
    .bind(posting_id)
    .bind(day)
    .bind(visitor)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One row of アクセス数閲覧.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub id: i64,
    pub data_number: String,
    pub title: String,
    pub published: Option<i64>,
    pub end_date: String,
    pub this_month: i64,
    pub last_month: i64,
    pub total: i64,
}

/// Every posting of the organization that was ever approved, with its counts at `now`;
/// データ番号 order, or by 合計 (most first, then データ番号) when `by_total`.
pub async fn counts(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    now: i64,
    by_total: bool,
) -> Result<Vec<Counted>, sqlx::Error> {
    let today = jst_date(now).unwrap_or_default();
    let ((this_from, this_to), (last_from, last_to)) = months(today);
    let rows = sqlx::query(
        "SELECT p.id, p.data_number, p.public_snapshot, p.publish_at, p.end_date,
                COALESCE(SUM(CASE WHEN v.day BETWEEN $3 AND $4 THEN 1 ELSE 0 END), 0) AS this_month,
                COALESCE(SUM(CASE WHEN v.day BETWEEN $5 AND $6 THEN 1 ELSE 0 END), 0) AS last_month,
                COUNT(v.day) AS total
         FROM job_postings p LEFT JOIN posting_views v ON v.posting_id = p.id
         WHERE p.portal = $1 AND p.organization_id = $2 AND p.public_snapshot IS NOT NULL
         GROUP BY p.id, p.data_number, p.public_snapshot, p.publish_at, p.end_date
         ORDER BY p.data_number",
    )
    .bind(portal)
    .bind(organization_id)
    .bind(this_from)
    .bind(this_to)
    .bind(last_from)
    .bind(last_to)
    .fetch_all(conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let data_number: i64 = r.try_get("data_number")?;
        let snapshot: Option<String> = r.try_get("public_snapshot")?;
        out.push(Counted {
            id: r.try_get("id")?,
            data_number: u32::try_from(data_number)
                .ok()
                .and_then(crate::data_number::DataNumber::from_serial)
                .map(|n| n.to_string())
                .unwrap_or_default(),
            title: crate::pages::title_of(snapshot.as_deref()),
            published: r.try_get("publish_at")?,
            end_date: r.try_get::<Option<String>, _>("end_date")?.unwrap_or_default(),
            this_month: r.try_get("this_month")?,
            last_month: r.try_get("last_month")?,
            total: r.try_get("total")?,
        });
    }
    if by_total {
        // Stable: equal totals keep データ番号 order.
        out.sort_by_key(|c| std::cmp::Reverse(c.total));
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "job_postings/access.html")]
pub struct AccessPage {
    pub chrome: Chrome,
    pub rows: Vec<Counted>,
    pub published: Vec<String>,
    pub by_total: bool,
    pub base: String,
    pub encodings: Vec<(String, String)>,
    /// Why the CSV could not be made (a character CP932 lacks), shown above the table.
    pub error: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct AccessQuery {
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub encoding: String,
}

/// アクセス数閲覧.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    current: CurrentUser,
    Query(q): Query<AccessQuery>,
) -> Result<Response, AppError> {
    let org = organization(&current)?;
    let by_total = q.sort == "total";
    let now = state.clock.unix();
    let rows = {
        let mut conn = state.store.acquire().await?;
        counts(&mut conn, &current.portal.id, org, now, by_total).await?
    };
    let published =
        rows.iter().map(|r| r.published.map(|t| super::search::day(t, ctx.lang)).unwrap_or_default()).collect();
    let page = AccessPage {
        chrome: ctx.chrome(ctx.t.get("posting.access.title"), Some(&current.portal), Some(Screen::PostingAccess)),
        rows,
        published,
        by_total,
        base: format!("/{}/job-postings/access", current.portal.id),
        encodings: ExcelEncoding::ALL
            .iter()
            .map(|e| (e.form_value().to_string(), ctx.t.get(e.label_key()).to_string()))
            .collect(),
        error: None,
    };
    Ok(Html(page.render()?).into_response())
}

/// The same rows as CSV for Excel (UTF-8 with BOM, or CP932 where chosen).
pub async fn csv(
    State(state): State<AppState>,
    ctx: Ctx,
    current: CurrentUser,
    Query(q): Query<AccessQuery>,
) -> Result<Response, AppError> {
    let org = organization(&current)?;
    let encoding = ExcelEncoding::parse(q.encoding.trim()).unwrap_or_default();
    let now = state.clock.unix();
    let rows = {
        let mut conn = state.store.acquire().await?;
        counts(&mut conn, &current.portal.id, org, now, q.sort == "total").await?
    };
    let headings: Vec<&str> = [
        "posting.col.data_number",
        "posting.field.title",
        "posting.public.col.published",
        "posting.public.col.end_date",
        "posting.access.this_month",
        "posting.access.last_month",
        "posting.access.total",
    ]
    .iter()
    .map(|k| ctx.t.get(k))
    .collect();
    let lines = rows.iter().map(|r| {
        vec![
            r.data_number.clone(),
            r.title.clone(),
            r.published.and_then(jst_date).map(|d| d.format("%Y/%m/%d").to_string()).unwrap_or_default(),
            r.end_date.replace('-', "/"),
            r.this_month.to_string(),
            r.last_month.to_string(),
            r.total.to_string(),
        ]
    });
    match excel_csv::write(encoding, &headings, lines) {
        Ok(bytes) => {
            let stamp = chrono::DateTime::from_timestamp(now, 0)
                .map(|t| t.with_timezone(&madoguchi_core::clock::JST).format("%Y%m%d%H%M").to_string())
                .unwrap_or_default();
            Ok(excel_csv::download(&format!("アクセス数_{stamp}.csv"), encoding, bytes))
        }
        Err(e) => {
            // A character CP932 lacks: the page again, with the cell and the way out (UTF-8).
            let published =
                rows.iter().map(|r| r.published.map(|t| super::search::day(t, ctx.lang)).unwrap_or_default()).collect();
            let page = AccessPage {
                chrome: ctx.chrome(
                    ctx.t.get("posting.access.title"),
                    Some(&current.portal),
                    Some(Screen::PostingAccess),
                ),
                by_total: q.sort == "total",
                rows,
                published,
                base: format!("/{}/job-postings/access", current.portal.id),
                encodings: ExcelEncoding::ALL
                    .iter()
                    .map(|e| (e.form_value().to_string(), ctx.t.get(e.label_key()).to_string()))
                    .collect(),
                error: Some(e.message(ctx.t)),
            };
            Ok((axum::http::StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bots_and_browsers() {
        assert!(is_bot("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"));
        assert!(is_bot("curl/8.5.0"));
        assert!(is_bot(""));
        assert!(is_bot("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120"));
        assert!(!is_bot("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36"));
    }

    #[test]
    fn days_and_months() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        assert_eq!(day_number(d), 20270115);
        assert_eq!(months(d), ((20270101, 20270131), (20261201, 20261231)));
        assert_ne!(visitor_key(Some("x"), None, "ua"), visitor_key(None, Some("x"), "ua"));
        assert_eq!(visitor_key(None, Some("1.2.3.4"), "ua"), visitor_key(None, Some("1.2.3.4"), "ua"));
    }
}
