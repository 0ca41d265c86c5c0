//! Accounts made by the operator (hellowork, jrec-in — and any portal, for support): an
//! organization and its first user, with a temporary password mailed to the user, who must
//! change it at first login. Used by `madoguchi account add` and the operator console.

use madoguchi_core::login_id::LoginId;
use madoguchi_core::normalize;
use madoguchi_core::portal::{LoginIdKind, PasswordPolicy};
use madoguchi_core::{Lang, Portal};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::users::{self, NewUser};
use madoguchi_store::{Store, Tx};
use madoguchi_web::auth::Hasher;
use rand::seq::{IndexedRandom, SliceRandom};

pub struct NewAccount<'a> {
    pub organization: &'a str,
    /// The office in charge (hellowork 管轄安定所), where the portal names one; may be empty.
    pub office: &'a str,
    pub login_id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    /// The operator's chosen temporary password; a random one when absent.
    pub password: Option<&'a str>,
    /// Demo data only: an ordinary password that need not be changed.
    pub permanent: bool,
    /// Who does it, for the audit log (`operator:3`, `cli`).
    pub actor: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(String),
    #[error("the login ID {0} is already used on this portal")]
    Taken(String),
    #[error(transparent)]
    Db(#[from] madoguchi_store::DbError),
    #[error(transparent)]
    Mail(#[from] madoguchi_mail::QueueError),
    #[error("hash: {0}")]
    Hash(String),
}

impl From<madoguchi_store::DbError> for ImportError {
    fn from(e: madoguchi_store::DbError) -> Self {
        ImportError::Account(AccountError::Db(e))
    }
}

pub struct Created {
    pub user_id: i64,
    pub login_id: String,
    pub temporary_password: Option<String>,
}

/// A temporary password that meets the portal's own rules: every class, within the length.
pub fn temporary_password(policy: &PasswordPolicy) -> String {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"-_!#%+=";
    let mut rng = rand::rng();
    let length = policy.min.max(12).min(policy.max);
    let mut chars: Vec<u8> =
        [UPPER, LOWER, DIGIT, SYMBOL].iter().filter_map(|set| set.choose(&mut rng).copied()).collect();
    let all: Vec<u8> = [UPPER, LOWER, DIGIT].concat();
    while chars.len() < length {
        chars.extend(all.choose(&mut rng));
    }
    // Keep the four guaranteed classes, in a random order.
    chars.shuffle(&mut rng);
    // Every character is half-width and printable: allowed under both `allowed` settings.
    chars.into_iter().map(char::from).collect()
}

/// An account that passed every rule that needs no database.
struct Checked<'a> {
    login_id: LoginId,
    email: String,
    name: &'a str,
    organization: &'a str,
    office: &'a str,
}

/// Every rule of an account that needs no database, each broken one with the field it belongs
/// to, in `lang`: the console shows them all at once, next to their fields; the command line
/// and the CSV import take the first (`check`). On a portal whose login ID is the e-mail
/// address and where none was typed, the login-ID rules are the e-mail field's.
pub fn check_fields(portal: &Portal, account: &NewAccount<'_>, lang: Lang) -> Vec<madoguchi_web::forms::FieldError> {
    check_all(portal, account, lang).err().unwrap_or_default()
}

fn check_all<'a>(
    portal: &Portal,
    account: &NewAccount<'a>,
    lang: Lang,
) -> Result<Checked<'a>, Vec<madoguchi_web::forms::FieldError>> {
    use madoguchi_web::forms::FieldError;
    let t = madoguchi_web::i18n::Tr::for_lang(lang);
    let mut errors = Vec::new();
    let (login_id, id_field) = match portal.settings.login_id.kind {
        LoginIdKind::Email if account.login_id.trim().is_empty() => (account.email, "email"),
        _ => (account.login_id, "login_id"),
    };
    let label = portal.settings.login_screen.id_label.get(lang);
    let login_id = LoginId::parse(&portal.settings.login_id, login_id)
        .map_err(|rules| errors.push(FieldError { field: id_field, message: rules[0].message(label, lang) }))
        .ok();
    let email = normalize::email(account.email);
    if !normalize::is_email(&email) {
        let message = format!("{}{}", t.get("op.users.err_email"), account.email);
        errors.push(FieldError { field: "email", message });
    }
    let (name, organization) = (account.name.trim(), account.organization.trim());
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError { field: "name", message: t.get("op.users.err_name").into() });
    }
    if organization.is_empty() || organization.chars().count() > 200 {
        errors.push(FieldError { field: "organization", message: t.get("op.users.err_organization").into() });
    }
    let office = account.office.trim();
    if office.chars().count() > 100 {
        errors.push(FieldError { field: "office", message: t.get("op.users.err_office").into() });
    }
    match login_id {
        Some(login_id) if errors.is_empty() => Ok(Checked { login_id, email, name, organization, office }),
        _ => Err(errors),
    }
}

