//! The TLS listener and the client certificate as handlers see it: real handshakes through
//! `madoguchi_web::listener::serve_tls` with certificates from `madoguchi_ca` (rustls client and
//! Debian's curl with the `.p12`), the proxy header, the self-signed server certificate, and
//! `serve` itself on two listeners.

use crate::testkit::{self, TestApp};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, Version};
use axum::routing::get;
use chrono::Utc;
use madoguchi_ca::{Authority, ClientProfile, Serial};
use madoguchi_core::Config;
use madoguchi_core::config::TlsSettings;
use madoguchi_web::client_cert::{self, PeerCertificate};
use madoguchi_web::tls;
use rustls::client::ResolvesClientCert;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, RootCertStore, SignatureScheme};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tower::ServiceExt;

const P12_PASSWORD: &str = "Rokin-Pass1";

pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("madoguchi-tests").join(format!("tls-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A rokin-like CA in a directory of its own.
fn authority(dir: &Path) -> Authority {
    Authority::open_or_create(&dir.join("ca"), "rokin", "ROKIN Koujyo Web System CA", None, Utc::now()).unwrap()
}

/// A client certificate as the user gets it: the `.p12`, opened as a browser would.
struct ClientCert {
    der: Vec<u8>,
    pem: String,
    key: Vec<u8>,
    p12: Vec<u8>,
}

fn issue(ca: &Authority, user: &str) -> ClientCert {
    let profile = ClientProfile::with_suffix("ROKIN Koujyo Web System", 366);
    let issued = ca.issue_client(user, &profile, &Serial::random().unwrap(), Utc::now(), P12_PASSWORD).unwrap();
    let store = p12_keystore::KeyStore::from_pkcs12(&issued.p12_bytes, P12_PASSWORD, Default::default()).unwrap();
    let (_, chain) = store.private_key_chain().unwrap();
    assert_eq!(chain.certs()[0].as_der(), issued.certificate_der.as_slice());
    ClientCert {
        der: issued.certificate_der.clone(),
        pem: issued.certificate_pem.clone(),
        key: chain.key().as_der().to_vec(),
        p12: issued.p12_bytes,
    }
}

/// What the handler saw: the certificate (hex DER or `none`), the peer address, the HTTP
/// version, and whether the proxy header was still there.
async fn echo(
    cert: Option<PeerCertificate>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    version: Version,
    headers: HeaderMap,
) -> String {
    let cert = cert.map(|c| hex::encode(c.der())).unwrap_or_else(|| "none".into());
    format!("{cert}|{}|{version:?}|{}", peer.ip(), headers.contains_key("x-ssl-client-cert"))
}

/// Takes a while, to be in flight when the server is told to stop.
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(400)).await;
    "finished"
}

fn echo_router() -> Router {
    Router::new().route("/echo", get(echo)).route("/slow", get(slow))
}

/// A TLS server on 127.0.0.1:0 serving `router` through the accept loop under test.
pub struct Server {
    pub addr: SocketAddr,
    /// The server certificate, for the client to trust.
    cert: CertificateDer<'static>,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    pub async fn start(ca: &Authority, dir: &Path, router: Router, handshake_timeout: Duration) -> Server {
        let settings = TlsSettings {
            listen: "127.0.0.1:0".into(),
            cert: None,
            key: None,
            self_signed: true,
            handshake_timeout_seconds: 10,
        };
        let identity =
            tls::server_identity(&settings, dir, &["localhost".into(), "127.0.0.1".into()], Utc::now()).unwrap();
        let cert = identity.chain[0].clone();
        let config = tls::server_config(identity.chain, identity.key, ca.trust_anchors_der()).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(madoguchi_web::listener::serve_tls_with(
            listener,
            Arc::new(config),
            router,
            handshake_timeout,
            async {
                let _ = stopped.await;
            },
        ));
        Server { addr, cert, stop: Some(stop), done }
    }

    pub async fn stop(mut self) -> Duration {
        let started = Instant::now();
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(5), self.done).await.expect("the accept loop stops").unwrap().unwrap();
        started.elapsed()
    }
}

