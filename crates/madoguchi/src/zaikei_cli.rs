//! `madoguchi zaikei import`: the bank's delivery file for one contract from the command line,
//! through the same parser, transaction, audit event and mails as the console's 財形データ取込.

use anyhow::{Context, bail};
use madoguchi_core::Config;
use madoguchi_store::{Store, contracts};
use madoguchi_zaikei::import::{self, Importer, Outcome, Target};
use madoguchi_zaikei::kinds::DeliveryKind;
use madoguchi_zaikei::layout;
use std::path::Path;

/// Imports `file` as a delivery of `kind` for the contract with this 契約番号 on `portal`;
/// returns the line to print. Refused rows go to stderr as `file:line: rule`.
#[allow(clippy::too_many_arguments)]
pub async fn import_file(
    store: &Store,
    config: &Config,
    portal: &str,
    contract_number: &str,
    kind: &str,
    file: &Path,
    discard_changes: bool,
    now: i64,
) -> anyhow::Result<String> {
    let portal =
        config.portal(portal).with_context(|| format!("there is no portal \"{portal}\" in the configuration"))?;
    if !portal.settings.modules.contains(&madoguchi_zaikei::MODULE) {
        bail!("the portal \"{}\" has no 財形 module (zaikei)", portal.id);
    }
    let kind = DeliveryKind::parse(kind)
        .with_context(|| format!("--kind is deposit, balance, incentive or alarm, not \"{kind}\""))?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = match layout::parse(kind, &bytes) {
        Ok(parsed) => parsed,
        Err(rows) => {
            for row in &rows {
                eprintln!("{}:{}: {}", file.display(), row.line, row.message);
            }
            bail!("{} row(s) refused: nothing was imported", rows.len());
        }
    };
    let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut tx = store.begin().await?;
    let contract = contracts::by_customer_id(&mut tx, &portal.id, contract_number)
        .await?
        .with_context(|| format!("there is no contract {contract_number} on /{}/", portal.id))?;
    let organization = contracts::organization_name(&mut tx, contract.organization_id).await?.unwrap_or_default();
    let target = Target {
        portal,
        contract_id: contract.id,
        organization_id: contract.organization_id,
        organization_name: &organization,
    };
    let importer = Importer { actor: "cli", ip: None, user_agent: None };
    let domain = config.server.mail_from.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_default();
    let outcome =
        import::import(&mut tx, &target, &parsed, &file_name, &importer, discard_changes, &domain, now).await?;
    match outcome {
        Outcome::ChangesExist { .. } => bail!(
            "{} {} {} has changes by the employer: nothing was imported (--discard-changes: 変更内容を破棄して再取込)",
            kind.label(),
            kind.date_label(),
            parsed.due_on
        ),
        Outcome::Imported { replaced, mailed, .. } => {
            tx.commit().await?;
            let verb = if replaced { "replaced" } else { "imported" };
            Ok(format!(
                "{} {} {}: {} rows {verb} for contract {contract_number}; {mailed} user(s) mailed",
                kind.code(),
                kind.date_label(),
                parsed.due_on,
                parsed.rows.len()
            ))
        }
    }
}
