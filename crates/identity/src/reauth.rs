//! What a screen does when the password asked again finds the account locked: the session
//! that asked ends (a stolen session must not keep going once its guesses locked the
//! account), and the browser gets the login screen saying why (rokin: its first screen).

use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_web::credentials;
use madoguchi_web::ctx::{Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::login_screen::login_page;
use madoguchi_web::session::{self, CurrentUser};
use madoguchi_web::state::AppState;

pub async fn locked_out(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    origin: &Origin,
    jar: CookieJar,
) -> Result<Response, AppError> {
    credentials::end_locked_session(state, current, origin).await?;
    let jar = jar.remove(session::end_cookie(state, &current.portal));
    if crate::login::password_login(&current.portal).is_err() {
        return Ok((jar, Redirect::to(&format!("/{}/", current.portal.id))).into_response());
    }
    let page = login_page(ctx, &current.portal, "", FieldErrors::form(ctx.t.get("reauth.locked")), None)?;
    Ok((jar, page).into_response())
}
