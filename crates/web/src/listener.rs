//! The accept loop of both listeners, plain HTTP and TLS: how long a client may take, and how
//! many may be connected at once.
//!
//! hyper alone cuts off neither an idle connection nor a client that drips its request: its
//! own `header_read_timeout` starts only once HTTP/1 parsing has begun, and hyper-util's
//! `auto` first waits, without a limit, for the bytes that tell HTTP/1 from HTTP/2; HTTP/2 has
//! no such timeout at all. So every connection here has a watchdog of its own ([`Activity`]),
//! the same for both listeners and both protocols:
//!
//! * **header read timeout**: with no request in flight, a request's headers must be complete
//!   within `server.header_read_timeout_seconds` — for the first request counted from the
//!   moment the connection is open (after the TLS handshake), for a later one from its first
//!   byte. Dripping bytes does not extend it.
//! * **idle timeout**: between two requests a connection may wait `server.idle_timeout_seconds`
//!   with nothing sent, then it is closed.
//! * A request in flight is never cut here: its handler is bounded by
//!   `server.request_timeout_seconds` (`gates::deadline`), which also covers a dripped body.
//! * **connection cap**: `server.max_connections` connections at once, both listeners
//!   together (one semaphore). At the cap the loop stops accepting; new clients wait in the
//!   kernel's backlog until a connection ends, and the timeouts above make sure one does.
//!
//! Each request gets [`ConnectInfo<SocketAddr>`] (the TCP peer) and, on TLS, [`TerminatedHere`]
//! and the client's [`PeerCertificate`], as `into_make_service_with_connect_info` would give.

use crate::client_cert::{PeerCertificate, TerminatedHere};
use crate::tls::DEFAULT_HANDSHAKE_TIMEOUT;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use madoguchi_core::config::ServerSettings;
use rustls::ServerConfig;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// How long clients may take and how many may be connected: one value for the whole process,
/// shared by its listeners (the permits are one pool).
#[derive(Clone, Debug)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    /// TLS only: a client that has not finished the handshake by then is dropped.
    pub handshake_timeout: Duration,
    connections: Arc<Semaphore>,
}

impl Limits {
    pub fn new(
        header_read_timeout: Duration,
        idle_timeout: Duration,
        handshake_timeout: Duration,
        max_connections: usize,
    ) -> Limits {
        Limits {
            header_read_timeout,
            idle_timeout,
            handshake_timeout,
            connections: Arc::new(Semaphore::new(max_connections.clamp(1, Semaphore::MAX_PERMITS))),
        }
    }

    /// From `[server]` (and `[server.tls] handshake_timeout_seconds`).
    pub fn from_settings(server: &ServerSettings) -> Limits {
        let handshake = server
            .tls
            .as_ref()
            .map(|tls| Duration::from_secs(tls.handshake_timeout_seconds))
            .unwrap_or(crate::tls::DEFAULT_HANDSHAKE_TIMEOUT);
        Limits::new(
            Duration::from_secs(server.header_read_timeout_seconds),
            Duration::from_secs(server.idle_timeout_seconds),
            handshake,
            server.max_connections,
        )
    }

    /// Connections that could still be accepted now.
    pub fn free_connections(&self) -> usize {
        self.connections.available_permits()
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::from_settings(&ServerSettings::default())
    }
}

