//! Every employer screen of every portal has a ヘルプ link that opens that screen's help page
//! (written from the manual), and the help page leads back to the screen. The walk goes through
//! each portal's flows as a user would, and at the end checks that it saw every screen the
//! portal has: a new screen without help, or a help page without its screen, fails here.

use crate::rokin::certificate::{MASTER_EMAIL, MASTER_ID, MASTER_PASSWORD};
use crate::testkit::{Page, TestApp};
use axum::http::StatusCode;
use madoguchi_web::screens::Screen;
use std::collections::BTreeSet;

/// The screens each demo portal has today.
fn expected(portal: &str) -> BTreeSet<&'static str> {
    use Screen::*;
    let screens: &[Screen] = match portal {
        "mlit-fwms" => &[
            Top,
            Login,
            Register,
            RegisterComplete,
            Recover,
            Set,
            Home,
            Password,
            PlanNew,
            PlanSection,
            PlanAttachments,
            PlanApply,
            PlanView,
        ],
        "shaho" => &[Top, Login, Forgot, Reset, Signup, Link, Home, Password, LoginCode, Accounts, Documents, Otp],
        "rokin" => &[
            Top,
            MasterLogin,
            MasterRegister,
            MasterDone,
            Certificate,
            CertificateCode,
            CertificateIssue,
            CertificateResult,
            CertificateMissing,
            Login,
            Home,
            Password,
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
            Expired,
        ],
        "hellowork" => &[Top, Login, Forgot, Reset, Return, Otp, Skip, Home, Password, Withdraw],
        "jrec-in" => &[
            Top,
            Login,
            Forgot,
            Reset,
            Home,
            Password,
            Withdraw,
            RegisteredInfo,
            PostingRegister,
            PostingTerms,
            PostingLanguage,
            PostingForm,
            PostingSaved,
            PostingConfirm,
            PostingRequested,
            PostingRequestedDetail,
            PostingAccess,
            PostingHistory,
        ],
        other => panic!("no screen list for {other}"),
    };
    screens.iter().map(|s| s.key()).collect()
}

struct Walk<'a> {
    app: &'a TestApp,
    portal: &'static str,
    seen: BTreeSet<&'static str>,
}

impl Walk<'_> {
    /// `page` is `screen`: its ヘルプ link opens the screen's help, in Japanese and in English,
    /// and the help page's way back returns to the screen.
    async fn check(&mut self, page: &Page, screen: Screen) {
        self.check_as(page, screen, StatusCode::OK).await;
    }

    /// `check` for a screen sent with another status (rokin's refusal of a login without a
    /// valid certificate is a 403, and still has its help).
    async fn check_as(&mut self, page: &Page, screen: Screen, status: StatusCode) {
        let (portal, key) = (self.portal, screen.key());
        assert_eq!(page.status, status, "{portal} {key}: {}", page.body);
        let href = format!("/{portal}/help/{key}");
        page.assert_contains(&format!("href=\"{href}\" class=\"help-link\""));
        let help = self.app.get(&href).await;
        assert_eq!(help.status, StatusCode::OK, "{href}");
        help.assert_contains("<h1>ヘルプ").assert_contains(&format!("href=\"/{portal}/{}\"", screen.path()));
        let english = self.app.get_with(&href, &[("accept-language", "en")]).await;
        assert_eq!(english.status, StatusCode::OK, "{href} in English");
        english.assert_contains("<h1>Help");
        self.seen.insert(key);
    }

    async fn visit(&mut self, screen: Screen) {
        let page = self.app.get(&format!("/{}/{}", self.portal, screen.path())).await;
        self.check(&page, screen).await;
    }

    fn done(self) {
        assert_eq!(self.seen, expected(self.portal), "{}: screens walked vs screens the portal has", self.portal);
    }
}

#[tokio::test]
async fn mlit_fwms_screens_have_help() {
    let app = TestApp::demo().await;
    let mut walk = Walk { app: &app, portal: "mlit-fwms", seen: BTreeSet::new() };
    for screen in [Screen::Top, Screen::Login, Screen::Register, Screen::RegisterComplete, Screen::Recover, Screen::Set]
    {
        walk.visit(screen).await;
    }
    let login = app.post("/mlit-fwms/login", &[("login_id", "kensetsu01"), ("password", "Demo-User-2026")]).await;
    assert_eq!(login.location(), "/mlit-fwms/home", "{}", login.body);
    walk.visit(Screen::Home).await;
    walk.visit(Screen::Password).await;
    // 建設特定技能受入計画 (module acceptance_plan): the sections, a Part, the documents, what
    // stops the 申請 (a 422 until the plan is complete), 計画確認.
    walk.visit(Screen::PlanNew).await;
    let started = app.post("/mlit-fwms/plan/start", &[]).await;
    assert_eq!(started.location(), "/mlit-fwms/plan");
    let part = app.get("/mlit-fwms/plan/part/p1").await;
    walk.check(&part, Screen::PlanSection).await;
    walk.visit(Screen::PlanAttachments).await;
    let blocked = app.get("/mlit-fwms/plan/apply").await;
    walk.check_as(&blocked, Screen::PlanApply, StatusCode::UNPROCESSABLE_ENTITY).await;
    walk.visit(Screen::PlanView).await;
    walk.done();
}

