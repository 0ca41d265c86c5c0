//! What the route-table walks share (the hostile walk, `hostile.rs`, and the isolation
//! sweep, `isolation.rs`): the route templates of `madoguchi::route_table()`, the reading of
//! pages (links, forms and their fields), the crawl, who walks and how each signs in, and the
//! snapshot of the database that tells whether a request changed anything.

use crate::testkit::{TestApp, tuesday_morning};
use axum::http::{Method, header};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

// ---- the route table ----

pub(crate) struct Template {
    pub(crate) path: &'static str,
    pub(crate) methods: Vec<Method>,
    pub(crate) segments: Vec<&'static str>,
}

impl Template {
    /// How well a concrete path matches: the number of literal segments, None if it does not.
    pub(crate) fn matches(&self, path: &str) -> Option<usize> {
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

    pub(crate) fn fill(&self, values: &BTreeMap<&str, String>) -> String {
        self.segments
            .iter()
            .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => values.get(name).cloned().unwrap_or_else(|| "x".into()),
                None => (*s).to_string(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    pub(crate) fn portal_of<'a>(&self, path: &'a str) -> Option<&'a str> {
        let i = self.segments.iter().position(|s| *s == "{portal}")?;
        path.split('/').nth(i)
    }
}

pub(crate) fn templates(state: &madoguchi_web::AppState) -> Vec<Template> {
    madoguchi::route_table(state)
        .table()
        .iter()
        .map(|e| Template { path: e.path, methods: e.methods.clone(), segments: e.path.split('/').collect() })
        .collect()
}

/// The template a concrete path is routed to: the match with the most literal segments,
/// as axum prefers `/users/new` to `/users/{id}`.
pub(crate) fn template_of<'a>(templates: &'a [Template], path: &str) -> Option<&'a Template> {
    templates
        .iter()
        .filter_map(|t| t.matches(path).map(|score| (score, t)))
        .max_by_key(|(score, _)| *score)
        .map(|x| x.1)
}

// ---- what the pages show ----

