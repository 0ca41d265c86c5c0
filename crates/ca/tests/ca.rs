//! The CA end to end, checked with the `openssl` command line where a real consumer of the
//! files matters (PKCS#12 import, chain verification, CRL parsing).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use madoguchi_ca::{Authority, CaError, ClientProfile, JST, Rejection, Serial};

/// rokin's preset: `subject_suffix = "ROKIN Koujyo Web System"`, `validity_days = 366`.
fn rokin() -> ClientProfile {
    ClientProfile::with_suffix("ROKIN Koujyo Web System", 366)
}
const CA_NAME: &str = "ROKIN Koujyo Web System CA";
const PASSWORD: &str = "Pa$sw0rd";

/// A directory removed at the end of the test.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("madoguchi-ca-{name}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn ca(&self) -> PathBuf {
        self.0.join("ca")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn jst(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    JST.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap().with_timezone(&Utc)
}

fn ca_start() -> DateTime<Utc> {
    jst(2025, 1, 6, 9, 0, 0)
}

fn open(dir: &Path, passphrase: Option<&str>) -> Result<Authority, CaError> {
    Authority::open_or_create(dir, "rokin", CA_NAME, passphrase, ca_start())
}

/// `openssl` with arguments, or `None` (and a message) when the binary is absent.
fn openssl(args: &[&str]) -> Option<Output> {
    match Command::new("openssl").args(args).output() {
        Ok(output) => Some(output),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: no `openssl` binary on PATH");
            None
        }
        Err(e) => panic!("running openssl: {e}"),
    }
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> String {
    fs::write(path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn first_start_creates_the_ca_and_later_starts_load_it() {
    let tmp = TempDir::new("create");
    let dir = tmp.ca();
    let ca = open(&dir, None).unwrap();
    let key = dir.join("ca.key");
    let crt = dir.join("ca.crt");
    #[cfg(unix)]
    {
        assert_eq!(mode(&key), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }
    let key_text = fs::read_to_string(&key).unwrap();
    assert!(key_text.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(fs::read_to_string(&crt).unwrap(), ca.ca_certificate_pem());
    // No temporary files are left behind.
    let names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(ca.not_after(), ca_start() + TimeDelta::days(madoguchi_ca::CA_VALIDITY_DAYS));

    let again = Authority::open_or_create(&dir, "rokin", "ignored", None, Utc::now()).unwrap();
    assert_eq!(again.ca_certificate_der(), ca.ca_certificate_der());
    assert_eq!(fs::read_to_string(&key).unwrap(), key_text, "the key is not rewritten");

    let Some(out) = openssl(&["x509", "-in", crt.to_str().unwrap(), "-noout", "-text"]) else {
        return;
    };
    let out = text(&out);
    assert!(out.contains("CA:TRUE, pathlen:0"), "{out}");
    assert!(out.contains("Certificate Sign, CRL Sign"), "{out}");
    assert!(out.contains("OU=rokin") || out.contains("OU = rokin"), "{out}");
    assert!(out.contains(CA_NAME), "{out}");
    assert!(out.contains("ASN1 OID: prime256v1"), "{out}");
}

/// Many opens of one fresh directory at once (threads here; two instances on one data
/// folder alike): one CA is made, every open succeeds and holds the certificate on disk.
#[test]
fn simultaneous_first_opens_make_one_ca_that_all_of_them_hold() {
    const OPENS: usize = 16;
    for round in 0..5 {
        let tmp = TempDir::new("race");
        let start = std::sync::Arc::new(std::sync::Barrier::new(OPENS));
        let threads: Vec<_> = (0..OPENS)
            .map(|_| {
                let (dir, start) = (tmp.ca(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    open(&dir, None).map(|ca| ca.ca_certificate_pem().to_string())
                })
            })
            .collect();
        let seen: Vec<String> = threads
            .into_iter()
            .map(|t| t.join().unwrap().unwrap_or_else(|e| panic!("round {round}: an open failed: {e}")))
            .collect();
        let on_disk = fs::read_to_string(tmp.ca().join("ca.crt")).unwrap();
        assert!(seen.iter().all(|pem| *pem == on_disk), "round {round}: an open holds another CA");
        // The key on disk is the one of that certificate, and nothing else was left behind.
        open(&tmp.ca(), None).unwrap();
        let names: Vec<_> =
            fs::read_dir(tmp.ca()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}

#[test]
fn passphrase_protects_the_key() {
    let tmp = TempDir::new("passphrase");
    let dir = tmp.ca();
    open(&dir, Some("correct horse")).unwrap();
    let key = dir.join("ca.key");
    let key_text = fs::read_to_string(&key).unwrap();
    assert!(key_text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));

    let ca = open(&dir, Some("correct horse")).unwrap();
    ca.issue_client("user01abc", &rokin(), &Serial::random().unwrap(), ca_start(), PASSWORD).unwrap();

    let wrong = open(&dir, Some("wrong horse")).unwrap_err();
    assert!(matches!(wrong, CaError::WrongPassphrase { .. }), "{wrong}");
    assert!(wrong.to_string().contains("ca.key"), "{wrong}");
    let none = open(&dir, None).unwrap_err();
    assert!(matches!(none, CaError::PassphraseRequired { .. }), "{none}");
    let empty = open(&dir, Some("")).unwrap_err();
    assert!(matches!(empty, CaError::BadKey { .. }), "{empty}");

    // The key file is standard PKCS#8: OpenSSL opens it with the passphrase (backup check).
    let key_path = key.to_str().unwrap();
    let Some(out) = openssl(&["pkey", "-in", key_path, "-passin", "pass:correct horse", "-noout"]) else {
        return;
    };
    assert!(out.status.success(), "{}", text(&out));
    let out = openssl(&["pkey", "-in", key_path, "-passin", "pass:wrong", "-noout"]).unwrap();
    assert!(!out.status.success());
}

#[test]
fn a_plain_key_is_refused_when_a_passphrase_is_configured() {
    let tmp = TempDir::new("plain");
    open(&tmp.ca(), None).unwrap();
    let err = open(&tmp.ca(), Some("secret")).unwrap_err();
    assert!(matches!(err, CaError::NotEncrypted { .. }), "{err}");
}

#[cfg(unix)]
#[test]
fn a_key_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new("mode");
    open(&tmp.ca(), None).unwrap();
    let key = tmp.ca().join("ca.key");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let err = open(&tmp.ca(), None).unwrap_err();
    assert!(matches!(err, CaError::InsecurePermissions { mode: 0o644, .. }), "{err}");
    assert!(err.to_string().contains("chmod 600"), "{err}");
}

#[test]
fn a_lone_key_or_certificate_is_never_replaced() {
    let tmp = TempDir::new("incomplete");
    open(&tmp.ca(), None).unwrap();
    let crt = tmp.ca().join("ca.crt");
    let saved = fs::read(&crt).unwrap();
    fs::remove_file(&crt).unwrap();
    let err = open(&tmp.ca(), None).unwrap_err();
    assert!(matches!(err, CaError::Incomplete { .. }), "{err}");
    assert!(err.to_string().contains("ca.crt is missing"), "{err}");

    fs::write(&crt, saved).unwrap();
    fs::remove_file(tmp.ca().join("ca.key")).unwrap();
    let err = open(&tmp.ca(), None).unwrap_err();
    assert!(matches!(err, CaError::Incomplete { .. }), "{err}");
}

#[test]
fn another_portals_ca_or_a_foreign_key_is_refused() {
    let tmp = TempDir::new("portal");
    open(&tmp.ca(), None).unwrap();
    let err = Authority::open_or_create(&tmp.ca(), "shaho", CA_NAME, None, ca_start()).unwrap_err();
    assert!(matches!(err, CaError::WrongPortal { .. }), "{err}");

    let other = TempDir::new("portal-other");
    open(&other.ca(), None).unwrap();
    fs::copy(other.ca().join("ca.key"), tmp.ca().join("ca.key")).unwrap();
    let err = open(&tmp.ca(), None).unwrap_err();
    assert!(matches!(err, CaError::KeyMismatch { .. }), "{err}");
}

#[test]
fn validity_is_366_days_counting_the_issue_day() {
    let tmp = TempDir::new("validity");
    let ca = Authority::open_or_create(&tmp.ca(), "rokin", CA_NAME, None, jst(2011, 1, 1, 0, 0, 0)).unwrap();
    // The manual's example name, `sampleusr123 20121016145632 ROKIN Koujyo Web System`, is
    // what a certificate issued at 2011-10-17 14:56:32 JST gets (2012 is a leap year).
    let issued_at = jst(2011, 10, 17, 14, 56, 32) + TimeDelta::milliseconds(750);
    let issued = ca.issue_client("sampleusr123", &rokin(), &Serial::from_u64(1).unwrap(), issued_at, PASSWORD).unwrap();
    assert_eq!(issued.subject, "sampleusr123 20121016145632 ROKIN Koujyo Web System");
    assert_eq!(issued.file_name, "sampleusr12320111017145632.p12");
    assert_eq!(issued.not_before, jst(2011, 10, 17, 14, 56, 32));
    assert_eq!(issued.not_after, jst(2012, 10, 16, 14, 56, 32));
    let first_day = issued.not_before.with_timezone(&JST).date_naive();
    let last_day = issued.not_after.with_timezone(&JST).date_naive();
    assert_eq!((last_day - first_day).num_days() + 1, 366);

    // And in a year without 29 February.
    let issued = ca
        .issue_client("user01abc", &rokin(), &Serial::from_u64(2).unwrap(), jst(2025, 4, 1, 23, 59, 59), PASSWORD)
        .unwrap();
    assert_eq!(issued.not_after, jst(2026, 4, 1, 23, 59, 59));
    assert_eq!(issued.not_after.with_timezone(&JST).date_naive(), NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
    assert_eq!(issued.subject, "user01abc 20260401235959 ROKIN Koujyo Web System");

    // Another preset value: 30 days counting the issue day.
    let profile = ClientProfile::with_suffix("Test", 30);
    let issued = ca
        .issue_client("user01abc", &profile, &Serial::from_u64(3).unwrap(), jst(2025, 4, 1, 9, 0, 0), PASSWORD)
        .unwrap();
    assert_eq!(issued.not_after, jst(2025, 4, 30, 9, 0, 0));
    assert_eq!(issued.subject, "user01abc 20250430090000 Test");
}

#[test]
fn the_last_second_is_valid_and_the_next_is_not() {
    let tmp = TempDir::new("boundary");
    let ca = open(&tmp.ca(), None).unwrap();
    let issued = ca
        .issue_client("user01abc", &rokin(), &Serial::random().unwrap(), jst(2025, 6, 2, 10, 0, 0), PASSWORD)
        .unwrap();
    let der = &issued.certificate_der;
    let second = TimeDelta::seconds(1);

    let at_start = ca.verify_client(der, &[], issued.not_before).unwrap();
    assert_eq!(at_start.user_id, "user01abc");
    assert_eq!(at_start.serial, issued.serial);
    assert_eq!(at_start.not_after, issued.not_after);
    assert_eq!(at_start.subject, issued.subject);
    assert_eq!(
        ca.verify_client(der, &[], issued.not_before - second),
        Err(Rejection::NotYetValid { user_id: "user01abc".into(), not_before: issued.not_before })
    );
    // The whole last second, up to its last nanosecond, is valid.
    let last = issued.not_after + TimeDelta::nanoseconds(999_999_999);
    assert!(ca.verify_client(der, &[], issued.not_after).is_ok());
    assert!(ca.verify_client(der, &[], last).is_ok());
    assert_eq!(
        ca.verify_client(der, &[], issued.not_after + second),
        Err(Rejection::Expired { user_id: "user01abc".into(), not_after: issued.not_after })
    );
}

#[test]
fn every_rejection() {
    let tmp = TempDir::new("reject");
    let ca = open(&tmp.ca(), None).unwrap();
    let now = jst(2025, 6, 2, 10, 0, 0);
    let issued = ca.issue_client("user01abc", &rokin(), &Serial::random().unwrap(), now, PASSWORD).unwrap();

    // Revoked, even though otherwise valid; and revocation wins over expiry.
    let revoked = [Serial::random().unwrap(), issued.serial.clone()];
    let expected = Err(Rejection::Revoked { user_id: "user01abc".into(), serial: issued.serial.clone() });
    assert_eq!(ca.verify_client(&issued.certificate_der, &revoked, now), expected);
    assert_eq!(ca.verify_client(&issued.certificate_der, &revoked, now + TimeDelta::days(400)), expected);
    assert_eq!(ca.verify_client_with(&issued.certificate_der, now, |s| *s == issued.serial), expected);

    // Foreign: another CA with the very same name and portal (so only the key differs).
    let other_tmp = TempDir::new("reject-other");
    let other = open(&other_tmp.ca(), None).unwrap();
    let forged = other.issue_client("user01abc", &rokin(), &issued.serial, now, PASSWORD).unwrap();
    assert_eq!(ca.verify_client(&forged.certificate_der, &[], now), Err(Rejection::Foreign));

    // Malformed: junk, a truncated certificate, trailing bytes, the CA certificate itself.
    let der = &issued.certificate_der;
    for junk in [&b"not a certificate"[..], &der[..der.len() - 10]] {
        assert!(matches!(ca.verify_client(junk, &[], now), Err(Rejection::Malformed(_))));
    }
    let mut trailing = der.clone();
    trailing.push(0);
    assert!(matches!(ca.verify_client(&trailing, &[], now), Err(Rejection::Malformed(_))));
    assert!(matches!(
        ca.verify_client(ca.ca_certificate_der(), &[], now),
        Err(Rejection::Malformed(m)) if m.contains("CA certificate")
    ));

    // Expired and not yet valid.
    assert!(matches!(ca.verify_client(der, &[], now + TimeDelta::days(366)), Err(Rejection::Expired { .. })));
    assert!(matches!(ca.verify_client(der, &[], now - TimeDelta::days(1)), Err(Rejection::NotYetValid { .. })));
}

#[test]
fn the_p12_opens_with_the_password_only_and_the_chain_verifies() {
    let tmp = TempDir::new("p12");
    let ca = open(&tmp.ca(), None).unwrap();
    let now = Utc::now();
    let issued = ca.issue_client("sampleusr123", &rokin(), &Serial::random().unwrap(), now, PASSWORD).unwrap();
    assert!(issued.file_name.starts_with("sampleusr123") && issued.file_name.ends_with(".p12"));
    assert_eq!(issued.file_name.len(), "sampleusr123".len() + 14 + 4);

    let p12 = write(&tmp.path().join(&issued.file_name), &issued.p12_bytes);
    let pass = format!("pass:{PASSWORD}");
    let Some(out) = openssl(&["pkcs12", "-info", "-in", &p12, "-passin", &pass, "-nokeys"]) else {
        return;
    };
    let info = text(&out);
    assert!(out.status.success(), "{info}");
    // PBES2 with AES-256: what OpenSSL 3 reads without -legacy.
    assert!(info.contains("PBES2, PBKDF2, AES-256-CBC"), "{info}");
    assert!(info.contains("MAC: sha256"), "{info}");
    // Both certificates: the client's, then the CA's.
    assert_eq!(info.matches("-----BEGIN CERTIFICATE-----").count(), 2, "{info}");
    assert!(info.contains(&issued.subject), "{info}");
    assert!(info.contains(CA_NAME), "{info}");

    let out = openssl(&["pkcs12", "-info", "-in", &p12, "-passin", &pass, "-nodes"]).unwrap();
    let with_keys = text(&out);
    assert!(out.status.success(), "{with_keys}");
    assert!(with_keys.contains("-----BEGIN PRIVATE KEY-----"), "{with_keys}");

    for wrong in ["pass:wrong", "pass:Pa$sw0rD", "pass:"] {
        let out = openssl(&["pkcs12", "-info", "-in", &p12, "-passin", wrong, "-nodes"]).unwrap();
        assert!(!out.status.success(), "{wrong} opened it");
        assert!(text(&out).contains("Mac verify error"), "{}", text(&out));
    }

    // The key in the file belongs to the certificate (OpenSSL pairs them by localKeyID).
    let both = out_of(&["pkcs12", "-in", &p12, "-passin", &pass, "-nodes"]);
    let pem = write(&tmp.path().join("both.pem"), both);
    let out = openssl(&["x509", "-in", &pem, "-noout", "-pubkey"]).unwrap();
    let from_cert = String::from_utf8_lossy(&out.stdout).into_owned();
    let out = openssl(&["pkey", "-in", &pem, "-pubout"]).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), from_cert);

    // openssl verify: the client certificate chains to ca.crt, also for TLS client use.
    let client = write(&tmp.path().join("client.pem"), &issued.certificate_pem);
    let ca_crt = tmp.ca().join("ca.crt");
    let ca_crt = ca_crt.to_str().unwrap();
    let out = openssl(&["verify", "-CAfile", ca_crt, "-purpose", "sslclient", &client]).unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(": OK"), "{}", text(&out));
    // ...and not to another CA.
    let other_tmp = TempDir::new("p12-other");
    open(&other_tmp.ca(), None).unwrap();
    let other_crt = other_tmp.ca().join("ca.crt");
    let out = openssl(&["verify", "-CAfile", other_crt.to_str().unwrap(), &client]).unwrap();
    assert!(!out.status.success());

    let out = openssl(&["x509", "-in", &client, "-noout", "-text"]).unwrap();
    let cert = text(&out);
    assert!(cert.contains("TLS Web Client Authentication"), "{cert}");
    assert!(cert.contains("CA:FALSE"), "{cert}");
    assert!(cert.contains(&format!("CN = {}", issued.subject)), "{cert}");
}

fn out_of(args: &[&str]) -> Vec<u8> {
    let out = openssl(args).unwrap();
    assert!(out.status.success(), "{}", text(&out));
    out.stdout
}

#[test]
fn the_crl_lists_the_revoked_serials_and_openssl_verifies_it() {
    let tmp = TempDir::new("crl");
    let ca = open(&tmp.ca(), None).unwrap();
    let now = jst(2025, 6, 2, 10, 0, 0);
    let a = ca.issue_client("user01abc", &rokin(), &Serial::random().unwrap(), now, PASSWORD).unwrap();
    let b = Serial::from_hex("00ff01").unwrap(); // a serial whose top bit is set
    let revoked_at = now + TimeDelta::hours(1);
    let crl = ca
        .crl(
            &[(a.serial.clone(), revoked_at), (b.clone(), revoked_at)],
            now + TimeDelta::hours(2),
            now + TimeDelta::days(1),
        )
        .unwrap();
    assert!(crl.pem.starts_with("-----BEGIN X509 CRL-----"));
    assert!(matches!(ca.crl(&[], now, now), Err(CaError::CrlWindow)));

    let der = write(&tmp.path().join("crl.der"), &crl.der);
    let ca_crt = tmp.ca().join("ca.crt");
    let Some(out) =
        openssl(&["crl", "-inform", "DER", "-in", &der, "-text", "-noout", "-CAfile", ca_crt.to_str().unwrap()])
    else {
        return;
    };
    let listing = text(&out);
    assert!(out.status.success(), "{listing}");
    assert!(listing.contains("verify OK"), "{listing}");
    assert!(listing.contains(&a.serial.to_hex().to_uppercase()), "{listing}");
    assert!(listing.contains("Serial Number: FF01"), "{listing}");
    assert!(listing.contains("Jun  2 02:00:00 2025 GMT"), "revocation date: {listing}");
    assert!(listing.contains("Next Update: Jun  3 01:00:00 2025 GMT"), "{listing}");

    // The revoked certificate fails `openssl verify -crl_check`; another one passes.
    let fresh = ca.issue_client("user02abc", &rokin(), &Serial::random().unwrap(), now, PASSWORD).unwrap();
    let crl_pem = write(&tmp.path().join("crl.pem"), &crl.pem);
    let at = (now + TimeDelta::hours(3)).timestamp().to_string();
    let check = |cert_pem: &str| {
        let client = write(&tmp.path().join("client.pem"), cert_pem);
        openssl(&[
            "verify",
            "-crl_check",
            "-attime",
            &at,
            "-CAfile",
            ca_crt.to_str().unwrap(),
            "-CRLfile",
            &crl_pem,
            &client,
        ])
        .unwrap()
    };
    let out = check(&a.certificate_pem);
    assert!(!out.status.success() && text(&out).contains("revoked"), "{}", text(&out));
    let out = check(&fresh.certificate_pem);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn retired_cas_still_verify_what_they_issued() {
    let tmp = TempDir::new("rotate");
    let dir = tmp.ca();
    let old = open(&dir, None).unwrap();
    let now = jst(2025, 6, 2, 10, 0, 0);
    let before = old.issue_client("user01abc", &rokin(), &Serial::random().unwrap(), now, PASSWORD).unwrap();

    // Rotation as docs/CA.md describes it: keep the old certificate under retired/, move
    // the old key away, start again.
    fs::create_dir(dir.join("retired")).unwrap();
    fs::rename(dir.join("ca.crt"), dir.join("retired/2025-06-02.crt")).unwrap();
    fs::rename(dir.join("ca.key"), tmp.path().join("old-ca.key")).unwrap();
    let new = Authority::open_or_create(&dir, "rokin", CA_NAME, None, now).unwrap();
    assert_ne!(new.ca_certificate_der(), old.ca_certificate_der());
    assert_eq!(new.trust_anchors_der().count(), 2);

    assert_eq!(new.verify_client(&before.certificate_der, &[], now).unwrap().user_id, "user01abc");
    let after = new.issue_client("user01abc", &rokin(), &Serial::random().unwrap(), now, PASSWORD).unwrap();
    assert!(new.verify_client(&after.certificate_der, &[], now).is_ok());
    // The old CA knows nothing of the new one.
    assert_eq!(old.verify_client(&after.certificate_der, &[], now), Err(Rejection::Foreign));
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let tmp = TempDir::new("inputs");
    let ca = open(&tmp.ca(), None).unwrap();
    let serial = Serial::random().unwrap();
    let now = ca_start();
    for user in ["", "has space", "ユーザー", "a/b", "x\"y"] {
        let err = ca.issue_client(user, &rokin(), &serial, now, PASSWORD).unwrap_err();
        assert!(matches!(err, CaError::InvalidUserId(_)), "{user}: {err}");
    }
    for template in [
        "{expiry} {user_id} ROKIN",
        "{user_id}{expiry}",
        "{user_id} {user_id}",
        "{user_id} {expiri} ROKIN",
        "{user_id} {expiry} a very long fixed text that makes the name longer than 64",
    ] {
        let profile = ClientProfile { subject_template: template.into(), validity_days: 366 };
        let err = ca.issue_client("user01abc", &profile, &serial, now, PASSWORD).unwrap_err();
        assert!(matches!(err, CaError::InvalidTemplate { .. }), "{template}: {err}");
    }
    assert!(matches!(ca.issue_client("user01abc", &rokin(), &serial, now, ""), Err(CaError::EmptyPassword)));
    // A client certificate may not outlive the CA.
    let late = ca.not_after() - TimeDelta::days(100);
    let err = ca.issue_client("user01abc", &rokin(), &serial, late, PASSWORD).unwrap_err();
    assert!(matches!(err, CaError::CaEndsTooSoon { .. }), "{err}");
    // And an expired CA does not open.
    let err = Authority::open_or_create(&tmp.ca(), "rokin", CA_NAME, None, ca.not_after() + TimeDelta::seconds(1))
        .unwrap_err();
    assert!(matches!(err, CaError::CaExpired { .. }), "{err}");
    // A file where the directory should be.
    let file = tmp.path().join("file");
    fs::write(&file, "x").unwrap();
    let err = open(&file.join("ca"), None).unwrap_err();
    assert!(matches!(err, CaError::Io { .. }), "{err}");
    assert!(err.to_string().contains("file"), "{err}");
}

/// Chromium on Linux keeps client certificates in an NSS database; `pk12util` is how they get
/// there (Debian `libnss3-tools`; skipped when absent).
#[test]
fn nss_imports_the_p12() {
    let tmp = TempDir::new("nss");
    let ca = open(&tmp.ca(), None).unwrap();
    let issued = ca.issue_client("sampleusr123", &rokin(), &Serial::random().unwrap(), Utc::now(), PASSWORD).unwrap();
    let p12 = write(&tmp.path().join(&issued.file_name), &issued.p12_bytes);
    let db = tmp.path().join("nssdb");
    fs::create_dir(&db).unwrap();
    let db = format!("sql:{}", db.display());
    let run = |program: &str, args: &[&str]| match Command::new(program).args(args).output() {
        Ok(out) => Some(out),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("running {program}: {e}"),
    };
    let Some(out) = run("certutil", &["-N", "-d", &db, "--empty-password"]) else {
        eprintln!("SKIPPED: no `certutil`/`pk12util` (Debian libnss3-tools)");
        return;
    };
    assert!(out.status.success(), "{}", text(&out));

    let out = run("pk12util", &["-i", &p12, "-d", &db, "-W", "wrong"]).unwrap();
    assert!(!out.status.success(), "a wrong password imported: {}", text(&out));

    let out = run("pk12util", &["-i", &p12, "-d", &db, "-W", PASSWORD]).unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = run("certutil", &["-L", "-d", &db]).unwrap();
    let listing = text(&out);
    assert!(listing.contains(&issued.subject), "{listing}");
    let out = run("certutil", &["-K", "-d", &db]).unwrap();
    let keys = text(&out);
    assert!(keys.contains("ec") && keys.contains(&issued.subject), "{keys}");
}

#[test]
fn the_passphrase_can_be_set_changed_and_removed() {
    let tmp = TempDir::new("set-passphrase");
    let ca = open(&tmp.ca(), None).unwrap();
    ca.set_passphrase(Some("first")).unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&tmp.ca().join("ca.key")), 0o600);
    assert!(matches!(open(&tmp.ca(), None), Err(CaError::PassphraseRequired { .. })));
    let ca = open(&tmp.ca(), Some("first")).unwrap();
    ca.set_passphrase(Some("second")).unwrap();
    assert!(matches!(open(&tmp.ca(), Some("first")), Err(CaError::WrongPassphrase { .. })));
    let ca = open(&tmp.ca(), Some("second")).unwrap();
    ca.set_passphrase(None).unwrap();
    let reopened = open(&tmp.ca(), None).unwrap();
    assert_eq!(reopened.ca_certificate_der(), ca.ca_certificate_der());
}

/// docs/CA.md tells operators how to do the same with OpenSSL (e.g. on a backup copy): the
/// files it writes must open here.
#[cfg(unix)]
#[test]
fn keys_encrypted_or_decrypted_by_openssl_open() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new("openssl-key");
    open(&tmp.ca(), None).unwrap();
    let key = tmp.ca().join("ca.key");
    let key_s = key.to_str().unwrap().to_owned();
    let new = tmp.ca().join("ca.key.new");
    let new_s = new.to_str().unwrap().to_owned();
    let replace = || {
        fs::set_permissions(&new, fs::Permissions::from_mode(0o600)).unwrap();
        fs::rename(&new, &key).unwrap();
    };

    // Add a passphrase (PBKDF2 + AES-256-CBC, OpenSSL's PBES2 default).
    let args = ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", &key_s, "-out", &new_s, "-passout", "pass:ops"];
    let Some(out) = openssl(&args) else { return };
    assert!(out.status.success(), "{}", text(&out));
    replace();
    assert!(matches!(open(&tmp.ca(), None), Err(CaError::PassphraseRequired { .. })));
    open(&tmp.ca(), Some("ops")).unwrap();

    // Change it, with scrypt as this crate writes.
    let args =
        ["pkcs8", "-topk8", "-scrypt", "-in", &key_s, "-passin", "pass:ops", "-out", &new_s, "-passout", "pass:ops2"];
    let out = openssl(&args).unwrap();
    assert!(out.status.success(), "{}", text(&out));
    replace();
    open(&tmp.ca(), Some("ops2")).unwrap();

    // Remove it.
    let out = openssl(&["pkey", "-in", &key_s, "-passin", "pass:ops2", "-out", &new_s]).unwrap();
    assert!(out.status.success(), "{}", text(&out));
    replace();
    open(&tmp.ca(), None).unwrap();
}
