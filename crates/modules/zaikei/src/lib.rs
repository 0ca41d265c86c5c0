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
//! - `statements`, `alarms`: 財形積立明細照会 and 財形アラーム明細照会; `computed`: the
//!   「システム判定」 alarms the portal adds from the deliveries (pure).
//! - `store`: the module's SQL; every query binds the contract.
//! - `outputs` (pure) and `output_pages`: 財形積立明細書出力／財形アラーム明細出力 (PDF) and
//!   財形積立明細データエクスポート (CSV).
//! - 財形積立明細変更 and after (明細変更機能 only): `rules` (amounts, the 55-year and 2-year
//!   rules, the 変更期限 window, pure), `cycle` (the screens' gate and サイクル), `review` (a
//!   change set checked), `change` and `edit` (財形積立明細変更), `send` (財形変更後明細送信),
//!   `history` (財形積立明細変更履歴照会), `notify` (the mails, the deadline reminder job),
//!   `export` (the bank's CSV of the sent changes).
//!
//! Mounted by the router only where the portal's preset lists the module.

pub mod alarms;
pub mod change;
pub mod computed;
pub mod cycle;
pub mod edit;
pub mod export;
pub mod history;
pub mod import;
pub mod kinds;
pub mod layout;
pub mod notify;
pub mod output_pages;
pub mod outputs;
pub mod panel;
pub mod review;
pub mod rules;
pub mod send;
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
        .route("/{portal}/zaikei/change", get(change::pick))
        .route("/{portal}/zaikei/change/{id}", get(change::list))
        .route("/{portal}/zaikei/change/{id}/confirm", get(change::confirm))
        .route("/{portal}/zaikei/change/{id}/rows/{row}", get(edit::row_form).post(edit::row_save))
        .route("/{portal}/zaikei/change/{id}/new", get(edit::new_form).post(edit::new_save))
        .route("/{portal}/zaikei/change/{id}/new/{change}", get(edit::new_form).post(edit::new_save))
        .route("/{portal}/zaikei/send", get(send::pick))
        .route("/{portal}/zaikei/send/{id}", get(send::form).post(send::send))
        .route("/{portal}/zaikei/send/{id}/done", get(send::done))
        .route("/{portal}/zaikei/history", get(history::pick))
        .route("/{portal}/zaikei/history/{id}", get(history::view))
}
