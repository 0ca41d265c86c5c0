//! Probes for orchestrators and monitoring: `/healthz` (the process answers), `/readyz`
//! (database reachable, migrations current), `/metrics` (Prometheus text format).

use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use madoguchi_store::outbox;
use std::sync::atomic::Ordering;

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.migrations_current().await {
        Ok(true) => "ready".into_response(),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let counts = match state.store.acquire().await {
        Ok(mut conn) => outbox::counts(&mut conn, None).await.ok(),
        Err(_) => None,
    };
    m.database_up.set(i64::from(counts.is_some()));
    if let Some(counts) = counts {
        for (name, value) in [
            ("pending", counts.pending),
            ("retrying", counts.retrying),
            ("failed", counts.failed),
            ("sent", counts.sent),
        ] {
            m.outbox.get_or_create(&crate::metrics::OutboxState { state: name.into() }).set(value);
        }
        m.outbox_backlog.set(counts.backlog());
        let age = counts.oldest_waiting_at.map(|at| (state.clock.unix() - at).max(0)).unwrap_or(0);
        m.outbox_oldest_waiting.set(age);
    }
    let stats = &state.mailer.stats;
    catch_up(&m.mail_sent, stats.sent.load(Ordering::Relaxed));
    catch_up(&m.mail_failures, stats.failed_attempts.load(Ordering::Relaxed));
    catch_up(&m.mail_given_up, stats.given_up.load(Ordering::Relaxed));
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &m.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body).into_response()
}

/// The mail worker counts in atomics of its own; bring the exported counters up to them.
fn catch_up(counter: &prometheus_client::metrics::counter::Counter, total: u64) {
    let seen = counter.get();
    if total > seen {
        counter.inc_by(total - seen);
    }
}
