//! The HTTP kit every page uses: `Ctx` and the page chrome, errors and error pages, forms and
//! field errors, CSRF and security headers, sessions, i18n, screens and their help pages, the
//! gates (service hours, host → portal), metrics, the route table, the password check under
//! the lockout rule (`credentials`), the shared file responses (`files`: PDFs and any stored
//! file's download; `excel_csv`: CSV for Excel; `zip`: bulk downloads streamed as a ZIP), the
//! upload form reader (`uploads`), and the transport of
//! client certificates (`tls`, `client_cert`). The identity screens, rokin's screens, the
//! console and every business module are crates of their own on top of this one; the binary
//! (`madoguchi`) assembles their routes.

pub mod applying;
pub mod auth;
pub mod calendar;
pub mod client_addr;
pub mod client_cert;
pub mod confirm;
pub mod cookies;
pub mod credentials;
pub mod csrf;
pub mod ctx;
pub mod draft_seal;
pub mod error;
pub mod error_page;
pub mod excel_csv;
pub mod files;
pub mod format;
pub mod forms;
mod gates;
pub mod i18n;
pub mod listener;
pub mod metrics;
pub mod notices;
pub mod pages;
pub mod panels;
pub mod route_table;
pub mod screens;
pub mod security;
pub mod session;
pub mod state;
pub mod tls;

pub use state::AppState;

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderName;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use pages::{dev, landing, system};
use route_table::{Routes, get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The router from a route table (`platform_routes` merged with the areas' and modules'
/// routes, assembled by the binary), with the layers that need the matched route.
pub fn routes(state: AppState, table: Routes) -> Router {
    table
        .into_router()
        .fallback(landing::not_found)
        .layer(from_fn_with_state(state.clone(), gates::record_metrics))
        .with_state(state)
}

/// The kit's own routes: the landing page, each portal's top and help pages, the language
/// switch, static files, the dev mailbox and clock (404 unless enabled), and the probes.
pub fn platform_routes(state: &AppState) -> Routes {
    Routes::new()
        .route("/", get(landing::index))
        .route("/{portal}", get(redirect_to_slash))
        .route("/{portal}/operator", get(redirect_to_slash))
        .route("/{portal}/", get(landing::portal_top))
        .route("/{portal}/help/{screen}", get(landing::help))
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
/// the proxy's client-certificate header, host → portal mapping, request id, tracing, panic → 500 page, time and size limits,
/// security headers, error pages, CSRF, service hours.
pub fn app(state: AppState, table: Routes) -> Router {
    let server = &state.config.server;
    // Router::layer: the last added runs first.
    let routed = routes(state.clone(), table)
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
