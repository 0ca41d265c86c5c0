//! The platform's drafts and review workflow (modules spec §0.1, §0.2) on the database this
//! run tests (SQLite, or PostgreSQL with `MADOGUCHI_TEST_DATABASE_URL`): organization scoping,
//! the optimistic version lock, the review steps and their history, the exactly-one-wins rule
//! under concurrency, and the queue.

use crate::testkit::{PG_ENV, backend_under_test, fresh_database};
use madoguchi_core::calendar::{BusinessCalendar, ClosedDay, Overrides};
use madoguchi_core::clock::JST;
use madoguchi_core::review::{self, Actor, Refusal, ReviewAction, ReviewState, diff};
use madoguchi_store::drafts::{self, Missing, NewDraft, SaveOutcome};
use madoguchi_store::review::{ItemKey, QueueFilter, Scope, Step};
use madoguchi_store::users::{self, NewUser};
use madoguchi_store::{Backend, Store};

const PORTAL: &str = "jrec-in";
const KIND: &str = "job_posting";

fn at(y: i32, mo: u32, d: u32, h: u32) -> i64 {
    use chrono::TimeZone;
    JST.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap().timestamp()
}

/// A migrated database of its own, with two organizations and a user of each.
struct Fixture {
    store: Store,
    org_a: i64,
    org_b: i64,
    user_a: i64,
    user_b: i64,
}

async fn fixture() -> Fixture {
    let store = Store::connect(&fresh_database().await).await.unwrap();
    assert_eq!(store.backend().name(), backend_under_test());
    if std::env::var("MADOGUCHI_REQUIRE_POSTGRES").is_ok() {
        assert_eq!(store.backend(), Backend::Postgres, "{PG_ENV} must name PostgreSQL");
    }
    store.migrate(1).await.unwrap();
    let mut conn = store.acquire().await.unwrap();
    let org_a = users::insert_organization(&mut conn, PORTAL, "窓口大学", 1).await.unwrap();
    let org_b = users::insert_organization(&mut conn, PORTAL, "別の研究所", 1).await.unwrap();
    let user = |org: i64, login: &'static str| NewUser {
        portal: PORTAL,
        organization_id: Some(org),
        login_id: login,
        email: "jimu@example.jp",
        name: "事務 太郎",
        role: "member",
        password_hash: "x",
        must_change_password: false,
    };
    let user_a = users::insert(&mut conn, &user(org_a, "kikan-a"), 1).await.unwrap().unwrap();
    let user_b = users::insert(&mut conn, &user(org_b, "kikan-b"), 1).await.unwrap().unwrap();
    drop(conn);
    Fixture { store, org_a, org_b, user_a, user_b }
}

fn missing(names: &[&str]) -> Missing {
    Missing(names.iter().map(|n| n.to_string()).collect())
}