/// What the client presents, and the CA names the server asked for.
#[derive(Debug, Default)]
struct Presenting {
    key: Option<Arc<CertifiedKey>>,
    hints: Mutex<Vec<Vec<u8>>>,
}

impl ResolvesClientCert for Presenting {
    fn resolve(&self, root_hint_subjects: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        *self.hints.lock().unwrap() = root_hint_subjects.iter().map(|s| s.to_vec()).collect();
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        self.key.is_some()
    }
}

impl Presenting {
    fn nothing() -> Arc<Presenting> {
        Arc::new(Presenting::default())
    }

    /// `cert` with `key`; they need not belong together (that is the point of one test).
    fn cert(cert: &[u8], key: &[u8]) -> Arc<Presenting> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_vec()));
        let signer = provider().key_provider.load_private_key(key).unwrap();
        let certified = CertifiedKey::new(vec![CertificateDer::from(cert.to_vec())], signer);
        Arc::new(Presenting { key: Some(Arc::new(certified)), hints: Mutex::default() })
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Http {
    One,
    Two,
}

struct Client {
    config: Arc<ClientConfig>,
}

impl Client {
    fn new(server: &Server, presenting: Arc<Presenting>, http: Http, tls12: bool) -> Client {
        let mut roots = RootCertStore::empty();
        roots.add(server.cert.clone()).unwrap();
        let versions: &[&rustls::SupportedProtocolVersion] =
            if tls12 { &[&rustls::version::TLS12] } else { &[&rustls::version::TLS13] };
        let mut config = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_client_cert_resolver(presenting);
        config.alpn_protocols = vec![match http {
            Http::One => b"http/1.1".to_vec(),
            Http::Two => b"h2".to_vec(),
        }];
        Client { config: Arc::new(config) }
    }

