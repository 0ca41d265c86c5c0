//! Numbers handed out once (migration 0020): a portal's named counter, such as jrec-in's
//! データ番号. One upsert per number, exact under concurrency; the number is the caller's to
//! format (`madoguchi_job_postings::data_number::DataNumber::from_serial`).

use sqlx::AnyConnection;

/// The next number of `portal`'s counter `name`: 1 for the first, then one more each call.
/// Run it in the transaction that stores what the number names, so a rolled-back save leaves
/// no gap (a committed and later deleted one does: numbers are never reused).
pub async fn next(conn: &mut AnyConnection, portal: &str, name: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO serials (portal, name, last) VALUES ($1, $2, 1)
         ON CONFLICT (portal, name) DO UPDATE SET last = serials.last + 1 RETURNING last",
    )
    .bind(portal)
    .bind(name)
    .fetch_one(conn)
    .await
}
