//! jrec-in's 求職者情報検索 and 求職者照会メール (module `seeker_mail`; spec `modules/jrec-in.md`
//! §1.8 items 2 and 5, §1.10, §1.12; relayed messages §0.8 of `modules/README.md`;
//! docs/SEEKER_MAIL.md).
//!
//! - `index`: the 公開 profiles on the platform's search engine, their own index and loader.
//! - `search`: the institution's 「求職者情報検索・求職者照会メール送付」 over 公開 profiles, and a
//!   profile's page (the ユーザID, never a name or contact).
//! - `inquiry`: 「求職者照会メールを出す」 → 確認 (the manual's two notes) → 送信 → 送信完了, under
//!   the portal's limits (`madoguchi_core::relay::InquiryLimits`).
//! - `history`: 「求職者照会メール利用履歴及び返信の参照」 and one inquiry with its reply.
//! - `inbox`: the seeker's 照会メール受信箱 and the one reply.
//! - `mails`: the two §1.12 mails.
//!
//! The thread and its messages are the platform's relayed messages (`madoguchi_store::relay`,
//! rules in `madoguchi_core::relay`); this module is their jrec-in face.

pub mod history;
pub mod inbox;
pub mod index;
pub mod inquiry;
pub mod mails;
pub mod rules;
pub mod search;
pub mod store;

use madoguchi_core::Portal;
use madoguchi_core::portal::Module;
use madoguchi_store::relay::{self, Party};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::i18n::Tr;
use madoguchi_web::panels::{HomePanel, MenuFuture, MenuLink, MenuView, PanelFuture, PanelInput, PanelRow, PanelView};
use madoguchi_web::route_table::{Routes, get};
use madoguchi_web::session::CurrentUser;

/// The name a preset's `modules` list uses.
pub const MODULE: Module = Module::SeekerMail;

/// The relayed-message threads of this module (`relay_threads.topic`).
pub const TOPIC: &str = "seeker_inquiry";

/// The module's routes (the caller gates them on [`MODULE`]).
pub fn routes(routes: Routes) -> Routes {
    routes
        // The institution's side.
        .route("/{portal}/seeker-search", get(search::page))
        .route("/{portal}/seeker-search/{seeker}", get(search::detail))
        .route("/{portal}/seeker-search/{seeker}/inquiry", get(inquiry::form).post(inquiry::post))
        .route("/{portal}/inquiries", get(history::list))
        .route("/{portal}/inquiries/{id}", get(history::detail))
        // The seeker's side (under the seekers' cookie path).
        .route("/{portal}/seeker/inquiries", get(inbox::list))
        .route("/{portal}/seeker/inquiries/{id}", get(inbox::detail).post(inbox::reply))
}

/// The institution's organization; a user without one (an operator's view) sees nothing.
pub fn organization(current: &CurrentUser) -> Result<i64, AppError> {
    current.user.organization_id.ok_or(AppError::NotFound)
}

/// The seekers' pages of a portal: `/<portal>/seeker`.
pub fn seeker_base(portal: &Portal) -> String {
    madoguchi_web::session::seeker_path(portal)
}

/// A seeker's page: the portal bar carries the seekers' pages' name where the portal has one.
pub fn seeker_chrome(ctx: &Ctx, portal: &Portal, title: &str) -> Chrome {
    let mut chrome = ctx.chrome(title, Some(portal), None);
    if let (Some(bar), Some(name)) = (chrome.portal.as_mut(), portal.settings.seekers.name.as_ref()) {
        bar.name = name.get(ctx.lang).to_string();
    }
    chrome
}

/// The widget's words: 「未読メール○件」 or 「未読メールはありません」.
pub fn unread_words(t: &Tr, unread: i64) -> String {
    if unread == 0 {
        t.get("smail.unread_none").to_string()
    } else {
        t.get("smail.unread_some").replace("{n}", &unread.to_string())
    }
}

/// The 求職者照会メール widget on the institution's home page and its menu group.
pub struct Menu;

impl Menu {
    fn applies(input: &PanelInput<'_>) -> Option<i64> {
        if !input.portal.settings.modules.contains(&MODULE) {
            return None;
        }
        input.user.organization_id
    }
}

impl HomePanel for Menu {
    fn panel<'a>(&'a self, input: PanelInput<'a>) -> PanelFuture<'a> {
        Box::pin(async move {
            let Some(organization) = Menu::applies(&input) else { return Ok(None) };
            let mut conn = input.store.acquire().await?;
            let unread = relay::unread(&mut conn, &input.portal.id, TOPIC, Party::Organization(organization)).await?;
            Ok(Some(PanelView {
                heading: input.t.get("smail.widget").to_string(),
                columns: Vec::new(),
                label_column: input.t.get("smail.widget").to_string(),
                rows: vec![PanelRow {
                    label: unread_words(input.t, unread),
                    href: Some(format!("/{}/inquiries", input.portal.id)),
                    cells: Vec::new(),
                }],
            }))
        })
    }

    fn menu<'a>(&'a self, input: PanelInput<'a>) -> MenuFuture<'a> {
        Box::pin(async move {
            let Some(organization) = Menu::applies(&input) else { return Ok(None) };
            let mut conn = input.store.acquire().await?;
            let unread = relay::unread(&mut conn, &input.portal.id, TOPIC, Party::Organization(organization)).await?;
            Ok(Some(MenuView {
                heading: input.t.get("smail.widget").to_string(),
                items: vec![
                    MenuLink {
                        label: input.t.get("smail.search.title").to_string(),
                        href: Some(format!("/{}/seeker-search", input.portal.id)),
                        note: None,
                    },
                    MenuLink {
                        label: input.t.get("smail.history.title").to_string(),
                        href: Some(format!("/{}/inquiries", input.portal.id)),
                        // The manual's widget: 「未読メール○件」 or 「未読メールはありません」.
                        note: Some(unread_words(input.t, unread)),
                    },
                ],
            }))
        })
    }
}
