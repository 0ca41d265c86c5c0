//! One folder per business module, as the modules are one crate each.

pub mod acceptance_plan;
pub mod applications;
pub mod asp_accounts;
pub mod job_postings;
pub mod seeker_mail;
pub mod seekers;
pub mod zaikei;
pub mod zaikei_changes;
