//! The engine against a brute-force scan: random documents over a small alphabet (so words
//! recur and pairs collide), written in several commits (several segments, deletions among
//! them), and random queries of every kind; totals, facet counts and the pages must equal
//! what a plain substring scan of the same documents gives.

mod common;

use common::*;
use madoguchi_search::text::{fold, words};
use madoguchi_search::{Checkpoint, Doc, KeyRange, Query, Sort};
use std::collections::BTreeMap;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ALPHABET: &[char] = &['東', '京', '都', '大', '学', '研', '究', '員', '公', '募', 'Ａ', 'a', '　', ' '];

fn text(rng: &mut Rng) -> String {
    (0..10 + rng.below(30)).map(|_| ALPHABET[rng.below(ALPHABET.len())]).collect()
}

fn word(rng: &mut Rng) -> String {
    let letters = &ALPHABET[..ALPHABET.len() - 2];
    // 1 to 5 characters: 4 and 5 make phrases of non-consecutive pairs.
    (0..1 + rng.below(5)).map(|_| letters[rng.below(letters.len())]).collect()
}

/// A query's words, folded once for the whole scan.
struct Words {
    all: Vec<String>,
    any: Vec<String>,
    none: Vec<String>,
}

impl Words {
    fn of(q: &Query) -> Words {
        let split = |fields: &[String]| -> Vec<String> { fields.iter().flat_map(|f| words(f)).collect() };
        Words { all: split(&q.all), any: split(&q.any), none: split(&q.none) }
    }
}

/// `texts` are the document's texts folded once (folding is the slow part of the scan).
fn matches(doc: &Doc, texts: &[String], q: &Query, w: &Words) -> bool {
    let has = |word: &String| texts.iter().any(|t| t.contains(word.as_str()));
    let visible = doc.publish_at <= q.now && q.now < doc.unpublish_at.unwrap_or(i64::MAX);
    visible
        && w.all.iter().all(has)
        && (w.any.is_empty() || w.any.iter().any(has))
        && !w.none.iter().any(has)
        && q.facets.iter().all(|(name, codes)| codes.is_empty() || doc.facets[name].iter().any(|c| codes.contains(c)))
        && q.ranges.iter().all(|r| {
            let v = doc.keys[&r.key];
            r.min.is_none_or(|m| v >= m) && r.max.is_none_or(|m| v <= m)
        })
}

#[test]
fn random_queries_agree_with_a_brute_force_scan() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let mut rng = Rng(0x5eed_1234_abcd);
    let mut docs: BTreeMap<String, Doc> = BTreeMap::new();
    for batch in 0..6 {
        for i in 0..700 {
            let id = format!("{:05}", batch * 700 + i);
            let fields: Vec<u64> = (0..1 + rng.below(2)).map(|_| 1 + rng.below(5) as u64).collect();
            let mut d = doc(&id, &text(&mut rng), &fields, 10 + rng.below(4) as u64, rng.below(500) as i64);
            d.texts.push(text(&mut rng));
            d.publish_at = rng.below(40) as i64;
            d.unpublish_at = (rng.below(10) == 0).then(|| 50 + rng.below(100) as i64);
            engine.upsert(&d).unwrap();
            docs.insert(id, d);
        }
        // Some deletions and rewrites land in later segments.
        for _ in 0..60 {
            let id = format!("{:05}", rng.below((batch + 1) * 700));
            engine.delete(SCOPE, &id).unwrap();
            docs.remove(&id);
        }
        engine.commit(&Checkpoint::default()).unwrap();
    }
    let scanned: Vec<(&Doc, Vec<String>)> =
        docs.values().map(|d| (d, d.texts.iter().map(|t| fold(t)).collect())).collect();
    for n in 0..300 {
        let mut q = query("");
        q.all = (0..rng.below(3)).map(|_| word(&mut rng)).collect();
        if rng.below(3) == 0 {
            q.any = vec![format!("{}　{}", word(&mut rng), word(&mut rng))];
        }
        if rng.below(3) == 0 {
            q.none = vec![word(&mut rng)];
        }
        for (name, max) in [("field", 5), ("job", 4)] {
            if rng.below(2) == 0 {
                let codes =
                    (0..1 + rng.below(2)).map(|_| if name == "job" { 10 } else { 1 } + rng.below(max) as u64).collect();
                q.facets.push((name.into(), codes));
            }
        }
        if rng.below(3) == 0 {
            q.ranges = vec![KeyRange { key: "updated_at".into(), min: Some(100), max: Some(400) }];
        }
        q.now = rng.below(160) as i64;
        q.sort = Sort {
            key: if rng.below(2) == 0 { "updated_at" } else { "deadline" }.into(),
            descending: rng.below(2) == 0,
        };
        q.per_page = 1 + rng.below(60) as u64;
        let w = Words::of(&q);
        let expected: Vec<&Doc> =
            scanned.iter().filter(|(d, texts)| matches(d, texts, &q, &w)).map(|(d, _)| *d).collect();
        let pages = (expected.len() as u64).div_ceil(q.per_page).max(1);
        q.page = 1 + rng.below(pages as usize + 1) as u64;
        let hits = engine.search(&q).unwrap();
        assert_eq!(hits.total, expected.len() as u64, "query {n}: {q:?}");
        let mut counts: BTreeMap<String, BTreeMap<u64, u64>> = BTreeMap::new();
        for d in &expected {
            for (name, codes) in &d.facets {
                for c in codes {
                    *counts.entry(name.clone()).or_default().entry(*c).or_default() += 1;
                }
            }
        }
        for name in ["field", "job"] {
            assert_eq!(hits.facet_counts[name], counts.get(name).cloned().unwrap_or_default(), "query {n}: {name}");
        }
        // The page holds the right keys in order (ids may differ among equal keys).
        let key = |d: &Doc| d.keys[&q.sort.key];
        let mut sorted: Vec<i64> = expected.iter().map(|d| key(d)).collect();
        sorted.sort();
        if q.sort.descending {
            sorted.reverse();
        }
        let from = ((q.page - 1) * q.per_page) as usize;
        let want: Vec<i64> = sorted.iter().skip(from).take(q.per_page as usize).copied().collect();
        let got: Vec<i64> = hits.ids.iter().map(|id| key(&docs[id])).collect();
        assert_eq!(got, want, "query {n}: page {}", q.page);
    }
}
