//! 「事務局へ依頼する」 (jrec-in spec §1.3 rule 7, §1.6 item 3, §1.11 item 3): while a posting is
//! 登録依頼中 or 修正依頼中 the institution cannot change or withdraw it itself, and the manual
//! tells it to write to the 事務局 with 「求人機関ID・データ番号・求人件名・修正箇所（または取り下げ
//! 希望）」. Here it files that request from the posting's read-only view instead: the kind
//! (取り下げ希望 / 修正希望 / その他), the text and, optionally, the 修正箇所; the system attaches the
//! institution, the データ番号 and the 求人件名. The 事務局 sees the open requests in its 依頼一覧
//! and closes each with a note that is mailed to the institution.
//!
//! This file holds the rule of the form (pure) and the table (migration
//! `0028_posting_office_requests`); the institution's pages are `request_pages`, the 事務局's
//! `console_requests`.

use sqlx::{AnyConnection, Row};

/// The audit event of a filed request (actor the user, detail the データ番号 and the kind).
pub const FILED: &str = "posting.office_request.filed";
/// The audit event of the 事務局's closing (actor the operator, subject the institution).
pub const CLOSED: &str = "posting.office_request.closed";
/// The longest request text and closing note, in characters (the review reason's limit,
/// modules spec §0.2: a request is read by the same people in the same console).
pub const TEXT_MAX: usize = 2_000;
/// The longest 修正箇所, in characters: it names a place (「給与」「募集終了日」), the text says
/// what to do there.
pub const LOCATION_MAX: usize = 200;

/// What the institution asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// 取り下げ希望
    Withdraw,
    /// 修正希望
    Change,
    /// その他
    Other,
}

impl RequestKind {
    pub const ALL: [RequestKind; 3] = [RequestKind::Withdraw, RequestKind::Change, RequestKind::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Withdraw => "withdraw",
            RequestKind::Change => "change",
            RequestKind::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn label_key(self) -> String {
        format!("posting.office_request.kind.{}", self.as_str())
    }
}

/// The form as typed (kept on a refusal and on 「戻る」 from the confirmation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typed {
    pub kind: String,
    pub body: String,
    pub location: String,
}

impl Typed {
    /// The fields of a posted form; line ends as the browser sends them become `\n`.
    pub fn of(pairs: &[(String, String)]) -> Typed {
        let one = |name: &str| {
            pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.replace("\r\n", "\n")).unwrap_or_default()
        };
        Typed { kind: one("kind"), body: one("body"), location: one("location") }
    }
}

/// A request that passed the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub kind: RequestKind,
    pub body: String,
    pub location: String,
}

/// The form's rules: a kind, a text of 1–[`TEXT_MAX`] characters, a 修正箇所 of at most
/// [`LOCATION_MAX`]. Errors are (field, message key), in form order.
pub fn check(typed: &Typed) -> Result<Checked, Vec<(&'static str, &'static str)>> {
    let mut errors = Vec::new();
    let kind = RequestKind::parse(typed.kind.trim());
    if kind.is_none() {
        errors.push(("kind", "posting.office_request.err.kind"));
    }
    let body = typed.body.trim();
    if body.is_empty() {
        errors.push(("body", "posting.office_request.err.body_required"));
    } else if body.chars().count() > TEXT_MAX {
        errors.push(("body", "posting.office_request.err.body_too_long"));
    }
    let location = typed.location.trim();
    if location.chars().count() > LOCATION_MAX {
        errors.push(("location", "posting.office_request.err.location_too_long"));
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok(Checked { kind, body: body.to_string(), location: location.to_string() }),
        _ => Err(errors),
    }
}

/// The 事務局's closing note: required, at most [`TEXT_MAX`] characters. Err is a message key.
pub fn check_note(raw: &str) -> Result<String, &'static str> {
    let note = raw.replace("\r\n", "\n");
    let note = note.trim();
    if note.is_empty() {
        Err("posting.office_request.err.note_required")
    } else if note.chars().count() > TEXT_MAX {
        Err("posting.office_request.err.note_too_long")
    } else {
        Ok(note.to_string())
    }
}

/// A filed request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeRequest {
    pub id: i64,
    pub organization_id: i64,
    pub posting_id: i64,
    pub kind: String,
    pub body: String,
    pub location: String,
    pub data_number: i64,
    pub title: String,
    pub filed_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by: Option<i64>,
    pub note: Option<String>,
}

