//! The review workflow's SQL (modules spec §0.2, migration 0020): `review_items` holds each
//! module item's state and its pending and approved snapshots, `review_events` its full
//! history. The rules are `madoguchi_core::review`: [`record`] asks `ReviewState::check`
//! before it writes, and writes with one conditional `UPDATE … WHERE last_seq = $n`, so two
//! operators approving and returning the same item at once cannot both succeed — the loser
//! gets `Refusal::Conflict` (the count must be exact under concurrency, as the lockout's is).
//!
//! Snapshots are JSON text (the module's form fields); the diff of a resubmission is
//! `madoguchi_core::review::diff::snapshots(approved, pending)`.

use madoguchi_core::review::{Actor, Refusal, ReviewAction, ReviewState};
use sqlx::{AnyConnection, Row};

/// Which module item: the portal, the module's kind of item and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemKey<'a> {
    pub portal: &'a str,
    pub kind: &'a str,
    pub item_id: i64,
}

/// Who may read: an operator of the portal sees every organization's items, an organization
/// user only its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Operator,
    Organization(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: i64,
    pub portal: String,
    pub organization_id: i64,
    pub kind: String,
    pub item_id: i64,
    pub state: ReviewState,
    /// Counts the submissions: 1 for the first, one more for each resubmission.
    pub revision: i64,
    /// What is under review, or was returned, or was withdrawn while pending.
    pub pending_snapshot: Option<String>,
    /// The current approved version and its revision and effective time.
    pub approved_snapshot: Option<String>,
    pub approved_revision: Option<i64>,
    pub effective_at: Option<i64>,
    /// The start of the current review round.
    pub submitted_at: i64,
    pub last_seq: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub seq: i64,
    pub action: ReviewAction,
    pub actor: Actor,
    pub at: i64,
    pub revision: i64,
    pub reason: Option<String>,
    pub effective_at: Option<i64>,
    pub snapshot: Option<String>,
    pub before_snapshot: Option<String>,
}

/// One step to record.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    pub action: ReviewAction,
    pub actor: Actor,
    /// The return or withdrawal reason, already checked with `madoguchi_core::review::reason`.
    pub reason: Option<&'a str>,
    /// The approval's effective (publication) time, where the module has one.
    pub effective_at: Option<i64>,
    /// What a submission, resubmission or operator edit leaves current.
    pub snapshot: Option<&'a str>,
    /// The item's `last_seq` as the screen showed it: a step taken meanwhile refuses this one.
    /// None for a first submission, or to act on whatever is current.
    pub expected_seq: Option<i64>,
}

/// A recorded step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub review_item_id: i64,
    pub seq: i64,
    pub state: ReviewState,
    pub revision: i64,
}

const ITEM_COLUMNS: &str =
    "r.id, r.portal, r.organization_id, r.kind, r.item_id, r.state, r.revision, r.pending_snapshot,
    r.approved_snapshot, r.approved_revision, r.effective_at, r.submitted_at, r.last_seq, r.updated_at";

fn bad(what: String) -> sqlx::Error {
    sqlx::Error::Decode(what.into())
}

