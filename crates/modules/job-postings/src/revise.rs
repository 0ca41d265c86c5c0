//! 修正・一時保存 (jrec-in spec §1.3 rule 6, §1.6 item 2; manual 「求人公募情報を修正するには?」):
//! the institution's registered postings, each with its state, 公開開始日 and 募集終了日, and
//! either the link that opens its revision form or the manual's refusal — 「修正依頼中または
//! 公募終了から2週間を経過したものは修正できません。」. The form, 「一時保存」, 「確認」 and
//! 「修正依頼」 are the posting form's (`form`): a revision is a draft of the registered
//! posting (`drafts.item_id`), requested as a resubmission and reviewed as a diff; the public
//! version stays as it is until the 事務局 approves and the revision's 反映 time comes.

use crate::lifecycle::{self, Action, Facts, PostingState};
use crate::pages::{base, organization, title_of};
use crate::store::{self, Line};
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use madoguchi_core::portal::Module;
use madoguchi_core::review::ReviewState;
use madoguchi_web::applying::Counts;
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use std::collections::HashMap;

pub struct Row {
    pub data_number: String,
    pub title: String,
    /// The revision form, where a 修正 is allowed now.
    pub href: Option<String>,
    pub state: String,
    pub published: String,
    pub end_date: String,
    /// The refusal in the manual's words, or the state of an open revision.
    pub note: String,
    /// The posting's history (§1.6 item 6).
    pub history: String,
    /// 応募者数 and the link to its 応募情報一覧 (§1.6 item 6, §1.9), for a posting published
    /// with Web応募 可 where the portal has the module `applications`.
    pub applicants: Option<(i64, String)>,
}

#[derive(Template)]
#[template(path = "job_postings/revise.html")]
pub struct RevisePage {
    pub chrome: Chrome,
    pub rows: Vec<Row>,
    /// The 応募者数 column is shown (the portal has Web応募).
    pub applicants: bool,
}

/// Whether a public version takes Web応募 (its 「Web応募」 is 「可」).
fn takes_web_applications(snapshot: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(snapshot)
        .ok()
        .is_some_and(|v| crate::public::index::one(&v, "web_apply") == "yes")
}

/// The facts of a list line at `now`.
pub(crate) fn facts(line: &Line, now: i64) -> Facts {
    let review = line.review_state.as_deref().and_then(ReviewState::parse);
    Facts::of(&line.posting, review, line.approved_revision.is_some(), line.draft_payload.is_some(), now)
}

/// The title a registered posting shows: its open revision's, else the public version's.
pub(crate) fn title(line: &Line, now: i64) -> String {
    let public = line.posting.public();
    let current = public.current(now).map(|c| c.snapshot);
    title_of(line.draft_payload.as_deref().or(line.pending_snapshot.as_deref()).or(current))
}

fn row(ctx: &Ctx, base: &str, line: &Line, counts: Option<(&HashMap<i64, i64>, &str)>, now: i64) -> Option<Row> {
    // Registered postings only; a withdrawn one has nothing left to revise.
    line.approved_revision?;
    let facts = facts(line, now);
    let state = PostingState::of(&facts, now);
    if state == PostingState::Withdrawn || line.posting.unpublish_at.is_some() {
        return None;
    }
    let allowed = lifecycle::may(Action::Revise, &facts, now);
    let note = match (&allowed, state) {
        (Err(refusal), _) => ctx.t.get(refusal.message_key()).to_string(),
        (Ok(()), PostingState::RevisionDraft) => ctx.t.get("posting.revise.continue").to_string(),
        (Ok(()), _) => String::new(),
    };
    Some(Row {
        data_number: line.posting.data_number_text(),
        title: title(line, now),
        href: allowed.is_ok().then(|| format!("{base}/{}/edit", line.posting.id)),
        state: ctx.t.get(&state.label_key()).to_string(),
        published: line.posting.publish_at.map(|t| format_ts(t, ctx.lang)).unwrap_or_default(),
        end_date: line.posting.public().current(now).and_then(|c| c.end_date).unwrap_or_default().to_string(),
        note,
        history: format!("{base}/{}/history", line.posting.id),
        applicants: counts
            .filter(|_| line.posting.public().current(now).is_some_and(|c| takes_web_applications(c.snapshot)))
            .map(|(counts, portal)| {
                let n = counts.get(&line.posting.id).copied().unwrap_or(0);
                (n, format!("/{portal}/applications/postings/{}", line.posting.id))
            }),
    })
}

pub async fn list(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Html<String>, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let now = state.clock.unix();
    let mut conn = state.store.acquire().await?;
    let lines = store::lines(&mut conn, &current.portal.id, organization).await?;
    // 応募者数 from the applications module, where the portal has it (madoguchi_web::applying).
    let counts = match state.service::<Counts>() {
        Some(c) if current.portal.settings.modules.contains(&Module::Applications) => {
            Some(c.counts(&mut conn, &current.portal.id, organization).await?)
        }
        _ => None,
    };
    html(&RevisePage {
        chrome: ctx.chrome(ctx.t.get("posting.revise.title"), Some(&current.portal), Some(Screen::PostingRevise)),
        rows: lines
            .iter()
            .filter_map(|l| row(&ctx, &base, l, counts.as_ref().map(|c| (c, current.portal.id.as_str())), now))
            .collect(),
        applicants: counts.is_some(),
    })
}
