//! 財形's part of インフォメーション (manual III: 「預入依頼書・加入者残高一覧表・奨励金の最新の受信
//! 情報…を表示します。」): per kind the latest delivery's 受信日時 and 入金予定日 / 基準日, linking
//! to 財形積立明細照会 on it, and a fourth row with the 未対応 count of the latest アラーム明細.

use crate::kinds::DeliveryKind;
use crate::store;
use madoguchi_web::format::format_ts;
use madoguchi_web::panels::{HomePanel, PanelFuture, PanelInput, PanelRow, PanelView};

pub struct ZaikeiPanel;

/// The two parts of the request's context the rows are written with.
struct Words {
    t: &'static madoguchi_web::i18n::Tr,
    lang: madoguchi_core::Lang,
}

impl HomePanel for ZaikeiPanel {
    fn panel<'a>(&'a self, input: PanelInput<'a>) -> PanelFuture<'a> {
        Box::pin(async move {
            if !input.portal.settings.modules.contains(&crate::MODULE) {
                return Ok(None);
            }
            let Some(contract) = input.user.contract_id else { return Ok(None) };
            let base = format!("/{}/zaikei", input.portal.id);
            let ctx = Words { t: input.t, lang: input.lang };
            let mut conn = input.store.acquire().await?;
            let mut rows = Vec::new();
            for kind in [DeliveryKind::Deposit, DeliveryKind::Balance, DeliveryKind::Incentive] {
                let latest = store::recent(&mut conn, contract, kind).await?.into_iter().next();
                rows.push(match latest {
                    Some(d) => PanelRow {
                        label: ctx.t.get(&format!("zaikei.kind.{}", kind.code())).to_string(),
                        href: Some(format!("{base}/statements?kind={}&delivery={}", kind.code(), d.id)),
                        cells: vec![
                            format_ts(d.received_at, ctx.lang),
                            format!("{} {}", ctx.t.get(&format!("zaikei.date.{}", kind.code())), d.due_on),
                        ],
                    },
                    None => PanelRow {
                        label: ctx.t.get(&format!("zaikei.kind.{}", kind.code())).to_string(),
                        href: None,
                        cells: vec![ctx.t.get("zaikei.not_received").to_string(), String::new()],
                    },
                });
            }
            let alarms = store::recent(&mut conn, contract, DeliveryKind::Alarm).await?.into_iter().next();
            rows.push(match alarms {
                Some(d) => {
                    let open = store::alarms::open_count(&mut conn, contract, d.id).await?;
                    PanelRow {
                        label: ctx.t.get("zaikei.kind.alarm").to_string(),
                        href: Some(format!("{base}/alarms?delivery={}&handled=open", d.id)),
                        cells: vec![
                            format_ts(d.received_at, ctx.lang),
                            ctx.t.get("zaikei.open_alarms").replace("{n}", &open.to_string()),
                        ],
                    }
                }
                None => PanelRow {
                    label: ctx.t.get("zaikei.kind.alarm").to_string(),
                    href: None,
                    cells: vec![ctx.t.get("zaikei.not_received").to_string(), String::new()],
                },
            });
            Ok(Some(PanelView {
                heading: ctx.t.get("zaikei.panel").to_string(),
                label_column: ctx.t.get("zaikei.col_kind").to_string(),
                columns: vec![ctx.t.get("zaikei.col_received").to_string(), ctx.t.get("zaikei.col_date").to_string()],
                rows,
            }))
        })
    }
}
