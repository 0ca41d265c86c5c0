//! The operator's view of the portal's employer accounts (job seekers have 求職者管理, module
//! `seekers`): search with paging, lock state,
//! unlock and unblock, and accounts made by the operator (temporary password mailed to the
//! user). One account's detail, disable and re-enable are in `operator_user`.

use crate::operator::{ImportForm, ImportScreen, SignedIn, console_path, import_page, local};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use madoguchi_core::normalize::{search_key as search_form, search_matches};
use madoguchi_core::portal::LoginIdKind;
use madoguchi_identity::accounts::{self, AccountError, NewAccount};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::users::{self, User};
use madoguchi_web::confirm::{self, Confirmation, Step};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::state_of;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::Pager;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

const PAGE: i64 = 50;
/// The search reads all of a portal's accounts and matches in memory: names are stored as
/// typed, and only folding both sides (NFKC) lets ｶﾞｸ find ガク; SQL cannot fold. A portal's
/// employer accounts number in the thousands, so one scan per search is cheap.
const SCAN_LIMIT: i64 = 100_000;

pub struct UserLine {
    pub id: i64,
    pub login_id: String,
    pub name: String,
    pub organization: String,
    pub state: String,
    pub can_unlock: bool,
    pub last_login: String,
}

/// Search by login ID, e-mail, name or organization, and the page asked for.
#[derive(Deserialize, Default)]
pub struct UserQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: Option<i64>,
}

#[derive(Template)]
#[template(path = "operator/users.html")]
pub struct UsersPage {
    pub chrome: Chrome,
    pub base: String,
    pub q: String,
    pub lines: Vec<UserLine>,
    pub total: usize,
    pub pager: Pager,
    pub notice: Option<String>,
}

/// The console's one matcher, also behind the audit log's organization search: folded,
/// lower-cased, without spaces, so 「山田　太郎」, 「山田太郎」 and 「ﾔﾏﾀﾞ」 meet their stored forms.
pub fn matches(u: &User, needle: &str) -> bool {
    [u.login_id.as_str(), u.email.as_str(), u.name.as_str(), u.organization_name.as_deref().unwrap_or("")]
        .iter()
        .any(|field| search_matches(field, needle))
}

async fn users_page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    query: &UserQuery,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    let now = state.clock.unix();
    let list = {
        let mut conn = state.store.acquire().await?;
        users::employers(&mut conn, &signed.portal.id, SCAN_LIMIT).await?
    };
    let needle = search_form(&query.q);
    let found: Vec<User> = list.into_iter().filter(|u| matches(u, &needle)).collect();
    let total = found.len();
    let page = query.page.unwrap_or(1).clamp(1, Pager::pages(total as i64, PAGE));
    let lines = found
        .into_iter()
        .skip(((page - 1) * PAGE) as usize)
        .take(PAGE as usize)
        .map(|u| {
            let (state_text, can_unlock) = state_of(&u, now, ctx);
            UserLine {
                id: u.id,
                login_id: u.login_id,
                name: u.name,
                organization: u.organization_name.unwrap_or_default(),
                state: state_text,
                can_unlock,
                last_login: u.last_login_at.map(|t| local(t).replace('T', " ")).unwrap_or_default(),
            }
        })
        .collect();
    let base = console_path(&signed.portal);
    let link = |p: i64| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &query.q)
            .append_pair("page", &p.to_string())
            .finish();
        format!("{base}/users?{query}")
    };
    html(&UsersPage {
        chrome: ctx.chrome(ctx.t.get("op.users.title"), Some(&signed.portal), None),
        pager: Pager::new(page, total as i64, PAGE, link),
        base,
        q: query.q.clone(),
        lines,
        total,
        notice,
    })
}

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Query(query): Query<UserQuery>,
) -> Result<Html<String>, AppError> {
    users_page(&state, &signed, &ctx, &query, None).await
}

#[derive(Deserialize, Default)]
pub struct UnlockForm {
    /// `detail` when sent from the user's detail page, which is shown again.
    #[serde(default)]
    pub back: String,
    #[serde(default, rename = "_step")]
    pub step: String,
}

/// 閉塞解除's confirmation, naming the account; 「キャンセル」 returns where it came from.
async fn unlock_confirmation(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    id: i64,
    back: &str,
) -> Result<Html<String>, AppError> {
    let u = {
        let mut conn = state.store.acquire().await?;
        users::by_id(&mut conn, id).await?.filter(|u| u.portal == signed.portal.id).ok_or(AppError::NotFound)?
    };
    let base = console_path(&signed.portal);
    let (back, from) =
        if back == "detail" { ("detail", format!("{base}/users/{id}")) } else { ("", format!("{base}/users")) };
    let confirmation =
        Confirmation::new(ctx, ctx.t.get("op.users.unlock_confirm"), format!("{base}/users/{id}/unlock"))
            .buttons(ctx.t.get("op.users.unlock"), ctx.t.get("form.cancel"))
            .no_link(from)
            .carry("back", back);
    let confirmation = crate::operator_user::account_facts(confirmation, signed, ctx, &u, state.clock.unix());
    confirm::page(ctx, ctx.t.get("op.users.title"), Some(&signed.portal), None, confirmation)
}

pub async fn unlock_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
    Query(form): Query<UnlockForm>,
) -> Result<Html<String>, AppError> {
    unlock_confirmation(&state, &signed, &ctx, id, &form.back).await
}

