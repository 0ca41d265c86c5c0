//! The engine alone (no database): tokenizing, keyword logic, facets and their counts,
//! paging, sorts, visibility by the query's `now`, deletion, reopening.

mod common;

use common::*;
use madoguchi_search::{Checkpoint, Engine, KeyRange, Layout, Sort, WriterOptions};

fn filled(dir: &std::path::Path, docs: &[madoguchi_search::Doc]) -> Engine {
    let engine = engine(dir);
    for d in docs {
        engine.upsert(d).unwrap();
    }
    engine.commit(&Checkpoint::default()).unwrap();
    engine
}

#[test]
fn one_character_full_width_and_half_width_kana_queries_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let engine = filled(
        dir.path(),
        &[
            doc("1", "東京都の研究員", &[1], 1, 10),
            doc("2", "ＡＩ研究の助教", &[1], 1, 20),
            doc("3", "ｹﾝｷｭｳｲﾝ 募集", &[1], 1, 30),
            doc("4", "東京の大学と京都の研究所", &[1], 1, 40),
        ],
    );
    let ids = |all: &str| sorted_ids(&engine.search(&query(all)).unwrap());
    assert_eq!(ids("都"), vec!["1", "4"], "a 1-character word");
    assert_eq!(ids("ai"), vec!["2"], "half-width finds full-width");
    assert_eq!(ids("ＡＩ"), vec!["2"]);
    assert_eq!(ids("ケンキュウイン"), vec!["3"], "full-width kana finds half-width kana");
    assert_eq!(ids("東京都"), vec!["1"], "a word is found as written, not as scattered pairs (東京…京都)");
    assert_eq!(ids("研究"), vec!["1", "2", "4"]);
    assert_eq!(ids("研究員"), vec!["1"]);
    assert_eq!(ids("員の"), Vec::<String>::new(), "no word across a space or order change");
}

#[test]
fn long_words_are_found_exactly_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let engine = filled(
        dir.path(),
        &[
            doc("1", "データサイエンス教育研究センター", &[1], 1, 10),
            doc("2", "データとサイエンス", &[1], 1, 20),
            doc("3", "データ サイエンス", &[1], 1, 30),
            doc("4", "サイエンスデータ", &[1], 1, 40),
            doc("5", "ﾃﾞｰﾀｻｲｴﾝｽ", &[1], 1, 50),
        ],
    );
    let ids = |all: &str| sorted_ids(&engine.search(&query(all)).unwrap());
    // 8 characters: pairs at offsets 0, 2, 4, 6; 7 and 5 characters end on an overlapping pair.
    assert_eq!(ids("データサイエンス"), vec!["1", "5"]);
    assert_eq!(ids("データサイエン"), vec!["1", "5"]);
    assert_eq!(ids("サイエンス"), vec!["1", "2", "3", "4", "5"]);
    assert_eq!(ids("スデータ"), vec!["4"]);
    assert_eq!(ids("タサイエ"), vec!["1", "5"]);
    assert_eq!(ids("データセンター"), Vec::<String>::new());
}

#[test]
fn a_word_never_joins_the_end_of_one_text_to_the_start_of_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = doc("1", "東京研究", &[1], 1, 10);
    d.texts.push("員公募".into());
    let engine = filled(dir.path(), &[d]);
    // 研究員公 would be 研究 and 員公 two positions apart, as the texts' last and first pairs were.
    assert_eq!(engine.search(&query("研究員公")).unwrap().total, 0);
    assert_eq!(engine.search(&query("研究 員公募")).unwrap().total, 1);
}

