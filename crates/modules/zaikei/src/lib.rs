//! rokin's 財形貯蓄事務 (module `zaikei`; manual section IV.1, spec `rokin-zaikei.md`,
//! docs/ZAIKEI.md): the bank's deliveries per contract — 預入依頼書, 加入者残高一覧表, 奨励金
//! and アラーム明細 — imported by the operator (console or `madoguchi zaikei import`), kept for
//! the 3 most recent deliveries per kind, and shown to the contract's users on インフォメーション,
//! 財形積立明細照会 and 財形アラーム明細照会.
//!
//! - `kinds`: the four delivery kinds, 財形種類, 変更区分 and their codes and labels.
//! - `layout`: the provisional file layout (one column table per kind) and its parser, all rows
//!   or none with line-numbered errors.
//! - `import`: one delivery in (re-import rule, audit event, 受信 mails), for the console and the CLI.
//! - `panel`: インフォメーション's rows (a `madoguchi_web::panels::HomePanel`).
//! - `statements`, `alarms`: 財形積立明細照会 and 財形アラーム明細照会.
//! - `store`: the module's SQL; every query binds the contract.
//! - `outputs` (pure) and `output_pages`: 財形積立明細書出力／財形アラーム明細出力 (PDF) and
//!   財形積立明細データエクスポート (CSV).
//!
//! Mounted by the router only where the portal's preset lists the module.

pub mod alarms;
pub mod import;
pub mod kinds;
pub mod layout;
pub mod output_pages;
pub mod outputs;
pub mod panel;
pub mod statements;
pub mod store;

use madoguchi_web::route_table::{Routes, get, post};

/// The name a preset's `modules` list uses.
pub const MODULE: madoguchi_core::portal::Module = madoguchi_core::portal::Module::Zaikei;

/// The module's routes (the caller gates them on [`MODULE`]).
pub fn routes(routes: Routes) -> Routes {
    routes
        .route("/{portal}/zaikei/statements", get(statements::statements))
        .route("/{portal}/zaikei/alarms", get(alarms::list))
        .route("/{portal}/zaikei/alarms/{id}/handled", post(alarms::mark_handled))
        .route("/{portal}/zaikei/reports", get(output_pages::reports))
        .route("/{portal}/zaikei/export", get(output_pages::export))
}
