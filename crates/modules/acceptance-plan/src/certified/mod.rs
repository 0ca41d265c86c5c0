//! What follows 認定 (mlit-plan.md §4.5): the workers' 受入報告書 and 退職報告書 with their
//! deadline and reminders (`reports`, `report_pages`, `report_store`, `report_job`), the
//! 変更届出 (`change_notice`, `change_store`) and the 変更申請's rules (`change_application`; its
//! editing locks: `change_rules`).

pub mod change_application;
pub mod change_notice;
pub mod change_pages;
pub mod change_rules;
pub mod change_store;
pub mod report_job;
pub mod report_pages;
pub mod report_store;
pub mod reports;
