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

use crate::testkit::{Page, TestApp, tuesday_morning};
use axum::body::Body;
use axum::http::{Method, Request, header};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

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

// ---- the route table ----

struct Template {
    path: &'static str,
    methods: Vec<Method>,
    segments: Vec<&'static str>,
}

impl Template {
    /// How well a concrete path matches: the number of literal segments, None if it does not.
    fn matches(&self, path: &str) -> Option<usize> {
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut literals = 0;
        for (t, p) in self.segments.iter().zip(&parts) {
            if t.starts_with('{') {
                if p.is_empty() {
                    return None;
                }
            } else if t == p {
                literals += 1;
            } else {
                return None;
            }
        }
        Some(literals)
    }

    fn fill(&self, values: &BTreeMap<&str, String>) -> String {
        self.segments
            .iter()
            .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => values.get(name).cloned().unwrap_or_else(|| "x".into()),
                None => (*s).to_string(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    fn portal_of<'a>(&self, path: &'a str) -> Option<&'a str> {
        let i = self.segments.iter().position(|s| *s == "{portal}")?;
        path.split('/').nth(i)
    }
}

fn templates(state: &madoguchi_web::AppState) -> Vec<Template> {
    madoguchi::route_table(state)
        .table()
        .iter()
        .map(|e| Template { path: e.path, methods: e.methods.clone(), segments: e.path.split('/').collect() })
        .collect()
}

/// The template a concrete path is routed to: the match with the most literal segments,
/// as axum prefers `/users/new` to `/users/{id}`.
fn template_of<'a>(templates: &'a [Template], path: &str) -> Option<&'a Template> {
    templates
        .iter()
        .filter_map(|t| t.matches(path).map(|score| (score, t)))
        .max_by_key(|(score, _)| *score)
        .map(|x| x.1)
}

// ---- what the pages show ----

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#38;", "&")
        .replace("&#47;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// Each `<tag ...>` opening of these names in `html`.
fn tags<'a>(html: &'a str, names: &'a [&'a str]) -> impl Iterator<Item = &'a str> + 'a {
    html.match_indices('<').filter_map(move |(i, _)| {
        let rest = &html[i + 1..];
        let name_end = rest.find(|c: char| c.is_whitespace() || c == '>')?;
        if !names.contains(&&rest[..name_end]) {
            return None;
        }
        let end = rest.find('>')?;
        Some(&html[i..i + 1 + end + 1])
    })
}

#[derive(Default)]
struct Seen {
    /// Concrete paths met in links and form actions, by template.
    paths: BTreeMap<&'static str, BTreeSet<String>>,
    /// Form field names by (template, method).
    fields: BTreeMap<(&'static str, Method), BTreeSet<String>>,
    /// Query parameter names by template (from links and GET forms).
    query: BTreeMap<&'static str, BTreeSet<String>>,
    /// Routes whose form is `multipart/form-data`, with the names of its file inputs.
    multipart: BTreeMap<&'static str, BTreeSet<String>>,
}

impl Seen {
    fn read(&mut self, templates: &[Template], page_path: &str, html: &str) -> Vec<String> {
        let mut links = Vec::new();
        for tag in tags(html, &["a", "link", "script"]) {
            if let Some(href) = attr(tag, "href").or_else(|| attr(tag, "src")) {
                links.push(href);
            }
        }
        let mut found = Vec::new();
        for href in links {
            if !href.starts_with('/') || href.starts_with("//") {
                continue;
            }
            let (path, query) = href.split_once('?').unwrap_or((&href, ""));
            let path = path.split('#').next().unwrap_or(path);
            if let Some(t) = template_of(templates, path) {
                self.paths.entry(t.path).or_default().insert(path.to_string());
                for (k, _) in url::form_urlencoded::parse(query.as_bytes()) {
                    self.query.entry(t.path).or_default().insert(k.into_owned());
                }
                found.push(path.to_string());
            }
        }
        let mut rest = html;
        while let Some(start) = rest.find("<form") {
            let form = &rest[start..];
            let end = form.find("</form>").unwrap_or(form.len());
            let (form, after) = form.split_at(end);
            rest = after;
            let open = tags(form, &["form"]).next().unwrap_or("");
            let action = attr(open, "action").unwrap_or_else(|| page_path.to_string());
            let action = action.split('?').next().unwrap_or("").to_string();
            let method = match attr(open, "method").map(|m| m.to_ascii_lowercase()).as_deref() {
                Some("post") => Method::POST,
                _ => Method::GET,
            };
            let Some(t) = template_of(templates, &action) else { continue };
            self.paths.entry(t.path).or_default().insert(action.clone());
            let inputs: Vec<&str> = tags(form, &["input", "select", "textarea", "button"]).collect();
            if attr(open, "enctype").as_deref() == Some("multipart/form-data") {
                let files = inputs.iter().filter(|t| attr(t, "type").as_deref() == Some("file"));
                self.multipart.entry(t.path).or_default().extend(files.filter_map(|t| attr(t, "name")));
            }
            let names: BTreeSet<String> = inputs
                .iter()
                .filter(|t| attr(t, "type").as_deref() != Some("file"))
                .filter_map(|tag| attr(tag, "name"))
                .filter(|n| n != "_csrf")
                .collect();
            if method == Method::GET {
                self.query.entry(t.path).or_default().extend(names.iter().cloned());
                found.push(action);
            }
            self.fields.entry((t.path, method)).or_default().extend(names);
        }
        found
    }
}

// ---- who walks ----

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Anonymous,
    Employer,
    /// A job seeker of jrec-in (module `seekers`), on the seekers' pages.
    Seeker,
    Operator,
}

