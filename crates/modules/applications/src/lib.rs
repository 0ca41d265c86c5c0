//! jrec-in's Web応募 (module `applications`; spec `modules/jrec-in.md` §1.8.3, §1.9, files
//! §0.4 of `modules/README.md`; docs/APPLICATIONS.md): a signed-in seeker applies to a
//! published posting with one document, and the institution sees and works the applications.
//!
//! - `status` (the nine 応募状況 and their transitions, as data) and `receipt` (応募受付ID):
//!   the pure rules; `rules`: the forms' fields.
//! - `store`: the `applications` table (migration 0031).
//! - `apply`: 「Web応募する」 → the form with the one document → the confirmation → 応募受付ID.
//! - `history`: the seeker's 応募履歴, an application's page and its 再提出.
//! - `overview` (応募状況確認, 応募情報一覧) and `detail` (応募情報詳細, the status change,
//!   the document's download): the institution's screens.
//! - `withdraw`: the applicant's 「応募を辞退する」.
//! - `bulk`: 応募情報一覧's 「一括ダウンロード」 (the ZIP) and 「一括変更」 (preview → 変更).
//! - `downloads`: 応募書類のダウンロード履歴, every hand-out of a document as the audit log has
//!   it, for the institution's 管理者.
//! - `mails`: the §1.12 mails of Web応募.
//! - `reminder`: the result reminder 30 days after 募集終了日 (a periodic job).
//! - `retention`: the 30-day notice and the purge of documents and applicant data at
//!   募集終了日 + `[applications] retention_days` (a periodic job).
//!
//! What it needs of a posting it asks through `madoguchi_web::applying` (the postings module
//! answers), and it answers the postings' 応募者数 there too: neither module imports the other.

pub mod apply;
pub mod bulk;
pub mod detail;
pub mod downloads;
pub mod history;
pub mod mails;
pub mod overview;
pub mod receipt;
pub mod reminder;
pub mod retention;
pub mod rules;
pub mod status;
pub mod store;
pub mod withdraw;

use axum::extract::DefaultBodyLimit;
use madoguchi_core::files::Accept;
use madoguchi_core::portal::Module;
use madoguchi_store::Conn;
use madoguchi_web::applying::{ApplicantCounts, Fut, PostingFacts};
use madoguchi_web::error::AppError;
use madoguchi_web::panels::{HomePanel, MenuFuture, MenuLink, MenuView, PanelFuture, PanelInput};
use madoguchi_web::route_table::{Routes, get, post};
use madoguchi_web::state::AppState;
use std::collections::HashMap;

/// The name a preset's `modules` list uses.
pub const MODULE: Module = Module::Applications;

/// The files table's `purpose` of an application's document.
pub const PURPOSE: &str = "application";

/// What an application takes: one PDF or ZIP, ≤ 10 MB (docs/FILES.md).
pub const ACCEPT: Accept = Accept::APPLICATION;

/// The module's routes (the caller gates them on [`MODULE`]). `upload_limit` is the server's
/// multipart limit, which the two upload addresses need over axum's default.
pub fn routes(routes: Routes, upload_limit: usize) -> Routes {
    routes
        // The seeker's side (under the seekers' cookie path).
        .route(
            "/{portal}/seeker/apply/{id}",
            get(apply::form).post(apply::upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/{portal}/seeker/apply/{id}/confirm", get(apply::confirm_page).post(apply::confirm))
        .route("/{portal}/seeker/applications", get(history::list))
        .route("/{portal}/seeker/applications/{id}", get(history::detail))
        .route(
            "/{portal}/seeker/applications/{id}/resubmit",
            post(history::resubmit).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/{portal}/seeker/applications/{id}/withdraw", post(withdraw::post))
        // The institution's side.
        .route("/{portal}/applications", get(overview::postings))
        .route("/{portal}/applications/downloads", get(downloads::page))
        .route("/{portal}/applications/postings/{id}", get(overview::list))
        .route("/{portal}/applications/postings/{id}/bulk", post(bulk::post))
        .route("/{portal}/applications/{id}", get(detail::page).post(detail::change))
        .route("/{portal}/applications/{id}/document", get(detail::download))
}

/// How many bytes the upload reader keeps of a file before it calls it too large.
pub fn read_limit() -> usize {
    usize::try_from(ACCEPT.max_bytes).unwrap_or(usize::MAX)
}

/// The posting, asked of the postings module through the state's services; None when the
/// portal has no postings (then nothing can be applied to).
pub async fn posting(
    state: &AppState,
    conn: &mut Conn,
    portal: &str,
    id: i64,
) -> Result<Option<PostingFacts>, AppError> {
    let Some(directory) = state.service::<madoguchi_web::applying::Directory>() else {
        return Ok(None);
    };
    directory.posting(conn, portal, id, state.clock.unix()).await
}

/// The seekers' pages of a portal: `/<portal>/seeker`.
pub fn seeker_base(portal: &madoguchi_core::Portal) -> String {
    madoguchi_web::session::seeker_path(portal)
}

/// The applications' side of `madoguchi_web::applying`: 応募者数 per posting for the postings'
/// list. Registered by the binary.
pub struct Counts;

impl ApplicantCounts for Counts {
    fn counts<'a>(&'a self, conn: &'a mut Conn, portal: &'a str, organization_id: i64) -> Fut<'a, HashMap<i64, i64>> {
        Box::pin(async move {
            let mut out = HashMap::new();
            for (posting, _, n) in store::counts(conn, portal, organization_id).await? {
                *out.entry(posting).or_insert(0) += n;
            }
            Ok(out)
        })
    }
}

/// 応募管理 in the institution's menu (the manual's 「応募管理 > 求人公募情報の応募状況確認」).
pub struct Menu;

impl HomePanel for Menu {
    fn panel<'a>(&'a self, _input: PanelInput<'a>) -> PanelFuture<'a> {
        Box::pin(async { Ok(None) })
    }

    fn menu<'a>(&'a self, input: PanelInput<'a>) -> MenuFuture<'a> {
        Box::pin(async move {
            if !input.portal.settings.modules.contains(&MODULE) || input.user.organization_id.is_none() {
                return Ok(None);
            }
            let mut items = vec![MenuLink {
                label: input.t.get("app.overview.title").to_string(),
                href: Some(format!("/{}/applications", input.portal.id)),
                note: None,
            }];
            if downloads::may_read(input.user) {
                items.push(MenuLink {
                    label: input.t.get("app.downloads.title").to_string(),
                    href: Some(format!("/{}/applications/downloads", input.portal.id)),
                    note: None,
                });
            }
            Ok(Some(MenuView { heading: input.t.get("app.menu.group").to_string(), items }))
        })
    }
}
