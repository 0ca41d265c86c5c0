//! The public search's conditions as they travel in the URL (spec §0.5: state in the URL, so a
//! search is bookmarked, shared, refined, fed and paged by its parameters), read into
//! [`Criteria`] and turned into a search [`Query`] for a moment `now`. Pure: the clock is the
//! caller's.
//!
//! Parameters (all optional, repeatable where a facet takes several codes):
//! `all`, `any`, `none` (キーワード のすべてを含む / のいずれかを含む / を含まない), `org_kind`,
//! `major`, `minor`, `job_kind`, `employment`, `area`, `prefecture`, `tenure`,
//! `consideration`, `e_apply`, `salary` (年収 in 万円, 100–3000 by 100), `new`, `closing`,
//! `ended` (こだわり条件), `english` (英語の求人も表示), `sort`, `per`, `page`.
//!
//! An unknown code or value — only a hand-edited address can carry one — is dropped, not
//! refused: the page shows what it searched for. A keyword longer than [`KEYWORD_MAX`] is the
//! one error a form can make, and it is shown next to its field.

use crate::fields::{APPLY_METHODS, CONSIDERATIONS};
use crate::public::index::scope;
use crate::taxonomy::Taxonomy;
use madoguchi_search::{KeyRange, Query, Sort};

/// The longest keyword entry, in characters (Choice).
pub const KEYWORD_MAX: usize = 200;
/// Results per page: JREC-IN's 50 by default, 20 and 100 offered (§0.5).
pub const PER_PAGE: [u64; 3] = [20, 50, 100];
pub const DEFAULT_PER_PAGE: u64 = 50;
/// 新着求人: published within this many days (Choice, §1.5).
pub const NEW_DAYS: i64 = 7;
/// 募集締切間近の求人: ends within this many days (Choice, §1.5).
pub const CLOSING_DAYS: i64 = 14;
/// 任期 facet values (§1.5): 0 任期あり, 1 任期なし, 3 テニュアトラック, 2 テニュアトラック以外.
pub const TENURE_VALUES: [u64; 4] = [0, 1, 3, 2];

/// 並び順 (§1.5): 新着順 (default), 募集締切順 both ways, 機関名順.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Newest,
    DeadlineSoonest,
    DeadlineLatest,
    Organization,
}

impl Order {
    pub const ALL: [Order; 4] = [Order::Newest, Order::DeadlineSoonest, Order::DeadlineLatest, Order::Organization];

