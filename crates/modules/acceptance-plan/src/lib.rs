//! mlit-fwms's 建設特定技能受入計画 (module `acceptance_plan`; spec `modules/mlit-plan.md`
//! §4.2–§4.4, §4.7; docs/ACCEPTANCE_PLAN.md): the pure rules of a plan, on which its screens
//! will stand. No SQL, no routes, no I/O; every date rule takes the application date.
//!
//! - `corporate_number`: 法人番号 with NTA's check digit, and the sole proprietor's "none".
//! - `ids`: 在留カード番号, CCUS IDs (or the pending reason), 郵便番号, ハローワーク求人番号,
//!   電話番号, counts, amounts, dates as typed.
//! - `permit`: 建設業許可 (許可行政庁, 一般／特定, 許可番号, dates, the 29 業種).
//! - `rules`: pay against the comparator, the headcount cap with its numbers, the rest of the
//!   5-year 通算在留期間, the 雇用契約 start, the age of a dated document.
//! - `attachments`: the 16 kinds of §4.3 as data, [`attachments::required_kinds`], files by
//!   content and size, [`attachments::check_issue_date`].
//! - `routing`: the reviewing office by prefecture, the 認定番号.
//! - `state`: the plan's states and steps, the three menus of [M-M] §6.1 as data.
//!
//! The reviewing office's console (`bureau`: 審査一覧 and 審査; `decide`: 補正依頼, 認定,
//! 不認定; `notice`: the 認定通知書 PDF; `mails`: §4.6) is served under
//! `/{portal}/operator/plans` to the office's own operators; `submitted` reads a submission
//! back and compares two.
//!
//! Two rooms: `office/` (the reviewing office's console) and `certified/` (what follows 認定);
//! their modules keep their short names (`crate::bureau`, `crate::reports`, …) by re-export.
//!
//! After 認定 (`reports`: the rules; `report_pages`: the screens; `report_store`: the SQL;
//! `report_job`: the reminder mails): the 受入報告書 and 退職報告書 of each worker; the 変更届出
//! (`change_notice`, `change_store`) that changes the certified version at once; the 変更申請
//! (`change_application`: its rules; `change_rules`: which fields a change's forms may store, for
//! the forms and the restore after the idle logout alike; `change_pages`: its start and checks
//! on the plan's forms).

pub mod apply;
pub mod attach;
pub mod attachments;
pub mod certified;
pub mod check;
pub mod choices;
pub mod corporate_number;
pub mod form;
pub mod ids;
pub mod mails;
pub mod menu;
pub mod office;
pub mod pages;
pub mod permit;
pub mod restore;
pub mod routing;
pub mod rules;
pub mod state;
pub mod store;
pub mod versions;
pub mod view;
pub mod workers;

// The rooms' modules under their names of before, for the crate's own paths and its users.
pub use certified::{
    change_application, change_notice, change_pages, change_rules, change_store, report_job, report_pages,
    report_store, reports,
};
pub use office::{bureau, decide, notice, submitted};

use axum::extract::DefaultBodyLimit;
use madoguchi_web::route_table::{Routes, get, post};

/// The module as a preset's `modules` names it.
pub const MODULE: madoguchi_core::portal::Module = madoguchi_core::portal::Module::AcceptancePlan;
/// The prefix of the plan's audit events (`plan.submitted`, … — modules spec §6.2), named with
/// `madoguchi_core::review::ReviewAction::audit_event`.
pub const AUDIT_PREFIX: &str = "plan";

