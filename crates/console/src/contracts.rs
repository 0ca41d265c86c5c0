//! Contracts (契約) the operator registers before an organization may sign up (shaho:
//! CustomerId, the contract's phone, seats, one ASP user ID per seat). Used by
//! `madoguchi contract add|import` and the operator console; each contract gets its own
//! organization, and the first account that signs up against it becomes its 管理者.

use madoguchi_core::Lang;
use madoguchi_core::Portal;
use madoguchi_core::portal::Registration;
use madoguchi_identity::accounts::{AccountError, ImportError, RowError, import_rows};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::{Conn, Store, certificates, contracts, users};
use madoguchi_web::auth::Hasher;
use madoguchi_web::i18n::Tr;
use std::collections::HashSet;

/// The most seats one contract may have (a typo guard; a firm with more splits contracts).
pub const MAX_SEATS: i64 = 1000;

/// A contract as the operator types it.
pub struct NewContract<'a> {
    pub organization: &'a str,
    pub customer_id: &'a str,
    pub phone: &'a str,
    pub seats: &'a str,
    /// ASP user IDs separated by spaces, commas, semicolons or 、.
    pub asp_user_ids: &'a str,
}

/// A contract whose every field passed its rule.
#[derive(Debug, PartialEq, Eq)]
pub struct CheckedContract {
    pub organization: String,
    pub customer_id: String,
    pub phone: String,
    pub seats: i64,
    pub asp_user_ids: Vec<String>,
}

pub use madoguchi_web::forms::FieldError;