/// The same rules for the command line and the CSV import: the first broken one, in Japanese.
fn check<'a>(portal: &Portal, account: &NewAccount<'a>) -> Result<Checked<'a>, String> {
    check_all(portal, account, Lang::Ja)
        .map_err(|errors| errors.into_iter().next().map(|e| e.message).unwrap_or_default())
}

/// The first password of an account and its hash.
struct Secret {
    password: String,
    hash: String,
}

/// Inserts one checked account in the caller's transaction, with its audit entry and mail.
async fn insert(
    tx: &mut Tx,
    portal: &Portal,
    mail_domain: &str,
    account: &NewAccount<'_>,
    checked: &Checked<'_>,
    secret: &Secret,
    now: i64,
) -> Result<Option<i64>, AccountError> {
    let org = users::insert_organization(tx, &portal.id, checked.organization, now).await?;
    if !checked.office.is_empty() {
        users::set_office(tx, org, checked.office).await?;
    }
    let new = NewUser {
        portal: &portal.id,
        organization_id: Some(org),
        login_id: checked.login_id.as_str(),
        email: &checked.email,
        name: checked.name,
        role: "admin",
        password_hash: &secret.hash,
        must_change_password: !account.permanent,
    };
    let Some(user_id) = users::insert(tx, &new, now).await? else { return Ok(None) };
    let subject = format!("user:{user_id}");
    let entry = AuditEntry {
        portal: &portal.id,
        event: "user.created",
        actor: Some(account.actor),
        subject: Some(&subject),
        ..AuditEntry::default()
    };
    audit::record(tx, &entry, now).await?;
    // A password the operator chose is handed over by the operator, never mailed.
    if !account.permanent && account.password.is_none() {
        let portal_name = portal.settings.name.ja.as_str();
        let url = portal.url("/login");
        madoguchi_mail::queue(
            tx,
            &Envelope { portal: &portal.id, from_name: portal_name, to: &checked.email, lang: Lang::Ja },
            MailKind::AccountCreated,
            &[
                ("portal", portal_name),
                ("name", checked.name),
                ("operator", &portal.settings.operator_name.ja),
                ("id_label", portal.settings.login_screen.id_label.get(Lang::Ja)),
                ("login_id", checked.login_id.as_str()),
                ("password", &secret.password),
                ("url", &url),
            ],
            mail_domain,
            now,
        )
        .await?;
    }
    Ok(Some(user_id))
}

