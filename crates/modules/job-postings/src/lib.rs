//! jrec-in's 求人公募情報 (module `job_postings`; spec `modules/jrec-in.md` §1.2–§1.6,
//! docs/DRAFTS_REVIEW.md, docs/JOB_POSTINGS.md): the rules of a posting and the institution's
//! screens before it is registered.
//!
//! - `fields`: the input form of §1.4 — every field's limit and the cross-field rules, the
//!   typed [`fields::Posting`], [`fields::missing_required`] for drafts, the review snapshot.
//! - `taxonomy`: the coded lists of §1.5 (機関種別, 研究分野 11 + 317, 職種, 雇用形態, areas
//!   and prefectures), embedded from `presets/data/jrec-in/`.
//! - `data_number`: データ番号 `D` + 9 digits (§1.2).
//! - `lifecycle`: the states of §1.3, derived from the review state and the publication
//!   times, and which institution action each allows, with the manual's refusals.
//! - `store`: the postings table (データ番号, language, the public snapshot and its times);
//!   every institution query binds the organization.
//! - `publish`: what the public sees at `now` — the first approval, a revision waiting for
//!   its 反映 time, a 取り下げ — as a pure rule over the posting's columns.
//! - `revise` (修正・一時保存: the registered postings, each revisable or refused with the
//!   manual's words; the revision itself is the `form`'s) and `withdraw` (取り下げ → OK →
//!   情報取り下げ完了, effective 22:00 that day).
//! - `console` (審査待ち一覧, 審査), `review_actions` (承認 with a 反映日, 差戻し with a
//!   reason) and `office_edit` (the 事務局's 「編集」, shown to the institution as a diff:
//!   `edits`): the 事務局's screens in the operator console; `mails`: the §1.12 mails.
//! - `history` (a posting's history for its institution, the 事務局's edits as diffs) and
//!   `delete` (「削除」 of a draft that never was public).
//! - `office_requests` (the rule and table of 「事務局へ依頼する」), `request_pages` (the
//!   institution's form on the read-only view, its confirmation and 完了), `request_view`
//!   (the requests in words, the form's section) and
//!   `console_requests` (the 事務局's 依頼一覧, each closed with a note).
//! - `listing` (掲載一覧: every posting in any state) and `listing_actions` (the 事務局's
//!   強制取り下げ, effective at once, and 掲載再開 of an ended posting).
//! - `public`: the public search and posting pages, the postings as search documents and
//!   `public::index::reindex`, which every change of a posting's public version must call.
//! - `pages` (登録・一時保存, terms, language, 一時保存完了), `form` (the input form from
//!   「決定」 on, 確認, 登録依頼), `requested` (登録/修正依頼中の求人公募情報, read-only) and `view` (the form and the confirmation built from the field table).
//!
//! Drafts, the review workflow and the publication times are platform blocks
//! (`madoguchi_store::{drafts, review}`, `madoguchi_core::{review, publication}`); this crate
//! adds what is a posting's own. Mounted by the router only where the portal's preset lists the
//! module.

pub mod applying;
pub mod console;
pub mod console_requests;
pub mod data_number;
pub mod delete;
pub mod demo;
pub mod edits;
pub mod fields;
pub mod form;
pub mod history;
pub mod lifecycle;
pub mod listing;
pub mod listing_actions;
pub mod mails;
pub mod office_edit;
pub mod office_requests;
pub mod pages;
pub mod public;
pub mod publish;
pub mod request_pages;
pub mod request_view;
pub mod requested;
pub mod restore;
pub mod review_actions;
pub mod revise;
pub mod store;
pub mod taxonomy;
pub mod view;
pub mod withdraw;

use madoguchi_web::route_table::{Routes, get, post};

/// The name a preset's `modules` list uses.
pub const MODULE: madoguchi_core::portal::Module = madoguchi_core::portal::Module::JobPostings;

/// The module's routes (the caller gates them on [`MODULE`]).
pub fn routes(routes: Routes) -> Routes {
    routes
        .route("/{portal}/job-postings/register", get(pages::list))
        .route("/{portal}/job-postings/new", get(pages::terms))
        .route("/{portal}/job-postings/new/language", get(pages::language).post(pages::language))
        .route("/{portal}/job-postings/new/form", get(form::new_form).post(form::save_new))
        .route("/{portal}/job-postings/{id}/edit", get(form::edit).post(form::save_existing))
        .route("/{portal}/job-postings/{id}/saved", get(pages::saved))
        .route("/{portal}/job-postings/{id}/confirm", get(form::confirm).post(form::submit))
        .route("/{portal}/job-postings/requested", get(requested::list))
        .route("/{portal}/job-postings/{id}/requested", get(requested::detail).post(request_pages::file))
        .route("/{portal}/job-postings/{id}/requests/{request}", get(request_pages::filed))
        .route("/{portal}/job-postings/revise", get(revise::list))
        .route("/{portal}/job-postings/withdraw", get(withdraw::list))
        .route("/{portal}/job-postings/{id}/withdraw", get(withdraw::detail).post(withdraw::withdraw))
        .route("/{portal}/job-postings/{id}/withdrawn", get(withdraw::done))
        .route("/{portal}/job-postings/{id}/history", get(history::page))
        .route("/{portal}/job-postings/{id}/delete", get(delete::ask).post(delete::delete))
        // The 事務局's screens in the operator console.
        .route("/{portal}/operator/job-postings/review", get(console::queue))
        .route("/{portal}/operator/job-postings/{id}", get(console::review))
        .route("/{portal}/operator/job-postings/{id}/approve", post(review_actions::approve))
        .route("/{portal}/operator/job-postings/{id}/return", post(review_actions::send_back))
        .route("/{portal}/operator/job-postings/{id}/edit", get(office_edit::form).post(office_edit::save))
        .route("/{portal}/operator/job-postings/requests", get(console_requests::list))
        .route("/{portal}/operator/job-postings/requests/{request}/close", post(console_requests::close))
        .route("/{portal}/operator/job-postings/listing", get(listing::list))
        .route("/{portal}/operator/job-postings/{id}/manage", get(listing_actions::manage))
        .route("/{portal}/operator/job-postings/{id}/withdraw", post(listing_actions::withdraw))
        .route("/{portal}/operator/job-postings/{id}/reopen", post(listing_actions::reopen))
        .route("/{portal}/job-postings/access", get(public::access::page))
        .route("/{portal}/job-postings/access.csv", get(public::access::csv))
        .merge(public::routes(Routes::new()))
}

#[cfg(test)]
mod fields_tests;

/// The draft kind (`drafts.kind`) and review item kind (`review_items.kind`) of a posting.
pub const KIND: &str = "job_posting";
/// The prefix of the posting's audit events (`posting.submitted`, … — modules spec §6.2),
/// named with `madoguchi_core::review::ReviewAction::audit_event`.
pub const AUDIT_PREFIX: &str = "posting";
