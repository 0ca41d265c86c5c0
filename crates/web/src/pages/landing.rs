//! The site index, each portal's first screen (利用者ポータル / ログイン画面), help pages,
//! the language switch and the stylesheet.

use crate::cookies::cookie;
use crate::ctx::{Chrome, Ctx, LANG_COOKIE, PortalRef};
use crate::error::AppError;
use crate::format::format_datetime;
use crate::i18n::Tr;
use crate::pages::html;
use crate::screens::Screen;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, FixedOffset};
use madoguchi_core::calendar::Overrides;
use madoguchi_core::hours::{Availability, ClosedDay};
use madoguchi_core::{Lang, Portal};
use madoguchi_store::{Conn, content};
use serde::Deserialize;

pub struct PortalCard {
    pub id: String,
    pub name: String,
    pub operator: String,
}

#[derive(Template)]
#[template(path = "index.html")]
pub struct IndexPage {
    pub chrome: Chrome,
    pub portals: Vec<PortalCard>,
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let portals = state
        .config
        .portals
        .iter()
        .map(|p| PortalCard {
            id: p.id.clone(),
            name: p.settings.name.get(ctx.lang).to_string(),
            operator: p.settings.operator_name.get(ctx.lang).to_string(),
        })
        .collect();
    html(&IndexPage { chrome: ctx.chrome(ctx.t.get("site.title"), None, None), portals })
}

pub struct Notice {
    pub title: String,
    pub date: String,
    pub paragraphs: Vec<String>,
}

pub struct Link {
    pub label: String,
    pub url: String,
}

/// Service hours as a screen shows them.
pub struct HoursView {
    pub always: bool,
    pub window: String,
    pub closed_days: String,
    pub closed_now: bool,
    pub reopens: Option<String>,
}

/// `overrides`: the operator's calendar days, which decide whether the portal is open today.
pub fn hours_view(portal: &Portal, t: &Tr, lang: Lang, now: DateTime<FixedOffset>, overrides: &Overrides) -> HoursView {
    let hours = &portal.hours;
    let mut closed: Vec<String> = Vec::new();
    let mut year_end: Vec<String> = Vec::new();
    for day in hours.closed_days() {
        match day {
            ClosedDay::Weekday(d) => {
                closed.push(t.get(&format!("closed.{}", d.to_string().to_lowercase())).to_string())
            }
            ClosedDay::Holiday => closed.push(t.get("closed.holiday").to_string()),
            ClosedDay::MonthDay(m, d) => year_end.push(match lang {
                Lang::Ja => format!("{m}月{d}日"),
                Lang::En => format!("{m}/{d}"),
            }),
        }
    }
    closed.extend(year_end);
    let (closed_now, reopens) = match hours.availability(now, overrides) {
        Availability::Open => (false, None),
        Availability::Closed { reopens_at } => (true, reopens_at.map(|at| format_datetime(at, lang))),
    };
    HoursView {
        always: hours.is_always_open(),
        window: hours.window_label(),
        closed_days: closed.join(if lang == Lang::Ja { "、" } else { ", " }),
        closed_now,
        reopens,
    }
}

pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

#[derive(Template)]
#[template(path = "portal_top.html")]
pub struct PortalTop {
    pub chrome: Chrome,
    pub top_title: String,
    pub operator: String,
    pub notices_label: String,
    pub notices: Vec<Notice>,
    pub help_desk: Vec<String>,
    pub links: Vec<Link>,
    pub hours: HoursView,
    pub login_url: Option<String>,
    /// The button to the login screen, in the manual's words.
    pub login_label: String,
    /// The manual's registration links (mlit-fwms: 仮登録はこちら, 本登録はこちら).
    pub register_links: Vec<(String, String)>,
    /// Where the portal has the seekers' pages (module `seekers`): their address.
    pub seekers: Option<String>,
    /// Where the portal publishes postings (module `job_postings`): the public search.
    pub postings: Option<String>,
}

/// The help desk text: the operator's edit if any, else the preset's.
/// The help desk text on `conn`. Inside a transaction, pass the transaction: a second
/// connection taken while one is held can wait forever once every connection of the pool is
/// held by a transaction that waits for one more.
pub async fn help_desk_text(conn: &mut Conn, portal: &Portal, lang: Lang) -> Result<String, AppError> {
    Ok(match content::text(conn, &portal.id, "help_desk").await? {
        Some((ja, en)) => {
            if lang == Lang::En && !en.is_empty() {
                en
            } else {
                ja
            }
        }
        None => portal.settings.help_desk.get(lang).to_string(),
    })
}

/// The operator's announcements shown now, in the reader's language.
pub async fn current_notices(state: &AppState, portal: &Portal, lang: Lang) -> Result<Vec<Notice>, AppError> {
    let now = state.clock.now_jst();
    let announcements = state.notices.current(&state.store, &portal.id, now.timestamp()).await?;
    Ok(announcements
        .into_iter()
        .map(|a| {
            let (title, body) = match lang {
                Lang::En if !a.title_en.is_empty() => (a.title_en, a.body_en),
                _ => (a.title_ja, a.body_ja),
            };
            let date = DateTime::from_timestamp(a.starts_at, 0).map(|d| d.with_timezone(now.offset()));
            Notice {
                title,
                date: date.map(|d| format_datetime(d, lang)).unwrap_or_default(),
                paragraphs: paragraphs(&body),
            }
        })
        .collect())
}

