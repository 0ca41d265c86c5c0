//! rokin's own screens (賃金控除事務支援システム): マスターユーザーの初期登録, 電子証明書発行 (and the CRL
//! it publishes), and the menu screens after login — 契約ユーザー情報照会／変更, 操作ログ照会 and
//! マニュアル照会. The login with the certificate is identity's (`madoguchi_identity`); the
//! インフォメーション home and the menu gate are the kit's (`madoguchi_web::pages::information`),
//! since any preset may name a menu.

pub mod certificate;
pub mod contract_users;
pub mod manuals;
pub mod master;
pub mod operation_log;
pub mod user_info;
pub mod user_new;

use madoguchi_web::route_table::{Routes, get};

/// rokin's screens under `/{portal}/`; each answers 404 on a portal whose preset has not the
/// flow or the menu item (`information::gate`, the certificate settings).
pub fn routes(routes: Routes) -> Routes {
    routes
        .route("/{portal}/master", get(master::login_form).post(master::login))
        .route("/{portal}/master/register", get(master::register_form).post(master::register))
        .route("/{portal}/master/done", get(master::done))
        .route("/{portal}/certificate", get(certificate::auth_form).post(certificate::auth))
        .route("/{portal}/certificate/code", get(certificate::code_form).post(certificate::code))
        .route("/{portal}/certificate/issue", get(certificate::issue_form).post(certificate::issue))
        .route("/{portal}/certificate/result", get(certificate::result))
        .route("/{portal}/certificate/download", get(certificate::download))
        .route("/{portal}/crl", get(certificate::crl))
        .route("/{portal}/users", get(contract_users::list))
        .route("/{portal}/users/new", get(user_new::new_form).post(user_new::create))
        .route("/{portal}/users/{id}", get(contract_users::edit_form).post(contract_users::update))
        .route("/{portal}/users/{id}/delete", get(contract_users::delete_form).post(contract_users::delete))
        .route("/{portal}/user-info", get(user_info::form).post(user_info::save))
        .route("/{portal}/operation-log", get(operation_log::search))
        .route("/{portal}/manuals", get(manuals::list))
        .route("/{portal}/manuals/{id}", get(manuals::view))
        .route("/{portal}/manuals/{id}/download", get(manuals::download))
}
