//! The 公開 求職者情報 on the platform's search engine (`madoguchi-search`), the same way the
//! public postings search is built (`madoguchi_job_postings::public::index`): the index's
//! [`layout`], a 公開 profile as a search [`Doc`], and the [`ProfileLoader`] its follower
//! re-reads profiles through. The index has its own folder (`<data_dir>/profiles`, see the
//! binary's `profile_search`) and its own scope per portal
//! (`madoguchi_store::search_changes::seeker_profiles_scope`).
//!
//! Only 公開 profiles are documents: a profile turned 非公開, or an account gone (退会, expiry),
//! loads as None and leaves the index. The seekers module writes the change note in the
//! transaction of every such change (`madoguchi_store::search_changes::record_seeker_profile`).
//! A profile is visible from its save on (`publish_at` = 更新日) and never ends by itself.

use crate::store::{self, Profile};
use madoguchi_core::seeker_codes::{DEGREES, JOB_KINDS, PREFECTURES, RESEARCH_FIELDS};
use madoguchi_search::{Doc, Engine, FollowerHandle, Hits, Key, Layout, Loader, Query, SearchError, WriterOptions};
use madoguchi_store::Store;
use madoguchi_store::search_changes::seeker_profiles_scope;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Facets: 研究分野 (its code as a number), 希望職種 and 希望勤務地 (likewise), 最終学位 (its
/// place in `DEGREES`).
pub const FACETS: [&str; 4] = ["research", "job", "prefecture", "degree"];

/// The sort key: 更新日 ([`updated_key`]).
pub const UPDATED: &str = "updated";

pub fn layout() -> Layout {
    Layout { facets: FACETS.iter().map(|f| f.to_string()).collect(), keys: vec![UPDATED.to_string()] }
}

/// Bits of the `updated` key below the second: the user id's low bits, so that profiles saved
/// at the same second keep one order on every page.
pub const UPDATED_TIE_BITS: u32 = 20;

pub fn updated_key(updated_at: i64, user_id: i64) -> i64 {
    (updated_at << UPDATED_TIE_BITS) | (user_id & ((1 << UPDATED_TIE_BITS) - 1))
}

/// A code of the seekers' lists as a facet value; None for anything else.
pub fn code(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// A 最終学位 as a facet value.
pub fn degree_code(value: &str) -> Option<u64> {
    DEGREES.iter().position(|(c, _)| *c == value).map(|p| p as u64)
}

fn names(list: &madoguchi_core::seeker_codes::List, codes: &[String]) -> Vec<String> {
    codes.iter().filter_map(|c| list.name(c)).map(str::to_string).collect()
}

/// The search document of a 公開 profile. Its texts are what 「キーワードで探す」 looks in:
/// the ユーザID, 現在の職, 経歴・業績の概要, 自己PR and the names of its 研究分野, 職種 and 勤務地.
pub fn doc(portal: &str, p: &Profile) -> Doc {
    let mut texts = vec![p.seeker_id.clone(), p.position.clone(), p.career.clone(), p.appeal.clone()];
    texts.extend(names(&RESEARCH_FIELDS, &p.research));
    texts.extend(names(&JOB_KINDS, &p.jobs));
    texts.extend(names(&PREFECTURES, &p.prefectures));
    texts.retain(|t| !t.trim().is_empty());
    let codes = |values: &[String]| values.iter().filter_map(|v| code(v)).collect::<Vec<u64>>();
    let facets = BTreeMap::from([
        ("research".to_string(), codes(&p.research)),
        ("job".to_string(), codes(&p.jobs)),
        ("prefecture".to_string(), codes(&p.prefectures)),
        ("degree".to_string(), degree_code(&p.degree).into_iter().collect()),
    ]);
    Doc {
        scope: seeker_profiles_scope(portal),
        id: p.user_id.to_string(),
        texts,
        facets,
        keys: BTreeMap::from([(UPDATED.to_string(), updated_key(p.updated_at, p.user_id))]),
        publish_at: p.updated_at,
        unpublish_at: None,
    }
}

fn portal_of(scope: &str) -> Option<&str> {
    scope.strip_prefix(&seeker_profiles_scope(""))
}

/// The 求職者情報検索's engine of this instance, kept current by its follower.
#[derive(Clone)]
pub struct ProfileSearch {
    engine: Arc<Engine>,
}

impl ProfileSearch {
    /// Runs a query on a blocking thread (the engine walks every match to count exactly).
    pub async fn search(&self, query: Query) -> Result<Hits, SearchError> {
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || engine.search(&query)).await?
    }
}

/// Opens (or makes) the index in `dir`, builds it from the database when it is new, of another
/// layout or ahead of the database, catches up with the change log and starts the follower.
pub async fn open(store: Store, dir: &Path) -> Result<(ProfileSearch, FollowerHandle), SearchError> {
    let dir_owned = dir.to_path_buf();
    let engine =
        tokio::task::spawn_blocking(move || Engine::open(&dir_owned, layout(), WriterOptions::default())).await??;
    let engine = Arc::new(engine);
    let loader = Arc::new(ProfileLoader { store: store.clone() });
    let follower = madoguchi_search::Follower::start(engine.clone(), store, loader).await?;
    Ok((ProfileSearch { engine }, follower.spawn()))
}

/// The follower's view of the profiles: only 公開 ones are documents.
pub struct ProfileLoader {
    pub store: Store,
}

impl Loader for ProfileLoader {
    async fn load(&self, keys: &[Key]) -> Result<Vec<Option<Doc>>, SearchError> {
        let mut conn = self.store.acquire().await?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let found = match (portal_of(&key.scope), key.id.parse::<i64>()) {
                (Some(portal), Ok(id)) => {
                    store::public_by_user_id(&mut conn, portal, id).await?.map(|p| doc(portal, &p))
                }
                _ => None,
            };
            out.push(found);
        }
        Ok(out)
    }

    async fn scan(&self, after: Option<Key>, limit: usize) -> Result<Vec<Doc>, SearchError> {
        let cursor = match &after {
            Some(key) => (
                portal_of(&key.scope).unwrap_or_default().to_string(),
                key.id.parse::<i64>().map_err(|_| SearchError::Load(format!("not a profile document: {}", key.id)))?,
            ),
            None => (String::new(), 0),
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut conn = self.store.acquire().await?;
        let rows = store::public_after(&mut conn, &cursor.0, cursor.1, limit).await?;
        Ok(rows.iter().map(|(portal, p)| doc(portal, p)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile {
            user_id: 9,
            seeker_id: "kenkyu-hanako".into(),
            research: vec!["60050".into()],
            jobs: vec!["00022".into()],
            prefectures: vec!["00013".into()],
            degree: "doctor".into(),
            position: "特任助教".into(),
            career: String::new(),
            appeal: "自然言語処理".into(),
            researchmap: "https://researchmap.jp/x".into(),
            updated_at: 1_800_000_000,
        }
    }

    #[test]
    fn a_public_profile_becomes_its_document() {
        let d = doc("jrec-in", &profile());
        assert_eq!((d.scope.as_str(), d.id.as_str()), ("seeker_profiles:jrec-in", "9"));
        assert_eq!(&d.texts[..3], ["kenkyu-hanako", "特任助教", "自然言語処理"], "the empty 経歴 is left out");
        assert!(d.texts.iter().any(|t| t == "東京都"), "the names of the codes: {:?}", d.texts);
        assert!(!d.texts.iter().any(|t| t.contains("researchmap")), "researchmap is not searched");
        assert_eq!(d.facets["research"], vec![60050]);
        assert_eq!(d.facets["job"], vec![22]);
        assert_eq!(d.facets["prefecture"], vec![13]);
        assert_eq!(d.facets["degree"], vec![degree_code("doctor").unwrap()]);
        assert_eq!(d.keys[UPDATED] >> UPDATED_TIE_BITS, 1_800_000_000);
        assert_eq!((d.publish_at, d.unpublish_at), (1_800_000_000, None));
        assert_eq!(portal_of(&d.scope), Some("jrec-in"));
        assert_eq!(portal_of("job_postings:jrec-in"), None);
    }

    #[test]
    fn only_codes_are_facet_values() {
        assert_eq!(code("00013"), Some(13));
        assert_eq!(code(""), None);
        assert_eq!(code("+13"), None);
        assert_eq!(code("abc"), None);
        assert_eq!(degree_code("nonsense"), None);
    }
}
