//! The certificate authority of a portal that logs in only browsers holding a client
//! certificate it issued itself (rokin: 電子証明書).
//!
//! A pure library: no web or database code. The web layer opens an [`Authority`] at start-up
//! ([`Authority::open_or_create`]), issues a certificate per user ([`Authority::issue_client`],
//! which returns the `.p12` file to download), publishes a [`Crl`] ([`Authority::crl`]) and
//! checks the presented certificate at every login ([`Authority::verify_client`]).
//!
//! Every cryptographic operation comes from maintained crates: rcgen (certificates, CRLs; on
//! ring, the workspace's one crypto provider), p12-keystore (PKCS#12), pkcs8 (encrypted key
//! file) and x509-parser (reading and signature checks, on ring). Files, backup, rotation and
//! passphrases are described in `docs/CA.md`.

mod authority;
mod error;
mod files;
mod keyfile;
mod serial;
mod time;
mod verify;

pub use authority::{Authority, CA_VALIDITY_DAYS, CERT_FILE, ClientProfile, Crl, Issued, KEY_FILE, RETIRED_DIR};
pub use error::CaError;
/// The file discipline of `ca.key` (private directory, atomic write, mode 0600, creation
/// under the directory's lock), also used
/// by the web layer for the server's self-signed TLS key.
pub mod private_files {
    pub use crate::files::{CERT_MODE, KEY_MODE, ensure_dir, exists, while_locked, write_atomically};
}
pub use serial::Serial;
pub use time::{JST, compact_jst};
pub use verify::{ClientIdentity, Rejection};