#[tokio::test]
async fn drafts_are_the_organizations_own_and_versioned() {
    let f = fixture().await;
    let mut conn = f.store.acquire().await.unwrap();
    let empty = missing(&["department", "end_date", "major"]);
    let new = NewDraft {
        portal: PORTAL,
        organization_id: f.org_a,
        author_user_id: f.user_a,
        kind: KIND,
        item_id: None,
        payload: r#"{"title":"准教授の公募"}"#,
        missing: &empty,
    };
    let id = drafts::create(&mut conn, &new, 100).await.unwrap();
    let loaded = drafts::load(&mut conn, PORTAL, f.org_a, id).await.unwrap().unwrap();
    assert_eq!((loaded.version, loaded.missing.count(), loaded.author_user_id), (1, 3, Some(f.user_a)));
    assert_eq!(loaded.missing, empty);
    // Another organization, or another portal, does not find it.
    assert_eq!(drafts::load(&mut conn, PORTAL, f.org_b, id).await.unwrap(), None);
    assert_eq!(drafts::load(&mut conn, "hellowork", f.org_a, id).await.unwrap(), None);
    assert!(drafts::list(&mut conn, PORTAL, f.org_b, KIND).await.unwrap().is_empty());
    assert!(!drafts::delete(&mut conn, PORTAL, f.org_b, id).await.unwrap());
    assert_eq!(
        drafts::save(&mut conn, PORTAL, f.org_b, id, 1, f.user_b, "{}", &Missing::default(), 150).await.unwrap(),
        SaveOutcome::Gone
    );

    // Two tabs read version 1; the first save wins, the second is told and shown the stored one.
    let fewer = missing(&["major"]);
    let first =
        drafts::save(&mut conn, PORTAL, f.org_a, id, 1, f.user_a, r#"{"title":"A"}"#, &fewer, 200).await.unwrap();
    assert_eq!(first, SaveOutcome::Saved { version: 2 });
    let second =
        drafts::save(&mut conn, PORTAL, f.org_a, id, 1, f.user_a, r#"{"title":"B"}"#, &empty, 210).await.unwrap();
    let SaveOutcome::Conflict { current } = second else { panic!("expected a conflict, got {second:?}") };
    assert_eq!((current.version, current.payload.as_str(), current.updated_at), (2, r#"{"title":"A"}"#, 200));

    let other = NewDraft { item_id: Some(42), payload: "{}", ..new };
    let revision = drafts::create(&mut conn, &other, 300).await.unwrap();
    let list = drafts::list(&mut conn, PORTAL, f.org_a, KIND).await.unwrap();
    assert_eq!(list.iter().map(|d| (d.id, d.missing_required)).collect::<Vec<_>>(), [(revision, 3), (id, 1)]);
    assert_eq!(drafts::of_item(&mut conn, PORTAL, f.org_a, KIND, 42).await.unwrap().map(|d| d.id), Some(revision));
    assert_eq!(drafts::of_item(&mut conn, PORTAL, f.org_b, KIND, 42).await.unwrap(), None);
    assert!(drafts::list(&mut conn, PORTAL, f.org_a, "other_kind").await.unwrap().is_empty());
    assert!(drafts::delete(&mut conn, PORTAL, f.org_a, id).await.unwrap());
    assert_eq!(drafts::load(&mut conn, PORTAL, f.org_a, id).await.unwrap(), None);
}

#[tokio::test]
async fn of_two_simultaneous_saves_exactly_one_wins() {
    let f = fixture().await;
    let mut conn = f.store.acquire().await.unwrap();
    let none = Missing::default();
    let new = NewDraft {
        portal: PORTAL,
        organization_id: f.org_a,
        author_user_id: f.user_a,
        kind: KIND,
        item_id: None,
        payload: "{}",
        missing: &none,
    };
    let id = drafts::create(&mut conn, &new, 1).await.unwrap();
    drop(conn);
    let save = |text: &'static str| {
        let store = f.store.clone();
        let (org, user) = (f.org_a, f.user_a);
        tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let out = drafts::save(&mut tx, PORTAL, org, id, 1, user, text, &Missing::default(), 2).await.unwrap();
            tx.commit().await.unwrap();
            out
        })
    };
    let (a, b) = tokio::join!(save(r#"{"t":"a"}"#), save(r#"{"t":"b"}"#));
    let outcomes = [a.unwrap(), b.unwrap()];
    let saved = outcomes.iter().filter(|o| matches!(o, SaveOutcome::Saved { version: 2 })).count();
    let conflicts = outcomes.iter().filter(|o| matches!(o, SaveOutcome::Conflict { .. })).count();
    assert_eq!((saved, conflicts), (1, 1), "{outcomes:?}");
}

fn step<'a>(action: ReviewAction, actor: Actor) -> Step<'a> {
    Step { action, actor, reason: None, effective_at: None, snapshot: None, expected_seq: None }
}

#[tokio::test]
async fn a_posting_goes_through_review_with_its_history() {
    let f = fixture().await;
    let mut conn = f.store.acquire().await.unwrap();
    let key = ItemKey { portal: PORTAL, kind: KIND, item_id: 7 };
    let user = Actor::User(f.user_a);
    let op = Actor::Operator(1);
    let first = r#"{"title":"准教授の公募","salary":"月額40万円"}"#;
    let submit = Step { snapshot: Some(first), ..step(ReviewAction::Submit, user) };
    let done = madoguchi_store::review::record(&mut conn, key, f.org_a, &submit, 1_000).await.unwrap().unwrap();
    assert_eq!((done.seq, done.state, done.revision), (1, ReviewState::UnderReview, 1));
    // Frozen: the organization cannot resubmit while under review; a second submit is refused.
    let again = Step { snapshot: Some(first), ..step(ReviewAction::Resubmit, user) };
    assert_eq!(
        madoguchi_store::review::record(&mut conn, key, f.org_a, &again, 1_001).await.unwrap(),
        Err(Refusal::UnderReview)
    );
    let twice = Step { snapshot: Some(first), ..step(ReviewAction::Submit, user) };
    assert_eq!(
        madoguchi_store::review::record(&mut conn, key, f.org_a, &twice, 1_001).await.unwrap(),
        Err(Refusal::AlreadySubmitted)
    );
    // A return needs its reason; the organization cannot approve.
    let bare_return = step(ReviewAction::Return, op);
    assert_eq!(
        madoguchi_store::review::record(&mut conn, key, f.org_a, &bare_return, 1_002).await.unwrap(),
        Err(Refusal::ReasonRequired)
    );
    assert_eq!(
        madoguchi_store::review::record(&mut conn, key, f.org_a, &step(ReviewAction::Approve, user), 1_002)
            .await
            .unwrap(),
        Err(Refusal::WrongActor)
    );
    let reason =
        review::reason(review::ReasonRule::Required, PORTAL, &[], "給与の記載を具体的にしてください。").unwrap();
    let ret = Step { reason: reason.as_deref(), expected_seq: Some(1), ..step(ReviewAction::Return, op) };
    madoguchi_store::review::record(&mut conn, key, f.org_a, &ret, 1_100).await.unwrap().unwrap();
    // A screen that read seq 1 is now stale.
    let stale = Step { expected_seq: Some(1), effective_at: Some(2_000), ..step(ReviewAction::Approve, op) };
    assert_eq!(
        madoguchi_store::review::record(&mut conn, key, f.org_a, &stale, 1_101).await.unwrap(),
        Err(Refusal::Conflict)
    );
    let second = r#"{"title":"准教授の公募","salary":"月額45万円"}"#;
    let resubmit = Step { snapshot: Some(second), ..step(ReviewAction::Resubmit, user) };
    let done = madoguchi_store::review::record(&mut conn, key, f.org_a, &resubmit, 1_200).await.unwrap().unwrap();
    assert_eq!((done.seq, done.revision), (3, 2));
    let approve = Step { effective_at: Some(5_000), ..step(ReviewAction::Approve, op) };
    madoguchi_store::review::record(&mut conn, key, f.org_a, &approve, 1_300).await.unwrap().unwrap();
    let item = madoguchi_store::review::find(&mut conn, key, Scope::Organization(f.org_a)).await.unwrap().unwrap();
    assert_eq!(item.state, ReviewState::Approved);
    assert_eq!(
        (item.approved_snapshot.as_deref(), item.approved_revision, item.effective_at),
        (Some(second), Some(2), Some(5_000))
    );
    assert_eq!(item.pending_snapshot, None);

    // A revision: the approved version stays current; the diff marks only 給与.
    let third = r#"{"title":"准教授の公募","salary":"月額50万円"}"#;
    let revise = Step { snapshot: Some(third), ..step(ReviewAction::Resubmit, user) };
    madoguchi_store::review::record(&mut conn, key, f.org_a, &revise, 1_400).await.unwrap().unwrap();
    let item = madoguchi_store::review::find(&mut conn, key, Scope::Operator).await.unwrap().unwrap();
    assert_eq!(item.approved_snapshot.as_deref(), Some(second));
    let json = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap();
    let changes = diff::changed_only(diff::snapshots(
        &json(item.approved_snapshot.as_deref().unwrap()),
        &json(item.pending_snapshot.as_deref().unwrap()),
        &["title", "salary"],
    ));
    assert_eq!(changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), ["salary"]);

    // The operator corrects a typo: before and after are kept.
    let fixed = r#"{"title":"准教授の公募（情報科学）","salary":"月額50万円"}"#;
    let edit = Step { snapshot: Some(fixed), ..step(ReviewAction::OperatorEdit, op) };
    madoguchi_store::review::record(&mut conn, key, f.org_a, &edit, 1_500).await.unwrap().unwrap();
    let withdraw = Step { reason: Some("機関からの依頼"), ..step(ReviewAction::WithdrawRequest, op) };
    madoguchi_store::review::record(&mut conn, key, f.org_a, &withdraw, 1_600).await.unwrap().unwrap();
    let after = Step { snapshot: Some(fixed), ..step(ReviewAction::Resubmit, user) };
    assert_eq!(
        madoguchi_store::review::record(&mut conn, key, f.org_a, &after, 1_700).await.unwrap(),
        Err(Refusal::Withdrawn)
    );

    let history = madoguchi_store::review::history(&mut conn, key, Scope::Organization(f.org_a)).await.unwrap();
    let actions: Vec<(i64, &str)> = history.iter().map(|e| (e.seq, e.action.as_str())).collect();
    assert_eq!(
        actions,
        [
            (1, "submit"),
            (2, "return"),
            (3, "resubmit"),
            (4, "approve"),
            (5, "resubmit"),
            (6, "operator_edit"),
            (7, "withdraw_request")
        ]
    );
    assert_eq!(history[0].snapshot.as_deref(), Some(first));
    assert_eq!(history[1].reason.as_deref(), Some("給与の記載を具体的にしてください。"));
    assert_eq!((history[1].actor, history[1].at), (op, 1_100));
    assert_eq!(history[3].effective_at, Some(5_000));
    assert_eq!((history[5].before_snapshot.as_deref(), history[5].snapshot.as_deref()), (Some(third), Some(fixed)));
    // Another organization sees nothing of it, and cannot act on it.
    assert!(madoguchi_store::review::history(&mut conn, key, Scope::Organization(f.org_b)).await.unwrap().is_empty());
    assert_eq!(madoguchi_store::review::find(&mut conn, key, Scope::Organization(f.org_b)).await.unwrap(), None);
    let theirs = Step { snapshot: Some("{}"), ..step(ReviewAction::Submit, Actor::User(f.user_b)) };
    assert_eq!(
        madoguchi_store::review::record(&mut conn, key, f.org_b, &theirs, 1_800).await.unwrap(),
        Err(Refusal::Conflict)
    );
}

#[tokio::test]
async fn of_an_approval_and_a_return_at_once_exactly_one_is_recorded() {
    let f = fixture().await;
    let key = ItemKey { portal: PORTAL, kind: KIND, item_id: 9 };
    let mut conn = f.store.acquire().await.unwrap();
    let submit = Step { snapshot: Some("{}"), ..step(ReviewAction::Submit, Actor::User(f.user_a)) };
    madoguchi_store::review::record(&mut conn, key, f.org_a, &submit, 10).await.unwrap().unwrap();
    drop(conn);
    let act = |action: ReviewAction| {
        let store = f.store.clone();
        let org = f.org_a;
        tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let key = ItemKey { portal: PORTAL, kind: KIND, item_id: 9 };
            let s = Step { reason: Some("記載不備"), effective_at: Some(20), ..step(action, Actor::Operator(1)) };
            let out = madoguchi_store::review::record(&mut tx, key, org, &s, 11).await.unwrap();
            tx.commit().await.unwrap();
            out
        })
    };
    let (a, b) = tokio::join!(act(ReviewAction::Approve), act(ReviewAction::Return));
    let outcomes = [a.unwrap(), b.unwrap()];
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    let mut conn = f.store.acquire().await.unwrap();
    let history = madoguchi_store::review::history(&mut conn, key, Scope::Operator).await.unwrap();
    assert_eq!(history.len(), 2);
}

