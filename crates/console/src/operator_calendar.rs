//! 営業日カレンダー in the operator console: a year's non-business days with the reason
//! (holiday, the portal's closure, the operator's day), and the operator's own days — an
//! extra closed day (臨時休業) or an extra open day (臨時営業), each with a note, added and
//! deleted (after a confirmation), each change audited. The rules are
//! `madoguchi_core::calendar`; the service-hours gate reads the same days (docs/CALENDAR.md).
//! Saturdays and Sundays closed by a weekly rule are said once above the list, not listed.

use crate::operator::{SignedIn, console_path};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use madoguchi_core::calendar::{ClosedDay, Day, OverrideKind, Overrides};
use madoguchi_core::{Lang, holidays};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::calendar;
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::{FieldErrors, fold};
use madoguchi_web::i18n::Tr;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

const NOTE_MAX: usize = 100;
/// The years the page lists and accepts: the holiday rules hold from 1948, and a century is
/// more than any deadline needs.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

pub struct DayLine {
    pub id: Option<i64>,
    pub date: String,
    pub business: bool,
    pub kind: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "operator/calendar.html")]
pub struct CalendarPage {
    pub chrome: Chrome,
    pub base: String,
    pub year: i32,
    pub prev: Option<i32>,
    pub next: Option<i32>,
    pub rules: String,
    pub lines: Vec<DayLine>,
    pub form: DayForm,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct DayForm {
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize)]
pub struct YearQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    done: String,
}

/// `2026年1月1日（木）` or `2026-01-01 (Thu)`.
fn day_label(date: NaiveDate, t: &Tr, lang: Lang) -> String {
    let key = format!("cal.wd.{}", date.weekday().to_string().to_lowercase());
    let weekday = t.get(&key);
    match lang {
        Lang::Ja => format!("{}年{}月{}日（{weekday}）", date.year(), date.month(), date.day()),
        Lang::En => format!("{} ({weekday})", date.format("%Y-%m-%d")),
    }
}

fn closure_label(rule: &ClosedDay, t: &Tr, lang: Lang) -> String {
    match rule {
        ClosedDay::Weekday(d) => t.get(&format!("closed.{}", d.to_string().to_lowercase())).to_string(),
        ClosedDay::Holiday => t.get("closed.holiday").to_string(),
        ClosedDay::MonthDay(m, d) => match lang {
            Lang::Ja => format!("{m}月{d}日"),
            Lang::En => format!("{m}/{d}"),
        },
    }
}

/// Why the rules close a day, in the page's words; None: the rules keep it open.
fn rule_reason(day: &Day, t: &Tr, lang: Lang) -> Option<String> {
    match day {
        // The Cabinet Office's 「休日」 is not a 祝日: a substitute day or a day between two.
        Day::Holiday(name) if name == holidays::KYUJITSU => Some(t.get("cal.reason.kyujitsu").to_string()),
        Day::Holiday(name) => {
            Some(format!("{}（{}）", t.get("cal.reason.holiday"), holidays::display_name(name, lang)))
        }
        Day::Closure(rule) => Some(format!("{}（{}）", t.get("cal.reason.closure"), closure_label(rule, t, lang))),
        _ => None,
    }
}

