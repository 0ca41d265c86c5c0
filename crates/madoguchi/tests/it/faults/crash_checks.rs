//! The checks of the crash test (`crash.rs`) after its last restart: the mails against what
//! the clients saw, the database against the mails, and the database's own integrity.

use super::crash::{
    CHANGED, COMPLETED, HELLOWORK_WORKERS, HW_PASSWORD, Ledger, Mail, Outcome, PROVISIONAL, RESET_KEY, Step,
    USERS_PER_WORKER, distinct, hellowork_user, line_value,
};
use std::collections::{BTreeMap, BTreeSet};

/// Mails against what the clients saw.
pub(crate) fn check_mails_against_steps(ledger: &Ledger, all: &[Mail]) -> Vec<String> {
    let mut problems = Vec::new();
    // The same Message-ID is the same mail.
    let mut by_id: BTreeMap<&str, &Mail> = BTreeMap::new();
    for m in all {
        match by_id.get(m.message_id.as_str()) {
            Some(first) if *first != m => {
                problems.push(format!("{} delivered twice with different content", m.message_id))
            }
            Some(_) => {}
            None => {
                by_id.insert(&m.message_id, m);
            }
        }
    }
    for m in all {
        let known = [PROVISIONAL, COMPLETED, RESET_KEY, CHANGED].iter().any(|k| m.subject.ends_with(k));
        if !known {
            problems.push(format!("a mail no step causes: {} to {}", m.subject, m.to));
        }
    }
    let steps: Vec<(Step, Outcome)> = ledger.0.lock().unwrap().clone();
    let attempted = |step: &Step| -> (bool, bool) {
        let outcomes = ledger.outcomes(step);
        (outcomes.contains(&Outcome::Confirmed), outcomes.iter().any(|o| matches!(o, Outcome::Unknown(_))))
    };

    // 仮申請: one address per attempt, so one mail per address, and only for an attempt the
    // server may have done.
    for m in distinct(all, PROVISIONAL, |_| true) {
        let login_id = line_value(&m.body, "ログインＩＤ：").unwrap_or_default();
        let (confirmed, unknown) = attempted(&Step::Apply { login_id, email: m.to.clone() });
        if !confirmed && !unknown {
            problems.push(format!("a 仮パスワード mail to {} for no 仮申請 that may have happened", m.to));
        }
    }
    for to in all.iter().filter(|m| m.subject.ends_with(PROVISIONAL)).map(|m| &m.to).collect::<BTreeSet<_>>() {
        let ids = distinct(all, PROVISIONAL, |m| &m.to == to).len();
        if ids > 1 {
            problems.push(format!("{ids} different 仮パスワード mails for the one 仮申請 of {to}"));
        }
    }
    for (step, outcome) in &steps {
        if let (Step::Apply { email, .. }, Outcome::Confirmed) = (step, outcome)
            && distinct(all, PROVISIONAL, |m| &m.to == email).is_empty()
        {
            problems.push(format!("confirmed 仮申請 of {email}: no mail"));
        }
    }
    // 本申請: one completion mail per login ID, only where a 本申請 may have happened.
    for m in distinct(all, COMPLETED, |_| true) {
        let login_id = line_value(&m.body, "ログインＩＤ：").unwrap_or_default();
        let (confirmed, unknown) = attempted(&Step::Complete { login_id: login_id.clone() });
        if !confirmed && !unknown {
            problems.push(format!("a 本登録完了 mail for {login_id}, whose 本申請 never may have happened"));
        }
        let ids =
            distinct(all, COMPLETED, |x| line_value(&x.body, "ログインＩＤ：").as_deref() == Some(&login_id)).len();
        if ids > 1 {
            problems.push(format!("{ids} different 本登録完了 mails for {login_id}"));
        }
    }
    for (step, outcome) in &steps {
        if let (Step::Complete { login_id }, Outcome::Confirmed) = (step, outcome)
            && distinct(all, COMPLETED, |m| line_value(&m.body, "ログインＩＤ：").as_deref() == Some(login_id))
                .is_empty()
        {
            problems.push(format!("confirmed 本申請 of {login_id}: no mail"));
        }
    }
    // Keys and password changes, per user: between what was confirmed and what may have happened.
    // Everyone a step was for, and everyone such a mail went to.
    let mut users: BTreeSet<String> = steps
        .iter()
        .filter_map(|(s, _)| match s {
            Step::Forgot { email } | Step::Reset { email, .. } => Some(email.clone()),
            _ => None,
        })
        .collect();
    users.extend(
        all.iter().filter(|m| m.subject.ends_with(RESET_KEY) || m.subject.ends_with(CHANGED)).map(|m| m.to.clone()),
    );
    for email in &users {
        for (kind, label, is) in [
            (
                RESET_KEY,
                "key",
                (|s: &Step, e: &str| matches!(s, Step::Forgot { email } if email == e)) as fn(&Step, &str) -> bool,
            ),
            (CHANGED, "password change", |s: &Step, e: &str| matches!(s, Step::Reset { email, .. } if email == e)),
        ] {
            let confirmed = ledger.count(|s, o| is(s, email) && *o == Outcome::Confirmed);
            let unknown = ledger.count(|s, o| is(s, email) && matches!(o, Outcome::Unknown(_)));
            let mailed = distinct(all, kind, |m| &m.to == email).len();
            if mailed < confirmed || mailed > confirmed + unknown {
                problems.push(format!(
                    "{email}: {mailed} {label} mails for {confirmed} confirmed and {unknown} unanswered requests"
                ));
            }
        }
    }
    problems
}

