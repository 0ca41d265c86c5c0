//! A search: keywords, facets, ranges and a sort in; the exact total, exact facet counts of
//! the whole matching set and one page of ids out.

use crate::SearchError;
use crate::collect::{Everything, Matched};
use crate::engine::{CODE_LIMIT, Engine, FACET_SHIFT, key_column};
use crate::text::{WordGrams, word_grams, words};
use std::collections::BTreeMap;
use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query as TantivyQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};

/// A sort: by one of the layout's keys. Equal keys keep the index's order (stable for one
/// index state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    pub key: String,
    pub descending: bool,
}

/// A key's bounds, both inclusive: 「募集期間終了を含める」 unticked is `deadline ≥ today`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    pub key: String,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub scope: String,
    /// 「のすべてを含む」: each entry is split into words (ASCII and ideographic spaces); every
    /// word must occur.
    pub all: Vec<String>,
    /// 「のいずれかを含む」: at least one of these words must occur (none given: no condition).
    pub any: Vec<String>,
    /// 「を含まない」: none of these words may occur.
    pub none: Vec<String>,
    /// Facet name → accepted codes: any of them within a facet (OR), every facet (AND).
    /// An empty list is no condition.
    pub facets: Vec<(String, Vec<u64>)>,
    pub ranges: Vec<KeyRange>,
    pub sort: Sort,
    /// 1-based; a page past the last is empty (its total still exact).
    pub page: u64,
    pub per_page: u64,
    /// The clock's second: only documents with `publish_at ≤ now < unpublish_at` are found.
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hits {
    /// Every match (「該当件数」), however deep the page.
    pub total: u64,
    /// For each facet of the layout: code → number of matches carrying it. Codes with no
    /// match are absent.
    pub facet_counts: BTreeMap<String, BTreeMap<u64, u64>>,
    /// The ids of the page, in order.
    pub ids: Vec<String>,
}

impl Engine {
    /// Runs a query on the last committed state. CPU-bound (it walks every match to count
    /// exactly): call it from a blocking thread (`tokio::task::spawn_blocking`).
    pub fn search(&self, query: &Query) -> Result<Hits, SearchError> {
        let sort_column = self.sort_column(&query.sort.key)?;
        let mut ranges = Vec::new();
        for range in &query.ranges {
            ranges.push((self.sort_column(&range.key)?, range.min.unwrap_or(i64::MIN), range.max.unwrap_or(i64::MAX)));
        }
        if query.per_page == 0 || query.page == 0 {
            return Err(SearchError::Invalid("page and per_page start at 1".into()));
        }
        let tantivy_query = self.tantivy_query(query)?;
        let searcher = self.reader.searcher();
        let everything = Everything { now: query.now, sort_column, ranges };
        let mut matched: Matched = searcher.search(&*tantivy_query, &everything)?;
        let offset = (query.page - 1).saturating_mul(query.per_page);
        let page = matched.page(offset, query.per_page, query.sort.descending);
        let mut ids = Vec::with_capacity(page.len());
        for address in page {
            let doc: TantivyDocument = searcher.doc(address)?;
            let id = doc.get_first(self.fields.id).and_then(|v| v.as_str()).ok_or(SearchError::Stored)?;
            ids.push(id.to_string());
        }
        let mut facet_counts: BTreeMap<String, BTreeMap<u64, u64>> =
            self.layout.facets.iter().map(|f| (f.clone(), BTreeMap::new())).collect();
        for (value, count) in matched.facets {
            let place = (value >> FACET_SHIFT) as usize;
            if let Some(name) = self.layout.facets.get(place)
                && let Some(counts) = facet_counts.get_mut(name)
            {
                counts.insert(value & ((1 << FACET_SHIFT) - 1), count);
            }
        }
        Ok(Hits { total: matched.total, facet_counts, ids })
    }

    fn sort_column(&self, key: &str) -> Result<String, SearchError> {
        if self.layout.keys.iter().any(|k| k == key) {
            Ok(key_column(key))
        } else {
            Err(SearchError::Invalid(format!("unknown sort key {key:?}")))
        }
    }

    fn tantivy_query(&self, query: &Query) -> Result<Box<dyn TantivyQuery>, SearchError> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = vec![(
            Occur::Must,
            Box::new(TermQuery::new(Term::from_field_text(f.scope, &query.scope), IndexRecordOption::Basic)),
        )];
        for word in query.all.iter().flat_map(|w| words(w)) {
            if let Some(q) = self.word_query(&word) {
                clauses.push((Occur::Must, q));
            }
        }
        let any: Vec<(Occur, Box<dyn TantivyQuery>)> = query
            .any
            .iter()
            .flat_map(|w| words(w))
            .filter_map(|w| self.word_query(&w))
            .map(|q| (Occur::Should, q))
            .collect();
        if !any.is_empty() {
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        for word in query.none.iter().flat_map(|w| words(w)) {
            if let Some(q) = self.word_query(&word) {
                clauses.push((Occur::MustNot, q));
            }
        }
        for (name, codes) in &query.facets {
            let place =
                self.layout.facet_place(name).ok_or_else(|| SearchError::Invalid(format!("unknown facet {name:?}")))?;
            if codes.is_empty() {
                continue;
            }
            // A larger code would spill into the next facet's values.
            if let Some(code) = codes.iter().find(|&&c| c >= CODE_LIMIT) {
                return Err(SearchError::Invalid(format!("facet {name}: code {code} is not below 2^48")));
            }
            let alternatives: Vec<(Occur, Box<dyn TantivyQuery>)> = codes
                .iter()
                .map(|&code| {
                    let term = Term::from_field_u64(f.fv, (place << FACET_SHIFT) | code);
                    (Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn TantivyQuery>)
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// One folded word: its character, its pair, or a phrase of its pairs (so the word must
    /// occur as written, not as scattered pairs).
    fn word_query(&self, word: &str) -> Option<Box<dyn TantivyQuery>> {
        let f = self.fields;
        Some(match word_grams(word)? {
            WordGrams::One(c) => Box::new(TermQuery::new(Term::from_field_text(f.uni, &c), IndexRecordOption::Basic)),
            WordGrams::Pairs(pairs) if pairs.len() == 1 => {
                Box::new(TermQuery::new(Term::from_field_text(f.bi, &pairs[0]), IndexRecordOption::Basic))
            }
            // Every other pair already covers every character (and the last pair the last
            // one): 「データサイエンス」 is デー タサ イエ ンス at offsets 0, 2, 4, 6, found exactly
            // where the 7 overlapping pairs are, with half the posting lists to intersect.
            WordGrams::Pairs(pairs) => {
                let last = pairs.len() - 1;
                let mut offsets: Vec<usize> = (0..=last).step_by(2).collect();
                if offsets.last() != Some(&last) {
                    offsets.push(last);
                }
                Box::new(PhraseQuery::new_with_offset(
                    offsets.into_iter().map(|i| (i, Term::from_field_text(f.bi, &pairs[i]))).collect(),
                ))
            }
        })
    }
}