/// Serves `app` on `listener` until `shutdown` completes: plain HTTP, or TLS with `tls`
/// ([`crate::tls::server_config`]).
///
/// * Each connection runs in its own task: the TLS handshake (dropped after
///   `handshake_timeout`), then HTTP/1.1 or HTTP/2 (hyper-util's `auto`, following what the
///   client speaks; on TLS, ALPN offers both), under the watchdog of the module documentation.
/// * Errors of one connection (handshake, protocol, reset, timeout) are logged at debug and end
///   only that connection; a failing `accept` (e.g. out of file descriptors) is retried after
///   a second.
/// * When `shutdown` completes: no new connections; handshakes under way are dropped; open
///   connections finish the requests in flight (HTTP/2: GOAWAY) and close; then it returns.
pub async fn serve<F>(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: F,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let tls = tls.map(TlsAcceptor::from);
    let scheme = if tls.is_some() { "TLS" } else { "plain" };
    // `signal` tells the connections to wind down; `close` counts them (each holds a receiver).
    let (signal_tx, signal_rx) = watch::channel(());
    let (close_tx, close_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    let mut warned_full = false;
    loop {
        // A permit first: at the cap, connections wait in the backlog instead of being taken
        // in and starved.
        let permit = match limits.connections.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if !warned_full {
                    tracing::warn!(listener = scheme, "server.max_connections reached: new connections wait");
                    warned_full = true;
                }
                tokio::select! {
                    permit = limits.connections.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    tracing::error!(listener = scheme, error = %e, "the listener cannot accept; retrying in 1 s");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if limits.connections.available_permits() > 0 {
            warned_full = false;
        }
        let _ = stream.set_nodelay(true);
        let connection = Connection {
            tls: tls.clone(),
            app: app.clone(),
            peer,
            limits: limits.clone(),
            signal: signal_rx.clone(),
            _close: close_rx.clone(),
            _permit: permit,
        };
        tokio::spawn(connection.run(stream));
    }
    drop(listener);
    let _ = signal_tx.send(());
    drop(close_rx);
    close_tx.closed().await;
    Ok(())
}

/// One accepted TCP connection.
struct Connection {
    tls: Option<TlsAcceptor>,
    app: Router,
    peer: SocketAddr,
    limits: Limits,
    signal: watch::Receiver<()>,
    /// Dropped when the connection ends: the accept loop's shutdown waits for all of them.
    _close: watch::Receiver<()>,
    /// Its place under `server.max_connections`, given back when the connection ends.
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn run(mut self, stream: TcpStream) {
        let peer = self.peer;
        let Some(acceptor) = self.tls.clone() else {
            self.serve_http(stream, None).await;
            return;
        };
        let handshake = tokio::time::timeout(self.limits.handshake_timeout, acceptor.accept(stream));
        let stream = tokio::select! {
            result = handshake => match result {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            },
            _ = self.signal.changed() => return,
        };
        let certificate = stream
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|certs| certs.first())
            .map(|c| PeerCertificate(Arc::from(c.as_ref())));
        self.serve_http(stream, Some(certificate)).await;
    }

    /// HTTP on an open connection. `tls`: the connection is TLS, with the client's
    /// certificate if it presented one.
    async fn serve_http<I>(mut self, io: I, tls: Option<Option<PeerCertificate>>)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let peer = self.peer;
        let activity = Arc::new(Activity::new());
        let app = self.app.clone();
        let in_service = activity.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            let extensions = request.extensions_mut();
            extensions.insert(ConnectInfo(peer));
            if let Some(certificate) = &tls {
                extensions.insert(TerminatedHere);
                if let Some(certificate) = certificate {
                    extensions.insert(certificate.clone());
                }
            }
            let in_flight = in_service.request_started();
            let response = app.clone().oneshot(request);
            async move {
                let response = response.await;
                drop(in_flight);
                response
            }
        });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // The watchdog below replaces hyper's own header timeout (see the module documentation);
        // `None` also keeps hyper from warning that its default has no timer.
        builder.http1().header_read_timeout(None);
        let io = TokioIo::new(Tracked { inner: io, activity: activity.clone() });
        let connection = builder.serve_connection(io, service);
        let mut connection = std::pin::pin!(connection);
        let result = tokio::select! {
            result = connection.as_mut() => result,
            reason = activity.expired(&self.limits) => {
                tracing::debug!(%peer, reason, "closed a connection that sent no request in time");
                return;
            }
            _ = self.signal.changed() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(e) = result {
            tracing::debug!(%peer, error = %e, "connection ended with an error");
        }
    }
}

/// Errors that concern one client only (as axum's accept loop treats them).
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// No time recorded.
const NEVER: u64 = u64::MAX;

/// What a connection has done, for its watchdog: times in milliseconds since `opened`.
struct Activity {
    opened: Instant,
    /// Requests whose response has not been handed to hyper yet.
    in_flight: AtomicUsize,
    /// Requests begun so far (0: the connection is still waiting for its first).
    requests: AtomicU64,
    /// When the last request was answered (or the connection opened).
    free_since: AtomicU64,
    /// The first byte read while no request was in flight: a request's head is arriving.
    head_started: AtomicU64,
    /// The last byte read or written.
    last_io: AtomicU64,
    /// Wakes the watchdog when its deadline may have moved earlier or gone.
    changed: Notify,
}

/// Ends a request's time in flight when dropped (also when the request is cancelled).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        let now = activity.now();
        activity.free_since.store(now, Ordering::SeqCst);
        activity.last_io.store(now, Ordering::SeqCst);
        activity.in_flight.fetch_sub(1, Ordering::SeqCst);
        activity.changed.notify_one();
    }
}