#[test]
fn all_any_and_none_combine() {
    let dir = tempfile::tempdir().unwrap();
    let engine = filled(
        dir.path(),
        &[
            doc("1", "情報通信 機械学習 東京", &[1], 1, 10),
            doc("2", "情報通信 ロボット 大阪", &[1], 1, 20),
            doc("3", "生命科学 機械学習 大阪", &[1], 1, 30),
            doc("4", "生命科学 ゲノム 東京", &[1], 1, 40),
        ],
    );
    let mut q = query("情報通信　機械学習");
    assert_eq!(sorted_ids(&engine.search(&q).unwrap()), vec!["1"], "AND, split on the ideographic space");
    q.all = vec![];
    q.any = vec!["ロボット ゲノム".into()];
    assert_eq!(sorted_ids(&engine.search(&q).unwrap()), vec!["2", "4"], "OR");
    q.any = vec![];
    q.all = vec!["大阪".into()];
    q.none = vec!["ロボット".into()];
    assert_eq!(sorted_ids(&engine.search(&q).unwrap()), vec!["3"], "NOT");
    q.all = vec![];
    q.none = vec!["東京".into()];
    assert_eq!(sorted_ids(&engine.search(&q).unwrap()), vec!["2", "3"], "NOT alone");
    q.none = vec![];
    q.any = vec!["東京".into(), "大阪".into()];
    q.all = vec!["機械学習".into()];
    q.none = vec!["生命".into()];
    assert_eq!(sorted_ids(&engine.search(&q).unwrap()), vec!["1"], "all three fields");
}

#[test]
fn facets_filter_or_within_and_across_and_count_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let engine = filled(
        dir.path(),
        &[
            doc("1", "研究", &[189, 289], 12, 10),
            doc("2", "研究", &[189], 14, 20),
            doc("3", "研究", &[389], 12, 30),
            doc("4", "研究", &[289], 15, 40),
            doc("5", "別件", &[189], 12, 50),
        ],
    );
    let mut q = query("研究");
    let hits = engine.search(&q).unwrap();
    assert_eq!(hits.total, 4);
    assert_eq!(hits.facet_counts["field"], [(189, 2), (289, 2), (389, 1)].into());
    assert_eq!(hits.facet_counts["job"], [(12, 2), (14, 1), (15, 1)].into());
    q.facets = vec![("field".into(), vec![189, 389])];
    let hits = engine.search(&q).unwrap();
    assert_eq!(sorted_ids(&hits), vec!["1", "2", "3"], "OR within a facet");
    assert_eq!(hits.total, 3);
    assert_eq!(hits.facet_counts["field"], [(189, 2), (289, 1), (389, 1)].into(), "counts of the matching set");
    q.facets.push(("job".into(), vec![12]));
    let hits = engine.search(&q).unwrap();
    assert_eq!(sorted_ids(&hits), vec!["1", "3"], "AND across facets");
    assert_eq!(hits.facet_counts["job"], [(12, 2)].into());
    q.facets = vec![("job".into(), vec![1 << 48])];
    assert!(engine.search(&q).is_err(), "a code past 2^48 would reach into another facet");
    q.facets = vec![("nope".into(), vec![1])];
    assert!(engine.search(&q).is_err(), "an unknown facet is refused, not ignored");
}

#[test]
fn pages_reach_the_last_one_with_exact_totals_in_either_order() {
    let dir = tempfile::tempdir().unwrap();
    let docs: Vec<_> = (0..237).map(|i| doc(&format!("{i:03}"), "公募", &[1], 1, (i * 37) % 101)).collect();
    let engine = filled(dir.path(), &docs);
    for descending in [true, false] {
        let mut q = query("公募");
        q.sort = Sort { key: "updated_at".into(), descending };
        let mut seen = Vec::new();
        for page in 1..=5 {
            q.page = page;
            let hits = engine.search(&q).unwrap();
            assert_eq!(hits.total, 237);
            assert_eq!(hits.ids.len(), if page == 5 { 37 } else { 50 });
            seen.extend(hits.ids);
        }
        q.page = 6;
        assert!(engine.search(&q).unwrap().ids.is_empty(), "past the last page");
        let keys: Vec<i64> = seen.iter().map(|id| (id.parse::<i64>().unwrap() * 37) % 101).collect();
        let mut expected = keys.clone();
        expected.sort();
        if descending {
            expected.reverse();
        }
        assert_eq!(keys, expected, "sorted across pages");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 237, "every match exactly once");
    }
}

