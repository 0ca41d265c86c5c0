//! What every screen of the module checks and writes: the module is on for the portal, the
//! signed-in account's role (管理者 or not), the module's base address, its audit entries.

use madoguchi_core::portal::Module;
use madoguchi_store::audit::AuditEntry;
use madoguchi_web::ctx::Origin;
use madoguchi_web::error::AppError;
use madoguchi_web::session::CurrentUser;

/// The role of a contract's 管理者 (`users.role`); every other account is a member.
pub(crate) const ADMIN: &str = "admin";
pub(crate) const MEMBER: &str = "member";

/// The portal's root, the module's addresses hang under it.
pub(crate) fn base(current: &CurrentUser) -> String {
    format!("/{}", current.portal.id)
}

/// 404 unless the portal's preset lists the module (the router gates too; a handler called
/// from elsewhere must not serve it either).
pub(crate) fn uses_asp_accounts(current: &CurrentUser) -> Result<(), AppError> {
    if current.portal.settings.modules.contains(&Module::AspAccounts) { Ok(()) } else { Err(AppError::NotFound) }
}

/// An audit entry of the signed-in account acting on `subject`.
pub(crate) fn entry<'a>(
    current: &'a CurrentUser,
    origin: &'a Origin,
    event: &'a str,
    subject: &'a str,
    detail: Option<&'a str>,
) -> AuditEntry<'a> {
    AuditEntry {
        portal: &current.portal.id,
        event,
        actor: Some(subject),
        subject: Some(subject),
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail,
    }
}
