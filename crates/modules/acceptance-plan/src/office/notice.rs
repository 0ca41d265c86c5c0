//! 認定通知書 (mlit-plan.md §4.4, Choice; modules spec §0.7): the certified plan's notice as a
//! PDF, made by the platform's `madoguchi-pdf` as rokin's statements are (A4, the header with
//! the organization, the document's key and 作成日時, 「n / m」, IPAex Gothic embedded as a
//! subset). The 様式 of MLIT's 認定証 was not found (§6.4: the 様式 layout is provisional), so
//! the notice is a table of 項目 and 内容: the 認定番号, 認定日 and office, the organization
//! (商号, 法人番号, 代表者, 所在地), the 受入れ (期間, 業務区分, 就業場所, 人数) and per worker
//! 氏名, 国籍・地域, 受入れの区分, 業務区分・職種 and 受入予定期間, then the sentence that
//! certifies. It is made from the certified version on each request (nothing stored beside the
//! plan), downloadable by the organization (計画確認) and by its office; each download is a
//! `data.exported` event (it names the workers).

use crate::bureau;
use crate::form::{self, PlanForm};
use crate::pages::{self, organization};
use crate::routing;
use crate::store::Plan;
use crate::view;
use axum::extract::{Path, State};
use axum::response::Response;
use madoguchi_console::operator::SignedIn;
use madoguchi_pdf::{Align, Column, Report, Row};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_web::ctx::Origin;
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::i18n::Tr;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// A value of Parts 1–5 in words (field names are unique across the Parts).
fn part_value(t: &Tr, plan: &PlanForm, name: &str) -> String {
    form::PARTS.iter().map(|s| view::value(t, s, &plan.fields, name)).find(|v| !v.is_empty()).unwrap_or_default()
}

fn period(from: &str, to: &str) -> String {
    if from.is_empty() && to.is_empty() { String::new() } else { format!("{from} ～ {to}") }
}

/// The notice of `plan`, certified as `certified` (the snapshot's form), in Japanese.
pub fn report(plan: &Plan, certified: &PlanForm, created: &str) -> Report {
    let t = Tr::for_lang(madoguchi_core::Lang::Ja);
    let number = plan.approval_number.clone().unwrap_or_default();
    let day = plan.certified_on.clone().unwrap_or_default();
    let office = plan.bureau.as_deref().and_then(routing::bureau).map(|b| b.name.clone()).unwrap_or_default();
    let name = certified.get("name").to_string();
    let v = |n: &str| part_value(t, certified, n);
    let corporate = if certified.sole_proprietor() {
        t.get("plan.field.sole_proprietor").to_string()
    } else {
        v("corporate_number")
    };
    let mut rows = vec![
        Row::Data(vec!["認定番号".into(), number.clone()]),
        Row::Data(vec!["認定日".into(), day.clone()]),
        Row::Data(vec!["認定した機関".into(), office.clone()]),
        Row::Data(vec!["申請日".into(), plan.applied_on.clone().unwrap_or_default()]),
        Row::Data(vec!["商号又は名称".into(), name.clone()]),
        Row::Data(vec!["法人番号".into(), corporate]),
        Row::Data(vec!["代表者".into(), format!("{} {}", v("rep_title"), v("rep_name")).trim().to_string()]),
        Row::Data(vec!["主たる営業所の所在地".into(), format!("〒{} {}", v("postal_code"), v("address"))]),
        Row::Data(vec!["受入予定期間".into(), period(&v("period_start"), &v("period_end"))]),
        Row::Data(vec!["従事させる業務区分".into(), v("categories")]),
        Row::Data(vec!["就業場所".into(), v("workplace")]),
        Row::Data(vec!["受入予定人数".into(), format!("{}人", certified.workers.len())]),
    ];
    for (i, w) in certified.workers.iter().enumerate() {
        let wv = |n: &str| view::value(t, &form::WORKER, &w.fields, n);
        rows.push(Row::Subtotal {
            label: format!("1号特定技能外国人 {}", i + 1),
            cells: vec![String::new(), String::new()],
        });
        rows.push(Row::Data(vec!["氏名（ローマ字）".into(), wv("name_roman")]));
        rows.push(Row::Data(vec!["国籍・地域".into(), wv("nationality")]));
        rows.push(Row::Data(vec!["受入れの区分".into(), wv("admission")]));
        rows.push(Row::Data(vec![
            "業務区分・職種".into(),
            format!("{} {}", wv("category"), wv("job_type")).trim().to_string(),
        ]));
        rows.push(Row::Data(vec!["受入予定期間".into(), period(&wv("stay_start"), &wv("stay_end"))]));
    }
    rows.push(Row::Total {
        label: "上記の建設特定技能受入計画を認定したので通知します。".into(),
        cells: vec![String::new(), String::new()],
    });
    Report {
        title: "建設特定技能受入計画認定通知書".into(),
        organization: format!("{name} 御中"),
        key: format!("認定番号 {number}　認定日 {day}　{office}"),
        created: created.to_string(),
        columns: vec![
            Column { heading: "項目".into(), width_mm: 70.0, align: Align::Left },
            Column { heading: "内容".into(), width_mm: madoguchi_pdf::TABLE_WIDTH_MM - 70.0, align: Align::Left },
        ],
        rows,
    }
}

