//! Layers that decide before a handler runs: which portal a host name selects, whether a
//! portal is within its service hours, how long a request may take, who may read `/metrics`,
//! and the metrics of every request.

use crate::csrf::CsrfToken;
use crate::ctx::{Ctx, request_lang};
use crate::i18n::Tr;
use crate::pages::landing::{ClosedPage, hours_view};
use crate::screens::Screen;
use crate::state::AppState;
use askama::Template;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use madoguchi_core::hours::Availability;
use std::time::{Duration, Instant};

/// Paths under a portal that answer at any hour: its first screen, its help, and the
/// operator console (the operator must be able to post a notice about a closure).
fn open_at_all_hours(rest: &str) -> bool {
    rest.is_empty() || rest == "/" || rest.starts_with("/help/") || rest.starts_with("/operator")
}

pub async fn service_hours(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let first = segments.next().unwrap_or("");
    let rest = segments.next().map(|r| format!("/{r}")).unwrap_or_default();
    let Some(portal) = state.portal(first) else {
        return next.run(request).await;
    };
    // A portal open at all hours pays nothing here: no calendar read, no clock.
    if portal.hours.is_always_open() || open_at_all_hours(&rest) {
        return next.run(request).await;
    }
    let now = state.clock.now_jst();
    let overrides = state.calendars.for_gate(&state.store, portal).await;
    let Availability::Closed { reopens_at } = portal.hours.availability(now, &overrides) else {
        return next.run(request).await;
    };
    let lang = request_lang(request.headers());
    let ctx = Ctx {
        lang,
        t: Tr::for_lang(lang),
        csrf: request.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default(),
        path: path.to_string(),
    };
    let page = ClosedPage {
        chrome: ctx.chrome(ctx.t.get("hours.title"), Some(portal), Some(Screen::Top)),
        hours: hours_view(portal, ctx.t, lang, now, &overrides),
    };
    let retry_after = reopens_at.map(|at| (at - now).num_seconds().max(60)).unwrap_or(3600);
    match page.render() {
        Ok(html) => {
            let mut response = (StatusCode::SERVICE_UNAVAILABLE, Html(html)).into_response();
            if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
        Err(e) => crate::error::AppError::from(e).into_response(),
    }
}

/// A request for a portal's own host name is routed as if it had the portal's prefix.
pub fn host_to_prefix(state: &AppState, mut request: Request) -> Request {
    let Some(host) = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return request;
    };
    let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host).to_ascii_lowercase();
    let Some(portal) = state.config.portals.iter().find(|p| p.host.as_deref() == Some(host.as_str())) else {
        return request;
    };
    let path = request.uri().path();
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let shared = ["static", "_dev", "_lang", "healthz", "readyz", "metrics"];
    if state.portal(first).is_some() || shared.contains(&first) {
        return request;
    }
    let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    if let Ok(uri) = format!("/{}{}{}", portal.id, path, query).parse::<Uri>() {
        *request.uri_mut() = uri;
    }
    request
}

/// `/metrics` only for the addresses of `server.metrics_allow` (the client's address, after
/// the trusted proxies): anybody else gets the 404 page, as if it did not exist. The counters
/// tell how busy each page is and how the outbox is doing, which is nobody else's business.
pub async fn metrics_allowed(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let client = crate::client_addr::Client::of(request.extensions());
    let allowed = client.ip.is_some_and(|ip| {
        state.config.server.metrics_allow.iter().filter_map(|n| n.parse::<ipnet::IpNet>().ok()).any(|n| n.contains(&ip))
    });
    if !allowed {
        tracing::info!(ip = ?client.ip, "refused /metrics to an address outside server.metrics_allow");
        return crate::error::AppError::NotFound.into_response();
    }
    next.run(request).await
}

pub async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route =
        request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = crate::metrics::RouteStatus { route: route.clone(), method, status: response.status().as_u16() };
    state.metrics.requests.get_or_create(&labels).inc();
    state.metrics.latency.get_or_create(&crate::metrics::Route { route }).observe(started.elapsed().as_secs_f64());
    response
}

/// A request that takes longer than `server.request_timeout_seconds` ends with the 503 page in
/// the request's language (a bare status would show the browser's own blank page). Dropping
/// the handler rolls its transaction back.
pub async fn deadline(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = Duration::from_secs(state.config.server.request_timeout_seconds);
    let path = request.uri().path().to_string();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(%path, seconds = limit.as_secs(), "request timed out");
            crate::error::marked(crate::error::ErrorKind::Unavailable, None)
        }
    }
}
