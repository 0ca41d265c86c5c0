//! The web layer: axum routes, extractors, pages, and the layers every request passes.

pub mod accounts;
pub mod auth;
pub mod client_addr;
pub mod client_cert;
pub mod contracts;
pub mod cookies;
pub mod credentials;
pub mod csrf;
pub mod ctx;
pub mod error;
pub mod forms;
mod gates;
pub mod i18n;
pub mod jobs;
pub mod listener;
pub mod metrics;
pub mod notices;
pub mod pages;
pub mod route_table;
pub mod screens;
pub mod security;
pub mod session;
pub mod state;
pub mod tls;

pub use state::AppState;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::HeaderName;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use pages::{
    account, asp_accounts, certificate, dev, landing, login, operator, operator_announcements, operator_audit,
    operator_contracts, operator_orgs, operator_surveys, operator_user, operator_users, recovery, register,
    registered_info, reissue, rokin_master, signup, system, withdrawal,
};
use pages::{contract_users, manuals, operation_log, operator_manuals, user_info};
use route_table::{Routes, get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route of the server, with the layers that need the matched route.
pub fn routes(state: AppState) -> Router {
    route_table(&state)
        .into_router()
        .fallback(landing::not_found)
        .layer(from_fn_with_state(state.clone(), gates::record_metrics))
        .with_state(state)
}

/// Every route of the server, as data (what the hostile-input test walks). `/_dev/*`
/// handlers answer 404 themselves unless enabled.
pub fn route_table(state: &AppState) -> Routes {
    let upload_limit = state.config.server.upload_limit_bytes();
    let portal = Routes::new()
        .route("/{portal}/", get(landing::portal_top))
        .route("/{portal}/help/{screen}", get(landing::help))
        .route("/{portal}/login", get(login::login_form).post(login::login))
        .route("/{portal}/login/otp", get(login::otp_form).post(login::otp))
        .route("/{portal}/login/skip", get(login::skip_form).post(login::skip))
        .route("/{portal}/logout", post(login::logout))
        .route("/{portal}/home", get(account::home))
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
        .route("/{portal}/link", get(asp_accounts::link_form).post(asp_accounts::link))
        .route("/{portal}/accounts", get(asp_accounts::list))
        .route("/{portal}/accounts/{id}/{action}", get(asp_accounts::confirm_form).post(asp_accounts::act))
        .route("/{portal}/withdraw", get(withdrawal::withdraw_form).post(withdrawal::withdraw))
        .route("/{portal}/registered-info", get(registered_info::page))
        .route("/{portal}/return", get(withdrawal::return_form).post(withdrawal::request_return))
        .route("/{portal}/return/key", get(withdrawal::key_form).post(withdrawal::enter_key))
        .route("/{portal}/recover", get(reissue::recover_form).post(reissue::recover))
        .route("/{portal}/master", get(rokin_master::login_form).post(rokin_master::login))
        .route("/{portal}/master/register", get(rokin_master::register_form).post(rokin_master::register))
        .route("/{portal}/master/done", get(rokin_master::done))
        .route("/{portal}/certificate", get(certificate::auth_form).post(certificate::auth))
        .route("/{portal}/certificate/code", get(certificate::code_form).post(certificate::code))
        .route("/{portal}/certificate/issue", get(certificate::issue_form).post(certificate::issue))
        .route("/{portal}/certificate/result", get(certificate::result))
        .route("/{portal}/certificate/download", get(certificate::download))
        .route("/{portal}/crl", get(certificate::crl))
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
        .route("/{portal}/operator/announcements/{id}/delete", post(operator_announcements::delete_announcement))
        .route("/{portal}/operator/help-desk", get(operator::help_desk_form).post(operator::save_help_desk))
        .route("/{portal}/operator/outbox", get(operator::outbox_page))
        .route("/{portal}/operator/users", get(operator_users::list))
        .route("/{portal}/operator/users/new", get(operator_users::new_form).post(operator_users::create))
        .route("/{portal}/operator/users/{id}/unlock", post(operator_users::unlock))
        .route("/{portal}/operator/users/{id}", get(operator_user::detail))
        .route("/{portal}/operator/users/{id}/disable", post(operator_user::disable))
        .route("/{portal}/operator/users/{id}/enable", post(operator_user::enable))
        .route(
            "/{portal}/operator/users/{id}/certificates/{certificate}/revoke",
            post(operator_user::revoke_certificate),
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
        .route("/{portal}/operator/audit", get(operator_audit::search))
        .route("/{portal}/operator/audit.csv", get(operator_audit::export))
        .route("/{portal}/operator/outbox/{id}/retry", post(operator::retry_mail))
        // rokin's menu: 契約ユーザー情報照会／変更, 操作ログ照会, マニュアル照会 (and its console side).
        .route("/{portal}/users", get(contract_users::list))
        .route("/{portal}/users/new", get(contract_users::new_form).post(contract_users::create))
        .route("/{portal}/users/{id}", get(contract_users::edit_form).post(contract_users::update))
        .route("/{portal}/users/{id}/delete", get(contract_users::delete_form).post(contract_users::delete))
        .route("/{portal}/user-info", get(user_info::form).post(user_info::save))
        .route("/{portal}/operation-log", get(operation_log::search))
        .route("/{portal}/manuals", get(manuals::list))
        .route("/{portal}/manuals/{id}", get(manuals::view))
        .route("/{portal}/manuals/{id}/download", get(manuals::download))
        .route(
            "/{portal}/operator/manuals",
            get(operator_manuals::list)
                .post(operator_manuals::upload)
                // axum's own cap on a multipart body (2 MB) gives way to ours (security::csrf).
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/{portal}/operator/manuals/{id}", get(operator_manuals::view))
        .route("/{portal}/operator/manuals/{id}/delete", post(operator_manuals::delete));
    Routes::new()
        .route("/", get(landing::index))
        .route("/{portal}", get(redirect_to_slash))
        .route("/{portal}/operator", get(redirect_to_slash))
        .merge(portal)
        .route("/_lang", post(landing::switch_lang))
        .route("/static/app.css", get(landing::stylesheet))
        .route("/static/app.js", get(landing::script))
        .route("/_dev/mail", get(dev::mailbox))
        .route("/_dev/mail.json", get(dev::mailbox_json))
        .route("/_dev/clock", get(dev::clock))
        .route("/_dev/clock/advance", post(dev::advance))
        .route("/_dev/clock/set", post(dev::set))
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(system::metrics).layer(from_fn_with_state(state.clone(), gates::metrics_allowed)))
}

/// `/rokin` → `/rokin/` (only for paths that name a portal).
async fn redirect_to_slash(
    axum::extract::State(state): axum::extract::State<AppState>,
    uri: axum::http::Uri,
) -> Response {
    let path = uri.path().trim_end_matches('/');
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    if state.portal(first).is_none() {
        return error::AppError::NotFound.into_response();
    }
    axum::response::Redirect::permanent(&format!("{path}/")).into_response()
}

/// The whole application: routes plus the layers every request passes, outermost first:
/// the client's address and scheme and the proxy's client-certificate header, host → portal
/// mapping, cookie prefixes over HTTPS, request id, tracing, security headers, error pages,
/// panic → 500 page, time and size limits, CSRF, service hours.
pub fn app(state: AppState) -> Router {
    let server = &state.config.server;
    // Router::layer: the last added runs first.
    let routed = routes(state.clone())
        .layer(from_fn_with_state(state.clone(), gates::service_hours))
        .layer(from_fn_with_state(state.clone(), security::csrf))
        // The largest body anywhere (a manual upload); `security::csrf` holds every other
        // request to `body_limit_bytes`.
        .layer(RequestBodyLimitLayer::new(server.upload_limit_bytes()))
        .layer(from_fn_with_state(state.clone(), gates::deadline))
        .layer(CatchPanicLayer::custom(|_| error::marked(error::ErrorKind::Internal, None)))
        .layer(from_fn(security::error_pages))
        .layer(from_fn_with_state(state.clone(), security::headers))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        // Outside everything that reads or sets a cookie: over HTTPS the pages see plain names.
        .layer(from_fn_with_state(state.clone(), cookies::transport));
    let host_state = state.clone();
    // Host mapping must rewrite the path before routing, so it wraps the routed app.
    let app = Router::new().fallback_service(routed).layer(axum::middleware::map_request(move |req: Request| {
        let state = host_state.clone();
        async move { Ok::<_, std::convert::Infallible>(gates::host_to_prefix(&state, req)) }
    }));
    client_cert::from_proxies(app, &state.config.server)
}
