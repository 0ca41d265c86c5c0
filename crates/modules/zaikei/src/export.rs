//! The bank's CSV of the sent changes of one 入金予定日 (§3.4 Out, §3.7.2): for every contract
//! of the portal that sent, the **latest sent version** only (a resend supersedes; drafts —
//! also 「未送信（期限切れ）」 — are never exported), one line per changed or new 明細, in full,
//! with its 変更区分. The console's download and `madoguchi zaikei export` write the same lines.

use crate::store::sent::{self, DueDelivery};
use madoguchi_core::clock::JST;
use madoguchi_store::Conn;

pub const HEADING: &[&str] = &[
    "契約番号",
    "団体名",
    "入金予定日",
    "区分",
    "バージョン",
    "受付番号",
    "送信日時",
    "変更区分",
    "所属コード",
    "所属名",
    "社員番号",
    "氏名",
    "フリガナ",
    "生年月日",
    "財形種類",
    "口座番号",
    "変更前積立額",
    "変更後積立額",
];

/// What an export holds: the lines and how many contracts' versions they come from.
pub struct Export {
    pub lines: Vec<Vec<String>>,
    pub contracts: usize,
}

/// The export of `due` (`YYYY-MM-DD`) on `portal`.
pub async fn of_due(conn: &mut Conn, portal: &str, due: &str) -> Result<Export, sqlx::Error> {
    let deliveries = sent::due(conn, portal, due).await?;
    let mut lines = Vec::new();
    let mut contracts = 0;
    for d in &deliveries {
        let Some(set) = &d.sent else { continue };
        contracts += 1;
        for line in sent::export_lines(conn, d.contract_id, set).await? {
            lines.push(row(d, set, &line));
        }
    }
    Ok(Export { lines, contracts })
}

fn row(d: &DueDelivery, set: &crate::store::changes::ChangeSet, l: &sent::ExportLine) -> Vec<String> {
    let sent_at = set
        .sent_at
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.with_timezone(&JST).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default();
    vec![
        d.contract_no.clone(),
        d.organization.clone(),
        d.due_on.clone(),
        d.cycle.map(|c| c.label().to_string()).unwrap_or_default(),
        set.version.to_string(),
        set.receipt_no.clone().unwrap_or_default(),
        sent_at,
        l.change.kind.map(|k| k.label().to_string()).unwrap_or_default(),
        l.dept_code.clone(),
        l.dept_name.clone(),
        l.employee_no.clone(),
        l.name.clone(),
        l.kana.clone(),
        l.birth_date.clone(),
        l.kind.clone(),
        l.account_no.clone(),
        l.change.before_amount.map(|a| a.to_string()).unwrap_or_default(),
        l.change.after().map(|a| a.to_string()).unwrap_or_default(),
    ]
}
