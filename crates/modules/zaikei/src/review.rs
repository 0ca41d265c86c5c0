//! Checks a change set against the rules (rules.rs) with what the database knows: the 明細 a
//! change names, the member's other 財形契約, the last deposit a 中止 counts from. The change
//! screens show the errors and warnings; 送信 refuses a set with any error.

use crate::cycle::Cycle;
use crate::kinds::{ChangeKind, SavingsKind};
use crate::rules::{self, AmountError};
use crate::store::changes::{self, ChangeRow, DepositLine};
use chrono::NaiveDate;
use madoguchi_store::Conn;
use madoguchi_web::i18n::Tr;

/// A change with what the rules say about it.
pub struct Reviewed {
    pub row: ChangeRow,
    /// The 明細 it changes (None for a 新規).
    pub line: Option<DepositLine>,
    /// (field, message): the field the message belongs to on the change's form.
    pub errors: Vec<(&'static str, String)>,
    pub warnings: Vec<String>,
}

impl Reviewed {
    pub fn kind(&self) -> Option<SavingsKind> {
        match &self.line {
            Some(l) => Some(l.kind),
            None => SavingsKind::from_code(&self.row.savings_kind),
        }
    }
}

/// The typed fields of a 新規登録, checked on their own (lengths, forms).
pub fn check_new_fields(row: &ChangeRow, t: &Tr) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    let no = row.employee_no.trim();
    if no.is_empty() {
        errors.push(("employee_no", t.get("zchange.err_employee_no_empty").to_string()));
    } else if no.chars().count() > 10 || !no.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.push(("employee_no", t.get("zchange.err_employee_no_form").to_string()));
    }
    let name = row.name.trim();
    if name.is_empty() {
        errors.push(("name", t.get("zchange.err_name_empty").to_string()));
    } else if name.chars().count() > 20 {
        errors.push(("name", t.get("zchange.err_name_long").to_string()));
    }
    let kana = row.kana.trim();
    if kana.is_empty() {
        errors.push(("kana", t.get("zchange.err_kana_empty").to_string()));
    } else if kana.chars().count() > 30 {
        errors.push(("kana", t.get("zchange.err_kana_long").to_string()));
    }
    if NaiveDate::parse_from_str(row.birth_date.trim(), "%Y-%m-%d").is_err() {
        errors.push(("birth_date", t.get("zchange.err_birth_date").to_string()));
    }
    if SavingsKind::from_code(&row.savings_kind).is_none() {
        errors.push(("savings_kind", t.get("zchange.err_savings_kind").to_string()));
    }
    errors
}

/// Every change of the set, checked. `rows` are the set's rows in order.
pub async fn review(
    conn: &mut Conn,
    contract: i64,
    cycle: &Cycle,
    rows: Vec<ChangeRow>,
    t: &Tr,
) -> Result<Vec<Reviewed>, sqlx::Error> {
    let mut out: Vec<Reviewed> = Vec::with_capacity(rows.len());
    for row in rows {
        let line = match row.deposit_row_id {
            Some(id) => changes::line_of(conn, contract, cycle.delivery.id, id).await?,
            None => None,
        };
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        if row.kind != Some(ChangeKind::Stop)
            && let Err(e) = rules::parse_amount(&row.amount_text)
        {
            errors.push(("amount", t.get(e.key()).to_string()));
        }
        match (row.kind, &line) {
            (Some(ChangeKind::Stop), Some(l)) => {
                let last = changes::last_deposit_before(conn, contract, l.account_id, &cycle.delivery.due_on).await?;
                let last = last
                    .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
                    .unwrap_or_else(|| rules::assumed_last_deposit(cycle.due));
                warnings.extend(rules::gap_warning(t.get("zchange.warn_gap"), l.kind, last));
            }
            (Some(ChangeKind::New), None) => {
                errors.extend(check_new_fields(&row, t));
                new_rules(conn, contract, cycle, &row, &out, t, &mut errors).await?;
            }
            (Some(ChangeKind::Amount), Some(_)) => {}
            // A change whose 明細 is gone (another contract's id never gets here: the query binds it).
            _ => errors.push(("", t.get("zchange.err_row_gone").to_string())),
        }
        out.push(Reviewed { row, line, errors, warnings });
    }
    Ok(out)
}

/// The rules of a 新規 that need the database: the 55-year rule, one 年金 and one 住宅 per
/// member, and no second 明細 of a member + 財形種類 already in the list or the set.
async fn new_rules(
    conn: &mut Conn,
    contract: i64,
    cycle: &Cycle,
    row: &ChangeRow,
    earlier: &[Reviewed],
    t: &Tr,
    errors: &mut Vec<(&'static str, String)>,
) -> Result<(), sqlx::Error> {
    let Some(kind) = SavingsKind::from_code(&row.savings_kind) else { return Ok(()) };
    let no = row.employee_no.trim();
    if let Ok(birth) = NaiveDate::parse_from_str(row.birth_date.trim(), "%Y-%m-%d")
        && !rules::may_open(kind, birth, cycle.due)
    {
        errors.push(("savings_kind", t.get("zchange.err_age").to_string()));
    }
    let filter = changes::LineFilter { employee_no: no.to_string(), kind: Some(kind), ..Default::default() };
    let (in_list, _) = changes::lines(conn, contract, cycle.delivery.id, &filter, 1, 0).await?;
    let twice = earlier.iter().any(|r| {
        r.row.kind == Some(ChangeKind::New) && r.row.employee_no.trim() == no && r.row.savings_kind == row.savings_kind
    });
    if !in_list.is_empty() || twice {
        errors.push(("savings_kind", t.get("zchange.err_in_list").to_string()));
    } else if kind != SavingsKind::General && changes::member_accounts(conn, contract, no).await?.contains(&kind) {
        errors.push(("savings_kind", t.get("zchange.err_one_each").to_string()));
    }
    Ok(())
}

/// The typed amount → the stored `amount` (None while invalid).
pub fn amount_of(typed: &str) -> Option<i64> {
    rules::parse_amount(typed).ok()
}

/// An amount's error key, for the form that typed it.
pub fn amount_error(typed: &str) -> Option<AmountError> {
    rules::parse_amount(typed).err()
}
