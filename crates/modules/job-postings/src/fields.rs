//! The posting's input form (jrec-in spec §1.4): every field with its limit, the cross-field
//! rules, the typed [`Posting`] parsed from the form pairs, and [`missing_required`] for drafts.
//!
//! The original's 「入力の手引き」 was not found (n/f): the lengths are the spec's Choices,
//! counted in characters after NFC (japanese-data.md), and overridable per deployment through
//! [`Rules::max`]. Every failure names its field and a message key (`posting.err.*`, with
//! `{label}` = the field's `posting.field.<name>` text and `{max}`), so a screen puts the same
//! words next to the field and in the error summary.
//!
//! Decisions the spec leaves open (also in docs/DRAFTS_REVIEW.md):
//! - 小分類 left empty for a chosen 大分類 becomes that 大分類's 「※大分類のみ指定のある公募
//!   （小分類すべて）」 code (99901–99910, 99990), per 大分類 (§1.4 says "none ⇒" that code).
//! - 海外 needs no 都道府県 and gets 00048 その他; 国内 needs one of the 48 codes.
//! - 「その他」 in 受動喫煙防止措置, 応募に必要な学歴・学位 and 応募上の配慮 requires its text.
//! - Every URL (応募受付URL, 参考URL) must be `https://` with a host, ≤ 500 characters.
//! - 年収（下限） is whole yen, at most 1,000,000,000.
//! - 任期の期間・更新 must state 更新の有無 and 更新上限 [LAW-2024]: a hint asks for it; whether
//!   the text does is the 事務局's review, not a rule a machine can check.

use crate::taxonomy::{PREFECTURE_OTHER, Taxonomy};
use chrono::{Days, NaiveDate};
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

/// How a field's presence is required.
#[derive(Debug, Clone, Copy)]
enum Need {
    Always,
    Optional,
    /// Required when the form says so (a cross-field rule).
    When(fn(&Form<'_>) -> bool),
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Text(usize),
    /// One of the codes.
    Choice(&'static [&'static str]),
    /// Several of the codes (checkboxes), at most `max`.
    Checks(&'static [&'static str]),
    /// Codes of a taxonomy list, between `min` and `max`.
    Codes(Taxo, usize, usize),
    /// One code of a taxonomy list.
    Code(Taxo),
    Date,
    Yen,
    Email,
    Url,
    Phone,
}

/// The taxonomy list a coded field takes its values from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taxo {
    Major,
    Minor,
    JobKind,
    Employment,
    Prefecture,
}

struct Field {
    name: &'static str,
    kind: Kind,
    need: Need,
}

pub const DEADLINE_RULES: &[&str] = &["arrival", "postmark", "web"];
pub const LOCATIONS: &[&str] = &["domestic", "overseas"];
pub const TENURES: &[&str] = &["fixed", "none"];
pub const TENURE_TRACKS: &[&str] = &["track", "other"];
pub const SMOKING: &[&str] = &["indoor_ban", "smoking_room", "none", "other"];
pub const DEGREES: &[&str] = &["doctor", "master", "bachelor", "any", "other"];
/// JREC-IN Portal Web応募, 電子メールでの応募, 求人機関でのWeb応募, 郵送.
pub const APPLY_METHODS: &[&str] = &["portal", "email", "org_web", "post"];
pub const YES_NO: &[&str] = &["yes", "no"];
pub const RETURNS: &[&str] = &["return", "keep"];
/// 海外など遠方にお住まいの方, 障害のある方, その他 [J-form].
pub const CONSIDERATIONS: &[&str] = &["remote", "disability", "other"];

/// The longest URL accepted (Choice).
pub const URL_MAX: usize = 500;
/// 参考URL: at most this many.
pub const REFERENCE_URLS_MAX: usize = 3;
/// The largest 年収（下限） in yen (Choice).
pub const YEN_MAX: u64 = 1_000_000_000;

