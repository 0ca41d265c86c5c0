//! The isolation sweep over the whole route table: what one organization's session reaches
//! with an id, another organization's session of the same portal never reaches. The routes
//! come from `madoguchi::route_table()` (through `walk.rs`, shared with the hostile walk), so a
//! route added later is swept without touching this file, and a route with an id that no
//! crawl reached fails the test by its name unless [`NOT_REACHED`] says why.
//!
//! On the demo (with jrec-in's sample postings), for each portal's employer, jrec-in's job
//! seeker and each portal's operator (the owner):
//! 1. the owner crawls its pages (the hostile walk's crawl and sign-in), collecting every
//!    address with an id it was answered 200 on and every form with an id it was shown;
//! 2. another organization of the same portal (another seeker; the operator of another
//!    portal) requests each of those addresses: the answer must be 404, 403 or a redirect,
//!    never a page, and whatever the status its body holds none of the owner's data (its
//!    organization's name, its users' names, login IDs and e-mail addresses, its postings'
//!    データ番号); its own pages without an id show none of that either, unless an anonymous
//!    visitor is shown it too (jrec-in's public search lists the published postings' institution);
//! 3. it posts each of the owner's forms with an id, filled as the owner's page filled it and
//!    with its own valid CSRF token, once as shown and once confirmed (`_step=confirmed`):
//!    the same answers are required, no row is added or removed anywhere (the hostile walk's
//!    snapshot), and every page of the owner's reads the same afterwards.
//!
//! Decision: a redirect counts as refused (a console session of another portal is sent to this
//! portal's sign-in, a rokin general user to its menu); its body is checked like any other.

use super::walk::{Crawl, Role, Snapshot, Template, Walker, changed, crawl, defaults, templates, walkers};
use crate::testkit::{Page, TestApp, organization_user, tuesday_morning};
use axum::http::{Method, StatusCode};
use std::collections::BTreeSet;

/// Routes with a path parameter that are no organization's data: every user of the portal
/// (or the public) may see them, so another organization's session is rightly shown them.
const SHARED: [(&str, &str); 8] = [
    ("/{portal}/help/{screen}", "a help page is the same for every user of the portal"),
    ("/{portal}/accounts/manuals/{id}", "shaho's 管理者用操作マニュアル is the same for every contract's 管理者"),
    ("/{portal}/manuals/{id}", "rokin's manuals are published by the operator to every organization"),
    ("/{portal}/manuals/{id}/download", "rokin's manuals are published by the operator to every organization"),
    (
        "/{portal}/seeker/apply/{id}",
        "a public posting's application form is every seeker's; each sees and posts only its own draft \
         (modules/applications/institution.rs checks another seeker's posts)",
    ),
    ("/{portal}/seeker/apply/{id}/confirm", "the same posting's confirmation: each seeker's own draft, or the form"),
    (
        "/{portal}/seeker-search/{seeker}",
        "a 公開 求職者情報 is every institution's to read (jrec-in §1.10; no name or contact on it); \
         each sees only its own last inquiry's date",
    ),
    (
        "/{portal}/seeker-search/{seeker}/inquiry",
        "every institution may inquire of a 公開 profile; the threads are each institution's own \
         (modules/seeker_mail/isolation.rs)",
    ),
];

/// Routes with a path parameter that no owner's crawl reaches, and why the sweep may skip them.
const NOT_REACHED: [(&str, &str); 8] = [
    (
        "/{portal}/zaikei/change/{id}/new/{change}",
        "a 財形 change's added row exists only inside a change cycle before its deadline (the \
         2025-07 clock of tests/it/modules/zaikei_changes, whose rights.rs sweeps it by another contract)",
    ),
    (
        "/{portal}/zaikei/send/{id}/done",
        "shown after a change is sent inside its cycle (same clock; swept in zaikei_changes/rights.rs)",
    ),
    (
        "/{portal}/operator/zaikei/changes/{delivery}/processed",
        "listed only for a change sent inside its cycle (same clock; zaikei_changes/operator.rs); \
         it takes the portal's console session like every console route swept here",
    ),
    (
        "/{portal}/plan/reports/{worker}/granted",
        "a worker's report addresses name a Part 6 block of the session's own certified plan, so no \
         id of another organization fits in them; the crawled mlit-fwms company keeps a draft plan \
         (its draft routes are swept), the certified one is a third company's (its reports are on the \
         office's 審査 page swept here); modules/acceptance_plan/reports.rs has another company try them",
    ),
    ("/{portal}/plan/reports/{worker}/arrival", "the same: a block of the session's own certified plan"),
    (
        "/{portal}/plan/versions/{seq}",
        "a version names a step of the session's own plan's history, so no id of another organization \
         fits in it; the crawled company's plan is a draft (no version yet); modules/acceptance_plan/versions.rs \
         has another company try the addresses",
    ),
    ("/{portal}/plan/reports/{worker}/departure", "the same: a block of the session's own certified plan"),
    (
        "/{portal}/plan/change-notice/workers/{worker}",
        "the same: a block of the session's own certified plan (modules/acceptance_plan/change_notice.rs \
         has another company try it)",
    ),
];

