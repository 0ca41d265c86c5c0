//! A posting's public page (spec §1.7): every public field of §1.4 in the form's order, the
//! データ番号, 公開開始日, 更新日 and 募集終了日, and schema.org `JobPosting` JSON-LD (§0.5) while
//! the posting is open. Ended (募集終了日 passed, still public for 365 days): the fields with
//! 「この求人公募の募集は終了しました」 and no JSON-LD (Google asks that expired postings lose
//! it). Withdrawn or past those 365 days: 410 with a page that says the posting ended. Never
//! published, not yet public, another portal's or unknown: 404, the same answer for each.

use super::access;
use super::index::{self, Published};
use super::search::{day, public_portal, taxonomy};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::CookieJar;
use madoguchi_core::publication;
use madoguchi_web::ctx::Origin;
use madoguchi_web::ctx::{Chrome, Ctx, PortalRef};
use madoguchi_web::error::AppError;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

#[derive(Template)]
#[template(path = "job_postings/public_detail.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub data_number: String,
    pub organization: String,
    pub published: String,
    pub updated: String,
    pub end_date: String,
    pub ended: bool,
    /// Gone (withdrawn, or ended more than 365 days ago): only the notice is shown.
    pub gone: bool,
    pub shown: Vec<crate::view::Shown>,
    /// The JSON-LD block, already safe inside `<script>`; empty when dropped.
    pub json_ld: String,
    pub search_href: String,
    /// 「Web応募する」 (§1.7): where the portal has Web応募 (module `applications`), the posting
    /// takes it (Web応募 可), has not ended and is not withdrawn.
    pub apply_href: Option<String>,
}

/// schema.org `employmentType` of a 雇用形態 code (§0.5).
fn employment_type(code: &str) -> &'static str {
    match code {
        "01" => "FULL_TIME",
        "02" => "CONTRACTOR",
        "03" => "TEMPORARY",
        "04" => "PART_TIME",
        "05" => "CONTRACTOR",
        _ => "OTHER",
    }
}

fn rfc3339(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.with_timezone(&madoguchi_core::clock::JST).to_rfc3339())
        .unwrap_or_default()
}

/// The `JobPosting` of an open posting (§0.5's mapping), as text safe inside `<script>`.
pub fn json_ld(p: &Published, data_number: &str, portal_name: &str) -> String {
    let s = &p.snapshot;
    let text = |name: &str| s.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let taxonomy = crate::taxonomy::taxonomy().ok();
    let mut address = serde_json::json!({ "@type": "PostalAddress", "streetAddress": text("address") });
    if text("location") == "overseas" {
        address["addressCountry"] = "ZZ".into();
    } else {
        address["addressCountry"] = "JP".into();
        if let Some(region) =
            taxonomy.and_then(|t| crate::taxonomy::Taxonomy::name(&t.prefectures, &text("prefecture")))
        {
            address["addressRegion"] = region.into();
        }
    }
    let mut ld = serde_json::json!({
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "identifier": { "@type": "PropertyValue", "name": portal_name, "value": data_number },
        "title": text("title"),
        "description": text("duties"),
        "datePosted": rfc3339(p.publish_at),
        "employmentType": employment_type(&text("employment")),
        "hiringOrganization": { "@type": "Organization", "name": p.organization_name },
        "jobLocation": { "@type": "Place", "address": address },
    });
    if let Some(end) = index::end_date(s).and_then(|d| publication::ended_at(d).ok()) {
        ld["validThrough"] = rfc3339(end - 1).into();
    }
    if let Ok(yen) = text("annual_salary_min").parse::<u64>() {
        ld["baseSalary"] = serde_json::json!({
            "@type": "MonetaryAmount",
            "currency": "JPY",
            "value": { "@type": "QuantitativeValue", "minValue": yen, "unitText": "YEAR" },
        });
    }
    // `</` would end the script element; `\u003c` is the same character to a JSON reader.
    ld.to_string().replace('<', "\\u003c")
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    signed_in: Result<CurrentUser, Response>,
    PortalRef(portal): PortalRef,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let portal = public_portal(portal)?;
    let taxonomy = taxonomy()?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let now = state.clock.unix();
    let found = {
        let mut conn = state.store.acquire().await?;
        index::find_published(&mut conn, &portal.id, id, now).await?
    };
    let Some(p) = found else { return Err(AppError::NotFound) };
    if p.publish_at > now {
        return Err(AppError::NotFound);
    }
    let until = index::public_until(&p.snapshot, p.unpublish_at);
    let gone = until.is_some_and(|u| now >= u);
    let end = index::end_date(&p.snapshot);
    let ended = end.is_some_and(|d| publication::has_ended(d, now));
    let data_number = p.data_number.clone();
    let title = p.snapshot.get("title").and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let portal_name = portal.settings.name.get(ctx.lang).to_string();
    let page = DetailPage {
        chrome: ctx.chrome(
            if gone { ctx.t.get("posting.public.gone_title").to_string() } else { title },
            Some(&portal),
            None,
        ),
        organization: p.organization_name.clone(),
        published: day(p.publish_at, ctx.lang),
        updated: day(p.updated_at, ctx.lang),
        end_date: end.and_then(|d| publication::jst_time(d, (0, 0))).map(|t| day(t, ctx.lang)).unwrap_or_default(),
        ended,
        gone,
        shown: if gone {
            Vec::new()
        } else {
            crate::view::shown(ctx.t, taxonomy, &crate::fields::pairs_of(&p.snapshot))
        },
        json_ld: if gone || ended { String::new() } else { json_ld(&p, &data_number, &portal_name) },
        apply_href: (portal.settings.modules.contains(&madoguchi_core::portal::Module::Applications)
            && !gone
            && !ended
            && p.unpublish_at.is_none()
            && index::one(&p.snapshot, "web_apply") == "yes")
            .then(|| format!("{}/apply/{}", madoguchi_web::session::seeker_path(&portal), p.id)),
        data_number,
        search_href: format!("/{}/postings", portal.id),
    };
    let status = if gone { StatusCode::GONE } else { StatusCode::OK };
    let html = Html(page.render()?);
    if gone {
        return Ok((status, html).into_response());
    }
    // アクセス数: a view of a public page, by someone other than the institution and a bot.
    let own = signed_in.as_ref().is_ok_and(|c| c.user.organization_id == Some(p.organization_id));
    let agent = origin.user_agent.as_deref().unwrap_or_default();
    if own || access::is_bot(agent) {
        return Ok((status, html).into_response());
    }
    let by_address = access::visitor_key(None, origin.ip.as_deref(), agent);
    let (visitor, also, set) = match jar.get(access::VISITOR_COOKIE).map(|c| c.value().to_string()) {
        Some(value) if !value.is_empty() => (access::visitor_key(Some(&value), None, agent), Some(by_address), None),
        _ => (by_address, None, Some(access::new_visitor())),
    };
    {
        let mut conn = state.store.acquire().await?;
        access::record(&mut conn, p.id, now, &visitor, also.as_deref()).await?;
    }
    match set {
        Some(value) => {
            let cookie = access::visitor_cookie(&portal.id, value, state.secure_cookies());
            Ok((status, jar.add(cookie), html).into_response())
        }
        None => Ok((status, html).into_response()),
    }
}
