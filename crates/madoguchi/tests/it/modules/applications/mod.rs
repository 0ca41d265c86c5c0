//! jrec-in's Web応募 (module `applications`, `crates/modules/applications`,
//! docs/APPLICATIONS.md): a seeker applies to a demo posting with one document, refusals of
//! the document, the fields and the closing day, the double confirmation (`apply`); the
//! institution's 応募状況確認, 一覧, 詳細, download, status change with and without 通知, the
//! 求人機関備考 kept from the applicant, 再提出 only while 再提出待ち, and every new page refused
//! to another institution, another seeker and the public (`institution`); the bulk ZIP read
//! back with its SHA-256 index and the bulk status change with one mail per applicant
//! (`bulk`); the 管理者's 応募書類のダウンロード履歴 (`downloads`). Clock: the testkit's Tuesday 2026-11-24 10:00 JST, when the demo's postings are
//! open.

mod apply;
mod bulk;
mod downloads;
mod institution;
mod reminder;
mod retention;
mod withdraw;

use crate::modules::seekers;
use crate::testkit::{Page, TestApp};
use madoguchi_web::applying::{Directory, PostingFacts};

/// The demo institution's login ID.
pub const INSTITUTION: &str = "demo-kikan";

/// Every demo posting that takes Web応募 now, by id.
pub async fn open_postings(app: &TestApp) -> Vec<PostingFacts> {
    let mut conn = app.state.store.acquire().await.unwrap();
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM job_postings WHERE portal = 'jrec-in' AND public_snapshot IS NOT NULL ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let directory = app.state.service::<Directory>().expect("the postings' directory");
    let now = app.state.clock.unix();
    let mut out = Vec::new();
    for id in ids {
        if let Some(p) = directory.posting(&mut conn, "jrec-in", id, now).await.unwrap()
            && p.accepts_applications(now)
        {
            out.push(p);
        }
    }
    out
}

/// The first demo posting that takes Web応募 now.
pub async fn open_posting(app: &TestApp) -> PostingFacts {
    open_postings(app).await.into_iter().next().expect("a demo posting that takes Web応募")
}

/// The walks' setup (faults::hostile, faults::isolation): `seeker` has applied to the last
/// open posting (the first stays open to it, for the form) and `institution` has asked for
/// the document again, so the seeker's page shows its 再提出 form and the institution's pages
/// have an application. Returns the application's id.
pub async fn applied_and_asked_again(app: &TestApp, seeker: &TestApp, institution: &TestApp) -> i64 {
    let posting = open_postings(app).await.pop().expect("an open posting");
    let id = apply(seeker, posting.id).await;
    let path = format!("/jrec-in/applications/{id}");
    let detail = institution.get(&path).await;
    let version = version(&detail);
    let fields = [("status", "resubmit_requested"), ("notify", "no"), ("version", version.as_str())];
    let asked = institution.post(&path, &fields).await;
    let changed = institution.press_yes(&asked).await;
    assert_eq!(changed.location(), format!("{path}?done=changed"), "{}", changed.body);
    id
}

/// A PDF of `size` bytes.
pub fn pdf(size: usize) -> Vec<u8> {
    crate::modules::acceptance_plan::pdf(size)
}

/// The form's fields as a seeker types them.
pub const FIELDS: [(&str, &str); 4] = [
    ("furigana", "ケンキュウ タロウ"),
    ("phone", "03-1234-5678"),
    ("affiliation", "窓口大学 理学部"),
    ("message", "よろしくお願いいたします。"),
];

/// Uploads `bytes` as `name` on the application form of `posting`.
pub async fn upload(seeker: &TestApp, posting: i64, name: &str, bytes: &[u8]) -> Page {
    let path = format!("/jrec-in/seeker/apply/{posting}");
    seeker.post_multipart(&path, true, &FIELDS, &[("file", name, "application/pdf", bytes)]).await
}

/// The hidden `version` of a confirmation page.
pub fn version(page: &Page) -> String {
    let marker = "name=\"version\" value=\"";
    let at = page.body.find(marker).expect("a version on the page") + marker.len();
    page.body[at..].chars().take_while(char::is_ascii_digit).collect()
}

/// A seeker applies to `posting` with a small PDF; returns the application's id.
pub async fn apply(seeker: &TestApp, posting: i64) -> i64 {
    let uploaded = upload(seeker, posting, "応募書類.pdf", &pdf(4096)).await;
    assert_eq!(uploaded.location(), format!("/jrec-in/seeker/apply/{posting}/confirm"), "{}", uploaded.body);
    let confirm = seeker.get(uploaded.location()).await;
    let filed =
        seeker.post(&format!("/jrec-in/seeker/apply/{posting}/confirm"), &[("version", &version(&confirm))]).await;
    let location = filed.location().to_string();
    assert!(location.ends_with("?done=filed"), "{location} {}", filed.body);
    location.trim_start_matches("/jrec-in/seeker/applications/").trim_end_matches("?done=filed").parse().unwrap()
}

/// A signed-in seeker of its own browser.
pub async fn seeker(app: &TestApp, email: &str) -> TestApp {
    seekers::seeker(app, email, "研究 太郎").await.0
}

/// The demo institution, signed in.
pub async fn institution(app: &TestApp) -> TestApp {
    let mut conn = app.state.store.acquire().await.unwrap();
    let user = madoguchi_store::users::by_login_id(&mut conn, "jrec-in", INSTITUTION).await.unwrap().unwrap();
    drop(conn);
    let browser = app.browser();
    browser.sign_in_as("jrec-in", user.id).await;
    browser
}

pub async fn count(app: &TestApp, sql: &'static str) -> i64 {
    seekers::count(app, sql).await
}
