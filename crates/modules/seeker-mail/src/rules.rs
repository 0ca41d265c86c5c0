//! The forms' rules: an inquiry's and a reply's text (≤ 2,000 characters, jrec-in §1.10 item 2,
//! Choice for the reply too), and the search's conditions. Pure functions.

use crate::index;
use madoguchi_search::{Query, Sort};
use madoguchi_store::search_changes::seeker_profiles_scope;

/// The longest inquiry or reply, in characters.
pub const BODY_MAX: usize = 2_000;

/// Why a text is refused: the locale key of the message.
pub fn body(text: &str) -> Result<String, &'static str> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if text.trim().is_empty() {
        return Err("smail.err.body_required");
    }
    if text.chars().count() > BODY_MAX {
        return Err("smail.err.body_long");
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("smail.err.body_control");
    }
    Ok(text)
}

/// The language of the inquiry mail: `ja` or `en`.
pub fn lang(code: &str) -> Option<&'static str> {
    match code {
        "ja" => Some("ja"),
        "en" => Some("en"),
        _ => None,
    }
}

/// The search: words that must all appear (「キーワードで探す」), and the 複数の条件 (each, when
/// given, must be among the profile's codes), as a query of the profiles index
/// (`crate::index`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    pub keyword: String,
    pub research: String,
    pub job: String,
    pub prefecture: String,
    pub degree: String,
}

/// The order of the results: 更新日の新しい順 (the default) or 古い順 (`old`).
pub fn newest_first(sort: &str) -> bool {
    sort != "old"
}

impl Conditions {
    pub fn new(keyword: &str, research: &str, job: &str, prefecture: &str, degree: &str) -> Conditions {
        Conditions {
            keyword: keyword.trim().to_string(),
            research: research.trim().to_string(),
            job: job.trim().to_string(),
            prefecture: prefecture.trim().to_string(),
            degree: degree.trim().to_string(),
        }
    }

    /// The query of page `page` (50 a page) at `now`; None when a condition is no code of its
    /// list (a hand-made URL): nothing can match it. The keyword is looked for in the texts of
    /// the document (`index::doc`): every word must occur (the engine splits on ASCII and
    /// ideographic spaces and folds width and case).
    pub fn query(&self, portal: &str, sort: &str, page: u64, per_page: u64, now: i64) -> Option<Query> {
        let mut facets = Vec::new();
        for (facet, value) in [("research", &self.research), ("job", &self.job), ("prefecture", &self.prefecture)] {
            if !value.is_empty() {
                facets.push((facet.to_string(), vec![index::code(value)?]));
            }
        }
        if !self.degree.is_empty() {
            facets.push(("degree".to_string(), vec![index::degree_code(&self.degree)?]));
        }
        Some(Query {
            scope: seeker_profiles_scope(portal),
            all: vec![self.keyword.replace('\t', " ")],
            any: Vec::new(),
            none: Vec::new(),
            facets,
            ranges: Vec::new(),
            sort: Sort { key: index::UPDATED.to_string(), descending: newest_first(sort) },
            page,
            per_page,
            now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies() {
        assert_eq!(body("  "), Err("smail.err.body_required"));
        assert_eq!(body(&"あ".repeat(2_001)), Err("smail.err.body_long"));
        assert_eq!(body(&"あ".repeat(2_000)).map(|b| b.chars().count()), Ok(2_000));
        assert_eq!(body("a\u{7}"), Err("smail.err.body_control"));
        assert_eq!(body("一行目\r\n二行目"), Ok("一行目\n二行目".to_string()));
    }

    #[test]
    fn conditions_become_the_query() {
        let q = Conditions::new(" 量子　python ", "10101", "00022", "00013", "doctor")
            .query("jrec-in", "", 2, 50, 100)
            .unwrap();
        assert_eq!(q.scope, "seeker_profiles:jrec-in");
        assert_eq!(q.all, vec!["量子　python".to_string()]);
        assert_eq!(
            q.facets,
            vec![
                ("research".to_string(), vec![10101]),
                ("job".to_string(), vec![22]),
                ("prefecture".to_string(), vec![13]),
                ("degree".to_string(), vec![0]),
            ]
        );
        assert_eq!((q.page, q.per_page, q.now), (2, 50, 100));
        assert!(q.sort.descending, "更新日の新しい順 by default");
        assert!(!Conditions::default().query("jrec-in", "old", 1, 50, 0).unwrap().sort.descending);
        assert!(Conditions::default().query("jrec-in", "new", 1, 50, 0).unwrap().facets.is_empty());
        // A condition that is no code matches nothing.
        assert_eq!(Conditions::new("", "abc", "", "", "").query("jrec-in", "", 1, 50, 0), None);
        assert_eq!(Conditions::new("", "", "", "", "professor").query("jrec-in", "", 1, 50, 0), None);
    }
}
