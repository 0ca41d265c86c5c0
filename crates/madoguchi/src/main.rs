//! `madoguchi`: serve the portals, apply migrations, check a config, manage operators.

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use madoguchi::{build, redact};
use madoguchi_console::contracts;
use madoguchi_core::config::MailTransport;
use madoguchi_core::{Config, SharedClock, SystemClock, TestClock};
use madoguchi_identity::accounts::{self, AccountError, NewAccount};
use madoguchi_store::{Store, operators};
use madoguchi_web::auth::Hasher;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// mimalloc instead of glibc's malloc: argon2 allocates 19 MiB, 64-byte aligned, per hash, and
/// glibc fragmented that into +280 MB of RSS in a 200-login burst; mimalloc stays at +32 MB
/// (test `a_login_flood_queues_without_errors`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The environment variable that gives the SMTP URL (wins over `server.smtp`).
const SMTP_ENV: &str = "MADOGUCHI_SMTP_URL";

#[derive(Parser)]
#[command(name = "madoguchi", version, about = "窓口 — portals for Japanese employers")]
struct Cli {
    /// Config file (TOML). Without one: the demo with all five presets.
    #[arg(long, global = true, env = "MADOGUCHI_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL (sqlite://… or postgres://…); overrides the config.
    #[arg(long, global = true, env = "DATABASE_URL")]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Apply the database migrations (running it again is a no-op).
    Migrate,
    /// Check a config file and print what it defines.
    CheckConfig,
    /// Manage operator accounts.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// Manage employer accounts made by the operator.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Manage contracts (契約) that organizations sign up against.
    #[command(subcommand)]
    Contract(ContractCommand),
    /// rokin 財形貯蓄事務: the bank's deliveries in, the sent changes out.
    #[command(subcommand)]
    Zaikei(ZaikeiCommand),
}

