//! The server's configuration: the embedded presets, an optional config file that adds
//! portals and overrides any preset value, and the checks that refuse a bad one with a
//! message naming the file, the key and the rule.

use crate::calendar::ClosedDay;
use crate::hours::ServiceHours;
use crate::portal::{Portal, PortalSettings};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// The presets shipped in the binary: (name, policy file, help file).
const PRESETS: [(&str, &str, &str); 5] = [
    (
        "mlit-fwms",
        include_str!("../../../presets/mlit-fwms.toml"),
        include_str!("../../../presets/help/mlit-fwms.toml"),
    ),
    ("shaho", include_str!("../../../presets/shaho.toml"), include_str!("../../../presets/help/shaho.toml")),
    ("rokin", include_str!("../../../presets/rokin.toml"), include_str!("../../../presets/help/rokin.toml")),
    (
        "hellowork",
        include_str!("../../../presets/hellowork.toml"),
        include_str!("../../../presets/help/hellowork.toml"),
    ),
    ("jrec-in", include_str!("../../../presets/jrec-in.toml"), include_str!("../../../presets/help/jrec-in.toml")),
];

pub fn preset_names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|(name, _, _)| *name)
}

/// One refusal: where it is and which rule it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub key: String,
    pub rule: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.file, self.rule)
        } else {
            write!(f, "{}: key `{}`: {}", self.file, self.key, self.rule)
        }
    }
}

#[derive(Debug)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The `[server]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    #[serde(default = "default_listen")]
    pub listen: String,
    #[serde(default = "default_database")]
    pub database: String,
    /// The address users type; `https://` turns on Secure cookies and HSTS.
    #[serde(default)]
    pub public_url: Option<String>,
    /// `smtp://host:port` (STARTTLS if offered), `smtp://…?tls=required`, `smtps://…`, with
    /// `user:password@` for auth. `--smtp` / `MADOGUCHI_SMTP_URL` win over it. Required unless
    /// `dev_mailbox` is set ([`Config::mail_transport`]).
    #[serde(default)]
    pub smtp: Option<String>,
    /// Without SMTP, keep mail in the dev mailbox and show it to anyone at `/_dev/mail`
    /// (codes, keys and temporary passwords included). For the demo (which sets it) and test
    /// machines only; `serve` logs a warning when it is in use.
    #[serde(default)]
    pub dev_mailbox: bool,
    #[serde(default = "default_mail_from")]
    pub mail_from: String,
    /// `text` (readable) or `json`.
    #[serde(default = "default_log_format")]
    pub log_format: String,
    /// Allow `--test-clock`. Never set this on a production server.
    #[serde(default)]
    pub allow_test_clock: bool,
    /// Seed demo operators and announcements (what `serve` without a config does).
    #[serde(default)]
    pub demo: bool,
    /// With `demo`: also seed sample postings on jrec-in (published ones in the public search,
    /// one in the 事務局's queue, one 一時保存). The postings' own tests turn it off to start
    /// from an empty portal.
    #[serde(default = "default_true")]
    pub demo_postings: bool,
    /// With `demo`: also seed one job seeker on jrec-in with a 公開 求職者情報, so that the
    /// institutions' 求職者情報検索 shows a result. The tests turn it off to start without
    /// seekers (docs/SEEKER_MAIL.md).
    #[serde(default = "default_true")]
    pub demo_seekers: bool,
    /// Largest request body in bytes.
    #[serde(default = "default_body_limit")]
    pub body_limit_bytes: usize,
    /// Largest PDF the operator may upload to マニュアル照会; the upload's request may be this
    /// much larger than `body_limit_bytes` (only there).
    #[serde(default = "default_manual_max")]
    pub manual_max_bytes: usize,
    /// A request that takes longer is answered with 503.
    #[serde(default = "default_request_timeout")]
    pub request_timeout_seconds: u64,
    /// argon2id cost; a login re-hashes passwords stored under other values.
    #[serde(default)]
    pub argon2: Argon2Settings,
    /// Where the server keeps the files it makes itself: each client-certificate portal's CA
    /// (`ca/<portal id>/`) and a self-signed TLS certificate (`tls/`). Back it up.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// The public search's index folder, this instance's own (never shared: one writer per
    /// folder). Default: `<data_dir>/search`. A cache of the database: a missing or
    /// unreadable index is rebuilt at start; no need to back it up.
    #[serde(default)]
    pub search_index: Option<PathBuf>,
    /// `[server.tls]`: terminate TLS here too (beside the plain `listen`), and ask browsers
    /// for a client certificate. Absent: plain HTTP only (e.g. behind nginx).
    #[serde(default)]
    pub tls: Option<TlsSettings>,
    /// Reverse proxies (CIDR ranges) whose `client_cert_header` is believed: the client
    /// certificate the proxy verified the TLS handshake for. Anybody else's header is dropped.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// The header a trusted proxy puts the client certificate in, as URL-escaped PEM
    /// (nginx `$ssl_client_escaped_cert`).
    #[serde(default = "default_client_cert_header")]
    pub client_cert_header: String,
    /// Who may read `/metrics` (CIDR ranges of the client's address, after `trusted_proxies`);
    /// anybody else gets 404. Default: this host only.
    #[serde(default = "default_metrics_allow")]
    pub metrics_allow: Vec<String>,
    /// Time a client has to send a request's headers: the first request's from the moment
    /// the connection is open (after the TLS handshake), a later one's from its first byte.
    #[serde(default = "default_header_read_timeout")]
    pub header_read_timeout_seconds: u64,
    /// Time a connection may wait between two requests (keep-alive) with nothing sent.
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_seconds: u64,
    /// Open connections at once, both listeners together; more wait to be accepted.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
}

