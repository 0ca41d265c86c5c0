//! Demo data for `serve` without a config file: one operator per portal and a notice on
//! each first screen, the demo accounts and contracts, and shaho's two kinds of files (the
//! 管理者用操作マニュアル and a document on the demo contract's shelf: small static PDFs made by
//! `demo/make_pdfs.py`), so a newcomer sees every part working. Seeding is idempotent.
//! The demo operator password is public (README): never run the demo on a public address.

use madoguchi_console::contracts;
use madoguchi_core::Config;
use madoguchi_identity::accounts::{self, AccountError, NewAccount};
use madoguchi_store::content::{self, AnnouncementInput};
use madoguchi_store::documents::{self, NewFile, Shelf};
use madoguchi_store::manuals::{self, NewManual};
use madoguchi_store::{Store, operators};
use madoguchi_web::auth::Hasher;
use sha2::{Digest, Sha256};

pub const OPERATOR_PASSWORD: &str = "Demo-Operator-2026";
/// The demo job seeker of jrec-in: its ユーザID, login address and password.
pub const DEMO_SEEKER_ID: &str = "U100000001";
pub const DEMO_SEEKER_EMAIL: &str = "seeker@jrec-in.example.jp";
pub const DEMO_SEEKER_PASSWORD: &str = "DemoSeeker2026";

/// Demo employer accounts: (portal, organization, office in charge, login ID or e-mail, e-mail,
/// name, password).
pub const USERS: [(&str, &str, &str, &str, &str, &str, &str); 3] = [
    (
        "hellowork",
        "株式会社ハローワーク商事",
        "飯田橋公共職業安定所",
        "demo@hellowork.example.jp",
        "demo@hellowork.example.jp",
        "人事 花子",
        "Demo-User-2026",
    ),
    ("jrec-in", "国立窓口大学", "", "demo-kikan", "demo@jrec-in.example.jp", "研究 太郎", "DemoUser2026"),
    ("mlit-fwms", "窓口建設株式会社", "", "kensetsu01", "demo@mlit-fwms.example.jp", "建設 太郎", "Demo-User-2026"),
];

/// The office of the demo operator of a portal with the 受入計画 (関東地方整備局).
pub const DEMO_BUREAU: &str = "ktr";

pub fn operator_email(portal: &str) -> String {
    format!("operator@{portal}.example.jp")
}

pub async fn seed(store: &Store, config: &Config, hasher: &Hasher, now: i64) -> anyhow::Result<()> {
    let hash = hasher.hash(OPERATOR_PASSWORD).await.map_err(|e| anyhow::anyhow!("hash: {e}"))?;
    for portal in &config.portals {
        let mut tx = store.begin().await?;
        let name = format!("{} 運用担当", portal.settings.operator_name.ja);
        operators::insert(&mut tx, &portal.id, &operator_email(&portal.id), &name, &hash, now).await?;
        // mlit-fwms's demo operator reviews for 関東地方整備局, the office of the demo company
        // (東京都): the setup of the spec's acceptance checks (mlit-plan.md §4.9).
        if portal.settings.modules.contains(&madoguchi_acceptance_plan::MODULE) {
            operators::set_office(&mut tx, &portal.id, &operator_email(&portal.id), Some(DEMO_BUREAU)).await?;
        }
        if content::count_announcements(&mut tx, &portal.id).await? == 0 {
            let notice = AnnouncementInput {
                title_ja: format!("{}のデモ環境です", portal.settings.name.ja),
                title_en: format!("This is a demo of {}", portal.settings.name.en),
                body_ja: "この画面は madoguchi のデモです。入力したデータは試験用です。\n\n連絡事項は運用者コンソールから編集できます。".into(),
                body_en: "This screen is a madoguchi demo; what you enter is test data.\n\nOperators edit these notices in the operator console.".into(),
                starts_at: now - 60,
                ends_at: None,
            };
            content::insert_announcement(&mut tx, &portal.id, &notice, now).await?;
        }
        tx.commit().await?;
    }
    for (portal_id, organization, office, login_id, email, name, password) in USERS {
        let Some(portal) = config.portal(portal_id) else {
            continue;
        };
        let account = NewAccount {
            organization,
            office,
            login_id,
            email,
            name,
            password: Some(password),
            permanent: true,
            actor: "demo",
        };
        match accounts::create(store, hasher, portal, "madoguchi.localhost", &account, now).await {
            Ok(_) | Err(AccountError::Taken(_)) => {}
            Err(e) => return Err(anyhow::anyhow!("demo account {login_id}: {e}")),
        }
    }
    if let Some(portal) = config.portal("shaho") {
        let contract = contracts::NewContract {
            organization: "窓口社会保険労務士事務所",
            customer_id: DEMO_CUSTOMER_ID,
            phone: DEMO_PHONE,
            seats: "3",
            asp_user_ids: "abcd8-01 abcd8-02 abcd8-03",
        };
        match contracts::add(store, portal, &contract, "demo", now).await {
            Ok(id) => {
                // The demo's 管理者登録コード is public (README), like its passwords.
                let mut conn = store.acquire().await?;
                let hash = madoguchi_web::auth::admin_code_hash(DEMO_ADMIN_CODE);
                madoguchi_store::contracts::set_admin_code(&mut conn, &portal.id, id, &hash, now).await?;
            }
            Err(AccountError::Taken(_)) => {}
            Err(e) => return Err(anyhow::anyhow!("demo contract: {e}")),
        }
        if portal.settings.has_document_shelves() {
            seed_files(store, &portal.id, now).await?;
        }
    }
    if let Some(portal) = config.portal("rokin") {
        let fields = ("窓口労働組合", DEMO_CONTRACT_NUMBER, DEMO_INITIAL_PASSWORD);
        match contracts::add_initial(store, hasher, portal, fields, "demo", now).await {
            Ok(_) | Err(AccountError::Taken(_)) => {}
            Err(e) => return Err(anyhow::anyhow!("demo rokin contract: {e}")),
        }
        if portal.settings.modules.contains(&madoguchi_zaikei::MODULE) {
            seed_zaikei(store, portal, now).await?;
        }
    }
    if let Some(portal) = config.portal("jrec-in")
        && portal.settings.modules.contains(&madoguchi_job_postings::MODULE)
        && config.server.demo_postings
    {
        seed_postings(store, &portal.id, now).await?;
    }
    if let Some(portal) = config.portal("jrec-in")
        && portal.settings.modules.contains(&madoguchi_seekers::MODULE)
        && config.server.demo_seekers
    {
        seed_seeker(store, hasher, &portal.id, now).await?;
    }
    Ok(())
}

