//! The coded lists of a posting (jrec-in spec §1.5): 機関種別, 研究分野 (大分類 and 小分類),
//! 職種, 雇用形態, 勤務地 areas and prefectures. Data files under `presets/data/jrec-in/`,
//! embedded at compile time. The codes and names were extracted from JREC-IN Portal's own
//! search form (a snapshot kept in github.com/MGMCN/jrecin-job-information-downloader,
//! `templates/html/index.html` at commit e83c55a; each file's first line says which control),
//! not reconstructed: the spec's per-大分類 counts of the 317 小分類 match that snapshot.
//!
//! Each file: a `#` comment line, a header line, then `code,name` or `code,parent,name` rows
//! (no name holds an ASCII comma, so no quoting is needed).

use std::collections::BTreeMap;
use std::sync::LazyLock;

/// One code and its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub code: String,
    /// The 大分類 of a 小分類, the area of a prefecture; empty for the others.
    pub parent: String,
    pub name: String,
}

#[derive(Debug)]
pub struct Taxonomy {
    pub org_types: Vec<Entry>,
    pub majors: Vec<Entry>,
    pub minors: Vec<Entry>,
    pub job_kinds: Vec<Entry>,
    pub employment_types: Vec<Entry>,
    pub areas: Vec<Entry>,
    pub prefectures: Vec<Entry>,
    minor_parent: BTreeMap<String, String>,
}

/// The code of 「その他」 among the prefectures (also what an overseas posting gets).
pub const PREFECTURE_OTHER: &str = "00048";

impl Taxonomy {
    fn parse() -> Result<Taxonomy, String> {
        let minors =
            entries("research_fields.csv", include_str!("../../../../presets/data/jrec-in/research_fields.csv"), 3)?;
        let majors = entries(
            "research_fields_major.csv",
            include_str!("../../../../presets/data/jrec-in/research_fields_major.csv"),
            2,
        )?;
        let areas = entries("areas.csv", include_str!("../../../../presets/data/jrec-in/areas.csv"), 2)?;
        let prefectures =
            entries("prefectures.csv", include_str!("../../../../presets/data/jrec-in/prefectures.csv"), 3)?;
        for m in &minors {
            if !majors.iter().any(|j| j.code == m.parent) {
                return Err(format!("research_fields.csv: {} names an unknown 大分類 {}", m.code, m.parent));
            }
        }
        for p in &prefectures {
            if !areas.iter().any(|a| a.code == p.parent) {
                return Err(format!("prefectures.csv: {} names an unknown area {}", p.code, p.parent));
            }
        }
        let minor_parent = minors.iter().map(|m| (m.code.clone(), m.parent.clone())).collect();
        Ok(Taxonomy {
            org_types: entries("org_types.csv", include_str!("../../../../presets/data/jrec-in/org_types.csv"), 2)?,
            majors,
            minors,
            job_kinds: entries("job_kinds.csv", include_str!("../../../../presets/data/jrec-in/job_kinds.csv"), 2)?,
            employment_types: entries(
                "employment_types.csv",
                include_str!("../../../../presets/data/jrec-in/employment_types.csv"),
                2,
            )?,
            areas,
            prefectures,
            minor_parent,
        })
    }

    /// The 大分類 of a 小分類 code.
    pub fn major_of(&self, minor: &str) -> Option<&str> {
        self.minor_parent.get(minor).map(String::as_str)
    }

    /// The 「※大分類のみ指定のある公募（小分類すべて）」 code of a 大分類: the one 小分類 under it
    /// whose name carries that mark (99901–99910, and 99990 for その他).
    pub fn whole_major_code(&self, major: &str) -> Option<&str> {
        self.minors.iter().find(|m| m.parent == major && m.name.contains("大分類のみ指定")).map(|m| m.code.as_str())
    }

    /// The area a prefecture belongs to.
    pub fn area_of(&self, prefecture: &str) -> Option<&str> {
        self.prefectures.iter().find(|p| p.code == prefecture).map(|p| p.parent.as_str())
    }

    pub fn name<'a>(list: &'a [Entry], code: &str) -> Option<&'a str> {
        list.iter().find(|e| e.code == code).map(|e| e.name.as_str())
    }

    pub fn has(list: &[Entry], code: &str) -> bool {
        list.iter().any(|e| e.code == code)
    }
}

