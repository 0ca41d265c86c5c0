//! `ca.key`: the CA's private key as PKCS#8 PEM, encrypted when a passphrase is configured.
//!
//! Encrypted keys are standard `ENCRYPTED PRIVATE KEY` documents (PKCS#8 with PBES2: scrypt
//! for the key derivation, AES-256-CBC for the cipher, both from the RustCrypto `pkcs8`
//! crate), so `openssl pkey -in ca.key` opens them too, e.g. for an offline backup check.

use std::path::Path;

use pkcs8::der::pem::{self, LineEnding};
use pkcs8::{EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef};
use rcgen::KeyPair;

use crate::CaError;

const PLAIN_LABEL: &str = "PRIVATE KEY";
const ENCRYPTED_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// The PEM text to write for `key`.
pub(crate) fn encode(key: &KeyPair, passphrase: Option<&str>, path: &Path) -> Result<String, CaError> {
    let Some(passphrase) = passphrase else {
        return Ok(key.serialize_pem());
    };
    let der = key.serialize_der();
    let info = PrivateKeyInfoRef::try_from(der.as_slice())
        .map_err(|e| CaError::BadKey { path: path.to_path_buf(), reason: e.to_string() })?;
    let encrypted = info
        .encrypt_with_rng(&mut getrandom::SysRng, passphrase.as_bytes())
        .map_err(|e| CaError::crypto("encrypting the CA key", e))?;
    let text =
        encrypted.to_pem(ENCRYPTED_LABEL, LineEnding::LF).map_err(|e| CaError::crypto("encoding the CA key", e))?;
    Ok(text.as_str().to_owned())
}

/// Reads the PEM text of `ca.key`, decrypting it with the passphrase.
pub(crate) fn decode(text: &str, passphrase: Option<&str>, path: &Path) -> Result<KeyPair, CaError> {
    let bad = |reason: String| CaError::BadKey { path: path.to_path_buf(), reason };
    let (label, der) = pem::decode_vec(text.as_bytes()).map_err(|e| bad(format!("not PEM: {e}")))?;
    let plain = match (label, passphrase) {
        (PLAIN_LABEL, None) => der,
        (PLAIN_LABEL, Some(_)) => {
            return Err(CaError::NotEncrypted { path: path.to_path_buf() });
        }
        (ENCRYPTED_LABEL, None) => {
            return Err(CaError::PassphraseRequired { path: path.to_path_buf() });
        }
        (ENCRYPTED_LABEL, Some(passphrase)) => {
            let info = EncryptedPrivateKeyInfoRef::try_from(der.as_slice())
                .map_err(|e| bad(format!("not an encrypted PKCS#8 key: {e}")))?;
            // A wrong passphrase shows as a padding or decoding failure of the decrypted
            // bytes; an unsupported scheme would too, but this crate writes only one.
            let doc = info
                .decrypt(passphrase.as_bytes())
                .map_err(|_| CaError::WrongPassphrase { path: path.to_path_buf() })?;
            doc.as_bytes().to_vec()
        }
        (other, _) => return Err(bad(format!("PEM label {other:?}, expected {PLAIN_LABEL:?}"))),
    };
    KeyPair::try_from(plain.as_slice()).map_err(|e| bad(e.to_string()))
}