#[derive(Subcommand)]
enum ZaikeiCommand {
    /// One delivery file for one contract (docs/ZAIKEI.md has the columns per kind), all rows or
    /// none. The same 契約 + kind + 入金予定日/基準日 replaces the earlier file unless the employer
    /// has changed it (then only with --discard-changes).
    Import {
        #[arg(long)]
        portal: String,
        /// The contract's 契約番号.
        #[arg(long)]
        contract: String,
        /// deposit (預入依頼書), balance (加入者残高一覧表), incentive (奨励金) or alarm (アラーム明細).
        #[arg(long)]
        kind: String,
        /// 変更内容を破棄して再取込: replace a delivery the employer has changed.
        #[arg(long)]
        discard_changes: bool,
        file: PathBuf,
    },
    /// The sent changes of one 入金予定日 as the bank's CSV (the latest sent version per
    /// contract, as the console's 送信済変更一覧 downloads it).
    Export {
        /// Portal id (its path, e.g. rokin).
        #[arg(long)]
        portal: String,
        /// 入金予定日, YYYY-MM-DD.
        #[arg(long)]
        due: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ContractCommand {
    /// shaho: a contract with its CustomerId, phone, seats and one ASP user ID per seat.
    /// rokin: a contract with its 契約番号 (--contract-number) and 初期パスワード, read from
    /// standard input so that it is in neither the shell history nor the process list.
    Add {
        #[arg(long)]
        portal: String,
        #[arg(long)]
        organization: String,
        #[arg(long, required_unless_present = "contract_number")]
        customer_id: Option<String>,
        #[arg(long, required_unless_present = "contract_number")]
        phone: Option<String>,
        #[arg(long, required_unless_present = "contract_number")]
        seats: Option<String>,
        /// One per seat, comma-separated, e.g. abcd8-01,abcd8-02.
        #[arg(long, value_delimiter = ',')]
        asp: Vec<String>,
        /// rokin: the 8-digit 契約番号.
        #[arg(long, conflicts_with_all = ["customer_id", "phone", "seats", "asp"])]
        contract_number: Option<String>,
    },
    /// rokin: re-initialize a contract's master user (the paper 「ログインＩＤ／パスワード依頼書」):
    /// the master is removed and its certificates revoked; the new 初期パスワード is read from
    /// standard input.
    Reinitialize {
        #[arg(long)]
        portal: String,
        #[arg(long)]
        contract_number: String,
    },
    /// Many contracts from a CSV (UTF-8 or Shift_JIS; a header line first), all or none.
    /// shaho: 組織名,CustomerId,電話番号,契約数,ASPユーザーID; rokin: 組織名,契約番号,初期パスワード.
    Import {
        #[arg(long)]
        portal: String,
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an organization and its user; a temporary password is mailed to the user
    /// (or, with --password-stdin, read from standard input), to be changed at first login.
    Add {
        /// Portal id (its path, e.g. hellowork).
        #[arg(long)]
        portal: String,
        /// Organization name (事業所名 / 機関名).
        #[arg(long)]
        organization: String,
        /// The office in charge of the organization, where the portal names one (hellowork 管轄安定所).
        #[arg(long, default_value = "")]
        office: String,
        /// Login ID; for portals that log in by e-mail, the e-mail is the ID.
        #[arg(long, default_value = "")]
        login_id: String,
        #[arg(long)]
        email: String,
        /// The user's name.
        #[arg(long)]
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create many accounts from a CSV file (組織名,ログインID,メールアドレス,利用者名 and, on
    /// portals with an office in charge, 管轄安定所名 as a fifth column; a header line; UTF-8 or
    /// Shift_JIS): all rows or none, every bad row reported.
    Import {
        #[arg(long)]
        portal: String,
        file: PathBuf,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on; overrides the config (default 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<String>,
    /// Address of the TLS listener; overrides `[server.tls] listen` (the demo: 127.0.0.1:8443).
    /// `off`: no TLS listener.
    #[arg(long)]
    tls_listen: Option<String>,
    /// SMTP URL (smtp://host:port, ?tls=required, smtps://, user:pass@); overrides `server.smtp`.
    /// Without any, only the demo or `server.dev_mailbox = true` starts (mail to /_dev/mail).
    #[arg(long, env = SMTP_ENV)]
    smtp: Option<String>,
    /// Add /_dev/clock so tests can move time. Refused unless the config allows it (the demo does).
    #[arg(long)]
    test_clock: bool,
    /// Start the test clock at this instant (RFC 3339) instead of now.
    #[arg(long, requires = "test_clock")]
    test_clock_start: Option<String>,
    /// Log as JSON lines instead of readable text.
    #[arg(long)]
    log_json: bool,
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Create an operator; the password is read from standard input.
    Add {
        /// Portal id (its path, e.g. rokin).
        #[arg(long)]
        portal: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The office the operator reviews for (mlit-fwms: a bureau code such as ktr).
        #[arg(long)]
        office: Option<String>,
    },
    /// Set the office an operator reviews for (mlit-fwms: a bureau code such as ktr), or
    /// clear it with --office "" (the operator then sees no office's queue).
    Office {
        #[arg(long)]
        portal: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        office: String,
    },
}

/// The office code as given, checked: an office is one of the reviewing bureaus of the
/// 受入計画, so only a portal with that module takes one. "" clears.
fn office_of(config: &Config, portal: &str, office: &str) -> anyhow::Result<Option<String>> {
    let office = office.trim().to_ascii_lowercase();
    if office.is_empty() {
        return Ok(None);
    }
    let takes = config.portal(portal).is_some_and(|p| p.settings.modules.contains(&madoguchi_acceptance_plan::MODULE));
    if !takes {
        bail!("/{portal}/ has no office: only a portal with the acceptance_plan module assigns operators to offices");
    }
    if madoguchi_acceptance_plan::routing::bureau(&office).is_none() {
        let codes: Vec<&str> = madoguchi_acceptance_plan::routing::bureaus().iter().map(|b| b.code.as_str()).collect();
        bail!("--office must be one of {}", codes.join(", "));
    }
    Ok(Some(office))
}

fn load_config(path: Option<&PathBuf>) -> anyhow::Result<Config> {
    let config = match path {
        Some(p) => Config::load(p),
        None => Config::demo(),
    };
    config.map_err(|errors| anyhow::anyhow!("the configuration is refused:\n{errors}"))
}

/// The password hasher at the configured cost.
fn hasher(config: &Config) -> Hasher {
    let a = &config.server.argon2;
    Hasher::new(a.m_kib, a.t, a.p)
}

fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("madoguchi: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = load_config(cli.config.as_ref())?;
    let database = cli.database.clone().unwrap_or_else(|| config.server.database.clone());
    match cli.command {
        Command::CheckConfig => {
            // The same refusal as `serve`'s: no SMTP server and no dev mailbox asked for.
            let smtp = std::env::var(SMTP_ENV).ok().filter(|url| !url.is_empty());
            let mail = config
                .mail_transport(smtp.as_deref())
                .map_err(|e| anyhow::anyhow!("the configuration is refused:\n{e}"))?;
            println!("{}: ok", cli.config.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "(demo)".into()));
            // Never the URL: it may hold the relay's password.
            match mail {
                MailTransport::Smtp(_) => println!("  mail: SMTP"),
                MailTransport::DevMailbox => println!("  mail: the dev mailbox at /_dev/mail (readable by anyone)"),
            }
            for p in &config.portals {
                println!(
                    "  /{}/  preset {}  {}{}",
                    p.id,
                    p.preset,
                    p.settings.name.ja,
                    p.host.as_ref().map(|h| format!("  host {h}")).unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Migrate => {
            init_tracing(false);
            let store = Store::connect(&database)
                .await
                .with_context(|| format!("cannot open the database {}", redact(&database)))?;
            let status = store.migrate(SystemClock.unix()).await?;
            if status.applied_now.is_empty() {
                println!("the database is up to date (version {})", status.latest);
            } else {
                println!("applied: {}", status.applied_now.join(", "));
            }
            Ok(())
        }
        Command::Zaikei(ZaikeiCommand::Export { portal, due, out }) => {
            let store = Store::connect(&database).await?;
            store.migrate(SystemClock.unix()).await?;
            let (text, contracts, rows) =
                madoguchi::zaikei_export::export(&store, &config, &portal, &due, SystemClock.unix()).await?;
            match out {
                Some(path) => {
                    std::fs::write(&path, text.as_bytes())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("{rows} row(s) of {contracts} contract(s) written to {}", path.display());
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(text.as_bytes())?;
                }
            }
            Ok(())
        }
        Command::Operator(OperatorCommand::Add { portal, email, name, office }) => {
            if config.portal(&portal).is_none() {
                bail!("there is no portal \"{portal}\" in the configuration");
            }
            let office = office_of(&config, &portal, office.as_deref().unwrap_or(""))?;
            let email = madoguchi_web::forms::normalize_email(&email);
            if !email.contains('@') {
                bail!("--email must be an e-mail address");
            }
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.chars().count() < 12 {
                bail!("the operator password (from standard input) must be at least 12 characters");
            }
            let store = Store::connect(&database).await?;
            store.migrate(SystemClock.unix()).await?;
            let hash = hasher(&config).hash(password).await.map_err(|e| anyhow::anyhow!("hash: {e}"))?;
            let mut conn = store.acquire().await?;
            match operators::insert(&mut conn, &portal, &email, &name, &hash, SystemClock.unix()).await? {
                Some(id) => println!("operator {id} created on /{portal}/ ({email})"),
                None => bail!("{email} is already an operator of /{portal}/"),
            }
            if let Some(office) = office {
                operators::set_office(&mut conn, &portal, &email, Some(&office)).await?;
                println!("office {office}");
            }
            Ok(())
        }
        Command::Operator(OperatorCommand::Office { portal, email, office }) => {
            if config.portal(&portal).is_none() {
                bail!("there is no portal \"{portal}\" in the configuration");
            }
            let office = office_of(&config, &portal, &office)?;
            let email = madoguchi_web::forms::normalize_email(&email);
            let store = Store::connect(&database).await?;
            store.migrate(SystemClock.unix()).await?;
            let now = SystemClock.unix();
            let mut tx = store.begin().await?;
            if !operators::set_office(&mut tx, &portal, &email, office.as_deref()).await? {
                bail!("{email} is not an operator of /{portal}/");
            }
            // Who reviews which office's plans is an access right: the change is in the log.
            let detail = format!("{email} office:{}", office.as_deref().unwrap_or("-"));
            let entry = madoguchi_store::audit::AuditEntry {
                portal: &portal,
                event: "operator.office_set",
                actor: Some("cli"),
                subject: None,
                ip: None,
                user_agent: None,
                detail: Some(&detail),
            };
            madoguchi_store::audit::record(&mut tx, &entry, now).await?;
            tx.commit().await?;
            println!("{email} on /{portal}/: office {}", office.as_deref().unwrap_or("(none)"));
            Ok(())
        }
        Command::Account(AccountCommand::Add {
            portal,
            organization,
            office,
            login_id,
            email,
            name,
            password_stdin,
        }) => {
            let portal = config
                .portal(&portal)
                .ok_or_else(|| anyhow::anyhow!("there is no portal \"{portal}\" in the configuration"))?;
            let password = if password_stdin {
                let mut password = String::new();
                std::io::stdin().read_to_string(&mut password)?;
                Some(password.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let store = Store::connect(&database).await?;
            store.migrate(SystemClock.unix()).await?;
            let domain = config.server.mail_from.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_default();
            let account = NewAccount {
                organization: &organization,
                office: &office,
                login_id: &login_id,
                email: &email,
                name: &name,
                password: password.as_deref(),
                permanent: false,
                actor: "cli",
            };
            let created =
                accounts::create(&store, &hasher(&config), portal, &domain, &account, SystemClock.unix()).await?;
            let how = if created.temporary_password.is_some() {
                "the temporary password is mailed to the user (the outbox sends it while `serve` runs)"
            } else {
                "hand the password you chose to the user; it must be changed at first login"
            };
            println!("user {} created on /{}/ with login ID {}: {how}", created.user_id, portal.id, created.login_id);
            Ok(())
        }
        Command::Account(AccountCommand::Import { portal, file }) => {
            let portal = config
                .portal(&portal)
                .ok_or_else(|| anyhow::anyhow!("there is no portal \"{portal}\" in the configuration"))?;
            let text = read_csv(&file)?;
            let store = Store::connect(&database).await?;
            store.migrate(SystemClock.unix()).await?;
            let domain = config.server.mail_from.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_default();
            let result =
                accounts::import(&store, &hasher(&config), portal, &domain, &text, "cli", SystemClock.unix()).await;
            let count = imported(&file, result)?;
            println!("{count} accounts created on /{}/; their temporary passwords are mailed", portal.id);
            Ok(())
        }
        Command::Contract(ContractCommand::Add {
            portal,
            organization,
            customer_id,
            phone,
            seats,
            asp,
            contract_number,
        }) => {
            let portal = config
                .portal(&portal)
                .ok_or_else(|| anyhow::anyhow!("there is no portal \"{portal}\" in the configuration"))?;
            let store = Store::connect(&database).await?;
            store.migrate(SystemClock.unix()).await?;
            if let Some(number) = contract_number {
                let initial = read_stdin_line("the initial password (初期パスワード)")?;
                let fields = (organization.as_str(), number.as_str(), initial.as_str());
                return match contracts::add_initial(&store, &hasher(&config), portal, fields, "cli", SystemClock.unix())
                    .await
                {
                    Ok(id) => {
                        println!("contract {id} created on /{}/ (契約番号 {number})", portal.id);
                        Ok(())
                    }
                    Err(AccountError::Taken(n)) => bail!("契約番号 {n} is already registered on /{}/", portal.id),
                    Err(e) => Err(e.into()),
                };
            }
            let (customer_id, phone, seats) =
                (customer_id.unwrap_or_default(), phone.unwrap_or_default(), seats.unwrap_or_default());
            let asp = asp.join(" ");
            let contract = contracts::NewContract {
                organization: &organization,
                customer_id: &customer_id,
                phone: &phone,
                seats: &seats,
                asp_user_ids: &asp,
            };
            match contracts::add(&store, portal, &contract, "cli", SystemClock.unix()).await {
                Ok(id) => {
                    println!("contract {id} created on /{}/ (CustomerId {customer_id}, {seats} seats)", portal.id);
                    Ok(())
                }
                Err(AccountError::Taken(id)) => bail!("CustomerId {id} is already registered on /{}/", portal.id),
                Err(e) => Err(e.into()),
            }
        }
        Command::Contract(ContractCommand::Reinitialize { portal, contract_number }) => {
            let portal = config
                .portal(&portal)
                .ok_or_else(|| anyhow::anyhow!("there is no portal \"{portal}\" in the configuration"))?;
            let store = Store::connect(&database).await?;
            store.migrate(SystemClock.unix()).await?;
            let found = {
                let mut conn = store.acquire().await?;
                madoguchi_store::contracts::by_customer_id(&mut conn, &portal.id, &contract_number).await?
            };
            let contract = found.ok_or_else(|| anyhow::anyhow!("契約番号 {contract_number} is not registered"))?;
            let initial = read_stdin_line("the new initial password (初期パスワード)")?;
            let removed = contracts::reinitialize(
                &store,
                &hasher(&config),
                portal,
                contract.id,
                &initial,
                "cli",
                SystemClock.unix(),
            )
            .await?;
            match removed {
                Some(login_id) => {
                    println!("master user {login_id} removed; 契約番号 {contract_number} has a new initial password")
                }
                None => println!("契約番号 {contract_number} had no master user; it has a new initial password"),
            }
            Ok(())
        }
        Command::Contract(ContractCommand::Import { portal, file }) => {
            let portal = config
                .portal(&portal)
                .ok_or_else(|| anyhow::anyhow!("there is no portal \"{portal}\" in the configuration"))?;
            let text = read_csv(&file)?;
            let store = Store::connect(&database).await?;
            store.migrate(SystemClock.unix()).await?;
            let result = if matches!(portal.settings.registration, Registration::ContractMaster { .. }) {
                contracts::import_initial(&store, &hasher(&config), portal, &text, "cli", SystemClock.unix()).await
            } else {
                contracts::import(&store, portal, &text, "cli", SystemClock.unix()).await
            };
            let count = imported(&file, result)?;
            println!("{count} contracts created on /{}/", portal.id);
            Ok(())
        }
        Command::Zaikei(ZaikeiCommand::Import { portal, contract, kind, discard_changes, file }) => {
            let store = Store::connect(&database).await?;
            store.migrate(SystemClock.unix()).await?;
            let now = SystemClock.unix();
            let line = madoguchi::zaikei_cli::import_file(
                &store,
                &config,
                &portal,
                &contract,
                &kind,
                &file,
                discard_changes,
                now,
            )
            .await?;
            println!("{line}");
            Ok(())
        }
        Command::Serve(args) => serve(config, database, args).await,
    }
}

use madoguchi_core::Clock;
use madoguchi_core::portal::Registration;

/// One line from standard input (a secret the operator pipes in), without its line ending.
fn read_stdin_line(what: &str) -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        bail!("{what} is read from standard input, which was empty");
    }
    Ok(line)
}

/// A CSV file's text: UTF-8 (with or without BOM) or Shift_JIS as Excel saves it.
fn read_csv(file: &std::path::Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    accounts::decode_csv(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

/// An import's outcome; each refused row goes to stderr as `file:line: rule`.
fn imported(file: &std::path::Path, result: Result<usize, accounts::ImportError>) -> anyhow::Result<usize> {
    match result {
        Ok(count) => Ok(count),
        Err(accounts::ImportError::Rows(rows)) => {
            for row in &rows {
                eprintln!("{}:{}: {}", file.display(), row.line, row.message);
            }
            bail!("{} row(s) refused: nothing was created", rows.len())
        }
        Err(accounts::ImportError::Account(e)) => Err(e.into()),
    }
}

async fn serve(mut config: Config, database: String, args: ServeArgs) -> anyhow::Result<()> {
    init_tracing(args.log_json || config.server.log_format == "json");
    if args.test_clock && !config.server.allow_test_clock {
        bail!(
            "--test-clock is refused: this configuration does not set server.allow_test_clock (never set it in production)"
        );
    }
    let clock: SharedClock = if args.test_clock {
        let start = match &args.test_clock_start {
            Some(s) => chrono::DateTime::parse_from_rfc3339(s)
                .context("--test-clock-start must be RFC 3339")?
                .with_timezone(&chrono::Utc),
            None => chrono::Utc::now(),
        };
        Arc::new(TestClock::at(start))
    } else {
        Arc::new(SystemClock)
    };
    let listen = args.listen.clone().unwrap_or_else(|| config.server.listen.clone());
    let addr: SocketAddr = listen.parse().with_context(|| format!("--listen {listen} is not an address and port"))?;
    // Links in mails name this address when no public_url is configured.
    config.set_listen(&listen);
    let tls_settings = match args.tls_listen.as_deref() {
        Some("off") => None,
        Some(other) => {
            let mut tls = config.server.tls.clone().ok_or_else(|| {
                anyhow::anyhow!("--tls-listen needs a [server.tls] section (certificate and key) in the configuration")
            })?;
            tls.listen = other.to_string();
            Some(tls)
        }
        None => config.server.tls.clone(),
    };
    let tls_addr: Option<SocketAddr> = match &tls_settings {
        Some(tls) => Some(
            tls.listen.parse().with_context(|| format!("--tls-listen {} is not an address and port", tls.listen))?,
        ),
        None => None,
    };
    let smtp = args.smtp.clone().or_else(|| config.server.smtp.clone());
    let hasher = hasher(&config);
    let tls_names = madoguchi_web::tls::self_signed_names(&config);
    let data_dir = config.server.data_dir.clone();
    let server = build(config, &database, smtp.as_deref(), clock, args.test_clock, hasher).await?;
    let tls_config = match &tls_settings {
        Some(tls) => Some(tls_server_config(tls, &data_dir, &tls_names, &server.state)?),
        None => None,
    };
    let worker = server.mailer.clone().spawn();
    let jobs = madoguchi::jobs::spawn(server.state.clone());
    let app = madoguchi::app(server.state.clone());
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let tls_listener = match tls_addr {
        Some(addr) => {
            Some(tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr} (TLS)"))?)
        }
        None => None,
    };
    tracing::info!(
        %addr,
        database = %redact(&database),
        mail = if smtp.is_some() { "smtp" } else { "dev mailbox at /_dev/mail" },
        test_clock = args.test_clock,
        "madoguchi is serving http://{addr}/"
    );
    // One signal stops both listeners.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    // One set of limits for both listeners: their connections count against one cap.
    let mut limits = madoguchi_web::listener::Limits::from_settings(&server.state.config.server);
    let tls_task = match (tls_listener, tls_config, tls_settings) {
        (Some(listener), Some(tls_config), Some(tls)) => {
            limits.handshake_timeout = std::time::Duration::from_secs(tls.handshake_timeout_seconds);
            tracing::info!(addr = %tls.listen, "madoguchi is serving https://{}/", tls.listen);
            let (app, limits) = (app.clone(), limits.clone());
            let stopped = stopped();
            Some(tokio::spawn(async move {
                madoguchi_web::listener::serve(listener, app, limits, Some(tls_config), stopped).await
            }))
        }
        _ => None,
    };
    let stop_tx = Arc::new(stop_tx);
    let signal_tx = stop_tx.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = signal_tx.send(true);
    });
    let plain = madoguchi_web::listener::serve(listener, app, limits, None, stopped()).await;
    // Whatever ended the plain listener ends the TLS one too.
    let _ = stop_tx.send(true);
    let tls = match tls_task {
        Some(task) => task.await.map_err(anyhow::Error::from).and_then(|r| r.map_err(anyhow::Error::from)),
        None => Ok(()),
    };
    worker.abort();
    jobs.abort();
    server.state.store.close().await;
    plain?;
    tls.context("the TLS listener failed")
}

/// The TLS listener's rustls configuration: the server certificate (made self-signed at
/// first start when the config says so; its path is logged) and the client-certificate
/// request hinting every portal CA.
fn tls_server_config(
    tls: &madoguchi_core::config::TlsSettings,
    data_dir: &std::path::Path,
    names: &[String],
    state: &madoguchi_web::AppState,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    // The real clock, not the test clock: browsers judge the certificate by theirs.
    let identity = madoguchi_web::tls::server_identity(tls, data_dir, names, chrono::Utc::now())?;
    let cert = identity.cert_path.display();
    if identity.created {
        tracing::info!(
            %cert, key = %identity.key_path.display(), names = %names.join(", "),
            "made a self-signed TLS server certificate: browsers will warn about it until it is trusted"
        );
    } else {
        tracing::info!(%cert, not_after = %identity.not_after.to_rfc3339(), "TLS server certificate");
    }
    if identity.not_after < chrono::Utc::now() + chrono::TimeDelta::days(30) {
        tracing::warn!(
            %cert, not_after = %identity.not_after.to_rfc3339(),
            "the TLS server certificate expires within 30 days (or has expired): replace it; a self-signed one is made anew when both files are deleted"
        );
    }
    let hinted = madoguchi_web::tls::hinted_certificates(&state.cas);
    let config = madoguchi_web::tls::server_config(identity.chain, identity.key, hinted)?;
    Ok(Arc::new(config))
}

/// Ctrl-C or SIGTERM (what service managers send): finish the requests in flight, then stop.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}
