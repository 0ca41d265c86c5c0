//! The sealed form carried across an expired session (modules spec §0.1 rule 4): a POST that
//! arrives after the idle logout is not thrown away. Its fields, the address it was posted to
//! and the user id of the expired session are sealed into one opaque value, which the login
//! page carries as a hidden field; after a successful login **as the same user** the fields
//! become a draft and the form reopens. A login as anyone else discards the value, and a value
//! older than 24 hours (Choice) opens as [`OpenError::Expired`].
//!
//! Sealing is AES-256-GCM (RustCrypto `aes-gcm`) with a random 96-bit nonce per value, under
//! the server key `server_secrets.draft_seal` (made at first start like the CSRF key, so every
//! instance on the database opens what another sealed). The portal is bound as associated data,
//! so a value sealed on one portal does not open on another. The value is
//! `base64url(version ‖ nonce ‖ ciphertext ‖ tag)`, no padding. The fields are encrypted, not
//! only signed: they may hold personal data and travel through the browser and its history.
//!
//! # How it is wired
//!
//! [`restore`]: the `FormUser` extractor and `or_seal` on the form's side, `after_login` on the
//! login's, and the `DraftRestorer` each module registers for its forms
//! (docs/DRAFTS_REVIEW.md).
//!
//! The value never authorises anything by itself: it is opened only after a full login, and
//! only the fields reach the module's own draft rules.

pub mod restore;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// How long a sealed form may be opened (Choice, §0.1 rule 4).
pub const VALID_SECONDS: i64 = 24 * 3600;
/// The name of the server secret (`server_secrets.name`).
pub const SECRET_NAME: &str = "draft_seal";
/// The audit events of the login side (new names; written by the login when it is wired).
pub const EVENT_RESTORED: &str = "draft.restored_after_login";
pub const EVENT_DISCARDED: &str = "draft.seal_discarded";
/// A value longer than this is not even decoded (a form of the longest fields is far below).
pub const MAX_SEALED_CHARS: usize = 1 << 20;

/// Form fields never sealed: the CSRF token (stale by the time the value is opened, and no
/// part of the draft) and a sealed value carried by the form itself.
const NOT_SEALED: &[&str] = &["_csrf", "sealed_draft"];

const VERSION: u8 = 1;
const NONCE_BYTES: usize = 12;
const AAD_PREFIX: &[u8] = b"madoguchi draft seal v1|";

/// The server key that seals and opens.
#[derive(Clone)]
pub struct DraftSealKey([u8; 32]);

impl std::fmt::Debug for DraftSealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DraftSealKey(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Db(#[from] madoguchi_store::DbError),
    #[error("server_secrets.draft_seal is not a 32-byte key in hex")]
    Malformed,
}

impl DraftSealKey {
    /// A key as stored (64 hex digits).
    pub fn from_hex(text: &str) -> Option<DraftSealKey> {
        let bytes: [u8; 32] = hex::decode(text.trim()).ok()?.try_into().ok()?;
        Some(DraftSealKey(bytes))
    }

    /// The database's key, made now if there is none yet (every instance gets the first one).
    pub async fn load(conn: &mut madoguchi_store::Conn, now: i64) -> Result<DraftSealKey, KeyError> {
        let stored =
            madoguchi_store::secrets::get_or_create(conn, SECRET_NAME, &crate::auth::random_token(), now).await?;
        DraftSealKey::from_hex(&stored).ok_or(KeyError::Malformed)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.0.into())
    }
}

/// What a sealed value holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedForm {
    pub portal: String,
    /// The user of the expired session: only this user's login opens the value.
    pub user_id: i64,
    /// The path the form was posted to (under `/{portal}/`).
    pub target: String,
    /// The posted pairs in their order (repeated names kept: multi-selects).
    pub fields: Vec<(String, String)>,
    pub sealed_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The target is not a path of this portal (it would become a redirect).
    #[error("the target is not a path under the portal")]
    Target,
    #[error("the form could not be sealed")]
    Cipher,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// Not a value this server sealed for this portal (changed, cut, another key or portal).
    #[error("not a sealed form of this server")]
    Malformed,
    #[error("the sealed form has expired")]
    Expired,
    /// Sealed for another user than the one who logged in: discard it.
    #[error("the sealed form belongs to another user")]
    OtherUser,
}