    pub fn as_str(self) -> &'static str {
        match self {
            Order::Newest => "new",
            Order::DeadlineSoonest => "deadline",
            Order::DeadlineLatest => "deadline_desc",
            Order::Organization => "org",
        }
    }

    fn parse(raw: &str) -> Option<Order> {
        Order::ALL.into_iter().find(|o| o.as_str() == raw)
    }

    fn sort(self) -> Sort {
        let (key, descending) = match self {
            Order::Newest => ("updated", true),
            Order::DeadlineSoonest => ("deadline", false),
            Order::DeadlineLatest => ("deadline", true),
            Order::Organization => ("org", false),
        };
        Sort { key: key.to_string(), descending }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Criteria {
    pub all: String,
    pub any: String,
    pub none: String,
    /// Facet name → the codes chosen, as they travel in the URL (`00189`, `university`).
    pub facets: Vec<(&'static str, Vec<String>)>,
    /// 年収 at least this many 万円.
    pub salary: Option<u32>,
    pub new: bool,
    pub closing: bool,
    pub ended: bool,
    pub english: bool,
    pub order: Order,
    pub per_page: u64,
    pub page: u64,
    /// (field, message key) of a condition that cannot be searched.
    pub errors: Vec<(&'static str, &'static str)>,
}

/// The facets a URL may carry, in the form's order.
pub const FACET_PARAMS: [&str; 10] = [
    "org_kind",
    "major",
    "minor",
    "job_kind",
    "employment",
    "area",
    "prefecture",
    "tenure",
    "consideration",
    "e_apply",
];

/// The codes a facet accepts in the URL, and the index's number of each.
fn facet_code(taxonomy: &Taxonomy, facet: &str, raw: &str) -> Option<u64> {
    let listed =
        |list: &[crate::taxonomy::Entry]| list.iter().any(|e| e.code == raw).then(|| raw.parse::<u64>().ok()).flatten();
    let placed = |list: &[&str]| list.iter().position(|c| *c == raw).map(|p| p as u64);
    match facet {
        "org_kind" => placed(&madoguchi_core::organization::KINDS),
        "major" => listed(&taxonomy.majors),
        "minor" => listed(&taxonomy.minors),
        "job_kind" => listed(&taxonomy.job_kinds),
        "employment" => listed(&taxonomy.employment_types),
        "area" => listed(&taxonomy.areas),
        "prefecture" => listed(&taxonomy.prefectures),
        "tenure" => raw.parse::<u64>().ok().filter(|v| TENURE_VALUES.contains(v)),
        "consideration" => placed(CONSIDERATIONS),
        "e_apply" => placed(&APPLY_METHODS[..3]),
        _ => None,
    }
}

fn flag(value: &str) -> bool {
    value == "1"
}

impl Criteria {
    /// The conditions of a query string's pairs.
    pub fn parse(pairs: &[(String, String)], taxonomy: &Taxonomy) -> Criteria {
        let mut c = Criteria { per_page: DEFAULT_PER_PAGE, page: 1, ..Criteria::default() };
        let mut facets: Vec<(&'static str, Vec<String>)> = FACET_PARAMS.iter().map(|f| (*f, Vec::new())).collect();
        for (name, value) in pairs {
            let value = value.trim();
            match name.as_str() {
                "all" => c.all = value.to_string(),
                "any" => c.any = value.to_string(),
                "none" => c.none = value.to_string(),
                "salary" => c.salary = value.parse::<u32>().ok().filter(|v| (100..=3000).contains(v) && v % 100 == 0),
                "new" => c.new = flag(value),
                "closing" => c.closing = flag(value),
                "ended" => c.ended = flag(value),
                "english" => c.english = flag(value),
                "sort" => c.order = Order::parse(value).unwrap_or_default(),
                "per" => c.per_page = value.parse().ok().filter(|p| PER_PAGE.contains(p)).unwrap_or(DEFAULT_PER_PAGE),
                "page" => c.page = value.parse().ok().filter(|p| *p >= 1).unwrap_or(1),
                other => {
                    if let Some((facet, codes)) = facets.iter_mut().find(|(f, _)| *f == other)
                        && facet_code(taxonomy, facet, value).is_some()
                        && !codes.iter().any(|v| v == value)
                    {
                        codes.push(value.to_string());
                    }
                }
            }
        }
        c.facets = facets;
        for (field, text) in [("all", &c.all), ("any", &c.any), ("none", &c.none)] {
            if text.chars().count() > KEYWORD_MAX {
                c.errors.push((field, "posting.public.err.keyword_too_long"));
            }
        }
        c
    }

    pub fn codes(&self, facet: &str) -> &[String] {
        self.facets.iter().find(|(f, _)| *f == facet).map(|(_, v)| v.as_slice()).unwrap_or(&[])
    }

    pub fn has(&self, facet: &str, code: &str) -> bool {
        self.codes(facet).iter().any(|c| c == code)
    }

    /// The search for these conditions on `portal` at `now`: English postings on the English
    /// site, Japanese ones on the Japanese site (Choice, §1.7); `english` shows both.
    pub fn query(&self, taxonomy: &Taxonomy, portal: &str, english_site: bool, now: i64) -> Query {
        let mut facets: Vec<(String, Vec<u64>)> = self
            .facets
            .iter()
            .map(|(f, codes)| (f.to_string(), codes.iter().filter_map(|c| facet_code(taxonomy, f, c)).collect()))
            .collect();
        // The site's language only, unless the other language's postings are asked for too
        // (「英語の求人も表示」 on the Japanese site, its counterpart on the English one).
        if !self.english {
            facets.push(("language".to_string(), vec![u64::from(english_site)]));
        }
        let mut ranges = Vec::new();
        if !self.ended {
            ranges.push(KeyRange { key: "deadline".into(), min: Some(now), max: None });
        }
        if self.closing {
            ranges.push(KeyRange { key: "deadline".into(), min: None, max: Some(now + CLOSING_DAYS * 86_400) });
        }
        if self.new {
            let since = super::index::updated_key(now - NEW_DAYS * 86_400, 0);
            ranges.push(KeyRange { key: "updated".into(), min: Some(since), max: None });
        }
        if let Some(man) = self.salary {
            ranges.push(KeyRange { key: "salary".into(), min: Some(i64::from(man) * 10_000), max: None });
        }
        Query {
            scope: scope(portal),
            all: vec![self.all.clone()],
            any: vec![self.any.clone()],
            none: vec![self.none.clone()],
            facets,
            ranges,
            sort: self.order.sort(),
            page: self.page,
            per_page: self.per_page,
            now,
        }
    }

    /// The conditions as query pairs (page and order left to the caller's `extra`): the links
    /// of the result pages, the sorts, the feed and the API carry the same search.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (name, text) in [("all", &self.all), ("any", &self.any), ("none", &self.none)] {
            if !text.is_empty() {
                out.push((name.to_string(), text.clone()));
            }
        }
        for (facet, codes) in &self.facets {
            out.extend(codes.iter().map(|c| (facet.to_string(), c.clone())));
        }
        if let Some(s) = self.salary {
            out.push(("salary".into(), s.to_string()));
        }
        for (name, on) in
            [("new", self.new), ("closing", self.closing), ("ended", self.ended), ("english", self.english)]
        {
            if on {
                out.push((name.to_string(), "1".into()));
            }
        }
        out
    }

    /// The query string of these conditions with `order`, `per` and `page`.
    pub fn href_query(&self, order: Order, per_page: u64, page: u64) -> String {
        let mut pairs = self.pairs();
        if order != Order::Newest {
            pairs.push(("sort".into(), order.as_str().into()));
        }
        if per_page != DEFAULT_PER_PAGE {
            pairs.push(("per".into(), per_page.to_string()));
        }
        if page != 1 {
            pairs.push(("page".into(), page.to_string()));
        }
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn taxonomy() -> &'static Taxonomy {
        crate::taxonomy::taxonomy().unwrap()
    }

    #[test]
    fn the_url_round_trips_and_drops_what_is_unknown() {
        let c = Criteria::parse(
            &pairs(&[
                ("all", " 情報 教授 "),
                ("major", "00289"),
                ("major", "00289"),
                ("major", "12345"),
                ("org_kind", "university"),
                ("org_kind", "castle"),
                ("tenure", "3"),
                ("tenure", "9"),
                ("salary", "500"),
                ("salary", "550"),
                ("sort", "org"),
                ("per", "100"),
                ("page", "11"),
                ("ended", "1"),
            ]),
            taxonomy(),
        );
        assert_eq!(c.all, "情報 教授");
        assert_eq!(c.codes("major"), ["00289"]);
        assert_eq!(c.codes("org_kind"), ["university"]);
        assert_eq!(c.codes("tenure"), ["3"]);
        assert_eq!(c.salary, None, "550 is not a step of 100");
        assert_eq!((c.order, c.per_page, c.page), (Order::Organization, 100, 11));
        let again = Criteria::parse(
            &url::form_urlencoded::parse(c.href_query(c.order, c.per_page, c.page).as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect::<Vec<_>>(),
            taxonomy(),
        );
        assert_eq!(again, c);
        let odd = Criteria::parse(&pairs(&[("per", "7"), ("page", "0"), ("sort", "x")]), taxonomy());
        assert_eq!((odd.per_page, odd.page, odd.order), (50, 1, Order::Newest));
    }

    #[test]
    fn a_long_keyword_is_an_error_of_its_field() {
        let long = "あ".repeat(KEYWORD_MAX + 1);
        let c = Criteria::parse(&pairs(&[("none", &long), ("all", &"い".repeat(KEYWORD_MAX))]), taxonomy());
        assert_eq!(c.errors, vec![("none", "posting.public.err.keyword_too_long")]);
    }

    #[test]
    fn the_query_reads_the_clock_for_ended_new_and_closing() {
        let now = 1_800_000_000;
        let c = Criteria::parse(&pairs(&[("new", "1"), ("closing", "1"), ("salary", "800")]), taxonomy());
        let q = c.query(taxonomy(), "jrec-in", false, now);
        assert_eq!(q.scope, "job_postings:jrec-in");
        assert_eq!(q.now, now);
        assert!(q.ranges.contains(&KeyRange { key: "deadline".into(), min: Some(now), max: None }), "ended left out");
        assert!(q.ranges.contains(&KeyRange { key: "deadline".into(), min: None, max: Some(now + 14 * 86_400) }));
        let since = crate::public::index::updated_key(now - 7 * 86_400, 0);
        assert!(q.ranges.contains(&KeyRange { key: "updated".into(), min: Some(since), max: None }));
        assert!(q.ranges.contains(&KeyRange { key: "salary".into(), min: Some(8_000_000), max: None }));
        assert!(q.facets.contains(&("language".to_string(), vec![0])), "Japanese postings on the Japanese site");
        let with_ended = Criteria::parse(&pairs(&[("ended", "1"), ("english", "1")]), taxonomy());
        let q = with_ended.query(taxonomy(), "jrec-in", false, now);
        assert!(q.ranges.is_empty());
        assert!(!q.facets.iter().any(|(f, _)| f == "language"), "英語の求人も表示: both languages");
        assert_eq!(q.sort, Sort { key: "updated".into(), descending: true });
    }
}