/// The demo job seeker (login [`DEMO_SEEKER_EMAIL`] / [`DEMO_SEEKER_PASSWORD`]) with a 公開
/// 求職者情報: the institutions' 求職者情報検索 shows it. Once: an existing account is left alone.
async fn seed_seeker(store: &Store, hasher: &Hasher, portal: &str, now: i64) -> anyhow::Result<()> {
    let hash = hasher.hash(DEMO_SEEKER_PASSWORD).await.map_err(|e| anyhow::anyhow!("hash: {e}"))?;
    let mut tx = store.begin().await?;
    let Some(user) = madoguchi_store::users::insert_seeker(
        &mut tx,
        portal,
        DEMO_SEEKER_ID,
        DEMO_SEEKER_EMAIL,
        "研究 花子",
        &hash,
        now,
    )
    .await?
    else {
        return Ok(());
    };
    madoguchi_seekers::store::insert(&mut tx, portal, user, "ケンキュウ ハナコ", "ja", now).await?;
    let profile = madoguchi_seekers::rules::Profile {
        public: true,
        research: vec!["60050".into()],
        jobs: vec!["00022".into()],
        prefectures: vec!["00013".into()],
        degree: "doctor".into(),
        position: "特任助教".into(),
        career: "2020年 博士（情報学）\n2021年 特任助教（自然言語処理）".into(),
        appeal: "日本語の情報検索と自然言語処理を研究しています。".into(),
        researchmap: String::new(),
    };
    madoguchi_seekers::store::save(&mut tx, portal, user, &profile, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The demo institution's postings (`madoguchi_job_postings::demo`): published ones in the
/// public search, one 募集終了, one 登録依頼中 in the 事務局's queue, one 一時保存.
async fn seed_postings(store: &Store, portal: &str, now: i64) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    let user = madoguchi_store::users::by_login_id(&mut tx, portal, "demo-kikan").await?;
    let operator = operators::by_email(&mut tx, portal, &operator_email(portal)).await?;
    let (Some(user), Some(operator)) = (user, operator) else {
        return Ok(());
    };
    let Some(organization_id) = user.organization_id else {
        return Ok(());
    };
    let owners =
        madoguchi_job_postings::demo::Owners { portal, organization_id, user_id: user.id, operator_id: operator.id };
    madoguchi_job_postings::demo::seed(&mut tx, &owners, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The demo rokin contract's 財形 deliveries (`demo_zaikei`), once, and its 明細変更機能 on
/// (its master, once registered, holds the 明細変更 right as every master does).
async fn seed_zaikei(store: &Store, portal: &madoguchi_core::Portal, now: i64) -> anyhow::Result<()> {
    use madoguchi_zaikei::import::{Importer, Outcome, Target, import};
    use madoguchi_zaikei::kinds::DeliveryKind;
    let mut tx = store.begin().await?;
    let Some(contract) = madoguchi_store::contracts::by_customer_id(&mut tx, &portal.id, DEMO_CONTRACT_NUMBER).await?
    else {
        return Ok(());
    };
    madoguchi_zaikei::store::set_change_option(&mut tx, contract.id, true).await?;
    if !madoguchi_zaikei::store::recent(&mut tx, contract.id, DeliveryKind::Deposit).await?.is_empty() {
        tx.commit().await?;
        return Ok(());
    }
    let today = chrono::DateTime::from_timestamp(now, 0)
        .map(|d| d.with_timezone(&madoguchi_core::clock::JST).date_naive())
        .unwrap_or_default();
    let (due, base) = crate::demo_zaikei::demo_dates(today);
    let members = crate::demo_zaikei::members(120);
    let files = [
        (DeliveryKind::Deposit, crate::demo_zaikei::deposit_csv(&members, &due)),
        (DeliveryKind::Balance, crate::demo_zaikei::balance_csv(&members, &base)),
        (DeliveryKind::Incentive, crate::demo_zaikei::incentive_csv(&members, &due)),
        (DeliveryKind::Alarm, crate::demo_zaikei::alarm_csv(&members, &today.format("%Y-%m-%d").to_string())),
    ];
    let organization =
        madoguchi_store::contracts::organization_name(&mut tx, contract.organization_id).await?.unwrap_or_default();
    let target = Target {
        portal,
        contract_id: contract.id,
        organization_id: contract.organization_id,
        organization_name: &organization,
    };
    let importer = Importer { actor: "demo", ip: None, user_agent: None };
    for (kind, text) in files {
        let parsed = madoguchi_zaikei::layout::parse(kind, text.as_bytes())
            .map_err(|rows| anyhow::anyhow!("demo 財形 {}: {rows:?}", kind.code()))?;
        let name = format!("demo-{}.csv", kind.code());
        match import(&mut tx, &target, &parsed, &name, &importer, false, "madoguchi.localhost", now).await? {
            Outcome::Imported { .. } => {}
            Outcome::ChangesExist { .. } => return Err(anyhow::anyhow!("demo 財形: a delivery has changes")),
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The rokin demo contract: マスターユーザーの初期登録 at /rokin/master with these.
pub const DEMO_CONTRACT_NUMBER: &str = "12345678";
pub const DEMO_INITIAL_PASSWORD: &str = "Demo#026";

/// The shaho demo contract: sign up at /shaho/signup with these.
pub const DEMO_CUSTOMER_ID: &str = "281234";
pub const DEMO_PHONE: &str = "03-1234-5678";

/// shaho's 管理者用操作マニュアル (for the contracts' 管理者) and one document on the demo
/// contract's shelf, once: a portal that has any already keeps what it has.
async fn seed_files(store: &Store, portal: &str, now: i64) -> anyhow::Result<()> {
    const ADMIN_MANUAL: &[u8] = include_bytes!("../demo/admin-manual.pdf");
    const DOCUMENT: &[u8] = include_bytes!("../demo/document.pdf");
    let sha = |bytes: &[u8]| hex::encode(Sha256::digest(bytes));
    let mut tx = store.begin().await?;
    if manuals::list(&mut tx, portal).await?.is_empty() {
        let manual = NewManual {
            portal,
            title: "管理者用操作マニュアル",
            file_name: "管理者用操作マニュアル.pdf",
            sha256: &sha(ADMIN_MANUAL),
            content: ADMIN_MANUAL,
            uploaded_by: "demo",
            admins_only: true,
        };
        manuals::insert(&mut tx, &manual, now).await?;
    }
    let contract = madoguchi_store::contracts::by_customer_id(&mut tx, portal, DEMO_CUSTOMER_ID).await?;
    if let Some(contract) = contract {
        let shelf = Shelf::Contract(contract.id);
        if documents::on_shelf(&mut tx, portal, shelf).await?.is_empty() {
            let file = NewFile {
                file_name: "002.リモートAPP操作マニュアル.pdf",
                sha256: &sha(DOCUMENT),
                content: DOCUMENT,
                uploaded_by: "demo",
            };
            documents::insert(&mut tx, portal, shelf, "リモートAPP操作マニュアル", &file, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The demo contract's 管理者登録コード, which its first account (the 管理者) types.
pub const DEMO_ADMIN_CODE: &str = "DEMO-ADMIN-2026";
