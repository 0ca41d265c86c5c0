//! The append-only audit log. Written in the transaction of the event it records.

use madoguchi_core::normalize::{search_key, search_matches};
use sqlx::AnyConnection;

#[derive(Debug, Clone, Default)]
pub struct AuditEntry<'a> {
    pub portal: &'a str,
    pub event: &'a str,
    pub actor: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub detail: Option<&'a str>,
}

/// Records the event with the organization it concerns: the subject's, else the actor's
/// (`organization:<id>`, or the organization of `user:<id>`), looked up in the same statement.
/// A subject user who is gone already (deleted in the same transaction) leaves the actor's.
pub async fn record(conn: &mut AnyConnection, entry: &AuditEntry<'_>, now: i64) -> Result<(), sqlx::Error> {
    let parties = [entry.subject, entry.actor];
    let named = |prefix: &str| parties.iter().flatten().find_map(|p| p.strip_prefix(prefix)?.parse::<i64>().ok());
    let user_of = |party: Option<&str>| party.and_then(|p| p.strip_prefix("user:")?.parse::<i64>().ok());
    // -1 matches no row: one query text whether or not a party is known.
    let organization = named("organization:").unwrap_or(-1);
    let user = named("user:").unwrap_or(-1);
    let actor_user = user_of(entry.actor).unwrap_or(-1);
    sqlx::query(
        "INSERT INTO audit_log (portal, at, event, actor, subject, ip, user_agent, detail, organization_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
                 COALESCE((SELECT id FROM organizations WHERE id = $9),
                          (SELECT organization_id FROM users WHERE id = $10),
                          (SELECT organization_id FROM users WHERE id = $11)))",
    )
    .bind(entry.portal)
    .bind(now)
    .bind(entry.event)
    .bind(entry.actor)
    .bind(entry.subject)
    .bind(entry.ip)
    .bind(entry.user_agent)
    .bind(entry.detail)
    .bind(organization)
    .bind(user)
    .bind(actor_user)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn count_events(conn: &mut AnyConnection, portal: &str, event: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE portal = $1 AND event = $2")
        .bind(portal)
        .bind(event)
        .fetch_one(conn)
        .await
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// `user:<id>` or `operator:<id>`: matches the actor or the subject.
    pub party: Option<String>,
    /// An exact event name, or a prefix ending in `.` (`login.`).
    pub event: Option<String>,
    pub from: Option<i64>,
    pub until: Option<i64>,
    /// Part of an organization's name: events concerning the organizations it matches, by
    /// the console's one matcher (`normalize::search_key` on both the name and the query).
    pub organization: Option<String>,
    /// Only the events of this organization (what its own users may read).
    pub organization_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub event: String,
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
    /// The name of the organization the event concerns, while the organization exists.
    pub organization: Option<String>,
}

macro_rules! audit_where {
    () => {
        "portal = $1
           AND ($2 = '' OR actor = $2 OR subject = $2)
           AND ($3 = '' OR event = $3 OR (substr($3, length($3), 1) = '.' AND substr(event, 1, length($3)) = $3))
           AND at >= $4 AND at < $5
           AND ($6 = '' OR organization_id IN
                (SELECT id FROM organizations
                  WHERE portal = $1 AND (',' || $6 || ',') LIKE ('%,' || CAST(id AS TEXT) || ',%')))
           AND ($7 < 0 OR organization_id = $7)"
    };
}

/// Newest first. Conditions are written so that an absent filter matches everything, which
/// keeps one query text for both databases.
pub async fn search(
    conn: &mut AnyConnection,
    portal: &str,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditRow>, i64), sqlx::Error> {
    let event = filter.event.clone().unwrap_or_default();
    let party = filter.party.clone().unwrap_or_default();
    let (from, until) = (filter.from.unwrap_or(i64::MIN), filter.until.unwrap_or(i64::MAX));
    let organization = match filter.organization.as_deref().map(search_key).filter(|k| !k.is_empty()) {
        Some(needle) => organization_ids(conn, portal, &needle).await?,
        None => String::new(),
    };
    // Organization ids are positive: -1 is "any".
    let organization_id = filter.organization_id.unwrap_or(-1);
    let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*) FROM audit_log WHERE ", audit_where!()))
        .bind(portal)
        .bind(&party)
        .bind(&event)
        .bind(from)
        .bind(until)
        .bind(&organization)
        .bind(organization_id)
        .fetch_one(&mut *conn)
        .await?;
    let rows = sqlx::query(concat!(
        "SELECT id, at, event, actor, subject, ip, user_agent, detail,
                (SELECT name FROM organizations o WHERE o.id = audit_log.organization_id) AS organization
         FROM audit_log WHERE ",
        audit_where!(),
        " ORDER BY id DESC LIMIT $8 OFFSET $9"
    ))
    .bind(portal)
    .bind(&party)
    .bind(&event)
    .bind(from)
    .bind(until)
    .bind(&organization)
    .bind(organization_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    let rows = rows
        .iter()
        .map(|r| {
            use sqlx::Row;
            Ok(AuditRow {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                event: r.try_get("event")?,
                actor: r.try_get("actor")?,
                subject: r.try_get("subject")?,
                ip: r.try_get("ip")?,
                user_agent: r.try_get("user_agent")?,
                detail: r.try_get("detail")?,
                organization: r.try_get("organization")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((rows, total))
}

/// The ids of the portal's organizations whose name matches `needle` (a search key), as the
/// comma-separated list the query reads; `0` (no organization's id) when none does. Names are
/// stored as typed (㈱, full-width letters), and SQL cannot fold them the same way on both
/// databases, so the names are matched here, with the matcher the user search uses. A portal
/// has thousands of organizations, not millions.
async fn organization_ids(conn: &mut AnyConnection, portal: &str, needle: &str) -> Result<String, sqlx::Error> {
    let names: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM organizations WHERE portal = $1").bind(portal).fetch_all(conn).await?;
    let ids: Vec<String> =
        names.iter().filter(|(_, name)| search_matches(name, needle)).map(|(id, _)| id.to_string()).collect();
    Ok(if ids.is_empty() { "0".into() } else { ids.join(",") })
}
