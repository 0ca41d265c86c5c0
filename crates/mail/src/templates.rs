//! Mail texts, one file per mail and language under `templates/mail/<lang>/<kind>.txt`:
//! a `Subject:` line, a blank line, then the body. `{name}` placeholders are filled in;
//! a placeholder without a value is an error, never sent as-is.

use madoguchi_core::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    OperatorLoginCode,
    LoginOtp,
    PasswordChanged,
    AccountLocked,
    AccountBlocked,
    AccountCreated,
    ResetKey,
    LoginIdReminder,
    TemporaryPassword,
    LoginCode,
    PasswordExpiring,
    ProvisionalRegistration,
    RegistrationCompleted,
    ReturnKey,
    SignupCode,
    SignupExists,
    AccountChangedByAdmin,
    Withdrawn,
    AccountDisabled,
    AccountEnabled,
    CertificateCode,
    CertificateIssued,
    CertificateRenewal,
    CertificateExpired,
    CertificateRevoked,
    MasterRegistered,
    GeneralUserRegistered,
    ProfileChanged,
    LoginCodeChanged,
    RegistrationIdTaken,
    ContractMatchAlert,
    ZaikeiReceived,
    ZaikeiAlarmReceived,
    ZaikeiChangesSent,
    ZaikeiChangesApplied,
    ZaikeiDeadlineNear,
    SeekerExists,
    SeekerExpiring,
    PostingApproved,
    PostingReturned,
    PostingWithdrawn,
    PostingRequestAnswered,
    PostingWithdrawnByOffice,
    PostingReopened,
    PlanApplied,
    PlanAwaitingReview,
    PlanCorrectionRequested,
    PlanCertified,
    PlanRejected,
    PlanArrivalDueSoon,
    PlanArrivalOverdue,
    PlanChangeApplied,
    PlanChangeCertified,
    PlanChangeRejected,
    ApplicationReceived,
    ApplicationNew,
    ApplicationStatus,
    ApplicationResubmit,
    ApplicationResubmitted,
    SeekerInquiry,
    SeekerInquiryReply,
    ApplicationWithdrawn,
    ApplicationResultReminder,
    ApplicationRetentionNotice,
}

impl MailKind {
    pub const ALL: [MailKind; 64] = [
        MailKind::OperatorLoginCode,
        MailKind::LoginOtp,
        MailKind::PasswordChanged,
        MailKind::AccountLocked,
        MailKind::AccountBlocked,
        MailKind::AccountCreated,
        MailKind::ResetKey,
        MailKind::LoginIdReminder,
        MailKind::TemporaryPassword,
        MailKind::LoginCode,
        MailKind::PasswordExpiring,
        MailKind::ProvisionalRegistration,
        MailKind::RegistrationCompleted,
        MailKind::ReturnKey,
        MailKind::SignupCode,
        MailKind::SignupExists,
        MailKind::AccountChangedByAdmin,
        MailKind::Withdrawn,
        MailKind::AccountDisabled,
        MailKind::AccountEnabled,
        MailKind::CertificateCode,
        MailKind::CertificateIssued,
        MailKind::CertificateRenewal,
        MailKind::CertificateExpired,
        MailKind::CertificateRevoked,
        MailKind::MasterRegistered,
        MailKind::GeneralUserRegistered,
        MailKind::ProfileChanged,
        MailKind::LoginCodeChanged,
        MailKind::RegistrationIdTaken,
        MailKind::ContractMatchAlert,
        MailKind::ZaikeiReceived,
        MailKind::ZaikeiAlarmReceived,
        MailKind::ZaikeiChangesSent,
        MailKind::ZaikeiChangesApplied,
        MailKind::ZaikeiDeadlineNear,
        MailKind::SeekerExists,
        MailKind::SeekerExpiring,
        MailKind::PostingApproved,
        MailKind::PostingReturned,
        MailKind::PostingWithdrawn,
        MailKind::PostingRequestAnswered,
        MailKind::PostingWithdrawnByOffice,
        MailKind::PostingReopened,
        MailKind::PlanApplied,
        MailKind::PlanAwaitingReview,
        MailKind::PlanCorrectionRequested,
        MailKind::PlanCertified,
        MailKind::PlanRejected,
        MailKind::PlanArrivalDueSoon,
        MailKind::PlanArrivalOverdue,
        MailKind::PlanChangeApplied,
        MailKind::PlanChangeCertified,
        MailKind::PlanChangeRejected,
        MailKind::ApplicationReceived,
        MailKind::ApplicationNew,
        MailKind::ApplicationStatus,
        MailKind::ApplicationResubmit,
        MailKind::ApplicationResubmitted,
        MailKind::SeekerInquiry,
        MailKind::SeekerInquiryReply,
        MailKind::ApplicationWithdrawn,
        MailKind::ApplicationResultReminder,
        MailKind::ApplicationRetentionNotice,
    ];

