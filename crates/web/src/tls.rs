//! TLS termination in `serve` (`[server.tls]`, docs/TLS.md): the portal CAs, the client
//! certificate verifier, the server certificate, and the accept loop.
//!
//! * [`open_authorities`] opens (or creates) the CA of every portal whose second factor is
//!   a client certificate, in [`ca_dir`]; the state keeps them ([`crate::AppState::ca`]).
//! * [`OptionalClientCert`] asks every TLS client for a certificate issued by one of those
//!   CAs, without requiring one, and without judging the one it gets (see there why).
//! * [`server_identity`] reads the server certificate and key, or makes a self-signed pair at
//!   first start.
//! * [`crate::listener::serve_tls`] serves an axum [`Router`] on a TCP listener through rustls, HTTP/1.1 and
//!   HTTP/2, with `ConnectInfo` and `PeerCertificate` in every request: the accept loop
//!   of [`crate::listener`], which the plain listener shares.

use chrono::{DateTime, TimeDelta, Utc};
use madoguchi_ca::{Authority, CaError, private_files};
use madoguchi_core::Config;
use madoguchi_core::config::TlsSettings;
use madoguchi_core::portal::SecondFactor;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig, SignatureScheme};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Environment variable holding the passphrase of the CA keys (docs/CA.md), if they have one.
pub const CA_PASSPHRASE_ENV: &str = "MADOGUCHI_CA_PASSPHRASE";

/// The CAs of the portals whose second factor is a client certificate, by portal id.
pub type Authorities = BTreeMap<String, Arc<Authority>>;

/// Validity of a self-signed server certificate: 825 days, the longest Apple platforms
/// accept for a TLS server certificate of any CA.
const SELF_SIGNED_DAYS: i64 = 825;

/// Used by [`crate::listener::serve_tls`]: a client that has not finished the handshake by then is dropped.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

// The state shares the authorities between request tasks.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Authority>();
};

/// Why the TLS listener or a CA cannot start. Each names the file or the portal.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("the certificate authority of /{portal}/ (in {})", dir.display())]
    Ca {
        portal: String,
        dir: PathBuf,
        #[source]
        source: Box<CaError>,
    },
    #[error("{}: {reason}", path.display())]
    File { path: PathBuf, reason: String },
    #[error("{}", incomplete_message(present, missing, *self_signed))]
    Incomplete { present: PathBuf, missing: PathBuf, self_signed: bool },
    #[error("the self-signed server certificate cannot be made: {0}")]
    SelfSigned(String),
    #[error("the TLS configuration is refused: {0}")]
    Rustls(#[from] rustls::Error),
}

fn incomplete_message(present: &Path, missing: &Path, self_signed: bool) -> String {
    let advice = if self_signed {
        format!("restore it, or delete {} to have a new self-signed pair made", present.display())
    } else {
        "restore it from the backup".to_string()
    };
    format!("{} exists but {} does not: {advice}", present.display(), missing.display())
}

/// Where the CA of `portal_id` lives: `<data_dir>/ca/<portal_id>/`.
pub fn ca_dir(config: &Config, portal_id: &str) -> PathBuf {
    config.server.data_dir.join("ca").join(portal_id)
}