/// A path parameter other than the portal: an id, a screen's name, a step's action.
fn has_id(t: &Template) -> bool {
    t.segments.iter().any(|s| s.starts_with('{') && *s != "{portal}")
}

fn listed(list: &[(&str, &str)], t: &Template) -> bool {
    list.iter().any(|(path, _)| *path == t.path)
}

/// The owner's data as a page would show it: its organization's name, its users' names,
/// login IDs and e-mail addresses, the データ番号 of its postings. Texts shorter than four
/// characters would match by chance and are left out.
async fn texts_of_organization(app: &TestApp, organization: i64) -> BTreeSet<String> {
    let mut conn = app.state.store.acquire().await.unwrap();
    let mut out: BTreeSet<String> = BTreeSet::new();
    let name: String = sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
        .bind(organization)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    out.insert(name);
    let users: Vec<(String, String, String)> =
        sqlx::query_as("SELECT login_id, email, name FROM users WHERE organization_id = $1")
            .bind(organization)
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    for (login_id, email, name) in users {
        out.extend([login_id, email, name]);
    }
    let numbers: Vec<i64> = sqlx::query_scalar("SELECT data_number FROM job_postings WHERE organization_id = $1")
        .bind(organization)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    out.extend(numbers.iter().map(|n| format!("D{n:09}")));
    out.retain(|t| t.chars().count() >= 4);
    out
}

/// The organization of the user this browser is signed in as (its `login_id`).
async fn organization_of(app: &TestApp, portal: &str, login_id: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    let user = madoguchi_store::users::by_login_id(&mut conn, portal, login_id).await.unwrap().unwrap();
    user.organization_id.unwrap()
}

/// Every organization's data on `portal`, for the console.
async fn texts_of_portal(app: &TestApp, portal: &str) -> BTreeSet<String> {
    let mut conn = app.state.store.acquire().await.unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM organizations WHERE portal = $1")
        .bind(portal)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let mut out = BTreeSet::new();
    for id in ids {
        out.extend(texts_of_organization(app, id).await);
    }
    out
}

/// The owner, and who must not reach its data, with what that data looks like.
struct Pair<'a> {
    owner: &'a Walker,
    other: TestApp,
    /// What the other session may legitimately show of its own (a console's own portal).
    own_texts: BTreeSet<String>,
    texts: BTreeSet<String>,
}

impl Pair<'_> {
    fn label(&self) -> String {
        format!("{:?} of {}", self.owner.role, self.owner.portal.unwrap_or("-"))
    }

    fn leaked(&self, page: &Page) -> Vec<&String> {
        self.texts.iter().filter(|t| !self.own_texts.contains(*t) && page.body.contains(t.as_str())).collect()
    }
}