#[tokio::test]
async fn the_queue_lists_the_oldest_first_within_120_days() {
    let f = fixture().await;
    let mut conn = f.store.acquire().await.unwrap();
    let now = at(2026, 11, 30, 10); // a Monday
    let submitted = [
        (1, f.org_a, at(2026, 11, 27, 17)), // Friday: 1 business day
        (2, f.org_b, at(2026, 11, 20, 9)),  // the Friday before (23rd a holiday): 5
        (3, f.org_a, at(2026, 7, 1, 9)),    // older than 120 days
        (4, f.org_a, at(2026, 11, 30, 9)),  // today: 0
    ];
    for (item_id, org, when) in submitted {
        let user = if org == f.org_a { f.user_a } else { f.user_b };
        let s = Step { snapshot: Some("{}"), ..step(ReviewAction::Submit, Actor::User(user)) };
        let key = ItemKey { portal: PORTAL, kind: KIND, item_id };
        madoguchi_store::review::record(&mut conn, key, org, &s, when).await.unwrap().unwrap();
    }
    let approve = Step { effective_at: Some(now), ..step(ReviewAction::Approve, Actor::Operator(1)) };
    madoguchi_store::review::record(
        &mut conn,
        ItemKey { portal: PORTAL, kind: KIND, item_id: 4 },
        f.org_a,
        &approve,
        now,
    )
    .await
    .unwrap()
    .unwrap();
    let filter = QueueFilter {
        portal: PORTAL,
        kind: Some(KIND),
        states: &[ReviewState::UnderReview],
        organization_id: None,
        since: review::queue_default_since(now),
        limit: 100,
    };
    let rows = madoguchi_store::review::queue(&mut conn, &filter).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.item_id).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(rows[0].organization_name, "別の研究所");
    let closed =
        [ClosedDay::Weekday(chrono::Weekday::Sat), ClosedDay::Weekday(chrono::Weekday::Sun), ClosedDay::Holiday];
    let overrides = Overrides::new([]);
    let calendar = BusinessCalendar::new(&closed, &overrides);
    let ages: Vec<u32> = rows.iter().map(|r| review::age_in_business_days(&calendar, r.submitted_at, now)).collect();
    assert_eq!(ages, [5, 1]);
    let all_time = QueueFilter { since: 0, ..filter.clone() };
    assert_eq!(madoguchi_store::review::queue(&mut conn, &all_time).await.unwrap().len(), 3);
    let of_a = QueueFilter { organization_id: Some(f.org_a), ..all_time.clone() };
    assert_eq!(
        madoguchi_store::review::queue(&mut conn, &of_a).await.unwrap().iter().map(|r| r.item_id).collect::<Vec<_>>(),
        [3, 1]
    );
    let approved = QueueFilter { states: &[ReviewState::Approved], ..filter.clone() };
    let rows = madoguchi_store::review::queue(&mut conn, &approved).await.unwrap();
    assert_eq!((rows.len(), rows[0].item_id, rows[0].has_approved), (1, 4, true));
    let other_kind = QueueFilter { kind: Some("hw_job"), ..filter.clone() };
    assert!(madoguchi_store::review::queue(&mut conn, &other_kind).await.unwrap().is_empty());
    assert!(
        madoguchi_store::review::queue(&mut conn, &QueueFilter { states: &[], ..filter }).await.unwrap().is_empty()
    );
}

#[tokio::test]
async fn serial_numbers_are_handed_out_once_even_at_the_same_moment() {
    let f = fixture().await;
    let mut conn = f.store.acquire().await.unwrap();
    assert_eq!(madoguchi_store::serials::next(&mut conn, PORTAL, "data_number").await.unwrap(), 1);
    assert_eq!(madoguchi_store::serials::next(&mut conn, PORTAL, "data_number").await.unwrap(), 2);
    assert_eq!(madoguchi_store::serials::next(&mut conn, "hellowork", "data_number").await.unwrap(), 1, "per portal");
    drop(conn);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = f.store.clone();
            tokio::spawn(async move {
                let mut tx = store.begin().await.unwrap();
                let n = madoguchi_store::serials::next(&mut tx, PORTAL, "data_number").await.unwrap();
                tx.commit().await.unwrap();
                n
            })
        })
        .collect();
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, (3..=10).collect::<Vec<i64>>());
}
