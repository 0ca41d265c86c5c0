//! The test harness: an app per test on its own database (a SQLite file, or a PostgreSQL
//! schema when `MADOGUCHI_TEST_DATABASE_URL` is a postgres:// URL), a test clock, the dev
//! mailbox, and a tiny browser (cookie jar, CSRF field filled in like a form would).

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Utc};
use madoguchi_core::{Config, TestClock};
use madoguchi_mail::Mailer;
use madoguchi_store::outbox::DevMail;
use madoguchi_web::AppState;
use madoguchi_web::auth::Hasher;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

pub const PG_ENV: &str = "MADOGUCHI_TEST_DATABASE_URL";

/// What this run tests against: `sqlite` unless the env names PostgreSQL.
pub fn backend_under_test() -> &'static str {
    match std::env::var(PG_ENV) {
        Ok(url) if url.starts_with("postgres") => "postgres",
        _ => "sqlite",
    }
}

/// A fresh, empty database URL for one test.
pub async fn fresh_database() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    match std::env::var(PG_ENV) {
        Ok(base) if base.starts_with("postgres") => {
            let schema = format!("t_{}", &id[..16]);
            let admin = madoguchi_store::Store::connect(&base)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {base} is required by {PG_ENV}: {e}"));
            sqlx_exec(&admin, &format!("CREATE SCHEMA {schema}")).await;
            admin.close().await;
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}options=-c%20search_path%3D{schema}")
        }
        _ => {
            let dir = std::env::temp_dir().join("madoguchi-tests");
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join(format!("{id}.db")).display())
        }
    }
}

async fn sqlx_exec(store: &madoguchi_store::Store, sql: &str) {
    let mut conn = store.acquire().await.unwrap();
    madoguchi_store::raw_execute(&mut conn, sql).await.unwrap();
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub clock: Arc<TestClock>,
    pub mailer: Mailer,
    cookies: Mutex<BTreeMap<String, String>>,
    /// Where this browser's requests come from (each `browser()` is another machine).
    ip: [u8; 4],
    /// The client certificate this browser presents, as the TLS layer would hand it over.
    certificate: Mutex<Option<Arc<[u8]>>>,
}

static NEXT_BROWSER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (a download).
    pub bytes: Vec<u8>,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) -> &Page {
        assert!(self.body.contains(text), "expected {text:?} in the page ({}):\n{}", self.status, self.body);
        self
    }

    #[track_caller]
    pub fn assert_lacks(&self, text: &str) -> &Page {
        assert!(!self.body.contains(text), "did not expect {text:?} in the page:\n{}", self.body);
        self
    }
}

/// A config left with the default `data_dir` gets a folder of its own per database (the
/// portal CAs live there): two apps on one database, as in a restart, share their CAs.
pub fn with_data_dir_of(mut config: Config, database: &str) -> Config {
    use std::hash::{Hash, Hasher};
    if config.server.data_dir == madoguchi_core::config::ServerSettings::default().data_dir {
        let mut hash = std::collections::hash_map::DefaultHasher::new();
        database.hash(&mut hash);
        let dir = std::env::temp_dir().join("madoguchi-tests").join(format!("data-{:016x}", hash.finish()));
        config.server.data_dir = dir;
    }
    config
}

/// 2026-11-24 10:00 JST, a Tuesday: every demo portal is open.
pub fn tuesday_morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T10:00:00+09:00").unwrap().with_timezone(&Utc)
}

impl TestApp {
    /// The demo, without its sample job seeker (`demo_seekers`): the tests make their own.
    pub async fn demo() -> TestApp {
        let mut config = Config::demo().unwrap();
        config.server.demo_seekers = false;
        TestApp::with(config, None, true).await
    }

    pub async fn with(config: Config, smtp: Option<&str>, test_clock: bool) -> TestApp {
        let database = fresh_database().await;
        TestApp::on_database(config, smtp, test_clock, database).await
    }

    pub async fn on_database(config: Config, smtp: Option<&str>, test_clock: bool, database: String) -> TestApp {
        // Cheap hashing parameters: the tests exercise flows, not argon2's cost.
        TestApp::with_hasher(config, smtp, test_clock, database, Hasher::new(256, 1, 1)).await
    }

    /// The demo with the production hashing cost (m=19456 KiB, t=2, p=1).
    pub async fn demo_with_real_hashing() -> TestApp {
        TestApp::with_hasher(Config::demo().unwrap(), None, true, fresh_database().await, Hasher::default()).await
    }

    async fn with_hasher(
        config: Config,
        smtp: Option<&str>,
        test_clock: bool,
        database: String,
        hasher: Hasher,
    ) -> TestApp {
        let clock = Arc::new(TestClock::at(tuesday_morning()));
        let mut config = with_data_dir_of(config, &database);
        // The tests read their mail from the dev mailbox: this is a test machine, so it says so
        // (a config without SMTP is refused otherwise; tests/it/startup.rs).
        if smtp.is_none() {
            config.server.dev_mailbox = true;
        }
        let server = madoguchi::build(config, &database, smtp, clock.clone(), test_clock, hasher).await.unwrap();
        let router = madoguchi::app(server.state.clone());
        TestApp {
            state: server.state,
            router,
            clock,
            mailer: server.mailer,
            cookies: Mutex::default(),
            ip: [127, 0, 0, 1],
            certificate: Mutex::default(),
        }
    }