/// The other side for each owner: a second organization of the portal with a signed-in user
/// (shaho's through a second contract, sign-up and ASP user link, as its users come), a
/// second seeker, the operator of the next portal.
async fn other_side<'a>(app: &TestApp, owner: &'a Walker) -> Pair<'a> {
    let portal = owner.portal.unwrap();
    let (other, texts, own_texts) = match owner.role {
        Role::Employer => {
            let other = if portal == "shaho" {
                crate::modules::asp_accounts::other_contract(app).await;
                let b = crate::modules::asp_accounts::signed_up_to(
                    app,
                    (crate::modules::asp_accounts::OTHER_CUSTOMER, crate::modules::asp_accounts::OTHER_TEL),
                    "isolation@shaho.example.jp",
                    "別所 次郎",
                )
                .await;
                crate::modules::asp_accounts::link(&b, "zz-01").await;
                b
            } else {
                // Each portal's rules for login IDs and passwords, as its own tests make users.
                let email = format!("isolation@{portal}.example.jp");
                let (login_id, password) = match portal {
                    "hellowork" => (email.as_str(), "Other-User-2026"),
                    "rokin" => ("Isolate01", crate::testkit::ROKIN_MASTER_PASSWORD),
                    "jrec-in" => ("isolate-kikan", "Other2026x"),
                    _ => ("isolate01", "Other-User-2026"),
                };
                let id =
                    organization_user(app, portal, "隔離検査株式会社", login_id, &email, "隔離　検査", password).await;
                if portal == "rokin" {
                    // A 財形 contract of its own, so that its pages are a contract's, not the
                    // refusal of a user without one.
                    crate::modules::zaikei::contract_for(app, id, "11112222").await;
                }
                let b = app.browser();
                b.sign_in_as(portal, id).await;
                b
            };
            let login_id = owner_login_id(portal);
            (other, texts_of_organization(app, organization_of(app, portal, login_id).await).await, BTreeSet::new())
        }
        Role::Seeker => {
            let (other, _) = crate::modules::seekers::seeker(app, "isolation@seeker.example.jp", "隔離 求職者").await;
            let mut conn = app.state.store.acquire().await.unwrap();
            let (login_id, email, name): (String, String, String) =
                sqlx::query_as("SELECT login_id, email, name FROM users WHERE portal = $1 AND email = $2")
                    .bind(portal)
                    .bind(super::walk::SEEKER_EMAIL)
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap();
            (other, BTreeSet::from([login_id, email, name]), BTreeSet::new())
        }
        Role::Operator => {
            let portals: Vec<String> = app.state.config.portals.iter().map(|p| p.id.clone()).collect();
            let at = portals.iter().position(|p| p == portal).unwrap();
            let next = &portals[(at + 1) % portals.len()];
            let other = app.browser();
            other.operator_login(next).await;
            (other, texts_of_portal(app, portal).await, texts_of_portal(app, next).await)
        }
        Role::Anonymous => unreachable!("the anonymous visitor owns nothing"),
    };
    Pair { owner, other, own_texts, texts }
}

/// The login ID the hostile walk's employer of `portal` signs in with.
fn owner_login_id(portal: &str) -> &'static str {
    match portal {
        "shaho" => super::walk::SHAHO_EMAIL,
        "rokin" => super::walk::ROKIN_ID,
        _ => super::walk::EMPLOYERS.iter().find(|(p, _, _)| *p == portal).map(|(_, id, _)| *id).unwrap(),
    }
}

fn refused(page: &Page) -> bool {
    matches!(page.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) || page.status.is_redirection()
}

/// A page as the owner reads it, without what changes from one request to the next. A PDF the
/// portal wrote is read as its text (pdftotext): the writer puts the time and random object ids
/// into every copy; an uploaded file (a test's PDF header and padding) as its bytes.
fn stable(page: &Page) -> String {
    if page.bytes.starts_with(b"%PDF") {
        let path = std::env::temp_dir().join(format!("isolation-{}.pdf", std::process::id()));
        std::fs::write(&path, &page.bytes).unwrap();
        let out = std::process::Command::new("pdftotext").arg("-raw").arg(&path).arg("-").output();
        let _ = std::fs::remove_file(&path);
        if let Some(out) = out.ok().filter(|o| o.status.success()) {
            return format!("{} PDF {}", page.status, String::from_utf8_lossy(&out.stdout));
        }
    }
    let mut body = page.body.clone();
    while let Some(at) = body.find("nonce=\"") {
        let end = body[at + 7..].find('"').map_or(body.len(), |e| at + 7 + e + 1);
        body.replace_range(at..end, "");
    }
    format!("{} {body}", page.status)
}