/// The year's days that are not business days, and the operator's days, in date order.
fn year_lines(signed: &SignedIn, overrides: &Overrides, year: i32, t: &Tr, lang: Lang) -> Vec<DayLine> {
    let calendar = signed.portal.calendar(overrides);
    let (Some(mut date), Some(end)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
    else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    while date <= end {
        let day = calendar.day(date);
        let line = |id, business, kind: &str, reason: String| DayLine {
            id,
            date: day_label(date, t, lang),
            business,
            kind: t.get(kind).to_string(),
            reason,
        };
        // Every operator day is listed (with what the rules say), so each can be deleted.
        if let Some(o) = overrides.get(date) {
            let mut reason = format!("{}：{}", t.get("cal.reason.operator"), o.note);
            if let Some(rules) = rule_reason(&calendar.by_rules(date), t, lang) {
                reason = format!("{reason} / {rules}");
            }
            let (business, kind) = match o.kind {
                OverrideKind::Closed => (false, "cal.kind.closed"),
                OverrideKind::Open => (true, "cal.kind.open"),
            };
            lines.push(line(Some(o.id), business, kind, reason));
        } else if matches!(day, Day::Holiday(_) | Day::Closure(ClosedDay::MonthDay(..))) {
            lines.push(line(None, false, "cal.kind.closed", rule_reason(&day, t, lang).unwrap_or_default()));
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    lines
}

fn rules_text(signed: &SignedIn, t: &Tr, lang: Lang) -> String {
    let sep = if lang == Lang::Ja { "、" } else { ", " };
    signed.portal.closures.iter().map(|c| closure_label(c, t, lang)).collect::<Vec<_>>().join(sep)
}

async fn page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    year: i32,
    form: DayForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let overrides = {
        let mut conn = state.store.acquire().await?;
        Overrides::new(calendar::list(&mut conn, &signed.portal.id).await?)
    };
    Ok(html(&CalendarPage {
        chrome: ctx.chrome(ctx.t.get("cal.title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        year,
        prev: Some(year - 1).filter(|y| YEARS.contains(y)),
        next: Some(year + 1).filter(|y| YEARS.contains(y)),
        rules: rules_text(signed, ctx.t, ctx.lang),
        lines: year_lines(signed, &overrides, year, ctx.t, ctx.lang),
        form,
        errors,
        notice,
    })?
    .into_response())
}

fn this_year(state: &AppState) -> i32 {
    state.clock.now_jst().year()
}

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Query(query): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = fold(&query.year).trim().parse::<i32>().ok().filter(|y| YEARS.contains(y)).unwrap_or(this_year(&state));
    let notice = match query.done.as_str() {
        "added" => Some(ctx.t.get("form.saved").to_string()),
        "deleted" => Some(ctx.t.get("form.deleted").to_string()),
        _ => None,
    };
    page(&state, &signed, &ctx, year, DayForm::default(), FieldErrors::default(), notice).await
}

/// The form's rules: a date of the accepted years, closed or open, a note; and the day must
/// change something (not already the operator's, not already what is asked).
fn check(
    form: &DayForm,
    signed: &SignedIn,
    overrides: &Overrides,
    ctx: &Ctx,
) -> Result<(NaiveDate, OverrideKind, String), FieldErrors> {
    let t = ctx.t;
    let mut errors = FieldErrors::default();
    let raw = fold(&form.day);
    let raw = raw.trim().replace('/', "-");
    let date = if raw.is_empty() {
        errors.add("day", t.get("cal.err.day_required"));
        None
    } else {
        match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
            Ok(d) if YEARS.contains(&d.year()) => Some(d),
            Ok(_) => {
                errors.add("day", t.get("cal.err.day_range"));
                None
            }
            Err(_) => {
                errors.add("day", t.get("cal.err.day_format"));
                None
            }
        }
    };
    let kind = OverrideKind::parse(&form.kind);
    if kind.is_none() {
        errors.add("kind", t.get("cal.err.kind"));
    }
    let note = form.note.trim().to_string();
    if note.is_empty() {
        errors.add("note", t.get("cal.err.note_required"));
    } else if note.chars().count() > NOTE_MAX {
        errors.add("note", t.get("cal.err.note_long"));
    }
    if let (Some(date), Some(kind)) = (date, kind) {
        let calendar = signed.portal.calendar(overrides);
        if overrides.get(date).is_some() {
            errors.add("day", t.get("cal.err.taken"));
        } else {
            // A day changes the calendar, or the service hours of a portal open on other days
            // than its business days (mlit-fwms opens every day): either is worth a row.
            let hours = &signed.portal.hours;
            let gate_open = hours.is_always_open() || !hours.closed_on(date);
            match (kind, calendar.by_rules(date)) {
                (OverrideKind::Open, Day::Business) if gate_open => errors.add("day", t.get("cal.err.already_open")),
                (OverrideKind::Closed, day) if !day.is_business() && (hours.is_always_open() || !gate_open) => {
                    let reason = rule_reason(&day, t, ctx.lang).unwrap_or_default();
                    errors.add("day", &t.get("cal.err.already_closed").replace("{reason}", &reason))
                }
                _ => {}
            }
        }
    }
    match (date, kind) {
        (Some(date), Some(kind)) if errors.is_empty() => Ok((date, kind, note)),
        _ => Err(errors),
    }
}

fn entry<'a>(
    signed: &'a SignedIn,
    origin: &'a Origin,
    event: &'a str,
    actor: &'a str,
    detail: &'a str,
) -> AuditEntry<'a> {
    AuditEntry {
        portal: &signed.portal.id,
        event,
        actor: Some(actor),
        subject: None,
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(detail),
    }
}

fn done(signed: &SignedIn, year: i32, what: &str) -> Response {
    Redirect::to(&format!("{}/calendar?year={year}&done={what}", console_path(&signed.portal))).into_response()
}

pub async fn add(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Form(form): Form<DayForm>,
) -> Result<Response, AppError> {
    let overrides = {
        let mut conn = state.store.acquire().await?;
        Overrides::new(calendar::list(&mut conn, &signed.portal.id).await?)
    };
    let (date, kind, note) = match check(&form, &signed, &overrides, &ctx) {
        Ok(checked) => checked,
        Err(errors) => {
            let year = NaiveDate::parse_from_str(&fold(&form.day).trim().replace('/', "-"), "%Y-%m-%d")
                .map(|d| d.year())
                .ok()
                .filter(|y| YEARS.contains(y))
                .unwrap_or(this_year(&state));
            return page(&state, &signed, &ctx, year, form, errors, None).await;
        }
    };
    let actor = format!("operator:{}", signed.operator.id);
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    // The unique (portal, day) settles two operators adding the same day at once.
    let Some(id) = calendar::insert(&mut tx, &signed.portal.id, date, kind, &note, &actor, now).await? else {
        drop(tx);
        let errors = FieldErrors::field("day", ctx.t.get("cal.err.taken"));
        return page(&state, &signed, &ctx, date.year(), form, errors, None).await;
    };
    let detail = format!("{id} {date} {} {note}", kind.as_str());
    audit::record(&mut tx, &entry(&signed, &origin, "calendar.day_added", &actor, &detail), now).await?;
    tx.commit().await?;
    state.calendars.forget(&signed.portal.id);
    Ok(done(&signed, date.year(), "added"))
}

pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let actor = format!("operator:{}", signed.operator.id);
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let day = calendar::by_id(&mut tx, &signed.portal.id, id).await?.ok_or(AppError::NotFound)?;
    if !calendar::delete(&mut tx, &signed.portal.id, id).await? {
        return Err(AppError::NotFound);
    }
    let detail = format!("{id} {} {} {}", day.date, day.kind.as_str(), day.note);
    audit::record(&mut tx, &entry(&signed, &origin, "calendar.day_deleted", &actor, &detail), now).await?;
    tx.commit().await?;
    state.calendars.forget(&signed.portal.id);
    Ok(done(&signed, day.date.year(), "deleted"))
}
