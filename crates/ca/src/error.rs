//! What can go wrong while opening the authority or issuing from it.
//!
//! Login-time checks of a presented certificate do not use this type: they answer with a
//! [`crate::Rejection`], one case per page the web layer shows.

use std::path::PathBuf;

/// An error of the certificate authority. Every message names the file it concerns, so an
/// operator reading the start-up log knows where to look.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Exactly one of `ca.key` and `ca.crt` exists. A new pair is never created over a lone
    /// key (it may be the only copy) nor beside a lone certificate (browsers trust it).
    #[error(
        "{} exists but {} is missing: restore the missing file from the backup (see docs/CA.md); \
         a new CA is created only when both are absent",
        present.display(),
        missing.display()
    )]
    Incomplete { present: PathBuf, missing: PathBuf },

    /// Group or others can read the key file.
    #[error(
        "{}: the CA key is readable by group or others (mode {mode:o}); run `chmod 600` on it",
        path.display()
    )]
    InsecurePermissions { path: PathBuf, mode: u32 },

    #[error("{}: the CA key is encrypted; a passphrase is needed to open it", path.display())]
    PassphraseRequired { path: PathBuf },

    #[error("{}: wrong passphrase for the CA key", path.display())]
    WrongPassphrase { path: PathBuf },

    /// A passphrase is configured but the key on disk is stored in the clear: refused so that
    /// nobody believes the key protected when it is not.
    #[error(
        "{}: a passphrase is configured but the CA key is not encrypted; encrypt it (docs/CA.md) \
         or remove the passphrase from the configuration",
        path.display()
    )]
    NotEncrypted { path: PathBuf },

    #[error("{}: not a usable CA key: {reason}", path.display())]
    BadKey { path: PathBuf, reason: String },

    #[error("{}: not a usable CA certificate: {reason}", path.display())]
    BadCertificate { path: PathBuf, reason: String },

    #[error("{} and {} do not belong together (the certificate holds another public key)", key.display(), cert.display())]
    KeyMismatch { key: PathBuf, cert: PathBuf },

    /// The directory holds the CA of another portal (its certificate names another portal id).
    #[error("{}: this is the CA of portal `{found}`, not of `{expected}`", path.display())]
    WrongPortal { path: PathBuf, expected: String, found: String },

    #[error("{}: the CA certificate expired at {not_after}; rotate the CA (docs/CA.md)", path.display())]
    CaExpired { path: PathBuf, not_after: String },

    /// A client certificate issued now would outlive the CA certificate.
    #[error(
        "{}: the CA certificate ends at {ca_not_after}, before a new client certificate would \
         ({not_after}); rotate the CA (docs/CA.md)",
        path.display()
    )]
    CaEndsTooSoon { path: PathBuf, ca_not_after: String, not_after: String },

    #[error("invalid user id {0:?}: only ASCII letters, digits, `-`, `_` and `.` are allowed")]
    InvalidUserId(String),

    #[error("invalid subject template {template:?}: {reason}")]
    InvalidTemplate { template: String, reason: String },

    #[error("a client certificate must be valid for at least 2 days counting the issue day, not {0}")]
    InvalidValidity(u32),

    #[error("invalid serial number: {0}")]
    InvalidSerial(String),

    #[error("the password protecting the PKCS#12 file must not be empty")]
    EmptyPassword,

    #[error("{0} lies outside the range a certificate can carry")]
    TimeOutOfRange(String),

    #[error("the CRL's next update must come after its this update")]
    CrlWindow,

    #[error("the operating system's random generator failed: {0}")]
    Random(String),

    /// A failure inside the certificate or PKCS#12 libraries while writing; not expected with
    /// the inputs this crate validates.
    #[error("{what}: {reason}")]
    Crypto { what: &'static str, reason: String },
}

impl CaError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CaError::Io { path: path.into(), source }
    }

    pub(crate) fn crypto(what: &'static str, reason: impl ToString) -> Self {
        CaError::Crypto { what, reason: reason.to_string() }
    }
}
