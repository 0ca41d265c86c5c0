//! The posting form's rules (jrec-in spec §1.4), field by field and across fields.

use crate::fields::*;
use crate::taxonomy::{Taxonomy, taxonomy};
use chrono::NaiveDate;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

/// A form that passes every rule.
fn complete() -> Vec<(String, String)> {
    pairs(&[
        ("title", "准教授（情報科学）の公募"),
        ("department", "大学院情報学研究科"),
        ("end_date", "2027-01-31"),
        ("deadline_rule", "arrival"),
        ("openings", "1名"),
        ("start_timing", "2027年4月1日以降のできるだけ早い時期"),
        ("major", "00289"),
        ("minor", "60050"),
        ("job_kind", "00022"),
        ("location", "domestic"),
        ("prefecture", "00013"),
        ("address", "東京都千代田区千代田1-1"),
        ("location_change_scope", "本学の定める勤務地"),
        ("employment", "01"),
        ("tenure", "fixed"),
        ("tenure_track", "track"),
        ("tenure_terms", "5年（更新なし。審査によりテニュアを付与）"),
        ("duties", "研究\r\n教育"),
        ("duty_change_scope", "本学の定める業務"),
        ("hours", "8:30〜17:15（休憩60分）"),
        ("salary", "本学規程による"),
        ("annual_salary_min", "６,０００,０００円"),
        ("benefits", "各種社会保険完備"),
        ("smoking", "indoor_ban"),
        ("degree", "doctor"),
        ("documents", "履歴書、業績一覧"),
        ("apply_method", "portal"),
        ("apply_method", "email"),
        ("web_apply", "yes"),
        ("apply_email", "ＪＩＭＵ@example.ac.jp"),
        ("return_documents", "keep"),
        ("selection", "書類選考の上、面接"),
        ("result_notice", "2027年3月中旬までにメールで通知"),
        ("contact_name", "情報学研究科 事務室"),
        ("contact_phone", "０３－１２３４－５６７８"),
        ("reference_url", "https://example.ac.jp/recruit"),
    ])
}

fn with(mut form: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    form.retain(|(n, _)| n != name);
    if !value.is_empty() {
        form.push((name.to_string(), value.to_string()));
    }
    form
}

fn errors(form: &[(String, String)]) -> Vec<(&'static str, Rule)> {
    match parse(form, taxonomy().unwrap(), &Rules::default(), today()) {
        Ok(_) => Vec::new(),
        Err(e) => e.into_iter().map(|e| (e.field, e.rule)).collect(),
    }
}

#[test]
fn a_complete_form_parses_into_the_typed_posting() {
    let p = parse(&complete(), taxonomy().unwrap(), &Rules::default(), today()).unwrap();
    assert_eq!(p.title, "准教授（情報科学）の公募");
    assert_eq!(p.end_date, NaiveDate::from_ymd_opt(2027, 1, 31).unwrap());
    assert_eq!(p.duties, "研究\n教育", "line ends as \\n");
    assert_eq!(p.area, "00003", "東京都 → 関東");
    assert_eq!(
        p.tenure,
        Tenure::Fixed {
            tenure_track: true, terms: "5年（更新なし。審査によりテニュアを付与）".into()
        }
    );
    assert_eq!(p.annual_salary_min, Some(6_000_000));
    assert_eq!(p.apply_methods, ["portal", "email"]);
    assert!(p.web_apply);
    assert_eq!(p.apply_email.as_deref(), Some("jimu@example.ac.jp"));
    assert_eq!(p.contact_phone.as_deref(), Some("0312345678"));
    assert_eq!(p.minors, ["60050"]);
    assert_eq!(p.reference_urls, ["https://example.ac.jp/recruit"]);
    assert!(missing_required(&complete()).is_empty());
}

#[test]
fn an_empty_form_misses_every_always_required_field() {
    let missing = missing_required(&[]);
    for name in ["title", "department", "end_date", "major", "job_kind", "smoking", "apply_method", "contact_name"] {
        assert!(missing.contains(&name), "{name}");
    }
    assert!(missing.contains(&"contact_phone"), "phone or e-mail");
    for name in ["minor", "tenure_track", "apply_email", "prefecture", "notes"] {
        assert!(!missing.contains(&name), "{name} is not required here");
    }
    // Only a title typed (acceptance check 2): a non-zero count, the title not among them.
    let title_only = pairs(&[("title", "准教授の公募")]);
    assert!(!missing_required(&title_only).contains(&"title"));
    assert_eq!(missing_required(&title_only).len(), missing.len() - 1);
    // 受動喫煙防止措置 left empty (acceptance check 4): exactly that one.
    assert_eq!(missing_required(&with(complete(), "smoking", "")), ["smoking"]);
    assert_eq!(errors(&with(complete(), "smoking", "")), [("smoking", Rule::Required)]);
}