#[test]
fn publication_flips_at_the_second_without_reindexing() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = doc("1", "公募", &[1], 1, 10);
    d.publish_at = 5_000;
    d.unpublish_at = Some(9_000);
    let engine = filled(dir.path(), &[d]);
    let at = |now: i64| {
        let mut q = query("公募");
        q.now = now;
        engine.search(&q).unwrap().total
    };
    assert_eq!((at(4_999), at(5_000), at(8_999), at(9_000)), (0, 1, 1, 0));
}

#[test]
fn key_ranges_hide_ended_documents() {
    let dir = tempfile::tempdir().unwrap();
    // deadline = updated_at + 1000
    let engine = filled(dir.path(), &[doc("1", "公募", &[1], 1, 0), doc("2", "公募", &[1], 1, 500)]);
    let mut q = query("公募");
    q.ranges = vec![KeyRange { key: "deadline".into(), min: Some(1_200), max: None }];
    assert_eq!(sorted_ids(&engine.search(&q).unwrap()), vec!["2"]);
    q.ranges.clear();
    assert_eq!(engine.search(&q).unwrap().total, 2, "募集期間終了を含める");
}

#[test]
fn deleted_and_replaced_documents_and_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let mut other = doc("1", "公募", &[1], 1, 10);
    other.scope = "hellowork".into();
    let engine = filled(dir.path(), &[doc("1", "公募", &[1], 1, 10), doc("2", "公募", &[1], 1, 20), other]);
    assert_eq!(engine.search(&query("公募")).unwrap().total, 2, "one scope only");
    engine.delete(SCOPE, "1").unwrap();
    engine.upsert(&doc("2", "求人", &[1], 1, 20)).unwrap();
    engine.commit(&Checkpoint { last_seq: 7, gaps: vec![5] }).unwrap();
    assert_eq!(engine.search(&query("公募")).unwrap().total, 0);
    assert_eq!(sorted_ids(&engine.search(&query("求人")).unwrap()), vec!["2"], "replaced, not duplicated");
    assert_eq!(engine.len(), 2);
}

#[test]
fn reopening_keeps_the_index_and_another_layout_starts_anew() {
    let dir = tempfile::tempdir().unwrap();
    let engine = filled(dir.path(), &[doc("1", "公募", &[1], 1, 10)]);
    engine.commit(&Checkpoint { last_seq: 3, gaps: vec![2] }).unwrap();
    drop(engine);
    let engine = common::engine(dir.path());
    assert_eq!(engine.checkpoint().unwrap(), Some(Checkpoint { last_seq: 3, gaps: vec![2] }));
    assert_eq!(engine.search(&query("公募")).unwrap().total, 1);
    drop(engine);
    let other = Layout { facets: vec!["field".into()], keys: vec!["updated_at".into()] };
    let engine = Engine::open(dir.path(), other, WriterOptions::default()).unwrap();
    assert_eq!(engine.checkpoint().unwrap(), None);
    assert!(engine.is_empty());
}

#[test]
fn a_folder_holding_other_files_is_never_emptied() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("precious.db"), b"x").unwrap();
    assert!(Engine::open(dir.path(), layout(), WriterOptions::default()).is_err());
    assert!(dir.path().join("precious.db").exists());
}

#[test]
fn a_folder_another_engine_writes_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let first = engine(dir.path());
    let second = Engine::open(dir.path(), layout(), WriterOptions::default());
    assert!(matches!(second, Err(madoguchi_search::SearchError::Busy(_))), "one writer per folder");
    drop(first);
    assert!(Engine::open(dir.path(), layout(), WriterOptions::default()).is_ok());
}