/// The database against the mails: each change and its mail are both there or both absent,
/// and no account is half-made.
pub(crate) async fn check_database(store: &madoguchi_store::Store, ledger: &Ledger, all: &[Mail]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut conn = store.acquire().await.unwrap();
    // Every queued mail went out, and what went out was queued.
    let outbox: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT message_id, sent_at FROM outbox").fetch_all(&mut *conn).await.unwrap();
    let queued: BTreeSet<&str> = outbox.iter().map(|(id, _)| id.as_str()).collect();
    for (id, sent) in &outbox {
        if sent.is_none() {
            problems.push(format!("outbox {id} never sent"));
        }
        if !all.iter().any(|m| &m.message_id == id) {
            problems.push(format!("outbox {id} is marked sent but the SMTP server never got it"));
        }
    }
    for m in all {
        if !queued.contains(m.message_id.as_str()) {
            problems.push(format!("{} delivered but not in the outbox", m.message_id));
        }
    }
    // mlit-fwms: an account exists exactly where its completion mail does, whole.
    let users: Vec<(i64, String, Option<i64>, String)> =
        sqlx::query_as("SELECT id, login_id, organization_id, email FROM users WHERE portal = 'mlit-fwms' ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    let completed: BTreeSet<String> =
        distinct(all, COMPLETED, |_| true).iter().filter_map(|m| line_value(&m.body, "ログインＩＤ：")).collect();
    let made: BTreeSet<String> = users.iter().map(|u| u.1.clone()).collect();
    for id in made.symmetric_difference(&completed) {
        problems.push(format!("{id}: account {} but completion mail {}", made.contains(id), completed.contains(id)));
    }
    for (id, login_id, organization, email) in &users {
        let org: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations WHERE id = $1")
            .bind(organization.unwrap_or(-1))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let created: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE event = 'user.created' AND subject = $1")
                .bind(format!("user:{id}"))
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        let pending: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM provisional_registrations WHERE portal = 'mlit-fwms' AND login_id = $1",
        )
        .bind(login_id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        if org != 1 || created != 1 || pending != 0 {
            problems.push(format!(
                "{login_id} is half-made: organization {org}, user.created {created}, pending application {pending}"
            ));
        }
        // The account's address is the one its completion mail went to.
        if !all.iter().any(|m| m.subject.ends_with(COMPLETED) && &m.to == email) {
            problems.push(format!("{login_id}: no completion mail to its address {email}"));
        }
    }
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM organizations o WHERE o.portal = 'mlit-fwms'
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.organization_id = o.id)",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    if orphans != 0 {
        problems.push(format!("{orphans} mlit-fwms organizations without their user"));
    }
    // hellowork: each key and each new password has its mail, and the other way round.
    let hasher = madoguchi_web::auth::Hasher::new(256, 1, 1);
    for w in 0..HELLOWORK_WORKERS {
        for i in 0..USERS_PER_WORKER {
            let email = hellowork_user(w, i);
            let (id, hash): (i64, String) =
                sqlx::query_as("SELECT id, password_hash FROM users WHERE portal = 'hellowork' AND login_id = $1")
                    .bind(&email)
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap();
            for (event, kind) in [("password.reset_key_sent", RESET_KEY), ("password.reset", CHANGED)] {
                let audited: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE event = $1 AND subject = $2")
                        .bind(event)
                        .bind(format!("user:{id}"))
                        .fetch_one(&mut *conn)
                        .await
                        .unwrap();
                let mailed = distinct(all, kind, |m| m.to == email).len() as i64;
                if audited != mailed {
                    problems.push(format!("{email}: {audited} × {event} but {mailed} mails"));
                }
            }
            // The password is the last one a reset may have set (or the first one).
            let mut candidates = vec![HW_PASSWORD.to_string()];
            for (step, outcome) in ledger.0.lock().unwrap().iter() {
                if let Step::Reset { email: e, password } = step
                    && *e == email
                    && !matches!(outcome, Outcome::Refused(_))
                {
                    candidates.push(password.clone());
                }
            }
            let mut matched = false;
            for candidate in candidates.iter().rev() {
                if hasher.verify(candidate, Some(&hash)).await {
                    matched = true;
                    break;
                }
            }
            if !matched {
                problems.push(format!("{email}: the password is none that a reset set"));
            }
        }
    }
    problems
}