/// Addresses the pages never link to (a step's result, reached by a redirect after a post)
/// made from the ids the owner's pages did show: a route's parameters taken from a path of
/// another route that shares the route's beginning up to its last parameter
/// (`/{portal}/job-postings/{id}/saved` from `/jrec-in/job-postings/7/edit`).
fn derived(
    templates: &[Template],
    owner: &Walker,
    visited: &std::collections::BTreeMap<String, u16>,
    forms: &std::collections::BTreeMap<String, Vec<(String, String)>>,
) -> BTreeSet<String> {
    let known: Vec<(&Template, &str)> = visited
        .iter()
        .filter(|(_, s)| **s == 200)
        .map(|(p, _)| p.as_str())
        .chain(forms.keys().map(String::as_str))
        .filter_map(|p| Some((super::walk::template_of(templates, p)?, p)))
        .collect();
    let mut out = BTreeSet::new();
    for t in templates.iter().filter(|t| owner.in_scope(t) && has_id(t) && t.methods.contains(&Method::GET)) {
        let Some(last) = t.segments.iter().rposition(|s| s.starts_with('{')) else { continue };
        let mut made = BTreeSet::new();
        for (u, path) in &known {
            let shared = u.segments.len() > last && t.segments[..=last] == u.segments[..=last];
            if shared && u.path != t.path && made.len() < 50 {
                let parts: Vec<&str> = path.split('/').collect();
                let mut filled: Vec<&str> = t.segments.clone();
                filled[..=last].copy_from_slice(&parts[..=last]);
                made.insert(filled.join("/"));
            }
        }
        out.extend(made.into_iter().filter(|p| !visited.contains_key(p)));
    }
    out
}

/// Sweeps one owner: its addresses with ids (those its crawl found, those made from them, and
/// `reached`: pages the setup reached only by a redirect) and its forms, by the other side.
async fn sweep(
    app: &TestApp,
    pair: &Pair<'_>,
    templates: &[Template],
    snapshot: &Snapshot,
    reached: &[String],
    swept: &mut BTreeSet<&'static str>,
    failures: &mut Vec<String>,
) {
    let owner = pair.owner;
    let Crawl { seen, visited } = crawl(app, owner, templates).await;
    let template = |path: &str| super::walk::template_of(templates, path);
    let mut fail = |what: String| failures.push(format!("{}: {what}", pair.label()));

    let mut visited = visited;
    let own = format!("/{}/", owner.portal.unwrap_or_default());
    let reached = reached.iter().filter(|p| p.starts_with(&own)).cloned();
    for path in derived(templates, owner, &visited, &seen.forms).into_iter().chain(reached) {
        owner.ensure_session(app).await;
        app.clock.set(tuesday_morning());
        let status = owner.browser.get(&path).await.status.as_u16();
        visited.insert(path, status);
    }

    // The owner's addresses with an id, as the other side.
    let anonymous = app.browser();
    let mut owned: Vec<String> = Vec::new();
    for (path, status) in &visited {
        let Some(t) = template(path) else { continue };
        if *status != 200 || !has_id(t) || listed(&SHARED, t) {
            continue;
        }
        owned.push(path.clone());
        owner.ensure_session(app).await;
        app.clock.set(tuesday_morning());
        let page = pair.other.get(path).await;
        swept.insert(t.path);
        // What an anonymous visitor is shown too is public (jrec-in's published postings).
        if page.status == StatusCode::OK && anonymous.get(path).await.status == StatusCode::OK {
            continue;
        }
        if !refused(&page) {
            fail(format!("GET {path} answered {} to the other side", page.status));
        }
        let leaked = pair.leaked(&page);
        if !leaked.is_empty() {
            fail(format!("GET {path} ({}) shows the owner's {leaked:?}", page.status));
        }
    }

    // The other side's own pages without an id show nothing of the owner's that is not public.
    for t in templates.iter().filter(|t| owner.in_scope(t) && !has_id(t) && t.methods.contains(&Method::GET)) {
        let path = t.fill(&defaults(owner.portal.unwrap()));
        app.clock.set(tuesday_morning());
        let page = pair.other.get(&path).await;
        let leaked = pair.leaked(&page);
        if leaked.is_empty() {
            continue;
        }
        let public = anonymous.get(&path).await;
        let private: Vec<_> = leaked.into_iter().filter(|t| !public.body.contains(t.as_str())).collect();
        if !private.is_empty() {
            fail(format!("GET {path} (the other side's own page) shows the owner's {private:?}"));
        }
    }

    // The owner's forms with an id, posted by the other side with its own token.
    let before_pages: Vec<(String, String)> = read_all(owner, app, &owned).await;
    let before = snapshot.take(app).await;
    for (action, fields) in &seen.forms {
        let Some(t) = template(action) else { continue };
        if !has_id(t) || listed(&SHARED, t) || !t.methods.contains(&Method::POST) {
            continue;
        }
        swept.insert(t.path);
        for confirmed in [false, true] {
            let mut fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            if confirmed {
                fields.retain(|(k, _)| *k != "_step");
                fields.push(("_step", "confirmed"));
            }
            app.clock.set(tuesday_morning());
            let page = pair.other.post(action, &fields).await;
            if !refused(&page) {
                fail(format!("POST {action} {fields:?} answered {} to the other side", page.status));
            }
            let leaked = pair.leaked(&page);
            if !leaked.is_empty() {
                fail(format!("POST {action} ({}) shows the owner's {leaked:?}", page.status));
            }
        }
    }
    let diff = changed(&before, &snapshot.take(app).await);
    if !diff.is_empty() {
        fail(format!("the other side's posts changed the database: {diff:?}"));
    }
    for ((path, was), (_, is)) in before_pages.iter().zip(read_all(owner, app, &owned).await.iter()) {
        if was != is {
            fail(format!("the owner's {path} reads differently after the other side's posts"));
        }
    }
    eprintln!(
        "isolation, {}: {} pages crawled, {} addresses with an id, {} forms",
        pair.label(),
        visited.len(),
        owned.len(),
        seen.forms.len()
    );
}

