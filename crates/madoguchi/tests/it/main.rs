//! The one integration-test binary. Every HTTP test runs on SQLite by default and on
//! PostgreSQL when `MADOGUCHI_TEST_DATABASE_URL=postgres://…` (CI runs both).

mod testkit;

mod backend;
mod console;
mod login;
mod platform;
mod recovery;
mod smtp;
