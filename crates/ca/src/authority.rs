//! The authority itself: opening or creating it, issuing client certificates and CRLs.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use p12_keystore::{
    Certificate as P12Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm,
    PrivateKey as P12PrivateKey, PrivateKeyChain,
};
use pkcs8::der::pem;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, PublicKeyData, RevokedCertParams,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::files::{self, CERT_MODE, KEY_MODE};
use crate::time::{compact_jst, to_asn1_time, truncate_to_second};
use crate::{CaError, Serial, keyfile};

/// File name of the CA key inside the CA directory.
pub const KEY_FILE: &str = "ca.key";
/// File name of the CA certificate inside the CA directory.
pub const CERT_FILE: &str = "ca.crt";
/// Sub-directory of earlier CA certificates that still verify the client certificates they
/// issued (see docs/CA.md, rotation). Only certificates: their keys never sign again.
pub const RETIRED_DIR: &str = "retired";

/// Organization name of every CA this crate creates; the portal id goes into the
/// organizational unit, so that a directory mixed up between portals is noticed.
const CA_ORGANIZATION: &str = "madoguchi";

/// Validity of a new CA certificate: 20 years (7305 days, leap days included). Long, because
/// rotating the CA makes every user fetch a new certificate; the key is as safe as the
/// server's disk and the backup, which the passphrase protects.
pub const CA_VALIDITY_DAYS: i64 = 7305;

/// Iterations of PBKDF2 in the PKCS#12 file (key encryption and MAC). Above OpenSSL's 2048
/// default; Windows imports it without noticeable delay.
const P12_ITERATIONS: u32 = 10_000;

/// Placeholders of the subject template.
const USER_ID_PLACEHOLDER: &str = "{user_id}";
const EXPIRY_PLACEHOLDER: &str = "{expiry}";

/// Upper bound of a common name (X.520 `ub-common-name`).
const MAX_COMMON_NAME: usize = 64;

/// What a portal's client certificates look like: the subject template and the validity.
/// The web layer builds it from the preset (`[second_factor]` `subject_suffix`,
/// `validity_days`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientProfile {
    /// The common name, with the placeholders `{user_id}` and `{expiry}` (the expiry as
    /// `yyyymmddhhmmss` in JST). It must start with `{user_id} `, because
    /// [`Authority::verify_client`] reads the user id back as the name's first word.
    pub subject_template: String,
    /// Validity in calendar days counting the issue day (rokin: 366, 発行日を含めて366日間).
    ///
    /// The certificate runs from its issue second to the same wall-clock second on day
    /// `validity_days`, i.e. `validity_days - 1` days later: the issue day is day 1, the
    /// expiry day is day 366. JST has no daylight saving time, so that is exactly
    /// (`validity_days` - 1) × 86 400 seconds. This matches the manual's example name
    /// `sampleusr123 20121016145632 ROKIN Koujyo Web System`, whose expiry carries a time of
    /// day (issued 2011-10-17 14:56:32). At least 2.
    pub validity_days: u32,
}

impl ClientProfile {
    /// `{user_id} {expiry} <suffix>`, the form of rokin's names
    /// (`sampleusr123 20121016145632 ROKIN Koujyo Web System`).
    pub fn with_suffix(subject_suffix: &str, validity_days: u32) -> ClientProfile {
        ClientProfile {
            subject_template: format!("{USER_ID_PLACEHOLDER} {EXPIRY_PLACEHOLDER} {subject_suffix}"),
            validity_days,
        }
    }
}

/// A portal's certificate authority, opened from (or created in) its directory.
pub struct Authority {
    pub(crate) portal_id: String,
    pub(crate) key_path: PathBuf,
    pub(crate) cert_path: PathBuf,
    pub(crate) issuer: Issuer<'static, KeyPair>,
    pub(crate) cert_der: Vec<u8>,
    pub(crate) cert_pem: String,
    pub(crate) not_after: DateTime<Utc>,
    /// DER of retired CA certificates, trusted for verification only.
    pub(crate) retired: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Authority {
    // The key stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("portal_id", &self.portal_id)
            .field("cert_path", &self.cert_path)
            .field("not_after", &self.not_after)
            .field("retired", &self.retired.len())
            .finish_non_exhaustive()
    }
}