fn file_name(plan: &Plan) -> String {
    format!("認定通知書-{}.pdf", plan.approval_number.as_deref().unwrap_or("plan"))
}

async fn render(report: Report) -> Result<Vec<u8>, AppError> {
    tokio::task::spawn_blocking(move || report.to_pdf())
        .await
        .map_err(|e| AppError::Internal(format!("notice: {e}")))?
        .map_err(|e| AppError::Internal(format!("notice: {e}")))
}

/// The notice for the office that certified the plan.
pub async fn for_office(
    State(state): State<AppState>,
    signed: SignedIn,
    origin: Origin,
    Path((_portal, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let found = bureau::load(&mut tx, &signed, id).await?;
    let certified = found.item.approved_snapshot.as_deref().filter(|_| found.plan.approval_number.is_some());
    let certified = PlanForm::from_json(certified.ok_or(AppError::NotFound)?);
    let actor = format!("operator:{}", signed.operator.id);
    let subject = format!("organization:{}", found.plan.organization_id);
    exported(&mut tx, &signed.portal.id, &origin, &actor, &subject, &found.plan, now).await?;
    tx.commit().await?;
    let pdf = render(report(&found.plan, &certified, &format_ts(now, madoguchi_core::Lang::Ja))).await?;
    Ok(madoguchi_web::files::pdf(&file_name(&found.plan), pdf, "attachment"))
}

/// The notice for the organization (計画確認 once 認定済).
pub async fn for_organization(
    State(state): State<AppState>,
    current: CurrentUser,
    origin: Origin,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let loaded = pages::load(&mut tx, &current, organization).await?.ok_or(AppError::NotFound)?;
    let certified = loaded
        .item
        .as_ref()
        .and_then(|i| i.approved_snapshot.as_deref())
        .filter(|_| loaded.plan.approval_number.is_some())
        .ok_or(AppError::NotFound)?;
    let certified = PlanForm::from_json(certified);
    let actor = format!("user:{}", current.user.id);
    let subject = format!("organization:{organization}");
    exported(&mut tx, &current.portal.id, &origin, &actor, &subject, &loaded.plan, now).await?;
    tx.commit().await?;
    let pdf = render(report(&loaded.plan, &certified, &format_ts(now, madoguchi_core::Lang::Ja))).await?;
    Ok(madoguchi_web::files::pdf(&file_name(&loaded.plan), pdf, "attachment"))
}

async fn exported(
    conn: &mut madoguchi_store::Conn,
    portal: &str,
    origin: &Origin,
    actor: &str,
    subject: &str,
    plan: &Plan,
    now: i64,
) -> Result<(), AppError> {
    let detail = format!("{} (plan {})", file_name(plan), plan.id);
    let entry = AuditEntry {
        portal,
        event: "data.exported",
        actor: Some(actor),
        subject: Some(subject),
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(&detail),
    };
    audit::record(conn, &entry, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_names_the_number_the_office_and_each_worker() {
        let mut form = PlanForm::default();
        form.fields.insert("name".into(), vec!["窓口建設株式会社".into()]);
        form.fields.insert("corporate_number".into(), vec!["7000012050002".into()]);
        let mut w = form::Worker { key: 1, ..Default::default() };
        w.fields.insert("name_roman".into(), vec!["NGUYEN VAN A".into()]);
        form.workers.push(w);
        let plan = Plan {
            id: 1,
            organization_id: 1,
            bureau: Some("ktr".into()),
            applied_on: Some("2026-11-24".into()),
            approval_number: Some("KTR-2026-000001".into()),
            certified_on: Some("2026-11-25".into()),
            created_at: 0,
            updated_at: 0,
        };
        let report = report(&plan, &form, "2026-11-25 10:00");
        assert_eq!(report.organization, "窓口建設株式会社 御中");
        assert!(report.key.contains("KTR-2026-000001") && report.key.contains("関東地方整備局"), "{}", report.key);
        let cells: Vec<String> = report
            .rows
            .iter()
            .flat_map(|r| match r {
                Row::Data(c) => c.clone(),
                Row::Subtotal { label, .. } | Row::Total { label, .. } => vec![label.clone()],
            })
            .collect();
        for expected in ["7000012050002", "NGUYEN VAN A", "1人", "1号特定技能外国人 1"] {
            assert!(cells.iter().any(|c| c.contains(expected)), "{expected} in {cells:?}");
        }
        let pdf = report.to_pdf().expect("a PDF");
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
