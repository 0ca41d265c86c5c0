//! Job seekers' accounts (module `seekers`; spec modules README §0.10, jrec-in §1.8,
//! docs/SEEKERS.md): the seekers' own pages of a job portal, one portal each. A seeker is a
//! user without an organization (`users.role = 'seeker'`), logging in by e-mail address under
//! the seekers' own session cookie (`madoguchi_web::session::CurrentSeeker`); password
//! hashing, the lockout, sessions, CSRF, audit and rate limits are the platform's.
//!
//! - `register`: ユーザ登録 — メールアドレス → a code mailed (the same answer whether the address
//!   is known; a known one is told by mail) → 氏名, フリガナ, パスワード, 言語.
//! - `login`: ログイン, ログアウト and the マイページ (the seeker's menu).
//! - `reset`: the password reset by a key mailed to the address.
//! - `profile`: 求職者情報 (§1.8.2), 公開 / 非公開; `store::public_profile` is what institutions
//!   read, and it carries no name and no contact.
//! - `withdraw`: 退会, with the password and a confirmation.
//! - `expiry`: the unused-account notice and deletion (§1.8.7), a job the binary runs.
//! - `operator`: 求職者管理 in the operator console (§1.11 item 6): search, the account with its
//!   inquiry counts, 「求職者情報を非公開にする」.
//! - `rules` (the pure rules, with an injected clock) and `codes` (the coded lists).
//!
//! 応募履歴 is the `applications` module's (the menu links it where that module is on);
//! 照会メール受信箱 comes with the inquiries, and until then the menu does not name it.

/// The coded lists of 求職者情報, shared with the institutions' search (`seeker_mail`).
pub use madoguchi_core::seeker_codes as codes;
pub mod expiry;
pub mod login;
pub mod operator;
pub mod profile;
pub mod register;
pub mod reset;
pub mod rules;
pub mod store;
pub mod withdraw;

use madoguchi_core::{Lang, Portal};
use madoguchi_web::route_table::{Routes, get, post};

/// The name a preset's `modules` list uses.
pub const MODULE: madoguchi_core::portal::Module = madoguchi_core::portal::Module::Seekers;

/// The module's routes (the caller gates them on [`MODULE`]).
pub fn routes(routes: Routes) -> Routes {
    routes
        .route("/{portal}/seeker/register", get(register::email_form).post(register::email))
        .route("/{portal}/seeker/register/code", get(register::code_form).post(register::code))
        .route("/{portal}/seeker/register/details", get(register::details_form).post(register::details))
        .route("/{portal}/seeker/login", get(login::form).post(login::login))
        .route("/{portal}/seeker/logout", post(login::logout))
        .route("/{portal}/seeker/home", get(login::home))
        .route("/{portal}/seeker/password/forgot", get(reset::forgot_form).post(reset::forgot))
        .route("/{portal}/seeker/password/reset", get(reset::reset_form).post(reset::reset))
        .route("/{portal}/seeker/profile", get(profile::form).post(profile::save))
        .route("/{portal}/seeker/withdraw", get(withdraw::form).post(withdraw::withdraw))
        .route("/{portal}/operator/seekers", get(operator::list))
        .route("/{portal}/operator/seekers/{id}", get(operator::detail))
        .route("/{portal}/operator/seekers/{id}/hide", get(operator::hide_form).post(operator::hide))
}

/// The seekers' pages of a portal: `/<portal>/seeker`.
pub fn base(portal: &Portal) -> String {
    madoguchi_web::session::seeker_path(portal)
}

/// The seekers' side's name (JREC-IN Portal 求職者ページ): in titles and mails.
pub fn area_name(portal: &Portal, lang: Lang) -> &str {
    match &portal.settings.seekers.name {
        Some(name) => name.get(lang),
        None => portal.settings.name.get(lang),
    }
}

/// A seeker's audit subject.
pub fn subject(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// The page chrome of a seeker's page: the header names the seekers' side, not the
/// institutions' (no help pages yet: the header's ヘルプ link does not appear).
pub fn chrome(ctx: &madoguchi_web::ctx::Ctx, portal: &Portal, title: &str) -> madoguchi_web::ctx::Chrome {
    let mut chrome = ctx.chrome(title, Some(portal), None);
    if let Some(bar) = chrome.portal.as_mut() {
        bar.name = area_name(portal, ctx.lang).to_string();
    }
    chrome
}

/// A message of `rules` for the page: its locale text with `{max}` filled in.
pub fn message(t: &madoguchi_web::i18n::Tr, key: &str, max: Option<usize>) -> String {
    let text = t.get(key);
    match max {
        Some(max) => text.replace("{max}", &max.to_string()),
        None => text.to_string(),
    }
}