/// A client certificate just issued, with everything the browser downloads.
#[derive(Clone)]
pub struct Issued {
    pub certificate_der: Vec<u8>,
    pub certificate_pem: String,
    pub serial: Serial,
    /// The subject common name, e.g. `sampleusr123 20121016145632 ROKIN Koujyo Web System`.
    pub subject: String,
    pub not_before: DateTime<Utc>,
    /// The last second the certificate is valid (X.509 `notAfter` is inclusive).
    pub not_after: DateTime<Utc>,
    /// PKCS#12 (PBES2, AES-256-CBC, PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC) holding the new key,
    /// the client certificate and the CA certificate, encrypted with the given password.
    pub p12_bytes: Vec<u8>,
    /// `<userID><yyyymmddhhmmss>.p12`, the issue moment in JST.
    pub file_name: String,
}

impl std::fmt::Debug for Issued {
    // The PKCS#12 bytes hold the private key (encrypted, but still): not for logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("serial", &self.serial)
            .field("subject", &self.subject)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("file_name", &self.file_name)
            .finish_non_exhaustive()
    }
}

/// A certificate revocation list, signed by the CA.
#[derive(Debug, Clone)]
pub struct Crl {
    pub der: Vec<u8>,
    pub pem: String,
}

impl Authority {
    /// Opens the CA kept in `dir` (`ca.key`, `ca.crt`, optional `retired/*.crt`), or creates
    /// it there when neither file exists: an ECDSA P-256 key and a self-signed certificate
    /// `CN=<common_name>, OU=<portal_id>, O=madoguchi`, valid [`CA_VALIDITY_DAYS`] from `now`,
    /// allowed to sign certificates (path length 0: end entities only) and CRLs.
    ///
    /// With a passphrase, a new key is stored encrypted, and an existing key must be encrypted
    /// with that passphrase. `ca.key` is written with mode 0600 and must not be readable by
    /// group or others when opened; both files are written atomically. Several instances (or
    /// threads) opening one fresh directory at once make one pair: the first makes it under
    /// the directory's lock, the others wait and load it.
    pub fn open_or_create(
        dir: &Path,
        portal_id: &str,
        common_name: &str,
        passphrase: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Authority, CaError> {
        let key_path = dir.join(KEY_FILE);
        let cert_path = dir.join(CERT_FILE);
        if passphrase == Some("") {
            return Err(CaError::BadKey { path: key_path, reason: "the configured passphrase is empty".into() });
        }
        let load = || -> Result<(KeyPair, String), CaError> {
            files::check_key_mode(&key_path)?;
            let key_text = files::read_to_string(&key_path)?;
            let key = keyfile::decode(&key_text, passphrase, &key_path)?;
            Ok((key, files::read_to_string(&cert_path)?))
        };
        let (key, cert_pem) = if files::exists(&key_path)? && files::exists(&cert_path)? {
            load()?
        } else {
            // Something is missing: decide under the directory's lock, where another instance
            // starting now may be making the pair (files::while_locked).
            files::ensure_dir(dir)?;
            files::while_locked(dir, || match (files::exists(&key_path)?, files::exists(&cert_path)?) {
                (true, true) => load(),
                (false, false) => create(&key_path, &cert_path, portal_id, common_name, passphrase, now),
                (true, false) => Err(CaError::Incomplete { present: key_path.clone(), missing: cert_path.clone() }),
                (false, true) => Err(CaError::Incomplete { present: cert_path.clone(), missing: key_path.clone() }),
            })??
        };
        let retired = read_retired(&dir.join(RETIRED_DIR))?;
        Authority::from_parts(key_path, cert_path, key, cert_pem, portal_id, retired, now)
    }

    /// Checks the loaded (or just created) pair and builds the issuer from the certificate,
    /// so that a new and a reopened CA take the same path.
    fn from_parts(
        key_path: PathBuf,
        cert_path: PathBuf,
        key: KeyPair,
        cert_pem: String,
        portal_id: &str,
        retired: Vec<Vec<u8>>,
        now: DateTime<Utc>,
    ) -> Result<Authority, CaError> {
        let bad = |reason: String| CaError::BadCertificate { path: cert_path.clone(), reason };
        let cert_der = decode_cert_pem(&cert_pem).map_err(&bad)?;
        let (_, cert) = X509Certificate::from_der(&cert_der).map_err(|e| bad(e.to_string()))?;
        if !cert.is_ca() {
            return Err(bad("not a CA certificate (basicConstraints cA is not set)".into()));
        }
        if cert.public_key().raw != key.subject_public_key_info().as_slice() {
            return Err(CaError::KeyMismatch { key: key_path, cert: cert_path });
        }
        let found = cert.subject().iter_organizational_unit().next().and_then(|ou| ou.as_str().ok()).unwrap_or("");
        if found != portal_id {
            return Err(CaError::WrongPortal { path: cert_path, expected: portal_id.into(), found: found.into() });
        }
        let not_after = crate::time::from_unix(cert.validity().not_after.timestamp())
            .ok_or_else(|| bad("notAfter out of range".into()))?;
        if now > not_after {
            return Err(CaError::CaExpired { path: cert_path, not_after: not_after.to_rfc3339() });
        }
        let issuer = Issuer::from_ca_cert_der(&cert_der.as_slice().into(), key).map_err(|e| bad(e.to_string()))?;
        Ok(Authority {
            portal_id: portal_id.into(),
            key_path,
            cert_path,
            issuer,
            cert_der,
            cert_pem,
            not_after,
            retired,
        })
    }

    /// The CA certificate, DER: the trust anchor for the TLS client verifier.
    pub fn ca_certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA certificate, PEM (the content of `ca.crt`).
    pub fn ca_certificate_pem(&self) -> &str {
        &self.cert_pem
    }

    /// DER of every CA certificate whose client certificates are accepted: the current one
    /// first, then the retired ones (docs/CA.md, rotation).
    pub fn trust_anchors_der(&self) -> impl Iterator<Item = &[u8]> {
        std::iter::once(self.cert_der.as_slice()).chain(self.retired.iter().map(Vec::as_slice))
    }

    /// Last second the CA certificate is valid.
    pub fn not_after(&self) -> DateTime<Utc> {
        self.not_after
    }

    pub fn key_path(&self) -> &Path {
        &self.key_path
    }

    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// Rewrites `ca.key` encrypted with `new_passphrase`, or in the clear with `None`
    /// (atomically, mode 0600). The next [`Authority::open_or_create`] needs the new one.
    pub fn set_passphrase(&self, new_passphrase: Option<&str>) -> Result<(), CaError> {
        if new_passphrase == Some("") {
            return Err(CaError::BadKey { path: self.key_path.clone(), reason: "the new passphrase is empty".into() });
        }
        let text = keyfile::encode(self.issuer.key(), new_passphrase, &self.key_path)?;
        files::write_atomically(&self.key_path, text.as_bytes(), KEY_MODE)
    }

    /// Issues a client certificate for `user_id` with a fresh ECDSA P-256 key, and packs both
    /// with the CA certificate into a PKCS#12 file encrypted with `password` (the user's login
    /// password, which Windows asks for at import).
    ///
    /// * Validity: `not_before` is `now` (to the second); `not_after` is the same wall-clock
    ///   second `profile.validity_days - 1` days later, so the certificate is valid on
    ///   `validity_days` calendar days counting the issue day (see [`ClientProfile`]). Both
    ///   ends are inclusive: valid at `not_after`, expired one second later.
    /// * Subject: one common name, `profile.subject_template` with `{user_id}` replaced by the
    ///   user id and `{expiry}` by `not_after` as `yyyymmddhhmmss` in JST.
    /// * Extensions: basicConstraints cA=false, keyUsage digitalSignature, extendedKeyUsage
    ///   clientAuth, subject and authority key identifiers.
    /// * `serial`: the caller's (see [`Serial`]); the caller keeps it unique.
    /// * File name: `<user_id><issue moment yyyymmddhhmmss JST>.p12`.
    pub fn issue_client(
        &self,
        user_id: &str,
        profile: &ClientProfile,
        serial: &Serial,
        now: DateTime<Utc>,
        password: &str,
    ) -> Result<Issued, CaError> {
        check_user_id(user_id)?;
        if password.is_empty() {
            return Err(CaError::EmptyPassword);
        }
        let not_before = truncate_to_second(now);
        if profile.validity_days < 2 {
            return Err(CaError::InvalidValidity(profile.validity_days));
        }
        let not_after = not_before + TimeDelta::days(i64::from(profile.validity_days) - 1);
        if not_after > self.not_after {
            return Err(CaError::CaEndsTooSoon {
                path: self.cert_path.clone(),
                ca_not_after: self.not_after.to_rfc3339(),
                not_after: not_after.to_rfc3339(),
            });
        }
        let subject = expand_template(&profile.subject_template, user_id, not_after)?;

        let mut params = CertificateParams::default();
        params.not_before = to_asn1_time(not_before)?;
        params.not_after = to_asn1_time(not_after)?;
        params.serial_number = Some(serial.to_rcgen());
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, subject.as_str());
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        params.key_identifier_method = KeyIdMethod::Sha256;

        let key = KeyPair::generate().map_err(|e| CaError::crypto("generating a client key", e))?;
        let cert =
            params.signed_by(&key, &self.issuer).map_err(|e| CaError::crypto("signing the client certificate", e))?;
        let certificate_der = cert.der().to_vec();
        let certificate_pem = cert.pem();

        let p12_bytes = pkcs12(&key, &certificate_der, &self.cert_der, serial, &subject, password)?;
        Ok(Issued {
            file_name: format!("{user_id}{}.p12", compact_jst(not_before)),
            certificate_der,
            certificate_pem,
            serial: serial.clone(),
            subject,
            not_before,
            not_after,
            p12_bytes,
        })
    }

