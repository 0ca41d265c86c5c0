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
//! - `pages` (登録・一時保存, terms, language, 一時保存完了), `form` (the input form from
//!   「決定」 on, 確認, 登録依頼), `requested` (登録/修正依頼中の求人公募情報, read-only) and `view` (the form and the confirmation built from the field table).
//!
//! Drafts, the review workflow and the publication times are platform blocks
//! (`madoguchi_store::{drafts, review}`, `madoguchi_core::{review, publication}`); this crate
//! adds what is a posting's own. Mounted by the router only where the portal's preset lists the
//! module.

pub mod data_number;
pub mod fields;
pub mod form;
pub mod lifecycle;
pub mod pages;
pub mod requested;
pub mod restore;
pub mod store;
pub mod taxonomy;
pub mod view;

use madoguchi_web::route_table::{Routes, get};

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
        .route("/{portal}/job-postings/{id}/requested", get(requested::detail))
}

#[cfg(test)]
mod fields_tests;

/// The draft kind (`drafts.kind`) and review item kind (`review_items.kind`) of a posting.
pub const KIND: &str = "job_posting";
/// The prefix of the posting's audit events (`posting.submitted`, … — modules spec §6.2),
/// named with `madoguchi_core::review::ReviewAction::audit_event`.
pub const AUDIT_PREFIX: &str = "posting";
