//! The one storage implementation for SQLite and PostgreSQL.
//!
//! Queries are written once, in the SQL both dialects share (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT`), and run through sqlx's `Any` driver; timestamps are Unix
//! seconds. Only the migrations differ per backend (`migrations/{sqlite,postgres}/`).

pub mod audit;
pub mod calendar;
pub mod certificates;
pub mod codes;
pub mod content;
pub mod contracts;
pub mod documents;
pub mod drafts;
pub mod files;
pub mod limits;
pub mod manuals;
mod migrate;
pub mod operators;
pub mod organizations;
pub mod outbox;
pub mod pending_members;
pub mod registrations;
pub mod relay;
pub mod review;
pub mod search_changes;
pub mod secrets;
pub mod serials;
pub mod sessions;
pub mod surveys;
pub mod users;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

pub use migrate::{MIGRATIONS, MigrationStatus};
pub use sqlx::{AnyConnection as Conn, Error as DbError};
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The longest a request waits for a database connection.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// A pooled connection idle this long is pinged before it is handed out.
const IDLE_PING: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL must start with sqlite: or postgres://")]
    UnknownBackend,
    #[error("cannot create the database folder {0}: {1}")]
    Folder(String, std::io::Error),
    #[error("cannot create the database file {0}: {1}")]
    File(String, std::io::Error),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl Store {
    /// Opens the pool. SQLite gets WAL, a busy timeout and foreign keys on every
    /// connection; its file and folder are created when missing.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnknownBackend);
        };
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            // Fail fast when the database is away: a page says so instead of hanging. While
            // PostgreSQL refuses connections sqlx keeps retrying until this deadline, so it is
            // how long a request waits before its 503 page. A healthy pool hands a connection
            // out in microseconds (a login flood queues on the hasher, not here).
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // sqlx pings every connection it hands out and every one given back. The ping on
            // return stays (a connection that fails it is closed); the one on hand-out only
            // for connections idle a while, which a restarted database may have cut. Two
            // round trips fewer per page (docs/BENCHMARKS.md); a connection that died within
            // the last seconds fails its request with the database-unavailable page and is
            // closed when given back.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Store { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads and then writes can fail with "database is locked"
    /// when another writer came in between, instead of waiting its turn.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, sqlx::Error> {
        self.pool.acquire().await
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `sqlite://data/x.db` → creates `data/` (mode 0700 when new) and the file (mode 0600).
///
/// The database holds password hashes, sessions and the audit log: only the server's user
/// may read it. SQLite would create the file with the process umask (0644 under the usual
/// 022), so it is created here first, empty and 0600, which SQLite accepts as a new database;
/// SQLite gives its `-wal` and `-shm` files the mode of the database file. An existing file
/// keeps its mode (an operator may have chosen a group for backups), with a warning when
/// others may read it.
fn prepare_sqlite_url(url: &str) -> Result<String, StoreError> {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" || path.starts_with("file::memory:") {
        return Ok(url.to_string());
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        let mut folder = std::fs::DirBuilder::new();
        folder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
        folder.create(parent).map_err(|e| StoreError::Folder(parent.display().to_string(), e))?;
    }
    create_private_file(std::path::Path::new(path))?;
    Ok(if rest.contains("mode=") {
        url.to_string()
    } else if rest.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Creates `path` empty with mode 0600 unless it exists.
fn create_private_file(path: &std::path::Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            #[cfg(unix)]
            if let Ok(meta) = std::fs::metadata(path) {
                let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777;
                if mode & 0o007 != 0 {
                    tracing::warn!(
                        file = %path.display(), mode = format!("{mode:o}"),
                        "the database file is readable by other users: chmod 600 it (and its -wal and -shm)"
                    );
                }
            }
            Ok(())
        }
        Err(e) => Err(StoreError::File(path.display().to_string(), e)),
    }
}

/// Runs SQL that needs no parameters (administration such as creating a test schema).
pub async fn raw_execute(conn: &mut sqlx::AnyConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(conn).await.map(|_| ())
}