    /// A CRL listing `revoked` (serial, moment of revocation), signed by the CA.
    ///
    /// The CRL number (which must grow with every CRL) is `this_update` in Unix seconds, so
    /// no counter needs storing; publishing at most one CRL per second keeps it increasing.
    /// Entries carry no reason code: revocation here is an operator action (e.g. the user
    /// changes PCs), which RFC 5280 leaves as "unspecified".
    pub fn crl(
        &self,
        revoked: &[(Serial, DateTime<Utc>)],
        this_update: DateTime<Utc>,
        next_update: DateTime<Utc>,
    ) -> Result<Crl, CaError> {
        if next_update <= this_update {
            return Err(CaError::CrlWindow);
        }
        let crl_number =
            u64::try_from(this_update.timestamp()).map_err(|_| CaError::TimeOutOfRange(this_update.to_rfc3339()))?;
        let revoked_certs = revoked
            .iter()
            .map(|(serial, at)| {
                Ok(RevokedCertParams {
                    serial_number: serial.to_rcgen(),
                    revocation_time: to_asn1_time(*at)?,
                    reason_code: None,
                    invalidity_date: None,
                })
            })
            .collect::<Result<Vec<_>, CaError>>()?;
        let params = CertificateRevocationListParams {
            this_update: to_asn1_time(this_update)?,
            next_update: to_asn1_time(next_update)?,
            crl_number: Serial::from_u64(crl_number)?.to_rcgen(),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(&self.issuer).map_err(|e| CaError::crypto("signing the CRL", e))?;
        let pem = crl.pem().map_err(|e| CaError::crypto("encoding the CRL", e))?;
        Ok(Crl { der: crl.der().to_vec(), pem })
    }
}

/// Creates the key and certificate files (in an existing directory, under its lock);
/// returns what was written.
fn create(
    key_path: &Path,
    cert_path: &Path,
    portal_id: &str,
    common_name: &str,
    passphrase: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(KeyPair, String), CaError> {
    let key = KeyPair::generate().map_err(|e| CaError::crypto("generating the CA key", e))?;
    let not_before = truncate_to_second(now);
    let mut params = CertificateParams::default();
    params.not_before = to_asn1_time(not_before)?;
    params.not_after = to_asn1_time(not_before + TimeDelta::days(CA_VALIDITY_DAYS))?;
    params.serial_number = Some(Serial::random()?.to_rcgen());
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, CA_ORGANIZATION);
    dn.push(DnType::OrganizationalUnitName, portal_id);
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params.key_identifier_method = KeyIdMethod::Sha256;
    let cert = params.self_signed(&key).map_err(|e| CaError::crypto("signing the CA certificate", e))?;
    let cert_pem = cert.pem();

    // The key first: a lone key is harmless and the error on the next start names it.
    let key_text = keyfile::encode(&key, passphrase, key_path)?;
    files::write_atomically(key_path, key_text.as_bytes(), KEY_MODE)?;
    files::write_atomically(cert_path, cert_pem.as_bytes(), CERT_MODE)?;
    Ok((key, cert_pem))
}

/// Reads `retired/*.crt` (PEM); a missing directory means none.
fn read_retired(dir: &Path) -> Result<Vec<Vec<u8>>, CaError> {
    if !files::exists(dir)? {
        return Ok(Vec::new());
    }
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| CaError::io(dir, e))? {
        let path = entry.map_err(|e| CaError::io(dir, e))?.path();
        if path.extension().is_some_and(|ext| ext == "crt") {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = files::read_to_string(&path)?;
            let der =
                decode_cert_pem(&text).map_err(|reason| CaError::BadCertificate { path: path.clone(), reason })?;
            match X509Certificate::from_der(&der) {
                Ok((_, cert)) if cert.is_ca() => Ok(der),
                Ok(_) => Err(CaError::BadCertificate { path, reason: "not a CA certificate".into() }),
                Err(e) => Err(CaError::BadCertificate { path, reason: e.to_string() }),
            }
        })
        .collect()
}

