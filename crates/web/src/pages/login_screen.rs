//! The portal's login screen as every area shows it: the login form itself, after a logout,
//! after a reset or a cancelled step, with the manual's links to the recovery screens the
//! portal has. The login flow that answers the form is identity's (`madoguchi_identity::login`).

use crate::ctx::{Chrome, Ctx};
use crate::error::AppError;
use crate::forms::FieldErrors;
use crate::pages::html;
use crate::screens::Screen;
use askama::Template;
use axum::response::Html;
use madoguchi_core::Portal;
use madoguchi_core::portal::{Recovery, ResetWord};

/// `/{portal}/login`.
pub fn login_path(portal: &Portal) -> String {
    format!("/{}/login", portal.id)
}

#[derive(Template)]
#[template(path = "login/login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub id_label: String,
    pub login_id: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    /// The manual's links under the form, to the recovery screens this portal has.
    pub links: Vec<(String, String)>,
    /// The form posts here whatever URL showed it (logout, reset and setting show this page too).
    pub action: String,
    /// hellowork: 「アカウントを再登録」 for accounts withdrawn within the window.
    pub return_link: Option<String>,
    /// A form posted after the session expired, sealed (`crate::draft_seal`), carried through
    /// the login to become a draft.
    pub sealed_draft: Option<String>,
}

/// A word of the reset by mailed key in the portal's own terms (`recovery.words`), else the
/// generic page text.
pub fn reset_word(portal: &Portal, ctx: &Ctx, word: ResetWord) -> String {
    let own = match &portal.settings.recovery {
        Recovery::ResetKey { words, .. } => words.get(word),
        _ => None,
    };
    match own {
        Some(text) => text.get(ctx.lang).to_string(),
        None => ctx
            .t
            .get(match word {
                ResetWord::Link => "reset.forgot_link",
                ResetWord::Title => "reset.forgot_title",
                ResetWord::Next => "reset.next",
                ResetWord::ResetTitle => "reset.title",
                ResetWord::Mail => "reset.mail",
            })
            .to_string(),
    }
}

fn recovery_links(portal: &Portal, ctx: &Ctx) -> Vec<(String, String)> {
    let link = |path: &str, key: &str| (format!("/{}/{}", portal.id, path), ctx.t.get(key).to_string());
    match portal.settings.recovery {
        Recovery::ResetKey { .. } => {
            vec![(format!("/{}/password/forgot", portal.id), reset_word(portal, ctx, ResetWord::Link))]
        }
        Recovery::ReissueTemporary { .. } => {
            vec![link("recover", "reissue.link"), link("password/set", "set.link")]
        }
        Recovery::None => Vec::new(),
    }
    .into_iter()
    .chain(
        matches!(portal.settings.registration, madoguchi_core::portal::Registration::EmailCodeWithContract { .. })
            .then(|| link("signup", "signup.link")),
    )
    .collect()
}

pub fn login_page(
    ctx: &Ctx,
    portal: &Portal,
    login_id: &str,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    login_page_sealed(ctx, portal, login_id, errors, notice, None)
}

/// [`login_page`] carrying a sealed form (`sealed_draft`, a hidden field) when there is one.
pub fn login_page_sealed(
    ctx: &Ctx,
    portal: &Portal,
    login_id: &str,
    errors: FieldErrors,
    notice: Option<String>,
    sealed_draft: Option<&str>,
) -> Result<Html<String>, AppError> {
    let s = &portal.settings.login_screen;
    html(&LoginPage {
        chrome: ctx.chrome(s.title.get(ctx.lang), Some(portal), Some(Screen::Login)),
        id_label: s.id_label.get(ctx.lang).to_string(),
        login_id: login_id.to_string(),
        errors,
        notice,
        links: recovery_links(portal, ctx),
        action: login_path(portal),
        return_link: portal
            .settings
            .withdrawal
            .as_ref()
            .and_then(|w| w.return_within_days)
            .map(|_| format!("/{}/return", portal.id)),
        sealed_draft: sealed_draft.filter(|v| !v.is_empty()).map(str::to_string),
    })
}
