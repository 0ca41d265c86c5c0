//! Which office an operator reviews for is set from the command line (`operator add --office`,
//! `operator office`): only a bureau code of the 受入計画's data, only on a portal with the
//! module; the change is in the audit log.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(database: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .arg("--database")
        .arg(database)
        .args(args)
        .env_remove("MADOGUCHI_SMTP_URL")
        .env_remove("MADOGUCHI_CONFIG")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

async fn office_of(database: &str, email: &str) -> Option<String> {
    let store = madoguchi_store::Store::connect(database).await.unwrap();
    let mut conn = store.acquire().await.unwrap();
    madoguchi_store::operators::by_email(&mut conn, "mlit-fwms", email).await.unwrap().unwrap().office
}

#[tokio::test]
async fn the_command_line_assigns_an_operator_to_an_office() {
    let database = crate::testkit::fresh_database().await;
    let email = "kanto@mlit.example.jp";
    let add =
        ["operator", "add", "--portal", "mlit-fwms", "--email", email, "--name", "関東 審査担当", "--office", "KTR"];
    let out = run(&database, &add, "a long operator password\n");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(office_of(&database, email).await.as_deref(), Some("ktr"));

    let set =
        |office: &'static str| ["operator", "office", "--portal", "mlit-fwms", "--email", email, "--office", office];
    let out = run(&database, &set("kkr"), "");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(office_of(&database, email).await.as_deref(), Some("kkr"));
    let wrong = run(&database, &set("xyz"), "");
    assert!(!wrong.status.success());
    assert!(text(&wrong).contains("--office must be one of"), "{}", text(&wrong));
    assert_eq!(office_of(&database, email).await.as_deref(), Some("kkr"), "a refused code changes nothing");
    let out = run(&database, &set(""), "");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(office_of(&database, email).await, None);

    let elsewhere = ["operator", "office", "--portal", "rokin", "--email", email, "--office", "ktr"];
    let out = run(&database, &elsewhere, "");
    assert!(!out.status.success() && text(&out).contains("has no office"), "{}", text(&out));
    let nobody = ["operator", "office", "--portal", "mlit-fwms", "--email", "nobody@example.jp", "--office", "ktr"];
    assert!(!run(&database, &nobody, "").status.success());

    let store = madoguchi_store::Store::connect(&database).await.unwrap();
    let mut conn = store.acquire().await.unwrap();
    let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE event = 'operator.office_set'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(logged, 2, "the two changes, not the refusals");
}