fn decode_cert_pem(text: &str) -> Result<Vec<u8>, String> {
    let (label, der) = pem::decode_vec(text.as_bytes()).map_err(|e| format!("not PEM: {e}"))?;
    if label != "CERTIFICATE" {
        return Err(format!("PEM label {label:?}, expected \"CERTIFICATE\""));
    }
    Ok(der)
}

/// User ids go into a file name and a `Content-Disposition` header as they are: only
/// characters that need no quoting anywhere are allowed (rokin's ids are letters and digits).
pub(crate) fn check_user_id(user_id: &str) -> Result<(), CaError> {
    let ok = !user_id.is_empty()
        && user_id.len() <= 64
        && user_id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok { Ok(()) } else { Err(CaError::InvalidUserId(user_id.into())) }
}

/// Fills the subject template; see [`Authority::issue_client`].
pub(crate) fn expand_template(template: &str, user_id: &str, not_after: DateTime<Utc>) -> Result<String, CaError> {
    let invalid = |reason: &str| CaError::InvalidTemplate { template: template.into(), reason: reason.into() };
    let rest = template
        .strip_prefix(USER_ID_PLACEHOLDER)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or_else(|| invalid("it must start with `{user_id} `"))?;
    if rest.contains(USER_ID_PLACEHOLDER) {
        return Err(invalid("`{user_id}` may appear only once"));
    }
    let rest = rest.replace(EXPIRY_PLACEHOLDER, &compact_jst(not_after));
    if rest.contains(['{', '}']) {
        return Err(invalid("only `{user_id}` and `{expiry}` are known placeholders"));
    }
    let name = format!("{user_id} {rest}");
    if name.chars().count() > MAX_COMMON_NAME {
        return Err(invalid("the resulting name is longer than 64 characters"));
    }
    Ok(name)
}

