//! The operator's contracts (shaho): the list with seats in use and which account holds
//! each ASP user ID, one contract by form, many by CSV (all rows or none).

use super::html;
use super::operator::{ImportForm, ImportScreen, SignedIn, console_path, import_page};
use crate::accounts::{AccountError, ImportError};
use crate::contracts::{self, CSV_COLUMNS, NewContract};
use crate::ctx::{Chrome, Ctx};
use crate::error::AppError;
use crate::forms::FieldErrors;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use madoguchi_core::portal::Registration;
use madoguchi_store::{contracts as store, users};
use serde::Deserialize;

/// Only portals whose organizations sign up against contracts have this page.
fn contract_portal(signed: &SignedIn) -> Result<(), AppError> {
    match signed.portal.settings.registration {
        Registration::EmailCodeWithContract { .. } => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

pub struct ContractLine {
    pub customer_id: String,
    pub organization: String,
    pub phone: String,
    pub seats: i64,
    pub used: i64,
    /// (ASP user ID, the linked account's e-mail or "").
    pub asp: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct ContractForm {
    #[serde(default)]
    pub organization: String,
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub seats: String,
    #[serde(default)]
    pub asp_user_ids: String,
}

#[derive(Template)]
#[template(path = "operator/contracts.html")]
pub struct ContractsPage {
    pub chrome: Chrome,
    pub base: String,
    pub lines: Vec<ContractLine>,
    /// The new-contract form: (field, label, typed value, hint).
    pub fields: Vec<(&'static str, String, String, String)>,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

async fn contracts_page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    form: ContractForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    let mut conn = state.store.acquire().await?;
    let mut lines = Vec::new();
    for c in store::list(&mut conn, &signed.portal.id).await? {
        let accounts = users::of_organization(&mut conn, c.organization_id).await?;
        let organization = accounts.first().and_then(|u| u.organization_name.clone()).unwrap_or_default();
        let organization = if organization.is_empty() {
            store::organization_name(&mut conn, c.organization_id).await?.unwrap_or_default()
        } else {
            organization
        };
        let asp = store::asp_users(&mut conn, c.id)
            .await?
            .into_iter()
            .map(|a| {
                let holder = a
                    .user_id
                    .and_then(|id| accounts.iter().find(|u| u.id == id))
                    .map(|u| u.email.clone())
                    .unwrap_or_default();
                (a.asp_user_id, holder)
            })
            .collect();
        lines.push(ContractLine {
            customer_id: c.customer_id,
            organization,
            phone: c.phone,
            seats: c.seats,
            used: c.used_seats,
            asp,
        });
    }
    let t = |key: &str| ctx.t.get(key).to_string();
    let fields = vec![
        ("organization", t("op.contracts.organization"), form.organization, String::new()),
        ("customer_id", "CustomerId".to_string(), form.customer_id, t("signup.customer_id_hint")),
        ("phone", t("op.contracts.phone"), form.phone, t("signup.tel_hint")),
        ("seats", t("op.contracts.seats"), form.seats, String::new()),
        ("asp_user_ids", t("acct.asp"), form.asp_user_ids, t("op.contracts.asp_hint")),
    ];
    html(&ContractsPage {
        chrome: ctx.chrome(ctx.t.get("op.contracts.title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        lines,
        fields,
        errors,
        notice,
    })
}

pub async fn list(State(state): State<AppState>, signed: SignedIn, ctx: Ctx) -> Result<Html<String>, AppError> {
    contract_portal(&signed)?;
    contracts_page(&state, &signed, &ctx, ContractForm::default(), FieldErrors::default(), None).await
}

pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Form(form): Form<ContractForm>,
) -> Result<Response, AppError> {
    contract_portal(&signed)?;
    let actor = format!("operator:{}", signed.operator.id);
    let contract = NewContract {
        organization: &form.organization,
        customer_id: &form.customer_id,
        phone: &form.phone,
        seats: &form.seats,
        asp_user_ids: &form.asp_user_ids,
    };
    let checked = match contracts::check(&signed.portal, &contract) {
        Ok(checked) => checked,
        Err(broken) => {
            let mut errors = FieldErrors::default();
            for e in broken {
                errors.add(e.field, &e.message);
            }
            return Ok(contracts_page(&state, &signed, &ctx, form, errors, None).await?.into_response());
        }
    };
    match contracts::add(&state.store, &signed.portal, &contract, &actor, state.clock.unix()).await {
        Ok(_) => {
            let notice = format!("{}{}", checked.customer_id, ctx.t.get("op.contracts.created"));
            Ok(contracts_page(&state, &signed, &ctx, ContractForm::default(), FieldErrors::default(), Some(notice))
                .await?
                .into_response())
        }
        Err(AccountError::Taken(_)) => {
            let errors = FieldErrors::field("customer_id", ctx.t.get("op.contracts.taken"));
            Ok(contracts_page(&state, &signed, &ctx, form, errors, None).await?.into_response())
        }
        Err(e) => Err(e.into()),
    }
}

const IMPORT: ImportScreen = ImportScreen {
    title: "op.contracts.import",
    lead: "op.contracts.import_lead",
    submit: "op.contracts.create",
    back: "contracts",
};

pub async fn import_form(signed: SignedIn, ctx: Ctx) -> Result<Html<String>, AppError> {
    contract_portal(&signed)?;
    import_page(&ctx, &signed, &IMPORT, CSV_COLUMNS.to_string(), String::new(), Vec::new())
}

pub async fn import(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Form(form): Form<ImportForm>,
) -> Result<Response, AppError> {
    contract_portal(&signed)?;
    let actor = format!("operator:{}", signed.operator.id);
    match contracts::import(&state.store, &signed.portal, &form.text(), &actor, state.clock.unix()).await {
        Ok(count) => {
            let notice = format!("{count}{}", ctx.t.get("op.contracts.imported"));
            Ok(contracts_page(&state, &signed, &ctx, ContractForm::default(), FieldErrors::default(), Some(notice))
                .await?
                .into_response())
        }
        Err(ImportError::Rows(rows)) => {
            Ok(import_page(&ctx, &signed, &IMPORT, CSV_COLUMNS.to_string(), form.csv, rows)?.into_response())
        }
        Err(ImportError::Account(e)) => Err(e.into()),
    }
}