    /// One request on a new connection; `Err` when the handshake or the request fails.
    async fn get(
        &self,
        addr: SocketAddr,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<(StatusCode, String), String> {
        let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let connector = tokio_rustls::TlsConnector::from(self.config.clone());
        let name = ServerName::try_from("127.0.0.1").unwrap();
        let stream = connector.connect(name, tcp).await.map_err(|e| format!("handshake: {e}"))?;
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        let io = hyper_util::rt::TokioIo::new(stream);
        let mut request = Request::get(format!("https://127.0.0.1:{}{path}", addr.port()));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = if h2 {
            let (mut sender, connection) =
                hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
                    .await
                    .map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            sender.send_request(request.body(Body::empty()).unwrap()).await
        } else {
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(io).await.map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            let request = request.header("host", format!("127.0.0.1:{}", addr.port()));
            sender.send_request(request.body(Body::empty()).unwrap()).await
        }
        .map_err(|e| format!("request: {e}"))?;
        let status = response.status();
        let body = axum::body::to_bytes(Body::new(response.into_body()), 1 << 20).await.map_err(|e| e.to_string())?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

fn seen(body: &str) -> (String, String, String, String) {
    let parts: Vec<&str> = body.split('|').collect();
    assert_eq!(parts.len(), 4, "{body}");
    (parts[0].into(), parts[1].into(), parts[2].into(), parts[3].into())
}

#[tokio::test]
async fn the_handler_sees_the_exact_certificate_over_http1_and_http2_and_tls12() {
    let dir = temp_dir();
    let ca = authority(&dir);
    let user = issue(&ca, "sampleusr123");
    let server = Server::start(&ca, &dir, echo_router(), tls::DEFAULT_HANDSHAKE_TIMEOUT).await;
    for (http, tls12, version) in
        [(Http::Two, false, "HTTP/2.0"), (Http::One, false, "HTTP/1.1"), (Http::One, true, "HTTP/1.1")]
    {
        let presenting = Presenting::cert(&user.der, &user.key);
        let client = Client::new(&server, presenting.clone(), http, tls12);
        let (status, body) = client.get(server.addr, "/echo", &[]).await.unwrap();
        assert_eq!(status, StatusCode::OK);
        let (cert, peer, seen_version, _) = seen(&body);
        assert_eq!(cert, hex::encode(&user.der), "{http:?} tls12={tls12}");
        assert_eq!((peer.as_str(), seen_version.as_str()), ("127.0.0.1", version));
        // The server named our CA, so that browsers offer only its certificates.
        let hints = presenting.hints.lock().unwrap().clone();
        let (_, ca_cert) = x509_parser::parse_x509_certificate(ca.ca_certificate_der()).unwrap();
        assert_eq!(hints, vec![ca_cert.subject().as_raw().to_vec()]);
    }
    server.stop().await;
}

#[tokio::test]
async fn without_a_certificate_the_handler_sees_none() {
    let dir = temp_dir();
    let ca = authority(&dir);
    let server = Server::start(&ca, &dir, echo_router(), tls::DEFAULT_HANDSHAKE_TIMEOUT).await;
    for http in [Http::One, Http::Two] {
        let client = Client::new(&server, Presenting::nothing(), http, false);
        let (status, body) = client.get(server.addr, "/echo", &[]).await.unwrap();
        assert_eq!((status, seen(&body).0.as_str()), (StatusCode::OK, "none"));
    }
    server.stop().await;
}

#[tokio::test]
async fn expired_and_foreign_certificates_pass_the_handshake_for_the_application_to_judge() {
    let dir = temp_dir();
    let ca = authority(&dir);
    let foreign_dir = temp_dir();
    let foreign = issue(&authority(&foreign_dir), "sampleusr123");
    // Issued 400 days ago with a 366-day life: expired.
    let old = Authority::open_or_create(
        &dir.join("ca-old"),
        "rokin",
        "ROKIN Koujyo Web System CA",
        None,
        Utc::now() - chrono::TimeDelta::days(400),
    )
    .unwrap();
    let profile = ClientProfile::with_suffix("ROKIN Koujyo Web System", 366);
    let issued = old
        .issue_client("olduser01", &profile, &Serial::random().unwrap(), Utc::now() - chrono::TimeDelta::days(400), "x")
        .unwrap();
    let store = p12_keystore::KeyStore::from_pkcs12(&issued.p12_bytes, "x", Default::default()).unwrap();
    let expired_key = store.private_key_chain().unwrap().1.key().as_der().to_vec();

    let server = Server::start(&ca, &dir, echo_router(), tls::DEFAULT_HANDSHAKE_TIMEOUT).await;
    for (cert, key) in [(&foreign.der, &foreign.key), (&issued.certificate_der, &expired_key)] {
        let client = Client::new(&server, Presenting::cert(cert, key), Http::Two, false);
        let (_, body) = client.get(server.addr, "/echo", &[]).await.unwrap();
        assert_eq!(seen(&body).0, hex::encode(cert));
        // …and the application refuses it at login.
        assert!(ca.verify_client(cert, &[], Utc::now()).is_err());
    }
    server.stop().await;
}

#[tokio::test]
async fn a_certificate_presented_without_its_key_fails_the_handshake() {
    let dir = temp_dir();
    let ca = authority(&dir);
    let a = issue(&ca, "userAAAA01");
    let b = issue(&ca, "userBBBB01");
    let server = Server::start(&ca, &dir, echo_router(), tls::DEFAULT_HANDSHAKE_TIMEOUT).await;
    for tls12 in [false, true] {
        for http in [Http::One, Http::Two] {
            // A's certificate, signed for with B's key: the CertificateVerify does not match.
            let client = Client::new(&server, Presenting::cert(&a.der, &b.key), http, tls12);
            let result = client.get(server.addr, "/echo", &[]).await;
            assert!(result.is_err(), "tls12={tls12} {http:?}: {result:?}");
        }
    }
    // The loop goes on serving.
    let client = Client::new(&server, Presenting::cert(&a.der, &a.key), Http::One, false);
    assert_eq!(seen(&client.get(server.addr, "/echo", &[]).await.unwrap().1).0, hex::encode(&a.der));
    server.stop().await;
}

#[tokio::test]
async fn a_silent_client_is_dropped_after_the_handshake_timeout_and_garbage_does_not_stop_the_loop() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = temp_dir();
    let ca = authority(&dir);
    let server = Server::start(&ca, &dir, echo_router(), Duration::from_millis(300)).await;

    let started = Instant::now();
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let mut buffer = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buffer)).await.expect("closed in time");
    assert!(matches!(read, Ok(0)) || read.is_err(), "{read:?}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(250) && waited < Duration::from_secs(3), "{waited:?}");

    let mut garbage = TcpStream::connect(server.addr).await.unwrap();
    garbage.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(5), garbage.read(&mut buffer)).await.expect("answered or closed");

