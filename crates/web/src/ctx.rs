//! Per-request context every page needs: language, CSRF token, the portal, the path.

use crate::csrf::CsrfToken;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::screens::Screen;
use crate::state::AppState;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum_extra::extract::CookieJar;
use madoguchi_core::{Lang, Portal};
use madoguchi_store::audit::AuditEntry;

pub const LANG_COOKIE: &str = "mdg_lang";

/// The language of this request: the switch's cookie, else the browser's first guess.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    let jar = CookieJar::from_headers(headers);
    if let Some(lang) = jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
        return lang;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

/// Layout data of every HTML page.
pub struct Chrome {
    pub t: &'static Tr,
    pub csrf: String,
    pub path: String,
    pub title: String,
    pub portal: Option<PortalBar>,
    /// The header's ヘルプ link: the current screen's help page, where the portal has one.
    pub help_href: Option<String>,
}

pub struct PortalBar {
    pub id: String,
    pub name: String,
    /// The console links the exit surveys where the portal keeps them.
    pub surveys: bool,
    /// The console links the contracts where organizations sign up against them.
    pub contracts: bool,
    /// The console links the manuals where the portal's menu has マニュアル照会 or the
    /// `asp_accounts` module has its 管理者用操作マニュアル.
    pub manuals: bool,
    /// The console's contracts have document shelves (ドキュメント, module `asp_accounts`).
    pub documents: bool,
    /// The console links the 事務局's 審査待ち一覧 (module `job_postings`).
    pub postings: bool,
    /// The console links the reviewing office's 審査一覧 of 受入計画 (module `acceptance_plan`).
    pub plans: bool,
    /// The console links 求職者管理 (module `seekers`).
    pub seekers: bool,
    /// The seekers' menu links 応募履歴 (module `applications`).
    pub applications: bool,
    /// The portal has 求職者照会メール (the seeker's menu names 照会メール受信箱).
    pub seeker_mail: bool,
    /// Where the portal has the software keyboard: the characters of its symbol keys (what
    /// the password policy allows besides letters and digits).
    pub software_keyboard: Option<String>,
}

/// The symbol keys of the software keyboard: every half-width symbol the policy allows (and
/// the space where it is allowed), so that any valid password can be typed on it.
fn keyboard_symbols(policy: &madoguchi_core::portal::PasswordPolicy) -> String {
    let mut symbols: String = (0x21u8..=0x7e).map(char::from).filter(char::is_ascii_punctuation).collect();
    if policy.allowed == madoguchi_core::portal::AllowedChars::AsciiPrintable {
        symbols.push(' ');
    }
    symbols
}

impl Chrome {
    pub fn lang(&self) -> &'static str {
        self.t.code()
    }

    /// Whether a piece of data (a name someone typed, an announcement without an English
    /// version) is Japanese text: it holds kana, kanji or full-width forms. templates/ui.html
    /// marks such data `lang="ja"` on an English page.
    pub fn is_japanese(&self, text: &str) -> bool {
        text.chars().any(|c| {
            matches!(c,
                '\u{3000}'..='\u{30ff}'   // CJK punctuation, hiragana, katakana
                | '\u{3400}'..='\u{4dbf}' // CJK extension A
                | '\u{4e00}'..='\u{9fff}' // CJK unified ideographs
                | '\u{f900}'..='\u{faff}' // CJK compatibility ideographs
                | '\u{ff00}'..='\u{ffef}' // full-width and half-width forms
                | '\u{20000}'..='\u{2ffff}')
        })
    }

    /// `<title>`: the screen, then the portal.
    pub fn full_title(&self) -> String {
        match &self.portal {
            Some(p) if p.name != self.title => format!("{} | {}", self.title, p.name),
            _ => self.title.clone(),
        }
    }
}

/// The request's language, CSRF token and path.
pub struct Ctx {
    pub lang: Lang,
    pub t: &'static Tr,
    pub csrf: String,
    pub path: String,
}

