//! Embedded migrations, the same names for both backends, applied in order, each in its
//! own transaction. A tiny runner instead of `sqlx::migrate!`: the macro would compile
//! both database drivers a second time for the host (minutes on a 2-core machine), and
//! we need no more than this.

use crate::{Backend, Store, Tx};
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
    migration!(10, "0010_secrets_and_limits"),
    migration!(11, "0011_phone_digits"),
    migration!(12, "0012_server_secrets"),
    migration!(13, "0013_documents"),
    migration!(14, "0014_web_security"),
    migration!(16, "0016_calendar"),
    migration!(17, "0017_zaikei"),
    migration!(18, "0018_zaikei_changes"),
    migration!(19, "0019_search"),
    migration!(20, "0020_drafts_review"),
    migration!(21, "0021_files"),
    migration!(22, "0022_job_postings"),
    migration!(23, "0023_zaikei_order"),
    migration!(24, "0024_posting_revisions"),
    migration!(25, "0025_posting_views"),
    migration!(26, "0026_acceptance_plans"),
    migration!(27, "0027_seekers"),
    migration!(28, "0028_posting_office_requests"),
    migration!(29, "0029_plan_review"),
    migration!(30, "0030_plan_reports"),
    migration!(31, "0031_applications"),
    migration!(32, "0032_posting_form_token"),
    migration!(33, "0033_plan_change_notices"),
    migration!(35, "0035_relay"),
    migration!(36, "0036_application_reminders"),
    migration!(37, "0037_application_retention"),
];

#[derive(Debug, PartialEq, Eq)]
pub struct MigrationStatus {
    pub applied_now: Vec<&'static str>,
    pub latest: i64,
}

impl Store {
    /// Applies what is missing; running it again is a no-op. Safe for several instances
    /// starting together on one database: every step, the creation of `schema_migrations`
    /// included, runs in a write transaction that first takes the migration lock (on
    /// PostgreSQL an advisory lock, on SQLite the write lock of `BEGIN IMMEDIATE`), so the
    /// loser waits and then finds the step done. `CREATE TABLE IF NOT EXISTS` alone is not
    /// enough: two PostgreSQL sessions creating the table at once both pass the "not exists"
    /// check and one fails on `pg_type_typname_nsp_index`.
    pub async fn migrate(&self, now: i64) -> Result<MigrationStatus, sqlx::Error> {
        let mut tx = self.migration_tx().await?;
        tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at BIGINT NOT NULL
            )",
        )
        .await?;
        tx.commit().await?;
        let mut applied_now = Vec::new();
        for migration in MIGRATIONS {
            let mut tx = self.migration_tx().await?;
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

    /// A transaction holding the migration lock until it ends (commit or rollback).
    async fn migration_tx(&self) -> Result<Tx, sqlx::Error> {
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            tx.execute("SELECT pg_advisory_xact_lock(7305019)").await?;
        }
        Ok(tx)
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
