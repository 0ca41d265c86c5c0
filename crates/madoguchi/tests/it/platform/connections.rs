//! Slow clients and the connection cap, on both listeners (`madoguchi_web::listener::serve`,
//! the accept loop `serve` runs for plain HTTP and for TLS), with the whole application and the
//! limits of the test's `[server]` config; clients are raw TCP (and rustls) streams.

use crate::testkit::TestApp;
use chrono::Utc;
use madoguchi_core::Config;
use madoguchi_core::config::TlsSettings;
use madoguchi_web::listener::{self, Limits};
use madoguchi_web::tls;
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// The demo with short limits: 2 s for request headers, 3 s idle between requests, 3
/// connections at once.
pub fn short_limits() -> Config {
    let mut config = Config::demo().unwrap();
    config.server.header_read_timeout_seconds = 2;
    config.server.idle_timeout_seconds = 3;
    config.server.max_connections = 3;
    config
}

/// The application served by the listener under test on 127.0.0.1:0, plain or TLS.
pub struct Running {
    pub addr: SocketAddr,
    /// The TLS listener's self-signed certificate, for the client to trust.
    cert: Option<CertificateDer<'static>>,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub async fn start(app: &TestApp, tls: bool) -> Running {
        let limits = Limits::from_settings(&app.state.config.server);
        Running::with_limits(app, tls, limits).await
    }

    pub async fn with_limits(app: &TestApp, tls: bool, limits: Limits) -> Running {
        let (tls_config, cert) = if tls {
            let dir = crate::rokin::tls::temp_dir();
            let settings = TlsSettings {
                listen: "127.0.0.1:0".into(),
                cert: None,
                key: None,
                self_signed: true,
                handshake_timeout_seconds: 10,
            };
            let names = ["localhost".to_string(), "127.0.0.1".to_string()];
            let identity = tls::server_identity(&settings, &dir, &names, Utc::now()).unwrap();
            let cert = identity.chain[0].clone();
            let config = tls::server_config(identity.chain, identity.key, tls::hinted_certificates(&app.state.cas));
            (Some(Arc::new(config.unwrap())), Some(cert))
        } else {
            (None, None)
        };
        let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let router = app.router.clone();
        let done = tokio::spawn(listener::serve(socket, router, limits, tls_config, async {
            let _ = stopped.await;
        }));
        Running { addr, cert, stop: Some(stop), done }
    }

    /// A new connection: TCP, and the TLS handshake on the TLS listener.
    pub async fn connect(&self) -> Box<dyn Stream> {
        let tcp = TcpStream::connect(self.addr).await.unwrap();
        let Some(cert) = &self.cert else { return Box::new(tcp) };
        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert.clone()).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        Box::new(connector.connect(ServerName::try_from("127.0.0.1").unwrap(), tcp).await.unwrap())
    }

    /// One request on a new connection (`Connection: close`); the whole response as text.
    pub async fn exchange(&self, request: &str) -> String {
        let mut stream = self.connect().await;
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await;
        String::from_utf8_lossy(&response).into_owned()
    }

    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.done).await.expect("the listener stops").unwrap().unwrap();
    }
}

pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Reads until the server closes the connection (or `limit`); how long that took, and what came.
async fn until_closed(stream: &mut dyn Stream, limit: Duration) -> (Option<Duration>, String) {
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((started + limit).into(), stream.read(&mut buffer)).await {
            Err(_) => return (None, String::from_utf8_lossy(&seen).into_owned()),
            Ok(Ok(0)) | Ok(Err(_)) => return (Some(started.elapsed()), String::from_utf8_lossy(&seen).into_owned()),
            Ok(Ok(n)) => seen.extend_from_slice(&buffer[..n]),
        }
    }
}

const GET_HOME: &str = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_header_timeout_on_both_listeners() {
    let app = TestApp::with(short_limits(), None, true).await;
    for tls in [false, true] {
        let server = Running::start(&app, tls).await;
        // Open (on TLS: the handshake done) and silent.
        let mut idle = server.connect().await;
        let (closed, _) = until_closed(idle.as_mut(), Duration::from_secs(8)).await;
        let closed = closed.unwrap_or_else(|| panic!("tls={tls}: still open after 8 s"));
        assert!(closed >= Duration::from_millis(1500) && closed < Duration::from_secs(4), "tls={tls}: {closed:?}");
        server.stop().await;
    }
}