pub async fn portal_top(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
) -> Result<Html<String>, AppError> {
    let now = state.clock.now_jst();
    let notices = current_notices(&state, &portal, ctx.lang).await?;
    let overrides = state.calendars.for_gate(&state.store, &portal).await;
    let s = &portal.settings;
    let page = PortalTop {
        // The top page is not the login screen that the manuals name it after (top_title, shown
        // under the heading): its <title> says what it is.
        chrome: ctx.chrome(ctx.t.get("top.page_title"), Some(&portal), Some(Screen::Top)),
        top_title: s.top_title.get(ctx.lang).to_string(),
        operator: s.operator_name.get(ctx.lang).to_string(),
        notices_label: s.notices_label.get(ctx.lang).to_string(),
        notices,
        help_desk: help_desk_text(&mut *state.store.acquire().await?, &portal, ctx.lang)
            .await?
            .lines()
            .map(str::to_string)
            .collect(),
        links: s.links.iter().map(|l| Link { label: l.label.get(ctx.lang).to_string(), url: l.url.clone() }).collect(),
        hours: hours_view(&portal, ctx.t, ctx.lang, now, &overrides),
        login_url: Some(format!("/{}/login", portal.id)),
        login_label: match &s.login_screen.top_link {
            Some(label) => label.get(ctx.lang).to_string(),
            None => ctx.t.get("top.to_login").to_string(),
        },
        register_links: match s.registration {
            madoguchi_core::portal::Registration::ProvisionalTempPassword { .. } => vec![
                (format!("/{}/register", portal.id), ctx.t.get("reg.apply_link").to_string()),
                (format!("/{}/register/complete", portal.id), ctx.t.get("reg.complete_link").to_string()),
            ],
            // rokin's login screen: its four buttons (ログイン follows).
            madoguchi_core::portal::Registration::ContractMaster { .. } => vec![
                (format!("/{}/master", portal.id), ctx.t.get("top.master_link").to_string()),
                (format!("/{}/certificate", portal.id), ctx.t.get("top.general_link").to_string()),
                (format!("/{}/certificate", portal.id), ctx.t.get("top.certificate_link").to_string()),
            ],
            _ => Vec::new(),
        },
        seekers: s
            .modules
            .contains(&madoguchi_core::portal::Module::Seekers)
            .then(|| crate::session::seeker_path(&portal)),
        postings: s
            .modules
            .contains(&madoguchi_core::portal::Module::JobPostings)
            .then(|| format!("/{}/postings", portal.id)),
    };
    html(&page)
}

#[derive(Template)]
#[template(path = "help.html")]
pub struct HelpPageView {
    pub chrome: Chrome,
    pub paragraphs: Vec<String>,
    pub back: String,
}

pub async fn help(
    PortalRef(portal): PortalRef,
    Path((_, screen)): Path<(String, String)>,
    ctx: Ctx,
) -> Result<Html<String>, AppError> {
    let screen = Screen::from_key(&screen).ok_or(AppError::NotFound)?;
    let page = portal.settings.help_page(screen.key()).ok_or(AppError::NotFound)?;
    let title = format!("{} — {}", ctx.t.get("help.title"), page.title.get(ctx.lang));
    let back = format!("/{}/{}", portal.id, screen.path());
    html(&HelpPageView {
        chrome: ctx.chrome(title, Some(&portal), None),
        paragraphs: paragraphs(page.body.get(ctx.lang)),
        back,
    })
}

#[derive(Template)]
#[template(path = "closed.html")]
pub struct ClosedPage {
    pub chrome: Chrome,
    pub hours: HoursView,
}

#[derive(Deserialize)]
pub struct LangSwitch {
    lang: String,
    #[serde(default)]
    back: String,
}

/// The language switch: remembers the choice in a cookie and returns to the page.
pub async fn switch_lang(State(state): State<AppState>, jar: CookieJar, Form(form): Form<LangSwitch>) -> Response {
    let lang = Lang::parse(&form.lang).unwrap_or_default();
    // Only a path of this site: never an open redirect. Pages send their own path, which is
    // visible ASCII (the browser percent-encodes the rest); anything else, such as a line break
    // or raw UTF-8, cannot be a Location header and is not ours.
    let local = form.back.starts_with('/') && !form.back.starts_with("//") && !form.back.contains('\\');
    let back = if local && form.back.bytes().all(|b| b.is_ascii_graphic()) { form.back } else { "/".into() };
    // A preference, not a secret: kept for the browser session like every cookie of ours.
    let c = cookie(LANG_COOKIE, lang.code().to_string(), "/".into(), state.secure_cookies());
    (jar.add(c), Redirect::to(&back)).into_response()
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../../../static/app.css"),
    )
}

pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../../../static/app.js"),
    )
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
