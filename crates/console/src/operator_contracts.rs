//! The operator's contracts: the list, one contract by form, many by CSV (all rows or none).
//! shaho: CustomerId, phone, seats and which account holds each ASP user ID. rokin: 契約番号
//! and 初期パスワード, whether the master user is registered, and the master's
//! re-initialization (the paper 「ログインＩＤ／パスワード依頼書」 process). Where the contracts have
//! document shelves, each line links its own and the page the one for every contract
//! (`operator_documents`).

use crate::contracts::{self, CSV_COLUMNS, NewContract};
use crate::operator::{ImportForm, ImportScreen, SignedIn, console_path, import_page};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use madoguchi_core::portal::Registration;
use madoguchi_identity::accounts::{AccountError, ImportError};
use madoguchi_store::{contracts as store, users};
use madoguchi_web::confirm::{self, Confirmation, Step};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
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
    /// shaho: contract-match failures since an operator last marked them as checked.
    pub match_failures: i64,
    /// shaho: the 管理者登録コード's state (locale key: none, pending, used).
    pub admin_code: &'static str,
    /// rokin 財形: the 明細変更機能 option, where the portal has the module.
    pub zaikei_change: Option<bool>,
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
    /// Each contract links its document shelf (ドキュメント, module `asp_accounts`).
    pub documents: bool,
    /// Each contract links its 財形データ取込 and shows its 明細変更機能 option, and the list
    /// links 送信済変更一覧 (module `zaikei`).
    pub zaikei: bool,
    /// The new-contract form: (field, label, typed value, hint, input type).
    pub fields: Vec<(&'static str, String, String, String, &'static str)>,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    /// A 管理者登録コード just issued: (CustomerId, the code), shown this once.
    pub issued: Option<(String, String)>,
}

/// One contract as the list shows it: its organization, master and ASP user IDs.
/// One contract as the list shows it; `guard` is the contract's (match failures, 管理者登録コード
/// waiting) from `store::guard_states`.
async fn contract_line(
    conn: &mut madoguchi_store::Conn,
    c: store::Contract,
    guard: (i64, bool),
) -> Result<ContractLine, AppError> {
    let accounts = users::of_organization(conn, c.organization_id).await?;
    let organization = accounts.first().and_then(|u| u.organization_name.clone()).unwrap_or_default();
    let organization = if organization.is_empty() {
        store::organization_name(conn, c.organization_id).await?.unwrap_or_default()
    } else {
        organization
    };
    let asp = store::asp_users(conn, c.id)
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
    let (match_failures, code_pending) = guard;
    let admin_code = match (code_pending, c.used_seats > 0) {
        (true, _) => "op.contracts.admin_code_pending",
        (false, true) => "op.contracts.admin_code_used",
        (false, false) => "op.contracts.admin_code_none",
    };
    Ok(ContractLine {
        zaikei_change: None,
        match_failures,
        admin_code,
        id: c.id,
        master,
        customer_id: c.customer_id,
        organization,
        phone: madoguchi_core::phone::hyphenated(&c.phone),
        seats: c.seats,
        used: c.used_seats,
        asp,
    })
}

async fn contracts_page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    form: ContractForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    contracts_page_with(state, signed, ctx, form, errors, notice, None).await
}

