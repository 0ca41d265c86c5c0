//! The employer's identity screens, the same flows for every portal, chosen by the preset's flow
//! kinds: login (password, the mailed one-time password, the trusted browser, the client
//! certificate), the account pages (home, password change and expiry, login code), recovery
//! (forgotten password, 仮パスワード reissue), registration (mlit-fwms 仮申請/本申請, shaho's sign-up),
//! 退会 and its return, jrec-in's 登録情報確認; and `accounts`, the accounts an operator makes
//! (console, `account add`, CSV import).

pub mod account;
pub mod accounts;
pub mod browsers;
pub mod certificate_login;
pub mod login;
pub mod reauth;
pub mod recovery;
pub mod register;
pub mod registered_info;
pub mod reissue;
pub mod signup;
pub mod withdrawal;

use madoguchi_web::route_table::{Routes, get, post};

/// The identity screens under `/{portal}/`.
pub fn routes(routes: Routes) -> Routes {
    routes
        .route("/{portal}/login", get(login::login_form).post(login::login))
        .route("/{portal}/login/otp", get(login::otp_form).post(login::otp))
        .route("/{portal}/login/skip", get(login::skip_form).post(login::skip))
        .route("/{portal}/logout", post(login::logout))
        .route("/{portal}/home", get(account::home))
        .route("/{portal}/sessions", get(browsers::page))
        .route("/{portal}/sessions/end", post(browsers::end))
        .route("/{portal}/password", get(account::password_form).post(account::change_password))
        .route("/{portal}/password/expired", get(account::expired))
        .route("/{portal}/login-code", get(account::login_code_form).post(account::set_login_code))
        .route("/{portal}/password/forgot", get(recovery::forgot_form).post(recovery::forgot))
        .route("/{portal}/password/reset", get(recovery::reset_form).post(recovery::reset))
        .route("/{portal}/password/set", get(reissue::set_form).post(reissue::set))
        .route("/{portal}/register", get(register::apply_form).post(register::apply))
        .route("/{portal}/register/complete", get(register::complete_form).post(register::complete))
        .route("/{portal}/signup", get(signup::email_form).post(signup::email))
        .route("/{portal}/signup/code", get(signup::code_form).post(signup::code))
        .route("/{portal}/signup/details", get(signup::details_form).post(signup::details))
        .route("/{portal}/withdraw", get(withdrawal::withdraw_form).post(withdrawal::withdraw))
        .route("/{portal}/registered-info", get(registered_info::page))
        .route("/{portal}/return", get(withdrawal::return_form).post(withdrawal::request_return))
        .route("/{portal}/return/key", get(withdrawal::key_form).post(withdrawal::enter_key))
        .route("/{portal}/recover", get(reissue::recover_form).post(reissue::recover))
}
