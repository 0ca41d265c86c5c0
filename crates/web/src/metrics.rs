//! Prometheus metrics: requests by route and status, latency, outbox depth, backlog and failures,
//! whether the database answers.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteStatus {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Route {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutboxState {
    pub state: String,
}

#[derive(Clone)]
pub struct Metrics {
    pub registry: Arc<Registry>,
    pub requests: Family<RouteStatus, Counter>,
    pub latency: Family<Route, Histogram>,
    pub outbox: Family<OutboxState, Gauge>,
    pub outbox_backlog: Gauge,
    pub outbox_oldest_waiting: Gauge,
    pub database_up: Gauge,
    pub mail_sent: Counter,
    pub mail_failures: Counter,
    pub mail_given_up: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("madoguchi");
        let requests = Family::<RouteStatus, Counter>::default();
        let latency = Family::<Route, Histogram>::new_with_constructor(|| {
            Histogram::new([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0])
        });
        let outbox = Family::<OutboxState, Gauge>::default();
        let (mail_sent, mail_failures, mail_given_up) = (Counter::default(), Counter::default(), Counter::default());
        registry.register("http_requests", "HTTP requests by route, method and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by route", latency.clone());
        registry.register("outbox_mails", "Mails in the outbox by state", outbox.clone());
        let (outbox_backlog, outbox_oldest_waiting, database_up) =
            (Gauge::default(), Gauge::default(), Gauge::default());
        registry.register(
            "outbox_backlog",
            "Mails waiting to go out (pending or retrying): grows while the SMTP server is away",
            outbox_backlog.clone(),
        );
        registry.register(
            "outbox_oldest_waiting_seconds",
            "Age of the oldest mail waiting to go out (0 when none waits)",
            outbox_oldest_waiting.clone(),
        );
        registry.register(
            "database_up",
            "1 when the database answered this scrape, 0 when it did not (the outbox figures are then the last known)",
            database_up.clone(),
        );
        registry.register("mail_sent", "Mails delivered since start", mail_sent.clone());
        registry.register("mail_send_failures", "Failed delivery attempts since start", mail_failures.clone());
        registry.register(
            "mail_given_up",
            "Mails given up after their last attempt since start",
            mail_given_up.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            requests,
            latency,
            outbox,
            outbox_backlog,
            outbox_oldest_waiting,
            database_up,
            mail_sent,
            mail_failures,
            mail_given_up,
        }
    }
}
