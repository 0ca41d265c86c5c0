//! The domain of madoguchi: portal configuration and policies, service hours, the clock.
//! No SQL and no HTTP here; time comes in through [`clock::Clock`].

pub mod calendar;
pub mod clock;
pub mod config;
pub mod contract;
pub mod csv_import;
pub mod files;
pub mod holidays;
pub mod hours;
pub mod login_id;
pub mod normalize;
pub mod organization;
pub mod password;
pub mod person_name;
pub mod phone;
pub mod portal;
pub mod publication;
pub mod relay;
pub mod review;
pub mod rules;
pub mod seeker_codes;
pub mod text;

pub use clock::{Clock, SharedClock, SystemClock, TestClock};
pub use config::{Config, ConfigError, ConfigErrors};
pub use portal::Portal;
pub use text::{Lang, Text};
