//! Another institution's postings are never reached: every address of the module with the
//! first institution's ids answers 404 to the second one's session, whatever the method, and
//! its list never shows them (the queries bind the organization).

use super::{complete, new_draft, other_institution, setup, version_in};
use axum::http::StatusCode;

#[tokio::test]
async fn another_institution_gets_404_on_every_address_with_the_first_ones_ids() {
    let app = setup().await;
    let draft = new_draft(&app, &[("title", "機関Aの下書き")]).await;
    let mut fields = complete();
    fields.retain(|(k, _)| *k != "title");
    fields.push(("title", "機関Aの依頼済み"));
    let requested = new_draft(&app, &fields).await;
    let confirm = format!("/jrec-in/job-postings/{requested}/confirm");
    let version = version_in(&app.get(&confirm).await);
    assert_eq!(app.post(&confirm, &[("version", version.as_str())]).await.location(), "/jrec-in/job-postings/register");

    let other = other_institution(&app).await;
    for id in [draft, requested] {
        for path in ["edit", "saved", "confirm", "requested", "history", "delete"] {
            let path = format!("/jrec-in/job-postings/{id}/{path}");
            assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND, "GET {path}");
        }
        let edit = format!("/jrec-in/job-postings/{id}/edit");
        let save = other.post(&edit, &[("version", "1"), ("action", "save"), ("title", "乗っ取り")]).await;
        assert_eq!(save.status, StatusCode::NOT_FOUND, "POST {edit}");
        let confirm = format!("/jrec-in/job-postings/{id}/confirm");
        assert_eq!(other.post(&confirm, &[("version", "1")]).await.status, StatusCode::NOT_FOUND, "POST {confirm}");
        let delete = format!("/jrec-in/job-postings/{id}/delete");
        assert_eq!(other.post(&delete, &[("_step", "confirmed")]).await.status, StatusCode::NOT_FOUND, "POST {delete}");
    }
    let list = other.get("/jrec-in/job-postings/register").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_lacks("機関Aの").assert_lacks("D00000000");
    let under_review = other.get("/jrec-in/job-postings/requested").await;
    assert_eq!(under_review.status, StatusCode::OK);
    under_review.assert_lacks("機関Aの").assert_lacks("D00000000");
    // Nothing of the first institution changed.
    let own = app.get("/jrec-in/job-postings/register").await;
    own.assert_contains("機関Aの下書き").assert_contains("機関Aの依頼済み").assert_lacks("乗っ取り");
    // The other institution's own first posting gets the next number, never one of A's.
    let theirs = new_draft(&other, &[("title", "機関Bの下書き")]).await;
    other.get(&format!("/jrec-in/job-postings/{theirs}/saved")).await.assert_contains("D000000003");
}