#[test]
fn every_text_limit_is_in_characters() {
    let at_limit = with(complete(), "title", &"字".repeat(200));
    assert!(errors(&at_limit).is_empty());
    assert_eq!(errors(&with(complete(), "title", &"字".repeat(201))), [("title", Rule::TooLong(200))]);
    assert_eq!(errors(&with(complete(), "duties", &"a".repeat(4_001))), [("duties", Rule::TooLong(4_000))]);
    assert_eq!(errors(&with(complete(), "notes", &"备".repeat(2_001))), [("notes", Rule::TooLong(2_000))]);
    // NFC: a kana and its combining mark count once.
    assert!(errors(&with(complete(), "openings", &"か\u{3099}".repeat(50))).is_empty());
    let mut rules = Rules::default();
    rules.max.insert("title", 10);
    let e = parse(&with(complete(), "title", &"字".repeat(11)), taxonomy().unwrap(), &rules, today()).unwrap_err();
    assert_eq!((e[0].field, e[0].rule, e[0].max()), ("title", Rule::TooLong(10), Some(10)));
    assert_eq!(e[0].label_key(), "posting.field.title");
    assert_eq!(e[0].message_key(), "posting.err.too_long");
}

#[test]
fn web_apply_goes_with_the_portal_method() {
    assert_eq!(errors(&with(complete(), "web_apply", "no")), [("web_apply", Rule::WebApplyMismatch)]);
    let no_portal = with(with(complete(), "apply_method", "email"), "web_apply", "yes");
    assert_eq!(errors(&no_portal), [("web_apply", Rule::WebApplyMismatch)]);
    assert!(errors(&with(with(complete(), "apply_method", "email"), "web_apply", "no")).is_empty());
}

#[test]
fn a_fixed_term_needs_the_track_and_the_terms() {
    let f = with(with(complete(), "tenure_track", ""), "tenure_terms", "");
    assert_eq!(errors(&f), [("tenure_track", Rule::Required), ("tenure_terms", Rule::Required)]);
    let permanent = with(f, "tenure", "none");
    let p = parse(&permanent, taxonomy().unwrap(), &Rules::default(), today()).unwrap();
    assert_eq!(p.tenure, Tenure::Permanent);
}

#[test]
fn minor_fields_belong_to_a_chosen_major() {
    // 38010 植物栄養学、土壌学 is ライフサイエンス, not 情報通信.
    assert_eq!(errors(&with(complete(), "minor", "38010")), [("minor", Rule::MinorOutsideMajor)]);
    assert_eq!(errors(&with(complete(), "minor", "12345")), [("minor", Rule::Invalid)]);
    let mut six = with(complete(), "major", "00189");
    six.retain(|(n, _)| n != "minor");
    for code in ["38010", "38020", "38030", "38040", "38050", "38060"] {
        six.push(("minor".into(), code.into()));
    }
    assert_eq!(errors(&six), [("minor", Rule::TooMany(5))]);
    // None chosen: the 大分類's whole code; per 大分類 when several.
    let mut two = with(with(complete(), "minor", ""), "major", "00289");
    two.push(("major".into(), "01000".into()));
    let p = parse(&two, taxonomy().unwrap(), &Rules::default(), today()).unwrap();
    assert_eq!(p.minors, ["99902", "99910"]);
    two.push(("minor".into(), "60050".into()));
    let p = parse(&two, taxonomy().unwrap(), &Rules::default(), today()).unwrap();
    assert_eq!(p.minors, ["60050", "99910"]);
    let mut four = complete();
    for code in ["00189", "00389", "00489"] {
        four.push(("major".into(), code.into()));
    }
    assert_eq!(errors(&four), [("major", Rule::TooMany(3))]);
    assert_eq!(errors(&with(complete(), "job_kind", "00013")), [("job_kind", Rule::Invalid)]);
}

#[test]
fn phone_or_email_and_their_formats() {
    let neither = with(complete(), "contact_phone", "");
    assert_eq!(errors(&neither), [("contact_phone", Rule::ContactNeeded)]);
    assert!(errors(&with(neither.clone(), "contact_email", "jinji@example.ac.jp")).is_empty());
    assert_eq!(errors(&with(neither, "contact_email", "jinji@")), [("contact_email", Rule::Email)]);
    assert_eq!(errors(&with(complete(), "contact_phone", "123")), [("contact_phone", Rule::Phone)]);
    assert_eq!(errors(&with(complete(), "apply_email", "")), [("apply_email", Rule::Required)]);
}