#[tokio::test]
async fn shaho_screens_have_help() {
    let app = TestApp::demo().await;
    let mut walk = Walk { app: &app, portal: "shaho", seen: BTreeSet::new() };
    walk.visit(Screen::Top).await;
    walk.visit(Screen::Login).await;
    walk.visit(Screen::Forgot).await;
    let asked = app.browser();
    assert_eq!(
        asked.post("/shaho/password/forgot", &[("login_id", "kanri@example.jp")]).await.location(),
        "/shaho/password/reset"
    );
    walk.check(&asked.get("/shaho/password/reset").await, Screen::Reset).await;
    walk.visit(Screen::Signup).await;
    // The contract's first account is its 管理者: it links an ASP user, then manages accounts.
    crate::identity::signup::verified(&app, "kanri@example.jp").await;
    crate::identity::signup::details(
        &app,
        crate::identity::signup::CUSTOMER,
        crate::identity::signup::TEL,
        "管理 太郎",
    )
    .await;
    let password = crate::identity::signup::PASSWORD;
    let login = app.post("/shaho/login", &[("login_id", "kanri@example.jp"), ("password", password)]).await;
    assert_eq!(login.location(), "/shaho/home", "{}", login.body);
    let link = app.get("/shaho/link").await;
    walk.check(&link, Screen::Link).await;
    let linked = crate::modules::asp_accounts::link(&app, "abcd8-01").await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.body);
    for screen in [Screen::Home, Screen::Password, Screen::LoginCode, Screen::Accounts, Screen::Documents] {
        walk.visit(screen).await;
    }
    // With the login code on, the next login asks for it.
    app.post("/shaho/login-code", &[("password", password), ("enable", "on")]).await.assert_contains("有効</strong>");
    app.post("/shaho/logout", &[]).await;
    let login = app.post("/shaho/login", &[("login_id", "kanri@example.jp"), ("password", password)]).await;
    assert_eq!(login.location(), "/shaho/login/otp");
    walk.visit(Screen::Otp).await;
    walk.done();
}

#[tokio::test]
async fn rokin_screens_have_help() {
    let app = TestApp::demo().await;
    let mut walk = Walk { app: &app, portal: "rokin", seen: BTreeSet::new() };
    walk.visit(Screen::Top).await;
    // マスターユーザーの初期登録: 初期登録ログイン → 登録内容入力 → 登録結果.
    walk.visit(Screen::MasterLogin).await;
    crate::rokin::certificate::initial_login(&app).await;
    walk.visit(Screen::MasterRegister).await;
    crate::rokin::certificate::master_details(&app).await;
    walk.visit(Screen::MasterDone).await;
    // 電子証明書発行: ユーザー認証 → 認証コード入力 → 発行 → 発行結果.
    walk.visit(Screen::Certificate).await;
    let page = app.post("/rokin/certificate", &[("login_id", MASTER_ID), ("password", MASTER_PASSWORD)]).await;
    assert_eq!(page.location(), "/rokin/certificate/code", "{}", page.body);
    walk.visit(Screen::CertificateCode).await;
    let code = crate::rokin::certificate::certificate_code(&app, MASTER_EMAIL).await;
    let page = app.post("/rokin/certificate/code", &[("code", &code)]).await;
    assert_eq!(page.location(), "/rokin/certificate/issue", "{}", page.body);
    walk.visit(Screen::CertificateIssue).await;
    // The one departure from the manual (the password asked again at 発行) is explained.
    app.get("/rokin/help/certificate-issue").await.assert_contains("パスワードをもう一度入力");
    let page = app.post("/rokin/certificate/issue", &[("password", MASTER_PASSWORD)]).await;
    assert_eq!(page.location(), "/rokin/certificate/result", "{}", page.body);
    walk.visit(Screen::CertificateResult).await;
    let download = app.get("/rokin/certificate/download").await;
    assert_eq!(download.status, StatusCode::OK);
    let der = crate::rokin::certificate::certificate_der(&download.bytes, MASTER_PASSWORD);
    // Until the browser presents the certificate, the login screen refuses and says why.
    let refused = app.get("/rokin/login").await;
    refused.assert_contains("電子証明書が提示されませんでした");
    walk.check_as(&refused, Screen::CertificateMissing, StatusCode::FORBIDDEN).await;
    // With it, the certificate picks the user and only the password is typed.
    app.present_certificate(Some(der));
    walk.visit(Screen::Login).await;
    let login = app.post("/rokin/login", &[("password", MASTER_PASSWORD)]).await;
    assert_eq!(login.location(), "/rokin/home", "{}", login.body);
    walk.visit(Screen::Home).await;
    walk.visit(Screen::Password).await;
    // The rest of the master's menu: 契約ユーザー情報, 操作ログ照会, マニュアル照会, the browsers
    // signed in, and the 財形貯蓄事務 screens (the demo contract has deliveries and the
    // 明細変更機能 option, so the change screens are open to its master).
    use Screen::*;
    for screen in [
        Users,
        UserNew,
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
    ] {
        walk.visit(screen).await;
    }
    // 更新へ is one entry of the list: its help leads back to the list.
    let mut conn = app.state.store.acquire().await.unwrap();
    let master = madoguchi_store::users::by_login_id(&mut conn, "rokin", MASTER_ID).await.unwrap().unwrap();
    drop(conn);
    let edit = app.get(&format!("/rokin/users/{}", master.id)).await;
    walk.check(&edit, UserEdit).await;
    // 182 days on (a Tuesday, the certificate still in force), the password is past its 180
    // days: the next login leads to the expiry's confirmation.
    app.set_clock("2027-05-25T10:00:00+09:00");
    let login = app.post("/rokin/login", &[("password", MASTER_PASSWORD)]).await;
    assert_eq!(login.location(), "/rokin/home", "{}", login.body);
    let home = app.get("/rokin/home").await;
    assert_eq!(home.location(), "/rokin/password/expired", "{}", home.body);
    walk.visit(Screen::Expired).await;
    walk.done();
}

