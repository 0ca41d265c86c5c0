//! Drafts (modules spec §0.1, migration 0020): a form's fields saved as typed, owned by an
//! organization, listed with the count of required fields still empty. Every query binds the
//! portal and the organization, so a draft of another organization is simply not found.
//!
//! The payload is the module's JSON text (the form pairs); what is required, and so what is
//! missing, is the module's rule, handed in as [`Missing`]. A save names the version it was
//! read at: one conditional `UPDATE … WHERE version = $n`, so of two tabs saving the same
//! version exactly one wins and the other gets [`SaveOutcome::Conflict`] with the stored draft
//! (the screen shows both and 「他の画面で更新されています。最新の内容を確認してください。」).

use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: i64,
    pub portal: String,
    pub organization_id: i64,
    pub author_user_id: Option<i64>,
    pub kind: String,
    pub item_id: Option<i64>,
    pub payload: String,
    pub missing: Missing,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The required fields the module found empty: their names, as a JSON list in the row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Missing(pub Vec<String>);

impl Missing {
    pub fn count(&self) -> i64 {
        i64::try_from(self.0.len()).unwrap_or(i64::MAX)
    }

    fn to_json(&self) -> String {
        serde_json::Value::from(self.0.clone()).to_string()
    }

    fn from_json(text: &str) -> Result<Missing, sqlx::Error> {
        serde_json::from_str(text)
            .map(Missing)
            .map_err(|e| sqlx::Error::Decode(format!("drafts.missing_fields: {e}").into()))
    }
}

/// What a new draft starts with.
#[derive(Debug, Clone)]
pub struct NewDraft<'a> {
    pub portal: &'a str,
    pub organization_id: i64,
    pub author_user_id: i64,
    pub kind: &'a str,
    pub item_id: Option<i64>,
    pub payload: &'a str,
    pub missing: &'a Missing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Stored; the draft's new version.
    Saved { version: i64 },
    /// The draft moved on since `expected` was read: the stored one, for the screen to show
    /// beside what was typed.
    Conflict { current: Box<Draft> },
    /// No such draft of this organization (deleted meanwhile, or never its own).
    Gone,
}

const COLUMNS: &str = "id, portal, organization_id, author_user_id, kind, item_id, payload, missing_fields, version, created_at, updated_at";

fn draft(r: &sqlx::any::AnyRow) -> Result<Draft, sqlx::Error> {
    let missing: String = r.try_get("missing_fields")?;
    Ok(Draft {
        id: r.try_get("id")?,
        portal: r.try_get("portal")?,
        organization_id: r.try_get("organization_id")?,
        author_user_id: r.try_get("author_user_id")?,
        kind: r.try_get("kind")?,
        item_id: r.try_get("item_id")?,
        payload: r.try_get("payload")?,
        missing: Missing::from_json(&missing)?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Stores a new draft (version 1); its id.
pub async fn create(conn: &mut AnyConnection, new: &NewDraft<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO drafts (portal, organization_id, author_user_id, kind, item_id, payload, missing_required,
                             missing_fields, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id",
    )
    .bind(new.portal)
    .bind(new.organization_id)
    .bind(new.author_user_id)
    .bind(new.kind)
    .bind(new.item_id)
    .bind(new.payload)
    .bind(new.missing.count())
    .bind(new.missing.to_json())
    .bind(now)
    .fetch_one(conn)
    .await
}

/// The draft `id` of the organization; None for another organization's or a missing one.
pub async fn load(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    id: i64,
) -> Result<Option<Draft>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM drafts WHERE portal = $1 AND organization_id = $2 AND id = $3");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(organization_id).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(draft).transpose()
}

/// The organization's open draft of the item `item_id` (a revision in progress), if any; the
/// newest when several exist.
pub async fn of_item(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    kind: &str,
    item_id: i64,
) -> Result<Option<Draft>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM drafts WHERE portal = $1 AND organization_id = $2 AND kind = $3 AND item_id = $4
         ORDER BY updated_at DESC, id DESC LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(portal)
        .bind(organization_id)
        .bind(kind)
        .bind(item_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(draft).transpose()
}

/// Saves the fields over the draft if it is still at `expected_version`, by `author` (the
/// latest author is the one a list shows).
#[allow(clippy::too_many_arguments)]
pub async fn save(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    id: i64,
    expected_version: i64,
    author_user_id: i64,
    payload: &str,
    missing: &Missing,
    now: i64,
) -> Result<SaveOutcome, sqlx::Error> {
    let version: Option<i64> = sqlx::query_scalar(
        "UPDATE drafts SET payload = $5, missing_required = $6, missing_fields = $7, author_user_id = $8,
                           version = version + 1, updated_at = $9
         WHERE portal = $1 AND organization_id = $2 AND id = $3 AND version = $4 RETURNING version",
    )
    .bind(portal)
    .bind(organization_id)
    .bind(id)
    .bind(expected_version)
    .bind(payload)
    .bind(missing.count())
    .bind(missing.to_json())
    .bind(author_user_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(version) = version {
        return Ok(SaveOutcome::Saved { version });
    }
    Ok(match load(conn, portal, organization_id, id).await? {
        Some(current) => SaveOutcome::Conflict { current: Box::new(current) },
        None => SaveOutcome::Gone,
    })
}

/// One row of a draft list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: i64,
    pub item_id: Option<i64>,
    pub author_user_id: Option<i64>,
    pub missing_required: i64,
    pub version: i64,
    pub updated_at: i64,
    /// The payload, for the module to pick its list columns (a posting's 求人件名) from.
    pub payload: String,
}

/// The organization's drafts of `kind`, the most recently updated first.
pub async fn list(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    kind: &str,
) -> Result<Vec<Summary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, item_id, author_user_id, missing_required, version, updated_at, payload FROM drafts
         WHERE portal = $1 AND organization_id = $2 AND kind = $3 ORDER BY updated_at DESC, id DESC",
    )
    .bind(portal)
    .bind(organization_id)
    .bind(kind)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Summary {
                id: r.try_get("id")?,
                item_id: r.try_get("item_id")?,
                author_user_id: r.try_get("author_user_id")?,
                missing_required: r.try_get("missing_required")?,
                version: r.try_get("version")?,
                updated_at: r.try_get("updated_at")?,
                payload: r.try_get("payload")?,
            })
        })
        .collect()
}

/// Deletes the organization's draft `id`; false when it has no such draft.
pub async fn delete(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM drafts WHERE portal = $1 AND organization_id = $2 AND id = $3")
        .bind(portal)
        .bind(organization_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
