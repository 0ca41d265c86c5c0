//! jrec-in's 求人公募情報 (module `job_postings`; spec `modules/jrec-in.md` §1.2–§1.5,
//! docs/DRAFTS_REVIEW.md): the pure rules of a posting, on which its screens will stand.
//!
//! - `fields`: the input form of §1.4 — every field's limit and the cross-field rules, the
//!   typed [`fields::Posting`], [`fields::missing_required`] for drafts, the review snapshot.
//! - `taxonomy`: the coded lists of §1.5 (機関種別, 研究分野 11 + 317, 職種, 雇用形態, areas
//!   and prefectures), embedded from `presets/data/jrec-in/`.
//! - `data_number`: データ番号 `D` + 9 digits (§1.2).
//! - `lifecycle`: the states of §1.3, derived from the review state and the publication
//!   times, and which institution action each allows, with the manual's refusals.
//!
//! Drafts, the review workflow and the publication times are platform blocks
//! (`madoguchi_store::{drafts, review}`, `madoguchi_core::{review, publication}`); this crate
//! adds what is a posting's own. It has no routes yet, and so no `MODULE` to mount.

pub mod data_number;
pub mod fields;
pub mod lifecycle;
pub mod taxonomy;

#[cfg(test)]
mod fields_tests;

/// The draft kind (`drafts.kind`) and review item kind (`review_items.kind`) of a posting.
pub const KIND: &str = "job_posting";
/// The prefix of the posting's audit events (`posting.submitted`, … — modules spec §6.2),
/// named with `madoguchi_core::review::ReviewAction::audit_event`.
pub const AUDIT_PREFIX: &str = "posting";
