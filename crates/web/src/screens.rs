//! The employer-facing screens that have a help page.
//!
//! Each screen's ヘルプ link opens `/{portal}/help/{key}`, whose text is the table `[key]` of
//! `presets/help/<preset>.toml`, written from that portal's manual. Naming the screens here,
//! rather than passing strings, keeps the keys, the help pages and the screens' addresses
//! (where the help page's 戻る returns) in one list that the tests walk.

/// A screen with a help page. Operator console screens have none: the manuals do not cover them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Top,
    Login,
    Otp,
    Skip,
    Home,
    Password,
    Expired,
    LoginCode,
    Forgot,
    Reset,
    Set,
    Recover,
    Register,
    RegisterComplete,
    Signup,
    Link,
    Accounts,
    Documents,
    Withdraw,
    Return,
    RegisteredInfo,
    MasterLogin,
    MasterRegister,
    MasterDone,
    Certificate,
    CertificateCode,
    CertificateIssue,
    CertificateResult,
    CertificateMissing,
    Users,
    UserNew,
    UserEdit,
    UserInfo,
    OperationLog,
    Manuals,
    Sessions,
    ZaikeiStatements,
    ZaikeiAlarms,
    ZaikeiReports,
    ZaikeiExport,
    ZaikeiChange,
    ZaikeiSend,
    ZaikeiHistory,
    /// jrec-in 求人公募情報管理 > 登録・一時保存 (module job_postings).
    PostingRegister,
    /// The terms before a new posting (「上記に同意して、求人公募情報を作成する」).
    PostingTerms,
    /// The language of a new posting (日本語 / English, 「決定」).
    PostingLanguage,
    /// The posting's input form (一時保存, 確認).
    PostingForm,
    /// 「一時保存完了」.
    PostingSaved,
    /// The confirmation before 「登録依頼」.
    PostingConfirm,
    /// 登録/修正依頼中の求人公募情報 (the list).
    PostingRequested,
    /// One posting under review, read-only.
    PostingRequestedDetail,
    /// jrec-in 求人公募情報管理 > 修正・一時保存 (module job_postings).
    PostingRevise,
    /// jrec-in 求人公募情報管理 > 取り下げ, the posting, the confirmation and 情報取り下げ完了.
    PostingWithdraw,
    /// アクセス数閲覧 (the public page's views of each registered posting).
    PostingAccess,
    /// A posting's history (its review steps, the 事務局's edits as diffs, its 取り下げ).
    PostingHistory,
    /// mlit-fwms 新規申請 of the 建設特定技能受入計画 (module acceptance_plan): the plan's sections.
    PlanNew,
    /// A Part or a worker block of the plan (an entry of 新規申請).
    PlanSection,
    /// The plan's 添付書類.
    PlanAttachments,
    /// 「申請」: what stops it, or 「申請します。よろしいですか？」.
    PlanApply,
    /// 計画確認.
    PlanView,
}

impl Screen {
    pub const ALL: [Screen; 60] = [
        Screen::Top,
        Screen::Login,
        Screen::Otp,
        Screen::Skip,
        Screen::Home,
        Screen::Password,
        Screen::Expired,
        Screen::LoginCode,
        Screen::Forgot,
        Screen::Reset,
        Screen::Set,
        Screen::Recover,
        Screen::Register,
        Screen::RegisterComplete,
        Screen::Signup,
        Screen::Link,
        Screen::Accounts,
        Screen::Documents,
        Screen::Withdraw,
        Screen::Return,
        Screen::RegisteredInfo,
        Screen::MasterLogin,
        Screen::MasterRegister,
        Screen::MasterDone,
        Screen::Certificate,
        Screen::CertificateCode,
        Screen::CertificateIssue,
        Screen::CertificateResult,
        Screen::CertificateMissing,
        Screen::Users,
        Screen::UserNew,
        Screen::UserEdit,
        Screen::UserInfo,
        Screen::OperationLog,
        Screen::Manuals,
        Screen::Sessions,
        Screen::ZaikeiStatements,
        Screen::ZaikeiAlarms,
        Screen::ZaikeiReports,
        Screen::ZaikeiExport,
        Screen::ZaikeiChange,
        Screen::ZaikeiSend,
        Screen::ZaikeiHistory,
        Screen::PostingRegister,
        Screen::PostingTerms,
        Screen::PostingLanguage,
        Screen::PostingForm,
        Screen::PostingSaved,
        Screen::PostingConfirm,
        Screen::PostingRequested,
        Screen::PostingRequestedDetail,
        Screen::PostingRevise,
        Screen::PostingWithdraw,
        Screen::PostingAccess,
        Screen::PostingHistory,
        Screen::PlanNew,
        Screen::PlanSection,
        Screen::PlanAttachments,
        Screen::PlanApply,
        Screen::PlanView,
    ];