    /// Another browser on another machine (198.18.x.y, a benchmarking range): same
    /// server, database, clock and mail; its own cookies and address.
    pub fn browser(&self) -> TestApp {
        let [_, _, x, y] = NEXT_BROWSER.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_be_bytes();
        TestApp {
            state: self.state.clone(),
            router: self.router.clone(),
            clock: self.clock.clone(),
            mailer: self.mailer.clone(),
            cookies: Mutex::default(),
            ip: [198, 18, x, y],
            certificate: Mutex::default(),
        }
    }

    /// The same browser in a second tab: a copy of its cookies, for parallel submits.
    pub fn twin(&self) -> TestApp {
        let mut twin = self.browser();
        twin.ip = self.ip;
        *twin.cookies.lock().unwrap() = self.cookies.lock().unwrap().clone();
        twin
    }

    /// Another tab of this browser (address and cookies) on `instance`, another app on the
    /// same database: a browser whose requests a load balancer spreads over two instances.
    pub fn tab_on(&self, instance: &TestApp) -> TestApp {
        TestApp {
            state: instance.state.clone(),
            router: instance.router.clone(),
            clock: instance.clock.clone(),
            mailer: instance.mailer.clone(),
            cookies: Mutex::new(self.cookies.lock().unwrap().clone()),
            ip: self.ip,
            certificate: Mutex::default(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies.lock().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    /// A cookie by its plain name, or with the `__Host-`/`__Secure-` prefix it carries when
    /// the server speaks HTTPS (`public_url` https).
    pub fn cookie(&self, name: &str) -> Option<String> {
        let cookies = self.cookies.lock().unwrap();
        [name.to_string(), format!("__Host-{name}"), format!("__Secure-{name}")]
            .iter()
            .find_map(|n| cookies.get(n).cloned())
    }

    /// From now on this browser presents `der` (DER) as its client certificate; None: none.
    pub fn present_certificate(&self, der: Option<Vec<u8>>) {
        *self.certificate.lock().unwrap() = der.map(Arc::from);
    }

    pub async fn send(&self, mut request: Request<Body>) -> Page {
        // As if from a browser on this machine: the audit log and office ranges see an address.
        request.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((self.ip, 50000))));
        if let Some(der) = self.certificate.lock().unwrap().clone() {
            request.extensions_mut().insert(madoguchi_web::client_cert::PeerCertificate(der));
        }
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let removed = set.contains("Max-Age=0") || value.is_empty();
            let mut jar = self.cookies.lock().unwrap();
            if removed {
                jar.remove(name);
            } else {
                jar.insert(name.to_string(), value.to_string());
            }
        }
        let body = to_bytes(response.into_body(), 10 << 20).await.unwrap();
        Page { status, headers, body: String::from_utf8_lossy(&body).into_owned(), bytes: body.to_vec() }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut builder = Request::get(path).header(header::COOKIE, self.cookie_header());
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        self.send(builder.body(Body::empty()).unwrap()).await
    }

