//! 掲載一覧 in the 事務局's console (jrec-in spec §1.11 item 4): every posting of the portal in
//! any state — drafts included, so that the 事務局 can answer an institution that asks about
//! one — with filters (状態, 機関, a keyword on the 求人件名 or the データ番号), 50 a page,
//! newest posting first. Each row links the 審査 page (once the posting was ever requested)
//! and, where one applies, the posting's 操作 page (`listing_actions`: forced 取り下げ, 掲載再開).
//!
//! The state is not stored (`lifecycle::PostingState::of` at the request's second), so the
//! state filter is applied to the rows read; the rows are read without their snapshots (a
//! posting's JSON is kilobytes) and only the page's 件名 — and, for a keyword, those of the
//! rows whose snapshots contain it — are read in a second query.

use crate::console::{console_base, offered};
use crate::lifecycle::{Facts, PostingState};
use crate::pages::title_of;
use crate::publish::Public;
use crate::store::Posting;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use madoguchi_console::operator::{SignedIn, console_path};
use madoguchi_core::review::ReviewState;
use madoguchi_store::Conn;
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;
use sqlx::Row;
use std::collections::HashMap;

/// Rows a page.
pub const PER_PAGE: usize = 50;
/// The longest keyword, in characters (a 求人件名 is at most 200; a keyword is a part of one).
pub const KEYWORD_MAX: usize = 100;

#[derive(Deserialize, Default)]
pub struct ListingQuery {
    /// A `PostingState::as_str`, or empty for every state.
    #[serde(default)]
    pub state: String,
    /// An organization id, or empty.
    #[serde(default)]
    pub organization: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: String,
}

/// One posting as the list reads it: the row without its snapshots, and what decides its state.
pub(crate) struct Light {
    pub posting: Posting,
    pub organization: String,
    pub review: Option<ReviewState>,
    pub has_approved: bool,
    pub has_draft: bool,
    /// Some snapshot of the posting contains the keyword (a candidate; the 件名 decides).
    pub hit: bool,
}

impl Light {
    pub fn state(&self, now: i64) -> PostingState {
        PostingState::of(&Facts::of(&self.posting, self.review, self.has_approved, self.has_draft, now), now)
    }
}

