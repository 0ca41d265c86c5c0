//! The sealed form's way through the login (modules spec §0.1 rule 4; the sealing itself is
//! [`super`]):
//!
//! 1. A draft form's POST handler takes [`FormUser`] instead of `CurrentUser` and calls
//!    [`FormUser::or_seal`] with the posted pairs. A live session gives the user; a session that
//!    has just timed out gives the portal's login page (200, not a redirect: a redirect would
//!    drop the body) with the form sealed in the hidden field `sealed_draft` and a notice;
//!    anything else the usual redirect to the login.
//! 2. The login keeps `sealed_draft` through its steps (password, then the one-time password)
//!    and, once the session is made, calls [`after_login`] in its transaction.
//! 3. [`after_login`] opens the value for the user who logged in and hands it to the
//!    [`DraftRestorer`] of the module that owns the form's address, which stores the fields as
//!    that user's draft and names the address to open; the login goes there instead of home.
//!    A value sealed for another user is discarded ([`super::EVENT_DISCARDED`]); an expired or
//!    damaged one is ignored.
//!
//! Client-certificate portals (rokin) log in on another screen; there the expired POST keeps
//! the plain redirect (no rokin form is wired yet).

use super::{EVENT_DISCARDED, EVENT_RESTORED, OpenError, RestoreInput, open, seal};
use crate::ctx::{Ctx, Origin, PortalRef, audit_entry};
use crate::error::AppError;
use crate::pages::login_screen::login_page_sealed;
use crate::session::{CurrentUser, ExpiredSession};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use madoguchi_core::Portal;
use madoguchi_core::portal::SecondFactor;
use madoguchi_store::Conn;
use madoguchi_store::users::User;

/// Who posted a draft form: the signed-in user, or the user whose session has just timed out.
pub enum FormUser {
    Live(Box<CurrentUser>),
    Expired {
        portal: Portal,
        user_id: i64,
        path: String,
    },
    /// No session to speak of: the response `CurrentUser` gave (the redirect to the login).
    Refused(Response),
}

impl FromRequestParts<AppState> for FormUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(current) => Ok(FormUser::Live(Box::new(current))),
            Err(refused) => {
                let expired = parts.extensions.get::<ExpiredSession>().copied();
                let portal = PortalRef::from_request_parts(parts, state).await.ok().map(|PortalRef(p)| p);
                Ok(match (expired, portal) {
                    (Some(ExpiredSession { user_id }), Some(portal)) => {
                        FormUser::Expired { portal, user_id, path: parts.uri.path().to_string() }
                    }
                    _ => FormUser::Refused(refused),
                })
            }
        }
    }
}

impl FormUser {
    /// The signed-in user; otherwise the answer to give this POST: for a session that has just
    /// timed out, the login page carrying `fields` sealed.
    pub fn or_seal(
        self,
        state: &AppState,
        ctx: &Ctx,
        fields: &[(String, String)],
    ) -> Result<CurrentUser, Box<Response>> {
        let (portal, user_id, path) = match self {
            FormUser::Live(current) => return Ok(*current),
            FormUser::Refused(response) => return Err(Box::new(response)),
            FormUser::Expired { portal, user_id, path } => (portal, user_id, path),
        };
        let login = || Box::new(axum::response::Redirect::to(&format!("/{}/login", portal.id)).into_response());
        if matches!(portal.settings.second_factor, SecondFactor::ClientCertificate { .. }) {
            return Err(login());
        }
        let Ok(sealed) = seal(&state.draft_seal_key, &portal.id, user_id, &path, fields, state.clock.unix()) else {
            return Err(login());
        };
        let notice = Some(ctx.t.get("draft.sealed_notice").to_string());
        match login_page_sealed(ctx, &portal, "", Default::default(), notice, Some(&sealed)) {
            Ok(page) => Err(Box::new(page.into_response())),
            Err(e) => Err(Box::new(e.into_response())),
        }
    }
}

/// Once the login of `user` has made its session in `conn` (its transaction): the sealed form
/// `value`, if any, becomes the user's draft. The address to open instead of home.
pub async fn after_login(
    state: &AppState,
    conn: &mut Conn,
    portal: &Portal,
    origin: &Origin,
    user: &User,
    value: &str,
    now: i64,
) -> Result<Option<String>, AppError> {
    if value.is_empty() {
        return Ok(None);
    }
    let subject = format!("user:{}", user.id);
    let form = match open(&state.draft_seal_key, value, &portal.id, user.id, now) {
        Ok(form) => form,
        Err(OpenError::OtherUser) => {
            let entry = audit_entry(portal, origin, EVENT_DISCARDED, Some(&subject), Some("other_user"));
            madoguchi_store::audit::record(conn, &entry, now).await?;
            return Ok(None);
        }
        Err(OpenError::Expired | OpenError::Malformed) => return Ok(None),
    };
    let Some(restorer) = state.draft_restorers.iter().find(|r| r.owns(portal, &form.target)) else {
        return Ok(None);
    };
    let opened = restorer.restore(RestoreInput { conn, portal, user, form: &form, now }).await?;
    if opened.is_some() {
        let entry = audit_entry(portal, origin, EVENT_RESTORED, Some(&subject), Some(&form.target));
        madoguchi_store::audit::record(conn, &entry, now).await?;
    }
    Ok(opened)
}