fn domestic(f: &Form<'_>) -> bool {
    f.one("location") == "domestic"
}
fn fixed_term(f: &Form<'_>) -> bool {
    f.one("tenure") == "fixed"
}
fn by_email(f: &Form<'_>) -> bool {
    f.has("apply_method", "email")
}
fn by_org_web(f: &Form<'_>) -> bool {
    f.has("apply_method", "org_web")
}
fn by_post(f: &Form<'_>) -> bool {
    f.has("apply_method", "post")
}
fn smoking_other(f: &Form<'_>) -> bool {
    f.one("smoking") == "other"
}
fn degree_other(f: &Form<'_>) -> bool {
    f.one("degree") == "other"
}
fn consideration_other(f: &Form<'_>) -> bool {
    f.has("consideration", "other")
}
/// 「問い合わせ先電話番号」 or 「問い合わせ先メールアドレス」: one of the two.
fn no_contact_email(f: &Form<'_>) -> bool {
    f.one("contact_email").is_empty()
}

/// The fields in the form's order (also the order of a review diff).
const FIELDS: &[Field] = &[
    Field { name: "title", kind: Kind::Text(200), need: Need::Always },
    Field { name: "department", kind: Kind::Text(100), need: Need::Always },
    Field { name: "end_date", kind: Kind::Date, need: Need::Always },
    Field { name: "deadline_rule", kind: Kind::Choice(DEADLINE_RULES), need: Need::Always },
    Field { name: "openings", kind: Kind::Text(50), need: Need::Always },
    Field { name: "start_timing", kind: Kind::Text(100), need: Need::Always },
    Field { name: "major", kind: Kind::Codes(Taxo::Major, 1, 3), need: Need::Always },
    Field { name: "minor", kind: Kind::Codes(Taxo::Minor, 0, 5), need: Need::Optional },
    Field { name: "field_keywords", kind: Kind::Text(200), need: Need::Optional },
    Field { name: "job_kind", kind: Kind::Codes(Taxo::JobKind, 1, 3), need: Need::Always },
    Field { name: "job_title", kind: Kind::Text(100), need: Need::Optional },
    Field { name: "location", kind: Kind::Choice(LOCATIONS), need: Need::Always },
    Field { name: "prefecture", kind: Kind::Code(Taxo::Prefecture), need: Need::When(domestic) },
    Field { name: "address", kind: Kind::Text(200), need: Need::Always },
    Field { name: "location_change_scope", kind: Kind::Text(200), need: Need::Always },
    Field { name: "employment", kind: Kind::Code(Taxo::Employment), need: Need::Always },
    Field { name: "tenure", kind: Kind::Choice(TENURES), need: Need::Always },
    Field { name: "tenure_track", kind: Kind::Choice(TENURE_TRACKS), need: Need::When(fixed_term) },
    Field { name: "tenure_terms", kind: Kind::Text(400), need: Need::When(fixed_term) },
    Field { name: "probation", kind: Kind::Text(200), need: Need::Optional },
    Field { name: "duties", kind: Kind::Text(4_000), need: Need::Always },
    Field { name: "duty_change_scope", kind: Kind::Text(400), need: Need::Always },
    Field { name: "hours", kind: Kind::Text(1_000), need: Need::Always },
    Field { name: "salary", kind: Kind::Text(1_000), need: Need::Always },
    Field { name: "annual_salary_min", kind: Kind::Yen, need: Need::Optional },
    Field { name: "benefits", kind: Kind::Text(1_000), need: Need::Always },
    Field { name: "smoking", kind: Kind::Choice(SMOKING), need: Need::Always },
    Field { name: "smoking_note", kind: Kind::Text(200), need: Need::When(smoking_other) },
    Field { name: "degree", kind: Kind::Choice(DEGREES), need: Need::Always },
    Field { name: "degree_note", kind: Kind::Text(200), need: Need::When(degree_other) },
    Field { name: "experience", kind: Kind::Text(1_000), need: Need::Optional },
    Field { name: "other_qualifications", kind: Kind::Text(2_000), need: Need::Optional },
    Field { name: "documents", kind: Kind::Text(2_000), need: Need::Always },
    Field { name: "apply_method", kind: Kind::Checks(APPLY_METHODS), need: Need::Always },
    Field { name: "web_apply", kind: Kind::Choice(YES_NO), need: Need::Always },
    Field { name: "apply_email", kind: Kind::Email, need: Need::When(by_email) },
    Field { name: "apply_url", kind: Kind::Url, need: Need::When(by_org_web) },
    Field { name: "mail_to", kind: Kind::Text(400), need: Need::When(by_post) },
    Field { name: "return_documents", kind: Kind::Choice(RETURNS), need: Need::Always },
    Field { name: "selection", kind: Kind::Text(1_000), need: Need::Always },
    Field { name: "result_notice", kind: Kind::Text(400), need: Need::Always },
    Field { name: "consideration", kind: Kind::Checks(CONSIDERATIONS), need: Need::Optional },
    Field { name: "consideration_note", kind: Kind::Text(1_000), need: Need::When(consideration_other) },
    Field { name: "contact_name", kind: Kind::Text(100), need: Need::Always },
    Field { name: "contact_phone", kind: Kind::Phone, need: Need::When(no_contact_email) },
    Field { name: "contact_email", kind: Kind::Email, need: Need::Optional },
    Field { name: "reference_url", kind: Kind::Url, need: Need::Optional },
    Field { name: "notes", kind: Kind::Text(2_000), need: Need::Optional },
];