    let client = Client::new(&server, Presenting::nothing(), Http::Two, false);
    assert_eq!(client.get(server.addr, "/echo", &[]).await.unwrap().0, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_the_request_in_flight_finish_then_returns() {
    let dir = temp_dir();
    let ca = authority(&dir);
    for http in [Http::One, Http::Two] {
        let server = Server::start(&ca, &dir, echo_router(), tls::DEFAULT_HANDSHAKE_TIMEOUT).await;
        let client = Client::new(&server, Presenting::nothing(), http, false);
        let addr = server.addr;
        let in_flight = tokio::spawn(async move { client.get(addr, "/slow", &[]).await });
        tokio::time::sleep(Duration::from_millis(150)).await;
        let took = server.stop().await;
        assert_eq!(in_flight.await.unwrap().unwrap(), (StatusCode::OK, "finished".to_string()), "{http:?}");
        assert!(took >= Duration::from_millis(150), "{http:?}: stopped before the request finished ({took:?})");
        // No new connections after that.
        assert!(TcpStream::connect(addr).await.is_err());
    }
}

/// Debian's curl (OpenSSL) with the `.p12` exactly as the user downloads it.
#[tokio::test]
async fn curl_presents_the_p12_and_the_handler_sees_its_certificate() {
    let dir = temp_dir();
    let ca = authority(&dir);
    let user = issue(&ca, "sampleusr123");
    let p12 = dir.join("sampleusr123.p12");
    std::fs::write(&p12, &user.p12).unwrap();
    let server = Server::start(&ca, &dir, echo_router(), tls::DEFAULT_HANDSHAKE_TIMEOUT).await;
    let url = format!("https://127.0.0.1:{}/echo", server.addr.port());
    let cert_arg = format!("{}:{P12_PASSWORD}", p12.display());
    for (args, expected_cert, version) in [
        (vec!["--cert", cert_arg.as_str(), "--cert-type", "P12"], hex::encode(&user.der), "HTTP/2.0"),
        (vec!["--http1.1", "--cert", cert_arg.as_str(), "--cert-type", "P12"], hex::encode(&user.der), "HTTP/1.1"),
        (vec![], "none".to_string(), "HTTP/2.0"),
    ] {
        let out = tokio::process::Command::new("curl")
            .args(["-sS", "-k", "--max-time", "10"])
            .args(&args)
            .arg(&url)
            .output()
            .await
            .expect("curl is installed (.ci/run installs it)");
        assert!(out.status.success(), "curl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let (cert, _, seen_version, _) = seen(&String::from_utf8_lossy(&out.stdout));
        assert_eq!((cert, seen_version.as_str()), (expected_cert, version), "curl {args:?}");
    }
    server.stop().await;
}

// ---- the reverse proxy's header ----

fn settings_trusting(proxies: &[&str]) -> madoguchi_core::config::ServerSettings {
    madoguchi_core::config::ServerSettings {
        trusted_proxies: proxies.iter().map(|p| p.to_string()).collect(),
        ..Default::default()
    }
}

/// One request from `peer` through `router`, as testkit sends them (ConnectInfo set as the
/// plain listener does).
async fn from_peer(router: &Router, peer: &str, headers: &[(&str, &str)]) -> (StatusCode, String) {
    let mut request = Request::get("/echo");
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut request = request.body(Body::empty()).unwrap();
    let addr: SocketAddr =
        format!("{peer}:50000").parse().unwrap_or_else(|_| format!("[{peer}]:50000").parse().unwrap());
    request.extensions_mut().insert(ConnectInfo(addr));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// nginx's `$ssl_client_escaped_cert`: the PEM, URL-escaped.
fn escaped(pem: &str) -> String {
    percent_encoding::utf8_percent_encode(pem, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn a_trusted_proxy_passes_the_certificate_and_nobody_else_can() {
    let dir = temp_dir();
    let ca = authority(&dir);
    let user = issue(&ca, "sampleusr123");
    let header = escaped(&user.pem);
    let router = client_cert::from_proxies(echo_router(), &settings_trusting(&["127.0.0.1/32", "10.0.0.0/8"]));
    let cert_hex = hex::encode(&user.der);

    // nginx on the same host or in the trusted network.
    for proxy in ["127.0.0.1", "10.1.2.3", "::ffff:127.0.0.1"] {
        let (status, body) = from_peer(&router, proxy, &[("X-SSL-Client-Cert", &header)]).await;
        let (cert, _, _, header_left) = seen(&body);
        assert_eq!(
            (status, cert.as_str(), header_left.as_str()),
            (StatusCode::OK, cert_hex.as_str(), "false"),
            "{proxy}"
        );
    }
    // A browser elsewhere sending the same header gets nothing, and the header is gone.
    for stranger in ["198.18.0.9", "127.0.0.2", "::1"] {
        let (status, body) = from_peer(&router, stranger, &[("X-SSL-Client-Cert", &header)]).await;
        let (cert, _, _, header_left) = seen(&body);
        assert_eq!((status, cert.as_str(), header_left.as_str()), (StatusCode::OK, "none", "false"), "{stranger}");
    }
    // From the proxy: no certificate (nginx sends an empty value), garbage, or the header twice.
    for headers in [
        vec![("X-SSL-Client-Cert", "")],
        vec![("X-SSL-Client-Cert", "not%20a%20certificate")],
        vec![("X-SSL-Client-Cert", header.as_str()), ("X-SSL-Client-Cert", header.as_str())],
    ] {
        let (status, body) = from_peer(&router, "127.0.0.1", &headers).await;
        assert_eq!((status, seen(&body).0.as_str()), (StatusCode::OK, "none"), "{headers:?}");
    }
    // Nothing trusted by default.
    let router = client_cert::from_proxies(echo_router(), &settings_trusting(&[]));
    let (_, body) = from_peer(&router, "127.0.0.1", &[("X-SSL-Client-Cert", &header)]).await;
    assert_eq!(seen(&body).0, "none");
    // Another header name when configured.
    let mut settings = settings_trusting(&["127.0.0.1/32"]);
    settings.client_cert_header = "X-Client-Cert".into();
    let router = client_cert::from_proxies(echo_router(), &settings);
    let (_, body) = from_peer(&router, "127.0.0.1", &[("X-Client-Cert", &header)]).await;
    assert_eq!(seen(&body).0, cert_hex);
}

#[tokio::test]
async fn on_our_own_tls_listener_the_header_never_replaces_the_handshake() {
    let dir = temp_dir();
    let ca = authority(&dir);
    let a = issue(&ca, "userAAAA01");
    let b = issue(&ca, "userBBBB01");
    // Even with 127.0.0.1 trusted, a TLS client on 127.0.0.1 cannot name another certificate.
    let router = client_cert::from_proxies(echo_router(), &settings_trusting(&["127.0.0.1/32"]));
    let server = Server::start(&ca, &dir, router, tls::DEFAULT_HANDSHAKE_TIMEOUT).await;
    let forged = escaped(&b.pem);
    let client = Client::new(&server, Presenting::nothing(), Http::Two, false);
    let (_, body) = client.get(server.addr, "/echo", &[("x-ssl-client-cert", &forged)]).await.unwrap();
    assert_eq!((seen(&body).0.as_str(), seen(&body).3.as_str()), ("none", "false"));
    let client = Client::new(&server, Presenting::cert(&a.der, &a.key), Http::One, false);
    let (_, body) = client.get(server.addr, "/echo", &[("x-ssl-client-cert", &forged)]).await.unwrap();
    assert_eq!(seen(&body).0, hex::encode(&a.der));
    server.stop().await;
}

#[tokio::test]
async fn the_app_holds_the_rokin_ca_and_keeps_it_across_a_restart() {
    let mut config = Config::demo().unwrap();
    config.server.trusted_proxies = vec!["127.0.0.1/32".into()];
    let database = testkit::fresh_database().await;
    let app = TestApp::on_database(config.clone(), None, true, database.clone()).await;
    let ca = app.state.ca("rokin").expect("rokin's second factor is a client certificate");
    assert!(app.state.ca("shaho").is_none() && app.state.ca("hellowork").is_none());
    let dir = tls::ca_dir(&app.state.config, "rokin");
    assert_eq!(ca.cert_path(), dir.join("ca.crt"));
    assert!(dir.ends_with("ca/rokin"));
    let user = issue(ca, "sampleusr123");
    let der = ca.ca_certificate_der().to_vec();

    // The whole app with the proxy layer: a stranger's header changes nothing visible.
    let page = app.browser().get_with("/rokin/", &[("X-SSL-Client-Cert", &escaped(&user.pem))]).await;
    assert_eq!(page.status, StatusCode::OK);

    // A restart on the same database opens the same CA, which still knows its certificate.
    let again = TestApp::on_database(config, None, true, database).await;
    let reopened = again.state.ca("rokin").unwrap();
    assert_eq!(reopened.ca_certificate_der(), der.as_slice());
    assert!(reopened.verify_client(&user.der, &[], Utc::now()).is_ok());
}

// ---- the server certificate ----

#[test]
fn a_self_signed_certificate_is_made_at_first_start_and_reused_after() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir().join("data");
    let settings = TlsSettings {
        listen: "127.0.0.1:8443".into(),
        cert: None,
        key: None,
        self_signed: true,
        handshake_timeout_seconds: 10,
    };
    let text = "[server]\npublic_url = \"https://portal.example.jp/\"\n[[portal]]\npreset = \"rokin\"\nhost = \"rokin.example.jp\"\n";
    let names = tls::self_signed_names(&Config::parse("x.toml", text).unwrap());
    assert_eq!(names, ["localhost", "127.0.0.1", "::1", "portal.example.jp", "rokin.example.jp"]);

    let first = tls::server_identity(&settings, &dir, &names, Utc::now()).unwrap();
    assert!(first.created);
    assert_eq!(first.cert_path, dir.join("tls/server.crt"));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(&first.key_path), mode(&dir.join("tls"))), (0o600, 0o700));
    let (_, cert) = x509_parser::parse_x509_certificate(&first.chain[0]).unwrap();
    let san = cert
        .subject_alternative_name()
        .unwrap()
        .unwrap()
        .value
        .general_names
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>();
    assert_eq!(
        san,
        [
            "DNSName(localhost)",
            "IPAddress(7f:00:00:01)",
            "IPAddress(00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01)",
            "DNSName(portal.example.jp)",
            "DNSName(rokin.example.jp)"
        ]
    );
    let days = (first.not_after - Utc::now()).num_days();
    assert!((823..=825).contains(&days), "{days}");
    // The pair works for TLS.
    tls::server_config(first.chain.clone(), first.key.clone_key(), std::iter::empty()).unwrap();

    let bytes = std::fs::read(&first.cert_path).unwrap();
    let second = tls::server_identity(&settings, &dir, &names, Utc::now()).unwrap();
    assert!(!second.created);
    assert_eq!((second.chain, std::fs::read(&second.cert_path).unwrap()), (first.chain, bytes));

    // A lone key is never overwritten; without self_signed, missing files are an error.
    std::fs::remove_file(&first.cert_path).unwrap();
    let e = tls::server_identity(&settings, &dir, &names, Utc::now()).unwrap_err().to_string();
    assert!(e.contains("server.key exists but") && e.contains("server.crt does not"), "{e}");
    let strict = TlsSettings {
        self_signed: false,
        cert: Some(dir.join("none.crt")),
        key: Some(dir.join("none.key")),
        ..settings
    };
    let e = tls::server_identity(&strict, &dir, &names, Utc::now()).unwrap_err().to_string();
    assert!(e.contains("none.crt") && e.contains("does not exist"), "{e}");
}

/// `serve` itself: the demo's two listeners, the certificate made at first start (path in
/// the log) and reused at the second, and a clean stop on SIGTERM.
#[tokio::test]
async fn serve_runs_http_and_https_and_makes_its_certificate_once() {
    let dir = temp_dir();
    let free = || std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (http, https) = (free(), free());
    let database = format!("sqlite://{}", dir.join("db.sqlite").display());
    let run = |first: bool| {
        let dir = dir.clone();
        let database = database.clone();
        async move {
            let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_madoguchi"))
                .args([
                    "serve",
                    "--listen",
                    &format!("127.0.0.1:{http}"),
                    "--tls-listen",
                    &format!("127.0.0.1:{https}"),
                ])
                .args(["--database", &database])
                .current_dir(&dir)
                .env("RUST_LOG", "info")
                .env_remove("MADOGUCHI_CONFIG")
                // The log goes to standard output.
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(30);
            let https_ready = loop {
                let out = tokio::process::Command::new("curl")
                    .args(["-sk", "--max-time", "2", &format!("https://127.0.0.1:{https}/readyz")])
                    .output()
                    .await
                    .expect("curl is installed");
                if out.status.success() && out.stdout == b"ready" {
                    break true;
                }
                if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
                    break false;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            let plain = tokio::process::Command::new("curl")
                .args(["-s", "--max-time", "2", &format!("http://127.0.0.1:{http}/readyz")])
                .output()
                .await
                .unwrap();
            let pid = child.id().unwrap().to_string();
            let _ = std::process::Command::new("kill").args(["-TERM", &pid]).status();
            let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("stops").unwrap();
            let mut log = String::new();
            use tokio::io::AsyncReadExt;
            child.stdout.take().unwrap().read_to_string(&mut log).await.unwrap();
            child.stderr.take().unwrap().read_to_string(&mut log).await.unwrap();
            assert!(https_ready, "https did not come up (first={first}):\n{log}");
            assert_eq!(plain.stdout, b"ready");
            assert!(status.success(), "exit {status:?}:\n{log}");
            log
        }
    };
    let first = run(true).await;
    assert!(
        first.contains("made a self-signed TLS server certificate") && first.contains("data/tls/server.crt"),
        "{first}"
    );
    assert!(first.contains(&format!("serving https://127.0.0.1:{https}/")), "{first}");
    let cert = std::fs::read(dir.join("data/tls/server.crt")).unwrap();
    let ca = std::fs::read(dir.join("data/ca/rokin/ca.crt")).unwrap();
    let second = run(false).await;
    assert!(!second.contains("made a self-signed"), "{second}");
    assert_eq!(std::fs::read(dir.join("data/tls/server.crt")).unwrap(), cert);
    assert_eq!(std::fs::read(dir.join("data/ca/rokin/ca.crt")).unwrap(), ca);
}
