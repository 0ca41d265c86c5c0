//! The one pass over a query's matches: visibility and key ranges (read from columns, with
//! the query's `now`, so publication flips at the second without re-indexing), the exact
//! count, every facet value's count, and each match's sort key for the page.
//!
//! Paging keeps every match's key (16 bytes each) and selects the page in linear time
//! (`select_nth_unstable`) instead of a top-k heap, whose cost grows with the page's depth:
//! page 20,000 of 50 costs what page 1 costs.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

pub(crate) struct Everything {
    pub now: i64,
    pub sort_column: String,
    /// Column, inclusive minimum, inclusive maximum.
    pub ranges: Vec<(String, i64, i64)>,
}

#[derive(Clone, Copy)]
struct Entry {
    key: i64,
    segment: SegmentOrdinal,
    doc: DocId,
}

pub(crate) struct Matched {
    pub total: u64,
    /// `fv` value (facet place and code) → matches carrying it.
    pub facets: Counts,
    entries: Vec<Entry>,
}

/// Facet values are already well spread numbers: a multiply is hash enough, and the
/// default SipHash costs more than the rest of the per-match work.
#[derive(Default)]
pub(crate) struct Spread(u64);

impl Hasher for Spread {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (value ^ (value >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

pub(crate) type Counts = HashMap<u64, u64, BuildHasherDefault<Spread>>;

pub(crate) struct SegmentPass {
    segment: SegmentOrdinal,
    now: i64,
    publish_at: Option<Column<i64>>,
    unpublish_at: Option<Column<i64>>,
    sort: Option<Column<i64>>,
    ranges: Vec<(Option<Column<i64>>, i64, i64)>,
    fv: Option<Column<u64>>,
    total: u64,
    facets: Counts,
    entries: Vec<Entry>,
}

impl Collector for Everything {
    type Fruit = Matched;
    type Child = SegmentPass;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentPass> {
        let columns = reader.fast_fields();
        let mut ranges = Vec::new();
        for (column, min, max) in &self.ranges {
            ranges.push((columns.column_opt::<i64>(column)?, *min, *max));
        }
        Ok(SegmentPass {
            segment,
            now: self.now,
            publish_at: columns.column_opt("publish_at")?,
            unpublish_at: columns.column_opt("unpublish_at")?,
            sort: columns.column_opt(&self.sort_column)?,
            ranges,
            fv: columns.column_opt("fv")?,
            total: 0,
            facets: Counts::default(),
            entries: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Matched>) -> tantivy::Result<Matched> {
        let mut merged = Matched { total: 0, facets: Counts::default(), entries: Vec::new() };
        merged.entries.reserve(fruits.iter().map(|f| f.entries.len()).sum());
        for fruit in fruits {
            merged.total += fruit.total;
            for (value, count) in fruit.facets {
                *merged.facets.entry(value).or_default() += count;
            }
            merged.entries.extend(fruit.entries);
        }
        Ok(merged)
    }
}

fn value(column: &Option<Column<i64>>, doc: DocId) -> Option<i64> {
    column.as_ref().and_then(|c| c.first(doc))
}

impl SegmentCollector for SegmentPass {
    type Fruit = Matched;

    fn collect(&mut self, doc: DocId, _score: Score) {
        // A document lacking a column it was written with cannot exist; skipping it keeps a
        // damaged segment from showing what may not be public.
        let (Some(from), Some(until)) = (value(&self.publish_at, doc), value(&self.unpublish_at, doc)) else {
            return;
        };
        if !(from <= self.now && self.now < until) {
            return;
        }
        for (column, min, max) in &self.ranges {
            match value(column, doc) {
                Some(v) if *min <= v && v <= *max => {}
                _ => return,
            }
        }
        let Some(key) = value(&self.sort, doc) else { return };
        self.total += 1;
        if let Some(fv) = &self.fv {
            for v in fv.values_for_doc(doc) {
                *self.facets.entry(v).or_default() += 1;
            }
        }
        self.entries.push(Entry { key, segment: self.segment, doc });
    }

    fn harvest(self) -> Matched {
        Matched { total: self.total, facets: self.facets, entries: self.entries }
    }
}

impl Matched {
    /// The addresses of `per_page` matches from `offset` on, in sort order; ties in the
    /// index's order (segment, then document), which makes the order total, so pages never
    /// overlap or skip.
    pub fn page(&mut self, offset: u64, per_page: u64, descending: bool) -> Vec<DocAddress> {
        let n = self.entries.len();
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(n);
        let end = start.saturating_add(usize::try_from(per_page).unwrap_or(usize::MAX)).min(n);
        if start >= end {
            return Vec::new();
        }
        let order = |a: &Entry, b: &Entry| -> Ordering {
            let by_key = if descending { b.key.cmp(&a.key) } else { a.key.cmp(&b.key) };
            by_key.then(a.segment.cmp(&b.segment)).then(a.doc.cmp(&b.doc))
        };
        if start > 0 {
            self.entries.select_nth_unstable_by(start, order);
        }
        let rest = &mut self.entries[start..];
        let len = end - start;
        if len < rest.len() {
            rest.select_nth_unstable_by(len - 1, order);
        }
        let page = &mut rest[..len];
        page.sort_unstable_by(order);
        page.iter().map(|e| DocAddress::new(e.segment, e.doc)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matched(keys: &[i64]) -> Matched {
        let entries = keys.iter().enumerate().map(|(i, &key)| Entry { key, segment: 0, doc: i as DocId }).collect();
        Matched { total: keys.len() as u64, facets: Counts::default(), entries }
    }

    #[test]
    fn pages_cover_every_match_once_in_order_with_ties() {
        let keys: Vec<i64> = (0..1000).map(|i| (i * 7919) % 97).collect();
        for descending in [false, true] {
            let mut seen = Vec::new();
            for page in 0..(1000 / 30 + 1) {
                let mut m = matched(&keys);
                seen.extend(m.page(page * 30, 30, descending).into_iter().map(|a| a.doc_id));
            }
            let mut expected: Vec<DocId> = (0..1000).collect();
            expected.sort_by(|&a, &b| {
                let (ka, kb) = (keys[a as usize], keys[b as usize]);
                (if descending { kb.cmp(&ka) } else { ka.cmp(&kb) }).then(a.cmp(&b))
            });
            assert_eq!(seen, expected);
        }
        assert!(matched(&keys).page(1000, 30, false).is_empty());
    }
}