/// The PKCS#12 file: one key bag (friendly name = the subject, which Windows shows) and the
/// chain client → CA in certificate bags, all under PBES2/AES-256 with an HMAC-SHA256 MAC.
/// OpenSSL 3 opens this without `-legacy`; Windows 10 (1709 and later) and NSS import it.
fn pkcs12(
    key: &KeyPair,
    client_der: &[u8],
    ca_der: &[u8],
    serial: &Serial,
    friendly_name: &str,
    password: &str,
) -> Result<Vec<u8>, CaError> {
    let fail = |e: p12_keystore::error::Error| CaError::crypto("writing the PKCS#12 file", e);
    let private_key = P12PrivateKey::from_der(&key.serialize_der()).map_err(fail)?;
    let chain = PrivateKeyChain::new(
        // The local key id only pairs the key bag with its certificate bag; the serial is
        // unique per certificate, which is all it needs.
        serial.as_bytes(),
        private_key,
        [P12Certificate::from_der(client_der).map_err(fail)?, P12Certificate::from_der(ca_der).map_err(fail)?],
    );
    let mut store = KeyStore::new();
    store.add_entry(friendly_name, KeyStoreEntry::PrivateKeyChain(chain));
    store
        .writer(password)
        .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
        .encryption_iterations(P12_ITERATIONS)
        .mac_algorithm(MacAlgorithm::HmacSha256)
        .mac_iterations(P12_ITERATIONS)
        .write()
        .map_err(fail)
}