/// The field names in the form's order.
pub fn field_names() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().map(|f| f.name)
}

/// How a screen shows a field. The form is rendered from the same table the rules read, so a
/// limit or a list of choices is written once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Widget {
    /// One line of text, at most this many characters.
    Line(usize),
    /// Several lines of text (limits of 400 characters and more).
    Area(usize),
    /// One of the codes (labels `posting.choice.<field>.<code>`).
    Radio(&'static [&'static str]),
    /// Several of the codes.
    Checks(&'static [&'static str]),
    /// Several codes of a taxonomy list, at most this many.
    TaxoChecks(Taxo, usize),
    /// One code of a taxonomy list.
    TaxoSelect(Taxo),
    Date,
    Yen,
    Email,
    /// A URL; 参考URL takes [`REFERENCE_URLS_MAX`] of them.
    Url,
    Phone,
}

/// One field as a screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldView {
    pub name: &'static str,
    pub widget: Widget,
    /// Always required (「必須」).
    pub required: bool,
    /// Required when another answer asks for it (「条件付き必須」).
    pub required_when: bool,
}

/// The form's fields in order, as screens show them.
pub fn views() -> impl Iterator<Item = FieldView> {
    FIELDS.iter().map(|f| FieldView {
        name: f.name,
        widget: match f.kind {
            Kind::Text(max) if max >= 400 => Widget::Area(max),
            Kind::Text(max) => Widget::Line(max),
            Kind::Choice(codes) => Widget::Radio(codes),
            Kind::Checks(codes) => Widget::Checks(codes),
            Kind::Codes(taxo, _, max) => Widget::TaxoChecks(taxo, max),
            Kind::Code(taxo) => Widget::TaxoSelect(taxo),
            Kind::Date => Widget::Date,
            Kind::Yen => Widget::Yen,
            Kind::Email => Widget::Email,
            Kind::Url => Widget::Url,
            Kind::Phone => Widget::Phone,
        },
        required: matches!(f.need, Need::Always),
        required_when: matches!(f.need, Need::When(_)),
    })
}

/// The fields that take several values (repeated form names).
pub fn is_multi(name: &str) -> bool {
    FIELDS.iter().any(|f| f.name == name && matches!(f.kind, Kind::Codes(..) | Kind::Checks(_)))
        || name == "reference_url"
}

/// The form pairs as posted, read by name; values trimmed, line ends as `\n`.
#[derive(Debug, Clone, Copy)]
pub struct Form<'a>(pub &'a [(String, String)]);

