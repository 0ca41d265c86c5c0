//! Contracts (契約) the operator registers before an organization may sign up (shaho:
//! CustomerId, the contract's phone, seats, one ASP user ID per seat). Used by
//! `madoguchi contract add|import` and the operator console; each contract gets its own
//! organization, and the first account that signs up against it becomes its 管理者.

use crate::accounts::{AccountError, ImportError, RowError};
use madoguchi_core::Portal;
use madoguchi_core::portal::Registration;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::{Conn, Store, contracts, users};
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

/// One broken rule: the field it belongs to, and the message (Japanese: the console and the
/// command line speak to the operator in the portal's language).
#[derive(Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// An ASP user ID such as `abcd8-01`: half-width letters, digits, `-` and `_`, 1–32.
fn asp_user_id_ok(id: &str) -> bool {
    (1..=32).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Checks every field of a contract for a portal that signs up against contracts; every
/// broken rule is reported, not just the first.
pub fn check(portal: &Portal, c: &NewContract<'_>) -> Result<CheckedContract, Vec<FieldError>> {
    let Registration::EmailCodeWithContract { customer_id_prefix, customer_id_digits, .. } =
        &portal.settings.registration
    else {
        let message = format!("/{}/ は契約で登録するポータルではありません。", portal.id);
        return Err(vec![FieldError { field: "", message }]);
    };
    let mut errors = Vec::new();
    let mut fail = |field, message: String| errors.push(FieldError { field, message });
    let organization = c.organization.trim().to_string();
    if organization.is_empty() || organization.chars().count() > 200 {
        fail("organization", "組織名を1文字以上200文字以内で入力してください。".into());
    }
    let customer_id = madoguchi_core::contract::customer_id(c.customer_id, customer_id_prefix, *customer_id_digits);
    if customer_id.is_none() {
        fail(
            "customer_id",
            format!("CustomerIdは{customer_id_prefix}から始まる{customer_id_digits}桁の数字で入力してください。"),
        );
    }
    let phone = madoguchi_core::contract::phone(c.phone);
    if phone.is_none() {
        fail("phone", "電話番号は0から始まる10桁または11桁の数字で入力してください。".into());
    }
    let seats =
        madoguchi_core::normalize::fold(c.seats).trim().parse::<i64>().ok().filter(|n| (1..=MAX_SEATS).contains(n));
    if seats.is_none() {
        fail("seats", format!("契約数は1～{MAX_SEATS}の数字で入力してください。"));
    }
    let folded = madoguchi_core::normalize::fold(c.asp_user_ids);
    let ids: Vec<String> = folded
        .split(|ch: char| ch.is_whitespace() || matches!(ch, ',' | ';' | '、'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let mut seen = HashSet::new();
    if let Some(bad) = ids.iter().find(|id| !asp_user_id_ok(id)) {
        fail(
            "asp_user_ids",
            format!("ASPユーザーID「{bad}」は半角英数字・ハイフン・アンダースコアの32文字以内で入力してください。"),
        );
    } else if let Some(twice) = ids.iter().find(|id| !seen.insert(id.as_str())) {
        fail("asp_user_ids", format!("ASPユーザーID「{twice}」が重複しています。"));
    } else if let Some(seats) = seats.filter(|s| *s != ids.len() as i64) {
        fail(
            "asp_user_ids",
            format!("ASPユーザーIDは契約数と同じ{seats}個を入力してください（入力は{}個）。", ids.len()),
        );
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
    let checked = check(portal, contract)
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
    let mut reader =
        csv::ReaderBuilder::new().has_headers(true).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut checked = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    line: e.position().map(|p| p.line()).unwrap_or(0),
                    message: format!("CSVとして読めません: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
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
        match check(portal, &row) {
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
        let c = check(&shaho(), &contract("２", "abcd8-01；abcd8-02")).unwrap();
        assert_eq!(c.customer_id, "281234");
        assert_eq!(c.phone, "0312345678");
        assert_eq!(c.asp_user_ids, ["abcd8-01", "abcd8-02"]);
        let c = check(&shaho(), &contract("3", "a-1 a-2、a-3")).unwrap();
        assert_eq!(c.seats, 3);
    }

    #[test]
    fn every_broken_rule_is_named() {
        let bad = NewContract { organization: " ", customer_id: "291234", phone: "12", seats: "0", asp_user_ids: "x" };
        let fields: Vec<&str> = check(&shaho(), &bad).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["organization", "customer_id", "phone", "seats"]);
        let e = check(&shaho(), &contract("3", "a-1 a-2")).unwrap_err();
        assert!(e[0].message.contains("3個"), "{e:?}");
        let e = check(&shaho(), &contract("2", "a-1 a-1")).unwrap_err();
        assert!(e[0].message.contains("重複"), "{e:?}");
        let e = check(&shaho(), &contract("1", "abc/1")).unwrap_err();
        assert!(e[0].message.contains("abc/1"), "{e:?}");
    }

    #[test]
    fn portals_without_contracts_refuse() {
        let hellowork = Config::demo().unwrap().portal("hellowork").unwrap().clone();
        assert!(check(&hellowork, &contract("1", "a-1")).is_err());
    }
}
