//! shaho's アカウント管理 (module `asp_accounts`), the first business module in the shape every
//! module follows (docs/ARCHITECTURE.md, "Adding a business module"): one crate, its pages and
//! their rules here, its templates in `templates/asp_accounts/`, its HTTP tests in the shared
//! test binary (`crates/madoguchi/tests/it/asp_accounts/`), mounted by the router only where the
//! portal's preset lists the module.
//!
//! An account of a contract picks its ASP user ID at first login (`/link`); the contract's
//! 管理者 lists the contract's accounts, unlinks, deletes and hands the 管理者 role over.

pub mod pages;

use madoguchi_web::route_table::{Routes, get};

/// The name a preset's `modules` list uses.
pub const MODULE: madoguchi_core::portal::Module = madoguchi_core::portal::Module::AspAccounts;

/// The module's routes (the caller gates them on [`MODULE`]).
pub fn routes(routes: Routes) -> Routes {
    routes
        .route("/{portal}/link", get(pages::link_form).post(pages::link))
        .route("/{portal}/accounts", get(pages::list))
        .route("/{portal}/accounts/{id}/{action}", get(pages::confirm_form).post(pages::act))
}
