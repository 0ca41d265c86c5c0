//! What the three change screens share: who may open them (the menu's rule: the contract's
//! 明細変更機能 option, then the 明細変更 right), the 預入依頼書 delivery (サイクル) the address
//! names — bound to the user's contract, one of the 3 shown — and its 変更期限 on the portal's
//! calendar with the operator's days.

use crate::kinds::DeliveryKind;
use crate::rules::Window;
use crate::store::{self, Delivery};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use madoguchi_core::portal::{MenuItem, Verdict};
use madoguchi_web::ctx::Ctx;
use madoguchi_web::error::AppError;
use madoguchi_web::pages::information::{forbidden, gate, verdict};
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// The gate of a change screen: 404 where the screen does not exist for the contract, 403
/// with a message for a user without the right, the forced password change first. `Ok(None)`:
/// go on, with the user's contract.
pub async fn enter(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    item: MenuItem,
) -> Result<Result<i64, Response>, AppError> {
    if let Some(response) = gate(state, current, item) {
        return Ok(Err(response));
    }
    if verdict(current, item) == Verdict::Forbidden {
        return Ok(Err(forbidden(current, ctx, item)?));
    }
    current.user.contract_id.map(Ok).ok_or(AppError::NotFound)
}

/// A 預入依頼書 delivery of the contract that is still shown, with its window.
pub struct Cycle {
    pub delivery: Delivery,
    pub due: NaiveDate,
    pub window: Window,
}

impl Cycle {
    /// `2025-07-25（月例）`.
    pub fn title(&self) -> String {
        match self.delivery.cycle {
            Some(c) => format!("{}（{}）", self.delivery.due_on, c.label()),
            None => self.delivery.due_on.clone(),
        }
    }

    pub fn deadline_text(&self) -> String {
        self.window.deadline().map(crate::rules::deadline_text).unwrap_or_default()
    }
}

/// The window of a delivery at the state's clock, on the portal's calendar.
pub async fn window(state: &AppState, current: &CurrentUser, due: NaiveDate) -> Result<Window, AppError> {
    let overrides = state.calendars.overrides(&state.store, &current.portal.id).await?;
    let calendar = current.portal.calendar(&overrides);
    Ok(Window::of(&calendar, due, state.clock.now_jst()))
}

/// The contract's 預入依頼書 delivery `id`, if shown; 404 otherwise (another contract's, an
/// old one, another kind).
pub async fn load(state: &AppState, current: &CurrentUser, contract: i64, id: i64) -> Result<Cycle, AppError> {
    let delivery = {
        let mut conn = state.store.acquire().await?;
        store::shown(&mut conn, contract, id).await?
    };
    let delivery = delivery.filter(|d| d.kind == DeliveryKind::Deposit).ok_or(AppError::NotFound)?;
    let due = NaiveDate::parse_from_str(&delivery.due_on, "%Y-%m-%d").map_err(|_| AppError::NotFound)?;
    let window = window(state, current, due).await?;
    Ok(Cycle { delivery, due, window })
}

/// The contract's shown 預入依頼書 deliveries with their windows, newest first.
pub async fn all(state: &AppState, current: &CurrentUser, contract: i64) -> Result<Vec<Cycle>, AppError> {
    let deliveries = {
        let mut conn = state.store.acquire().await?;
        store::recent(&mut conn, contract, DeliveryKind::Deposit).await?
    };
    let mut out = Vec::with_capacity(deliveries.len());
    for delivery in deliveries {
        let Ok(due) = NaiveDate::parse_from_str(&delivery.due_on, "%Y-%m-%d") else { continue };
        let window = window(state, current, due).await?;
        out.push(Cycle { delivery, due, window });
    }
    Ok(out)
}

/// `13,000`.
pub fn yen(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if amount < 0 { format!("-{out}") } else { out }
}

/// `+1,000` / `-3,000` / `0`: a difference.
pub fn signed_yen(amount: i64) -> String {
    if amount > 0 { format!("+{}", yen(amount)) } else { yen(amount) }
}

/// A 404 as a response (for the `Result<Response>` of a handler).
pub fn not_found() -> Response {
    AppError::NotFound.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_groups_thousands() {
        assert_eq!(yen(0), "0");
        assert_eq!(yen(13_000), "13,000");
        assert_eq!(yen(9_999_000), "9,999,000");
        assert_eq!(yen(-1_500_000), "-1,500,000");
        assert_eq!(signed_yen(1_000), "+1,000");
        assert_eq!(signed_yen(-3_000), "-3,000");
    }
}
