//! ドキュメント, each contract's document shelf (modules/shaho.md, acceptance check 3): the
//! operator uploads to one contract or to every contract, replaces and deletes in 契約の管理;
//! every account of the contract downloads; another contract's accounts cannot, at any id
//! (the isolation sweep). And the module's routes answer 404 on portals without it.

use super::{
    OTHER_CUSTOMER, OTHER_TEL, admin_and_member, demo_contract, events, link, other_contract, pdf, signed_up_to,
};
use crate::testkit::TestApp;
use axum::http::{StatusCode, header};
use madoguchi_core::Config;
use madoguchi_store::documents::{self, Document, Shelf};

async fn shelf(app: &TestApp, shelf: Shelf) -> Vec<Document> {
    let mut conn = app.state.store.acquire().await.unwrap();
    documents::on_shelf(&mut conn, "shaho", shelf).await.unwrap()
}

fn file<'a>(name: &'a str, bytes: &'a [u8]) -> [(&'static str, &'a str, &'static str, &'a [u8]); 1] {
    [("file", name, "application/pdf", bytes)]
}

#[tokio::test]
async fn the_operator_shelves_documents_and_only_the_contracts_accounts_read_them() {
    let app = TestApp::demo().await;
    let (ours, theirs) = (demo_contract(&app).await, other_contract(&app).await);
    let op = app.browser();
    op.operator_login("shaho").await;
    let contracts = op.get("/shaho/operator/contracts").await;
    contracts
        .assert_contains(&format!("href=\"/shaho/operator/contracts/{ours}/documents\""))
        .assert_contains(&format!("href=\"/shaho/operator/contracts/{theirs}/documents\""))
        .assert_contains("href=\"/shaho/operator/contracts/documents\"");
    // The demo contract's shelf holds the demo's document already.
    let seeded = shelf(&app, Shelf::Contract(ours)).await;
    assert_eq!(seeded.len(), 1);
    let ours_page = op.get(&format!("/shaho/operator/contracts/{ours}/documents")).await;
    ours_page.assert_contains("CustomerId 281234").assert_contains("\">リモートAPP操作マニュアル</a>");

    // Refused with the message next to the field, nothing stored: not a PDF, no title.
    let text = b"just text".to_vec();
    let all_path = "/shaho/operator/contracts/documents";
    op.post_multipart(all_path, true, &[("title", "約款")], &file("約款.pdf", &text))
        .await
        .assert_contains("<div class=\"error-message\" id=\"file-error\"><p>PDFファイルではありません。")
        .assert_contains("value=\"約款\"");
    let terms = pdf("terms");
    op.post_multipart(all_path, true, &[("title", "")], &file("約款.pdf", &terms))
        .await
        .assert_contains("タイトルを入力してください。");
    assert!(shelf(&app, Shelf::AllContracts).await.is_empty());

    // One for every contract, one for each contract.
    let done = op
        .post_multipart(
            all_path,
            true,
            &[("title", "利用契約約款")],
            &file("社労法務システムクラウド(ASP)利用契約約款.pdf", &terms),
        )
        .await;
    assert_eq!(done.location(), "/shaho/operator/contracts/documents?done=uploaded", "{}", done.body);
    let mine = pdf("ours");
    let path = format!("/shaho/operator/contracts/{ours}/documents");
    let done = op.post_multipart(&path, true, &[("title", "窓口専用")], &file("窓口専用.pdf", &mine)).await;
    assert_eq!(done.location(), format!("{path}?done=uploaded"));
    let other = pdf("theirs");
    let path = format!("/shaho/operator/contracts/{theirs}/documents");
    op.post_multipart(&path, true, &[("title", "別所専用")], &file("別所専用.pdf", &other)).await;
    op.get(&format!("{path}?done=uploaded"))
        .await
        .assert_contains("ドキュメントを登録しました。")
        .assert_contains("別所専用.pdf");
    assert_eq!(events(&app, "document.uploaded").await, 3);
    // Audited under the contract's organization.
    let organization: i64 = {
        let mut conn = app.state.store.acquire().await.unwrap();
        sqlx::query_scalar(
            "SELECT organization_id FROM audit_log WHERE event = 'document.uploaded' AND detail LIKE '%別所専用%'",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap()
    };
    let mut conn = app.state.store.acquire().await.unwrap();
    let theirs_org =
        madoguchi_store::contracts::by_customer_id(&mut conn, "shaho", OTHER_CUSTOMER).await.unwrap().unwrap();
    drop(conn);
    assert_eq!(organization, theirs_org.organization_id);
    // No such contract here: 404.
    assert_eq!(op.get("/shaho/operator/contracts/999999/documents").await.status, StatusCode::NOT_FOUND);

    // Every account of a contract reads its shelf; the other contract's accounts another.
    let (admin, member) = admin_and_member(&app).await;
    let betsu = signed_up_to(&app, (OTHER_CUSTOMER, OTHER_TEL), "betsu@example.jp", "別所 管理").await;
    link(&betsu, "zz-01").await;
    for b in [&admin, &member, &betsu] {
        b.get("/shaho/home").await.assert_contains("href=\"/shaho/documents\"");
    }
    for b in [&admin, &member] {
        b.get("/shaho/documents")
            .await
            .assert_contains("<h1>ドキュメント</h1>")
            .assert_contains("download>利用契約約款</a>")
            .assert_contains("download>窓口専用</a>")
            .assert_contains("download>リモートAPP操作マニュアル</a>")
            .assert_lacks("download>別所専用</a>");
    }
    betsu
        .get("/shaho/documents")
        .await
        .assert_contains("download>利用契約約款</a>")
        .assert_contains("download>別所専用</a>")
        .assert_lacks("download>窓口専用</a>");

    // The isolation sweep: every document of every shelf, asked for by every account.
    let mut everything: Vec<Document> = Vec::new();
    for s in [Shelf::AllContracts, Shelf::Contract(ours), Shelf::Contract(theirs)] {
        everything.extend(shelf(&app, s).await);
    }
    assert_eq!(everything.len(), 4);
    for d in &everything {
        for (b, contract) in [(&admin, ours), (&member, ours), (&betsu, theirs)] {
            let page = b.get(&format!("/shaho/documents/{}", d.id)).await;
            if d.contract_id.is_none() || d.contract_id == Some(contract) {
                assert_eq!(page.status, StatusCode::OK, "{} for contract {contract}", d.title);
                let disposition = page.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
                assert!(disposition.starts_with("attachment; "), "{disposition}");
                assert!(page.bytes.starts_with(b"%PDF-"));
            } else {
                assert_eq!(page.status, StatusCode::NOT_FOUND, "{} for contract {contract}", d.title);
                assert!(!page.bytes.starts_with(b"%PDF-"));
            }
        }
        // Signed out: the login page.
        assert_eq!(app.browser().get(&format!("/shaho/documents/{}", d.id)).await.location(), "/shaho/login");
    }
    // Ids that are no document (the admin manual's, none at all) are no document either.
    let manual = {
        let mut conn = app.state.store.acquire().await.unwrap();
        madoguchi_store::manuals::list(&mut conn, "shaho").await.unwrap()[0].id
    };
    assert_eq!(admin.get(&format!("/shaho/documents/{manual}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(admin.get("/shaho/documents/999999").await.status, StatusCode::NOT_FOUND);
    let downloads = events(&app, "document.downloaded").await;
    assert_eq!(downloads, 3 * 2 + 2, "each download is audited, each refusal is not");

    // 差し替え: same title and address, new file; a bad file changes nothing.
    let ours_doc = everything.iter().find(|d| d.title == "窓口専用").unwrap();
    let replace = format!("/shaho/operator/documents/{}/replace", ours_doc.id);
    op.post_multipart(&replace, true, &[], &file("x.pdf", &text))
        .await
        .assert_contains("窓口専用: PDFファイルではありません。")
        .assert_contains(&format!("id=\"replace-{}-error\"", ours_doc.id));
    assert_eq!(member.get(&format!("/shaho/documents/{}", ours_doc.id)).await.bytes, mine);
    let second = pdf("ours, second edition");
    let done = op.post_multipart(&replace, true, &[], &file("窓口専用（第2版）.pdf", &second)).await;
    assert_eq!(done.location(), format!("/shaho/operator/contracts/{ours}/documents?done=replaced"), "{}", done.body);
    let fresh = member.get(&format!("/shaho/documents/{}", ours_doc.id)).await;
    assert_eq!(fresh.bytes, second);
    member.get("/shaho/documents").await.assert_contains("窓口専用（第2版）.pdf");
    assert_eq!(events(&app, "document.replaced").await, 1);

    // 削除: gone for everybody.
    let terms_doc = everything.iter().find(|d| d.title == "利用契約約款").unwrap();
    let deleted = op.post(&format!("/shaho/operator/documents/{}/delete", terms_doc.id), &[]).await;
    assert_eq!(deleted.location(), "/shaho/operator/contracts/documents?done=deleted");
    for b in [&admin, &betsu] {
        assert_eq!(b.get(&format!("/shaho/documents/{}", terms_doc.id)).await.status, StatusCode::NOT_FOUND);
        b.get("/shaho/documents").await.assert_lacks("download>利用契約約款</a>");
    }
    assert_eq!(events(&app, "document.deleted").await, 1);
    let again = op.post(&format!("/shaho/operator/documents/{}/delete", terms_doc.id), &[]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_document_larger_than_the_limit_is_refused() {
    let text = "[server]\ndemo = true\nmanual_max_bytes = 2048\n[[portal]]\nid = \"shaho\"\npreset = \"shaho\"\n";
    let app = TestApp::with(Config::parse("t.toml", text).unwrap(), None, true).await;
    let op = app.browser();
    op.operator_login("shaho").await;
    let mut big = pdf("big");
    big.resize(4096, b' ');
    let path = "/shaho/operator/contracts/documents";
    op.post_multipart(path, true, &[("title", "大きい")], &file("big.pdf", &big))
        .await
        .assert_contains("ファイルが大きすぎます。2 KB以下のPDFファイルを選択してください。")
        .assert_contains("value=\"大きい\"");
    big.resize(2048 + 262_144 + 1, b' ');
    let refused = op.post_multipart(path, true, &[("title", "大きい")], &file("big.pdf", &big)).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(shelf(&app, Shelf::AllContracts).await.is_empty());
}

/// The module is on where the preset lists it (shaho); everywhere else its addresses do not
/// exist, signed in or not, and the console has no shelves.
#[tokio::test]
async fn the_modules_routes_answer_404_on_a_portal_without_it() {
    let app = TestApp::demo().await;
    let anonymous = app.browser();
    let jrec = app.browser();
    let login = jrec.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    assert_eq!(login.location(), "/jrec-in/home", "{}", login.body);
    for portal in ["hellowork", "jrec-in", "mlit-fwms", "rokin"] {
        for path in ["accounts", "link", "documents", "documents/1", "accounts/manuals/1", "accounts/1/delete"] {
            let address = format!("/{portal}/{path}");
            assert_eq!(anonymous.get(&address).await.status, StatusCode::NOT_FOUND, "{address}");
            assert_eq!(jrec.get(&address).await.status, StatusCode::NOT_FOUND, "{address}");
        }
    }
    jrec.get("/jrec-in/home").await.assert_lacks("/documents").assert_lacks("/accounts");
    let op = app.browser();
    op.operator_login("hellowork").await;
    for path in ["contracts/documents", "contracts/1/documents", "documents/1"] {
        assert_eq!(op.get(&format!("/hellowork/operator/{path}")).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // On shaho the same addresses exist (signed out: the login page).
    assert_eq!(anonymous.get("/shaho/documents").await.location(), "/shaho/login");
}