#[tokio::test]
async fn a_client_dripping_its_headers_is_cut_off_at_the_header_timeout_on_both_listeners() {
    let app = TestApp::with(short_limits(), None, true).await;
    for tls in [false, true] {
        let server = Running::start(&app, tls).await;
        let mut drip = server.connect().await;
        let started = Instant::now();
        // One byte a second of headers that would take 30 s to finish.
        let head = format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: {}\r\n\r\n", "a".repeat(30));
        let mut cut = None;
        for byte in head.as_bytes() {
            if drip.write_all(&[*byte]).await.is_err() || drip.flush().await.is_err() {
                cut = Some(started.elapsed());
                break;
            }
            // The server's close shows as EOF on read before a write fails.
            let mut probe = [0u8; 64];
            match tokio::time::timeout(Duration::from_secs(1), drip.read(&mut probe)).await {
                Ok(Ok(0)) | Ok(Err(_)) => {
                    cut = Some(started.elapsed());
                    break;
                }
                Ok(Ok(n)) => {
                    panic!("tls={tls}: an answer to half a request: {:?}", String::from_utf8_lossy(&probe[..n]))
                }
                Err(_) => {}
            }
            if started.elapsed() > Duration::from_secs(10) {
                break;
            }
        }
        let cut = cut.unwrap_or_else(|| panic!("tls={tls}: still open after 10 s of dripping"));
        assert!(cut >= Duration::from_millis(1500) && cut < Duration::from_secs(5), "tls={tls}: {cut:?}");
        server.stop().await;
    }
}

#[tokio::test]
async fn between_requests_a_connection_waits_the_idle_timeout_then_closes() {
    let app = TestApp::with(short_limits(), None, true).await;
    for tls in [false, true] {
        let server = Running::start(&app, tls).await;
        let mut stream = server.connect().await;
        stream.write_all(GET_HOME.as_bytes()).await.unwrap();
        let mut answer = [0u8; 1024];
        let n = stream.read(&mut answer).await.unwrap();
        assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"), "tls={tls}");
        // Kept alive: a second request on the same connection after 2 s (more than the header
        // timeout, less than the idle timeout) is answered.
        tokio::time::sleep(Duration::from_secs(2)).await;
        stream.write_all(GET_HOME.as_bytes()).await.unwrap();
        let n = stream.read(&mut answer).await.unwrap();
        assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"), "tls={tls}");
        let (closed, _) = until_closed(stream.as_mut(), Duration::from_secs(8)).await;
        let closed = closed.unwrap_or_else(|| panic!("tls={tls}: still open after 8 s idle"));
        assert!(closed >= Duration::from_millis(2500) && closed < Duration::from_secs(5), "tls={tls}: {closed:?}");
        server.stop().await;
    }
}

#[tokio::test]
async fn at_the_connection_cap_a_new_client_waits_until_one_leaves() {
    let app = TestApp::with(short_limits(), None, true).await;
    // Both listeners share the cap of 3.
    let limits = Limits::from_settings(&app.state.config.server);
    let plain = Running::with_limits(&app, false, limits.clone()).await;
    let secure = Running::with_limits(&app, true, limits.clone()).await;
    let first = plain.connect().await;
    let _second = plain.connect().await;
    let _third = secure.connect().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(limits.free_connections(), 0);

    let fourth = tokio::spawn({
        let addr = plain.addr;
        async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").await.unwrap();
            let started = Instant::now();
            let mut response = Vec::new();
            stream.read_to_end(&mut response).await.unwrap();
            (started.elapsed(), String::from_utf8_lossy(&response).into_owned())
        }
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!fourth.is_finished(), "the fourth connection was served beyond the cap");
    drop(first);
    let (waited, response) = tokio::time::timeout(Duration::from_secs(5), fourth).await.expect("served").unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(waited >= Duration::from_millis(500) && waited < Duration::from_millis(1800), "{waited:?}");
    plain.stop().await;
    secure.stop().await;
}