impl<'a> Form<'a> {
    /// The first value of `name`, trimmed ("" when absent).
    pub fn one(&self, name: &str) -> &'a str {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim()).unwrap_or("")
    }

    /// Every non-empty value of `name`, trimmed, in order, repeats dropped.
    pub fn all(&self, name: &str) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = Vec::new();
        for (_, v) in self.0.iter().filter(|(n, _)| n == name) {
            let v = v.trim();
            if !v.is_empty() && !out.contains(&v) {
                out.push(v);
            }
        }
        out
    }

    pub fn has(&self, name: &str, value: &str) -> bool {
        self.all(name).contains(&value)
    }

    fn present(&self, field: &Field) -> bool {
        match field.kind {
            Kind::Codes(..) | Kind::Checks(_) => !self.all(field.name).is_empty(),
            _ if field.name == "reference_url" => !self.all(field.name).is_empty(),
            _ => !self.one(field.name).is_empty(),
        }
    }

    fn required(&self, field: &Field) -> bool {
        match field.need {
            Need::Always => true,
            Need::Optional => false,
            Need::When(rule) => rule(self),
        }
    }
}

/// The text of a field as kept: NFC, `\r\n` → `\n`, trimmed.
fn text(raw: &str) -> String {
    raw.replace("\r\n", "\n").replace('\r', "\n").trim().nfc().collect()
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// The rule a field broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Required,
    TooLong(usize),
    TooMany(usize),
    Invalid,
    MinorOutsideMajor,
    Date,
    /// Outside tomorrow ..= today + the days given.
    DateRange(usize),
    /// A revision's 募集終了日 before the posting's 公開開始日 (`Rules::end_date_from`).
    BeforePublication,
    WebApplyMismatch,
    ContactNeeded,
    Phone,
    Email,
    Https,
    Yen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub rule: Rule,
}

impl FieldError {
    /// The message's key; its `{label}` is [`FieldError::label_key`]'s text, `{max}` [`FieldError::max`].
    pub fn message_key(&self) -> &'static str {
        match self.rule {
            Rule::Required => "posting.err.required",
            Rule::TooLong(_) => "posting.err.too_long",
            Rule::TooMany(_) => "posting.err.too_many",
            Rule::Invalid => "posting.err.invalid",
            Rule::MinorOutsideMajor => "posting.err.minor_outside_major",
            Rule::Date => "posting.err.date",
            Rule::DateRange(_) => "posting.err.date_range",
            Rule::BeforePublication => "posting.err.before_publication",
            Rule::WebApplyMismatch => "posting.err.web_apply_mismatch",
            Rule::ContactNeeded => "posting.err.contact_needed",
            Rule::Phone => "posting.err.phone",
            Rule::Email => "posting.err.email",
            Rule::Https => "posting.err.https",
            Rule::Yen => "posting.err.yen",
        }
    }

    pub fn label_key(&self) -> String {
        format!("posting.field.{}", self.field)
    }

    pub fn max(&self) -> Option<usize> {
        match self.rule {
            Rule::TooLong(max) | Rule::TooMany(max) | Rule::DateRange(max) => Some(max),
            _ => None,
        }
    }
}

/// The deployment's numbers: the spec's defaults, each overridable.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Longest text per field name (characters).
    pub max: BTreeMap<&'static str, usize>,
    /// 募集終了日 at most this many days ahead (Choice: 365).
    pub end_date_max_days: u64,
    /// The earliest 募集終了日, where it is not tomorrow: a revision of a registered posting
    /// may end it early, on the day of the request or before (§1.3 rule 9), back to its
    /// 公開開始日 ([`Rules::revision`]). None: from tomorrow (a new posting).
    pub end_date_from: Option<NaiveDate>,
}

impl Rules {
    /// The rules of a revision (修正依頼) of a posting first published on `published_on`, on
    /// `today`: the 募集終了日 may be today or earlier — the way to end a posting early
    /// (§1.3 rule 9) — but not before the posting was first published (or today, for one not
    /// public yet), where the date would mean nothing.
    pub fn revision(published_on: Option<NaiveDate>, today: NaiveDate) -> Rules {
        let from = published_on.map_or(today, |day| day.min(today));
        Rules { end_date_from: Some(from), ..Rules::default() }
    }
}

impl Default for Rules {
    fn default() -> Rules {
        let max = FIELDS
            .iter()
            .filter_map(|f| match f.kind {
                Kind::Text(max) => Some((f.name, max)),
                _ => None,
            })
            .collect();
        Rules { max, end_date_max_days: 365, end_date_from: None }
    }
}