/// Whether `target` is a local path of `portal` (no scheme, no `//` host, no backslash).
fn target_ok(portal: &str, target: &str) -> bool {
    let prefix = format!("/{portal}/");
    target.starts_with(&prefix)
        && !target.contains("//")
        && !target.contains('\\')
        && !target.chars().any(char::is_control)
}

/// Seals the posted `fields` of `user_id`'s expired session on `portal`, to reopen at `target`
/// (the CSRF token and any sealed value among the fields are left out).
pub fn seal(
    key: &DraftSealKey,
    portal: &str,
    user_id: i64,
    target: &str,
    fields: &[(String, String)],
    now: i64,
) -> Result<String, SealError> {
    if !target_ok(portal, target) {
        return Err(SealError::Target);
    }
    let form = SealedForm {
        portal: portal.to_string(),
        user_id,
        target: target.to_string(),
        fields: fields.iter().filter(|(name, _)| !NOT_SEALED.contains(&name.as_str())).cloned().collect(),
        sealed_at: now,
        expires_at: now.saturating_add(VALID_SECONDS),
    };
    let plain = serde_json::to_vec(&form).map_err(|_| SealError::Cipher)?;
    let mut nonce = [0u8; NONCE_BYTES];
    rand::rng().fill_bytes(&mut nonce);
    let aad = [AAD_PREFIX, portal.as_bytes()].concat();
    let sealed =
        key.cipher().encrypt(&nonce.into(), Payload { msg: &plain, aad: &aad }).map_err(|_| SealError::Cipher)?;
    let mut out = Vec::with_capacity(1 + NONCE_BYTES + sealed.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(URL_SAFE_NO_PAD.encode(out))
}

/// Opens `value` for the user `logged_in` who just logged in on `portal`, at `now`.
pub fn open(key: &DraftSealKey, value: &str, portal: &str, logged_in: i64, now: i64) -> Result<SealedForm, OpenError> {
    if value.len() > MAX_SEALED_CHARS {
        return Err(OpenError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD.decode(value.trim()).map_err(|_| OpenError::Malformed)?;
    let (Some(&VERSION), Some(rest)) = (bytes.first(), bytes.get(1..)) else {
        return Err(OpenError::Malformed);
    };
    if rest.len() < NONCE_BYTES {
        return Err(OpenError::Malformed);
    }
    let (nonce, sealed) = rest.split_at(NONCE_BYTES);
    let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| OpenError::Malformed)?;
    let aad = [AAD_PREFIX, portal.as_bytes()].concat();
    let plain =
        key.cipher().decrypt(&nonce.into(), Payload { msg: sealed, aad: &aad }).map_err(|_| OpenError::Malformed)?;
    let form: SealedForm = serde_json::from_slice(&plain).map_err(|_| OpenError::Malformed)?;
    if form.portal != portal || !target_ok(portal, &form.target) {
        return Err(OpenError::Malformed);
    }
    if now >= form.expires_at {
        return Err(OpenError::Expired);
    }
    if form.user_id != logged_in {
        return Err(OpenError::OtherUser);
    }
    Ok(form)
}

/// What a module's restorer is given: the login's transaction, the portal, the user who just
/// logged in and the opened form.
pub struct RestoreInput<'a> {
    pub conn: &'a mut madoguchi_store::Conn,
    pub portal: &'a madoguchi_core::Portal,
    pub user: &'a madoguchi_store::users::User,
    pub form: &'a SealedForm,
    pub now: i64,
}

pub type RestoreFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Option<String>, crate::error::AppError>> + Send + 'a>>;

/// A module's side: the forms it owns, and how their fields become a draft. `restore` returns
/// the address to open (the draft's form), or None when it stored nothing (the form's object
/// is gone); it must store only what the user could have saved with a live session.
pub trait DraftRestorer: Send + Sync {
    fn owns(&self, portal: &madoguchi_core::Portal, target: &str) -> bool;
    fn restore<'a>(&'a self, input: RestoreInput<'a>) -> RestoreFuture<'a>;
}

pub type DraftRestorers = Vec<std::sync::Arc<dyn DraftRestorer>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn new_key() -> DraftSealKey {
        DraftSealKey::from_hex(&crate::auth::random_token()).unwrap()
    }

    fn fields() -> Vec<(String, String)> {
        vec![
            ("title".into(), "准教授（情報科学）の公募".into()),
            ("major".into(), "00289".into()),
            ("major".into(), "01000".into()),
        ]
    }

    const NOW: i64 = 1_795_000_000;

    #[test]
    fn the_same_user_gets_the_fields_back() {
        let key = new_key();
        let sealed = seal(&key, "jrec-in", 7, "/jrec-in/postings/draft/3", &fields(), NOW).unwrap();
        assert!(sealed.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "base64url");
        assert!(!sealed.contains("00289"), "encrypted, not only signed");
        let form = open(&key, &sealed, "jrec-in", 7, NOW + 3600).unwrap();
        assert_eq!(form.fields, fields());
        assert_eq!(form.target, "/jrec-in/postings/draft/3");
        assert_eq!(form.expires_at, NOW + VALID_SECONDS);
        let mut posted = fields();
        posted.push(("_csrf".into(), "token".into()));
        posted.push(("sealed_draft".into(), "older".into()));
        let again = seal(&key, "jrec-in", 7, "/jrec-in/postings/draft/3", &posted, NOW).unwrap();
        assert_eq!(open(&key, &again, "jrec-in", 7, NOW).unwrap().fields, fields(), "no token, no nesting");
        // Random nonce: sealing twice gives two values.
        assert_ne!(seal(&key, "jrec-in", 7, "/jrec-in/postings/draft/3", &fields(), NOW).unwrap(), sealed);
    }

    #[test]
    fn another_user_is_refused() {
        let key = new_key();
        let sealed = seal(&key, "jrec-in", 7, "/jrec-in/x", &fields(), NOW).unwrap();
        assert_eq!(open(&key, &sealed, "jrec-in", 8, NOW + 10), Err(OpenError::OtherUser));
    }

    #[test]
    fn it_expires_after_24_hours() {
        let key = new_key();
        let sealed = seal(&key, "jrec-in", 7, "/jrec-in/x", &fields(), NOW).unwrap();
        assert!(open(&key, &sealed, "jrec-in", 7, NOW + VALID_SECONDS - 1).is_ok());
        assert_eq!(open(&key, &sealed, "jrec-in", 7, NOW + VALID_SECONDS), Err(OpenError::Expired));
    }

    #[test]
    fn tampering_another_key_or_portal_is_malformed() {
        let key = new_key();
        let sealed = seal(&key, "jrec-in", 7, "/jrec-in/x", &fields(), NOW).unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
        for at in [0, 5, bytes.len() / 2, bytes.len() - 1] {
            bytes[at] ^= 0x01;
            let changed = URL_SAFE_NO_PAD.encode(&bytes);
            assert_eq!(open(&key, &changed, "jrec-in", 7, NOW), Err(OpenError::Malformed), "byte {at}");
            bytes[at] ^= 0x01;
        }
        assert_eq!(open(&key, &sealed[..sealed.len() - 4], "jrec-in", 7, NOW), Err(OpenError::Malformed));
        assert_eq!(open(&new_key(), &sealed, "jrec-in", 7, NOW), Err(OpenError::Malformed));
        assert_eq!(open(&key, &sealed, "hellowork", 7, NOW), Err(OpenError::Malformed));
        assert_eq!(open(&key, "", "jrec-in", 7, NOW), Err(OpenError::Malformed));
        assert_eq!(open(&key, "!!!", "jrec-in", 7, NOW), Err(OpenError::Malformed));
        assert_eq!(open(&key, &"A".repeat(MAX_SEALED_CHARS + 1), "jrec-in", 7, NOW), Err(OpenError::Malformed));
    }

    #[test]
    fn the_target_must_be_a_path_of_the_portal() {
        let key = new_key();
        for bad in
            ["https://evil.example/jrec-in/", "//evil.example/jrec-in/", "/hellowork/x", "/jrec-in//x", "/jrec-in/\\x"]
        {
            assert_eq!(seal(&key, "jrec-in", 7, bad, &fields(), NOW), Err(SealError::Target), "{bad}");
        }
        assert_eq!(format!("{key:?}"), "DraftSealKey(…)");
        assert!(DraftSealKey::from_hex("abcd").is_none());
    }
}