/// The organization's screens of the plan and the office's console (the caller gates them on
/// [`MODULE`]). `upload_limit`
/// is the largest upload's request (`server.upload_limit_bytes`): an attachment's request may
/// pass axum's default body limit, and a file over its kind's limit is read up to that limit and
/// answered with the kind's message, not cut off unread.
pub fn routes(routes: Routes, upload_limit: usize) -> Routes {
    routes
        .route("/{portal}/plan", get(pages::overview))
        .route("/{portal}/plan/start", post(pages::start))
        .route("/{portal}/plan/part/{part}", get(pages::part_form).post(pages::part_save))
        .route("/{portal}/plan/workers", post(workers::add_worker))
        .route("/{portal}/plan/workers/{worker}", get(pages::worker_form).post(pages::worker_save))
        .route("/{portal}/plan/workers/{worker}/remove", post(workers::remove_worker))
        .route(
            "/{portal}/plan/attachments",
            get(attach::list).post(attach::upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/{portal}/plan/attachments/{id}", get(attach::download))
        .route("/{portal}/plan/attachments/{id}/delete", post(attach::delete))
        .route("/{portal}/plan/apply", get(apply::apply_form).post(apply::apply))
        .route("/{portal}/plan/view", get(apply::view))
        .route("/{portal}/plan/versions/{seq}", get(versions::for_organization))
        .route("/{portal}/plan/notice.pdf", get(notice::for_organization))
        .route("/{portal}/plan/change", get(change_pages::start_page))
        .route("/{portal}/plan/change/start", post(change_pages::start))
        .route("/{portal}/plan/change-notice", get(change_notice::notice_form).post(change_notice::file_notice))
        .route(
            "/{portal}/plan/change-notice/workers/{worker}",
            get(change_notice::worker_form).post(change_notice::file_worker_notice),
        )
        .route("/{portal}/plan/reports", get(report_pages::list))
        .route("/{portal}/plan/reports/{worker}/granted", post(report_pages::granted))
        .route("/{portal}/plan/reports/{worker}/arrival", get(report_pages::arrival_form).post(report_pages::arrival))
        .route(
            "/{portal}/plan/reports/{worker}/departure",
            get(report_pages::departure_form).post(report_pages::departure),
        )
        .route("/{portal}/operator/plans", get(bureau::queue))
        .route("/{portal}/operator/plans/{id}", get(bureau::review))
        .route("/{portal}/operator/plans/{id}/return", post(decide::request_correction))
        .route("/{portal}/operator/plans/{id}/certify", post(decide::certify))
        .route("/{portal}/operator/plans/{id}/reject", post(decide::reject))
        .route("/{portal}/operator/plans/{id}/notices/{notice}/confirm", post(decide::confirm_notice))
        .route("/{portal}/operator/plans/{id}/notice.pdf", get(notice::for_office))
        .route("/{portal}/operator/plans/{id}/versions/{seq}", get(bureau::version))
        .route("/{portal}/operator/plans/{id}/files/{file}", get(bureau::download))
        .route("/{portal}/operator/plans/{id}/files/{file}/view", get(bureau::view))
}

/// The module's name in a preset's `modules` (presets/mlit-fwms.toml).
pub const MODULE_NAME: &str = "acceptance_plan";
/// The draft kind (`drafts.kind`) and review item kind (`review_items.kind`) of a plan.
pub const KIND: &str = "acceptance_plan";

#[cfg(test)]
mod tests {
    use crate::attachments::FileError;
    use crate::corporate_number::CorporateNumberError;
    use crate::ids::FieldError;
    use crate::permit::PermitError;
    use crate::routing::ApprovalNumberError;
    use crate::rules::RuleError;
    use crate::state::PlanState;
    use chrono::NaiveDate;

    /// Every message key and `{param}` the rules name has its text in both languages.
    #[test]
    fn every_message_is_in_both_locales() {
        let day = NaiveDate::MIN;
        let mut keyed: Vec<(String, Vec<&str>)> = Vec::new();
        for e in [CorporateNumberError::Empty, CorporateNumberError::Shape, CorporateNumberError::CheckDigit] {
            keyed.push((e.message_key().into(), vec![]));
        }
        use FieldError as F;
        for e in [
            F::Required,
            F::ResidenceCard,
            F::CcusId,
            F::CcusZeros,
            F::CcusReason,
            F::PostalCode,
            F::JobNumber,
            F::Phone,
            F::Count,
            F::CountMin { min: 1 },
            F::Yen,
            F::Date,
        ] {
            keyed.push((e.message_key().into(), e.params().iter().map(|p| p.0).collect()));
        }
        use PermitError as P;
        for e in [P::Number, P::Authority, P::Trade, P::NoTrade, P::Expired, P::ExpiryBeforeGrant, P::GrantedLater] {
            keyed.push((e.message_key().into(), vec![]));
        }
        use RuleError as R;
        for e in [
            R::PayBelowComparator { pay: 1, comparator: 2 },
            R::ReasonTooLong { max: 1 },
            R::Headcount { ssw: 1, construction: 1, planned: 1, total: 3, fulltime: 1 },
            R::PeriodOrder,
            R::PeriodTooLong { latest_end: day },
            R::NoStayLeft,
            R::StartsBeforeApplication { application: day },
            R::TooOld { earliest: day },
            R::AfterApplication { application: day },
        ] {
            keyed.push((e.message_key().into(), e.params().iter().map(|p| p.0).collect()));
        }
        for e in [FileError::Type, FileError::TooLarge { max_mb: 1 }, FileError::Empty, FileError::TooMany { max: 1 }] {
            keyed.push((e.message_key().into(), e.params().iter().map(|p| p.0).collect()));
        }
        keyed.push((ApprovalNumberError::Shape.message_key().into(), vec![]));
        use crate::change_application::ChangeError as C;
        for e in [
            C::Unchanged,
            C::NotByApplication { field: String::new() },
            C::PayLowered { worker: 1 },
            C::WorkerChanged { worker: 1 },
            C::WorkerRemoved { worker: 1 },
        ] {
            keyed.push((e.message_key().into(), vec![]));
        }
        for key in [
            "plan.err.report.future",
            "plan.err.report.before_certified",
            "plan.err.report.expires_before_grant",
            "plan.err.report.start_before_grant",
            "plan.err.report.left_before_start",
            "plan.err.report.return_before_left",
        ] {
            let params = if key.ends_with("future") { vec![] } else { vec!["date"] };
            keyed.push((key.into(), params));
        }
        for s in crate::reports::WorkerState::ALL {
            keyed.push((s.label_key(), vec![]));
        }
        // The refusal of a report for a worker not in the report's state (`report_pages::show`).
        for s in [crate::reports::WorkerState::Arriving, crate::reports::WorkerState::Working] {
            keyed.push((format!("plan.report.not_{}", s.as_str()), vec![]));
        }
        for section in [&crate::reports::ARRIVAL, &crate::reports::DEPARTURE] {
            for f in section.fields() {
                keyed.push((format!("plan.field.{}", f.name), vec![]));
                if f.hint {
                    keyed.push((format!("plan.hint.{}", f.name), vec![]));
                }
            }
        }
        for s in PlanState::ALL {
            keyed.push((s.label_key(), vec![]));
        }
        for (name, text) in
            [("ja", include_str!("../../../../locales/ja.toml")), ("en", include_str!("../../../../locales/en.toml"))]
        {
            let table: toml::Table = toml::from_str(text).expect("locale file");
            for (key, params) in &keyed {
                let Some(message) = table.get(key).and_then(|v| v.as_str()) else {
                    panic!("{name}: {key} missing");
                };
                for p in params {
                    assert!(message.contains(&format!("{{{p}}}")), "{name}: {key} does not show {{{p}}}");
                }
            }
        }
    }
}
