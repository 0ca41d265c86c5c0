//! The confirmation step (the manuals' 「…します。よろしいですか？」) as one server-side page, so
//! that it works without JavaScript and comes only after the input was checked.
//!
//! Two shapes use it:
//! - **A form with input** (mlit-fwms 仮申請, 本申請, ID／パスワード紛失, パスワード設定／変更, the
//!   console's registered-data edit, 退会 with the password): the form posts without `_step`; the
//!   handler checks everything it can and, only when the input is valid, answers this page, which
//!   carries the input in hidden fields. 「はい」 posts them again with `_step=confirmed`; the
//!   handler checks them all again (a hidden field is input like any other) and acts. 「いいえ」
//!   either posts them with `_step=back` (the form again, as typed, passwords excepted) or is a
//!   link.
//! - **A destructive action on a named object** (the console's delete, disable, revoke, unlock…):
//!   `GET` on the action's address answers this page naming the object; the `POST` acts only
//!   with `_step=confirmed`, and answers this page again to a POST without it (an old form, a
//!   script), so that nothing is done unconfirmed.

use crate::ctx::{Chrome, Ctx};
use crate::error::AppError;
use crate::pages::html;
use crate::screens::Screen;
use askama::Template;
use axum::response::Html;
use madoguchi_core::Portal;

/// The form field that says which step a POST is.
pub const STEP_FIELD: &str = "_step";

/// Which step a POST is, from its `_step` field (anything unknown is the first step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The form itself: check, then confirm.
    Input,
    /// 「はい」 on the confirmation page: check again, then act.
    Confirmed,
    /// 「いいえ」 on the confirmation page: the form again, with the input kept.
    Back,
}

impl Step {
    pub fn of(raw: &str) -> Step {
        match raw {
            "confirmed" => Step::Confirmed,
            "back" => Step::Back,
            _ => Step::Input,
        }
    }
}

/// The body of an action that has no input of its own: only its step.
#[derive(Debug, Default, serde::Deserialize)]
pub struct StepForm {
    #[serde(default, rename = "_step")]
    pub step: String,
}

impl StepForm {
    pub fn confirmed(&self) -> bool {
        Step::of(&self.step) == Step::Confirmed
    }
}

/// Where 「いいえ」 goes.
pub enum No {
    /// Posts the carried fields with `_step=back`: the form is shown again as typed.
    Resubmit,
    /// A plain link (the page the action started from).
    Link(String),
}

/// One confirmation: the question, the object it is about, and what 「はい」 sends.
pub struct Confirmation {
    pub question: String,
    /// What the action is about, as label → value (the user, the certificate, the address…).
    pub facts: Vec<(String, String)>,
    /// Where 「はい」 posts.
    pub action: String,
    /// The checked input, sent again with 「はい」.
    pub hidden: Vec<(String, String)>,
    pub yes: String,
    pub no_label: String,
    pub no: No,
    /// The action deletes or stops something: the button says so by its look.
    pub danger: bool,
}

impl Confirmation {
    /// A question with the page's generic はい／いいえ, posting back to `action`.
    pub fn new(ctx: &Ctx, question: impl Into<String>, action: impl Into<String>) -> Confirmation {
        Confirmation {
            question: question.into(),
            facts: Vec::new(),
            action: action.into(),
            hidden: Vec::new(),
            yes: ctx.t.get("confirm.yes").to_string(),
            no_label: ctx.t.get("confirm.no").to_string(),
            no: No::Resubmit,
            danger: false,
        }
    }

    pub fn fact(mut self, label: impl Into<String>, value: impl Into<String>) -> Confirmation {
        self.facts.push((label.into(), value.into()));
        self
    }

    pub fn carry(mut self, name: &str, value: impl Into<String>) -> Confirmation {
        self.hidden.push((name.to_string(), value.into()));
        self
    }

    pub fn buttons(mut self, yes: impl Into<String>, no_label: impl Into<String>) -> Confirmation {
        self.yes = yes.into();
        self.no_label = no_label.into();
        self
    }

    pub fn no_link(mut self, href: impl Into<String>) -> Confirmation {
        self.no = No::Link(href.into());
        self
    }

    pub fn danger(mut self) -> Confirmation {
        self.danger = true;
        self
    }
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub c: Confirmation,
}

impl ConfirmPage {
    pub fn back_link(&self) -> Option<&str> {
        match &self.c.no {
            No::Link(href) => Some(href),
            No::Resubmit => None,
        }
    }
}

/// The confirmation page, titled like the screen it confirms (whose help it keeps).
pub fn page(
    ctx: &Ctx,
    title: &str,
    portal: Option<&Portal>,
    screen: Option<Screen>,
    confirmation: Confirmation,
) -> Result<Html<String>, AppError> {
    html(&ConfirmPage { chrome: ctx.chrome(title, portal, screen), c: confirmation })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_two_known_steps_are_steps() {
        assert_eq!(Step::of("confirmed"), Step::Confirmed);
        assert_eq!(Step::of("back"), Step::Back);
        for other in ["", "yes", "Confirmed", "confirmed ", "<script>"] {
            assert_eq!(Step::of(other), Step::Input, "{other:?}");
        }
    }
}
