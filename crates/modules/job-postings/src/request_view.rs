//! What the institution and the 事務局 see of the 「事務局へ依頼する」 requests
//! (`office_requests`): the requests filed about a posting in words, and the request form's
//! section on the read-only view of a posting under review (`requested`, `request_pages`).

use crate::office_requests::{self, OfficeRequest, RequestKind, Typed};
use crate::pages::base;
use madoguchi_store::Conn;
use madoguchi_web::ctx::Ctx;
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::session::CurrentUser;

/// One filed request as the institution sees it.
pub struct FiledLine {
    pub filed: String,
    pub kind: String,
    pub body: String,
    pub location: String,
    /// 受付済（未対応） or 対応済.
    pub state: String,
    pub closed: Option<String>,
    pub note: Option<String>,
}

/// The request form and the requests filed, for the read-only view.
pub struct Section {
    pub action: String,
    /// (value, label, chosen)
    pub kinds: Vec<(String, String, bool)>,
    pub body: String,
    pub location: String,
    pub body_max: usize,
    pub location_max: usize,
    pub filed: Vec<FiledLine>,
}

pub(crate) fn kind_label(ctx: &Ctx, kind: Option<RequestKind>) -> String {
    kind.map(|k| ctx.t.get(&k.label_key()).to_string()).unwrap_or_default()
}

pub(crate) fn filed_line(ctx: &Ctx, r: &OfficeRequest) -> FiledLine {
    FiledLine {
        filed: format_ts(r.filed_at, ctx.lang),
        kind: kind_label(ctx, r.kind()),
        body: r.body.clone(),
        location: r.location.clone(),
        state: ctx
            .t
            .get(if r.closed_at.is_some() {
                "posting.office_request.state.closed"
            } else {
                "posting.office_request.state.open"
            })
            .to_string(),
        closed: r.closed_at.map(|t| format_ts(t, ctx.lang)),
        note: r.note.clone(),
    }
}

/// The view's request section of posting `id` with `typed` in the form.
pub(crate) async fn section(
    conn: &mut Conn,
    ctx: &Ctx,
    current: &CurrentUser,
    organization: i64,
    id: i64,
    typed: Typed,
) -> Result<Section, AppError> {
    let filed = office_requests::of_posting(conn, &current.portal.id, organization, id).await?;
    Ok(Section {
        action: format!("{}/{id}/requested", base(current)),
        kinds: RequestKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), ctx.t.get(&k.label_key()).to_string(), typed.kind == k.as_str()))
            .collect(),
        body: typed.body,
        location: typed.location,
        body_max: office_requests::TEXT_MAX,
        location_max: office_requests::LOCATION_MAX,
        filed: filed.iter().map(|r| filed_line(ctx, r)).collect(),
    })
}