impl OfficeRequest {
    pub fn kind(&self) -> Option<RequestKind> {
        RequestKind::parse(&self.kind)
    }

    /// The データ番号 as filed, `D` + 9 digits.
    pub fn data_number_text(&self) -> String {
        u32::try_from(self.data_number)
            .ok()
            .and_then(crate::data_number::DataNumber::from_serial)
            .map(|n| n.to_string())
            .unwrap_or_default()
    }
}

const COLUMNS: &str =
    "id, organization_id, posting_id, kind, body, location, data_number, title, filed_at, closed_at, closed_by, note";

fn request(r: &sqlx::any::AnyRow) -> Result<OfficeRequest, sqlx::Error> {
    Ok(OfficeRequest {
        id: r.try_get("id")?,
        organization_id: r.try_get("organization_id")?,
        posting_id: r.try_get("posting_id")?,
        kind: r.try_get("kind")?,
        body: r.try_get("body")?,
        location: r.try_get("location")?,
        data_number: r.try_get("data_number")?,
        title: r.try_get("title")?,
        filed_at: r.try_get("filed_at")?,
        closed_at: r.try_get("closed_at")?,
        closed_by: r.try_get("closed_by")?,
        note: r.try_get("note")?,
    })
}

/// What is attached to a request by the system, not typed.
pub struct About<'a> {
    pub portal: &'a str,
    pub organization_id: i64,
    pub posting_id: i64,
    pub user_id: i64,
    pub data_number: i64,
    pub title: &'a str,
}

/// Files `checked`; an open request of the same posting with the same kind, text and 修正箇所
/// (「依頼する」 pressed twice, the confirmation page re-sent) is not filed again: its id is
/// returned, with false (a new request: true).
pub async fn file(
    conn: &mut AnyConnection,
    about: &About<'_>,
    checked: &Checked,
    now: i64,
) -> Result<(i64, bool), sqlx::Error> {
    let same: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM posting_office_requests
         WHERE portal = $1 AND organization_id = $2 AND posting_id = $3 AND closed_at IS NULL
           AND kind = $4 AND body = $5 AND location = $6
         ORDER BY id LIMIT 1",
    )
    .bind(about.portal)
    .bind(about.organization_id)
    .bind(about.posting_id)
    .bind(checked.kind.as_str())
    .bind(&checked.body)
    .bind(&checked.location)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = same {
        return Ok((id, false));
    }
    let id = sqlx::query_scalar(
        "INSERT INTO posting_office_requests (portal, organization_id, posting_id, user_id, kind, body, location,
                                             data_number, title, filed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(about.portal)
    .bind(about.organization_id)
    .bind(about.posting_id)
    .bind(about.user_id)
    .bind(checked.kind.as_str())
    .bind(&checked.body)
    .bind(&checked.location)
    .bind(about.data_number)
    .bind(about.title)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok((id, true))
}

/// The requests of the organization's posting, newest first.
pub async fn of_posting(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    posting_id: i64,
) -> Result<Vec<OfficeRequest>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM posting_office_requests
         WHERE portal = $1 AND organization_id = $2 AND posting_id = $3 ORDER BY filed_at DESC, id DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(portal)
        .bind(organization_id)
        .bind(posting_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(request).collect()
}

/// Request `id` of the portal; with `organization`, only that organization's (None otherwise).
pub async fn find(
    conn: &mut AnyConnection,
    portal: &str,
    organization: Option<i64>,
    id: i64,
) -> Result<Option<OfficeRequest>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM posting_office_requests
         WHERE portal = $1 AND id = $2 AND ($3 < 0 OR organization_id = $3)"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(portal)
        .bind(id)
        .bind(organization.unwrap_or(-1))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(request).transpose()
}

/// Which requests the 事務局's list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Open,
    Closed,
    All,
}

impl Filter {
    /// `open` (also anything unknown: the default), `closed`, `all`.
    pub fn parse(raw: &str) -> Filter {
        match raw {
            "closed" => Filter::Closed,
            "all" => Filter::All,
            _ => Filter::Open,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Filter::Open => "open",
            Filter::Closed => "closed",
            Filter::All => "all",
        }
    }
}

