//! Hostile input on every route. The routes come from the server's own table
//! (`madoguchi::route_table()`), so a route added later is walked without touching this
//! file. For each route and method, as an anonymous visitor, as a logged-in employer, as a
//! logged-in job seeker (jrec-in's seekers' pages) and as a logged-in operator: the path parameters are filled from the links the pages show (and
//! with hostile segments), the form fields are the ones the pages' forms have, the query
//! parameters the ones their links and search forms have; each is sent empty, 1 MB long,
//! invalid UTF-8, with control characters, NUL, full-width and emoji, markup, huge numbers;
//! with a wrong or missing CSRF token; with every field repeated.
//!
//! Always: no 5xx, no redirect off the site, no markup echoed unescaped. A POST without a
//! valid CSRF token, a NUL anywhere and a body over the limit must also change nothing: the
//! row count of every table and a digest of the columns a refused request could touch
//! (lock counters, disabled/withdrawn flags, password changes, seats, edits) stay the same.

use super::walk::{Crawl, Role, Snapshot, Template, Walker, changed, crawl, defaults, templates, walkers};
use crate::testkit::{Page, TestApp, tuesday_morning};
use axum::body::Body;
use axum::http::{Method, Request, header};
use std::collections::{BTreeMap, BTreeSet};

/// A value for a field or query parameter: text (form-encoded when sent) or bytes already
/// percent-encoded (for what text cannot hold: invalid UTF-8, NUL).
#[derive(Clone)]
enum Value {
    Text(String),
    Encoded(&'static str),
}

impl Value {
    fn encoded(&self) -> String {
        match self {
            Value::Text(t) => url::form_urlencoded::byte_serialize(t.as_bytes()).collect(),
            Value::Encoded(e) => (*e).to_string(),
        }
    }