#[allow(clippy::too_many_arguments)]
async fn contracts_page_with(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    form: ContractForm,
    errors: FieldErrors,
    notice: Option<String>,
    issued: Option<(String, String)>,
) -> Result<Html<String>, AppError> {
    let mut conn = state.store.acquire().await?;
    let mut lines = Vec::new();
    let guards = store::guard_states(&mut conn, &signed.portal.id).await?;
    for c in store::list(&mut conn, &signed.portal.id).await? {
        let guard = guards.get(&c.id).copied().unwrap_or((0, false));
        let mut line = contract_line(&mut conn, c, guard).await?;
        if signed.portal.settings.modules.contains(&madoguchi_zaikei::MODULE) {
            line.zaikei_change = Some(madoguchi_zaikei::store::sent::change_option(&mut conn, line.id).await?);
        }
        lines.push(line);
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
        documents: signed.portal.settings.has_document_shelves(),
        zaikei: signed.portal.settings.modules.contains(&madoguchi_zaikei::MODULE),
        chrome: ctx.chrome(ctx.t.get("op.contracts.title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        lines,
        fields,
        errors,
        notice,
        issued,
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
    #[serde(default, rename = "_step")]
    step: String,
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
    if Step::of(&form.step) != Step::Confirmed {
        // The new 初期パスワード is checked first; only then 「…初期化します。よろしいですか？」,
        // naming the contract and the master user it removes.
        if !madoguchi_core::contract::initial_password_ok(&form.initial_password) {
            let errors = FieldErrors::form(ctx.t.get("op.contracts.initial_invalid"));
            return Ok(contracts_page(&state, &signed, &ctx, ContractForm::default(), errors, None)
                .await?
                .into_response());
        }
        let line = {
            let mut conn = state.store.acquire().await?;
            let found = store::list(&mut conn, &signed.portal.id).await?.into_iter().find(|c| c.id == id);
            let guards = store::guard_states(&mut conn, &signed.portal.id).await?;
            match found {
                Some(c) => {
                    let guard = guards.get(&c.id).copied().unwrap_or((0, false));
                    contract_line(&mut conn, c, guard).await?
                }
                None => return Err(AppError::NotFound),
            }
        };
        let base = console_path(&signed.portal);
        let t = ctx.t;
        let confirmation = Confirmation::new(
            &ctx,
            t.get("op.contracts.reinitialize_confirm"),
            format!("{base}/contracts/{id}/reinitialize"),
        )
        .fact(t.get("master.number"), line.customer_id)
        .fact(t.get("op.contracts.organization"), line.organization)
        .fact(t.get("op.contracts.master"), line.master.unwrap_or_else(|| t.get("op.contracts.no_master").to_string()))
        .carry("initial_password", form.initial_password.as_str())
        .buttons(t.get("op.contracts.reinitialize"), t.get("form.cancel"))
        .no_link(format!("{base}/contracts"))
        .danger();
        let title = t.get("op.contracts.title");
        return Ok(confirm::page(&ctx, title, Some(&signed.portal), None, confirmation)?.into_response());
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

/// shaho: a new 管理者登録コード for a contract, shown once on the page that answers (only
/// its hash is kept); any earlier code stops working. The operator hands it to the person
/// who will be the contract's 管理者 (the manual: 責任者または管理者となる方が最初に設定).
pub async fn issue_admin_code(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    axum::extract::Path((_, id)): axum::extract::Path<(String, i64)>,
) -> Result<Response, AppError> {
    if contract_portal(&signed)? {
        return Err(AppError::NotFound);
    }
    let now = state.clock.unix();
    let code = madoguchi_web::auth::admin_code();
    let mut tx = state.store.begin().await?;
    if !store::set_admin_code(&mut tx, &signed.portal.id, id, &madoguchi_web::auth::admin_code_hash(&code), now).await?
    {
        return Err(AppError::NotFound);
    }
    let customer_id = store::list(&mut tx, &signed.portal.id)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .map(|c| c.customer_id)
        .unwrap_or_default();
    let (actor, subject) = (format!("operator:{}", signed.operator.id), format!("contract:{id}"));
    let entry = madoguchi_store::audit::AuditEntry {
        portal: &signed.portal.id,
        event: "contract.admin_code_issued",
        actor: Some(&actor),
        subject: Some(&subject),
        detail: Some(&customer_id),
        ..Default::default()
    };
    madoguchi_store::audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    let notice = Some(ctx.t.get("op.contracts.admin_code_issued").to_string());
    let page = contracts_page_with(
        &state,
        &signed,
        &ctx,
        ContractForm::default(),
        FieldErrors::default(),
        notice,
        Some((customer_id, code)),
    )
    .await?;
    Ok(page.into_response())
}

/// shaho: the operator saw a contract's match failures; the count (and its alert) start again.
pub async fn clear_match_failures(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    axum::extract::Path((_, id)): axum::extract::Path<(String, i64)>,
) -> Result<Response, AppError> {
    if contract_portal(&signed)? {
        return Err(AppError::NotFound);
    }
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    if !store::clear_mismatches(&mut tx, &signed.portal.id, id).await? {
        return Err(AppError::NotFound);
    }
    let (actor, subject) = (format!("operator:{}", signed.operator.id), format!("contract:{id}"));
    let entry = madoguchi_store::audit::AuditEntry {
        portal: &signed.portal.id,
        event: "contract.match_checked",
        actor: Some(&actor),
        subject: Some(&subject),
        ..Default::default()
    };
    madoguchi_store::audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    let notice = Some(ctx.t.get("op.contracts.match_cleared").to_string());
    let page = contracts_page(&state, &signed, &ctx, ContractForm::default(), FieldErrors::default(), notice).await?;
    Ok(page.into_response())
}
