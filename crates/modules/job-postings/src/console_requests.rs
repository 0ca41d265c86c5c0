//! 依頼一覧 in the 事務局's console (jrec-in spec §1.11 item 3): the requests institutions filed
//! with 「事務局へ依頼する」 (`office_requests`), open ones oldest first with their age in
//! business days of the portal's calendar (the review queue's rule), each with the institution,
//! the データ番号, the 求人件名 linking to the posting's 審査 page (where the 事務局 acts: 差戻し,
//! or 掲載一覧's 取り下げ), the kind, the text and when it was filed. Each is closed with a
//! required note, mailed to the institution (【JREC-IN Portal】事務局へのご依頼への回答) and
//! audited (`posting.office_request.closed`), one transaction. Closing one already closed
//! (another operator, a second tab) answers 409 and changes nothing.

use crate::console::{console_base, offered};
use crate::mails;
use crate::office_requests::{self, Filter, OfficeRequest};
use crate::request_view::filed_line;
use crate::review_actions::entry;
use crate::store;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use madoguchi_console::operator::{SignedIn, console_path};
use madoguchi_core::review as rules;
use madoguchi_mail::MailKind;
use madoguchi_store::audit;
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// The most rows the list shows: far beyond the requests of a 事務局's month.
const LIMIT: i64 = 1_000;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// `open` (default), `closed` or `all`.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub done: String,
}

pub struct Line {
    pub id: i64,
    pub organization: String,
    pub data_number: String,
    pub title: String,
    pub review: String,
    pub kind: String,
    pub body: String,
    pub location: String,
    pub filed: String,
    /// The age in business days, open requests only.
    pub age: Option<String>,
    pub closed: Option<String>,
    pub note: Option<String>,
    pub action: String,
    /// The close form's field id (`note-<id>`): one form per row.
    pub field: String,
    pub typed: String,
}

#[derive(Template)]
#[template(path = "job_postings/console_requests.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub base: String,
    pub action: String,
    pub state: String,
    pub states: Vec<(String, String, bool)>,
    pub lines: Vec<Line>,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

/// The list with `filter`, the note typed for request `typed.0` kept and `errors` beside it.
async fn list_page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    filter: Filter,
    typed: Option<(i64, String)>,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    offered(signed)?;
    let portal = &signed.portal.id;
    let now = state.clock.unix();
    let overrides = state.calendars.overrides(&state.store, portal).await?;
    let calendar = signed.portal.calendar(&overrides);
    let mut conn = state.store.acquire().await?;
    let base = console_base(signed);
    let rows = office_requests::list(&mut conn, portal, filter, LIMIT).await?;
    let lines = rows
        .into_iter()
        .map(|(r, organization): (OfficeRequest, String)| {
            let shown = filed_line(ctx, &r);
            let age = r.closed_at.is_none().then(|| {
                let days = rules::age_in_business_days(&calendar, r.filed_at, now);
                ctx.t.get("review.age_days").replace("{n}", &days.to_string())
            });
            let typed = typed.as_ref().filter(|(id, _)| *id == r.id).map(|(_, t)| t.clone()).unwrap_or_default();
            Line {
                id: r.id,
                organization: ctx
                    .t
                    .get("posting.office_request.organization")
                    .replace("{name}", &organization)
                    .replace("{id}", &r.organization_id.to_string()),
                data_number: r.data_number_text(),
                title: r.title.clone(),
                review: format!("{base}/{}", r.posting_id),
                kind: shown.kind,
                body: shown.body,
                location: shown.location,
                filed: shown.filed,
                age,
                closed: shown.closed,
                note: shown.note,
                action: format!("{base}/requests/{}/close", r.id),
                field: format!("note-{}", r.id),
                typed,
            }
        })
        .collect();
    let states = [
        ("open", "posting.office_request.filter.open"),
        ("closed", "posting.office_request.filter.closed"),
        ("all", "posting.office_request.filter.all"),
    ]
    .iter()
    .map(|(v, key)| (v.to_string(), ctx.t.get(key).to_string(), *v == filter.as_str()))
    .collect();
    html(&ListPage {
        chrome: ctx.chrome(ctx.t.get("posting.office_request.op_title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        action: format!("{base}/requests"),
        state: filter.as_str().to_string(),
        states,
        lines,
        errors,
        notice,
    })
}

/// 依頼一覧.
pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    let notice = (query.done == "closed").then(|| ctx.t.get("posting.office_request.done_closed").to_string());
    list_page(&state, &signed, &ctx, Filter::parse(&query.state), None, FieldErrors::default(), notice).await
}

#[derive(Deserialize, Default)]
pub struct CloseForm {
    #[serde(default)]
    pub note: String,
    /// The list's filter, to come back to it.
    #[serde(default)]
    pub state: String,
}

/// 「対応済みにする」 with the note.
pub async fn close(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, id)): Path<(String, i64)>,
    Form(form): Form<CloseForm>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let portal = signed.portal.id.clone();
    let filter = Filter::parse(&form.state);
    let now = state.clock.unix();
    let field = format!("note-{id}");
    let mut tx = state.store.begin().await?;
    let request = office_requests::find(&mut tx, &portal, None, id).await?.ok_or(AppError::NotFound)?;
    let note = match office_requests::check_note(&form.note) {
        Ok(note) => note,
        Err(key) => {
            drop(tx);
            let errors = FieldErrors::field(&field, ctx.t.get(key));
            let page = list_page(&state, &signed, &ctx, filter, Some((id, form.note)), errors, None).await?;
            return Ok(page.into_response());
        }
    };
    if !office_requests::close(&mut tx, &portal, id, signed.operator.id, &note, now).await? {
        drop(tx);
        let errors = FieldErrors::form(ctx.t.get("posting.office_request.err.already_closed"));
        let page = list_page(&state, &signed, &ctx, filter, None, errors, None).await?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    let posting = store::find_any(&mut tx, &portal, request.posting_id).await?.ok_or(AppError::NotFound)?;
    let lang = madoguchi_core::Lang::Ja;
    // The mail is in Japanese whatever the operator's screen language.
    let ja = madoguchi_web::i18n::Tr::for_lang(lang);
    let kind = request.kind().map(|k| ja.get(&k.label_key()).to_string()).unwrap_or_default();
    let filed = format_ts(request.filed_at, lang);
    mails::to_institution(
        &state,
        &mut tx,
        &signed.portal,
        &posting,
        &request.title,
        MailKind::PostingRequestAnswered,
        &[("kind", &kind), ("filed", &filed), ("request", &request.body), ("note", &note)],
    )
    .await?;
    let actor = format!("operator:{}", signed.operator.id);
    let subject = format!("organization:{}", request.organization_id);
    let detail = format!("{} request:{id}", request.data_number_text());
    audit::record(&mut tx, &entry(&signed, &origin, office_requests::CLOSED, &actor, &subject, &detail), now).await?;
    tx.commit().await?;
    let back = format!("{}/requests?state={}&done=closed", console_base(&signed), filter.as_str());
    Ok(Redirect::to(&back).into_response())
}