#[test]
fn urls_must_be_https() {
    assert_eq!(errors(&with(complete(), "reference_url", "http://example.ac.jp/")), [("reference_url", Rule::Https)]);
    assert_eq!(errors(&with(complete(), "reference_url", "javascript:alert(1)")), [("reference_url", Rule::Https)]);
    let mut four = complete();
    for u in ["https://a.example/", "https://b.example/", "https://c.example/"] {
        four.push(("reference_url".into(), u.into()));
    }
    assert_eq!(errors(&four), [("reference_url", Rule::TooMany(3))]);
    let org_web = with(with(complete(), "apply_method", "org_web"), "web_apply", "no");
    assert_eq!(errors(&org_web), [("apply_url", Rule::Required)]);
    assert_eq!(errors(&with(org_web.clone(), "apply_url", "ftp://example.ac.jp/")), [("apply_url", Rule::Https)]);
    let p = parse(
        &with(org_web, "apply_url", "https://example.ac.jp/apply"),
        taxonomy().unwrap(),
        &Rules::default(),
        today(),
    )
    .unwrap();
    assert_eq!(p.apply_url.as_deref(), Some("https://example.ac.jp/apply"));
    assert_eq!(p.apply_email, None, "no longer an e-mail application");
}

#[test]
fn the_end_date_lies_from_tomorrow_to_a_year_ahead() {
    assert_eq!(errors(&with(complete(), "end_date", "2026-11-24")), [("end_date", Rule::DateRange(365))]);
    assert!(errors(&with(complete(), "end_date", "2026-11-25")).is_empty());
    assert!(errors(&with(complete(), "end_date", "２０２７/１１/２４")).is_empty(), "today + 365");
    assert_eq!(errors(&with(complete(), "end_date", "2027-11-25")), [("end_date", Rule::DateRange(365))]);
    assert_eq!(errors(&with(complete(), "end_date", "2027-02-30")), [("end_date", Rule::Date)]);
    assert_eq!(errors(&with(complete(), "end_date", "来年")), [("end_date", Rule::Date)]);
}

/// §1.3 rule 9: a revision may end the posting early — 募集終了日 today or before — back to the
/// day it was first published; the year ahead still holds.
#[test]
fn a_revision_may_move_the_end_date_to_today_or_earlier() {
    let published = NaiveDate::from_ymd_opt(2026, 11, 10);
    let rules = Rules::revision(published, today());
    let check = |end: &str| match parse(&with(complete(), "end_date", end), taxonomy().unwrap(), &rules, today()) {
        Ok(_) => Vec::new(),
        Err(e) => e.into_iter().map(|e| (e.field, e.rule)).collect(),
    };
    assert!(check("2026-11-24").is_empty(), "the request day");
    assert!(check("2026-11-10").is_empty(), "the day of the first publication");
    assert_eq!(check("2026-11-09"), [("end_date", Rule::BeforePublication)]);
    assert!(check("2027-11-24").is_empty());
    assert_eq!(check("2027-11-25"), [("end_date", Rule::DateRange(365))]);
    // Not yet public (公開待ち, first publication ahead): from today.
    let scheduled = Rules::revision(NaiveDate::from_ymd_opt(2026, 11, 30), today());
    assert_eq!(scheduled.end_date_from, Some(today()));
    assert_eq!(Rules::revision(None, today()).end_date_from, Some(today()));
    // A new posting keeps 「翌日から」.
    assert_eq!(errors(&with(complete(), "end_date", "2026-11-24")), [("end_date", Rule::DateRange(365))]);
}

#[test]
fn choices_locations_and_the_others_text() {
    assert_eq!(errors(&with(complete(), "smoking", "outdoor")), [("smoking", Rule::Invalid)]);
    assert_eq!(errors(&with(complete(), "smoking", "other")), [("smoking_note", Rule::Required)]);
    assert_eq!(errors(&with(complete(), "degree", "other")), [("degree_note", Rule::Required)]);
    assert_eq!(errors(&with(complete(), "prefecture", "")), [("prefecture", Rule::Required)]);
    assert_eq!(errors(&with(complete(), "prefecture", "00049")), [("prefecture", Rule::Invalid)]);
    let overseas = with(with(complete(), "location", "overseas"), "prefecture", "");
    let p = parse(&overseas, taxonomy().unwrap(), &Rules::default(), today()).unwrap();
    assert!(p.overseas);
    assert_eq!((p.prefecture.as_str(), p.area.as_str()), ("00048", "99999"));
    assert_eq!(errors(&with(complete(), "consideration", "other")), [("consideration_note", Rule::Required)]);
    let fax = with(complete(), "apply_method", "fax");
    assert_eq!(errors(&fax), [("apply_method", Rule::Invalid), ("web_apply", Rule::WebApplyMismatch)]);
    assert_eq!(errors(&with(fax, "web_apply", "no")), [("apply_method", Rule::Invalid)]);
    assert_eq!(errors(&with(complete(), "annual_salary_min", "たくさん")), [("annual_salary_min", Rule::Yen)]);
    assert_eq!(errors(&with(complete(), "annual_salary_min", "1000000001")), [("annual_salary_min", Rule::Yen)]);
    assert_eq!(Taxonomy::name(&taxonomy().unwrap().employment_types, "01"), Some("正職員・正社員"));
}