    pub fn key(self) -> &'static str {
        match self {
            MailKind::OperatorLoginCode => "operator_login_code",
            MailKind::LoginOtp => "login_otp",
            MailKind::PasswordChanged => "password_changed",
            MailKind::AccountLocked => "account_locked",
            MailKind::AccountBlocked => "account_blocked",
            MailKind::AccountCreated => "account_created",
            MailKind::ResetKey => "reset_key",
            MailKind::LoginIdReminder => "login_id_reminder",
            MailKind::TemporaryPassword => "temporary_password",
            MailKind::LoginCode => "login_code",
            MailKind::PasswordExpiring => "password_expiring",
            MailKind::ProvisionalRegistration => "provisional_registration",
            MailKind::RegistrationCompleted => "registration_completed",
            MailKind::ReturnKey => "return_key",
            MailKind::SignupCode => "signup_code",
            MailKind::SignupExists => "signup_exists",
            MailKind::AccountChangedByAdmin => "account_changed_by_admin",
            MailKind::Withdrawn => "withdrawn",
            MailKind::AccountDisabled => "account_disabled",
            MailKind::AccountEnabled => "account_enabled",
            MailKind::CertificateCode => "certificate_code",
            MailKind::CertificateIssued => "certificate_issued",
            MailKind::CertificateRenewal => "certificate_renewal",
            MailKind::CertificateExpired => "certificate_expired",
            MailKind::CertificateRevoked => "certificate_revoked",
            MailKind::MasterRegistered => "master_registered",
            MailKind::GeneralUserRegistered => "general_user_registered",
            MailKind::ProfileChanged => "profile_changed",
            MailKind::LoginCodeChanged => "login_code_changed",
            MailKind::RegistrationIdTaken => "registration_id_taken",
            MailKind::ContractMatchAlert => "contract_match_alert",
            MailKind::ZaikeiReceived => "zaikei_received",
            MailKind::ZaikeiAlarmReceived => "zaikei_alarm_received",
            MailKind::ZaikeiChangesSent => "zaikei_changes_sent",
            MailKind::ZaikeiChangesApplied => "zaikei_changes_applied",
            MailKind::ZaikeiDeadlineNear => "zaikei_deadline_near",
            MailKind::SeekerExists => "seeker_exists",
            MailKind::SeekerExpiring => "seeker_expiring",
            MailKind::PostingApproved => "posting_approved",
            MailKind::PostingReturned => "posting_returned",
            MailKind::PostingWithdrawn => "posting_withdrawn",
            MailKind::PostingRequestAnswered => "posting_request_answered",
            MailKind::PostingWithdrawnByOffice => "posting_withdrawn_by_office",
            MailKind::PostingReopened => "posting_reopened",
            MailKind::PlanApplied => "plan_applied",
            MailKind::PlanAwaitingReview => "plan_awaiting_review",
            MailKind::PlanCorrectionRequested => "plan_correction_requested",
            MailKind::PlanCertified => "plan_certified",
            MailKind::PlanRejected => "plan_rejected",
            MailKind::PlanArrivalDueSoon => "plan_arrival_due_soon",
            MailKind::PlanArrivalOverdue => "plan_arrival_overdue",
            MailKind::PlanChangeApplied => "plan_change_applied",
            MailKind::PlanChangeCertified => "plan_change_certified",
            MailKind::PlanChangeRejected => "plan_change_rejected",
            MailKind::ApplicationReceived => "application_received",
            MailKind::ApplicationNew => "application_new",
            MailKind::ApplicationStatus => "application_status",
            MailKind::ApplicationResubmit => "application_resubmit",
            MailKind::ApplicationResubmitted => "application_resubmitted",
            MailKind::SeekerInquiry => "seeker_inquiry",
            MailKind::SeekerInquiryReply => "seeker_inquiry_reply",
            MailKind::ApplicationWithdrawn => "application_withdrawn",
            MailKind::ApplicationResultReminder => "application_result_reminder",
            MailKind::ApplicationRetentionNotice => "application_retention_notice",
        }
    }

    fn source(self, lang: Lang) -> &'static str {
        macro_rules! both {
            ($key:literal) => {
                match lang {
                    Lang::Ja => include_str!(concat!("../../../templates/mail/ja/", $key, ".txt")),
                    Lang::En => include_str!(concat!("../../../templates/mail/en/", $key, ".txt")),
                }
            };
        }
        match self {
            MailKind::OperatorLoginCode => both!("operator_login_code"),
            MailKind::LoginOtp => both!("login_otp"),
            MailKind::PasswordChanged => both!("password_changed"),
            MailKind::AccountLocked => both!("account_locked"),
            MailKind::AccountBlocked => both!("account_blocked"),
            MailKind::AccountCreated => both!("account_created"),
            MailKind::ResetKey => both!("reset_key"),
            MailKind::LoginIdReminder => both!("login_id_reminder"),
            MailKind::TemporaryPassword => both!("temporary_password"),
            MailKind::LoginCode => both!("login_code"),
            MailKind::PasswordExpiring => both!("password_expiring"),
            MailKind::ProvisionalRegistration => both!("provisional_registration"),
            MailKind::RegistrationCompleted => both!("registration_completed"),
            MailKind::ReturnKey => both!("return_key"),
            MailKind::SignupCode => both!("signup_code"),
            MailKind::SignupExists => both!("signup_exists"),
            MailKind::AccountChangedByAdmin => both!("account_changed_by_admin"),
            MailKind::Withdrawn => both!("withdrawn"),
            MailKind::AccountDisabled => both!("account_disabled"),
            MailKind::AccountEnabled => both!("account_enabled"),
            MailKind::CertificateCode => both!("certificate_code"),
            MailKind::CertificateIssued => both!("certificate_issued"),
            MailKind::CertificateRenewal => both!("certificate_renewal"),
            MailKind::CertificateExpired => both!("certificate_expired"),
            MailKind::CertificateRevoked => both!("certificate_revoked"),
            MailKind::MasterRegistered => both!("master_registered"),
            MailKind::GeneralUserRegistered => both!("general_user_registered"),
            MailKind::ProfileChanged => both!("profile_changed"),
            MailKind::LoginCodeChanged => both!("login_code_changed"),
            MailKind::RegistrationIdTaken => both!("registration_id_taken"),
            MailKind::ContractMatchAlert => both!("contract_match_alert"),
            MailKind::ZaikeiReceived => both!("zaikei_received"),
            MailKind::ZaikeiAlarmReceived => both!("zaikei_alarm_received"),
            MailKind::ZaikeiChangesSent => both!("zaikei_changes_sent"),
            MailKind::ZaikeiChangesApplied => both!("zaikei_changes_applied"),
            MailKind::ZaikeiDeadlineNear => both!("zaikei_deadline_near"),
            MailKind::SeekerExists => both!("seeker_exists"),
            MailKind::SeekerExpiring => both!("seeker_expiring"),
            MailKind::PostingApproved => both!("posting_approved"),
            MailKind::PostingReturned => both!("posting_returned"),
            MailKind::PostingWithdrawn => both!("posting_withdrawn"),
            MailKind::PostingRequestAnswered => both!("posting_request_answered"),
            MailKind::PostingWithdrawnByOffice => both!("posting_withdrawn_by_office"),
            MailKind::PostingReopened => both!("posting_reopened"),
            MailKind::PlanApplied => both!("plan_applied"),
            MailKind::PlanAwaitingReview => both!("plan_awaiting_review"),
            MailKind::PlanCorrectionRequested => both!("plan_correction_requested"),
            MailKind::PlanCertified => both!("plan_certified"),
            MailKind::PlanRejected => both!("plan_rejected"),
            MailKind::PlanArrivalDueSoon => both!("plan_arrival_due_soon"),
            MailKind::PlanArrivalOverdue => both!("plan_arrival_overdue"),
            MailKind::PlanChangeApplied => both!("plan_change_applied"),
            MailKind::PlanChangeCertified => both!("plan_change_certified"),
            MailKind::PlanChangeRejected => both!("plan_change_rejected"),
            MailKind::ApplicationReceived => both!("application_received"),
            MailKind::ApplicationNew => both!("application_new"),
            MailKind::ApplicationStatus => both!("application_status"),
            MailKind::ApplicationResubmit => both!("application_resubmit"),
            MailKind::ApplicationResubmitted => both!("application_resubmitted"),
            MailKind::SeekerInquiry => both!("seeker_inquiry"),
            MailKind::SeekerInquiryReply => both!("seeker_inquiry_reply"),
            MailKind::ApplicationWithdrawn => both!("application_withdrawn"),
            MailKind::ApplicationResultReminder => both!("application_result_reminder"),
            MailKind::ApplicationRetentionNotice => both!("application_retention_notice"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error("mail template {0} has no Subject: line")]
    NoSubject(&'static str),
    #[error("mail template {0} needs a value for {{{1}}}")]
    MissingValue(&'static str, String),
    /// A mail is read outside the browser: a link must be absolute (`Portal::url`).
    #[error("mail template {0} got a relative link for {{{1}}}: {2}")]
    RelativeLink(&'static str, String, String),
}

/// The placeholders that hold a link.
const LINKS: [&str; 1] = ["url"];

fn is_absolute(link: &str) -> bool {
    link.starts_with("https://") || link.starts_with("http://")
}

pub fn render(kind: MailKind, lang: Lang, values: &[(&str, &str)]) -> Result<Rendered, TemplateError> {
    let source = kind.source(lang);
    let (first, body) = source.split_once("\n\n").ok_or(TemplateError::NoSubject(kind.key()))?;
    let subject = first.strip_prefix("Subject: ").ok_or(TemplateError::NoSubject(kind.key()))?;
    Ok(Rendered { subject: fill(kind, subject.trim(), values)?, body: fill(kind, body, values)? })
}

fn fill(kind: MailKind, text: &str, values: &[(&str, &str)]) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        let value = values.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
        let value = value.ok_or_else(|| TemplateError::MissingValue(kind.key(), name.to_string()))?;
        if LINKS.contains(&name) && !is_absolute(value) {
            return Err(TemplateError::RelativeLink(kind.key(), name.to_string(), value.to_string()));
        }
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUES: [(&str, &str); 66] = [
        ("after", "退会後30日以内であれば、…"),
        ("change", "ASPユーザーとの紐づけが解除されました。"),
        ("admin", "管理 太郎"),
        ("login_ids", "kensetsu01"),
        ("hours", "3"),
        ("portal", "賃金控除事務支援システム"),
        ("name", "山田 太郎"),
        ("code", "123456"),
        ("expires", "2026-11-22 10:30"),
        ("minutes", "10"),
        ("attempts", "10"),
        ("at", "2026-11-22 10:00"),
        ("help_desk", "ヘルプデスク"),
        ("trust_note", "\nワンタイムパスワードの省略設定は、すべての端末・ブラウザで解除されました。\n"),
        ("failures", "6"),
        ("until", "2026-11-22 11:00"),
        ("block_after", "3"),
        ("locks", "3"),
        ("unblock", "マスターユーザーに解除を依頼してください。"),
        ("operator", "労働金庫"),
        ("id_label", "ユーザーＩＤ"),
        ("login_id", "Taro01"),
        ("password", "123456"),
        ("url", "https://example.jp/rokin/login"),
        ("subject", "Taro01 20271124095959 ROKIN Koujyo Web System"),
        ("not_after", "2027-11-24 09:59"),
        ("file_name", "Taro0120261124100000.p12"),
        ("days", "30"),
        ("mail_name", "次世代社労法務システム"),
        ("state", "有効"),
        ("state_note", "次回のログインから、ログインするごとに確認コードをお送りします。"),
        ("customer_id", "281234"),
        ("organization", "窓口社会保険労務士事務所"),
        ("mail", "パスワード再登録申込受付通知"),
        ("screen", "パスワード再登録"),
        ("link", "パスワードをお忘れの方"),
        ("kind", "預入依頼書"),
        ("date_label", "入金予定日"),
        ("date", "7月25日"),
        ("receipt", "ZK20250714-000012"),
        ("due", "2025-07-25"),
        ("deadline", "2025-07-18 20:00"),
        ("user_id", "U123456789"),
        ("unused", "3年"),
        ("data_number", "D000000001"),
        ("title", "准教授（情報科学）の公募"),
        ("published", "2026年11月24日 22:00"),
        ("reason", "給与・待遇の記載が具体的ではありません。"),
        ("filed", "2026年11月24日 10:00"),
        ("request", "募集終了日を2027年2月28日に変更してください。"),
        ("note", "差戻しましたので、募集終了日を修正して再依頼してください。"),
        ("end_date", "2027-01-31"),
        (
            "office_changes",
            "\n\nJREC-IN Portal事務局で、依頼された内容を次のとおり修正しました。\n\n■ 給与\n  修正前：\n    本学規定による\n  修正後：\n    本学規程による",
        ),
        ("bureau", "関東地方整備局"),
        ("approval_number", "KTR-2027-000123"),
        ("certified_on", "2027-01-15"),
        ("receipt_id", "E34679ACDE"),
        ("file", "応募書類一式.pdf"),
        ("status", "受理済"),
        ("notice", "\n\n求人機関からのお知らせ：\n  面接日程は追ってご連絡します。"),
        ("body", "  先生の研究に関心があり、ご連絡しました。"),
        ("seeker_id", "U123456789"),
        ("sent", "2026年11月24日 10:00"),
        ("applications", "  E34679ACDE  応募中\n  F45780BDEF  受理済"),
        ("purge_date", "2027-11-30"),
        ("count", "12"),
    ];

    #[test]
    fn every_mail_renders_in_both_languages() {
        for kind in MailKind::ALL {
            for lang in [Lang::Ja, Lang::En] {
                let mail = render(kind, lang, &VALUES).unwrap();
                assert!(!mail.subject.is_empty() && !mail.subject.contains('{'), "{kind:?} {lang:?}");
                assert!(!mail.body.contains('{'), "{kind:?} {lang:?}");
            }
        }
        let ja = render(MailKind::OperatorLoginCode, Lang::Ja, &VALUES).unwrap();
        assert_eq!(ja.subject, "【賃金控除事務支援システム】オペレーターログイン確認コード");
        let changed = render(MailKind::LoginCodeChanged, Lang::Ja, &VALUES).unwrap();
        assert_eq!(changed.subject, "【次世代社労法務システム】二段階認証の設定を変更しました");
    }

    /// Issue 14 item 6: `account add`'s mail said 「ログイン画面：/hellowork/login」. Every
    /// template, rendered in both languages with the links the server makes, has only
    /// absolute links; a relative one, from a template or a caller, fails.
    #[test]
    fn every_link_in_every_mail_is_absolute() {
        let config = madoguchi_core::Config::demo().unwrap();
        let portal = config.portal("hellowork").unwrap();
        let url = portal.url("/login");
        let values: Vec<(&str, &str)> =
            VALUES.iter().map(|&(k, v)| if k == "url" { (k, url.as_str()) } else { (k, v) }).collect();
        let mut links = 0;
        for kind in MailKind::ALL {
            for lang in [Lang::Ja, Lang::En] {
                let mail = render(kind, lang, &values).unwrap();
                for word in mail.body.split(|c: char| c.is_whitespace() || "：（）「」<>".contains(c)) {
                    // A link is ASCII; 「財形貯蓄アラーム/非課税申告手続等管理明細」 is a name.
                    if word.contains('/') && word.is_ascii() {
                        assert!(is_absolute(word), "{kind:?} {lang:?}: a relative link {word:?}");
                        assert!(word.starts_with("http://127.0.0.1:8080/hellowork/"), "{kind:?} {lang:?}: {word:?}");
                        links += 1;
                    }
                }
            }
        }
        assert_eq!(links, 76, "the links of every mail with one, in two languages");
        let relative: Vec<(&str, &str)> =
            VALUES.iter().map(|&(k, v)| if k == "url" { (k, "/hellowork/login") } else { (k, v) }).collect();
        assert!(matches!(render(MailKind::AccountCreated, Lang::Ja, &relative), Err(TemplateError::RelativeLink(..))));
    }

    #[test]
    fn a_missing_value_is_an_error() {
        let err = render(MailKind::OperatorLoginCode, Lang::Ja, &VALUES[..2]).unwrap_err();
        assert!(matches!(err, TemplateError::MissingValue(_, _)));
    }
}
