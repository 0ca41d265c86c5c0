//! Accounts made by the operator (hellowork, jrec-in — and any portal, for support): an
//! organization and its first user, with a temporary password mailed to the user, who must
//! change it at first login. Used by `madoguchi account add` and the operator console.

use crate::auth::Hasher;
use madoguchi_core::login_id::LoginId;
use madoguchi_core::normalize;
use madoguchi_core::portal::PasswordPolicy;
use madoguchi_core::{Lang, Portal};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::Store;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::users::{self, NewUser};
use rand::seq::{IndexedRandom, SliceRandom};

pub struct NewAccount<'a> {
    pub organization: &'a str,
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

pub async fn create(
    store: &Store,
    hasher: &Hasher,
    portal: &Portal,
    mail_domain: &str,
    account: &NewAccount<'_>,
    now: i64,
) -> Result<Created, AccountError> {
    let login_id = match portal.settings.login_id.kind {
        madoguchi_core::portal::LoginIdKind::Email if account.login_id.is_empty() => account.email,
        _ => account.login_id,
    };
    let label = portal.settings.login_screen.id_label.get(Lang::Ja);
    let login_id = LoginId::parse(&portal.settings.login_id, login_id)
        .map_err(|rules| AccountError::Invalid(rules[0].message(label, Lang::Ja)))?;
    let email = normalize::email(account.email);
    if !normalize::is_email(&email) {
        return Err(AccountError::Invalid(format!("メールアドレスの形式が正しくありません: {}", account.email)));
    }
    let (name, organization) = (account.name.trim(), account.organization.trim());
    if name.is_empty() || name.chars().count() > 100 || organization.is_empty() || organization.chars().count() > 200 {
        return Err(AccountError::Invalid("利用者名（100文字以内）と組織名（200文字以内）を入力してください。".into()));
    }
    let password = match account.password {
        Some(p) => p.to_string(),
        None => temporary_password(&portal.settings.password),
    };
    let hash = hasher.hash(&password).await.map_err(|e| AccountError::Hash(e.to_string()))?;

    let mut tx = store.begin().await?;
    let org = users::insert_organization(&mut tx, &portal.id, organization, now).await?;
    let new = NewUser {
        portal: &portal.id,
        organization_id: Some(org),
        login_id: login_id.as_str(),
        email: &email,
        name,
        role: "admin",
        password_hash: &hash,
        must_change_password: !account.permanent,
    };
    let user_id =
        users::insert(&mut tx, &new, now).await?.ok_or_else(|| AccountError::Taken(login_id.as_str().to_string()))?;
    let subject = format!("user:{user_id}");
    audit::record(
        &mut tx,
        &AuditEntry {
            portal: &portal.id,
            event: "user.created",
            actor: Some(account.actor),
            subject: Some(&subject),
            ..AuditEntry::default()
        },
        now,
    )
    .await?;
    // A password the operator chose is handed over by the operator, never mailed.
    if !account.permanent && account.password.is_none() {
        let portal_name = portal.settings.name.ja.as_str();
        let url = format!("/{}/login", portal.id);
        madoguchi_mail::queue(
            &mut tx,
            &Envelope { portal: &portal.id, from_name: portal_name, to: &email, lang: Lang::Ja },
            MailKind::AccountCreated,
            &[
                ("portal", portal_name),
                ("name", name),
                ("operator", &portal.settings.operator_name.ja),
                ("id_label", label),
                ("login_id", login_id.as_str()),
                ("password", &password),
                ("url", &url),
            ],
            mail_domain,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Created {
        user_id,
        login_id: login_id.as_str().to_string(),
        temporary_password: account.password.is_none().then_some(password),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use madoguchi_core::Config;
    use madoguchi_core::password::{Subject, check};

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
