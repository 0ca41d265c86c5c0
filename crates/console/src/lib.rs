//! The operator's console under `/{portal}/operator/`: its own sign-in (password and a mailed
//! code), お知らせ, the help desk text, the outbox, organizations and users (search, detail,
//! disable, unlock, certificates), accounts made by hand or by CSV, contracts (shaho seats and
//! ASP IDs and their document shelves, rokin contract numbers and re-initialization), マニュアル
//! (`uploads` reads the PDFs of both), 営業日カレンダー, the audit log and the exit
//! surveys. `contracts` holds the one contract checker the console, `contract add` and
//! `contract import` share.

pub mod contracts;
pub mod excel_csv;
pub mod operator;
pub mod operator_announcements;
pub mod operator_audit;
pub mod operator_calendar;
pub mod operator_contracts;
pub mod operator_documents;
pub mod operator_manuals;
pub mod operator_orgs;
pub mod operator_surveys;
pub mod operator_user;
pub mod operator_users;
pub mod operator_zaikei;
pub mod operator_zaikei_changes;
pub mod uploads;

use axum::extract::DefaultBodyLimit;
use madoguchi_web::route_table::{Routes, get, post};

/// The console's routes; `upload_limit` is the largest upload's request (`server.upload_limit_bytes`):
/// マニュアル管理 and the contracts' document shelves.
pub fn routes(routes: Routes, upload_limit: usize) -> Routes {
    routes
        .route("/{portal}/operator/login", get(operator::login_form).post(operator::login))
        .route("/{portal}/operator/login/code", get(operator::code_form).post(operator::code))
        .route("/{portal}/operator/logout", post(operator::logout))
        .route("/{portal}/operator/", get(operator::home))
        .route("/{portal}/operator/announcements", get(operator_announcements::announcements))
        .route(
            "/{portal}/operator/announcements/new",
            get(operator_announcements::new_announcement_form).post(operator_announcements::create_announcement),
        )
        .route(
            "/{portal}/operator/announcements/{id}",
            get(operator_announcements::edit_announcement_form).post(operator_announcements::update_announcement),
        )
        .route(
            "/{portal}/operator/announcements/{id}/delete",
            get(operator_announcements::delete_announcement_form).post(operator_announcements::delete_announcement),
        )
        .route("/{portal}/operator/help-desk", get(operator::help_desk_form).post(operator::save_help_desk))
        .route("/{portal}/operator/outbox", get(operator::outbox_page))
        .route("/{portal}/operator/users", get(operator_users::list))
        .route("/{portal}/operator/users/new", get(operator_users::new_form).post(operator_users::create))
        .route("/{portal}/operator/users/{id}/unlock", get(operator_users::unlock_form).post(operator_users::unlock))
        .route("/{portal}/operator/users/{id}", get(operator_user::detail))
        .route("/{portal}/operator/users/{id}/disable", get(operator_user::disable_form).post(operator_user::disable))
        .route("/{portal}/operator/users/{id}/enable", get(operator_user::enable_form).post(operator_user::enable))
        .route(
            "/{portal}/operator/users/{id}/certificates/{certificate}/revoke",
            get(operator_user::revoke_form).post(operator_user::revoke_certificate),
        )
        .route("/{portal}/operator/organizations/{id}", get(operator_orgs::edit_form).post(operator_orgs::save))
        .route("/{portal}/operator/surveys", get(operator_surveys::list))
        .route("/{portal}/operator/surveys.csv", get(operator_surveys::export))
        .route("/{portal}/operator/users/import", get(operator_users::import_form).post(operator_users::import))
        .route("/{portal}/operator/contracts", get(operator_contracts::list).post(operator_contracts::create))
        .route(
            "/{portal}/operator/contracts/import",
            get(operator_contracts::import_form).post(operator_contracts::import),
        )
        .route("/{portal}/operator/contracts/{id}/reinitialize", post(operator_contracts::reinitialize))
        .route("/{portal}/operator/contracts/{id}/admin-code", post(operator_contracts::issue_admin_code))
        .route("/{portal}/operator/contracts/{id}/match-checked", post(operator_contracts::clear_match_failures))
        .route("/{portal}/operator/contracts/{id}/zaikei-change", post(operator_zaikei_changes::set_option))
        .route("/{portal}/operator/zaikei/changes", get(operator_zaikei_changes::changes))
        .route("/{portal}/operator/zaikei/changes.csv", get(operator_zaikei_changes::export))
        .route("/{portal}/operator/zaikei/changes/processed", post(operator_zaikei_changes::processed_all))
        .route("/{portal}/operator/zaikei/changes/{delivery}/processed", post(operator_zaikei_changes::processed_one))
        .route("/{portal}/operator/calendar", get(operator_calendar::list).post(operator_calendar::add))
        .route("/{portal}/operator/calendar/{id}/delete", post(operator_calendar::delete))
        .route("/{portal}/operator/audit", get(operator_audit::search))
        .route("/{portal}/operator/audit.csv", get(operator_audit::export))
        .route(
            "/{portal}/operator/manuals",
            get(operator_manuals::list)
                .post(operator_manuals::upload)
                // axum's own cap on a multipart body (2 MB) gives way to ours (security::csrf).
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/{portal}/operator/manuals/{id}", get(operator_manuals::view))
        .route(
            "/{portal}/operator/manuals/{id}/delete",
            get(operator_manuals::delete_form).post(operator_manuals::delete),
        )
        .route(
            "/{portal}/operator/contracts/documents",
            get(operator_documents::all_contracts)
                .post(operator_documents::upload_for_all)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/{portal}/operator/contracts/{id}/documents",
            get(operator_documents::one_contract)
                .post(operator_documents::upload_for_contract)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/{portal}/operator/documents/{id}", get(operator_documents::view))
        .route(
            "/{portal}/operator/documents/{id}/replace",
            post(operator_documents::replace).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/{portal}/operator/documents/{id}/delete", post(operator_documents::delete))
        .route(
            "/{portal}/operator/contracts/{id}/zaikei",
            get(operator_zaikei::form).post(operator_zaikei::upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
}