struct Walker {
    role: Role,
    /// The one portal a logged-in walker stays in.
    portal: Option<&'static str>,
    browser: TestApp,
}

const EMPLOYERS: [(&str, &str, &str); 3] = [
    ("hellowork", "demo@hellowork.example.jp", "Demo-User-2026"),
    ("jrec-in", "demo-kikan", "DemoUser2026"),
    ("mlit-fwms", "kensetsu01", "Demo-User-2026"),
];
const SHAHO_EMAIL: &str = "walker@shaho.example.jp";
const SEEKER_EMAIL: &str = "walker@seeker.example.jp";
const SEEKER_PASSWORD: &str = crate::modules::seekers::PASSWORD;
const ROKIN_ID: &str = "Walker01";

impl Walker {
    fn session_cookie(&self) -> Option<&'static str> {
        match self.role {
            Role::Anonymous => None,
            Role::Employer => Some("mdg_s"),
            Role::Seeker => Some("mdg_seeker"),
            Role::Operator => Some("mdg_op"),
        }
    }

    /// Logs in again when a walk ended the session (a logout, a password change).
    async fn ensure_session(&self, app: &TestApp) {
        let (Some(cookie), Some(portal)) = (self.session_cookie(), self.portal) else { return };
        if self.browser.cookie(cookie).is_some() {
            return;
        }
        // The walk may have locked the account with wrong passwords: the operator would unlock it.
        let mut conn = app.state.store.acquire().await.unwrap();
        sqlx::query("UPDATE users SET failed_count = 0, locked_until = NULL, lock_count = 0, blocked_at = NULL, disabled_at = NULL")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("UPDATE operators SET failed_count = 0, locked_until = NULL").execute(&mut *conn).await.unwrap();
        drop(conn);
        app.clock.set(tuesday_morning());
        match self.role {
            Role::Operator => self.browser.operator_login(portal).await,
            Role::Employer => employer_login(&self.browser, portal).await,
            Role::Seeker => {
                let page = crate::modules::seekers::login(&self.browser, SEEKER_EMAIL, SEEKER_PASSWORD).await;
                assert_eq!(page.location(), format!("/{portal}/seeker/home"), "{}", page.body);
            }
            Role::Anonymous => {}
        }
        assert!(self.browser.cookie(cookie).is_some(), "{:?} of {portal} logged in again", self.role);
    }
}

