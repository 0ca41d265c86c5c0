//! The CA's files on disk: created atomically and with tight permissions.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::CaError;

/// Mode of `ca.key`: the server's user alone reads it.
pub const KEY_MODE: u32 = 0o600;
/// Mode of `ca.crt`: public anyway (every issued PKCS#12 file carries it).
pub const CERT_MODE: u32 = 0o644;

/// Creates the directory (and parents) when missing; a new directory is private to the
/// server's user because it holds the key.
pub fn ensure_dir(dir: &Path) -> Result<(), CaError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| CaError::io(dir, e))
}

/// Whether `path` exists; an error other than "not found" (e.g. permission denied on the
/// directory) is reported rather than taken for absence, so a CA is never recreated over
/// files that are merely unreadable.
pub fn exists(path: &Path) -> Result<bool, CaError> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(CaError::io(path, e)),
    }
}

pub(crate) fn read_to_string(path: &Path) -> Result<String, CaError> {
    fs::read_to_string(path).map_err(|e| CaError::io(path, e))
}

/// Writes `contents` to `path` so that a reader sees either no file or the whole file:
/// a temporary file in the same directory (created with `mode` from the start, so the key
/// is never readable by others even for a moment), flushed to disk, then renamed over
/// `path`, and the directory entry flushed too.
pub fn write_atomically(path: &Path, contents: &[u8], mode: u32) -> Result<(), CaError> {
    // Unique per process and per call: two threads writing at once never share a temporary.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let temp: PathBuf = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));

    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;

    let result = (|| {
        let mut file = options.open(&temp).map_err(|e| CaError::io(&temp, e))?;
        // A temporary file left by a crashed earlier attempt keeps its old mode: set it again.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(mode)).map_err(|e| CaError::io(&temp, e))?;
        }
        file.write_all(contents).map_err(|e| CaError::io(&temp, e))?;
        file.sync_all().map_err(|e| CaError::io(&temp, e))?;
        fs::rename(&temp, path).map_err(|e| CaError::io(path, e))
    })();
    if result.is_err() {
        // Best effort: the error that matters is the one above.
        let _ = fs::remove_file(&temp);
        return result;
    }
    sync_dir(dir)
}

/// Runs `make` while holding the exclusive lock of `dir`, and returns what it returned.
///
/// Two instances started together on one fresh data folder (or two threads) would otherwise
/// both find no key, both make one, and rename over each other: one refused to start ("the
/// key exists but the certificate is missing") or both ran with different keys. Whoever makes
/// a key pair does so under this lock, after checking again that it is still missing; the
/// others wait, then find the pair on disk and load it. The lock is an advisory `flock` on
/// the directory itself (no lock file to leave behind), released when `make` returns, and
/// by the kernel if the process dies meanwhile, so a crash never leaves it held.
pub fn while_locked<T, E>(dir: &Path, make: impl FnOnce() -> Result<T, E>) -> Result<Result<T, E>, CaError> {
    let handle = lock_handle(dir).map_err(|e| CaError::io(dir, e))?;
    handle.lock().map_err(|e| CaError::io(dir, e))?;
    let made = make();
    // Closing the handle releases the lock.
    drop(handle);
    Ok(made)
}

#[cfg(unix)]
fn lock_handle(dir: &Path) -> std::io::Result<File> {
    File::open(dir)
}

/// Elsewhere a directory cannot be opened as a file: a lock file beside the keys.
#[cfg(not(unix))]
fn lock_handle(dir: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).truncate(false).write(true).open(dir.join(".lock"))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), CaError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| CaError::io(dir, e))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), CaError> {
    Ok(())
}

/// Refuses a key file that group or others may read (as ssh does for its keys).
#[cfg(unix)]
pub(crate) fn check_key_mode(path: &Path) -> Result<(), CaError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path).map_err(|e| CaError::io(path, e))?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CaError::InsecurePermissions { path: path.to_path_buf(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn check_key_mode(_path: &Path) -> Result<(), CaError> {
    Ok(())
}