fn item(r: &sqlx::any::AnyRow) -> Result<Item, sqlx::Error> {
    let state: String = r.try_get("state")?;
    Ok(Item {
        id: r.try_get("id")?,
        portal: r.try_get("portal")?,
        organization_id: r.try_get("organization_id")?,
        kind: r.try_get("kind")?,
        item_id: r.try_get("item_id")?,
        state: ReviewState::parse(&state).ok_or_else(|| bad(format!("review_items.state {state:?}")))?,
        revision: r.try_get("revision")?,
        pending_snapshot: r.try_get("pending_snapshot")?,
        approved_snapshot: r.try_get("approved_snapshot")?,
        approved_revision: r.try_get("approved_revision")?,
        effective_at: r.try_get("effective_at")?,
        submitted_at: r.try_get("submitted_at")?,
        last_seq: r.try_get("last_seq")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The item as `scope` may see it; None when it was never submitted or is another
/// organization's.
pub async fn find(conn: &mut AnyConnection, key: ItemKey<'_>, scope: Scope) -> Result<Option<Item>, sqlx::Error> {
    let (filter, org) = match scope {
        Scope::Operator => ("", None),
        Scope::Organization(id) => (" AND r.organization_id = $4", Some(id)),
    };
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM review_items r WHERE r.portal = $1 AND r.kind = $2 AND r.item_id = $3{filter}"
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key.portal).bind(key.kind).bind(key.item_id);
    if let Some(org) = org {
        query = query.bind(org);
    }
    let row = query.fetch_optional(conn).await?;
    row.as_ref().map(item).transpose()
}

/// Records `step` for the item of `organization_id`, or says why not. The first submission
/// creates the item; every later step moves it from the state the rules allow.
pub async fn record(
    conn: &mut AnyConnection,
    key: ItemKey<'_>,
    organization_id: i64,
    step: &Step<'_>,
    now: i64,
) -> Result<Result<Recorded, Refusal>, sqlx::Error> {
    let current = find(conn, key, Scope::Organization(organization_id)).await?;
    if step.expected_seq.is_some_and(|seq| Some(seq) != current.as_ref().map(|c| c.last_seq)) {
        return Ok(Err(Refusal::Conflict));
    }
    let next = match ReviewState::check(
        current.as_ref().map(|c| c.state),
        step.action,
        step.actor,
        step.reason,
        step.snapshot,
    ) {
        Ok(next) => next,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let Some(current) = current else {
        return first_submission(conn, key, organization_id, step, now).await;
    };
    let mut after = current.clone();
    after.state = next;
    after.updated_at = now;
    let mut before_snapshot = None;
    match step.action {
        ReviewAction::Submit => return Ok(Err(Refusal::AlreadySubmitted)),
        ReviewAction::Resubmit => {
            after.revision += 1;
            after.pending_snapshot = step.snapshot.map(str::to_string);
            after.submitted_at = now;
        }
        ReviewAction::Approve => {
            after.approved_snapshot = current.pending_snapshot.clone();
            after.approved_revision = Some(current.revision);
            after.effective_at = step.effective_at;
            after.pending_snapshot = None;
        }
        ReviewAction::Return | ReviewAction::WithdrawRequest | ReviewAction::Reject => {}
        ReviewAction::OperatorEdit => {
            // Under review the edit changes what will be approved; after approval, the
            // approved version itself (a typo fixed on a public item).
            let edited = step.snapshot.map(str::to_string);
            if current.state == ReviewState::UnderReview {
                before_snapshot = current.pending_snapshot.clone();
                after.pending_snapshot = edited;
            } else {
                before_snapshot = current.approved_snapshot.clone();
                after.approved_snapshot = edited;
            }
        }
    }
    let seq: Option<i64> = sqlx::query_scalar(
        "UPDATE review_items SET state = $3, revision = $4, pending_snapshot = $5, approved_snapshot = $6,
                                 approved_revision = $7, effective_at = $8, submitted_at = $9, updated_at = $10,
                                 last_seq = last_seq + 1
         WHERE id = $1 AND last_seq = $2 RETURNING last_seq",
    )
    .bind(current.id)
    .bind(current.last_seq)
    .bind(after.state.as_str())
    .bind(after.revision)
    .bind(after.pending_snapshot.as_deref())
    .bind(after.approved_snapshot.as_deref())
    .bind(after.approved_revision)
    .bind(after.effective_at)
    .bind(after.submitted_at)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(seq) = seq else {
        return Ok(Err(Refusal::Conflict));
    };
    insert_event(conn, current.id, seq, step, after.revision, before_snapshot.as_deref(), now).await?;
    Ok(Ok(Recorded { review_item_id: current.id, seq, state: after.state, revision: after.revision }))
}

async fn first_submission(
    conn: &mut AnyConnection,
    key: ItemKey<'_>,
    organization_id: i64,
    step: &Step<'_>,
    now: i64,
) -> Result<Result<Recorded, Refusal>, sqlx::Error> {
    // ON CONFLICT: a submission racing this one (or the same item id under another
    // organization, which the scoped read above could not see) already made the row.
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO review_items (portal, organization_id, kind, item_id, state, revision, pending_snapshot,
                                   submitted_at, last_seq, updated_at)
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7, 1, $7) ON CONFLICT (portal, kind, item_id) DO NOTHING RETURNING id",
    )
    .bind(key.portal)
    .bind(organization_id)
    .bind(key.kind)
    .bind(key.item_id)
    .bind(ReviewState::UnderReview.as_str())
    .bind(step.snapshot)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else {
        return Ok(Err(Refusal::Conflict));
    };
    insert_event(conn, id, 1, step, 1, None, now).await?;
    Ok(Ok(Recorded { review_item_id: id, seq: 1, state: ReviewState::UnderReview, revision: 1 }))
}

async fn insert_event(
    conn: &mut AnyConnection,
    review_item_id: i64,
    seq: i64,
    step: &Step<'_>,
    revision: i64,
    before_snapshot: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let snapshot = if step.action.carries_snapshot() { step.snapshot } else { None };
    sqlx::query(
        "INSERT INTO review_events (review_item_id, seq, action, actor_kind, actor_id, at, revision, reason,
                                    effective_at, snapshot, before_snapshot)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(review_item_id)
    .bind(seq)
    .bind(step.action.as_str())
    .bind(step.actor.kind())
    .bind(step.actor.id())
    .bind(now)
    .bind(revision)
    .bind(step.reason)
    .bind(if step.action == ReviewAction::Approve { step.effective_at } else { None })
    .bind(snapshot)
    .bind(before_snapshot)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the approved version of an approved item at once, without a review round — a
/// module's notice of change that needs no approval (mlit-fwms's 変更届出). Only while the
/// approved version is still `expected` (the one the caller read and changed): a notice filed
/// meanwhile, or a step that moved the item, makes this one change nothing (false). The module
/// keeps the notice itself (what changed, before and after) as the item's history of notices.
/// An item whose later revision was rejected still has its approved version in force, so it
/// takes a notice too; a revision under review or returned does not (its approval would undo
/// the notice: the module refuses the notice while one is open).
pub async fn replace_approved(
    conn: &mut AnyConnection,
    review_item_id: i64,
    expected: &str,
    replacement: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE review_items SET approved_snapshot = $3, updated_at = $4
         WHERE id = $1 AND state IN ('approved', 'rejected') AND approved_snapshot = $2",
    )
    .bind(review_item_id)
    .bind(expected)
    .bind(replacement)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes the organization's item and its whole history — for a module item deleted before
/// it was ever approved (jrec-in's 「削除」 of a draft or a returned posting, §1.3 rule 11): an
/// item with an approved version is never deleted here (false), its history is the record of
/// what was public. True when an item was deleted.
pub async fn delete_unapproved(
    conn: &mut AnyConnection,
    key: ItemKey<'_>,
    organization_id: i64,
) -> Result<bool, sqlx::Error> {
    let Some(item) = find(conn, key, Scope::Organization(organization_id)).await? else {
        return Ok(false);
    };
    if item.approved_snapshot.is_some() || item.approved_revision.is_some() {
        return Ok(false);
    }
    sqlx::query("DELETE FROM review_events WHERE review_item_id = $1").bind(item.id).execute(&mut *conn).await?;
    let done = sqlx::query(
        "DELETE FROM review_items WHERE id = $1 AND approved_snapshot IS NULL AND approved_revision IS NULL",
    )
    .bind(item.id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The item's whole history, oldest first, as `scope` may see it (empty for another
/// organization's item).
pub async fn history(conn: &mut AnyConnection, key: ItemKey<'_>, scope: Scope) -> Result<Vec<Event>, sqlx::Error> {
    let (filter, org) = match scope {
        Scope::Operator => ("", None),
        Scope::Organization(id) => (" AND r.organization_id = $4", Some(id)),
    };
    let sql = format!(
        "SELECT e.seq, e.action, e.actor_kind, e.actor_id, e.at, e.revision, e.reason, e.effective_at, e.snapshot,
                e.before_snapshot
         FROM review_events e JOIN review_items r ON r.id = e.review_item_id
         WHERE r.portal = $1 AND r.kind = $2 AND r.item_id = $3{filter} ORDER BY e.seq"
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key.portal).bind(key.kind).bind(key.item_id);
    if let Some(org) = org {
        query = query.bind(org);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let action: String = r.try_get("action")?;
            let actor_kind: String = r.try_get("actor_kind")?;
            Ok(Event {
                seq: r.try_get("seq")?,
                action: ReviewAction::parse(&action).ok_or_else(|| bad(format!("review_events.action {action:?}")))?,
                actor: Actor::from_parts(&actor_kind, r.try_get("actor_id")?)
                    .ok_or_else(|| bad(format!("review_events.actor_kind {actor_kind:?}")))?,
                at: r.try_get("at")?,
                revision: r.try_get("revision")?,
                reason: r.try_get("reason")?,
                effective_at: r.try_get("effective_at")?,
                snapshot: r.try_get("snapshot")?,
                before_snapshot: r.try_get("before_snapshot")?,
            })
        })
        .collect()
}

/// What the operator's queue lists.
#[derive(Debug, Clone)]
pub struct QueueFilter<'a> {
    pub portal: &'a str,
    /// One module's items, or every kind.
    pub kind: Option<&'a str>,
    /// The states listed: `[UnderReview]` for the review queue; the others for the second list
    /// (items not under review, for after-publication edits).
    pub states: &'a [ReviewState],
    pub organization_id: Option<i64>,
    /// Only rounds started at or after this time (`madoguchi_core::review::queue_default_since`).
    pub since: i64,
    pub limit: i64,
}

/// One queue row: the item (without its snapshots) and its organization's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub review_item_id: i64,
    pub organization_id: i64,
    pub organization_name: String,
    pub kind: String,
    pub item_id: i64,
    pub state: ReviewState,
    pub revision: i64,
    /// Whether an approved version exists (a revision rather than a new item).
    pub has_approved: bool,
    pub submitted_at: i64,
    pub last_seq: i64,
}

/// The queue, oldest round first. The age in business days is the caller's
/// (`madoguchi_core::review::age_in_business_days` with the portal's calendar).
pub async fn queue(conn: &mut AnyConnection, filter: &QueueFilter<'_>) -> Result<Vec<QueueRow>, sqlx::Error> {
    if filter.states.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = String::from(
        "SELECT r.id, r.organization_id, o.name AS organization_name, r.kind, r.item_id, r.state, r.revision,
                CAST(CASE WHEN r.approved_snapshot IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_approved, r.submitted_at, r.last_seq
         FROM review_items r JOIN organizations o ON o.id = r.organization_id
         WHERE r.portal = $1 AND r.submitted_at >= $2",
    );
    let mut n = 2;
    let mut placeholder = || {
        n += 1;
        format!("${n}")
    };
    let states: Vec<String> = filter.states.iter().map(|_| placeholder()).collect();
    sql.push_str(&format!(" AND r.state IN ({})", states.join(", ")));
    if filter.kind.is_some() {
        sql.push_str(&format!(" AND r.kind = {}", placeholder()));
    }
    if filter.organization_id.is_some() {
        sql.push_str(&format!(" AND r.organization_id = {}", placeholder()));
    }
    sql.push_str(&format!(" ORDER BY r.submitted_at, r.id LIMIT {}", placeholder()));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(filter.portal).bind(filter.since);
    for state in filter.states {
        query = query.bind(state.as_str());
    }
    if let Some(kind) = filter.kind {
        query = query.bind(kind);
    }
    if let Some(org) = filter.organization_id {
        query = query.bind(org);
    }
    let rows = query.bind(filter.limit).fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let state: String = r.try_get("state")?;
            let has_approved: i64 = r.try_get("has_approved")?;
            Ok(QueueRow {
                review_item_id: r.try_get("id")?,
                organization_id: r.try_get("organization_id")?,
                organization_name: r.try_get("organization_name")?,
                kind: r.try_get("kind")?,
                item_id: r.try_get("item_id")?,
                state: ReviewState::parse(&state).ok_or_else(|| bad(format!("review_items.state {state:?}")))?,
                revision: r.try_get("revision")?,
                has_approved: has_approved == 1,
                submitted_at: r.try_get("submitted_at")?,
                last_seq: r.try_get("last_seq")?,
            })
        })
        .collect()
}
