pub mod account;
pub mod asp_accounts;
pub mod dev;
pub mod excel_csv;
pub mod landing;
pub mod login;
pub mod operator;
pub mod operator_announcements;
pub mod operator_audit;
pub mod operator_contracts;
pub mod operator_orgs;
pub mod operator_surveys;
pub mod operator_user;
pub mod operator_users;
pub mod recovery;
pub mod register;
pub mod registered_info;
pub mod reissue;
pub mod signup;
pub mod system;
pub mod withdrawal;

use crate::error::AppError;
use askama::Template;
use axum::response::Html;

/// Renders a page template.
pub fn html<T: Template>(page: &T) -> Result<Html<String>, AppError> {
    Ok(Html(page.render()?))
}