    /// Screens without an address of their own: one entry of a list (a user's 更新へ, with its
    /// 削除 confirmation), and what a screen shows instead of itself (rokin's login without a
    /// valid certificate), and a posting's own pages (its form, 一時保存完了 and confirmation,
    /// at addresses with its id), whose help leads back to 登録・一時保存 (or, read-only
    /// under review, to 登録/修正依頼中), and a plan's Part or worker block (back to 新規申請). Their help leads back
    /// to that list or screen.
    pub const ENTRIES: [Screen; 8] = [
        Screen::UserEdit,
        Screen::CertificateMissing,
        Screen::PostingForm,
        Screen::PostingSaved,
        Screen::PostingConfirm,
        Screen::PostingRequestedDetail,
        Screen::PostingHistory,
        Screen::PlanSection,
    ];

    /// The help page's key in `presets/help/<preset>.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Screen::Top => "top",
            Screen::Login => "login",
            Screen::Otp => "otp",
            Screen::Skip => "skip",
            Screen::Home => "home",
            Screen::Password => "password",
            Screen::Expired => "expired",
            Screen::LoginCode => "login-code",
            Screen::Forgot => "forgot",
            Screen::Reset => "reset",
            Screen::Set => "set",
            Screen::Recover => "recover",
            Screen::Register => "register",
            Screen::RegisterComplete => "register-complete",
            Screen::Signup => "signup",
            Screen::Link => "link",
            Screen::Accounts => "accounts",
            Screen::Documents => "documents",
            Screen::Withdraw => "withdraw",
            Screen::Return => "return",
            Screen::RegisteredInfo => "registered-info",
            Screen::MasterLogin => "master",
            Screen::MasterRegister => "master-register",
            Screen::MasterDone => "master-done",
            Screen::Certificate => "certificate",
            Screen::CertificateCode => "certificate-code",
            Screen::CertificateIssue => "certificate-issue",
            Screen::CertificateResult => "certificate-result",
            Screen::CertificateMissing => "certificate-missing",
            Screen::Users => "users",
            Screen::UserNew => "users-new",
            Screen::UserEdit => "users-edit",
            Screen::UserInfo => "user-info",
            Screen::OperationLog => "operation-log",
            Screen::Manuals => "manuals",
            Screen::Sessions => "sessions",
            Screen::ZaikeiStatements => "zaikei-statements",
            Screen::ZaikeiAlarms => "zaikei-alarms",
            Screen::ZaikeiReports => "zaikei-reports",
            Screen::ZaikeiExport => "zaikei-export",
            Screen::ZaikeiChange => "zaikei-change",
            Screen::ZaikeiSend => "zaikei-send",
            Screen::ZaikeiHistory => "zaikei-history",
            Screen::PostingRegister => "posting-register",
            Screen::PostingTerms => "posting-terms",
            Screen::PostingLanguage => "posting-language",
            Screen::PostingForm => "posting-form",
            Screen::PostingSaved => "posting-saved",
            Screen::PostingConfirm => "posting-confirm",
            Screen::PostingRequested => "posting-requested",
            Screen::PostingRequestedDetail => "posting-requested-detail",
            Screen::PostingRevise => "posting-revise",
            Screen::PostingWithdraw => "posting-withdraw",
            Screen::PostingAccess => "posting-access",
            Screen::PostingHistory => "posting-history",
            Screen::PlanNew => "plan-new",
            Screen::PlanSection => "plan-section",
            Screen::PlanAttachments => "plan-attachments",
            Screen::PlanApply => "plan-apply",
            Screen::PlanView => "plan-view",
        }
    }

    /// Where the screen is, below `/{portal}/`: the help page's way back. Screens reached in
    /// the middle of a flow (the one-time password, the reset key) lead back to where the flow
    /// resumes or, when nothing is pending, to its start.
    pub fn path(self) -> &'static str {
        match self {
            Screen::Top => "",
            Screen::Login => "login",
            Screen::Otp => "login/otp",
            Screen::Skip => "login/skip",
            Screen::Home => "home",
            Screen::Password => "password",
            Screen::Expired => "password/expired",
            Screen::LoginCode => "login-code",
            Screen::Forgot => "password/forgot",
            Screen::Reset => "password/reset",
            Screen::Set => "password/set",
            Screen::Recover => "recover",
            Screen::Register => "register",
            Screen::RegisterComplete => "register/complete",
            Screen::Signup => "signup",
            Screen::Link => "link",
            Screen::Accounts => "accounts",
            Screen::Documents => "documents",
            Screen::Withdraw => "withdraw",
            Screen::Return => "return",
            Screen::RegisteredInfo => "registered-info",
            Screen::MasterLogin => "master",
            Screen::MasterRegister => "master/register",
            Screen::MasterDone => "master/done",
            Screen::Certificate => "certificate",
            Screen::CertificateCode => "certificate/code",
            Screen::CertificateIssue => "certificate/issue",
            Screen::CertificateResult => "certificate/result",
            Screen::CertificateMissing => "login",
            Screen::Users | Screen::UserEdit => "users",
            Screen::UserNew => "users/new",
            Screen::UserInfo => "user-info",
            Screen::OperationLog => "operation-log",
            Screen::Manuals => "manuals",
            Screen::Sessions => "sessions",
            Screen::ZaikeiStatements => "zaikei/statements",
            Screen::ZaikeiAlarms => "zaikei/alarms",
            Screen::ZaikeiReports => "zaikei/reports",
            Screen::ZaikeiExport => "zaikei/export",
            Screen::ZaikeiChange => "zaikei/change",
            Screen::ZaikeiSend => "zaikei/send",
            Screen::ZaikeiHistory => "zaikei/history",
            Screen::PostingRegister
            | Screen::PostingForm
            | Screen::PostingSaved
            | Screen::PostingConfirm
            | Screen::PostingHistory => "job-postings/register",
            Screen::PostingTerms => "job-postings/new",
            Screen::PostingLanguage => "job-postings/new/language",
            Screen::PostingRequested | Screen::PostingRequestedDetail => "job-postings/requested",
            Screen::PostingRevise => "job-postings/revise",
            Screen::PostingWithdraw => "job-postings/withdraw",
            Screen::PostingAccess => "job-postings/access",
            Screen::PlanNew | Screen::PlanSection => "plan",
            Screen::PlanAttachments => "plan/attachments",
            Screen::PlanApply => "plan/apply",
            Screen::PlanView => "plan/view",
        }
    }

    pub fn from_key(key: &str) -> Option<Screen> {
        Screen::ALL.into_iter().find(|s| s.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys are distinct, and so are addresses but one: rokin's 電子証明書 refusal is what the
    /// login address itself shows when the browser presents no valid certificate, so its help
    /// leads back to that address.
    #[test]
    fn keys_and_paths_are_distinct() {
        for (i, a) in Screen::ALL.iter().enumerate() {
            for b in &Screen::ALL[i + 1..] {
                assert_ne!(a.key(), b.key());
                if !Screen::ENTRIES.contains(a) && !Screen::ENTRIES.contains(b) {
                    assert_ne!(a.path(), b.path());
                }
            }
            assert_eq!(Screen::from_key(a.key()), Some(*a));
        }
        // An entry's screen leads back to a list that is a screen of its own.
        for entry in Screen::ENTRIES {
            assert!(Screen::ALL.iter().any(|s| !Screen::ENTRIES.contains(s) && s.path() == entry.path()), "{entry:?}");
        }
    }

    /// Every help page a preset ships belongs to a screen (a typo would be a page no link opens).
    #[test]
    fn every_help_page_of_every_preset_names_a_screen() {
        let demo = madoguchi_core::config::Config::demo().expect("the demo config loads");
        for portal in &demo.portals {
            for (key, page) in &portal.settings.help {
                let preset = &portal.id;
                assert!(Screen::from_key(key).is_some(), "{preset}: help page [{key}] names no screen");
                for lang in [madoguchi_core::Lang::Ja, madoguchi_core::Lang::En] {
                    assert!(!page.title.get(lang).is_empty(), "{preset} [{key}] title");
                    assert!(!page.body.get(lang).trim().is_empty(), "{preset} [{key}] body");
                }
            }
        }
    }
}