async fn read_all(owner: &Walker, app: &TestApp, paths: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for path in paths {
        owner.ensure_session(app).await;
        app.clock.set(tuesday_morning());
        out.push((path.clone(), stable(&owner.browser.get(path).await)));
    }
    out
}

#[tokio::test]
async fn another_organizations_session_reaches_nothing_of_the_owners_on_any_route() {
    let app = TestApp::demo().await;
    let templates = templates(&app.state);
    let snapshot = Snapshot::prepare(&app).await;
    let owners: Vec<Walker> = walkers(&app).await.into_iter().filter(|w| w.role != Role::Anonymous).collect();

    // rokin's master manages the organization's users: one for its pages with an id to show.
    let rokin = owners.iter().find(|w| w.role == Role::Employer && w.portal == Some("rokin")).unwrap();
    let member =
        crate::rokin::users::register(&rokin.browser, "Member001", "member@rokin.example.jp", "一般　花子").await;
    assert_eq!(member.location(), "/rokin/users?done=registered", "{}", member.body);
    // Its certificate, for the console's 失効 of it.
    let certificate = crate::rokin::certificate::MASTER_ID;
    let (_, password, email) =
        (certificate, crate::rokin::certificate::MASTER_PASSWORD, crate::rokin::certificate::MASTER_EMAIL);
    crate::rokin::certificate::issue(&app.browser(), certificate, password, email).await;
    // shaho's 管理者 has another account of the contract to act on.
    let member = crate::modules::asp_accounts::signed_up(&app, "member@shaho.example.jp", "一般 花子").await;
    crate::modules::asp_accounts::link(&member, "abcd8-02").await;
    // shaho: a contract nobody uses yet (the console offers its 管理者登録コード) and a sign-up
    // that gives the demo contract a 照合失敗 (the console offers to clear it).
    let portal = app.state.portal("shaho").unwrap().clone();
    let unused = madoguchi_console::contracts::NewContract {
        organization: "未使用社会保険労務士事務所",
        customer_id: "287777",
        phone: "03-7777-0000",
        seats: "1",
        asp_user_ids: "yy-01",
    };
    madoguchi_console::contracts::add(&app.state.store, &portal, &unused, "test", app.state.clock.unix())
        .await
        .unwrap();
    let guesser = app.browser();
    crate::identity::signup::verified(&guesser, "guess@shaho.example.jp").await;
    crate::identity::signup::details(&guesser, crate::identity::signup::CUSTOMER, "03-5555-6666", "推測 太郎").await;
    // Each console has a day in its 営業日カレンダー.
    for op in owners.iter().filter(|w| w.role == Role::Operator) {
        let path = format!("/{}/operator/calendar", op.portal.unwrap());
        op.browser.post(&path, &[("day", "2026-12-05"), ("kind", "open"), ("note", "決算対応")]).await;
    }
    // jrec-in's institution withdraws one published posting (its 完了 page has an id).
    let jrec = owners.iter().find(|w| w.role == Role::Employer && w.portal == Some("jrec-in")).unwrap();
    let mut conn = app.state.store.acquire().await.unwrap();
    let published: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM job_postings WHERE portal = 'jrec-in' AND public_snapshot IS NOT NULL")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    drop(conn);
    let asked = jrec.browser.post(&format!("/jrec-in/job-postings/{published}/withdraw"), &[]).await;
    let done = jrec.browser.press_yes(&asked).await;
    assert_eq!(done.location(), format!("/jrec-in/job-postings/{published}/withdrawn"), "{}", done.body);
    // ... and files a request with the 事務局 about its posting under review (依頼一覧 has one).
    let mut conn = app.state.store.acquire().await.unwrap();
    let under_review: i64 =
        sqlx::query_scalar("SELECT MIN(item_id) FROM review_items WHERE portal = 'jrec-in' AND state = 'under_review'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    drop(conn);
    let fields = [("kind", "change"), ("body", "給与の記載を修正してください。"), ("location", "給与")];
    let asked = jrec.browser.post(&format!("/jrec-in/job-postings/{under_review}/requested"), &fields).await;
    let done = jrec.browser.press_yes(&asked).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    // Its 完了 page is reached only by that redirect: the sweep is told of it.
    let reached = vec![done.location().to_string()];
    // The walking seeker has applied to one of its open postings (Web応募), and the institution
    // asks for the document again: the seeker's page then has its 再提出 form, the
    // institution's 応募状況確認, 一覧, 詳細 and download have an application to show.
    let walker = owners.iter().find(|w| w.role == Role::Seeker).unwrap();
    crate::modules::applications::applied_and_asked_again(&app, &walker.browser, &jrec.browser).await;
    // … and has a 公開 profile with two inquiries of the institution, one answered.
    crate::modules::seeker_mail::inquired_and_replied(&app, &walker.browser, &jrec.browser).await;
    // mlit-fwms's company starts its 受入れ計画 with a worker and the attachments it needs.
    let mlit = owners.iter().find(|w| w.role == Role::Employer && w.portal == Some("mlit-fwms")).unwrap();
    crate::modules::acceptance_plan::start(&mlit.browser).await;
    crate::modules::acceptance_plan::add_worker(&mlit.browser).await;
    let page = mlit.browser.get("/mlit-fwms/plan/attachments").await;
    let marker = "name=\"kind\" value=\"";
    let at = page.body.find(marker).expect("a kind to upload") + marker.len();
    let kind: String = page.body[at..].chars().take_while(|c| *c != '"').collect();
    let pdf = crate::modules::acceptance_plan::pdf(2048);
    let done = crate::modules::acceptance_plan::upload(&mlit.browser, &kind, None, "2026-11-01", "a.pdf", &pdf).await;
    done.assert_contains("をアップロードしました。");
    // A second company of the office's area has applied for its plan: the office's 審査一覧,
    // 審査 and the plan's files have one to show.
    let applicant = crate::modules::acceptance_plan::other_company(&app).await;
    let worker = crate::modules::acceptance_plan::complete_plan(&applicant).await;
    crate::modules::acceptance_plan::upload_required(&applicant, &worker).await;
    let asked = applicant.get("/mlit-fwms/plan/apply").await;
    let done = applicant.press_yes(&asked).await;
    assert_eq!(done.location(), "/mlit-fwms/plan/view?done=applied", "{}", done.body);
    // A third company's plan is certified by the office: its 認定通知書 is on the 審査 page.
    let office = owners.iter().find(|w| w.role == Role::Operator && w.portal == Some("mlit-fwms")).unwrap();
    let name = "認定済建設株式会社";
    let user = organization_user(
        &app,
        "mlit-fwms",
        name,
        "ninteikensetsu",
        "nintei@kensetsu.example.jp",
        "認定 建設",
        "Other-User-2026",
    )
    .await;
    let certified = app.browser();
    certified.sign_in_as("mlit-fwms", user).await;
    let worker = crate::modules::acceptance_plan::complete_plan(&certified).await;
    crate::modules::acceptance_plan::upload_required(&certified, &worker).await;
    let done = certified.press_yes(&certified.get("/mlit-fwms/plan/apply").await).await;
    assert_eq!(done.location(), "/mlit-fwms/plan/view?done=applied", "{}", done.body);
    let mut conn = app.state.store.acquire().await.unwrap();
    let plan: i64 = sqlx::query_scalar(
        "SELECT p.id FROM acceptance_plans p JOIN organizations o ON o.id = p.organization_id WHERE o.name = $1",
    )
    .bind(name)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    office.ensure_session(&app).await;
    let review = office.browser.get(&format!("/mlit-fwms/operator/plans/{plan}")).await;
    let marker = "name=\"seq\" value=\"";
    let at = review.body.find(marker).expect("the 審査 page's seq") + marker.len();
    let seq: String = review.body[at..].chars().take_while(|c| *c != '"').collect();
    let mut fields: Vec<(&str, &str)> =
        madoguchi_acceptance_plan::bureau::CRITERIA.iter().map(|c| ("criteria", *c)).collect();
    fields.extend([("seq", seq.as_str()), ("certified_on", "2026-11-24")]);
    let done = office.browser.post(&format!("/mlit-fwms/operator/plans/{plan}/certify"), &fields).await;
    assert_eq!(done.location(), format!("/mlit-fwms/operator/plans/{plan}?done=certified"), "{}", done.body);
    // It reports its worker's acceptance and departure: the 審査 page shows the reports.
    let arrival = [
        ("granted_on", "2026-11-24"),
        ("residence_card", "AB12345678CD"),
        ("ccus_id", "12345678901234"),
        ("stay_expires", "2027-11-23"),
        ("started_on", "2026-11-24"),
    ];
    let asked = certified.post(&format!("/mlit-fwms/plan/reports/{worker}/arrival"), &arrival).await;
    let done = certified.press_yes(&asked).await;
    assert_eq!(done.location(), "/mlit-fwms/plan/reports?done=arrival", "{}", done.body);
    let departure = [("left_on", "2026-11-24"), ("leave_reason", "job_change")];
    let asked = certified.post(&format!("/mlit-fwms/plan/reports/{worker}/departure"), &departure).await;
    let done = certified.press_yes(&asked).await;
    assert_eq!(done.location(), "/mlit-fwms/plan/reports?done=departure", "{}", done.body);
    // … and a 変更届出, which the office's 審査 page lists with its 「確認済にする」.
    crate::modules::acceptance_plan::file_change_notice(&certified).await;

    let mut failures = Vec::new();
    let mut swept = BTreeSet::new();
    for owner in &owners {
        let pair = other_side(&app, owner).await;
        sweep(&app, &pair, &templates, &snapshot, &reached, &mut swept, &mut failures).await;
    }

    // Every route with an id of a signed-in role was swept, or is listed with its reason.
    let signed_in: Vec<&Template> = templates
        .iter()
        .filter(|t| has_id(t) && owners.iter().any(|w| w.in_scope(t)))
        .filter(|t| !listed(&SHARED, t) && !listed(&NOT_REACHED, t))
        .collect();
    let missed: Vec<&str> = signed_in.iter().filter(|t| !swept.contains(t.path)).map(|t| t.path).collect();
    let stale: Vec<&str> = NOT_REACHED
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| swept.contains(p) || templates.iter().all(|t| t.path != *p))
        .collect();
    assert!(failures.is_empty(), "{} isolation failures:\n{}", failures.len(), failures.join("\n"));
    assert!(
        missed.is_empty(),
        "routes with an id no owner's crawl reached (make the data, or list them in NOT_REACHED with why): {missed:#?}"
    );
    assert!(stale.is_empty(), "NOT_REACHED lists routes that are swept or gone: {stale:?}");
}
