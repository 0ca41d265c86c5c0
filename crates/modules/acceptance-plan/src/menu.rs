//! The plan's group of the home menu: the menu of the plan's state as [M-M] §6.1 shows it
//! (未登録: 新規申請; 登録済（未認定）: 計画確認; 認定済: 計画確認 and the procedures), from
//! `presets/data/mlit-fwms/menus.toml`. An item whose screen is not built yet is listed with
//! 「準備中」 and no link (the later procedures of mlit-plan.md §4.5.5);
//! 「受入報告書」 says 「受入報告期限超過」 while a worker's 受入報告 is late.

use crate::state::{self, PlanState};
use crate::store;
use madoguchi_core::review::ReviewState;
use madoguchi_store::review::{self as reviews, ItemKey, Scope};
use madoguchi_web::panels::{HomePanel, MenuFuture, MenuLink, MenuView, PanelFuture, PanelInput};

pub struct PlanMenu;

/// The screen of a menu item, where it is built.
fn href(portal: &str, key: &str) -> Option<String> {
    match key {
        "new_application" => Some(format!("/{portal}/plan")),
        "plan_view" => Some(format!("/{portal}/plan/view")),
        "acceptance_report" | "resignation_report" => Some(format!("/{portal}/plan/reports")),
        "change_notice" => Some(format!("/{portal}/plan/change-notice")),
        "change_application" => Some(format!("/{portal}/plan/change")),
        _ => None,
    }
}

/// The plan's state for the menu (no plan: 未登録).
pub async fn plan_state(
    conn: &mut madoguchi_store::Conn,
    portal: &str,
    organization: i64,
) -> Result<PlanState, sqlx::Error> {
    let Some(plan) = store::of_organization(conn, portal, organization).await? else {
        return Ok(PlanState::Unregistered);
    };
    let key = ItemKey { portal, kind: crate::KIND, item_id: plan.id };
    let item = reviews::find(conn, key, Scope::Organization(organization)).await?;
    let review: Option<ReviewState> = item.as_ref().map(|i| i.state);
    Ok(PlanState::from_review(review, item.is_some_and(|i| i.approved_revision.is_some())))
}

/// Whether a worker's 受入報告 is past its deadline (「受入報告期限超過」 beside 「受入報告書」).
async fn overdue(
    conn: &mut madoguchi_store::Conn,
    portal: &str,
    organization: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let Some(plan) = store::of_organization(conn, portal, organization).await? else { return Ok(false) };
    let key = ItemKey { portal, kind: crate::KIND, item_id: plan.id };
    let Some(item) = reviews::find(conn, key, Scope::Organization(organization)).await? else { return Ok(false) };
    let Some(today) = madoguchi_core::publication::jst_date(now) else { return Ok(false) };
    let reported = crate::report_store::of_plan(conn, plan.id).await?;
    Ok(crate::report_pages::any_overdue(&crate::report_pages::certified_form(&item), &reported, today))
}

impl HomePanel for PlanMenu {
    fn panel<'a>(&'a self, _input: PanelInput<'a>) -> PanelFuture<'a> {
        Box::pin(async { Ok(None) })
    }

    fn menu<'a>(&'a self, input: PanelInput<'a>) -> MenuFuture<'a> {
        Box::pin(async move {
            if !input.portal.settings.modules.contains(&crate::MODULE) {
                return Ok(None);
            }
            let Some(organization) = input.user.organization_id else { return Ok(None) };
            let mut conn = input.store.acquire().await?;
            let plan_state = plan_state(&mut conn, &input.portal.id, organization).await?;
            let Some(menu) = state::menu(plan_state) else { return Ok(None) };
            let late = plan_state == PlanState::Certified
                && overdue(&mut conn, &input.portal.id, organization, input.now).await?;
            let english = input.t.code() == "en";
            let items = menu
                .items
                .iter()
                .map(|item| {
                    let href = if item.available { href(&input.portal.id, &item.key) } else { None };
                    let note = if href.is_none() {
                        Some(input.t.get("plan.menu.soon").to_string())
                    } else if late && item.key == "acceptance_report" {
                        Some(input.t.get("plan.report.overdue").to_string())
                    } else {
                        None
                    };
                    MenuLink { label: if english { item.en.clone() } else { item.ja.clone() }, note, href }
                })
                .collect();
            Ok(Some(MenuView {
                heading: if english { menu.heading.en.clone() } else { menu.heading.ja.clone() },
                items,
            }))
        })
    }
}
