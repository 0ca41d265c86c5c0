//! A portal is a value: the policy numbers and flow kinds of one configured site, read from
//! a preset (`presets/<name>.toml`) plus the operator's overrides. No code branches on a
//! preset's name; it branches on these values.

use crate::calendar::{BusinessCalendar, ClosedDay, Overrides};
use crate::hours::ServiceHours;
use crate::text::Text;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One configured portal, checked: every value here passed `validate`.
#[derive(Debug, Clone)]
pub struct Portal {
    /// Path segment (`/rokin/`) and the key of all its data.
    pub id: String,
    /// Host name that also selects this portal, if any.
    pub host: Option<String>,
    pub preset: String,
    /// Shared: every request takes the portal (PortalRef), and a deep copy of the settings,
    /// help pages and all, cost each page view ~100 allocations.
    pub settings: std::sync::Arc<PortalSettings>,
    pub hours: ServiceHours,
    /// The absolute address of the portal's pages, `<server's public URL>/<id>` (see
    /// `ServerSettings::base_url`): what links in mails are made of.
    pub public_url: String,
    /// The business-day calendar's closure rules (`[calendar] closed`, parsed); the operator's
    /// overrides come from the database ([`Portal::calendar`]).
    pub closures: std::sync::Arc<[ClosedDay]>,
}

impl Portal {
    /// The absolute URL of one of the portal's pages (`path` from the portal's root, e.g.
    /// `/login`), for mails: a mail is read outside the browser, where a path means nothing.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// The portal's business-day calendar with the operator's `overrides`.
    pub fn calendar<'a>(&'a self, overrides: &'a Overrides) -> BusinessCalendar<'a> {
        BusinessCalendar::new(&self.closures, overrides)
    }
}

/// Everything a preset file fixes, and everything a config file may override.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalSettings {
    /// The system's name as the manual prints it (e.g. 賃金控除事務支援システム).
    pub name: Text,
    /// Who runs it (国土交通省, 労働金庫 …): signs mails and the help desk.
    pub operator_name: Text,
    /// Title of the first screen as the manual names it (利用者ポータル, ログイン画面 …).
    pub top_title: Text,
    /// Heading of the operator's messages on the first screen (連絡事項, ご注意事項, お知らせ).
    pub notices_label: Text,
    /// Help desk text shown until the operator edits it in the console.
    pub help_desk: Text,
    /// The name in brackets at the head of a mail's subject where it differs from `name`
    /// (shaho's own mails say 【次世代社労法務システム】); `name` where absent. Used by the mails
    /// written since (the 二段階認証 change); the older ones still say `name`.
    #[serde(default)]
    pub mail_name: Option<Text>,
    /// hellowork: each employer belongs to an office (管轄安定所), named on the home screen
    /// under this label; the operator records it with the account.
    #[serde(default)]
    pub office_label: Option<Text>,
    #[serde(default)]
    pub links: Vec<ExternalLink>,
    pub login_screen: LoginScreen,
    pub login_id: LoginIdPolicy,
    pub password: PasswordPolicy,
    pub lockout: LockoutPolicy,
    pub second_factor: SecondFactor,
    pub registration: Registration,
    /// How a user who forgot the password gets back in.
    #[serde(default)]
    pub recovery: Recovery,
    /// 退会 from the menu, where the manual has it.
    #[serde(default)]
    pub withdrawal: Option<Withdrawal>,
    /// 登録情報確認 in the menu (jrec-in): the organization's registered data, read-only for
    /// the employer, edited by the operator on request.
    #[serde(default)]
    pub registered_info: Option<RegisteredInfo>,
    #[serde(default)]
    pub service_hours: Option<ServiceHoursSetting>,
    /// The business-day calendar (営業日): which days are not business days besides the
    /// operator's. Absent: Saturdays, Sundays and national holidays.
    #[serde(default)]
    pub calendar: CalendarSetting,
    pub session: SessionPolicy,
    #[serde(default)]
    pub modules: Vec<Module>,
    /// The seekers' side, where `modules` lists `seekers`.
    #[serde(default)]
    pub seekers: SeekerSettings,
    /// jrec-in 求職者照会メール's anti-spam limits, where `modules` lists `seeker_mail`.
    #[serde(default)]
    pub seeker_mail: crate::relay::InquiryLimits,
    /// jrec-in Web応募's retention of applications, where `modules` lists `applications`.
    #[serde(default)]
    pub applications: ApplicationSettings,
    /// The menu after login, in the manual's groups (rokin: メニュー操作). A screen named here
    /// exists on the portal and one not named answers 404; empty: the plain home menu.
    #[serde(default)]
    pub menu: Vec<MenuGroup>,
    /// Every password field can be filled from an on-screen keyboard (rokin: ソフトウェアキーボード).
    #[serde(default)]
    pub software_keyboard: bool,
    /// Help pages by screen key (`top`, `login`, …), written from the manual.
    #[serde(default)]
    pub help: BTreeMap<String, HelpPage>,
}