    /// Posts a form as the browser would: with the CSRF token of the page it came from.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        if self.cookie("mdg_csrf").is_none() {
            self.get("/").await;
        }
        let token = self.cookie("mdg_csrf").unwrap();
        let mut all = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, self.cookie_header())
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    pub async fn deliver_mail(&self) -> usize {
        self.mailer.drain().await.unwrap()
    }

    /// Delivers what is queued and returns the dev mailbox, newest first.
    pub async fn mails(&self) -> Vec<DevMail> {
        self.deliver_mail().await;
        let mut conn = self.state.store.acquire().await.unwrap();
        madoguchi_store::outbox::dev_mails(&mut conn, 1000).await.unwrap()
    }

    pub fn set_clock(&self, rfc3339: &str) {
        self.clock.set(DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc));
    }

    /// Logs the demo operator of `portal` in through password and e-mailed code.
    pub async fn operator_login(&self, portal: &str) {
        let email = madoguchi::demo::operator_email(portal);
        let page = self
            .post(
                &format!("/{portal}/operator/login"),
                &[("email", &email), ("password", madoguchi::demo::OPERATOR_PASSWORD)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let code = self.latest_code(&email).await;
        let page = self.post(&format!("/{portal}/operator/login/code"), &[("code", &code)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location(), format!("/{portal}/operator/"));
    }

    /// The code of the newest mail to `to` that carries one: a notice mailed to the same
    /// operator in the same second (審査待ち) is passed over.
    pub async fn latest_code(&self, to: &str) -> String {
        let mails = self.mails().await;
        let text = mails
            .iter()
            .filter(|m| m.to == to)
            .find_map(|m| code_line(&m.text))
            .unwrap_or_else(|| panic!("no mail with a code to {to}"));
        text.chars().filter(char::is_ascii_digit).collect()
    }
}

fn code_line(text: &str) -> Option<&str> {
    text.lines().find(|l| l.starts_with("確認コード：") || l.starts_with("Code: "))
}

/// The six digits after 確認コード：/ Code: in a mail.
pub fn code_in(text: &str) -> String {
    code_line(text).expect("a code line").chars().filter(char::is_ascii_digit).collect()
}

// ---- rokin: an organization with its master user, a signed-in browser without the
// certificate login, and multipart forms ----

/// The master user's password in `rokin_organization` (8–12, all four classes).
pub const ROKIN_MASTER_PASSWORD: &str = "Master#2026";

/// A rokin organization and its master user (`admin`), made the way the operator makes an
/// account, with a password that needs no change. Returns the master's user id.
pub async fn rokin_organization(app: &TestApp, organization: &str, login_id: &str, email: &str, name: &str) -> i64 {
    organization_user(app, "rokin", organization, login_id, email, name, ROKIN_MASTER_PASSWORD).await
}

/// An organization of `portal` with one user, made the way the operator makes an account, with
/// a password that needs no change. Returns the user's id.
pub async fn organization_user(
    app: &TestApp,
    portal: &str,
    organization: &str,
    login_id: &str,
    email: &str,
    name: &str,
    password: &str,
) -> i64 {
    let portal = app.state.portal(portal).unwrap().clone();
    let account = madoguchi_identity::accounts::NewAccount {
        organization,
        office: "",
        login_id,
        email,
        name,
        password: Some(password),
        permanent: true,
        actor: "test",
    };
    let now = app.state.clock.unix();
    madoguchi_identity::accounts::create(
        &app.state.store,
        &app.state.hasher,
        &portal,
        app.state.mailer.domain(),
        &account,
        now,
    )
    .await
    .unwrap()
    .user_id
}

impl TestApp {
    /// Signs this browser in as `user_id` through the session module's own start (what every
    /// login does after its last factor), for flows whose login a test does not walk.
    pub async fn sign_in_as(&self, portal: &str, user_id: i64) {
        let portal = self.state.portal(portal).unwrap().clone();
        let mut conn = self.state.store.acquire().await.unwrap();
        let jar = axum_extra::extract::CookieJar::new();
        let now = self.state.clock.unix();
        let cookie = madoguchi_web::session::start(&mut conn, &self.state, &portal, user_id, &jar, now).await.unwrap();
        self.cookies.lock().unwrap().insert(cookie.name().to_string(), cookie.value().to_string());
    }

    /// Posts a `multipart/form-data` form as a browser would: the CSRF token as the first
    /// part (unless `csrf` is false), then `fields`, then the file parts
    /// `(field, file name, content type, bytes)`.
    pub async fn post_multipart(
        &self,
        path: &str,
        csrf: bool,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
    ) -> Page {
        if self.cookie("mdg_csrf").is_none() {
            self.get("/").await;
        }
        let boundary = "----madoguchi-test-boundary-7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        let token = self.cookie("mdg_csrf").unwrap();
        let mut all: Vec<(&str, &str)> = Vec::new();
        if csrf {
            all.push(("_csrf", token.as_str()));
        }
        all.extend_from_slice(fields);
        for (name, value) in all {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, file_name, content_type, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header(header::COOKIE, self.cookie_header())
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }
}

// ---- the confirmation step (madoguchi_web::confirm) ----

/// The hidden fields and the action of the confirmation page's form, as a browser reads them.
pub fn confirmation_form(page: &Page) -> (String, Vec<(String, String)>) {
    let body = &page.body;
    // The form that holds 「はい」 (the header has a form of its own, the language switch).
    let start = body
        .find("name=\"_step\" value=\"confirmed\"")
        .and_then(|yes| body[..yes].rfind("<form method=\"post\" action=\""))
        .unwrap_or_else(|| panic!("expected a confirmation page ({}):\n{body}", page.status));
    let form = &body[start..body[start..].find("</form>").map_or(body.len(), |end| start + end)];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let from = tag.find(&key)? + key.len();
        let to = tag[from..].find('"')? + from;
        Some(unescape_html(&tag[from..to]))
    };
    let action = attr(form, "action").unwrap_or_default();
    let hidden = form
        .split('<')
        .filter(|tag| tag.starts_with("input ") && tag.contains("type=\"hidden\""))
        .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default())))
        .filter(|(name, _)| name != "_csrf")
        .collect();
    (action, hidden)
}

fn unescape_html(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&#x22;", "\"")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

impl TestApp {
    /// Presses 「はい」 on the confirmation page `page`: posts its hidden fields with `_step=confirmed`.
    pub async fn press_yes(&self, page: &Page) -> Page {
        let (action, hidden) = confirmation_form(page);
        let mut fields: Vec<(&str, &str)> = hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        fields.push(("_step", "confirmed"));
        self.post(&action, &fields).await
    }

    /// Submits a form that asks for confirmation, and confirms: the form's POST must answer the
    /// confirmation page, whose 「はい」 is then pressed.
    pub async fn post_confirmed(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let confirm = self.post(path, fields).await;
        self.press_yes(&confirm).await
    }
}