/// `[server.tls]`: the TLS listener. See docs/TLS.md.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSettings {
    /// Address and port of the TLS listener (the plain `listen` keeps serving HTTP).
    #[serde(default = "default_tls_listen")]
    pub listen: String,
    /// Server certificate chain, PEM (leaf first). Default: `<data_dir>/tls/server.crt`.
    #[serde(default)]
    pub cert: Option<PathBuf>,
    /// The certificate's private key, PEM (PKCS#8, SEC1 or PKCS#1). Default: `<data_dir>/tls/server.key`.
    #[serde(default)]
    pub key: Option<PathBuf>,
    /// When neither file exists, make a self-signed certificate at first start (for the
    /// demo and tests: browsers warn about it).
    #[serde(default)]
    pub self_signed: bool,
    /// A client that has not finished the TLS handshake by then is disconnected.
    #[serde(default = "default_handshake_timeout")]
    pub handshake_timeout_seconds: u64,
}

impl TlsSettings {
    pub fn cert_path(&self, data_dir: &Path) -> PathBuf {
        self.cert.clone().unwrap_or_else(|| data_dir.join("tls").join("server.crt"))
    }

    pub fn key_path(&self, data_dir: &Path) -> PathBuf {
        self.key.clone().unwrap_or_else(|| data_dir.join("tls").join("server.key"))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Argon2Settings {
    /// Memory in KiB (OWASP minimum 19456).
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        Argon2Settings { m_kib: 19456, t: 2, p: 1 }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_database() -> String {
    "sqlite://data/madoguchi.db".into()
}
fn default_mail_from() -> String {
    "no-reply@madoguchi.localhost".into()
}
fn default_log_format() -> String {
    "text".into()
}
fn default_true() -> bool {
    true
}
fn default_body_limit() -> usize {
    256 * 1024
}
fn default_manual_max() -> usize {
    20 * 1024 * 1024
}
fn default_request_timeout() -> u64 {
    30
}
fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}
fn default_client_cert_header() -> String {
    "X-SSL-Client-Cert".into()
}
fn default_metrics_allow() -> Vec<String> {
    vec!["127.0.0.1/32".into(), "::1/128".into()]
}
fn default_header_read_timeout() -> u64 {
    10
}
fn default_idle_timeout() -> u64 {
    30
}
fn default_max_connections() -> usize {
    512
}
fn default_tls_listen() -> String {
    "127.0.0.1:8443".into()
}
fn default_handshake_timeout() -> u64 {
    10
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            listen: default_listen(),
            database: default_database(),
            public_url: None,
            smtp: None,
            dev_mailbox: false,
            mail_from: default_mail_from(),
            log_format: default_log_format(),
            allow_test_clock: false,
            demo: false,
            demo_postings: true,
            demo_seekers: true,
            body_limit_bytes: default_body_limit(),
            manual_max_bytes: default_manual_max(),
            request_timeout_seconds: default_request_timeout(),
            argon2: Argon2Settings::default(),
            data_dir: default_data_dir(),
            search_index: None,
            tls: None,
            trusted_proxies: Vec::new(),
            client_cert_header: default_client_cert_header(),
            metrics_allow: default_metrics_allow(),
            header_read_timeout_seconds: default_header_read_timeout(),
            idle_timeout_seconds: default_idle_timeout(),
            max_connections: default_max_connections(),
        }
    }
}

