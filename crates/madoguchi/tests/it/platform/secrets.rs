//! Secrets at rest: a mail's body (its code, key or temporary password) leaves the outbox
//! once the mail is sent or given up, and the SQLite files are the server user's alone.

use crate::smtp::free_port;
use crate::testkit::TestApp;
use madoguchi_core::Config;
use madoguchi_store::outbox::{self, NewMail};
use sqlx::Row;

const ID: &str = "demo@hellowork.example.jp";

/// (subject, recipient, Message-ID, body, sent?, given up?) of every outbox row, oldest first.
async fn outbox_rows(app: &TestApp) -> Vec<(String, String, String, String, bool, bool)> {
    let mut conn = app.state.store.acquire().await.unwrap();
    let rows = sqlx::query("SELECT subject, to_addr, message_id, body, sent_at, failed_at FROM outbox ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.get("subject"),
                r.get("to_addr"),
                r.get("message_id"),
                r.get("body"),
                r.get::<Option<i64>, _>("sent_at").is_some(),
                r.get::<Option<i64>, _>("failed_at").is_some(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_sent_mail_keeps_no_body_in_the_outbox() {
    let app = TestApp::demo().await;
    app.post("/hellowork/password/forgot", &[("login_id", ID)]).await;
    let queued = outbox_rows(&app).await;
    assert_eq!(queued.len(), 1);
    assert!(queued[0].3.contains("認証キー："), "queued with its key: {}", queued[0].3);

    let mails = app.mails().await;
    let rows = outbox_rows(&app).await;
    let (subject, to, message_id, body, sent, failed) = &rows[0];
    assert!(*sent && !*failed);
    assert_eq!(body, "", "the key is gone from the outbox once sent");
    // What the operator's outbox page and a crash's repeat need is still there.
    assert!(subject.contains("パスワード再登録申込受付通知"));
    assert_eq!((to.as_str(), message_id.as_str()), (ID, queued[0].2.as_str()));
    // The dev mailbox (the demo's inbox) is the recipient's copy and keeps it.
    assert!(mails.iter().any(|m| m.message_id == *message_id && m.text.contains("認証キー：")));

    app.operator_login("hellowork").await;
    app.get("/hellowork/operator/outbox")
        .await
        .assert_contains("パスワード再登録申込受付通知")
        .assert_lacks("認証キー：")
        .assert_lacks("/retry");
}

/// A mail the worker gives up on loses its body too: at once when the failure is permanent
/// (an address the SMTP client refuses), after the 30th attempt when it is not (nobody
/// listens); a mail still to be retried keeps it.
#[tokio::test]
async fn a_given_up_mail_keeps_no_body_in_the_outbox() {
    let smtp = format!("smtp://127.0.0.1:{}", free_port());
    let app = TestApp::with(Config::demo().unwrap(), Some(&smtp), true).await;
    let now = app.state.clock.unix();
    let mut conn = app.state.store.acquire().await.unwrap();
    for (message_id, to) in [("<bad@test>", "not an address"), ("<away@test>", "user@example.jp")] {
        let mail = NewMail {
            message_id,
            portal: "hellowork",
            kind: "reset_key",
            to,
            from_name: "ハローワーク",
            subject: "認証キー",
            body: "認証キー：12345678",
        };
        outbox::enqueue(&mut conn, &mail, now).await.unwrap();
    }
    drop(conn);
    app.deliver_mail().await;
    let rows = outbox_rows(&app).await;
    assert_eq!((rows[0].3.as_str(), rows[0].5), ("", true), "a permanent failure gives up at once");
    assert_eq!((rows[1].3.as_str(), rows[1].5), ("認証キー：12345678", false), "kept for the next attempt");
    for _ in 1..30 {
        app.clock.advance(3601);
        app.deliver_mail().await;
    }
    let rows = outbox_rows(&app).await;
    assert_eq!((rows[1].3.as_str(), rows[1].4, rows[1].5), ("", false, true), "given up after its 30th attempt");
    assert_eq!(rows[1].2, "<away@test>");
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_files_are_created_for_the_server_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join("madoguchi-tests").join(format!("mode-{}", uuid::Uuid::new_v4().simple()));
    let file = dir.join("new").join("madoguchi.db");
    let store = madoguchi_store::Store::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    store.migrate(1).await.unwrap();
    let mode = |path: &std::path::Path| format!("{:o}", std::fs::metadata(path).unwrap().permissions().mode() & 0o777);
    let wal = file.with_extension("db-wal");
    let shm = file.with_extension("db-shm");
    assert!(wal.exists() && shm.exists(), "WAL mode makes both");
    let modes = [mode(&file), mode(&wal), mode(&shm), mode(file.parent().unwrap())];
    assert_eq!(modes, ["600", "600", "600", "700"], "db, -wal, -shm and the new folder");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
