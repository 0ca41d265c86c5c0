//! Secrets: argon2id password hashes (bounded so a login flood queues instead of eating
//! memory), random tokens stored only as SHA-256 hashes, numeric codes, and constant-time
//! comparison.

use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::{Rng, RngExt};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::sync::{Arc, Mutex, OnceLock};
use subtle::ConstantTimeEq;

/// argon2id with the OWASP minimum (m=19456 KiB, t=2, p=1), computed on a fixed set of
/// threads, one per core. A login flood queues for them instead of running hundreds of
/// 19 MiB hashes at once (the binary's allocator, mimalloc, then returns the memory).
#[derive(Clone)]
pub struct Hasher {
    params: Params,
    pool: Arc<HashPool>,
    /// A hash with these parameters of a random password: verified when the login ID is
    /// unknown, so an unknown ID costs the same time as a known one.
    dummy: Arc<OnceLock<String>>,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher").field("params", &self.params).finish_non_exhaustive()
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new(19456, 2, 1)
    }
}

type Job = Box<dyn FnOnce() + Send>;

struct HashPool {
    jobs: Mutex<std::sync::mpsc::Sender<Job>>,
}

impl HashPool {
    fn new(threads: usize) -> HashPool {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..threads {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || {
                loop {
                    // The lock is held only while waiting for the next job, not while hashing.
                    let job = match receiver.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return, // every Hasher is gone
                    }
                }
            });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        HashPool { jobs: Mutex::new(sender) }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs.lock().ok()?.send(job).ok()?;
        result.await.ok()
    }
}

impl Hasher {
    pub fn new(m_kib: u32, t: u32, p: u32) -> Hasher {
        let params = Params::new(m_kib, t, p, None).unwrap_or_default();
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Hasher { params, pool: Arc::new(HashPool::new(cores)), dummy: Arc::new(OnceLock::new()) }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    pub async fn hash(&self, password: &str) -> Result<String, argon2::password_hash::Error> {
        let argon2 = self.argon2();
        let password = password.to_owned();
        self.pool
            .run(move || argon2.hash_password(password.as_bytes()).map(|h| h.to_string()))
            .await
            .unwrap_or(Err(argon2::password_hash::Error::Crypto))
    }

    async fn dummy_hash(&self) -> String {
        if let Some(hash) = self.dummy.get() {
            return hash.clone();
        }
        let hash = self.hash(&random_token()).await.unwrap_or_default();
        self.dummy.get_or_init(|| hash).clone()
    }

    /// True when `password` matches; `None` as the hash does the same work and says false.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> bool {
        let (known, hash) = match hash {
            Some(h) => (true, h.to_owned()),
            None => (false, self.dummy_hash().await),
        };
        let password = password.to_owned();
        let matched = self.pool.run(move || verify_in_thread_memory(password.as_bytes(), &hash)).await.unwrap_or(false);
        known && matched
    }

    /// True when a stored hash was made with other parameters than the current ones: the
    /// caller re-hashes the password it just verified.
    pub fn needs_rehash(&self, hash: &str) -> bool {
        let current = format!("m={},t={},p={}", self.params.m_cost(), self.params.t_cost(), self.params.p_cost());
        !(hash.starts_with("$argon2id$v=19$") && hash.contains(&current))
    }
}

thread_local! {
    /// The argon2 memory of a hashing thread, kept from one verification to the next. A fresh
    /// 19 MiB per login came zeroed from the allocator first: ~4 % more CPU per hash, two
    /// threads hashing at once (12.3 against 11.8 ms). Argon2 writes every block before it
    /// reads it, so what an earlier hash left there is never used. The memory stays with the
    /// thread (19 MiB per core after the first login), as mimalloc kept it before anyway.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Whether `password` matches a PHC argon2 hash (its own algorithm, version and parameters),
/// computed in this thread's memory; the comparison is constant-time.
fn verify_in_thread_memory(password: &[u8], hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(parsed.algorithm.as_str()), Params::try_from(&parsed))
    else {
        return false;
    };
    let Ok(version) = parsed.version.map(Version::try_from).transpose() else { return false };
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut out = vec![0u8; expected.len()];
    let computed = MEMORY.with_borrow_mut(|memory| {
        let blocks = argon2.params().block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, &mut out, &mut memory[..blocks])
    });
    computed.is_ok() && out.ct_eq(expected.as_bytes()).into()
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

/// The letters of a 管理者登録コード: Crockford's base 32 (no I, L, O, U to misread).
const ADMIN_CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A shaho contract's 管理者登録コード: 16 characters of base 32 (80 random bits), in four
/// groups (`7KQ2-M9XD-…`), typed once by the contract's first account.
pub fn admin_code() -> String {
    let mut rng = rand::rng();
    let chars: Vec<char> =
        (0..16).map(|_| char::from(ADMIN_CODE_ALPHABET[rng.random_range(0..ADMIN_CODE_ALPHABET.len())])).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// What the database keeps of a 管理者登録コード as typed: full-width folded, case and
/// hyphens and spaces ignored, then hashed.
pub fn admin_code_hash(typed: &str) -> String {
    let folded: String = madoguchi_core::normalize::fold(typed)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    token_hash(&folded)
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
        assert!(!hasher.needs_rehash(&hash));
        assert!(Hasher::new(512, 1, 1).needs_rehash(&hash));
    }

    #[test]
    fn verification_in_reused_memory_agrees_with_the_library() {
        use argon2::password_hash::PasswordVerifier;
        let hashes: Vec<String> = [(512, 2, 1), (256, 1, 1), (1024, 1, 2), (512, 2, 1)]
            .into_iter()
            .map(|(m, t, p)| {
                let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(m, t, p, None).unwrap());
                argon2.hash_password(b"Secret-1").unwrap().to_string()
            })
            .collect();
        // Bigger, smaller and equal memory one after another, in the same thread.
        for hash in &hashes {
            let parsed = PasswordHash::new(hash).unwrap();
            assert!(Argon2::default().verify_password(b"Secret-1", &parsed).is_ok());
            assert!(verify_in_thread_memory(b"Secret-1", hash), "{hash}");
            assert!(!verify_in_thread_memory(b"Secret-2", hash), "{hash}");
        }
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x10, Params::new(256, 1, 1, None).unwrap());
        let old = argon2i.hash_password(b"Secret-1").unwrap().to_string();
        assert!(verify_in_thread_memory(b"Secret-1", &old), "the hash's own algorithm and version");
        for broken in ["", "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHQ", "plain", &hashes[0][..hashes[0].len() - 4]] {
            assert!(!verify_in_thread_memory(b"Secret-1", broken), "{broken}");
        }
    }

    #[test]
    fn admin_codes_are_random_and_typed_loosely() {
        let code = admin_code();
        assert_eq!(code.len(), 19);
        assert_ne!(code, admin_code());
        assert_eq!(admin_code_hash(&code), admin_code_hash(&code.to_lowercase().replace('-', " ")));
        assert_eq!(admin_code_hash("ＤＥＭＯ－ＡＤＭＩＮ－２０２６"), admin_code_hash("demo-admin-2026"));
        assert_ne!(admin_code_hash("DEMO-ADMIN-2026"), admin_code_hash("DEMO-ADMIN-2027"));
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