/// An ASP user ID such as `abcd8-01`: half-width letters, digits, `-` and `_`, 1–32.
fn asp_user_id_ok(id: &str) -> bool {
    (1..=32).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Checks every field of a contract for a portal that signs up against contracts; every
/// broken rule is reported, not just the first, in `lang`.
pub fn check(portal: &Portal, c: &NewContract<'_>, lang: Lang) -> Result<CheckedContract, Vec<FieldError>> {
    let t = Tr::for_lang(lang);
    let Registration::EmailCodeWithContract { customer_id_prefix, customer_id_digits, .. } =
        &portal.settings.registration
    else {
        let message = t.get("op.contracts.err_not_contract").replace("{portal}", &portal.id);
        return Err(vec![FieldError { field: "", message }]);
    };
    let mut errors = Vec::new();
    let mut fail = |field, message: String| errors.push(FieldError { field, message });
    let organization = c.organization.trim().to_string();
    if organization.is_empty() || organization.chars().count() > 200 {
        fail("organization", t.get("op.contracts.err_organization").into());
    }
    let customer_id = madoguchi_core::contract::customer_id(c.customer_id, customer_id_prefix, *customer_id_digits);
    if customer_id.is_none() {
        let message = t.get("op.contracts.err_customer_id").replace("{prefix}", customer_id_prefix);
        fail("customer_id", message.replace("{digits}", &customer_id_digits.to_string()));
    }
    let phone = madoguchi_core::contract::phone(c.phone);
    if phone.is_none() {
        fail("phone", t.get("op.contracts.err_phone").into());
    }
    let seats =
        madoguchi_core::normalize::fold(c.seats).trim().parse::<i64>().ok().filter(|n| (1..=MAX_SEATS).contains(n));
    if seats.is_none() {
        fail("seats", t.get("op.contracts.err_seats").replace("{max}", &MAX_SEATS.to_string()));
    }
    let folded = madoguchi_core::normalize::fold(c.asp_user_ids);
    let ids: Vec<String> = folded
        .split(|ch: char| ch.is_whitespace() || matches!(ch, ',' | ';' | '、'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let mut seen = HashSet::new();
    if let Some(bad) = ids.iter().find(|id| !asp_user_id_ok(id)) {
        fail("asp_user_ids", t.get("op.contracts.err_asp_format").replace("{id}", bad));
    } else if let Some(twice) = ids.iter().find(|id| !seen.insert(id.as_str())) {
        fail("asp_user_ids", t.get("op.contracts.err_asp_twice").replace("{id}", twice));
    } else if let Some(seats) = seats.filter(|s| *s != ids.len() as i64) {
        let message = t.get("op.contracts.err_asp_count").replace("{seats}", &seats.to_string());
        fail("asp_user_ids", message.replace("{count}", &ids.len().to_string()));
    }
    match (customer_id, phone, seats, errors.is_empty()) {
        (Some(customer_id), Some(phone), Some(seats), true) => {
            Ok(CheckedContract { organization, customer_id, phone, seats, asp_user_ids: ids })
        }
        _ => Err(errors),
    }
}

/// Stores a checked contract with its organization; None when the CustomerId is taken.
async fn insert(
    conn: &mut Conn,
    portal: &Portal,
    c: &CheckedContract,
    actor: &str,
    now: i64,
) -> Result<Option<i64>, AccountError> {
    let organization = users::insert_organization(conn, &portal.id, &c.organization, now).await?;
    let Some(id) =
        contracts::insert(conn, &portal.id, &c.customer_id, &c.phone, c.seats, organization, &c.asp_user_ids, now)
            .await?
    else {
        return Ok(None);
    };
    let subject = format!("contract:{id}");
    let detail = format!("customer_id={} seats={}", c.customer_id, c.seats);
    let entry = AuditEntry {
        portal: &portal.id,
        event: "contract.created",
        actor: Some(actor),
        subject: Some(&subject),
        detail: Some(&detail),
        ..AuditEntry::default()
    };
    audit::record(conn, &entry, now).await?;
    Ok(Some(id))
}

/// Checks and stores one contract. A broken rule is `Invalid` with every message; a
/// CustomerId already registered on the portal is `Taken`.
pub async fn add(
    store: &Store,
    portal: &Portal,
    contract: &NewContract<'_>,
    actor: &str,
    now: i64,
) -> Result<i64, AccountError> {
    let checked = check(portal, contract, Lang::Ja)
        .map_err(|errors| AccountError::Invalid(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" ")))?;
    let mut tx = store.begin().await?;
    let id = insert(&mut tx, portal, &checked, actor, now)
        .await?
        .ok_or_else(|| AccountError::Taken(checked.customer_id.clone()))?;
    tx.commit().await?;
    Ok(id)
}

/// The CSV's columns, in order (a header line first).
pub const CSV_COLUMNS: &str = "組織名,CustomerId,電話番号,契約数,ASPユーザーID";

/// Reads a contract CSV and checks every row: all rows, or every refused row with its line
/// and rule. The ASP user IDs of a row are in its fifth column, separated by spaces or
/// semicolons (or in further columns, as Excel may split them). Pure, so that it is fuzzed
/// (fuzz/fuzz_targets/csv_contracts.rs).
pub fn read_import(portal: &Portal, text: &str) -> Result<Vec<(u64, CheckedContract)>, Vec<RowError>> {
    let (records, mut errors) = import_rows(text);
    let mut checked = Vec::new();
    let mut seen = HashSet::new();
    for (line, record) in records {
        if record.len() < 5 {
            errors.push(RowError {
                line, message: format!("列の数が{}です（{CSV_COLUMNS} の5列）。", record.len())
            });
            continue;
        }
        let asp = record.iter().skip(4).collect::<Vec<_>>().join(" ");
        let row = NewContract {
            organization: &record[0],
            customer_id: &record[1],
            phone: &record[2],
            seats: &record[3],
            asp_user_ids: &asp,
        };
        match check(portal, &row, Lang::Ja) {
            Ok(c) if !seen.insert(c.customer_id.clone()) => errors.push(RowError {
                line,
                message: format!("CustomerId {} がファイル内で重複しています。", c.customer_id),
            }),
            Ok(c) => checked.push((line, c)),
            Err(broken) => errors.extend(broken.into_iter().map(|e| RowError { line, message: e.message })),
        }
    }
    if checked.is_empty() && errors.is_empty() {
        errors.push(RowError {
            line: 1, message: "登録する行がありません（1行目は見出しです）。".into()
        });
    }
    if errors.is_empty() { Ok(checked) } else { Err(errors) }
}

/// Stores every contract of a CSV ([`read_import`]), all or none: every bad row is reported
/// with its line and rule, and then nothing is stored.
pub async fn import(store: &Store, portal: &Portal, text: &str, actor: &str, now: i64) -> Result<usize, ImportError> {
    let checked = read_import(portal, text).map_err(ImportError::Rows)?;
    let mut tx = store.begin().await.map_err(AccountError::from)?;
    let mut taken = Vec::new();
    for (line, c) in &checked {
        if insert(&mut tx, portal, c, actor, now).await?.is_none() {
            taken.push(RowError {
                line: *line,
                message: format!("CustomerId {} はすでに登録されています。", c.customer_id),
            });
        }
    }
    if !taken.is_empty() {
        // Dropping the transaction rolls every row back: all or none.
        return Err(ImportError::Rows(taken));
    }
    tx.commit().await.map_err(AccountError::from)?;
    Ok(checked.len())
}

// ---- rokin: 契約番号 + 初期パスワード ----

/// rokin's CSV columns, in order (a header line first).
pub const INITIAL_CSV_COLUMNS: &str = "組織名,契約番号,初期パスワード";

/// A rokin contract whose fields passed their rules (the password not yet hashed).
pub struct CheckedInitial {
    pub organization: String,
    pub number: String,
    pub initial_password: String,
}

/// Checks a rokin contract: organization name, 契約番号 (the preset's digits) and 初期パスワード
/// (8 characters, all four classes). Every broken rule is reported, in `lang`.
pub fn check_initial(
    portal: &Portal,
    organization: &str,
    number: &str,
    initial_password: &str,
    lang: Lang,
) -> Result<CheckedInitial, Vec<FieldError>> {
    let t = Tr::for_lang(lang);
    let Registration::ContractMaster { contract_number_digits, .. } = &portal.settings.registration else {
        let message = t.get("op.contracts.err_not_initial").replace("{portal}", &portal.id);
        return Err(vec![FieldError { field: "", message }]);
    };
    let mut errors = Vec::new();
    let organization = organization.trim().to_string();
    if organization.is_empty() || organization.chars().count() > 200 {
        errors.push(FieldError { field: "organization", message: t.get("op.contracts.err_organization").into() });
    }
    let number = madoguchi_core::contract::contract_number(number, *contract_number_digits);
    if number.is_none() {
        let message = t.get("op.contracts.err_number").replace("{digits}", &contract_number_digits.to_string());
        errors.push(FieldError { field: "number", message });
    }
    if !madoguchi_core::contract::initial_password_ok(initial_password) {
        errors.push(FieldError { field: "initial_password", message: t.get("op.contracts.err_initial").into() });
    }
    match (number, errors.is_empty()) {
        (Some(number), true) => {
            Ok(CheckedInitial { organization, number, initial_password: initial_password.to_string() })
        }
        _ => Err(errors),
    }
}

async fn hash_initial(hasher: &Hasher, password: &str) -> Result<String, AccountError> {
    hasher.hash(password).await.map_err(|e| AccountError::Invalid(format!("hash: {e}")))
}

async fn insert_initial(
    conn: &mut Conn,
    portal: &Portal,
    c: &CheckedInitial,
    hash: &str,
    actor: &str,
    now: i64,
) -> Result<Option<i64>, AccountError> {
    let organization = users::insert_organization(conn, &portal.id, &c.organization, now).await?;
    let Some(id) = contracts::insert_initial(conn, &portal.id, &c.number, hash, organization, now).await? else {
        return Ok(None);
    };
    let subject = format!("contract:{id}");
    // The number only: the initial password is never written anywhere but as its hash.
    let detail = format!("contract_number={}", c.number);
    let entry = AuditEntry {
        portal: &portal.id,
        event: "contract.created",
        actor: Some(actor),
        subject: Some(&subject),
        detail: Some(&detail),
        ..AuditEntry::default()
    };
    audit::record(conn, &entry, now).await?;
    Ok(Some(id))
}

/// Checks and stores one rokin contract; a 契約番号 registered already is `Taken`.
pub async fn add_initial(
    store: &Store,
    hasher: &Hasher,
    portal: &Portal,
    (organization, number, initial_password): (&str, &str, &str),
    actor: &str,
    now: i64,
) -> Result<i64, AccountError> {
    let checked = check_initial(portal, organization, number, initial_password, Lang::Ja)
        .map_err(|errors| AccountError::Invalid(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" ")))?;
    let hash = hash_initial(hasher, &checked.initial_password).await?;
    let mut tx = store.begin().await?;
    let id = insert_initial(&mut tx, portal, &checked, &hash, actor, now)
        .await?
        .ok_or_else(|| AccountError::Taken(checked.number.clone()))?;
    tx.commit().await?;
    Ok(id)
}

/// Stores every rokin contract of a CSV (組織名,契約番号,初期パスワード), all or none.
pub async fn import_initial(
    store: &Store,
    hasher: &Hasher,
    portal: &Portal,
    text: &str,
    actor: &str,
    now: i64,
) -> Result<usize, ImportError> {
    let (records, mut errors) = import_rows(text);
    let mut checked = Vec::new();
    let mut seen = HashSet::new();
    for (line, record) in records {
        if record.len() != 3 {
            let message = format!("列の数が{}です（{INITIAL_CSV_COLUMNS} の3列）。", record.len());
            errors.push(RowError { line, message });
            continue;
        }
        match check_initial(portal, &record[0], &record[1], &record[2], Lang::Ja) {
            Ok(c) if !seen.insert(c.number.clone()) => errors
                .push(RowError {
                    line, message: format!("契約番号 {} がファイル内で重複しています。", c.number)
                }),
            Ok(c) => checked.push((line, c)),
            Err(broken) => errors.extend(broken.into_iter().map(|e| RowError { line, message: e.message })),
        }
    }
    if checked.is_empty() && errors.is_empty() {
        errors.push(RowError {
            line: 1, message: "登録する行がありません（1行目は見出しです）。".into()
        });
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    let mut hashed = Vec::with_capacity(checked.len());
    for (line, c) in checked {
        let hash = hash_initial(hasher, &c.initial_password).await?;
        hashed.push((line, c, hash));
    }
    let mut tx = store.begin().await.map_err(AccountError::from)?;
    let mut taken = Vec::new();
    for (line, c, hash) in &hashed {
        if insert_initial(&mut tx, portal, c, hash, actor, now).await?.is_none() {
            taken.push(RowError {
                line: *line, message: format!("契約番号 {} はすでに登録されています。", c.number)
            });
        }
    }
    if !taken.is_empty() {
        return Err(ImportError::Rows(taken));
    }
    tx.commit().await.map_err(AccountError::from)?;
    Ok(hashed.len())
}

/// The operator's re-initialization of a rokin contract's master user (「ログインＩＤ／
/// パスワード依頼書」): the master's certificates are revoked, the master is deleted, and the
/// contract gets a new 初期パスワード, so that the employer registers a master again. General
/// users stay. Returns the removed master's login ID, if there was one.
pub async fn reinitialize(
    store: &Store,
    hasher: &Hasher,
    portal: &Portal,
    contract_id: i64,
    initial_password: &str,
    actor: &str,
    now: i64,
) -> Result<Option<String>, AccountError> {
    if !madoguchi_core::contract::initial_password_ok(initial_password) {
        return Err(AccountError::Invalid(Tr::for_lang(Lang::Ja).get("op.contracts.err_initial").into()));
    }
    let hash = hash_initial(hasher, initial_password).await?;
    let mut tx = store.begin().await?;
    let contract = contracts::list(&mut tx, &portal.id)
        .await?
        .into_iter()
        .find(|c| c.id == contract_id)
        .ok_or_else(|| AccountError::Invalid("契約が見つかりません。".into()))?;
    let master =
        users::of_organization(&mut tx, contract.organization_id).await?.into_iter().find(|u| u.role == "admin");
    let entry = |event: &'static str, subject: &str, detail: Option<&str>| {
        let subject = subject.to_string();
        let detail = detail.map(str::to_string);
        (event, subject, detail)
    };
    let mut events = Vec::new();
    if let Some(master) = &master {
        let subject = format!("user:{}", master.id);
        for serial in certificates::revoke_for_user(&mut tx, master.id, "master_reinitialized", now).await? {
            events.push(entry("certificate.revoked", &subject, Some(&serial)));
        }
        users::delete(&mut tx, &portal.id, master.id).await?;
        events.push(entry("account.deleted", &subject, Some(&master.login_id)));
    }
    contracts::reinitialize(&mut tx, contract.id, &hash).await?;
    events.push(entry("contract.master_reinitialized", &format!("contract:{}", contract.id), None));
    for (event, subject, detail) in &events {
        let record = AuditEntry {
            portal: &portal.id,
            event,
            actor: Some(actor),
            subject: Some(subject),
            detail: detail.as_deref(),
            ..AuditEntry::default()
        };
        audit::record(&mut tx, &record, now).await?;
    }
    tx.commit().await?;
    Ok(master.map(|m| m.login_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use madoguchi_core::Config;

    fn shaho() -> Portal {
        Config::demo().unwrap().portal("shaho").unwrap().clone()
    }

    fn contract<'a>(seats: &'a str, asp: &'a str) -> NewContract<'a> {
        NewContract {
            organization: "窓口社労士事務所",
            customer_id: "２８１２３４",
            phone: "03-1234-5678",
            seats,
            asp_user_ids: asp,
        }
    }

    #[test]
    fn a_good_contract_is_folded_and_split() {
        let c = check(&shaho(), &contract("２", "abcd8-01；abcd8-02"), Lang::Ja).unwrap();
        assert_eq!(c.customer_id, "281234");
        assert_eq!(c.phone, "0312345678");
        assert_eq!(c.asp_user_ids, ["abcd8-01", "abcd8-02"]);
        let c = check(&shaho(), &contract("3", "a-1 a-2、a-3"), Lang::Ja).unwrap();
        assert_eq!(c.seats, 3);
    }

    #[test]
    fn every_broken_rule_is_named() {
        let bad = NewContract { organization: " ", customer_id: "291234", phone: "12", seats: "0", asp_user_ids: "x" };
        let fields: Vec<&str> = check(&shaho(), &bad, Lang::Ja).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["organization", "customer_id", "phone", "seats"]);
        let e = check(&shaho(), &contract("3", "a-1 a-2"), Lang::Ja).unwrap_err();
        assert!(e[0].message.contains("3個"), "{e:?}");
        let e = check(&shaho(), &contract("2", "a-1 a-1"), Lang::Ja).unwrap_err();
        assert!(e[0].message.contains("重複"), "{e:?}");
        let e = check(&shaho(), &contract("1", "abc/1"), Lang::Ja).unwrap_err();
        assert!(e[0].message.contains("abc/1"), "{e:?}");
    }

    #[test]
    fn portals_without_contracts_refuse() {
        let hellowork = Config::demo().unwrap().portal("hellowork").unwrap().clone();
        assert!(check(&hellowork, &contract("1", "a-1"), Lang::Ja).is_err());
    }
}