impl ServerSettings {
    /// Where this instance keeps its public search index.
    pub fn search_index_dir(&self) -> PathBuf {
        self.search_index.clone().unwrap_or_else(|| self.data_dir.join("search"))
    }

    /// Where this instance keeps its 求職者情報検索 index (jrec-in's 公開 profiles): beside the
    /// public search index, `<data_dir>/profiles` by default, `<search_index>-profiles` when that
    /// one is configured (so that an instance given its own folder has its own here too).
    pub fn profiles_index_dir(&self) -> PathBuf {
        match &self.search_index {
            Some(dir) => {
                let mut name = dir.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "search".into());
                name.push("-profiles");
                dir.with_file_name(name)
            }
            None => self.data_dir.join("profiles"),
        }
    }

    /// Where users reach the server, without a trailing `/`: `public_url`, else the plain
    /// listener's own address (the demo's `http://127.0.0.1:8080`). Links in mails are made
    /// of it; a server that others reach by another name must set `public_url`.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }

    pub fn serves_https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    /// The largest body of a PDF upload: the file plus room for the form's other fields and
    /// the multipart framing.
    pub fn upload_limit_bytes(&self) -> usize {
        self.manual_max_bytes.saturating_add(self.body_limit_bytes)
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from (`(demo)` for the demo), for messages.
    pub file: String,
    pub server: ServerSettings,
    pub portals: Vec<Portal>,
}

/// Where the outbox delivers: [`Config::mail_transport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// An SMTP URL: from `--smtp` / `MADOGUCHI_SMTP_URL`, else `server.smtp`.
    Smtp(String),
    /// The dev mailbox (`/_dev/mail`): only where `server.dev_mailbox` allows it.
    DevMailbox,
}

