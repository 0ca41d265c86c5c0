//! 求職者情報 (jrec-in §1.8.2): 公開 / 非公開 (default 非公開), 研究分野, 希望職種, 希望勤務地 (up
//! to three each), 最終学位, 現在の職, 経歴・業績の概要, 自己PR and a researchmap URL. One page:
//! the seeker's current data in the form, 「保存する」 checks every rule and stores it, or shows
//! each broken rule beside its field with the input kept. The name and the address are not on
//! it: institutions never see them (`store::public_profile`).

use crate::codes::{self, List};
use crate::rules::{self, ProfileInput, SLOTS};
use crate::{base, chrome, message, store, subject};
use askama::Template;
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_store::audit;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::i18n::Tr;
use madoguchi_web::pages::html;
use madoguchi_web::session::CurrentSeeker;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// One `<select>` of a coded field: its id, label, current value and options.
pub struct Select {
    pub id: String,
    pub label: String,
    pub value: String,
    /// `(group label, [(code, name)])`; one unnamed group for a flat list.
    pub groups: Vec<(String, Vec<(String, String)>)>,
}

fn options(list: &List) -> Vec<(String, Vec<(String, String)>)> {
    if list.groups.is_empty() {
        return vec![(String::new(), list.codes.iter().map(|c| (c.code.clone(), c.name.clone())).collect())];
    }
    list.groups
        .iter()
        .map(|(code, name)| (name.clone(), list.in_group(code).map(|c| (c.code.clone(), c.name.clone())).collect()))
        .collect()
}

fn selects(t: &Tr, prefix: &str, label_key: &str, values: &[String; SLOTS], list: &List) -> Vec<Select> {
    let groups = options(list);
    values
        .iter()
        .enumerate()
        .map(|(i, value)| Select {
            id: format!("{prefix}_{}", i + 1),
            label: format!("{} {}", t.get(label_key), i + 1),
            value: value.clone(),
            groups: groups.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "seekers/profile.html")]
pub struct ProfilePage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub notice: Option<String>,
    pub input: ProfileInput,
    pub research: Vec<Select>,
    pub jobs: Vec<Select>,
    pub prefectures: Vec<Select>,
    pub degrees: Vec<(String, String)>,
    pub seeker_id: String,
    /// The hints of 現在の職, 経歴・業績の概要 and 自己PR: their limits.
    pub hints: [String; 3],
}

fn page(
    ctx: &Ctx,
    current: &madoguchi_web::session::CurrentUser,
    input: ProfileInput,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    Ok(html(&ProfilePage {
        chrome: chrome(ctx, &current.portal, t.get("seeker.profile.title")),
        errors,
        base: base(&current.portal),
        notice,
        research: selects(t, "research", "seeker.profile.research", &input.research, &codes::RESEARCH_FIELDS),
        jobs: selects(t, "job", "seeker.profile.job", &input.jobs, &codes::JOB_KINDS),
        prefectures: selects(t, "prefecture", "seeker.profile.prefecture", &input.prefectures, &codes::PREFECTURES),
        degrees: codes::DEGREES.iter().map(|(c, k)| (c.to_string(), t.get(k).to_string())).collect(),
        seeker_id: current.user.login_id.clone(),
        hints: [rules::POSITION_MAX, rules::CAREER_MAX, rules::APPEAL_MAX]
            .map(|max| t.get("seeker.profile.chars").replace("{max}", &max.to_string())),
        input,
    })?
    .into_response())
}

fn slots(values: &[String]) -> [String; SLOTS] {
    std::array::from_fn(|i| values.get(i).cloned().unwrap_or_default())
}

pub async fn form(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let own = {
        let mut conn = state.store.acquire().await?;
        store::own(&mut conn, &current.portal.id, current.user.id).await?
    };
    let Some(own) = own else { return Err(AppError::NotFound) };
    let p = own.profile;
    let input = ProfileInput {
        public: if p.public { "1" } else { "0" }.to_string(),
        research: slots(&p.research),
        jobs: slots(&p.jobs),
        prefectures: slots(&p.prefectures),
        degree: p.degree,
        position: p.position,
        career: p.career,
        appeal: p.appeal,
        researchmap: p.researchmap,
    };
    let saved = query.as_deref() == Some("saved");
    page(&ctx, &current, input, FieldErrors::default(), saved.then(|| ctx.t.get("seeker.profile.saved").to_string()))
}

#[derive(Deserialize, Default)]
pub struct ProfileForm {
    #[serde(default)]
    public: String,
    #[serde(default)]
    research_1: String,
    #[serde(default)]
    research_2: String,
    #[serde(default)]
    research_3: String,
    #[serde(default)]
    job_1: String,
    #[serde(default)]
    job_2: String,
    #[serde(default)]
    job_3: String,
    #[serde(default)]
    prefecture_1: String,
    #[serde(default)]
    prefecture_2: String,
    #[serde(default)]
    prefecture_3: String,
    #[serde(default)]
    degree: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    career: String,
    #[serde(default)]
    appeal: String,
    #[serde(default)]
    researchmap: String,
}

impl ProfileForm {
    fn input(self) -> ProfileInput {
        ProfileInput {
            public: self.public,
            research: [self.research_1, self.research_2, self.research_3],
            jobs: [self.job_1, self.job_2, self.job_3],
            prefectures: [self.prefecture_1, self.prefecture_2, self.prefecture_3],
            degree: self.degree,
            position: self.position,
            career: self.career,
            appeal: self.appeal,
            researchmap: self.researchmap,
        }
    }
}

pub async fn save(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    origin: Origin,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    let input = form.input();
    let profile = match rules::profile(&input) {
        Ok(p) => p,
        Err(problems) => {
            let mut errors = FieldErrors::default();
            for p in problems {
                errors.add(&p.field, &message(ctx.t, p.key, p.max));
            }
            return page(&ctx, &current, input, errors, None);
        }
    };
    let portal = &current.portal;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    if !store::save(&mut tx, &portal.id, current.user.id, &profile, now).await? {
        return Err(AppError::NotFound);
    }
    let detail = if profile.public { "public" } else { "private" };
    let subject = subject(current.user.id);
    audit::record(&mut tx, &audit_entry(portal, &origin, "seeker.profile_saved", Some(&subject), Some(detail)), now)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/profile?saved", base(portal))).into_response())
}
