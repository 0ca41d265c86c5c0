//! The postings' side of Web応募 (`madoguchi_web::applying`): what the `applications` module
//! asks of a posting — whether it takes Web応募 now, whose it is, where the institution's
//! mails go — answered from the version the public sees at that second, so an application is
//! accepted exactly while the public page offers 「Web応募する」.

use crate::public::index::{self, Published};
use madoguchi_core::publication;
use madoguchi_store::Conn;
use madoguchi_web::applying::{Fut, PostingDirectory, PostingFacts};

/// Registered by the binary in the state's services as a `madoguchi_web::applying::Directory`.
pub struct Directory;

fn facts(p: &Published, now: i64) -> PostingFacts {
    let s = &p.snapshot;
    let end = index::end_date(s);
    let until = index::public_until(s, p.unpublish_at);
    let contact = index::one(s, "contact_email");
    PostingFacts {
        id: p.id,
        organization_id: p.organization_id,
        organization_name: p.organization_name.clone(),
        data_number: p.data_number.clone(),
        title: index::one(s, "title"),
        end_date: end.map(|d| d.to_string()).unwrap_or_default(),
        ends_at: end.and_then(|d| publication::ended_at(d).ok()),
        web_apply: index::one(s, "web_apply") == "yes",
        public: publication::is_visible(Some(p.publish_at), until, now),
        withdrawn: p.unpublish_at.is_some(),
        contact_email: Some(contact).filter(|c| !c.is_empty()),
    }
}

impl PostingDirectory for Directory {
    fn posting<'a>(&'a self, conn: &'a mut Conn, portal: &'a str, id: i64, now: i64) -> Fut<'a, Option<PostingFacts>> {
        Box::pin(async move { Ok(index::find_published(conn, portal, id, now).await?.map(|p| facts(&p, now))) })
    }

    fn web_apply_postings<'a>(
        &'a self,
        conn: &'a mut Conn,
        portal: &'a str,
        organization_id: i64,
        now: i64,
    ) -> Fut<'a, Vec<PostingFacts>> {
        Box::pin(async move {
            let all = index::find_of_organization(conn, portal, organization_id, now).await?;
            Ok(all.iter().map(|p| facts(p, now)).filter(|f| f.web_apply).collect())
        })
    }
}
