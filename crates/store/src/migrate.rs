//! Embedded migrations, the same names for both backends, applied in order, each in its
//! own transaction. A tiny runner instead of `sqlx::migrate!`: the macro would compile
//! both database drivers a second time for the host (minutes on a 2-core machine), and
//! we need no more than this.

use crate::{Backend, Store};
use sqlx::Executor;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! migration {
    ($version:expr, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }
    };
}

/// Never edit a migration once it has landed: add the next one.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_platform"),
    migration!(2, "0002_identity"),
    migration!(3, "0003_registration"),
    migration!(4, "0004_contracts"),
    migration!(5, "0005_console"),
    migration!(6, "0006_audit_organization"),
    migration!(7, "0007_office"),
    migration!(8, "0008_rokin"),
    migration!(9, "0009_manuals"),
    // 10–15 belong to work on other branches.
    migration!(16, "0016_calendar"),
];

#[derive(Debug, PartialEq, Eq)]
pub struct MigrationStatus {
    pub applied_now: Vec<&'static str>,
    pub latest: i64,
}

impl Store {
    /// Applies what is missing; running it again is a no-op.
    pub async fn migrate(&self, now: i64) -> Result<MigrationStatus, sqlx::Error> {
        self.pool
            .execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at BIGINT NOT NULL
                )",
            )
            .await?;
        let mut applied_now = Vec::new();
        for migration in MIGRATIONS {
            let mut tx = self.pool.begin().await?;
            if self.backend == Backend::Postgres {
                // Two instances starting together: the second waits, then finds it done.
                tx.execute("SELECT pg_advisory_xact_lock(7305019)").await?;
            }
            let done: Option<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(migration.version)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_some() {
                continue;
            }
            let sql = match self.backend {
                Backend::Sqlite => migration.sqlite,
                Backend::Postgres => migration.postgres,
            };
            tx.execute(sql).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(migration.version)
                .bind(migration.name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(migration = migration.name, "applied migration");
            applied_now.push(migration.name);
        }
        Ok(MigrationStatus { applied_now, latest: latest_version() })
    }

    /// True when every embedded migration has been applied (what `/readyz` asks).
    pub async fn migrations_current(&self) -> Result<bool, sqlx::Error> {
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations").fetch_one(&self.pool).await?;
        Ok(applied == Some(latest_version()))
    }
}

fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}
