//! The operator edits an organization's registered data (what 登録情報確認 shows), on the
//! employer's request. Bad input gets a message by its field and changes nothing; a save is
//! audited with each changed field, old → new (the profile holds no secrets).

use crate::operator::{SignedIn, console_path};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use madoguchi_core::organization::{self, KINDS, Profile, ProfileInput, Rule};
use madoguchi_core::portal::RegisteredInfo;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::organizations;
use madoguchi_web::confirm::{self, Confirmation, Step};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct OrgForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default, rename = "_step")]
    pub step: String,
}

impl OrgForm {
    fn from_profile(p: Profile) -> OrgForm {
        OrgForm {
            name: p.name,
            kind: p.kind,
            department: p.department,
            postal_code: p.postal_code,
            address: p.address,
            phone: madoguchi_core::phone::hyphenated(&p.phone),
            step: String::new(),
        }
    }

    fn input(&self) -> ProfileInput {
        ProfileInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            department: self.department.clone(),
            postal_code: self.postal_code.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "operator/org_edit.html")]
pub struct OrgPage {
    pub chrome: Chrome,
    pub base: String,
    pub action: String,
    pub name_label: String,
    /// (key, label) of each 機関種別.
    pub kinds: Vec<(String, String)>,
    pub form: OrgForm,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

fn info(signed: &SignedIn) -> Result<&RegisteredInfo, AppError> {
    signed.portal.settings.registered_info.as_ref().ok_or(AppError::NotFound)
}

fn org_page(
    signed: &SignedIn,
    ctx: &Ctx,
    id: i64,
    form: OrgForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    let info = info(signed)?;
    let base = console_path(&signed.portal);
    html(&OrgPage {
        chrome: ctx.chrome(ctx.t.get("op.org.title"), Some(&signed.portal), None),
        action: format!("{base}/organizations/{id}"),
        base,
        name_label: info.organization_label.get(ctx.lang).to_string(),
        kinds: KINDS.iter().map(|k| (k.to_string(), ctx.t.get(&format!("org.kind.{k}")).to_string())).collect(),
        form,
        errors,
        notice,
    })
}

async fn stored(state: &AppState, signed: &SignedIn, id: i64) -> Result<Profile, AppError> {
    let mut conn = state.store.acquire().await?;
    organizations::profile(&mut conn, &signed.portal.id, id).await?.ok_or(AppError::NotFound)
}

pub async fn edit_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Html<String>, AppError> {
    info(&signed)?;
    let profile = stored(&state, &signed, id).await?;
    org_page(&signed, &ctx, id, OrgForm::from_profile(profile), FieldErrors::default(), None)
}

/// A rule's message, naming the field as the form labels it.
fn message(ctx: &Ctx, label: &str, rule: Rule) -> String {
    let (key, max) = match rule {
        Rule::Required => ("org.err.required", 0),
        Rule::TooLong { max } => ("org.err.too_long", max),
        Rule::UnknownKind => ("org.err.kind", 0),
        Rule::PostalCode => ("org.err.postal_code", 0),
        Rule::Phone => ("org.err.phone", 0),
    };
    ctx.t.get(key).replace("{label}", label).replace("{max}", &max.to_string())
}

pub async fn save(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<OrgForm>,
) -> Result<Response, AppError> {
    let info = info(&signed)?;
    let old = stored(&state, &signed, id).await?;
    let step = Step::of(&form.step);
    if step == Step::Back {
        return Ok(org_page(&signed, &ctx, id, form, FieldErrors::default(), None)?.into_response());
    }
    let new = match organization::parse(&form.input()) {
        Ok(new) => new,
        Err(broken) => {
            let mut errors = FieldErrors::default();
            for (field, rule) in broken {
                let label = match field {
                    "name" => info.organization_label.get(ctx.lang).to_string(),
                    other => ctx.t.get(&format!("org.{other}")).to_string(),
                };
                errors.add(field, &message(&ctx, &label, rule));
            }
            return Ok(org_page(&signed, &ctx, id, form, errors, None)?.into_response());
        }
    };
    let changes = organization::changes(&old, &new);
    if changes.is_empty() {
        let notice = Some(ctx.t.get("op.org.unchanged").to_string());
        return Ok(
            org_page(&signed, &ctx, id, OrgForm::from_profile(new), FieldErrors::default(), notice)?.into_response()
        );
    }
    if step == Step::Input {
        // 「登録情報を変更します。よろしいですか？」 with each change, old → new, once the input is valid.
        let kind = |k: &str| if k.is_empty() { String::new() } else { ctx.t.get(&format!("org.kind.{k}")).to_string() };
        let fields = [
            (info.organization_label.get(ctx.lang).to_string(), old.name.clone(), new.name.clone()),
            (ctx.t.get("org.kind").to_string(), kind(&old.kind), kind(&new.kind)),
            (ctx.t.get("org.department").to_string(), old.department.clone(), new.department.clone()),
            (ctx.t.get("org.postal_code").to_string(), old.postal_code.clone(), new.postal_code.clone()),
            (ctx.t.get("org.address").to_string(), old.address.clone(), new.address.clone()),
            (ctx.t.get("org.phone").to_string(), old.phone.clone(), new.phone.clone()),
        ];
        let action = format!("{}/organizations/{id}", console_path(&signed.portal));
        let mut confirmation = Confirmation::new(&ctx, ctx.t.get("op.org.confirm"), action);
        for (label, was, now) in fields.into_iter().filter(|(_, a, b)| a != b) {
            confirmation = confirmation.fact(label, format!("{was} → {now}"));
        }
        let confirmation = confirmation
            .carry("name", form.name.as_str())
            .carry("kind", form.kind.as_str())
            .carry("department", form.department.as_str())
            .carry("postal_code", form.postal_code.as_str())
            .carry("address", form.address.as_str())
            .carry("phone", form.phone.as_str());
        let title = ctx.t.get("op.org.title");
        return Ok(confirm::page(&ctx, title, Some(&signed.portal), None, confirmation)?.into_response());
    }
    let now = state.clock.unix();
    let portal = &signed.portal;
    let (actor, subject, detail) =
        (format!("operator:{}", signed.operator.id), format!("organization:{id}"), changes.join("; "));
    let mut tx = state.store.begin().await?;
    if !organizations::update_profile(&mut tx, &portal.id, id, &new, now).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        &AuditEntry {
            portal: &portal.id,
            event: "organization.updated",
            actor: Some(&actor),
            subject: Some(&subject),
            ip: origin.ip.as_deref(),
            user_agent: origin.user_agent.as_deref(),
            detail: Some(&detail),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let notice = Some(ctx.t.get("form.saved").to_string());
    Ok(org_page(&signed, &ctx, id, OrgForm::from_profile(new), FieldErrors::default(), notice)?.into_response())
}