impl Activity {
    fn new() -> Activity {
        Activity {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            free_since: AtomicU64::new(0),
            head_started: AtomicU64::new(NEVER),
            last_io: AtomicU64::new(0),
            changed: Notify::new(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(NEVER - 1)
    }

    fn request_started(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.head_started.store(NEVER, Ordering::SeqCst);
        self.changed.notify_one();
        InFlight(self.clone())
    }

    fn read(&self) {
        let now = self.now();
        self.last_io.store(now, Ordering::SeqCst);
        if self.in_flight.load(Ordering::SeqCst) == 0
            && self.head_started.compare_exchange(NEVER, now, Ordering::SeqCst, Ordering::SeqCst).is_ok()
        {
            self.changed.notify_one();
        }
    }

    fn wrote(&self) {
        self.last_io.store(self.now(), Ordering::SeqCst);
    }

    /// When the connection is to be closed, if nothing changes, and why; `None` while a
    /// request is in flight.
    fn deadline(&self, limits: &Limits) -> Option<(u64, &'static str)> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(NEVER / 2);
        let header = ms(limits.header_read_timeout);
        if self.requests.load(Ordering::SeqCst) == 0 {
            return Some((header, "no request headers in time"));
        }
        let head_started = self.head_started.load(Ordering::SeqCst);
        if head_started != NEVER {
            return Some((head_started.saturating_add(header), "request headers incomplete in time"));
        }
        let quiet_since = self.free_since.load(Ordering::SeqCst).max(self.last_io.load(Ordering::SeqCst));
        Some((quiet_since.saturating_add(ms(limits.idle_timeout)), "idle"))
    }

    /// Completes when the connection has overrun its deadline, with the reason.
    async fn expired(&self, limits: &Limits) -> &'static str {
        loop {
            match self.deadline(limits) {
                None => self.changed.notified().await,
                Some((at, reason)) => {
                    if self.now() >= at {
                        return reason;
                    }
                    let wake = self.opened + Duration::from_millis(at);
                    tokio::select! {
                        () = tokio::time::sleep_until(wake) => {}
                        () = self.changed.notified() => {}
                    }
                }
            }
        }
    }
}

/// The connection's stream, telling [`Activity`] when bytes move.
struct Tracked<I> {
    inner: I,
    activity: Arc<Activity>,
}

impl<I: AsyncRead + Unpin> AsyncRead for Tracked<I> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        result
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Tracked<I> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Serves `app` over TLS on `listener` until `shutdown` completes, with
/// [`DEFAULT_HANDSHAKE_TIMEOUT`] and the default [`Limits`]. See [`serve_tls_with`].
pub async fn serve_tls<F>(listener: TcpListener, tls: Arc<ServerConfig>, app: Router, shutdown: F) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve_tls_with(listener, tls, app, DEFAULT_HANDSHAKE_TIMEOUT, shutdown).await
}

/// Serves `app` over TLS with the default [`Limits`] but `handshake_timeout`; `serve` itself
/// uses [`serve`] with the configured limits, shared with the plain listener.
pub async fn serve_tls_with<F>(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    app: Router,
    handshake_timeout: Duration,
    shutdown: F,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let limits = Limits { handshake_timeout, ..Limits::default() };
    serve(listener, app, limits, Some(tls), shutdown).await
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real time (tokio's paused clock needs its `test-util` feature, a rebuild of everything
    // on top of tokio), so short durations with room for a slow machine.
    fn limits() -> Limits {
        Limits::new(Duration::from_millis(400), Duration::from_millis(1200), Duration::from_secs(10), 4)
    }

    #[tokio::test]
    async fn the_first_request_must_arrive_within_the_header_timeout_bytes_or_not() {
        let activity = Arc::new(Activity::new());
        assert_eq!(activity.deadline(&limits()), Some((400, "no request headers in time")));
        tokio::time::sleep(Duration::from_millis(200)).await;
        activity.read();
        // A drip does not push it back.
        assert_eq!(activity.deadline(&limits()).map(|d| d.0), Some(400));
        assert_eq!(activity.expired(&limits()).await, "no request headers in time");
        let waited = activity.opened.elapsed();
        assert!(waited >= Duration::from_millis(400) && waited < Duration::from_millis(1200), "{waited:?}");
    }

    #[tokio::test]
    async fn between_requests_the_idle_timeout_and_then_the_header_timeout_apply() {
        let activity = Arc::new(Activity::new());
        let request = activity.request_started();
        assert_eq!(activity.deadline(&limits()), None, "a request in flight is never cut here");
        tokio::time::sleep(Duration::from_millis(500)).await;
        drop(request);
        let free = activity.free_since.load(Ordering::SeqCst);
        assert!(free >= 500);
        assert_eq!(activity.deadline(&limits()), Some((free + 1200, "idle")));
        tokio::time::sleep(Duration::from_millis(100)).await;
        // The next request's first byte: its headers have 400 ms from now.
        activity.read();
        let started = activity.head_started.load(Ordering::SeqCst);
        assert!(started >= free + 100);
        assert_eq!(activity.deadline(&limits()), Some((started + 400, "request headers incomplete in time")));
        let _second = activity.request_started();
        assert_eq!(activity.deadline(&limits()), None);
    }

    #[tokio::test]
    async fn an_idle_connection_expires_after_the_idle_timeout_and_a_request_wakes_the_watchdog() {
        let activity = Arc::new(Activity::new());
        drop(activity.request_started());
        let watched = activity.clone();
        let watchdog = tokio::spawn(async move { watched.expired(&limits()).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        // A request in flight for longer than every timeout: not cut.
        let request = activity.request_started();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(!watchdog.is_finished());
        drop(request);
        let started = Instant::now();
        assert_eq!(watchdog.await.unwrap(), "idle");
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(1100) && waited < Duration::from_millis(2500), "{waited:?}");
    }

    #[tokio::test]
    async fn permits_are_shared_by_every_clone() {
        let limits = limits();
        let other = limits.clone();
        let _held = limits.connections.clone().try_acquire_owned().unwrap();
        assert_eq!(other.free_connections(), 3);
    }
}