/// Lifts a lock or a block (閉塞解除), once confirmed.
pub async fn unlock(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<UnlockForm>,
) -> Result<Html<String>, AppError> {
    if Step::of(&form.step) != Step::Confirmed {
        return unlock_confirmation(&state, &signed, &ctx, id, &form.back).await;
    }
    let now = state.clock.unix();
    let portal = &signed.portal;
    let mut tx = state.store.begin().await?;
    if !users::unlock(&mut tx, &portal.id, id).await? {
        return Err(AppError::NotFound);
    }
    let (actor, subject) = (format!("operator:{}", signed.operator.id), format!("user:{id}"));
    audit::record(
        &mut tx,
        &AuditEntry {
            portal: &portal.id,
            event: "account.unlocked",
            actor: Some(&actor),
            subject: Some(&subject),
            ip: origin.ip.as_deref(),
            user_agent: origin.user_agent.as_deref(),
            detail: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let notice = Some(ctx.t.get("op.users.unlocked").to_string());
    if form.back == "detail" {
        return crate::operator_user::detail_with_notice(&state, &signed, &ctx, id, notice).await;
    }
    users_page(&state, &signed, &ctx, &UserQuery::default(), notice).await
}

#[derive(Deserialize, Default)]
pub struct AccountForm {
    #[serde(default)]
    pub organization: String,
    #[serde(default)]
    pub login_id: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub office: String,
}

#[derive(Template)]
#[template(path = "operator/user_new.html")]
pub struct NewUserPage {
    pub chrome: Chrome,
    pub base: String,
    pub id_label: String,
    /// False where the e-mail address is the login ID.
    pub asks_login_id: bool,
    /// The label of the office in charge, where the portal records one (hellowork 管轄安定所名).
    pub office_label: Option<String>,
    pub form: AccountForm,
    pub errors: FieldErrors,
}

fn new_page(ctx: &Ctx, signed: &SignedIn, form: AccountForm, errors: FieldErrors) -> Result<Html<String>, AppError> {
    let settings = &signed.portal.settings;
    html(&NewUserPage {
        chrome: ctx.chrome(ctx.t.get("op.users.new"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        id_label: settings.login_screen.id_label.get(ctx.lang).to_string(),
        asks_login_id: settings.login_id.kind != LoginIdKind::Email,
        office_label: settings.office_label.as_ref().map(|l| l.get(ctx.lang).to_string()),
        form,
        errors,
    })
}

pub async fn new_form(signed: SignedIn, ctx: Ctx) -> Result<Html<String>, AppError> {
    new_page(&ctx, &signed, AccountForm::default(), FieldErrors::default())
}

pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Form(form): Form<AccountForm>,
) -> Result<Response, AppError> {
    let actor = format!("operator:{}", signed.operator.id);
    let account = NewAccount {
        organization: &form.organization,
        office: &form.office,
        login_id: &form.login_id,
        email: &form.email,
        name: &form.name,
        password: None,
        permanent: false,
        actor: &actor,
    };
    // Every broken rule at once, next to its field, in the console's language.
    let broken = accounts::check_fields(&signed.portal, &account, ctx.lang);
    if !broken.is_empty() {
        let mut errors = FieldErrors::default();
        for e in broken {
            errors.add(e.field, &e.message);
        }
        return Ok(new_page(&ctx, &signed, form, errors)?.into_response());
    }
    match accounts::create(
        &state.store,
        &state.hasher,
        &signed.portal,
        state.mailer.domain(),
        &account,
        state.clock.unix(),
    )
    .await
    {
        Ok(_) => {
            state.mailer.wake();
            Ok(Redirect::to(&format!("{}/users", console_path(&signed.portal))).into_response())
        }
        Err(AccountError::Invalid(message)) => {
            Ok(new_page(&ctx, &signed, form, FieldErrors::form(&message))?.into_response())
        }
        Err(AccountError::Taken(_)) => {
            let errors = FieldErrors::field(
                if new_asks_login_id(&signed) { "login_id" } else { "email" },
                ctx.t.get("op.users.taken"),
            );
            Ok(new_page(&ctx, &signed, form, errors)?.into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn new_asks_login_id(signed: &SignedIn) -> bool {
    signed.portal.settings.login_id.kind != LoginIdKind::Email
}

const IMPORT: ImportScreen =
    ImportScreen { title: "op.import.title", lead: "op.import.lead", submit: "op.users.create", back: "users" };

pub async fn import_form(signed: SignedIn, ctx: Ctx) -> Result<Html<String>, AppError> {
    import_page(&ctx, &signed, &IMPORT, accounts::csv_columns(&signed.portal), String::new(), Vec::new())
}

pub async fn import(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Form(form): Form<ImportForm>,
) -> Result<Response, AppError> {
    let actor = format!("operator:{}", signed.operator.id);
    match accounts::import(
        &state.store,
        &state.hasher,
        &signed.portal,
        state.mailer.domain(),
        &form.text(),
        &actor,
        state.clock.unix(),
    )
    .await
    {
        Ok(count) => {
            state.mailer.wake();
            let notice = format!("{count}{}", ctx.t.get("op.import.done"));
            Ok(users_page(&state, &signed, &ctx, &UserQuery::default(), Some(notice)).await?.into_response())
        }
        Err(accounts::ImportError::Rows(rows)) => {
            let columns = accounts::csv_columns(&signed.portal);
            Ok(import_page(&ctx, &signed, &IMPORT, columns, form.csv, rows)?.into_response())
        }
        Err(accounts::ImportError::Account(e)) => Err(e.into()),
    }
}