pub(crate) fn unescape(s: &str) -> String {
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

pub(crate) fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// Each `<tag ...>` opening of these names in `html`.
pub(crate) fn tags<'a>(html: &'a str, names: &'a [&'a str]) -> impl Iterator<Item = &'a str> + 'a {
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
pub(crate) struct Seen {
    /// Concrete paths met in links and form actions, by template.
    pub(crate) paths: BTreeMap<&'static str, BTreeSet<String>>,
    /// Form field names by (template, method).
    pub(crate) fields: BTreeMap<(&'static str, Method), BTreeSet<String>>,
    /// Query parameter names by template (from links and GET forms).
    pub(crate) query: BTreeMap<&'static str, BTreeSet<String>>,
    /// Routes whose form is `multipart/form-data`, with the names of its file inputs.
    pub(crate) multipart: BTreeMap<&'static str, BTreeSet<String>>,
    /// The fields of each POST form by its concrete action, with the values the page filled
    /// in (hidden versions and steps, the data shown for editing): what a browser would send.
    pub(crate) forms: BTreeMap<String, Vec<(String, String)>>,
}

impl Seen {
    pub(crate) fn read(&mut self, templates: &[Template], page_path: &str, html: &str) -> Vec<String> {
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
            if method == Method::POST && !self.forms.contains_key(&action) {
                // Only the first submit button's value goes, as a browser sends the one pressed.
                let first_button = inputs.iter().position(|t| t.starts_with("<button") && attr(t, "name").is_some());
                let filled = inputs
                    .iter()
                    .enumerate()
                    .filter(|(i, t)| !t.starts_with("<button") || Some(*i) == first_button)
                    .map(|(_, t)| t)
                    .filter(|t| !matches!(attr(t, "type").as_deref(), Some("file")))
                    .filter(|t| {
                        !matches!(attr(t, "type").as_deref(), Some("radio" | "checkbox")) || t.contains(" checked")
                    })
                    .filter_map(|t| Some((attr(t, "name")?, attr(t, "value").unwrap_or_default())))
                    .filter(|(n, _)| n != "_csrf")
                    .collect();
                self.forms.insert(action.clone(), filled);
            }
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
pub(crate) enum Role {
    Anonymous,
    Employer,
    /// A job seeker of jrec-in (module `seekers`), on the seekers' pages.
    Seeker,
    Operator,
}

pub(crate) struct Walker {
    pub(crate) role: Role,
    /// The one portal a logged-in walker stays in.
    pub(crate) portal: Option<&'static str>,
    pub(crate) browser: TestApp,
}

pub(crate) const EMPLOYERS: [(&str, &str, &str); 3] = [
    ("hellowork", "demo@hellowork.example.jp", "Demo-User-2026"),
    ("jrec-in", "demo-kikan", "DemoUser2026"),
    ("mlit-fwms", "kensetsu01", "Demo-User-2026"),
];
pub(crate) const SHAHO_EMAIL: &str = "walker@shaho.example.jp";
pub(crate) const SEEKER_EMAIL: &str = "walker@seeker.example.jp";
pub(crate) const SEEKER_PASSWORD: &str = crate::modules::seekers::PASSWORD;
pub(crate) const ROKIN_ID: &str = crate::rokin::certificate::MASTER_ID;

impl Walker {
    pub(crate) fn session_cookie(&self) -> Option<&'static str> {
        match self.role {
            Role::Anonymous => None,
            Role::Employer => Some("mdg_s"),
            Role::Seeker => Some("mdg_seeker"),
            Role::Operator => Some("mdg_op"),
        }
    }

    /// Logs in again when a walk ended the session (a logout, a password change).
    pub(crate) async fn ensure_session(&self, app: &TestApp) {
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

pub(crate) async fn employer_login(b: &TestApp, portal: &str) {
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
        // Until it is linked to its ASP user, the account's every page leads to the link
        // screen (the login itself goes home first): linked, it walks アカウント管理 and the
        // documents too.
        if b.get("/shaho/home").await.location() == "/shaho/link" {
            let linked = crate::modules::asp_accounts::link(b, "abcd8-01").await;
            assert_eq!(linked.location(), "/shaho/home", "{}", linked.body);
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

/// Every walker of the hostile walk, signed in where it has a role: the anonymous visitor;
/// an employer of each portal (shaho's through its sign-up and ASP user link, rokin's a
/// master user of an organization of its own, the others the demo accounts); jrec-in's job
/// seeker; the operator of each portal, last (their walk disables and unlocks users, which the
/// employers' walks need).
pub(crate) async fn walkers(app: &TestApp) -> Vec<Walker> {
    let mut walkers = vec![Walker { role: Role::Anonymous, portal: None, browser: app.browser() }];
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
    // rokin's demo contract (with its 財形 data), its master registered through 初期登録.
    crate::rokin::certificate::register_master(&app.browser()).await;
    walkers.push(Walker { role: Role::Employer, portal: Some("rokin"), browser: app.browser() });
    crate::modules::seekers::register(&app.browser(), SEEKER_EMAIL, "歩く 求職者").await;
    walkers.push(Walker { role: Role::Seeker, portal: Some("jrec-in"), browser: app.browser() });
    for (portal, _, _) in EMPLOYERS {
        walkers.push(Walker { role: Role::Employer, portal: Some(portal), browser: app.browser() });
    }
    for portal in app.state.config.portals.iter().map(|p| p.id.clone()).collect::<Vec<_>>() {
        let portal: &'static str = Box::leak(portal.into_boxed_str());
        walkers.push(Walker { role: Role::Operator, portal: Some(portal), browser: app.browser() });
    }
    for walker in &walkers {
        walker.ensure_session(app).await;
    }
    walkers
}

// ---- the crawl ----

impl Walker {
    /// The portals this walker walks: its own, or every portal for the anonymous visitor.
    pub(crate) fn portals(&self, app: &TestApp) -> Vec<&'static str> {
        match self.portal {
            Some(p) => vec![p],
            None => app.state.config.portals.iter().map(|p| &*Box::leak(p.id.clone().into_boxed_str())).collect(),
        }
    }

    /// Whether a route is one of this walker's: the console for operators, the seekers' pages
    /// for a seeker, every other page of a portal for an employer.
    pub(crate) fn in_scope(&self, t: &Template) -> bool {
        let under_portal = t.path.starts_with("/{portal}");
        let operator = t.path.starts_with("/{portal}/operator");
        match self.role {
            Role::Anonymous => true,
            Role::Employer => under_portal && !operator,
            Role::Seeker => t.path.starts_with("/{portal}/seeker"),
            Role::Operator => operator,
        }
    }
}

/// The values a plain fill gives the path parameters (an id no page showed).
pub(crate) fn defaults(portal: &str) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("portal", portal.to_string()),
        ("screen", "top".into()),
        ("id", "1".into()),
        ("action", "unlink".into()),
    ])
}

pub(crate) struct Crawl {
    /// What the pages showed: paths, forms, fields, parameters.
    pub(crate) seen: Seen,
    /// Every path requested, with the status it answered.
    pub(crate) visited: BTreeMap<String, u16>,
}

/// Requests every GET route of the walker's scope (plain fills), then every link and GET form
/// the pages show, breadth first, up to 600 pages.
pub(crate) async fn crawl(app: &TestApp, walker: &Walker, templates: &[Template]) -> Crawl {
    let portals = walker.portals(app);
    let mut seen = Seen::default();
    let mut queue: VecDeque<String> = VecDeque::new();
    for t in templates.iter().filter(|t| walker.in_scope(t)) {
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
    let mut visited = BTreeMap::new();
    while let Some(path) = queue.pop_front() {
        if visited.len() >= 600 || visited.contains_key(&path) {
            continue;
        }
        let Some(t) = template_of(templates, &path) else { continue };
        if !walker.in_scope(t) || t.portal_of(&path).is_some_and(|p| !portals.contains(&p)) {
            continue;
        }
        walker.ensure_session(app).await;
        app.clock.set(tuesday_morning());
        let page = walker.browser.get(&path).await;
        visited.insert(path.clone(), page.status.as_u16());
        let is_html =
            page.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").starts_with("text/html");
        if is_html {
            for link in seen.read(templates, &path, &page.body) {
                queue.push_back(link);
            }
        }
    }
    Crawl { seen, visited }
}

// ---- the database, before and after ----

pub(crate) struct Snapshot {
    pub(crate) sql: String,
}

impl Snapshot {
    pub(crate) async fn prepare(app: &TestApp) -> Snapshot {
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

    pub(crate) async fn take(&self, app: &TestApp) -> BTreeMap<String, i64> {
        let mut conn = app.state.store.acquire().await.unwrap();
        let rows: Vec<(String, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(self.sql.clone())).fetch_all(&mut *conn).await.unwrap();
        rows.into_iter().collect()
    }
}

pub(crate) fn changed(before: &BTreeMap<String, i64>, after: &BTreeMap<String, i64>) -> Vec<String> {
    after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: {} → {v}", before.get(k).copied().unwrap_or(0)))
        .collect()
}