/// The required fields still empty, by name, in form order — a draft's 必須未入力 (§0.1 rule 5).
/// Nothing else is checked: a draft stores whatever was typed.
pub fn missing_required(pairs: &[(String, String)]) -> Vec<&'static str> {
    let form = Form(pairs);
    FIELDS.iter().filter(|f| form.required(f) && !form.present(f)).map(|f| f.name).collect()
}

/// A validated posting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub title: String,
    pub department: String,
    pub end_date: NaiveDate,
    pub deadline_rule: &'static str,
    pub openings: String,
    pub start_timing: String,
    pub majors: Vec<String>,
    /// The chosen 小分類, plus the whole-大分類 code of each 大分類 with none chosen.
    pub minors: Vec<String>,
    pub field_keywords: String,
    pub job_kinds: Vec<String>,
    pub job_title: String,
    pub overseas: bool,
    pub prefecture: String,
    /// Derived from the prefecture (§1.5).
    pub area: String,
    pub address: String,
    pub location_change_scope: String,
    pub employment: String,
    pub tenure: Tenure,
    pub probation: String,
    pub duties: String,
    pub duty_change_scope: String,
    pub hours: String,
    pub salary: String,
    pub annual_salary_min: Option<u64>,
    pub benefits: String,
    pub smoking: &'static str,
    pub smoking_note: String,
    pub degree: &'static str,
    pub degree_note: String,
    pub experience: String,
    pub other_qualifications: String,
    pub documents: String,
    pub apply_methods: Vec<&'static str>,
    pub web_apply: bool,
    pub apply_email: Option<String>,
    pub apply_url: Option<String>,
    pub mail_to: String,
    pub return_documents: bool,
    pub selection: String,
    pub result_notice: String,
    pub considerations: Vec<&'static str>,
    pub consideration_note: String,
    pub contact_name: String,
    /// Digits, leading 0.
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub reference_urls: Vec<String>,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenure {
    /// 任期あり: テニュアトラック or not, and 任期の期間・更新.
    Fixed { tenure_track: bool, terms: String },
    /// 任期なし
    Permanent,
}