async fn employer_login(b: &TestApp, portal: &str) {
    if portal == "rokin" {
        // Its login takes a client certificate: the session is started as that login would.
        let mut conn = b.state.store.acquire().await.unwrap();
        let user = madoguchi_store::users::by_login_id(&mut conn, "rokin", ROKIN_ID).await.unwrap().unwrap();
        drop(conn);
        b.sign_in_as("rokin", user.id).await;
        return;
    }
    if portal == "shaho" {
        let page =
            b.post("/shaho/login", &[("login_id", SHAHO_EMAIL), ("password", crate::identity::signup::PASSWORD)]).await;
        assert!(page.location() == "/shaho/home" || page.location() == "/shaho/link", "{}", page.body);
        if page.location() == "/shaho/link" {
            crate::modules::asp_accounts::link(b, "abcd8-01").await;
        }
        return;
    }
    let (_, id, password) = EMPLOYERS.iter().find(|(p, _, _)| *p == portal).unwrap();
    let page = b.post(&format!("/{portal}/login"), &[("login_id", id), ("password", password)]).await;
    if page.location() == format!("/{portal}/login/otp") {
        let mails = b.mails().await;
        let mail = mails.iter().find(|m| m.to == *id && m.subject.contains("ワンタイムパスワード")).unwrap();
        let otp: String = mail
            .text
            .lines()
            .find(|l| l.starts_with("ワンタイムパスワード："))
            .unwrap()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        // Trust this browser, so that logging in again after a walked logout needs no new code.
        let page = b.post(&format!("/{portal}/login/otp"), &[("otp", &otp), ("skip", "1")]).await;
        assert_eq!(page.location(), format!("/{portal}/login/skip"), "{}", page.body);
        let page = b.post(&format!("/{portal}/login/skip"), &[("choice", "ok")]).await;
        assert_eq!(page.location(), format!("/{portal}/home"), "{}", page.body);
    } else {
        assert_eq!(page.location(), format!("/{portal}/home"), "{}", page.body);
    }
}

// ---- the database, before and after ----

struct Snapshot {
    sql: String,
}

impl Snapshot {
    async fn prepare(app: &TestApp) -> Snapshot {
        let mut conn = app.state.store.acquire().await.unwrap();
        let list = match app.state.store.backend() {
            madoguchi_store::Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            madoguchi_store::Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables
                 WHERE table_schema = current_schema() ORDER BY table_name"
            }
        };
        let tables: Vec<String> = sqlx::query_scalar(list).fetch_all(&mut *conn).await.unwrap();
        assert!(tables.iter().any(|t| t == "outbox") && tables.len() > 10, "tables: {tables:?}");
        let mut parts: Vec<String> =
            tables.iter().map(|t| format!("SELECT '{t}' AS k, CAST(COUNT(*) AS BIGINT) AS n FROM {t}")).collect();
        // Columns a refused request could change without adding a row.
        for (table, expr) in [
            ("users", "SUM(failed_count)"),
            ("users", "SUM(lock_count)"),
            ("users", "COUNT(locked_until)"),
            ("users", "COUNT(blocked_at)"),
            ("users", "COUNT(disabled_at)"),
            ("users", "COUNT(withdrawn_at)"),
            ("users", "SUM(must_change_password)"),
            ("users", "SUM(login_code_enabled)"),
            ("users", "MAX(password_changed_at)"),
            ("users", "COUNT(last_login_at)"),
            ("operators", "SUM(failed_count)"),
            ("organizations", "COUNT(updated_at)"),
            ("announcements", "MAX(updated_at)"),
            ("portal_texts", "MAX(updated_at)"),
            ("contracts", "SUM(used_seats)"),
            ("asp_users", "COUNT(user_id)"),
            ("outbox", "SUM(attempts)"),
            ("user_codes", "SUM(attempts)"),
            ("provisional_registrations", "SUM(attempts)"),
        ] {
            parts.push(format!("SELECT '{table}.{expr}' AS k, CAST(COALESCE({expr}, 0) AS BIGINT) AS n FROM {table}"));
        }
        Snapshot { sql: parts.join(" UNION ALL ") }
    }

    async fn take(&self, app: &TestApp) -> BTreeMap<String, i64> {
        let mut conn = app.state.store.acquire().await.unwrap();
        let rows: Vec<(String, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(self.sql.clone())).fetch_all(&mut *conn).await.unwrap();
        rows.into_iter().collect()
    }
}