/// `%keyword%` for LIKE, with `\` escaping the pattern characters a keyword may hold.
fn like_pattern(keyword: &str) -> String {
    let mut out = String::from("%");
    for c in keyword.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Every posting of the portal (of `organization` when given), newest first, without snapshots.
pub(crate) async fn light_rows(
    conn: &mut Conn,
    portal: &str,
    organization: Option<i64>,
    keyword: &str,
) -> Result<Vec<Light>, AppError> {
    let pattern = if keyword.is_empty() { String::new() } else { like_pattern(keyword) };
    // A posting's snapshots: the public and waiting versions, the one under review or
    // approved, the draft being edited. The placeholders '' keep "has one" without the text.
    let sql = "SELECT p.id, p.organization_id, p.data_number, p.language,
                CASE WHEN p.public_snapshot IS NULL THEN NULL ELSE '' END AS public_snapshot,
                p.publish_at, p.unpublish_at, p.end_date,
                CASE WHEN p.next_snapshot IS NULL THEN NULL ELSE '' END AS next_snapshot,
                p.next_at, p.next_end_date, p.withdrawn_at, p.public_since, p.created_at, p.updated_at,
                o.name AS organization_name, r.state AS review_state, r.approved_revision,
                CAST(CASE WHEN EXISTS (SELECT 1 FROM drafts d WHERE d.portal = p.portal AND d.kind = $2
                      AND d.organization_id = p.organization_id AND d.item_id = p.id) THEN 1 ELSE 0 END AS BIGINT)
                  AS has_draft,
                CAST(CASE WHEN $3 <> '' AND (p.public_snapshot LIKE $3 ESCAPE '\\' OR p.next_snapshot LIKE $3 ESCAPE '\\'
                      OR r.pending_snapshot LIKE $3 ESCAPE '\\'
                      OR EXISTS (SELECT 1 FROM drafts d WHERE d.portal = p.portal AND d.kind = $2
                                 AND d.organization_id = p.organization_id AND d.item_id = p.id
                                 AND d.payload LIKE $3 ESCAPE '\\')) THEN 1 ELSE 0 END AS BIGINT) AS hit
         FROM job_postings p
         JOIN organizations o ON o.id = p.organization_id
         LEFT JOIN review_items r ON r.portal = p.portal AND r.kind = $2 AND r.item_id = p.id
         WHERE p.portal = $1 AND ($4 < 0 OR p.organization_id = $4)
         ORDER BY p.id DESC";
    let rows = sqlx::query(sql)
        .bind(portal)
        .bind(crate::KIND)
        .bind(&pattern)
        .bind(organization.unwrap_or(-1))
        .fetch_all(&mut *conn)
        .await?;
    let read = |r: &sqlx::any::AnyRow| -> Result<Light, sqlx::Error> {
        let review: Option<String> = r.try_get("review_state")?;
        let approved: Option<i64> = r.try_get("approved_revision")?;
        let has_draft: i64 = r.try_get("has_draft")?;
        let hit: i64 = r.try_get("hit")?;
        Ok(Light {
            posting: Posting {
                id: r.try_get("id")?,
                organization_id: r.try_get("organization_id")?,
                data_number: r.try_get("data_number")?,
                language: r.try_get("language")?,
                public_snapshot: r.try_get("public_snapshot")?,
                publish_at: r.try_get("publish_at")?,
                unpublish_at: r.try_get("unpublish_at")?,
                end_date: r.try_get("end_date")?,
                next_snapshot: r.try_get("next_snapshot")?,
                next_at: r.try_get("next_at")?,
                next_end_date: r.try_get("next_end_date")?,
                withdrawn_at: r.try_get("withdrawn_at")?,
                public_since: r.try_get("public_since")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            },
            organization: r.try_get("organization_name")?,
            review: review.as_deref().and_then(ReviewState::parse),
            has_approved: approved.is_some(),
            has_draft: has_draft != 0,
            hit: hit != 0,
        })
    };
    Ok(rows.iter().map(read).collect::<Result<Vec<_>, _>>()?)
}

/// The 件名 of each posting in `ids`: the version the public sees now, else the one under
/// review, else the draft.
pub(crate) async fn titles(
    conn: &mut Conn,
    portal: &str,
    ids: &[i64],
    now: i64,
) -> Result<HashMap<i64, String>, AppError> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT p.id, p.public_snapshot, p.publish_at, p.end_date, p.public_since, p.next_snapshot, p.next_at,
                p.next_end_date, r.pending_snapshot,
                (SELECT d.payload FROM drafts d WHERE d.portal = p.portal AND d.kind = $2
                   AND d.organization_id = p.organization_id AND d.item_id = p.id ORDER BY d.id LIMIT 1) AS draft
         FROM job_postings p
         LEFT JOIN review_items r ON r.portal = p.portal AND r.kind = $2 AND r.item_id = p.id
         WHERE p.portal = $1 AND p.id IN ({})",
        list.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(crate::KIND);
    for id in ids {
        query = query.bind(*id);
    }
    for r in query.fetch_all(&mut *conn).await? {
        let public = Public {
            snapshot: r.try_get("public_snapshot")?,
            publish_at: r.try_get("publish_at")?,
            unpublish_at: None,
            end_date: r.try_get("end_date")?,
            since: r.try_get("public_since")?,
            next_snapshot: r.try_get("next_snapshot")?,
            next_at: r.try_get("next_at")?,
            next_end_date: r.try_get("next_end_date")?,
        };
        let pending: Option<String> = r.try_get("pending_snapshot")?;
        let draft: Option<String> = r.try_get("draft")?;
        let mut title = title_of(public.current(now).map(|c| c.snapshot));
        for other in [pending.as_deref(), draft.as_deref()] {
            if title.is_empty() {
                title = title_of(other);
            }
        }
        out.insert(r.try_get("id")?, title);
    }
    Ok(out)
}