/// The login screen's title and identifier label, in the manual's words.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginScreen {
    pub title: Text,
    pub id_label: Text,
    /// The first screen after login (メニュー, 求人者マイページホーム, インフォメーション …).
    pub home_title: Text,
    /// The password change screen's title and its three labels.
    pub change_title: Text,
    pub current_label: Text,
    pub new_label: Text,
    pub confirm_label: Text,
    /// The change screen's title when a temporary password must be changed at first login
    /// (rokin: ログインパスワード変更（初回ログイン）); `change_title` where absent.
    #[serde(default)]
    pub first_change_title: Option<Text>,
    /// The first screen's button to this screen, in the manual's words (rokin: 「ログイン」);
    /// 「ログイン画面へ」 (mlit-fwms's words) where absent.
    #[serde(default)]
    pub top_link: Option<Text>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalLink {
    pub label: Text,
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelpPage {
    pub title: Text,
    /// Paragraphs separated by blank lines.
    pub body: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginIdKind {
    /// Chosen by the user at registration (mlit-fwms ログインＩＤ).
    LoginId,
    /// Chosen by the master user or at initial registration (rokin ユーザーＩＤ).
    UserId,
    /// The e-mail address is the login identifier (shaho, hellowork).
    Email,
    /// Issued by the portal (jrec-in).
    Issued,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharClass {
    Upper,
    Lower,
    Letter,
    Digit,
    Symbol,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginIdPolicy {
    pub kind: LoginIdKind,
    pub min: usize,
    pub max: usize,
    /// Classes that must each appear at least once.
    #[serde(default)]
    pub require: Vec<CharClass>,
    pub case_sensitive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllowedChars {
    /// Half-width letters, digits and symbols; no space (U+0021..U+007E).
    AsciiGraphic,
    /// Printable ASCII including the space (U+0020..U+007E).
    AsciiPrintable,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    pub min: usize,
    pub max: usize,
    pub allowed: AllowedChars,
    /// Class groups: each entry is one class or several joined by `|` ("digit|symbol").
    pub groups: Vec<String>,
    /// How many groups must be present; all of them when absent.
    #[serde(default)]
    pub min_groups: Option<usize>,
    /// Refuse a run of this many characters taken from the user's name or login ID (0: off).
    #[serde(default)]
    pub no_name_run: usize,
    /// Refuse the last N passwords (0: off).
    #[serde(default)]
    pub history: usize,
    #[serde(default)]
    pub max_age_days: Option<u32>,
    #[serde(default)]
    pub expiry_warning_days: u32,
    /// Refuse passwords from the shipped common-password list.
    #[serde(default = "yes")]
    pub common_list: bool,
    /// rokin: an expired password first shows a confirmation (OK ⇒ change, キャンセル ⇒ login).
    #[serde(default)]
    pub expired_confirmation: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unblocker {
    Operator,
    OrgAdmin,
    Time,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockoutPolicy {
    pub failures: u32,
    pub lock_minutes: u32,
    /// The K-th lock blocks the account (閉塞) until someone unblocks it.
    #[serde(default)]
    pub block_after_locks: Option<u32>,
    #[serde(default)]
    pub notify_user: bool,
    pub unblock_by: Vec<Unblocker>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SecondFactor {
    None,
    /// hellowork: a one-time password mailed at every login, skippable per browser.
    EmailOtp {
        code_minutes: u32,
        max_attempts: u32,
        skip_days: u32,
        #[serde(default)]
        office_networks: Vec<String>,
    },
    /// shaho: a code mailed at every login when the account has turned it on.
    OptionalEmailCode {
        code_minutes: u32,
        max_attempts: u32,
    },
    /// rokin: a client certificate issued by the portal's own authority.
    ClientCertificate {
        validity_days: u32,
        renew_before_days: u32,
        code_digits: u32,
        code_minutes: u32,
        subject_suffix: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Registration {
    /// mlit-fwms: 仮申請 mails a temporary password, 本申請 sets the real one. At most
    /// `per_address_per_hour` mails to one address and `per_ip_per_hour` applications from one
    /// IP address (the manual gives neither: chosen as shaho's sign-up, 5 and 20).
    ProvisionalTempPassword {
        temp_password_hours: u32,
        #[serde(default = "five")]
        per_address_per_hour: u32,
        #[serde(default = "twenty")]
        per_ip_per_hour: u32,
    },
    /// shaho: e-mail code, then details matched against a contract with a seat limit.
    EmailCodeWithContract { code_digits: u32, code_minutes: u32, customer_id_prefix: String, customer_id_digits: u32 },
    /// rokin: contract number + initial password make the master, who adds general users.
    ContractMaster { contract_number_digits: u32, max_general_users: u32 },
    /// hellowork, jrec-in: accounts are made by the operator.
    OperatorCreated,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// jrec-in: the exit survey (退会アンケート) comes with the withdrawal.
    #[serde(default)]
    pub survey: bool,
    /// hellowork: 「アカウントを再登録」 with the old e-mail and password within these days.
    #[serde(default)]
    pub return_within_days: Option<u32>,
    /// The account and its personal data are deleted this many days after withdrawal.
    pub purge_after_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisteredInfo {
    /// What the portal calls the organization's name (機関名, 事業所名 …).
    pub organization_label: Text,
    /// How changes are asked for, in the manual's words (who to write to, what to state).
    pub change_note: Text,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Recovery {
    /// No self-service: the operator helps (hellowork's forgotten ID, rokin's master).
    #[default]
    None,
    /// hellowork: パスワードをお忘れの方 → 認証キー by mail → パスワード再登録 in the same browser
    /// (also shaho and jrec-in, in their own words).
    ResetKey {
        key_minutes: u32,
        max_attempts: u32,
        per_address_per_hour: u32,
        per_ip_per_hour: u32,
        /// The screens' words where the manual has its own (absent: the generic ones). Boxed:
        /// ten texts would make every `Recovery` as large as this variant.
        #[serde(default)]
        words: Box<ResetWords>,
    },
    /// mlit-fwms: ID／パスワード紛失 mails the login ID, or a temporary password that works once
    /// within its hours and forces パスワード設定; パスワード設定／変更 works without a session.
    ReissueTemporary { temp_password_hours: u32, per_address_per_hour: u32, per_ip_per_hour: u32 },
}

/// The words of the reset by mailed key, as the portal's manual has them (hellowork's
/// 「パスワードをお忘れの方」 → 「求人者マイページパスワード再登録」 → 「パスワード再登録」 and its
/// mail 「パスワード再登録申込受付通知」; shaho's 「パスワードを忘れた方はこちら」). Each absent word
/// is the generic page text.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetWords {
    /// The login screen's link.
    #[serde(default)]
    pub link: Option<Text>,
    /// The first screen (the ID → the key mailed): its title and button.
    #[serde(default)]
    pub title: Option<Text>,
    #[serde(default)]
    pub next: Option<Text>,
    /// The second screen (the key and the new password): its title.
    #[serde(default)]
    pub reset_title: Option<Text>,
    /// The key's mail, as its subject and the second screen name it.
    #[serde(default)]
    pub mail: Option<Text>,
}

/// One of [`ResetWords`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetWord {
    Link,
    Title,
    Next,
    ResetTitle,
    Mail,
}

impl ResetWords {
    pub fn get(&self, word: ResetWord) -> Option<&Text> {
        match word {
            ResetWord::Link => self.link.as_ref(),
            ResetWord::Title => self.title.as_ref(),
            ResetWord::Next => self.next.as_ref(),
            ResetWord::ResetTitle => self.reset_title.as_ref(),
            ResetWord::Mail => self.mail.as_ref(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceHoursSetting {
    /// `HH:MM-HH:MM`, Japan time; an end at or before the start is on the next day.
    pub hours: String,
    /// `mon`..`sun`, `holiday`, `MM-DD`, or `non_business_days` (every day `[calendar]`
    /// closes). The operator's calendar days decide their day for the gate too.
    #[serde(default)]
    pub closed: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSetting {
    /// `mon`..`sun`, `holiday` (national holidays and 休日), or `MM-DD`.
    pub closed: Vec<String>,
}

impl Default for CalendarSetting {
    fn default() -> Self {
        CalendarSetting { closed: ["sat", "sun", "holiday"].map(String::from).to_vec() }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPolicy {
    pub idle_minutes: u32,
    pub absolute_hours: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Module {
    AcceptancePlan,
    Zaikei,
    JobPostings,
    Applications,
    SeekerMail,
    AspAccounts,
    /// Job seekers' own accounts (求職者: users without an organization), spec modules §0.10.
    Seekers,
}

/// The seekers' side of a job portal (module `seekers`): its name in mails and titles, and
/// the unused-account expiry (jrec-in §1.8.7). Every value has a default, so a preset that
/// lists the module needs no table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeekerSettings {
    /// The seekers' pages' name (JREC-IN Portal 求職者ページ); the portal's `name` where absent.
    pub name: Option<Text>,
    /// How long the registration code is valid, in minutes (the other portals' 30).
    pub code_minutes: u32,
    /// An account without a login for this many days gets the expiry notice (3 years).
    pub unused_days: u32,
    /// … and is deleted this many days after the notice unless its owner logs in.
    pub notice_days: u32,
}

impl Default for SeekerSettings {
    fn default() -> SeekerSettings {
        SeekerSettings { name: None, code_minutes: 30, unused_days: 3 * 365, notice_days: 30 }
    }
}

/// Web応募's policy values (a portal's `[applications]` table, every value with a default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApplicationSettings {
    /// The applicants' documents and data are erased this many days after the posting's
    /// 募集終了日 (jrec-in §1.13: 1 year), the institution told 30 days before.
    pub retention_days: u32,
}

impl Default for ApplicationSettings {
    fn default() -> ApplicationSettings {
        ApplicationSettings { retention_days: 365 }
    }
}

/// One pull-down of the menu bar (共通機能, システム管理機能 …) and its screens, in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuGroup {
    pub label: Text,
    pub items: Vec<MenuItem>,
}

/// A screen the menu can name. The business screens of M2 (財形 …) join when they exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MenuItem {
    /// パスワード変更
    Password,
    /// マニュアル照会: PDFs the operator uploads.
    Manuals,
    /// 契約ユーザー情報照会: the master user registers, updates and deletes the general users.
    ContractUsers,
    /// 契約ユーザー情報変更: each user's own name and e-mail address.
    UserInfo,
    /// 操作ログ照会: the organization's audit events.
    OperationLog,
    /// 財形積立明細照会 (module zaikei): the bank's 預入依頼書, 加入者残高一覧表 and 奨励金.
    ZaikeiStatements,
    /// 財形アラーム明細照会 (module zaikei): the アラーム明細 and their 対応状況.
    ZaikeiAlarms,
    /// 財形積立明細書出力／財形アラーム明細出力 (module zaikei): the PDF reports.
    ZaikeiReports,
    /// 財形積立明細データエクスポート (module zaikei): a delivery as CSV for Excel.
    ZaikeiExport,
    /// 財形積立明細変更 (module zaikei, 明細変更機能 only): changes to a 預入依頼書.
    ZaikeiChange,
    /// 財形変更後明細送信 (module zaikei, 明細変更機能 only): sends the changes to the bank.
    ZaikeiSend,
    /// 財形積立明細変更履歴照会 (module zaikei, 明細変更機能 only): the versions of the changes.
    ZaikeiHistory,
}

/// Who may open a screen of the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Every user of the contract.
    Everyone,
    /// The master user alone (general users get a 403 page that says so).
    Master,
    /// 財形's change screens: only where the contract has the 明細変更機能 option (elsewhere the
    /// screen does not exist: absent from the menu, 404 by address), and then for the master
    /// and the general users the master granted the 明細変更 right (others: 403).
    ZaikeiChange,
    /// 財形's change history: only where the contract has the 明細変更機能 option, and then for
    /// every user of the contract (reading what was sent needs no right: docs/ZAIKEI.md).
    ZaikeiChangeView,
}

/// What a user gets at a screen of the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Open,
    /// The screen does not exist for this contract: not in the menu, 404.
    Absent,
    /// The screen exists but this user lacks the right: not in the menu, 403 with a message.
    Forbidden,
}

impl Access {
    /// The rule, from what the user's row says: `master` (role), the contract's 明細変更機能
    /// flag and the user's 明細変更 right.
    pub fn verdict(self, master: bool, contract_change_option: bool, change_right: bool) -> Verdict {
        match self {
            Access::Everyone => Verdict::Open,
            Access::Master if master => Verdict::Open,
            Access::Master => Verdict::Forbidden,
            Access::ZaikeiChange if !contract_change_option => Verdict::Absent,
            Access::ZaikeiChange if master || change_right => Verdict::Open,
            Access::ZaikeiChange => Verdict::Forbidden,
            Access::ZaikeiChangeView if contract_change_option => Verdict::Open,
            Access::ZaikeiChangeView => Verdict::Absent,
        }
    }
}

impl MenuItem {
    /// Who may open the screen.
    pub fn access(self) -> Access {
        match self {
            MenuItem::ContractUsers => Access::Master,
            MenuItem::Password
            | MenuItem::Manuals
            | MenuItem::UserInfo
            | MenuItem::OperationLog
            | MenuItem::ZaikeiStatements
            | MenuItem::ZaikeiAlarms
            | MenuItem::ZaikeiReports
            | MenuItem::ZaikeiExport => Access::Everyone,
            MenuItem::ZaikeiChange | MenuItem::ZaikeiSend => Access::ZaikeiChange,
            MenuItem::ZaikeiHistory => Access::ZaikeiChangeView,
        }
    }
}

impl PortalSettings {
    /// Whether the portal's menu names this screen (and so the screen exists).
    /// The name a mail's subject starts with, in brackets.
    pub fn mail_name(&self) -> &Text {
        self.mail_name.as_ref().unwrap_or(&self.name)
    }

    /// Whether the operator uploads manuals here: マニュアル照会 in the menu, or the
    /// 管理者用操作マニュアル of the `asp_accounts` module (which is for 管理者 only).
    pub fn takes_manuals(&self) -> bool {
        self.offers(MenuItem::Manuals) || self.modules.contains(&Module::AspAccounts)
    }

    /// Whether the contracts have document shelves (ドキュメント, module `asp_accounts`).
    pub fn has_document_shelves(&self) -> bool {
        self.modules.contains(&Module::AspAccounts)
    }

    pub fn offers(&self, item: MenuItem) -> bool {
        self.menu.iter().any(|g| g.items.contains(&item))
    }

    /// How many general users a master may register, where the portal has master users.
    pub fn max_general_users(&self) -> Option<u32> {
        match self.registration {
            Registration::ContractMaster { max_general_users, .. } => Some(max_general_users),
            _ => None,
        }
    }

    /// Rules serde cannot express. Each failure names its key and the rule.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut errors = Vec::new();
        let mut check = |ok: bool, key: &str, rule: &str| {
            if !ok {
                errors.push((key.to_string(), rule.to_string()));
            }
        };
        let id = &self.login_id;
        check(id.min >= 1, "login_id.min", "must be at least 1");
        check(id.min <= id.max, "login_id.max", "must be at least login_id.min");
        let pw = &self.password;
        check(pw.min >= 1, "password.min", "must be at least 1");
        check(pw.min <= pw.max, "password.max", "must be at least password.min");
        check(pw.max <= 1024, "password.max", "must be at most 1024");
        check(!pw.groups.is_empty(), "password.groups", "must name at least one class group");
        for group in &pw.groups {
            check(
                parse_group(group).is_some(),
                "password.groups",
                "each group is upper, lower, letter, digit or symbol, joined by |",
            );
        }
        if let Some(k) = pw.min_groups {
            check(k >= 1 && k <= pw.groups.len(), "password.min_groups", "must be between 1 and the number of groups");
        }
        check(pw.no_name_run != 1 && pw.no_name_run != 2, "password.no_name_run", "must be 0 (off) or at least 3");
        if let Some(days) = pw.max_age_days {
            check(days >= 1, "password.max_age_days", "must be at least 1");
            check(
                pw.expiry_warning_days < days,
                "password.expiry_warning_days",
                "must be less than password.max_age_days",
            );
        }
        // The notice goes 30 days before the purge: a shorter period would notice (and purge)
        // while the posting still takes applications.
        check(
            self.applications.retention_days >= 31,
            "applications.retention_days",
            "must be at least 31 (the notice goes 30 days before)",
        );
        let lock = &self.lockout;
        check(lock.failures >= 1, "lockout.failures", "must be at least 1");
        check(lock.lock_minutes >= 1, "lockout.lock_minutes", "must be at least 1");
        check(lock.block_after_locks != Some(0), "lockout.block_after_locks", "must be at least 1 (or absent)");
        check(!lock.unblock_by.is_empty(), "lockout.unblock_by", "must name who unblocks");
        match &self.second_factor {
            SecondFactor::None => {}
            SecondFactor::EmailOtp { code_minutes, max_attempts, office_networks, .. } => {
                check(*code_minutes >= 1, "second_factor.code_minutes", "must be at least 1");
                check(*max_attempts >= 1, "second_factor.max_attempts", "must be at least 1");
                for net in office_networks {
                    check(
                        is_cidr(net),
                        "second_factor.office_networks",
                        "each entry is a CIDR range such as 192.0.2.0/24",
                    );
                }
            }
            SecondFactor::OptionalEmailCode { code_minutes, max_attempts } => {
                check(*code_minutes >= 1, "second_factor.code_minutes", "must be at least 1");
                check(*max_attempts >= 1, "second_factor.max_attempts", "must be at least 1");
            }
            SecondFactor::ClientCertificate { validity_days, renew_before_days, code_digits, code_minutes, .. } => {
                check(*validity_days >= 1, "second_factor.validity_days", "must be at least 1");
                check(
                    renew_before_days < validity_days,
                    "second_factor.renew_before_days",
                    "must be less than validity_days",
                );
                check((4..=10).contains(code_digits), "second_factor.code_digits", "must be between 4 and 10");
                check(*code_minutes >= 1, "second_factor.code_minutes", "must be at least 1");
            }
        }
        if let Recovery::ResetKey { key_minutes, max_attempts, per_address_per_hour, per_ip_per_hour, .. } =
            &self.recovery
        {
            check(*key_minutes >= 1, "recovery.key_minutes", "must be at least 1");
            check(*max_attempts >= 1, "recovery.max_attempts", "must be at least 1");
            check(*per_address_per_hour >= 1, "recovery.per_address_per_hour", "must be at least 1");
            check(*per_ip_per_hour >= 1, "recovery.per_ip_per_hour", "must be at least 1");
        }
        if let Recovery::ReissueTemporary { temp_password_hours, per_address_per_hour, per_ip_per_hour } =
            &self.recovery
        {
            check(*temp_password_hours >= 1, "recovery.temp_password_hours", "must be at least 1");
            check(*per_address_per_hour >= 1, "recovery.per_address_per_hour", "must be at least 1");
            check(*per_ip_per_hour >= 1, "recovery.per_ip_per_hour", "must be at least 1");
        }
        if let Some(w) = &self.withdrawal {
            check(w.purge_after_days >= 1, "withdrawal.purge_after_days", "must be at least 1");
            if let Some(days) = w.return_within_days {
                check(
                    days >= 1 && days <= w.purge_after_days,
                    "withdrawal.return_within_days",
                    "must be between 1 and purge_after_days",
                );
            }
        }
        let session = &self.session;
        check(session.idle_minutes >= 1, "session.idle_minutes", "must be at least 1");
        check(
            u64::from(session.absolute_hours) * 60 >= u64::from(session.idle_minutes),
            "session.absolute_hours",
            "must not be shorter than session.idle_minutes",
        );
        let items: Vec<MenuItem> = self.menu.iter().flat_map(|g| g.items.iter().copied()).collect();
        for (i, item) in items.iter().enumerate() {
            check(!items[..i].contains(item), "menu", "names a screen more than once");
        }
        check(
            !self.offers(MenuItem::ContractUsers) || self.max_general_users().is_some(),
            "menu",
            "contract_users needs registration.kind = \"contract_master\" (master and general users)",
        );
        for (i, link) in self.links.iter().enumerate() {
            check(
                link.url.starts_with("https://") || link.url.starts_with("http://"),
                &format!("links[{i}].url"),
                "must be an http:// or https:// address",
            );
        }
        errors
    }

    pub fn help_page(&self, screen: &str) -> Option<&HelpPage> {
        self.help.get(screen)
    }
}

/// A class group such as `digit|symbol`.
pub fn parse_group(group: &str) -> Option<Vec<CharClass>> {
    group
        .split('|')
        .map(|c| match c.trim() {
            "upper" => Some(CharClass::Upper),
            "lower" => Some(CharClass::Lower),
            "letter" => Some(CharClass::Letter),
            "digit" => Some(CharClass::Digit),
            "symbol" => Some(CharClass::Symbol),
            _ => None,
        })
        .collect()
}

pub(crate) fn is_cidr(raw: &str) -> bool {
    let Some((addr, bits)) = raw.split_once('/') else {
        return false;
    };
    let Ok(bits) = bits.parse::<u8>() else {
        return false;
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => bits <= 32,
        Ok(std::net::IpAddr::V6(_)) => bits <= 128,
        Err(_) => false,
    }
}

fn five() -> u32 {
    5
}

fn twenty() -> u32 {
    20
}

#[cfg(test)]
#[path = "portal_access_tests.rs"]
mod access_tests;