fn entries(file: &str, source: &str, columns: usize) -> Result<Vec<Entry>, String> {
    let mut out: Vec<Entry> = Vec::new();
    let mut lines = source.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    lines.next().ok_or_else(|| format!("{file}: no header line"))?;
    for (n, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != columns || cells.iter().any(|c| c.is_empty()) {
            return Err(format!("{file}: row {} must have {columns} non-empty cells: {line:?}", n + 1));
        }
        let (code, parent, name) = match cells.as_slice() {
            [code, name] => (*code, "", *name),
            [code, parent, name] => (*code, *parent, *name),
            _ => return Err(format!("{file}: row {} has {} cells", n + 1, cells.len())),
        };
        if out.iter().any(|e| e.code == code) {
            return Err(format!("{file}: code {code} appears twice"));
        }
        out.push(Entry { code: code.to_string(), parent: parent.to_string(), name: name.to_string() });
    }
    Ok(out)
}

static TAXONOMY: LazyLock<Result<Taxonomy, String>> = LazyLock::new(Taxonomy::parse);

/// The embedded lists, or what is wrong with them (a test and the configuration check keep
/// them sound; the callers show the error as a server fault).
pub fn taxonomy() -> Result<&'static Taxonomy, &'static str> {
    TAXONOMY.as_ref().map_err(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_have_the_counts_of_the_live_form() {
        let t = taxonomy().unwrap();
        assert_eq!(t.org_types.len(), 15);
        assert_eq!(t.majors.len(), 11);
        assert_eq!(t.minors.len(), 317);
        assert_eq!(t.job_kinds.len(), 22);
        assert_eq!(t.employment_types.len(), 6);
        assert_eq!(t.areas.len(), 10);
        assert_eq!(t.prefectures.len(), 48);
        // The spec's per-大分類 counts (§1.5), the whole-大分類 code included.
        let expected = [
            ("ライフサイエンス", 108),
            ("人文・社会", 70),
            ("ナノテク・材料", 32),
            ("情報通信", 23),
            ("環境", 22),
            ("自然科学一般", 19),
            ("ものづくり技術", 17),
            ("社会基盤", 14),
            ("エネルギー", 7),
            ("フロンティア", 3),
            ("その他", 2),
        ];
        for (name, count) in expected {
            let major = t.majors.iter().find(|m| m.name == name).unwrap();
            assert_eq!(t.minors.iter().filter(|m| m.parent == major.code).count(), count, "{name}");
        }
    }

    #[test]
    fn codes_and_relations_match_the_spec_examples() {
        let t = taxonomy().unwrap();
        assert_eq!(Taxonomy::name(&t.minors, "38010"), Some("植物栄養学、土壌学"));
        assert_eq!(Taxonomy::name(&t.minors, "60050"), Some("ソフトウェア"));
        assert_eq!(Taxonomy::name(&t.minors, "22020"), Some("構造工学、地震工学"));
        assert_eq!(t.major_of("38010"), Some("00189"));
        assert_eq!(t.whole_major_code("00189"), Some("99901"));
        assert_eq!(t.whole_major_code("01000"), Some("99910"));
        assert_eq!(t.whole_major_code("99999"), Some("99990"));
        assert_eq!(t.major_of("99999"), Some("99999"));
        for major in &t.majors {
            assert!(t.whole_major_code(&major.code).is_some(), "{} has its whole-大分類 code", major.name);
        }
        assert_eq!(Taxonomy::name(&t.org_types, "99999"), Some("その他機関"));
        assert_eq!(Taxonomy::name(&t.job_kinds, "00022"), Some("准教授相当"));
        assert_eq!(Taxonomy::name(&t.employment_types, "99"), Some("その他"));
        assert_eq!(t.area_of("00013"), Some("00003"), "東京都 is in 関東");
        assert_eq!(t.area_of("00047"), Some("00009"), "沖縄県 is in 九州・沖縄");
        assert_eq!(t.area_of(PREFECTURE_OTHER), Some("99999"));
        assert_eq!(Taxonomy::name(&t.prefectures, "00013"), Some("東京都"));
    }

    #[test]
    fn a_broken_file_is_refused_with_its_row() {
        assert!(entries("x.csv", "# c\ncode,name\n01,a\n01,b\n", 2).unwrap_err().contains("twice"));
        assert!(entries("x.csv", "code,name\n01\n", 2).unwrap_err().contains("row 1"));
        assert!(entries("x.csv", "", 2).unwrap_err().contains("header"));
    }
}