pub struct Line {
    pub data_number: String,
    pub title: String,
    /// The 審査 page, once the posting was requested.
    pub review: Option<String>,
    /// The 操作 page, where a forced 取り下げ or a 掲載再開 applies.
    pub manage: Option<String>,
    pub organization: String,
    pub state: String,
    pub published: String,
    pub end_date: String,
}

#[derive(Template)]
#[template(path = "job_postings/console_listing.html")]
pub struct ListingPage {
    pub chrome: Chrome,
    pub base: String,
    pub action: String,
    pub states: Vec<(String, String, bool)>,
    pub organizations: Vec<(String, String, bool)>,
    pub q: String,
    pub total: usize,
    pub lines: Vec<Line>,
    pub page: usize,
    pub pages: usize,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub errors: FieldErrors,
}

/// Whether the 事務局 may withdraw the posting: it was requested (there is something to stop)
/// and is not withdrawn yet.
pub(crate) fn may_withdraw(light: &Light, now: i64) -> bool {
    light.review.is_some_and(|r| r != ReviewState::Withdrawn)
        && light.posting.withdrawn_at.is_none()
        && light.state(now) != PostingState::Withdrawn
}

/// Whether the 事務局 may re-open the posting: it shows 募集終了 (no revision open, not withdrawn).
pub(crate) fn may_reopen(light: &Light, now: i64) -> bool {
    light.state(now) == PostingState::Ended && light.posting.withdrawn_at.is_none()
}

fn page_link(action: &str, state: &str, organization: &str, q: &str, page: usize) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("state", state)
        .append_pair("organization", organization)
        .append_pair("q", q)
        .append_pair("page", &page.to_string())
        .finish();
    format!("{action}?{query}")
}