/// Checks every rule at 「確認」 and builds the posting, or lists every failure in form order.
pub fn parse(
    pairs: &[(String, String)],
    taxonomy: &Taxonomy,
    rules: &Rules,
    today: NaiveDate,
) -> Result<Posting, Vec<FieldError>> {
    let form = Form(pairs);
    let mut errors: Vec<FieldError> = Vec::new();
    let mut fail = |field: &'static str, rule: Rule| errors.push(FieldError { field, rule });
    for field in FIELDS {
        if !form.present(field) {
            if form.required(field) {
                let rule = if field.name == "contact_phone" { Rule::ContactNeeded } else { Rule::Required };
                fail(field.name, rule);
            }
            continue;
        }
        if let Some(rule) = check(field, &form, taxonomy, rules, today) {
            fail(field.name, rule);
        }
    }
    // Cross-field rules that are not about presence.
    let methods = form.all("apply_method");
    let web = form.one("web_apply");
    if !web.is_empty() && (web == "yes") != methods.contains(&"portal") && !methods.is_empty() {
        fail("web_apply", Rule::WebApplyMismatch);
    }
    let majors = form.all("major");
    if form.all("minor").iter().any(|m| taxonomy.major_of(m).is_some_and(|major| !majors.contains(&major))) {
        fail("minor", Rule::MinorOutsideMajor);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(build(&form, taxonomy, today))
}

/// The rule one present field breaks, if any.
fn check(field: &Field, form: &Form<'_>, taxonomy: &Taxonomy, rules: &Rules, today: NaiveDate) -> Option<Rule> {
    let value = form.one(field.name);
    match field.kind {
        Kind::Text(default) => {
            let max = rules.max.get(field.name).copied().unwrap_or(default);
            (chars(&text(value)) > max).then_some(Rule::TooLong(max))
        }
        Kind::Choice(codes) => (!codes.contains(&value)).then_some(Rule::Invalid),
        Kind::Checks(codes) => form.all(field.name).iter().any(|v| !codes.contains(v)).then_some(Rule::Invalid),
        Kind::Codes(taxo, _min, max) => {
            let values = form.all(field.name);
            if values.iter().any(|v| !Taxonomy::has(list(taxonomy, taxo), v)) {
                Some(Rule::Invalid)
            } else {
                (values.len() > max).then_some(Rule::TooMany(max))
            }
        }
        Kind::Code(taxo) => (!Taxonomy::has(list(taxonomy, taxo), value)).then_some(Rule::Invalid),
        Kind::Date => match date(value) {
            None => Some(Rule::Date),
            Some(d) => {
                let last = today.checked_add_days(Days::new(rules.end_date_max_days));
                let days = usize::try_from(rules.end_date_max_days).unwrap_or(usize::MAX);
                match rules.end_date_from {
                    Some(from) if d < from => Some(Rule::BeforePublication),
                    Some(_) => last.is_none_or(|l| d > l).then_some(Rule::DateRange(days)),
                    None => {
                        let first = today.checked_add_days(Days::new(1));
                        (first.is_none_or(|f| d < f) || last.is_none_or(|l| d > l)).then_some(Rule::DateRange(days))
                    }
                }
            }
        },
        Kind::Yen => yen(value).is_none().then_some(Rule::Yen),
        Kind::Email => email(value).is_none().then_some(Rule::Email),
        Kind::Phone => madoguchi_core::phone::parse(value).is_none().then_some(Rule::Phone),
        Kind::Url => {
            let urls = form.all(field.name);
            if urls.len() > REFERENCE_URLS_MAX {
                Some(Rule::TooMany(REFERENCE_URLS_MAX))
            } else {
                urls.iter().any(|u| https(u).is_none()).then_some(Rule::Https)
            }
        }
    }
}

/// The entries a coded field offers.
pub fn list(taxonomy: &Taxonomy, taxo: Taxo) -> &[crate::taxonomy::Entry] {
    match taxo {
        Taxo::Major => &taxonomy.majors,
        Taxo::Minor => &taxonomy.minors,
        Taxo::JobKind => &taxonomy.job_kinds,
        Taxo::Employment => &taxonomy.employment_types,
        Taxo::Prefecture => &taxonomy.prefectures,
    }
}

/// `2027-03-31` (the date input) or `2027/3/31`, full-width digits folded.
pub fn date(raw: &str) -> Option<NaiveDate> {
    let folded = madoguchi_core::normalize::fold(raw.trim()).replace('/', "-");
    let mut parts = folded.split('-');
    let (y, m, d) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Whole yen: digits, with or without thousands separators and a trailing 円.
fn yen(raw: &str) -> Option<u64> {
    let folded = madoguchi_core::normalize::fold(raw.trim());
    let digits: String = folded.trim_end_matches('円').chars().filter(|c| *c != ',').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 12 {
        return None;
    }
    digits.parse().ok().filter(|n| *n <= YEN_MAX)
}

fn email(raw: &str) -> Option<String> {
    let address = madoguchi_core::normalize::email(raw);
    madoguchi_core::normalize::is_email(&address).then_some(address)
}

/// An `https://` URL with a host, at most [`URL_MAX`] characters, as typed (trimmed).
fn https(raw: &str) -> Option<String> {
    if chars(raw) > URL_MAX {
        return None;
    }
    let url = url::Url::parse(raw).ok()?;
    (url.scheme() == "https" && url.host_str().is_some_and(|h| !h.is_empty())).then(|| raw.to_string())
}

fn choice(codes: &'static [&'static str], value: &str) -> &'static str {
    codes.iter().copied().find(|c| *c == value).unwrap_or("")
}

