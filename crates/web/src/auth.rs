//! Secrets: argon2id password hashes (bounded so a login flood queues instead of eating
//! memory), random tokens stored only as SHA-256 hashes, numeric codes, and constant-time
//! comparison.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::{Rng, RngExt};
use sha2::{Digest, Sha256};
use std::sync::{Arc, LazyLock};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

/// argon2id with the OWASP minimum (m=19456 KiB, t=2, p=1).
#[derive(Clone, Debug)]
pub struct Hasher {
    params: Params,
    permits: Arc<Semaphore>,
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new(19456, 2, 1)
    }
}

/// A hash of a random password, verified when the login ID is unknown so that an unknown
/// ID costs the same time as a known one.
static DUMMY: LazyLock<String> = LazyLock::new(|| {
    Argon2::default().hash_password(random_token().as_bytes()).map(|h| h.to_string()).unwrap_or_default()
});

impl Hasher {
    pub fn new(m_kib: u32, t: u32, p: u32) -> Hasher {
        let params = Params::new(m_kib, t, p, None).unwrap_or_default();
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Hasher { params, permits: Arc::new(Semaphore::new(cores)) }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    pub async fn hash(&self, password: &str) -> Result<String, argon2::password_hash::Error> {
        let _permit = self.permits.acquire().await;
        let argon2 = self.argon2();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || argon2.hash_password(password.as_bytes()).map(|h| h.to_string()))
            .await
            .unwrap_or(Err(argon2::password_hash::Error::Crypto))
    }

    /// True when `password` matches; `None` as the hash does the same work and says false.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> bool {
        let _permit = self.permits.acquire().await;
        let (known, hash) = match hash {
            Some(h) => (true, h.to_owned()),
            None => (false, DUMMY.clone()),
        };
        let argon2 = self.argon2();
        let password = password.to_owned();
        let matched = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        known && matched
    }
}

/// 32 random bytes, hex: cookie tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database keeps of a token or code.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A code of `digits` decimal digits, uniformly drawn.
pub fn numeric_code(digits: u32) -> String {
    let mut rng = rand::rng();
    (0..digits).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

pub fn equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_ids_fail() {
        let hasher = Hasher::new(256, 1, 1);
        let hash = hasher.hash("Secret-1").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(hasher.verify("Secret-1", Some(&hash)).await);
        assert!(!hasher.verify("secret-1", Some(&hash)).await);
        assert!(!hasher.verify("Secret-1", None).await);
    }

    #[test]
    fn codes_and_tokens() {
        let code = numeric_code(6);
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        assert_ne!(random_token(), random_token());
        assert!(equal("abc", "abc") && !equal("abc", "abd") && !equal("abc", "ab"));
    }
}
