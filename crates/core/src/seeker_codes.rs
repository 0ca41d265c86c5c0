//! The coded lists a seeker chooses from in 求職者情報: 研究分野 (the 317 小分類 under their 11
//! 大分類), 職種 and 勤務地 (prefectures), the same codes as the portal's postings, read from
//! the shared data files under `presets/data/jrec-in/` (their first line names the source);
//! and 最終学位, this module's own short list.

use std::sync::LazyLock;

/// One code and its label; `group` is the 大分類 of a research field, empty otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub code: String,
    pub group: String,
    pub name: String,
}

/// A field's choices, with the 大分類 names for `<optgroup>` (research fields only).
#[derive(Debug)]
pub struct List {
    pub groups: Vec<(String, String)>,
    pub codes: Vec<Code>,
}

impl List {
    pub fn has(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c.code == code)
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.codes.iter().find(|c| c.code == code).map(|c| c.name.as_str())
    }

    /// The codes of one 大分類, in file order.
    pub fn in_group<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Code> + 'a {
        self.codes.iter().filter(move |c| c.group == group)
    }
}

/// Rows of a data file: a `#` source line and a header line skipped, then comma-separated
/// columns (no name holds an ASCII comma). `parent`: the column of the group, if any.
fn rows(text: &str, columns: usize, parent: Option<usize>) -> Vec<Code> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .filter_map(|line| {
            let parts: Vec<&str> = line.splitn(columns, ',').map(str::trim).collect();
            (parts.len() == columns).then(|| Code {
                code: parts[0].to_string(),
                group: parent.map(|i| parts[i].to_string()).unwrap_or_default(),
                name: parts[columns - 1].to_string(),
            })
        })
        .collect()
}

/// 研究分野: the 小分類, grouped by 大分類. The search form's 「大分類のみ指定のある公募」 rows
/// (codes 99901–99990) are left out: they are a search option, not a field a researcher works
/// in; その他 (99999) stays.
pub static RESEARCH_FIELDS: LazyLock<List> = LazyLock::new(|| {
    let majors = rows(include_str!("../../../presets/data/jrec-in/research_fields_major.csv"), 2, None);
    let minors = rows(include_str!("../../../presets/data/jrec-in/research_fields.csv"), 3, Some(1));
    List {
        groups: majors.into_iter().map(|m| (m.code, m.name)).collect(),
        codes: minors.into_iter().filter(|c| !c.code.starts_with("999") || c.code == "99999").collect(),
    }
});

/// 希望職種.
pub static JOB_KINDS: LazyLock<List> = LazyLock::new(|| List {
    groups: Vec::new(),
    codes: rows(include_str!("../../../presets/data/jrec-in/job_kinds.csv"), 2, None),
});

/// 希望勤務地: the prefectures (and その他, abroad included).
pub static PREFECTURES: LazyLock<List> = LazyLock::new(|| List {
    groups: Vec::new(),
    codes: rows(include_str!("../../../presets/data/jrec-in/prefectures.csv"), 3, None),
});

/// 最終学位: the code and its locale key.
pub const DEGREES: [(&str, &str); 4] = [
    ("doctor", "seeker.degree.doctor"),
    ("master", "seeker.degree.master"),
    ("bachelor", "seeker.degree.bachelor"),
    ("other", "seeker.degree.other"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_load_from_the_shared_data() {
        assert_eq!(RESEARCH_FIELDS.groups.len(), 11);
        assert_eq!(RESEARCH_FIELDS.codes.len(), 317 - 11, "the 小分類 without the 大分類-only rows");
        assert!(RESEARCH_FIELDS.codes.iter().all(|c| !c.name.contains("大分類のみ")));
        assert!(RESEARCH_FIELDS.codes.iter().all(|c| RESEARCH_FIELDS.groups.iter().any(|(g, _)| *g == c.group)));
        assert!(JOB_KINDS.has("00022") && JOB_KINDS.name("00012") == Some("教授相当"));
        assert_eq!(PREFECTURES.codes.len(), 48);
        assert_eq!(PREFECTURES.name("00013"), Some("東京都"));
    }
}