impl Config {
    /// The demo: every preset at `/<preset>/`, SQLite, dev mailbox, demo accounts; HTTP on
    /// 127.0.0.1:8080 and HTTPS (self-signed certificate made at first start, client
    /// certificates asked for) on 127.0.0.1:8443.
    pub fn demo() -> Result<Config, ConfigErrors> {
        let mut text = String::from(
            "[server]\ndemo = true\nallow_test_clock = true\ndev_mailbox = true\n\n[server.tls]\nlisten = \"127.0.0.1:8443\"\nself_signed = true\n",
        );
        for name in preset_names() {
            text.push_str(&format!("\n[[portal]]\nid = \"{name}\"\npreset = \"{name}\"\n"));
        }
        Config::parse("(demo)", &text)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigErrors(vec![ConfigError {
                file: file.clone(),
                key: String::new(),
                rule: format!("cannot be read: {e}"),
            }])
        })?;
        Config::parse(&file, &text)
    }

    pub fn parse(file: &str, text: &str) -> Result<Config, ConfigErrors> {
        let err = |key: &str, rule: String| ConfigError { file: file.to_string(), key: key.to_string(), rule };
        let mut root: Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigErrors(vec![err("", format!("is not valid TOML: {e}"))]))?;
        let mut errors = Vec::new();

        let server = match root.remove("server") {
            None => ServerSettings::default(),
            Some(value) => match deserialize::<ServerSettings>(value) {
                Ok(s) => s,
                Err((path, rule)) => {
                    errors.push(err(&join("server", &path), rule));
                    ServerSettings::default()
                }
            },
        };
        check_server(&server, &mut |k, r| errors.push(err(k, r)));
        // The embedded holiday table is part of every portal's calendar.
        if let Err(rule) = crate::holidays::check_table() {
            errors.push(err("(holidays)", rule));
        }
        // So are the review workflow's canned return reasons: a broken file would leave every
        // operator with free text only, silently.
        if let Err(rule) = crate::review::check_canned_reasons() {
            errors.push(err("(review_reasons)", rule));
        }

        let portal_values = match root.remove("portal") {
            None => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(_) => {
                errors.push(err("portal", "must be an array of tables: write [[portal]]".into()));
                Vec::new()
            }
        };
        for key in root.keys() {
            errors.push(err(key, "is not a known key: the top level has [server] and [[portal]]".into()));
        }
        if portal_values.is_empty() && errors.is_empty() {
            errors.push(err("portal", "at least one [[portal]] is needed".into()));
        }

        let mut portals: Vec<Portal> = Vec::new();
        for (i, value) in portal_values.into_iter().enumerate() {
            match build_portal(value) {
                Ok(portal) => {
                    if portals.iter().any(|p| p.id == portal.id) {
                        errors.push(err(
                            &format!("portal[{i}].id"),
                            format!("\"{}\" is used by another portal", portal.id),
                        ));
                    }
                    if portal.host.is_some() && portals.iter().any(|p| p.host == portal.host) {
                        errors.push(err(&format!("portal[{i}].host"), "is used by another portal".into()));
                    }
                    portals.push(portal);
                }
                Err(list) => errors.extend(list.into_iter().map(|(k, r)| err(&format!("portal[{i}].{k}"), r))),
            }
        }
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        let mut config = Config { file: file.to_string(), server, portals };
        config.address_portals();
        Ok(config)
    }

    /// Where mail goes. `smtp` is the URL given on the command line or in the environment,
    /// which wins over `server.smtp`. Without any, the dev mailbox only where
    /// `server.dev_mailbox` allows it: it shows every mail, with its codes and temporary
    /// passwords, to whoever reaches `/_dev/mail`, so a production config that forgot its
    /// SMTP server is refused (by `check-config` and `serve`) instead of publishing its mail.
    /// Not part of [`Config::parse`]: the URL may come from the environment.
    pub fn mail_transport(&self, smtp: Option<&str>) -> Result<MailTransport, ConfigError> {
        match smtp.or(self.server.smtp.as_deref()) {
            Some(url) => Ok(MailTransport::Smtp(url.to_string())),
            None if self.server.dev_mailbox => Ok(MailTransport::DevMailbox),
            None => Err(ConfigError {
                file: self.file.clone(),
                key: "server.smtp".into(),
                rule: "is required: mail goes out over SMTP (`server.smtp`, or --smtp / MADOGUCHI_SMTP_URL). \
                       Without it mail would stay in the dev mailbox, which shows every mail (codes, keys, \
                       temporary passwords) to anyone at /_dev/mail: only the demo (no config file) or a test \
                       machine with `server.dev_mailbox = true` uses it"
                    .into(),
            }),
        }
    }

    pub fn portal(&self, id: &str) -> Option<&Portal> {
        self.portals.iter().find(|p| p.id == id)
    }

    /// Moves the plain listener (`serve --listen`). Links in mails follow it when no
    /// `public_url` is configured.
    pub fn set_listen(&mut self, listen: &str) {
        self.server.listen = listen.to_string();
        self.address_portals();
    }

    fn address_portals(&mut self) {
        let base = self.server.base_url();
        for portal in &mut self.portals {
            portal.public_url = format!("{base}/{}", portal.id);
        }
    }
}