impl Ctx {
    pub fn chrome(&self, title: impl Into<String>, portal: Option<&Portal>, help: Option<Screen>) -> Chrome {
        let help_href = portal.zip(help).and_then(|(p, screen)| {
            p.settings.help_page(screen.key()).map(|_| format!("/{}/help/{}", p.id, screen.key()))
        });
        Chrome {
            t: self.t,
            csrf: self.csrf.clone(),
            path: self.path.clone(),
            title: title.into(),
            portal: portal.map(|p| PortalBar {
                id: p.id.clone(),
                name: p.settings.name.get(self.lang).to_string(),
                surveys: p.settings.withdrawal.as_ref().is_some_and(|w| w.survey),
                contracts: matches!(
                    p.settings.registration,
                    madoguchi_core::portal::Registration::EmailCodeWithContract { .. }
                        | madoguchi_core::portal::Registration::ContractMaster { .. }
                ),
                manuals: p.settings.takes_manuals(),
                documents: p.settings.has_document_shelves(),
                postings: p.settings.modules.contains(&madoguchi_core::portal::Module::JobPostings),
                plans: p.settings.modules.contains(&madoguchi_core::portal::Module::AcceptancePlan),
                seekers: p.settings.modules.contains(&madoguchi_core::portal::Module::Seekers),
                applications: p.settings.modules.contains(&madoguchi_core::portal::Module::Applications),
                seeker_mail: p.settings.modules.contains(&madoguchi_core::portal::Module::SeekerMail),
                // The employer's screens; the operator console is the bank's own tool.
                software_keyboard: (p.settings.software_keyboard
                    && !self.path.starts_with(&format!("/{}/operator", p.id)))
                .then(|| keyboard_symbols(&p.settings.password)),
            }),
            help_href,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = request_lang(&parts.headers);
        let csrf = parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        let path = parts.uri.path().to_string();
        Ok(Ctx { lang, t: Tr::for_lang(lang), csrf, path })
    }
}

/// The portal named by the `{portal}` path segment; 404 when there is none.
pub struct PortalRef(pub Portal);

impl FromRequestParts<AppState> for PortalRef {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state).await.map_err(|_| AppError::NotFound)?;
        let id = params.iter().find(|(k, _)| *k == "portal").map(|(_, v)| v).ok_or(AppError::NotFound)?;
        state.portal(id).cloned().map(PortalRef).ok_or(AppError::NotFound)
    }
}

/// Who sent the request, for the audit log and the per-address limits: the client's address
/// (after the trusted proxies, [`crate::client_addr::Client::of`]) and user agent.
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = crate::client_addr::Client::of(&parts.extensions).ip.map(|ip| ip.to_string());
        let user_agent = parts.headers.get(header::USER_AGENT).map(|v| user_agent(v.as_bytes()));
        Ok(Origin { ip, user_agent })
    }
}

impl Origin {
    /// What a new session remembers of where it was made; `certificate`: the serial of the
    /// client certificate a certificate login was made with.
    pub fn session_meta<'a>(&'a self, certificate: Option<&'a str>) -> madoguchi_store::sessions::Meta<'a> {
        madoguchi_store::sessions::Meta {
            ip: self.ip.as_deref(),
            user_agent: self.user_agent.as_deref(),
            certificate_serial: certificate,
        }
    }
}

/// An audit entry for an event of `subject` (the actor is the subject: a user acting on their
/// own account), with the request's address and browser.
pub fn audit_entry<'a>(
    portal: &'a Portal,
    origin: &'a Origin,
    event: &'a str,
    subject: Option<&'a str>,
    detail: Option<&'a str>,
) -> AuditEntry<'a> {
    AuditEntry {
        portal: &portal.id,
        event,
        actor: subject,
        subject,
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail,
    }
}

/// The longest user agent the audit log keeps, in characters.
pub const USER_AGENT_MAX: usize = 300;

/// A User-Agent header as the audit log keeps it: any bytes (`HeaderValue::to_str` refuses
/// everything but visible ASCII, which left a Japanese or Latin-1 agent empty), decoded as
/// UTF-8 with U+FFFD for what is not, control characters as spaces, at most
/// [`USER_AGENT_MAX`] characters.
pub fn user_agent(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().map(|c| if c.is_control() { ' ' } else { c }).take(USER_AGENT_MAX).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14 item 26: a non-ASCII user agent was stored as empty.
    #[test]
    fn user_agents_keep_what_they_say() {
        assert_eq!(user_agent(b"Mozilla/5.0"), "Mozilla/5.0");
        assert_eq!(user_agent("窓口ブラウザ/1.0".as_bytes()), "窓口ブラウザ/1.0");
        assert_eq!(user_agent(b"Caf\xe9/1.0"), "Caf\u{FFFD}/1.0", "Latin-1 bytes");
        assert_eq!(user_agent(b"a\tb"), "a b");
        let long = "あ".repeat(400);
        assert_eq!(user_agent(long.as_bytes()).chars().count(), USER_AGENT_MAX);
    }
}
