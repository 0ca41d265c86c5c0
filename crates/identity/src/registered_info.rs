//! 登録情報確認 (アカウント情報, jrec-in): the organization's registered data and the user's
//! own, read-only; changes are asked of the secretariat, who makes them in the console
//! (`operator_orgs`). Only where the portal has `registered_info`.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::Lang;
use madoguchi_core::organization::Profile;
use madoguchi_core::portal::RegisteredInfo;
use madoguchi_store::organizations;
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::i18n::Tr;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// The registered data as label–value rows, the way both the employer and the operator read it.
pub fn profile_rows(p: &Profile, info: &RegisteredInfo, t: &Tr, lang: Lang) -> Vec<(String, String)> {
    let shown = |v: &str| if v.is_empty() { t.get("org.unset").to_string() } else { v.to_string() };
    let kind = if p.kind.is_empty() { String::new() } else { t.get(&format!("org.kind.{}", p.kind)).to_string() };
    vec![
        (info.organization_label.get(lang).to_string(), shown(&p.name)),
        (t.get("org.kind").to_string(), shown(&kind)),
        (t.get("org.department").to_string(), shown(&p.department)),
        (t.get("org.postal_code").to_string(), shown(&p.postal_code)),
        (t.get("org.address").to_string(), shown(&p.address)),
        (t.get("org.phone").to_string(), shown(&madoguchi_core::phone::hyphenated(&p.phone))),
    ]
}

#[derive(Template)]
#[template(path = "account/registered_info.html")]
pub struct RegisteredInfoPage {
    pub chrome: Chrome,
    pub organization: Vec<(String, String)>,
    pub user: Vec<(String, String)>,
    pub note: String,
    pub home: String,
}

pub async fn page(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    let portal = &current.portal;
    let info = portal.settings.registered_info.as_ref().ok_or(AppError::NotFound)?;
    if current.forced_change(state.clock.unix()).is_some() {
        // A temporary or expired password is changed before anything else (home decides how).
        return Ok(Redirect::to(&format!("/{}/home", portal.id)).into_response());
    }
    let u = &current.user;
    let profile = match u.organization_id {
        Some(org) => {
            let mut conn = state.store.acquire().await?;
            organizations::profile(&mut conn, &portal.id, org).await?
        }
        None => None,
    };
    let user = vec![
        (portal.settings.login_screen.id_label.get(ctx.lang).to_string(), u.login_id.clone()),
        (ctx.t.get("org.person").to_string(), u.name.clone()),
        (ctx.t.get("org.email").to_string(), u.email.clone()),
    ];
    Ok(html(&RegisteredInfoPage {
        chrome: ctx.chrome(ctx.t.get("org.info_title"), Some(portal), Some(Screen::RegisteredInfo)),
        organization: profile.map(|p| profile_rows(&p, info, ctx.t, ctx.lang)).unwrap_or_default(),
        user,
        note: info.change_note.get(ctx.lang).to_string(),
        home: format!("/{}/home", portal.id),
    })?
    .into_response())
}