fn changed(before: &BTreeMap<String, i64>, after: &BTreeMap<String, i64>) -> Vec<String> {
    after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: {} → {v}", before.get(k).copied().unwrap_or(0)))
        .collect()
}

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
) -> usize {
    let portals: Vec<&str> = match walker.portal {
        Some(p) => vec![p],
        None => app.state.config.portals.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
    };
    let portals: Vec<&'static str> = portals.into_iter().map(|p| &*Box::leak(p.to_string().into_boxed_str())).collect();
    let in_scope = |t: &Template| -> bool {
        let under_portal = t.path.starts_with("/{portal}");
        let operator = t.path.starts_with("/{portal}/operator");
        match walker.role {
            Role::Anonymous => true,
            Role::Employer => under_portal && !operator,
            Role::Seeker => t.path.starts_with("/{portal}/seeker"),
            Role::Operator => operator,
        }
    };
    let scope: Vec<&Template> = templates.iter().filter(|t| in_scope(t)).collect();
    let defaults = |portal: &str| -> BTreeMap<&str, String> {
        BTreeMap::from([
            ("portal", portal.to_string()),
            ("screen", "top".into()),
            ("id", "1".into()),
            ("action", "unlink".into()),
        ])
    };

    // Crawl: every GET route, then the links the pages show, to learn paths, forms and parameters.
    let mut seen = Seen::default();
    let mut queue: VecDeque<String> = VecDeque::new();
    for t in &scope {
        if !t.methods.contains(&Method::GET) {
            continue;
        }
        if t.path.contains("{portal}") {
            for p in &portals {
                queue.push_back(t.fill(&defaults(p)));
            }
        } else {
            queue.push_back(t.path.to_string());
        }
    }
    let mut visited = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if visited.len() >= 600 || !visited.insert(path.clone()) {
            continue;
        }
        let Some(t) = template_of(templates, &path) else { continue };
        if !in_scope(t) || t.portal_of(&path).is_some_and(|p| !portals.contains(&p)) {
            continue;
        }
        walker.ensure_session(app).await;
        app.clock.set(tuesday_morning());
        let page = walker.browser.get(&path).await;
        let is_html =
            page.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").starts_with("text/html");
        if is_html {
            for link in seen.read(templates, &path, &page.body) {
                queue.push_back(link);
            }
        }
    }

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

    let mut walkers = vec![Walker { role: Role::Anonymous, portal: None, browser: app.browser() }];
    // A shaho account of its own (sign-up, then the ASP user link at first login).
    let shaho = app.browser();
    crate::identity::signup::verified(&shaho, SHAHO_EMAIL).await;
    crate::identity::signup::details(
        &shaho,
        crate::identity::signup::CUSTOMER,
        crate::identity::signup::TEL,
        "歩く 人",
    )
    .await
    .assert_contains("アカウントを作成しました。");
    walkers.push(Walker { role: Role::Employer, portal: Some("shaho"), browser: shaho });
    // A rokin organization and its master user, who manages the organization's users.
    crate::testkit::rokin_organization(&app, "窓口労働金庫テスト", ROKIN_ID, "walker@rokin.example.jp", "歩く　人")
        .await;
    walkers.push(Walker { role: Role::Employer, portal: Some("rokin"), browser: app.browser() });
    // A jrec-in job seeker (module `seekers`), registered through its pages.
    crate::modules::seekers::register(&app.browser(), SEEKER_EMAIL, "歩く 求職者").await;
    walkers.push(Walker { role: Role::Seeker, portal: Some("jrec-in"), browser: app.browser() });
    for (portal, _, _) in EMPLOYERS {
        walkers.push(Walker { role: Role::Employer, portal: Some(portal), browser: app.browser() });
    }
    // Operators last: their walk disables and unlocks users, which the employers' walks need.
    for portal in app.state.config.portals.iter().map(|p| p.id.clone()).collect::<Vec<_>>() {
        let portal: &'static str = Box::leak(portal.into_boxed_str());
        walkers.push(Walker { role: Role::Operator, portal: Some(portal), browser: app.browser() });
    }

    let mut failures = Vec::new();
    let mut sent = 0;
    let mut walked = BTreeSet::new();
    for walker in &walkers {
        walker.ensure_session(&app).await;
        sent += walk(&app, walker, &templates, &snapshot, &mut failures, &mut walked).await;
    }
    let table: BTreeSet<(&'static str, String)> =
        templates.iter().flat_map(|t| t.methods.iter().map(|m| (t.path, m.to_string()))).collect();
    let missed: Vec<_> = table.difference(&walked).collect();
    assert!(missed.is_empty(), "routes of the table never walked: {missed:?}");
    eprintln!("hostile input: {sent} requests over {} routes in {:.1?}", templates.len(), started.elapsed());
    failures.dedup();
    assert!(failures.is_empty(), "{} bad answers:\n{}", failures.len(), failures.join("\n"));
}