/// 掲載一覧.
pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Query(query): Query<ListingQuery>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let portal = &signed.portal.id;
    let now = state.clock.unix();
    let chosen = PostingState::ALL.into_iter().find(|s| s.as_str() == query.state);
    let organization = query.organization.trim().parse::<i64>().ok();
    let q = query.q.trim().to_string();
    let mut errors = FieldErrors::default();
    if q.chars().count() > KEYWORD_MAX {
        errors.add("q", &ctx.t.get("posting.listing.err.keyword_too_long").replace("{max}", &KEYWORD_MAX.to_string()));
    }
    let mut conn = state.store.acquire().await?;
    let base = console_base(&signed);
    let mut rows = if errors.is_empty() { light_rows(&mut conn, portal, organization, &q).await? } else { Vec::new() };
    rows.retain(|r| chosen.is_none_or(|s| r.state(now) == s));
    if !q.is_empty() {
        let folded = q.to_lowercase();
        let candidates: Vec<i64> = rows.iter().filter(|r| r.hit).map(|r| r.posting.id).collect();
        let named = titles(&mut conn, portal, &candidates, now).await?;
        rows.retain(|r| {
            r.posting.data_number_text().to_lowercase().contains(&folded)
                || named.get(&r.posting.id).is_some_and(|t| t.to_lowercase().contains(&folded))
        });
    }
    let total = rows.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = query.page.trim().parse::<usize>().unwrap_or(1).clamp(1, pages);
    let shown: Vec<&Light> = rows.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).collect();
    let ids: Vec<i64> = shown.iter().map(|r| r.posting.id).collect();
    let named = titles(&mut conn, portal, &ids, now).await?;
    let lines = shown
        .iter()
        .map(|r| Line {
            data_number: r.posting.data_number_text(),
            title: named.get(&r.posting.id).cloned().unwrap_or_default(),
            review: r.review.map(|_| format!("{base}/{}", r.posting.id)),
            manage: (may_withdraw(r, now) || may_reopen(r, now)).then(|| format!("{base}/{}/manage", r.posting.id)),
            organization: r.organization.clone(),
            state: ctx.t.get(&r.state(now).label_key()).to_string(),
            published: r.posting.publish_at.map(|t| format_ts(t, ctx.lang)).unwrap_or_default(),
            end_date: r.posting.public().end_date_at(now).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        })
        .collect();
    let organizations: Vec<(i64, String)> = sqlx::query_as(
        "SELECT DISTINCT o.id, o.name FROM organizations o JOIN job_postings p ON p.organization_id = o.id
         WHERE p.portal = $1 ORDER BY o.name, o.id",
    )
    .bind(portal)
    .fetch_all(&mut *conn)
    .await?;
    let action = format!("{base}/listing");
    let state_value = chosen.map(PostingState::as_str).unwrap_or("");
    let organization_value = organization.map(|o| o.to_string()).unwrap_or_default();
    let link = |p: usize| page_link(&action, state_value, &organization_value, &q, p);
    let mut states = vec![(String::new(), ctx.t.get("posting.listing.all_states").to_string(), chosen.is_none())];
    states.extend(
        PostingState::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), ctx.t.get(&s.label_key()).to_string(), Some(*s) == chosen)),
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let page_html = html(&ListingPage {
        chrome: ctx.chrome(ctx.t.get("posting.listing.title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        action: action.clone(),
        states,
        organizations: organizations
            .into_iter()
            .map(|(id, name)| (id.to_string(), name, Some(id) == organization))
            .collect(),
        q: q.clone(),
        total,
        lines,
        page,
        pages,
        previous: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        errors,
    })?;
    Ok((status, page_html).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use madoguchi_core::clock::JST;

    fn at(y: i32, mo: u32, d: u32, h: u32) -> i64 {
        JST.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap().timestamp()
    }

    /// Approved 2026-11-24 for the same day (public from 22:00), 募集終了日 2027-01-31.
    fn approved(review: ReviewState) -> Light {
        Light {
            posting: Posting {
                id: 1,
                organization_id: 1,
                data_number: 1,
                language: "ja".into(),
                public_snapshot: Some(String::new()),
                publish_at: Some(at(2026, 11, 24, 22)),
                unpublish_at: None,
                end_date: Some("2027-01-31".into()),
                next_snapshot: None,
                next_at: None,
                next_end_date: None,
                withdrawn_at: None,
                public_since: None,
                created_at: 0,
                updated_at: 0,
            },
            organization: String::new(),
            review: Some(review),
            has_approved: true,
            has_draft: false,
            hit: false,
        }
    }

    #[test]
    fn the_office_withdraws_what_was_requested_and_reopens_what_ended() {
        let running = at(2026, 12, 1, 10);
        let ended = at(2027, 2, 1, 0);
        let published = approved(ReviewState::Approved);
        assert!(may_withdraw(&published, running) && !may_reopen(&published, running));
        assert!(may_withdraw(&published, ended) && may_reopen(&published, ended), "募集終了 from 02-01 00:00");
        assert!(!may_reopen(&published, ended - 1));
        // 修正依頼中: the office may withdraw it (the institution may not), not reopen it.
        let revising = approved(ReviewState::UnderReview);
        assert!(may_withdraw(&revising, ended) && !may_reopen(&revising, ended));
        // Withdrawn by the institution (effective 22:00) or by the office: neither.
        let mut withdrawn = approved(ReviewState::Approved);
        withdrawn.posting.withdrawn_at = Some(running);
        withdrawn.posting.unpublish_at = Some(at(2026, 12, 1, 22));
        assert!(!may_withdraw(&withdrawn, running) && !may_reopen(&withdrawn, ended));
        let by_office = approved(ReviewState::Withdrawn);
        assert!(!may_withdraw(&by_office, running) && !may_reopen(&by_office, ended));
        // A draft never requested: nothing to stop.
        let draft = Light { review: None, has_approved: false, ..approved(ReviewState::Approved) };
        assert!(!may_withdraw(&draft, running));
    }

    #[test]
    fn a_keyword_is_a_literal_pattern() {
        assert_eq!(like_pattern("情報"), "%情報%");
        assert_eq!(like_pattern("100%_a\\b"), "%100\\%\\_a\\\\b%");
    }
}