/// The posting from a form every rule passed.
fn build(form: &Form<'_>, taxonomy: &Taxonomy, today: NaiveDate) -> Posting {
    let t = |name: &str| text(form.one(name));
    let majors: Vec<String> = form.all("major").into_iter().map(str::to_string).collect();
    let mut minors: Vec<String> = form.all("minor").into_iter().map(str::to_string).collect();
    for major in &majors {
        if !minors.iter().any(|m| taxonomy.major_of(m) == Some(major.as_str()))
            && let Some(whole) = taxonomy.whole_major_code(major)
        {
            minors.push(whole.to_string());
        }
    }
    let overseas = form.one("location") == "overseas";
    let prefecture = match form.one("prefecture") {
        "" => PREFECTURE_OTHER.to_string(),
        code => code.to_string(),
    };
    let area = taxonomy.area_of(&prefecture).unwrap_or_default().to_string();
    let tenure = if fixed_term(form) {
        Tenure::Fixed { tenure_track: form.one("tenure_track") == "track", terms: t("tenure_terms") }
    } else {
        Tenure::Permanent
    };
    let apply_methods: Vec<&'static str> =
        form.all("apply_method").into_iter().map(|m| choice(APPLY_METHODS, m)).collect();
    let present = |name: &str| Some(form.one(name)).filter(|v| !v.is_empty());
    Posting {
        title: t("title"),
        department: t("department"),
        end_date: date(form.one("end_date")).unwrap_or(today),
        deadline_rule: choice(DEADLINE_RULES, form.one("deadline_rule")),
        openings: t("openings"),
        start_timing: t("start_timing"),
        majors,
        minors,
        field_keywords: t("field_keywords"),
        job_kinds: form.all("job_kind").into_iter().map(str::to_string).collect(),
        job_title: t("job_title"),
        overseas,
        prefecture,
        area,
        address: t("address"),
        location_change_scope: t("location_change_scope"),
        employment: form.one("employment").to_string(),
        tenure,
        probation: t("probation"),
        duties: t("duties"),
        duty_change_scope: t("duty_change_scope"),
        hours: t("hours"),
        salary: t("salary"),
        annual_salary_min: present("annual_salary_min").and_then(yen),
        benefits: t("benefits"),
        smoking: choice(SMOKING, form.one("smoking")),
        smoking_note: t("smoking_note"),
        degree: choice(DEGREES, form.one("degree")),
        degree_note: t("degree_note"),
        experience: t("experience"),
        other_qualifications: t("other_qualifications"),
        documents: t("documents"),
        web_apply: form.one("web_apply") == "yes",
        apply_email: present("apply_email").and_then(email).filter(|_| apply_methods.contains(&"email")),
        apply_url: present("apply_url").and_then(https).filter(|_| apply_methods.contains(&"org_web")),
        mail_to: if apply_methods.contains(&"post") { t("mail_to") } else { String::new() },
        apply_methods,
        return_documents: form.one("return_documents") == "return",
        selection: t("selection"),
        result_notice: t("result_notice"),
        considerations: form.all("consideration").into_iter().map(|c| choice(CONSIDERATIONS, c)).collect(),
        consideration_note: t("consideration_note"),
        contact_name: t("contact_name"),
        contact_phone: present("contact_phone").and_then(madoguchi_core::phone::parse),
        contact_email: present("contact_email").and_then(email),
        reference_urls: form.all("reference_url").into_iter().filter_map(https).collect(),
        notes: t("notes"),
    }
}

/// The form as a review snapshot and a draft payload: a JSON object of field name → text (a
/// list for the fields that take several values), in form order, only the posting's fields.
pub fn snapshot(pairs: &[(String, String)]) -> serde_json::Value {
    let form = Form(pairs);
    let mut map = serde_json::Map::new();
    for field in FIELDS {
        let value = if is_multi(field.name) {
            serde_json::Value::from(form.all(field.name).into_iter().map(text).collect::<Vec<_>>())
        } else {
            serde_json::Value::from(text(form.one(field.name)))
        };
        map.insert(field.name.to_string(), value);
    }
    serde_json::Value::Object(map)
}

/// The form pairs back from a snapshot (a draft reopened, a returned item edited).
pub fn pairs_of(snapshot: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(map) = snapshot.as_object() else {
        return out;
    };
    for field in FIELDS {
        match map.get(field.name) {
            Some(serde_json::Value::String(s)) => out.push((field.name.to_string(), s.clone())),
            Some(serde_json::Value::Array(items)) => {
                out.extend(items.iter().filter_map(|v| v.as_str()).map(|s| (field.name.to_string(), s.to_string())))
            }
            _ => {}
        }
    }
    out
}
