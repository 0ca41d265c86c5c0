//! The one integration-test binary (it links once). Every HTTP test runs on SQLite by default
//! and on PostgreSQL when `MADOGUCHI_TEST_DATABASE_URL=postgres://…` (CI runs both). The
//! folders follow the crates: `platform` (the kit's pages, help, the backend check),
//! `identity`, `rokin`, `console`, `modules/<module>`, and `faults` (kill -9, outages,
//! hostile input over the whole route table).

/// The server's allocator, so that memory measured here is the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod smtp;
mod testkit;

mod platform {
    pub mod a11y;
    pub mod backend;
    pub mod client_address;
    pub mod connections;
    pub mod csrf;
    pub mod drafts_review;
    pub mod files;
    pub mod help;
    pub mod https;
    pub mod japanese_data;
    pub mod limits;
    pub mod pages;
    pub mod secrets;
    pub mod startup;
}

mod identity {
    pub mod login;
    pub mod protections;
    pub mod recovery;
    pub mod register;
    pub mod rules;
    pub mod signup;
    pub mod signup_guessing;
    pub mod withdrawal;
}

mod rokin {
    pub mod certificate;
    pub mod menu;
    pub mod protections;
    pub mod tls;
    pub mod users;
}

mod console {
    pub mod accounts;
    pub mod calendar;
    pub mod contracts;
    pub mod orgs;
}

/// Business modules, one folder each (`modules/<name>/`), as their crates are.
mod modules;

mod faults {
    pub mod crash;
    pub mod crash_checks;
    pub mod hostile;
    pub mod isolation;
    pub mod outage;
    pub mod walk;
}