/// Integrity: the engine's own check, then queries for what the schema cannot enforce.
pub(crate) async fn check_integrity(store: &madoguchi_store::Store) -> Vec<String> {
    let mut problems = Vec::new();
    let mut conn = store.acquire().await.unwrap();
    match store.backend() {
        madoguchi_store::Backend::Sqlite => {
            let result: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut *conn).await.unwrap();
            if result != ["ok"] {
                problems.push(format!("PRAGMA integrity_check: {result:?}"));
            }
            let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut *conn).await.unwrap().len();
            if broken != 0 {
                problems.push(format!("PRAGMA foreign_key_check: {broken} rows"));
            }
        }
        madoguchi_store::Backend::Postgres => problems.extend(amcheck(&mut conn).await),
    }
    for (what, sql) in [
        (
            "users without their organization",
            "SELECT COUNT(*) FROM users u WHERE u.organization_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = u.organization_id)",
        ),
        (
            "sessions without their user",
            "SELECT COUNT(*) FROM sessions s WHERE s.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id)",
        ),
        (
            "codes without their user",
            "SELECT COUNT(*) FROM user_codes c WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id)",
        ),
        (
            "password history without its user",
            "SELECT COUNT(*) FROM password_history h WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = h.user_id)",
        ),
        (
            "applications for a login ID that is an account",
            "SELECT COUNT(*) FROM provisional_registrations p WHERE EXISTS (SELECT 1 FROM users u WHERE u.portal = p.portal AND u.login_id = p.login_id)",
        ),
        ("outbox rows sharing a Message-ID", "SELECT COUNT(*) - COUNT(DISTINCT message_id) FROM outbox"),
        (
            "outbox rows still leased or given up",
            "SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL OR (sent_at IS NOT NULL AND locked_until IS NOT NULL)",
        ),
        ("used codes with attempts left unset", "SELECT COUNT(*) FROM user_codes WHERE attempts < 0"),
    ] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *conn).await.unwrap();
        if n != 0 {
            problems.push(format!("{what}: {n}"));
        }
    }
    problems
}

/// PostgreSQL: amcheck's B-tree check on every index of this schema, where the extension can
/// be had (it ships with PostgreSQL's contrib modules). It goes to `public`, not the test's
/// schema, so clearing old test schemas never drops it from under a running test; a run that
/// loses the race to create it uses the other's.
async fn amcheck(conn: &mut sqlx::AnyConnection) -> Vec<String> {
    let mut problems = Vec::new();
    let _ = madoguchi_store::raw_execute(conn, "CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA public").await;
    let schema: Option<String> = sqlx::query_scalar(
        "SELECT CAST(n.nspname AS TEXT) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'amcheck'",
    )
    .fetch_optional(&mut *conn)
    .await
    .unwrap();
    let Some(schema) = schema else {
        eprintln!("amcheck is not available: the PostgreSQL check is the consistency queries");
        return problems;
    };
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(c.oid::regclass AS TEXT) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' AND c.relnamespace = current_schema()::regnamespace",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(!indexes.is_empty(), "the schema has indexes to check");
    eprintln!("amcheck: {} B-tree indexes checked", indexes.len());
    for index in indexes {
        let sql = format!(
            "SELECT CAST(1 AS BIGINT) FROM (SELECT \"{schema}\".bt_index_check('{index}'::regclass, true)) AS x"
        );
        if let Err(e) = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *conn).await {
            problems.push(format!("amcheck {index}: {e}"));
        }
    }
    problems
}
