//! Prometheus metrics: requests by route and status, latency, outbox depth and failures.

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
        registry.register("mail_sent", "Mails delivered since start", mail_sent.clone());
        registry.register("mail_send_failures", "Failed delivery attempts since start", mail_failures.clone());
        registry.register(
            "mail_given_up",
            "Mails given up after their last attempt since start",
            mail_given_up.clone(),
        );
        Metrics { registry: Arc::new(registry), requests, latency, outbox, mail_sent, mail_failures, mail_given_up }
    }
}