#[test]
fn the_snapshot_round_trips_and_diffs_field_by_field() {
    let form = complete();
    let snap = snapshot(&form);
    assert_eq!(snap["apply_method"], serde_json::json!(["portal", "email"]));
    assert_eq!(snap["duties"], "研究\n教育");
    let back = pairs_of(&snap);
    assert_eq!(snapshot(&back), snap);
    assert!(missing_required(&back).is_empty());
    let order: Vec<&str> = field_names().collect();
    let changed = snapshot(&with(form, "salary", "月額45万円"));
    let diff =
        madoguchi_core::review::diff::changed_only(madoguchi_core::review::diff::snapshots(&snap, &changed, &order));
    assert_eq!(diff.len(), 1);
    assert_eq!(diff[0].field, "salary");
}

/// Every key the rules hand to a screen exists in both languages.
#[test]
fn every_key_is_in_both_locales() {
    let ja: toml::Table = include_str!("../../../../locales/ja.toml").parse().unwrap();
    let en: toml::Table = include_str!("../../../../locales/en.toml").parse().unwrap();
    let mut keys: Vec<String> = field_names().map(|f| format!("posting.field.{f}")).collect();
    let rules = [
        Rule::Required,
        Rule::TooLong(1),
        Rule::TooMany(1),
        Rule::Invalid,
        Rule::MinorOutsideMajor,
        Rule::Date,
        Rule::DateRange(1),
        Rule::WebApplyMismatch,
        Rule::ContactNeeded,
        Rule::Phone,
        Rule::Email,
        Rule::Https,
        Rule::Yen,
    ];
    keys.extend(rules.into_iter().map(|rule| FieldError { field: "title", rule }.message_key().to_string()));
    for (field, codes) in [
        ("deadline_rule", DEADLINE_RULES),
        ("location", LOCATIONS),
        ("tenure", TENURES),
        ("tenure_track", TENURE_TRACKS),
        ("smoking", SMOKING),
        ("degree", DEGREES),
        ("apply_method", APPLY_METHODS),
        ("web_apply", YES_NO),
        ("return_documents", RETURNS),
        ("consideration", CONSIDERATIONS),
    ] {
        keys.extend(codes.iter().map(|c| format!("posting.choice.{field}.{c}")));
    }
    keys.extend(crate::lifecycle::PostingState::ALL.iter().map(|s| s.label_key()));
    use crate::lifecycle::Refusal as R;
    keys.extend(
        [R::NoRevision, R::UnderRequest, R::Withdrawn, R::NotAllowed].iter().map(|r| r.message_key().to_string()),
    );
    use madoguchi_core::review::{ReasonError, Refusal, ReviewAction, ReviewState};
    keys.extend(ReviewState::ALL.iter().map(|s| s.label_key()));
    keys.extend(ReviewAction::ALL.iter().map(|a| format!("review.action.{}", a.as_str())));
    let refusals = [
        Refusal::UnderReview,
        Refusal::NotUnderReview,
        Refusal::NotSubmitted,
        Refusal::AlreadySubmitted,
        Refusal::Withdrawn,
        Refusal::WrongActor,
        Refusal::Conflict,
        Refusal::ReasonRequired,
        Refusal::SnapshotRequired,
    ];
    keys.extend(refusals.iter().map(|r| r.message_key().to_string()));
    keys.extend(
        [ReasonError::Required, ReasonError::TooLong, ReasonError::UnknownCanned]
            .iter()
            .map(|e| e.message_key().to_string()),
    );
    for key in &keys {
        assert!(ja.contains_key(key), "ja.toml lacks {key}");
        assert!(en.contains_key(key), "en.toml lacks {key}");
    }
    assert!(keys.len() > 100);
}
