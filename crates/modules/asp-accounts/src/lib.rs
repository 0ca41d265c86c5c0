//! shaho's アカウント管理 (module `asp_accounts`), the first business module in the shape every
//! module follows (docs/ARCHITECTURE.md, "Adding a business module"): one crate, its pages and
//! their rules here, its templates in `templates/asp_accounts/`, its HTTP tests in the shared
//! test binary (`crates/madoguchi/tests/it/modules/asp_accounts/`), mounted by the router only
//! where the portal's preset lists the module.
//!
//! An account of a contract picks its ASP user ID at first login (`/link`); the contract's
//! 管理者 lists the contract's accounts with the seats contracted and in use, unlinks, deletes,
//! hands the 管理者 role over and downloads the 管理者用操作マニュアル (`manual`); every account
//! of the contract reads the contract's document shelf (`documents`). The operator's side of
//! both files is the console's (マニュアル管理, 契約の管理 ⇒ ドキュメント); their SQL is
//! `madoguchi_store::{manuals, documents}`, shared with the console.

pub mod account;
pub mod documents;
pub mod manual;
pub mod pages;

use madoguchi_web::route_table::{Routes, get};

/// The name a preset's `modules` list uses.
pub const MODULE: madoguchi_core::portal::Module = madoguchi_core::portal::Module::AspAccounts;

/// The module's routes (the caller gates them on [`MODULE`]).
pub fn routes(routes: Routes) -> Routes {
    routes
        .route("/{portal}/link", get(pages::link_form).post(pages::link))
        .route("/{portal}/accounts", get(pages::list))
        .route("/{portal}/accounts/manuals/{id}", get(manual::download))
        .route("/{portal}/accounts/{id}/{action}", get(pages::confirm_form).post(pages::act))
        .route("/{portal}/documents", get(documents::list))
        .route("/{portal}/documents/{id}", get(documents::download))
}