/// The portal's requests for the 事務局 with the institution's name: open ones oldest first
/// (the one waiting longest on top), then closed ones most recently closed first; at most
/// `limit`.
pub async fn list(
    conn: &mut AnyConnection,
    portal: &str,
    filter: Filter,
    limit: i64,
) -> Result<Vec<(OfficeRequest, String)>, sqlx::Error> {
    let state = match filter {
        Filter::Open => "AND q.closed_at IS NULL",
        Filter::Closed => "AND q.closed_at IS NOT NULL",
        Filter::All => "",
    };
    let sql = format!(
        "SELECT q.id, q.organization_id, q.posting_id, q.kind, q.body, q.location, q.data_number, q.title,
                q.filed_at, q.closed_at, q.closed_by, q.note, o.name AS organization_name
         FROM posting_office_requests q JOIN organizations o ON o.id = q.organization_id
         WHERE q.portal = $1 {state}
         ORDER BY CASE WHEN q.closed_at IS NULL THEN 0 ELSE 1 END,
                  CASE WHEN q.closed_at IS NULL THEN q.filed_at ELSE -q.closed_at END, q.id
         LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(limit).fetch_all(conn).await?;
    rows.iter().map(|r| Ok((request(r)?, r.try_get("organization_name")?))).collect()
}

/// Closes request `id` with `note`, only if it is still open: false when another operator (or
/// another tab) closed it first, so that a stale page never overwrites a note.
pub async fn close(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
    operator: i64,
    note: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE posting_office_requests SET closed_at = $3, closed_by = $4, note = $5
         WHERE portal = $1 AND id = $2 AND closed_at IS NULL",
    )
    .bind(portal)
    .bind(id)
    .bind(now)
    .bind(operator)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(kind: &str, body: &str, location: &str) -> Typed {
        Typed { kind: kind.into(), body: body.into(), location: location.into() }
    }

    #[test]
    fn a_request_needs_a_kind_and_a_text_within_the_limits() {
        let ok = check(&typed("withdraw", "  取り下げをお願いします。\n", "")).unwrap();
        assert_eq!(
            (ok.kind, ok.body.as_str(), ok.location.as_str()),
            (RequestKind::Withdraw, "取り下げをお願いします。", "")
        );
        assert_eq!(check(&typed("change", "給与の誤記", " 給与 ")).unwrap().location, "給与");
        let errors = check(&typed("", " ", "")).unwrap_err();
        assert_eq!(
            errors,
            vec![("kind", "posting.office_request.err.kind"), ("body", "posting.office_request.err.body_required")]
        );
        assert_eq!(check(&typed("delete", "x", "")).unwrap_err(), vec![("kind", "posting.office_request.err.kind")]);
        let longest = "あ".repeat(TEXT_MAX);
        assert!(check(&typed("other", &longest, "")).is_ok());
        let over = format!("{longest}あ");
        assert_eq!(
            check(&typed("other", &over, "")).unwrap_err(),
            vec![("body", "posting.office_request.err.body_too_long")]
        );
        let place = "い".repeat(LOCATION_MAX + 1);
        assert_eq!(
            check(&typed("change", "x", &place)).unwrap_err(),
            vec![("location", "posting.office_request.err.location_too_long")]
        );
    }

    #[test]
    fn a_closing_note_is_required() {
        assert_eq!(check_note(" \r\n "), Err("posting.office_request.err.note_required"));
        assert_eq!(check_note("対応しました。\r\n以上"), Ok("対応しました。\n以上".to_string()));
        assert_eq!(check_note(&"x".repeat(TEXT_MAX + 1)), Err("posting.office_request.err.note_too_long"));
    }

    #[test]
    fn kinds_and_filters_read_back() {
        for kind in RequestKind::ALL {
            assert_eq!(RequestKind::parse(kind.as_str()), Some(kind));
            assert!(kind.label_key().starts_with("posting.office_request.kind."));
        }
        assert_eq!(Filter::parse("closed"), Filter::Closed);
        assert_eq!(Filter::parse("all"), Filter::All);
        assert_eq!(Filter::parse("<x>"), Filter::Open);
        let typed = Typed::of(&[("body".into(), "一行目\r\n二行目".into()), ("kind".into(), "other".into())]);
        assert_eq!(typed.body, "一行目\n二行目");
        assert_eq!(typed.location, "");
    }
}
