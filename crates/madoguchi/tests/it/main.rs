//! The one integration-test binary. Every HTTP test runs on SQLite by default and on
//! PostgreSQL when `MADOGUCHI_TEST_DATABASE_URL=postgres://…` (CI runs both).

/// The server's allocator, so that memory measured here is the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod testkit;

mod a11y;
mod asp_accounts;
mod backend;
mod console;
mod console_orgs;
mod contracts;
mod crash;
mod help;
mod hostile;
mod identity;
mod login;
mod outage;
mod platform;
mod recovery;
mod register;
mod rokin;
mod rokin_users;
mod signup;
mod smtp;
mod tls;
mod withdrawal;