#[tokio::test]
async fn hellowork_screens_have_help() {
    let app = TestApp::demo().await;
    let mut walk = Walk { app: &app, portal: "hellowork", seen: BTreeSet::new() };
    for screen in [Screen::Top, Screen::Login, Screen::Forgot, Screen::Return] {
        walk.visit(screen).await;
    }
    // The reset form follows a request for a key.
    let asked = app.post("/hellowork/password/forgot", &[("login_id", "demo@hellowork.example.jp")]).await;
    assert_eq!(asked.location(), "/hellowork/password/reset", "{}", asked.body);
    walk.visit(Screen::Reset).await;
    let login = app
        .post("/hellowork/login", &[("login_id", "demo@hellowork.example.jp"), ("password", "Demo-User-2026")])
        .await;
    assert_eq!(login.location(), "/hellowork/login/otp");
    walk.visit(Screen::Otp).await;
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.subject.contains("ワンタイムパスワード通知")).expect("an OTP mail");
    let line = mail.text.lines().find(|l| l.starts_with("ワンタイムパスワード：")).expect("an OTP line");
    let otp: String = line.chars().filter(char::is_ascii_digit).collect();
    let entered = app.post("/hellowork/login/otp", &[("otp", &otp), ("skip", "1")]).await;
    assert_eq!(entered.location(), "/hellowork/login/skip", "{}", entered.body);
    walk.visit(Screen::Skip).await;
    app.post("/hellowork/login/skip", &[("choice", "ok")]).await;
    for screen in [Screen::Home, Screen::Password, Screen::Withdraw] {
        walk.visit(screen).await;
    }
    walk.done();
}

#[tokio::test]
async fn jrec_in_screens_have_help() {
    // The demo with its sample postings: 求人公募情報's screens have something in every list.
    let app = TestApp::demo().await;
    let mut walk = Walk { app: &app, portal: "jrec-in", seen: BTreeSet::new() };
    walk.visit(Screen::Top).await;
    walk.visit(Screen::Login).await;
    walk.visit(Screen::Forgot).await;
    let asked = app.post("/jrec-in/password/forgot", &[("login_id", "demo-kikan")]).await;
    assert_eq!(asked.location(), "/jrec-in/password/reset", "{}", asked.body);
    walk.visit(Screen::Reset).await;
    let login = app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    assert_eq!(login.location(), "/jrec-in/home", "{}", login.body);
    for screen in [Screen::Home, Screen::Password, Screen::Withdraw, Screen::RegisteredInfo] {
        walk.visit(screen).await;
    }
    walk.visit(Screen::PostingRegister).await;
    walk.visit(Screen::PostingTerms).await;
    walk.visit(Screen::PostingLanguage).await;
    walk.check(&app.get("/jrec-in/job-postings/new/form?language=ja").await, Screen::PostingForm).await;
    let id = crate::modules::job_postings::new_draft(&app, &crate::modules::job_postings::complete()).await;
    walk.check(&app.get(&format!("/jrec-in/job-postings/{id}/saved")).await, Screen::PostingSaved).await;
    let confirm = app.get(&format!("/jrec-in/job-postings/{id}/confirm")).await;
    walk.check(&confirm, Screen::PostingConfirm).await;
    let version = crate::modules::job_postings::version_in(&confirm);
    app.post(&format!("/jrec-in/job-postings/{id}/confirm"), &[("version", version.as_str())]).await;
    walk.visit(Screen::PostingRequested).await;
    walk.check(&app.get(&format!("/jrec-in/job-postings/{id}/requested")).await, Screen::PostingRequestedDetail).await;
    walk.check(&app.get(&format!("/jrec-in/job-postings/{id}/history")).await, Screen::PostingHistory).await;
    walk.visit(Screen::PostingAccess).await;
    walk.done();
}