    /// The bytes themselves, for a multipart part.
    fn bytes(&self) -> Vec<u8> {
        match self {
            Value::Text(t) => t.as_bytes().to_vec(),
            Value::Encoded(e) => {
                let (mut out, raw) = (Vec::new(), e.as_bytes());
                let mut i = 0;
                while i < raw.len() {
                    let hex = raw.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                    match (raw[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
                        (b'%', Some(b)) => {
                            out.push(b);
                            i += 3;
                        }
                        (c, _) => {
                            out.push(c);
                            i += 1;
                        }
                    }
                }
                out
            }
        }
    }
}

/// What a value must cause beyond "no 5xx".
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    /// Anything but a 5xx (the handler may accept it: full-width text is valid input).
    NoServerError,
    /// Refused before any handler: 4xx and no change.
    RefusedUnchanged,
}

const MARKUP: &str = "<script>alert(1)</script>\"'&' OR '1'='1";
/// The longest URI the http crate builds (a real server's hyper refuses longer ones itself).
const LONG_QUERY: usize = 60 * 1024;

/// `huge` is refused by the body limit; `long` reaches the handlers. Both are per field: the
/// request carries one of them in every field.
fn values(huge: usize, long: usize) -> Vec<(&'static str, Value, Expect)> {
    vec![
        ("empty", Value::Text(String::new()), Expect::NoServerError),
        ("1 MB", Value::Text("a".repeat(huge)), Expect::NoServerError),
        ("long", Value::Text("あ".repeat(long / 3)), Expect::NoServerError),
        ("invalid UTF-8", Value::Encoded("%FF%FE%C3%28ab"), Expect::NoServerError),
        (
            "control characters",
            Value::Text("a\u{1}\u{7}\u{1b}[31m\r\n\t\u{7f}\u{85}\u{2028}b".into()),
            Expect::NoServerError,
        ),
        ("NUL", Value::Encoded("a%00b"), Expect::RefusedUnchanged),
        ("full-width and emoji", Value::Text("ＡＢＣ１２３＠ｅｘａｍｐｌｅ．ｊｐ😀👨‍👩‍👧".into()), Expect::NoServerError),
        ("markup", Value::Text(MARKUP.into()), Expect::NoServerError),
        ("i64 max", Value::Text("9223372036854775807".into()), Expect::NoServerError),
        ("i64 min", Value::Text("-9223372036854775808".into()), Expect::NoServerError),
        ("past i64", Value::Text("99999999999999999999999".into()), Expect::NoServerError),
        ("off-site path", Value::Text("//evil.example/%2e%2e/".into()), Expect::NoServerError),
        ("header injection", Value::Text("/a\r\nSet-Cookie: mdg_s=evil".into()), Expect::NoServerError),
        ("non-ASCII path", Value::Text("/ｈｅｌｌｏ/😀".into()), Expect::NoServerError),
    ]
}

/// Hostile path segments for every parameter but `{portal}`.
const SEGMENTS: [&str; 10] = [
    "0",
    "-1",
    "9223372036854775807",
    "99999999999999999999",
    "abc",
    "%FF",
    "%00",
    "%EF%BC%91",
    "..%2F..",
    "%F0%9F%98%80",
];

// ---- sending: the requests of each route (`hostile_cases.rs`) ----

#[path = "hostile_cases.rs"]
mod cases;
use cases::{cases, judge, multipart_cases, send};

// ---- the walk ----

async fn walk(
    app: &TestApp,
    walker: &Walker,
    templates: &[Template],
    snapshot: &Snapshot,
    failures: &mut Vec<String>,
    walked: &mut BTreeSet<(&'static str, String)>,
    uploads: &mut BTreeSet<&'static str>,
) -> usize {
    let portals = walker.portals(app);
    let scope: Vec<&Template> = templates.iter().filter(|t| walker.in_scope(t)).collect();
    // Crawl: every GET route, then the links the pages show, to learn paths, forms and parameters.
    let Crawl { seen, visited } = crawl(app, walker, templates).await;

    let mut sent = 0;
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for t in scope {
        // (path, whether it is one the pages link to or a plain fill: those get every case)
        let mut instances: Vec<(String, bool)> = Vec::new();
        // Without a console session every console route ends at its sign-in check whatever the
        // portal: the first portal gets every case, the others the short list.
        let console_only = walker.role == Role::Anonymous && t.path.starts_with("/{portal}/operator/");
        for (i, p) in portals.iter().enumerate() {
            let full = !(console_only && i > 0);
            let mut found: Vec<String> = seen
                .paths
                .get(t.path)
                .map(|s| s.iter().filter(|path| t.portal_of(path).is_none_or(|x| x == *p)).take(3).cloned().collect())
                .unwrap_or_default();
            if found.is_empty() {
                found.push(t.fill(&defaults(p)));
            }
            let first = found[0].clone();
            instances.extend(found.drain(..).map(|p| (p, full)));
            // Hostile segments in every parameter but the portal, on the first instance.
            let parts: Vec<&str> = first.split('/').collect();
            for (i, seg) in t.segments.iter().enumerate() {
                if seg.starts_with('{') && *seg != "{portal}" {
                    for bad in SEGMENTS {
                        let mut copy: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
                        copy[i] = bad.to_string();
                        found.push(copy.join("/"));
                    }
                }
            }
            if t.path.contains("{portal}") {
                let mut copy: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
                if let Some(i) = t.segments.iter().position(|s| *s == "{portal}") {
                    copy[i] = "%FF".into();
                    found.push(copy.join("/"));
                }
            }
            instances.extend(found.into_iter().map(|p| (p, false)));
            if !t.path.contains("{portal}") {
                break;
            }
        }
        instances.dedup();
        for method in &t.methods {
            // A POST whose form no page showed (a later step of a flow) gets every field name
            // this walker saw anywhere, and one of its own.
            let fields = match seen.fields.get(&(t.path, method.clone())) {
                Some(f) if !f.is_empty() || *method == Method::GET => f.clone(),
                _ if *method == Method::GET => BTreeSet::new(),
                _ => seen.fields.values().flatten().cloned().chain(["x".to_string()]).collect(),
            };
            let query = seen.query.get(t.path).cloned().unwrap_or_default();
            for (path, full) in &instances {
                walker.ensure_session(app).await;
                if *method == Method::POST && walker.browser.cookie("mdg_csrf").is_none() {
                    walker.browser.get("/").await;
                }
                let csrf = walker.browser.cookie("mdg_csrf").unwrap_or_default();
                // The refusals first: the state after one is the state before the next, so the
                // database is read once per refusal.
                let mut all = cases(path, method, &fields, &query, &csrf, *full);
                if let (Some(files), true, true) = (seen.multipart.get(t.path), *full, *method == Method::POST) {
                    all.extend(multipart_cases(path, &fields, files, &csrf));
                    uploads.insert(t.path);
                }
                all.sort_by_key(|c| c.expect != Expect::RefusedUnchanged);
                let mut known: Option<BTreeMap<String, i64>> = None;
                for case in all {
                    app.clock.set(tuesday_morning());
                    let checked = case.expect == Expect::RefusedUnchanged;
                    let before = match (checked, known.take()) {
                        (true, Some(state)) => Some(state),
                        (true, None) => Some(snapshot.take(app).await),
                        (false, _) => None,
                    };
                    let page = send(walker, &case).await;
                    let after = if checked { Some(snapshot.take(app).await) } else { None };
                    sent += 1;
                    walked.insert((t.path, method.to_string()));
                    *statuses.entry(page.status.as_u16()).or_default() += 1;
                    if let Some(problem) = judge(&case, &page, before.as_ref(), after.as_ref()) {
                        let uri: String = case.uri.chars().take(160).collect();
                        failures.push(format!(
                            "{:?}{}: {} {uri} ({}) fields {fields:?}: {problem}",
                            walker.role,
                            walker.portal.map(|p| format!(" of {p}")).unwrap_or_default(),
                            case.method,
                            case.label
                        ));
                    }
                    known = after;
                    if walker.session_cookie().is_some_and(|c| walker.browser.cookie(c).is_none()) {
                        walker.ensure_session(app).await;
                        known = None;
                    }
                }
            }
        }
    }
    eprintln!(
        "{:?}{}: {} pages crawled, {sent} requests, statuses {statuses:?}",
        walker.role,
        walker.portal.map(|p| format!(" of {p}")).unwrap_or_default(),
        visited.len()
    );
    sent
}

#[tokio::test]
async fn every_route_refuses_hostile_input_without_a_server_error_or_a_change() {
    let started = std::time::Instant::now();
    // The demo with its sample postings, so that jrec-in's 求人公募情報 addresses are filled
    // with real postings (published, requested, a draft) and walked as an institution.
    let app = TestApp::demo().await;
    let templates = templates(&app.state);
    assert!(templates.len() > 50, "the route table lists {} routes", templates.len());
    let snapshot = Snapshot::prepare(&app).await;

    let walkers = walkers(&app).await;
    // jrec-in's seeker has applied, and the institution asked for the document again: the
    // application pages have one to show, and both upload forms (Web応募, 再提出) are seen.
    let seeker = walkers.iter().find(|w| w.role == Role::Seeker).unwrap();
    let institution = walkers.iter().find(|w| w.role == Role::Employer && w.portal == Some("jrec-in")).unwrap();
    seeker.ensure_session(&app).await;
    institution.ensure_session(&app).await;
    crate::modules::applications::applied_and_asked_again(&app, &seeker.browser, &institution.browser).await;
    crate::modules::seeker_mail::inquired_and_replied(&app, &seeker.browser, &institution.browser).await;

    let mut failures = Vec::new();
    let mut sent = 0;
    let mut walked = BTreeSet::new();
    let mut uploads = BTreeSet::new();
    for walker in &walkers {
        walker.ensure_session(&app).await;
        sent += walk(&app, walker, &templates, &snapshot, &mut failures, &mut walked, &mut uploads).await;
    }
    // Web応募's upload forms got multipart bodies, not only form-encoded ones (their setup above
    // makes both forms show).
    for upload in ["/{portal}/seeker/apply/{id}", "/{portal}/seeker/applications/{id}/resubmit"] {
        assert!(uploads.contains(upload), "no multipart body was posted to {upload}: {uploads:?}");
    }
    let table: BTreeSet<(&'static str, String)> =
        templates.iter().flat_map(|t| t.methods.iter().map(|m| (t.path, m.to_string()))).collect();
    let missed: Vec<_> = table.difference(&walked).collect();
    assert!(missed.is_empty(), "routes of the table never walked: {missed:?}");
    eprintln!("hostile input: {sent} requests over {} routes in {:.1?}", templates.len(), started.elapsed());
    failures.dedup();
    assert!(failures.is_empty(), "{} bad answers:\n{}", failures.len(), failures.join("\n"));
}
