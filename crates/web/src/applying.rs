//! Web応募 between two modules of one floor (jrec-in §1.8.3, §1.9): what the `applications`
//! module must know of a posting (is it open for Web応募, whose is it, where does its
//! institution's mail go), and what the `job_postings` module shows of the applications (the
//! 応募者数 of each posting). Neither module imports the other; each implements its side here
//! and the binary puts both in the state's services (`AppState::service`), as it does the
//! search engine. A portal without one of the modules simply has no such service.

use crate::error::AppError;
use madoguchi_store::Conn;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A posting as Web応募 sees it, in the version public at the time asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingFacts {
    pub id: i64,
    pub organization_id: i64,
    pub organization_name: String,
    /// データ番号 as shown (`D` + 9 digits).
    pub data_number: String,
    pub title: String,
    /// 募集終了日 as typed (`YYYY-MM-DD`); empty when the posting has none.
    pub end_date: String,
    /// The first second after 募集終了日 23:59:59 JST; None without an end date.
    pub ends_at: Option<i64>,
    /// Web応募 「可」 in the public version.
    pub web_apply: bool,
    /// Public at the time asked (published, not withdrawn, not yet gone).
    pub public: bool,
    /// Withdrawn (取り下げ, by the institution or the 事務局), whether or not yet in force.
    pub withdrawn: bool,
    /// 問い合わせ先 メールアドレス of the posting, where the institution's mails go.
    pub contact_email: Option<String>,
}

impl PostingFacts {
    /// Whether a seeker may apply at `now`: Web応募 可, public, not withdrawn, and not after
    /// 募集終了日 23:59:59 JST (jrec-in §1.8.3).
    pub fn accepts_applications(&self, now: i64) -> bool {
        self.web_apply && self.public && !self.withdrawn && self.ends_at.is_none_or(|end| now < end)
    }
}

pub type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, AppError>> + Send + 'a>>;

/// The postings' side (implemented by `job_postings`).
pub trait PostingDirectory: Send + Sync {
    /// A posting of `portal` that was ever published, in its version public at `now`; None:
    /// unknown, another portal's, never approved.
    fn posting<'a>(&'a self, conn: &'a mut Conn, portal: &'a str, id: i64, now: i64) -> Fut<'a, Option<PostingFacts>>;

    /// The organization's postings that were ever published with Web応募 可, newest first.
    fn web_apply_postings<'a>(
        &'a self,
        conn: &'a mut Conn,
        portal: &'a str,
        organization_id: i64,
        now: i64,
    ) -> Fut<'a, Vec<PostingFacts>>;
}

/// The applications' side (implemented by `applications`).
pub trait ApplicantCounts: Send + Sync {
    /// 応募者数 (filed applications) of each of the organization's postings that has any.
    fn counts<'a>(&'a self, conn: &'a mut Conn, portal: &'a str, organization_id: i64) -> Fut<'a, HashMap<i64, i64>>;
}

/// How the binary registers the postings' side in `AppState::services`.
pub type Directory = Arc<dyn PostingDirectory>;
/// How the binary registers the applications' side in `AppState::services`.
pub type Counts = Arc<dyn ApplicantCounts>;