fn check_server(server: &ServerSettings, fail: &mut dyn FnMut(&str, String)) {
    if server.listen.parse::<std::net::SocketAddr>().is_err() {
        fail("server.listen", "must be an address and port such as 127.0.0.1:8080".into());
    }
    if !(server.database.starts_with("sqlite:")
        || server.database.starts_with("postgres://")
        || server.database.starts_with("postgresql://"))
    {
        fail("server.database", "must start with sqlite: or postgres://".into());
    }
    if let Some(smtp) = &server.smtp
        && !(smtp.starts_with("smtp://") || smtp.starts_with("smtps://"))
    {
        fail("server.smtp", "must start with smtp:// or smtps://".into());
    }
    if let Some(url) = &server.public_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        fail("server.public_url", "must start with https:// or http://".into());
    }
    if !server.mail_from.contains('@') {
        fail("server.mail_from", "must be an e-mail address".into());
    }
    if server.log_format != "text" && server.log_format != "json" {
        fail("server.log_format", "must be \"text\" or \"json\"".into());
    }
    if server.body_limit_bytes < 1024 {
        fail("server.body_limit_bytes", "must be at least 1024".into());
    }
    if server.manual_max_bytes < 1024 {
        fail("server.manual_max_bytes", "must be at least 1024".into());
    }
    let a = &server.argon2;
    if a.m_kib < 8 * a.p.max(1) || a.m_kib > 4 * 1024 * 1024 {
        fail("server.argon2.m_kib", "must be between 8 × p and 4194304 (4 GiB)".into());
    }
    if a.t == 0 || a.t > 100 {
        fail("server.argon2.t", "must be between 1 and 100".into());
    }
    if a.p == 0 || a.p > 16 {
        fail("server.argon2.p", "must be between 1 and 16".into());
    }
    if server.request_timeout_seconds == 0 {
        fail("server.request_timeout_seconds", "must be at least 1".into());
    }
    if let Some(tls) = &server.tls {
        match tls.listen.parse::<std::net::SocketAddr>() {
            Err(_) => fail("server.tls.listen", "must be an address and port such as 127.0.0.1:8443".into()),
            Ok(addr) if server.listen.parse::<std::net::SocketAddr>() == Ok(addr) => {
                fail("server.tls.listen", "must differ from server.listen (which serves plain HTTP)".into())
            }
            Ok(_) => {}
        }
        if !tls.self_signed && (tls.cert.is_none() || tls.key.is_none()) {
            fail("server.tls", "needs `cert` and `key` (PEM files), or `self_signed = true`".into());
        }
        if tls.handshake_timeout_seconds == 0 || tls.handshake_timeout_seconds > 300 {
            fail("server.tls.handshake_timeout_seconds", "must be between 1 and 300".into());
        }
    }
    for (key, nets) in
        [("server.trusted_proxies", &server.trusted_proxies), ("server.metrics_allow", &server.metrics_allow)]
    {
        for net in nets {
            if !crate::portal::is_cidr(net) {
                fail(key, format!("\"{net}\" is not a CIDR range such as 127.0.0.1/32"));
            }
        }
    }
    if !(1..=300).contains(&server.header_read_timeout_seconds) {
        fail("server.header_read_timeout_seconds", "must be between 1 and 300".into());
    }
    if !(1..=3600).contains(&server.idle_timeout_seconds) {
        fail("server.idle_timeout_seconds", "must be between 1 and 3600".into());
    }
    if !(1..=1_000_000).contains(&server.max_connections) {
        fail("server.max_connections", "must be between 1 and 1000000".into());
    }
    let header = &server.client_cert_header;
    if header.is_empty() || !header.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        fail("server.client_cert_header", "must be a header name: letters, digits, `-` and `_`".into());
    }
}

