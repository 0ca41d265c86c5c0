//! ログイン中のブラウザ (ASVS 7.5.2): the signed-in user's sessions on the portal — when each
//! started, when it was last used, the browser (its user agent, shortened) and the address —
//! with 「ログアウトさせる」 for every other one. Shown on the account page users land on after
//! login (the home), and on rokin as a screen of its own reached from 契約ユーザー情報変更.
//!
//! A session is named in the page by a handle derived from its stored hash (the first 16
//! hex digits of its SHA-256), never by the token or the stored hash itself; ending one
//! looks the handle up among the user's own sessions only.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::Lang;
use madoguchi_core::rules::{SessionRule, SessionVerdict};
use madoguchi_store::{audit, sessions};
use madoguchi_web::auth;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::pages::html;
use madoguchi_web::pages::information::{MenuView, menu};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

pub struct BrowserLine {
    pub handle: String,
    pub started: String,
    pub last_seen: String,
    pub browser: String,
    pub ip: String,
    /// The browser showing the page: it has no 「ログアウトさせる」 (ログアウト does that).
    pub current: bool,
}

fn handle(token_hash: &str) -> String {
    auth::token_hash(token_hash)[..16].to_string()
}

/// The browser and system a user agent names (「Chrome 126 / Windows 10」), by woothee's
/// table; what it does not know is shown cut to 60 characters.
pub fn shorten(user_agent: Option<&str>, lang: Lang) -> String {
    let unknown = || match lang {
        Lang::Ja => "不明".to_string(),
        Lang::En => "unknown".to_string(),
    };
    let Some(ua) = user_agent.filter(|ua| !ua.trim().is_empty()) else { return unknown() };
    match woothee::parser::Parser::new().parse(ua) {
        Some(found) if found.name != "UNKNOWN" => {
            let version = found.version.split('.').next().unwrap_or("");
            let name = if version.is_empty() || version == "UNKNOWN" {
                found.name.to_string()
            } else {
                format!("{} {version}", found.name)
            };
            // woothee's Windows names carry their version already (「Windows 10」, then 「NT 10.0」).
            let version = if found.os.chars().any(|c| c.is_ascii_digit()) { "" } else { found.os_version.as_ref() };
            let os = [found.os, version]
                .into_iter()
                .filter(|s| !s.is_empty() && *s != "UNKNOWN")
                .collect::<Vec<_>>()
                .join(" ");
            if os.is_empty() { name } else { format!("{name} / {os}") }
        }
        _ => ua.chars().take(60).collect(),
    }
}

/// The user's live sessions on this portal, this browser first.
pub async fn lines(state: &AppState, current: &CurrentUser, ctx: &Ctx) -> Result<Vec<BrowserLine>, AppError> {
    let now = state.clock.unix();
    let rule = SessionRule::of(&current.portal.settings.session);
    let listed = {
        let mut conn = state.store.acquire().await?;
        sessions::of_user(&mut conn, &current.portal.id, current.user.id).await?
    };
    let mut lines: Vec<BrowserLine> = listed
        .into_iter()
        .filter(|s| rule.verdict(s.expires_at, s.last_seen_at, now) == SessionVerdict::Live)
        .map(|s| BrowserLine {
            handle: handle(&s.token_hash),
            started: format_ts(s.created_at, ctx.lang),
            last_seen: format_ts(s.last_seen_at, ctx.lang),
            browser: shorten(s.user_agent.as_deref(), ctx.lang),
            ip: s.ip.unwrap_or_else(|| shorten(None, ctx.lang)),
            current: s.token_hash == current.session_hash,
        })
        .collect();
    lines.sort_by_key(|l| !l.current);
    Ok(lines)
}

/// Where the list is, for the way back after 「ログアウトさせる」.
fn list_path(current: &CurrentUser) -> String {
    if current.portal.settings.menu.is_empty() {
        format!("/{}/home", current.portal.id)
    } else {
        format!("/{}/sessions", current.portal.id)
    }
}

#[derive(Deserialize)]
pub struct EndForm {
    #[serde(default)]
    session: String,
}

/// 「ログアウトさせる」: ends one other session of the signed-in user, audited.
pub async fn end(
    State(state): State<AppState>,
    current: CurrentUser,
    origin: Origin,
    Form(form): Form<EndForm>,
) -> Result<Response, AppError> {
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let mine = sessions::of_user(&mut tx, &current.portal.id, current.user.id).await?;
    let target = mine
        .into_iter()
        .find(|s| s.token_hash != current.session_hash && auth::equal(&handle(&s.token_hash), &form.session));
    let done = match target {
        Some(s) => sessions::delete_of_user(&mut tx, current.user.id, &s.token_hash).await?,
        None => false,
    };
    if done {
        let subject = format!("user:{}", current.user.id);
        let entry = audit_entry(&current.portal, &origin, "session.ended", Some(&subject), Some("ended_by_user"));
        audit::record(&mut tx, &entry, now).await?;
    }
    tx.commit().await?;
    let path = list_path(&current);
    let sep = if path.ends_with("/home") { "?done=session_ended" } else { "?done=ended" };
    Ok(Redirect::to(&format!("{path}{sep}")).into_response())
}

// ---- rokin: a screen of its own, with the menu bar ----

#[derive(Template)]
#[template(path = "account/sessions.html")]
pub struct SessionsPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub browsers: Vec<BrowserLine>,
    pub end_action: String,
    pub notice: Option<String>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn page(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    // Elsewhere the list is on the home page itself.
    if current.portal.settings.menu.is_empty() {
        return Ok(Redirect::to(&format!("/{}/home", current.portal.id)).into_response());
    }
    if current.forced_change(state.clock.unix()).is_some() {
        return Ok(Redirect::to(&format!("/{}/home", current.portal.id)).into_response());
    }
    let browsers = lines(&state, &current, &ctx).await?;
    Ok(html(&SessionsPage {
        chrome: ctx.chrome(ctx.t.get("sessions.title"), Some(&current.portal), Some(Screen::Sessions)),
        menu: menu(&current, &ctx),
        browsers,
        end_action: format!("/{}/sessions/end", current.portal.id),
        notice: (query.done == "ended").then(|| ctx.t.get("sessions.ended").to_string()),
    })?
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_shortened() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
        assert_eq!(shorten(Some(chrome), Lang::Ja), "Chrome 126 / Windows 10");
        let mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
        assert!(shorten(Some(mac), Lang::Ja).starts_with("Safari 17 / Mac"), "{}", shorten(Some(mac), Lang::Ja));
        assert_eq!(shorten(None, Lang::Ja), "不明");
        let odd = "x".repeat(300);
        assert_eq!(shorten(Some(&odd), Lang::En).chars().count(), 60, "what woothee does not know is cut");
    }
}