pub async fn create(
    store: &Store,
    hasher: &Hasher,
    portal: &Portal,
    mail_domain: &str,
    account: &NewAccount<'_>,
    now: i64,
) -> Result<Created, AccountError> {
    let checked = check(portal, account).map_err(AccountError::Invalid)?;
    let password =
        account.password.map(str::to_string).unwrap_or_else(|| temporary_password(&portal.settings.password));
    let hash = hasher.hash(&password).await.map_err(|e| AccountError::Hash(e.to_string()))?;
    let secret = Secret { password, hash };
    let mut tx = store.begin().await?;
    let user_id = insert(&mut tx, portal, mail_domain, account, &checked, &secret, now)
        .await?
        .ok_or_else(|| AccountError::Taken(checked.login_id.as_str().to_string()))?;
    tx.commit().await?;
    Ok(Created {
        user_id,
        login_id: checked.login_id.as_str().to_string(),
        temporary_password: account.password.is_none().then_some(secret.password),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} rows refused", .0.len())]
    Rows(Vec<RowError>),
    #[error(transparent)]
    Account(#[from] AccountError),
}

// The file reading every import shares went down into core (the 財形 module reads with it too).
pub use madoguchi_core::csv_import::{RowError, decode_csv, import_rows};

/// The columns of an account CSV on this portal, as the import screen and its errors name them.
pub fn csv_columns(portal: &Portal) -> String {
    const COLUMNS: &str = "組織名,ログインID,メールアドレス,利用者名";
    match &portal.settings.office_label {
        Some(label) => format!("{COLUMNS}[,{}]", label.get(Lang::Ja)),
        None => COLUMNS.to_string(),
    }
}

/// One row of an account CSV that passed every rule needing no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub line: u64,
    pub organization: String,
    pub office: String,
    pub login_id: String,
    pub email: String,
    pub name: String,
}

impl ImportRow {
    fn account<'a>(&'a self, actor: &'a str) -> NewAccount<'a> {
        NewAccount {
            organization: &self.organization,
            office: &self.office,
            login_id: &self.login_id,
            email: &self.email,
            name: &self.name,
            password: None,
            permanent: false,
            actor,
        }
    }
}

/// Reads an account CSV (`組織名,ログインID,メールアドレス,利用者名` and, where the portal
/// names an office in charge, an optional fifth column with it; a header line first) and
/// checks every row: all rows, or every refused row with its line and rule. Pure, so that
/// it is fuzzed (fuzz/fuzz_targets/csv_accounts.rs).
pub fn read_import(portal: &Portal, text: &str) -> Result<Vec<ImportRow>, Vec<RowError>> {
    let (records, mut errors) = import_rows(text);
    let mut rows = Vec::new();
    for (line, r) in records {
        if r.len() == 4 || (r.len() == 5 && portal.settings.office_label.is_some()) {
            rows.push(ImportRow {
                line,
                organization: r[0].to_string(),
                office: r.get(4).unwrap_or("").to_string(),
                login_id: r[1].to_string(),
                email: r[2].to_string(),
                name: r[3].to_string(),
            });
        } else {
            errors.push(RowError {
                line,
                message: format!(
                    "列の数が{}です（{} の{}列）。",
                    r.len(),
                    csv_columns(portal),
                    if portal.settings.office_label.is_some() { "4または5" } else { "4" }
                ),
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    for row in &rows {
        match check(portal, &row.account("")) {
            Ok(c) if !seen.insert(c.login_id.clone()) => errors.push(RowError {
                line: row.line,
                message: format!("ログインID {} がファイル内で重複しています。", c.login_id.as_str()),
            }),
            Ok(_) => {}
            Err(message) => errors.push(RowError { line: row.line, message }),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(RowError {
            line: 1, message: "登録する行がありません（1行目は見出しです）。".into()
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// Creates every account of a CSV ([`read_import`]), all or none: every bad row is reported
/// with its line and rule, and then nothing is created. Temporary passwords are mailed to
/// each user.
pub async fn import(
    store: &Store,
    hasher: &Hasher,
    portal: &Portal,
    mail_domain: &str,
    text: &str,
    actor: &str,
    now: i64,
) -> Result<usize, ImportError> {
    let rows = read_import(portal, text).map_err(ImportError::Rows)?;
    let accounts: Vec<(u64, NewAccount<'_>)> = rows.iter().map(|row| (row.line, row.account(actor))).collect();
    let mut prepared = Vec::new();
    for (line, account) in &accounts {
        // read_import checked every row already; this gives the checked form to insert.
        let c = check(portal, account).map_err(|message| ImportError::Rows(vec![RowError { line: *line, message }]))?;
        let password = temporary_password(&portal.settings.password);
        let hash = hasher.hash(&password).await.map_err(|e| AccountError::Hash(e.to_string()))?;
        prepared.push((*line, account, c, Secret { password, hash }));
    }
    let mut tx = store.begin().await.map_err(AccountError::from)?;
    let mut taken = Vec::new();
    for (line, account, c, secret) in &prepared {
        if insert(&mut tx, portal, mail_domain, account, c, secret, now).await?.is_none() {
            taken.push(RowError {
                line: *line,
                message: format!("ログインID {} はすでに登録されています。", c.login_id.as_str()),
            });
        }
    }
    if !taken.is_empty() {
        // Dropping the transaction rolls every row back: all or none.
        return Err(ImportError::Rows(taken));
    }
    tx.commit().await.map_err(AccountError::from)?;
    Ok(prepared.len())
}

/// What is left of an account error once the page has shown the ones a user can mend.
impl From<AccountError> for madoguchi_web::error::AppError {
    fn from(e: AccountError) -> Self {
        use AccountError as E;
        match e {
            E::Db(db) => madoguchi_web::error::AppError::Db(db),
            E::Mail(mail) => mail.into(),
            other => madoguchi_web::error::AppError::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use madoguchi_core::Config;
    use madoguchi_core::password::{Subject, check};

    #[test]
    fn imports_are_read_without_a_database() {
        let config = Config::demo().unwrap();
        let jrec = config.portal("jrec-in").unwrap();
        let text = "組織名,ログインID,メールアドレス,利用者名\n窓口大学,madoguchi-u,a@example.jp,山田 太郎\n";
        let rows = read_import(jrec, text).unwrap();
        assert_eq!((rows.len(), rows[0].line, rows[0].login_id.as_str()), (1, 2, "madoguchi-u"));
        let text = "h\nA,id01,a@example.jp,x\nB,id01,b@example.jp,y\nC,id02,not-mail,z\nD,id03\n";
        let lines: Vec<u64> = read_import(jrec, text).unwrap_err().iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5], "a repeated ID, a bad address, a short row");
        assert_eq!(read_import(jrec, "見出しだけ\n").unwrap_err()[0].line, 1);
        let hellowork = config.portal("hellowork").unwrap();
        let rows = read_import(hellowork, "h\nA,,a@example.jp,x,品川\n").unwrap();
        assert_eq!((rows[0].office.as_str(), rows[0].login_id.as_str()), ("品川", ""));
    }

    /// Issue 14 item 25: a CRLF file's errors named the line before the bad one.
    #[test]
    fn crlf_files_report_the_lines_an_editor_shows() {
        let jrec = Config::demo().unwrap().portal("jrec-in").unwrap().clone();
        let text =
            "組織名,ログインID,メールアドレス,利用者名\r\nA,id01,a@example.jp,x\r\nB,id02,not-mail,y\r\nC,id03\r\n";
        let lines: Vec<u64> = read_import(&jrec, text).unwrap_err().iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4]);
        let (rows, _) = import_rows("h\r\n\"a\r\nb\",c\r\nd,e\r\n");
        let lines: Vec<u64> = rows.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 4], "a quoted cell may span lines");
    }

    /// Issue 14 item 25: cells pasted from Excel are tab-separated; a cell holding a comma
    /// stays one cell.
    #[test]
    fn tab_separated_paste_keeps_commas_in_cells() {
        let jrec = Config::demo().unwrap().portal("jrec-in").unwrap().clone();
        let text = "組織名\tログインID\tメールアドレス\t利用者名\r\n窓口商事, 本社\tid01\ta@example.jp\t山田, 太郎\r\n";
        let rows = read_import(&jrec, text).unwrap();
        assert_eq!(rows[0].organization, "窓口商事, 本社");
        assert_eq!(rows[0].name, "山田, 太郎");
        assert_eq!(rows[0].line, 2);
        let (rows, errors) = import_rows("a,b\n1,2\n");
        assert!(errors.is_empty());
        assert_eq!(rows[0].1.len(), 2, "a comma-separated file stays one");
    }

    #[test]
    fn temporary_passwords_meet_every_preset() {
        let config = Config::demo().unwrap();
        for portal in &config.portals {
            for _ in 0..200 {
                let p = temporary_password(&portal.settings.password);
                let broken = check(&portal.settings.password, &p, Subject::default());
                assert!(broken.is_empty(), "{} {p}: {broken:?}", portal.id);
            }
        }
    }
}