/// `id`, `preset` and `host` place the portal; every other key overrides the preset.
fn build_portal(value: Value) -> Result<Portal, Vec<(String, String)>> {
    let Value::Table(mut table) = value else {
        return Err(vec![(String::new(), "must be a table".into())]);
    };
    let take_str = |table: &mut Table, key: &str| match table.remove(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err((key.to_string(), "must be a string".to_string())),
    };
    let preset = take_str(&mut table, "preset").map_err(|e| vec![e])?.ok_or_else(|| {
        vec![("preset".to_string(), format!("is required: one of {}", preset_names().collect::<Vec<_>>().join(", ")))]
    })?;
    let id = take_str(&mut table, "id").map_err(|e| vec![e])?.unwrap_or_else(|| preset.clone());
    let host = take_str(&mut table, "host").map_err(|e| vec![e])?;
    if !is_slug(&id) {
        return Err(vec![(
            "id".into(),
            "must be lower-case letters, digits and hyphens (it is the path /<id>/)".into(),
        )]);
    }
    let Some(mut merged) = preset_table(&preset) else {
        return Err(vec![(
            "preset".into(),
            format!("\"{preset}\" is not a preset: one of {}", preset_names().collect::<Vec<_>>().join(", ")),
        )]);
    };
    merge(&mut merged, table);
    let settings: PortalSettings = deserialize(Value::Table(merged)).map_err(|(path, rule)| vec![(path, rule)])?;
    let mut errors = settings.validate();
    let closures = match settings.calendar.closed.iter().map(|c| ClosedDay::parse(c)).collect::<Result<Vec<_>, _>>() {
        Ok(closures) => closures,
        Err(rule) => {
            errors.push(("calendar.closed".into(), rule));
            Vec::new()
        }
    };
    let hours = match &settings.service_hours {
        None => Some(ServiceHours::always()),
        Some(h) => match ServiceHours::parse(&h.hours, &h.closed, &closures) {
            Ok(hours) => Some(hours),
            Err(rule) => {
                errors.push(("service_hours".into(), rule));
                None
            }
        },
    };
    match hours {
        // The address is the server's: Config::parse sets it once the [server] table is read.
        Some(hours) if errors.is_empty() => Ok(Portal {
            id,
            host,
            preset,
            settings: settings.into(),
            hours,
            public_url: String::new(),
            closures: closures.into(),
        }),
        _ => Err(errors),
    }
}

/// A preset's policy file with its help pages under `help`.
fn preset_table(name: &str) -> Option<Table> {
    let (_, policy, help) = PRESETS.iter().find(|(n, _, _)| *n == name)?;
    // The embedded files are checked by the tests below; a broken one yields no preset.
    let mut table: Table = policy.parse().ok()?;
    let help: Table = help.parse().ok()?;
    table.insert("help".into(), Value::Table(help));
    Some(table)
}

/// Deep merge: tables merge key by key; anything else replaces. A table whose `kind`
/// changes is replaced whole, so the old kind's fields do not linger.
fn merge(base: &mut Table, overrides: Table) {
    for (key, value) in overrides {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(o)) if b.get("kind") == o.get("kind") || !o.contains_key("kind") => {
                merge(b, o)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn deserialize<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        (path, e.into_inner().message().to_string())
    })
}

fn join(prefix: &str, path: &str) -> String {
    if path.is_empty() { prefix.to_string() } else { format!("{prefix}.{path}") }
}

fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && id != "static"
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