/// Opens the CA of every portal with `second_factor.kind = "client_certificate"`, creating
/// it at first start (`CN=<subject_suffix> CA`). `passphrase`: from [`CA_PASSPHRASE_ENV`].
pub fn open_authorities(
    config: &Config,
    passphrase: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Authorities, TlsSetupError> {
    let mut authorities = Authorities::new();
    for portal in &config.portals {
        let SecondFactor::ClientCertificate { subject_suffix, .. } = &portal.settings.second_factor else {
            continue;
        };
        let dir = ca_dir(config, &portal.id);
        let common_name = format!("{subject_suffix} CA");
        let ca = Authority::open_or_create(&dir, &portal.id, &common_name, passphrase, now).map_err(|source| {
            TlsSetupError::Ca { portal: portal.id.clone(), dir: dir.clone(), source: Box::new(source) }
        })?;
        let not_after = ca.not_after().to_rfc3339();
        tracing::info!(portal = %portal.id, cert = %ca.cert_path().display(), %not_after, "certificate authority ready");
        // Issuance stops in the CA's last year (a client certificate may not outlive it).
        if ca.not_after() - now < TimeDelta::days(365) {
            tracing::warn!(
                portal = %portal.id, %not_after,
                "the certificate authority ends within a year and no longer issues: rotate it (docs/CA.md)"
            );
        }
        authorities.insert(portal.id.clone(), Arc::new(ca));
    }
    Ok(authorities)
}

/// Asks every TLS client for a certificate, hinting the portal CAs, and lets it through
/// with or without one.
///
/// * **Not mandatory**: other portals share the listener, and a browser without a
///   certificate must reach the page that says how to get one.
/// * **Any chain is accepted at the TLS layer.** An expired, revoked or foreign certificate
///   rejected in the handshake would show the user a browser error ("ERR_BAD_SSL_CLIENT_AUTH_CERT")
///   instead of a page that explains and links to 電子証明書発行. The application checks issuer,
///   validity and revocation with `madoguchi_ca::Authority::verify_client` at every login.
/// * **Possession is proved here.** The handshake signature (CertificateVerify) is checked
///   with rustls's own `verify_tls12_signature` / `verify_tls13_signature` over the ring
///   provider's algorithms, so a client cannot present a certificate whose key it lacks.
/// * **Hints** (`certificate_authorities`) name the CA subjects, current and retired, so a
///   browser offers only certificates of these CAs (Chromium's picker and its
///   `AutoSelectCertificateForUrls` policy filter by them).
#[derive(Debug)]
pub struct OptionalClientCert {
    hints: Vec<DistinguishedName>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl OptionalClientCert {
    /// Hints the subjects of `ca_certificates` (DER), with the provider's signature algorithms.
    pub fn new<'a>(
        ca_certificates: impl IntoIterator<Item = &'a [u8]>,
        provider: &CryptoProvider,
    ) -> Result<OptionalClientCert, TlsSetupError> {
        let mut roots = RootCertStore::empty();
        for der in ca_certificates {
            roots.add(CertificateDer::from(der.to_vec()))?;
        }
        Ok(OptionalClientCert { hints: roots.subjects(), algorithms: provider.signature_verification_algorithms })
    }
}

impl ClientCertVerifier for OptionalClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        // Judged by the application at login: see the type's documentation.
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The rustls configuration of the TLS listener: ring, TLS 1.2 and 1.3, ALPN h2 and
/// http/1.1, the server's certificate chain and key, and [`OptionalClientCert`] hinting
/// `ca_certificates` (DER).
pub fn server_config<'a>(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    ca_certificates: impl IntoIterator<Item = &'a [u8]>,
) -> Result<ServerConfig, TlsSetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = OptionalClientCert::new(ca_certificates, &provider)?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::DEFAULT_VERSIONS)?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Every CA certificate the listener hints: each portal's current and retired ones.
pub fn hinted_certificates(authorities: &Authorities) -> impl Iterator<Item = &[u8]> {
    authorities.values().flat_map(|ca| ca.trust_anchors_der())
}

/// The server's certificate chain and key, and where they are.
pub struct ServerIdentity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    /// Made self-signed just now, rather than read.
    pub created: bool,
    /// The leaf's `notAfter`.
    pub not_after: DateTime<Utc>,
}

