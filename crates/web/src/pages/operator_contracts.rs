//! The operator's contracts: the list, one contract by form, many by CSV (all rows or none).
//! shaho: CustomerId, phone, seats and which account holds each ASP user ID. rokin: 契約番号
//! and 初期パスワード, whether the master user is registered, and the master's
//! re-initialization (the paper 「ログインＩＤ／パスワード依頼書」 process).

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

/// Only portals whose organizations register against contracts have this page: true for
/// rokin's 契約番号 + 初期パスワード, false for shaho's CustomerId contracts.
fn contract_portal(signed: &SignedIn) -> Result<bool, AppError> {
    match signed.portal.settings.registration {
        Registration::EmailCodeWithContract { .. } => Ok(false),
        Registration::ContractMaster { .. } => Ok(true),
        _ => Err(AppError::NotFound),
    }
}

pub struct ContractLine {
    pub id: i64,
    pub customer_id: String,
    /// rokin: the master user's login ID, if registered.
    pub master: Option<String>,
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
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub initial_password: String,
}

#[derive(Template)]
#[template(path = "operator/contracts.html")]
pub struct ContractsPage {
    pub chrome: Chrome,
    pub base: String,
    pub lines: Vec<ContractLine>,
    pub rokin: bool,
    /// The new-contract form: (field, label, typed value, hint, input type).
    pub fields: Vec<(&'static str, String, String, String, &'static str)>,
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
        let master = accounts.iter().find(|u| u.role == "admin").map(|u| u.login_id.clone());
        lines.push(ContractLine {
            id: c.id,
            master,
            customer_id: c.customer_id,
            organization,
            phone: c.phone,
            seats: c.seats,
            used: c.used_seats,
            asp,
        });
    }
    let t = |key: &str| ctx.t.get(key).to_string();
    let rokin = contract_portal(signed)?;
    let fields = if rokin {
        vec![
            ("organization", t("op.contracts.organization"), form.organization, String::new(), "text"),
            ("number", t("master.number"), form.number, t("op.contracts.number_hint"), "text"),
            (
                "initial_password",
                t("master.initial_password"),
                String::new(),
                t("op.contracts.initial_hint"),
                "password",
            ),
        ]
    } else {
        vec![
            ("organization", t("op.contracts.organization"), form.organization, String::new(), "text"),
            ("customer_id", "CustomerId".to_string(), form.customer_id, t("signup.customer_id_hint"), "text"),
            ("phone", t("op.contracts.phone"), form.phone, t("signup.tel_hint"), "text"),
            ("seats", t("op.contracts.seats"), form.seats, String::new(), "text"),
            ("asp_user_ids", t("acct.asp"), form.asp_user_ids, t("op.contracts.asp_hint"), "text"),
        ]
    };
    html(&ContractsPage {
        rokin,
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
    let actor = format!("operator:{}", signed.operator.id);
    if contract_portal(&signed)? {
        return create_initial(&state, &signed, &ctx, form, &actor).await;
    }
    let contract = NewContract {
        organization: &form.organization,
        customer_id: &form.customer_id,
        phone: &form.phone,
        seats: &form.seats,
        asp_user_ids: &form.asp_user_ids,
    };
    let checked = match contracts::check(&signed.portal, &contract, ctx.lang) {
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

/// rokin: one contract with its 初期パスワード (hashed before it is stored).
async fn create_initial(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    form: ContractForm,
    actor: &str,
) -> Result<Response, AppError> {
    let checked =
        contracts::check_initial(&signed.portal, &form.organization, &form.number, &form.initial_password, ctx.lang);
    if let Err(broken) = checked {
        let mut errors = FieldErrors::default();
        for e in broken {
            errors.add(e.field, &e.message);
        }
        return Ok(contracts_page(state, signed, ctx, form, errors, None).await?.into_response());
    }
    let fields = (form.organization.as_str(), form.number.as_str(), form.initial_password.as_str());
    match contracts::add_initial(&state.store, &state.hasher, &signed.portal, fields, actor, state.clock.unix()).await {
        Ok(_) => {
            let notice = format!("{}{}", form.number.trim(), ctx.t.get("op.contracts.created"));
            Ok(contracts_page(state, signed, ctx, ContractForm::default(), FieldErrors::default(), Some(notice))
                .await?
                .into_response())
        }
        Err(AccountError::Taken(_)) => {
            let errors = FieldErrors::field("number", ctx.t.get("op.contracts.number_taken"));
            Ok(contracts_page(state, signed, ctx, form, errors, None).await?.into_response())
        }
        Err(AccountError::Db(e)) => Err(e.into()),
        Err(e) => Err(AppError::Internal(e.to_string())),
    }
}

#[derive(Deserialize)]
pub struct ReinitializeForm {
    #[serde(default)]
    initial_password: String,
}

/// rokin: the master user is removed (its certificates revoked) and the contract gets a new
/// 初期パスワード, so that the employer registers a master again.
pub async fn reinitialize(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    axum::extract::Path((_, id)): axum::extract::Path<(String, i64)>,
    Form(form): Form<ReinitializeForm>,
) -> Result<Response, AppError> {
    if !contract_portal(&signed)? {
        return Err(AppError::NotFound);
    }
    let actor = format!("operator:{}", signed.operator.id);
    let now = state.clock.unix();
    let (notice, errors) = match contracts::reinitialize(
        &state.store,
        &state.hasher,
        &signed.portal,
        id,
        &form.initial_password,
        &actor,
        now,
    )
    .await
    {
        Ok(_) => (Some(ctx.t.get("op.contracts.reinitialized").to_string()), FieldErrors::default()),
        Err(AccountError::Invalid(message)) => (None, FieldErrors::form(&message)),
        Err(AccountError::Db(e)) => return Err(e.into()),
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
    Ok(contracts_page(&state, &signed, &ctx, ContractForm::default(), errors, notice).await?.into_response())
}

const IMPORT: ImportScreen = ImportScreen {
    title: "op.contracts.import",
    lead: "op.contracts.import_lead",
    submit: "op.contracts.create",
    back: "contracts",
};

fn csv_columns(rokin: bool) -> String {
    if rokin { contracts::INITIAL_CSV_COLUMNS } else { CSV_COLUMNS }.to_string()
}

pub async fn import_form(signed: SignedIn, ctx: Ctx) -> Result<Html<String>, AppError> {
    let rokin = contract_portal(&signed)?;
    import_page(&ctx, &signed, &IMPORT, csv_columns(rokin), String::new(), Vec::new())
}

pub async fn import(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Form(form): Form<ImportForm>,
) -> Result<Response, AppError> {
    let rokin = contract_portal(&signed)?;
    let actor = format!("operator:{}", signed.operator.id);
    let (text, now) = (form.text(), state.clock.unix());
    let imported = if rokin {
        contracts::import_initial(&state.store, &state.hasher, &signed.portal, &text, &actor, now).await
    } else {
        contracts::import(&state.store, &signed.portal, &text, &actor, now).await
    };
    match imported {
        Ok(count) => {
            let notice = format!("{count}{}", ctx.t.get("op.contracts.imported"));
            Ok(contracts_page(&state, &signed, &ctx, ContractForm::default(), FieldErrors::default(), Some(notice))
                .await?
                .into_response())
        }
        Err(ImportError::Rows(rows)) => {
            Ok(import_page(&ctx, &signed, &IMPORT, csv_columns(rokin), form.csv, rows)?.into_response())
        }
        Err(ImportError::Account(e)) => Err(e.into()),
    }
}