impl std::fmt::Debug for ServerIdentity {
    // The key stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("cert_path", &self.cert_path)
            .field("key_path", &self.key_path)
            .field("created", &self.created)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// The names a self-signed certificate is made for: `localhost`, `127.0.0.1`, `::1`, the
/// host of `public_url` and every portal's `host`.
pub fn self_signed_names(config: &Config) -> Vec<String> {
    let mut names: Vec<String> = ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec();
    let public_host = config.server.public_url.as_deref().and_then(|u| url::Url::parse(u).ok()).and_then(|u| {
        u.host().map(|host| match host {
            url::Host::Domain(d) => d.to_string(),
            url::Host::Ipv4(ip) => ip.to_string(),
            url::Host::Ipv6(ip) => ip.to_string(),
        })
    });
    for name in public_host.into_iter().chain(config.portals.iter().filter_map(|p| p.host.clone())) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Reads the server certificate (`tls.cert`, default `<data_dir>/tls/server.crt`) and key
/// (`tls.key`, default `<data_dir>/tls/server.key`). With `self_signed` and neither file
/// present, makes a self-signed ECDSA P-256 certificate for `names` (valid 825 days) and
/// saves it there: the key first, mode 0600, in a directory created with mode 0700, both
/// written atomically. One file without the other is refused, never overwritten.
pub fn server_identity(
    tls: &TlsSettings,
    data_dir: &Path,
    names: &[String],
    now: DateTime<Utc>,
) -> Result<ServerIdentity, TlsSetupError> {
    let cert_path = tls.cert_path(data_dir);
    let key_path = tls.key_path(data_dir);
    let exists = |path: &Path| {
        private_files::exists(path).map_err(|e| TlsSetupError::File { path: path.to_path_buf(), reason: e.to_string() })
    };
    let found = (exists(&cert_path)?, exists(&key_path)?);
    let created = match found {
        (true, true) => false,
        // One file alone may be another instance's pair half-written: look again under the lock.
        _ if tls.self_signed => {
            // Two instances starting together on one fresh data folder: the pair is made under
            // the key folder's lock, after looking again, and the other instance loads it.
            let fail = |path: &Path| {
                let path = path.to_path_buf();
                move |e: CaError| TlsSetupError::File { path, reason: e.to_string() }
            };
            let key_dir = key_path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            private_files::ensure_dir(key_dir).map_err(fail(key_dir))?;
            private_files::while_locked(key_dir, || match (exists(&cert_path)?, exists(&key_path)?) {
                (false, false) => {
                    let (cert_pem, key_pem) = make_self_signed(names, now)?;
                    if let Some(dir) = cert_path.parent().filter(|d| !d.as_os_str().is_empty()) {
                        private_files::ensure_dir(dir).map_err(fail(dir))?;
                    }
                    // The key first: a lone key is refused on the next start, never reused half-made.
                    private_files::write_atomically(&key_path, key_pem.as_bytes(), private_files::KEY_MODE)
                        .map_err(fail(&key_path))?;
                    private_files::write_atomically(&cert_path, cert_pem.as_bytes(), private_files::CERT_MODE)
                        .map_err(fail(&cert_path))?;
                    Ok(true)
                }
                found => incomplete(found, &cert_path, &key_path, tls.self_signed).map(|()| false),
            })
            .map_err(fail(key_dir))??
        }
        // Neither (without self_signed) or one alone: refused, naming the files.
        found => {
            incomplete(found, &cert_path, &key_path, tls.self_signed)?;
            false
        }
    };
    let file_error = |path: &Path| {
        let path = path.to_path_buf();
        move |e: rustls::pki_types::pem::Error| TlsSetupError::File { path, reason: e.to_string() }
    };
    let chain = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(file_error(&cert_path))?;
    let Some(leaf) = chain.first() else {
        return Err(TlsSetupError::File { path: cert_path, reason: "holds no CERTIFICATE".into() });
    };
    let not_after = x509_parser::parse_x509_certificate(leaf)
        .ok()
        .and_then(|(_, cert)| DateTime::from_timestamp(cert.validity().not_after.timestamp(), 0))
        .ok_or_else(|| TlsSetupError::File {
            path: cert_path.clone(),
            reason: "the first certificate is unreadable".into(),
        })?;
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(file_error(&key_path))?;
    Ok(ServerIdentity { chain, key, cert_path, key_path, created, not_after })
}

/// What `(cert exists, key exists)` says: both are there (Ok), neither, or one alone.
fn incomplete(found: (bool, bool), cert: &Path, key: &Path, self_signed: bool) -> Result<(), TlsSetupError> {
    let (present, missing) = match found {
        (true, true) => return Ok(()),
        (true, false) => (cert, key),
        (false, true) => (key, cert),
        (false, false) => {
            return Err(TlsSetupError::File { path: cert.to_path_buf(), reason: "does not exist".into() });
        }
    };
    Err(TlsSetupError::Incomplete { present: present.to_path_buf(), missing: missing.to_path_buf(), self_signed })
}

/// A self-signed server certificate: (certificate PEM, PKCS#8 key PEM).
fn make_self_signed(names: &[String], now: DateTime<Utc>) -> Result<(String, String), TlsSetupError> {
    let fail = |e: rcgen::Error| TlsSetupError::SelfSigned(e.to_string());
    let asn1 = |t: DateTime<Utc>| {
        time::OffsetDateTime::from_unix_timestamp(t.timestamp()).map_err(|e| TlsSetupError::SelfSigned(e.to_string()))
    };
    let mut params = rcgen::CertificateParams::new(names.to_vec()).map_err(fail)?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::OrganizationName, "madoguchi");
    dn.push(rcgen::DnType::CommonName, format!("madoguchi self-signed ({})", names.first().map_or("", |n| n)));
    params.distinguished_name = dn;
    params.is_ca = rcgen::IsCa::ExplicitNoCa;
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    // An hour back: a client whose clock is a little behind still accepts it.
    params.not_before = asn1(now - TimeDelta::hours(1))?;
    params.not_after = asn1(now + TimeDelta::days(SELF_SIGNED_DAYS))?;
    let key = rcgen::KeyPair::generate().map_err(fail)?;
    let cert = params.self_signed(&key).map_err(fail)?;
    Ok((cert.pem(), key.serialize_pem()))
}
