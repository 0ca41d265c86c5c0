//! A plan as it was applied for: the review's snapshot (`apply::snapshot`: the `PlanForm` and
//! the files it went with) read back, in words section by section, and compared with another
//! submission (the diff a reviewer sees for a 補正, modules spec §0.2 "a resubmitted revision is
//! reviewed as a diff", through the workflow's `review::diff`).

use crate::form::{self, PlanForm};
use crate::view::{self, ShownGroup};
use madoguchi_core::review::diff::{self, FieldChange};
use madoguchi_web::i18n::Tr;
use serde::Deserialize;

/// One file of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SubmittedFile {
    pub kind: String,
    #[serde(default)]
    pub worker: Option<i64>,
    pub file_id: i64,
    pub name: String,
    #[serde(default)]
    pub issued_on: Option<String>,
}

#[derive(Deserialize, Default)]
struct Files {
    #[serde(default)]
    attachments: Vec<SubmittedFile>,
}

/// The plan and its files as applied for.
pub struct Submitted {
    pub form: PlanForm,
    pub files: Vec<SubmittedFile>,
}

impl Submitted {
    /// A snapshot as stored; an unreadable one (never written by this code) is empty.
    pub fn parse(json: &str) -> Submitted {
        let files = serde_json::from_str::<Files>(json).unwrap_or_default().attachments;
        Submitted { form: PlanForm::from_json(json), files }
    }

    /// The worker block of `key` counted from 1 in the plan's order (「1号特定技能外国人 2」).
    pub fn worker_number(&self, key: i64) -> Option<usize> {
        self.form.workers.iter().position(|w| i64::from(w.key) == key).map(|i| i + 1)
    }

    /// A file's line in words: 「No.12 重要事項事前説明書（NGUYEN VAN A）：説明書.pdf（発行日 …）」.
    pub fn file_words(&self, t: &Tr, f: &SubmittedFile) -> String {
        let english = t.code() == "en";
        let kind = crate::attachments::kind(&f.kind)
            .map(|k| format!("No.{} {}", k.no, if english { &k.name.en } else { &k.name.ja }))
            .unwrap_or_else(|| f.kind.clone());
        let who = f
            .worker
            .and_then(|k| self.form.workers.iter().find(|w| i64::from(w.key) == k))
            .map(|w| format!("（{}）", form::one(&w.fields, "name_roman")))
            .unwrap_or_default();
        let issued = f
            .issued_on
            .as_deref()
            .filter(|d| !d.is_empty())
            .map(|d| t.get("plan.review.issued_on").replace("{date}", d))
            .unwrap_or_default();
        format!("{kind}{who}：{}{issued}", f.name)
    }
}

/// A section of the plan: its key (`p1` … `p5`, `w<key>`, `attachments`) and its title.
pub struct SectionRef {
    pub key: String,
    pub title: String,
}

/// The sections of a submission, in the order the plan is read: Parts 1–5, each worker
/// block, the attachments. The 補正依頼's comments are per section.
pub fn sections(t: &Tr, plan: &PlanForm) -> Vec<SectionRef> {
    let mut out: Vec<SectionRef> = form::PARTS
        .iter()
        .map(|s| SectionRef { key: s.key.to_string(), title: t.get(&format!("plan.part.{}", s.key)).to_string() })
        .collect();
    for (i, w) in plan.workers.iter().enumerate() {
        let title = t.get("plan.worker.heading").replace("{n}", &(i + 1).to_string());
        let name = form::one(&w.fields, "name_roman");
        let title = if name.is_empty() { title } else { format!("{title}（{name}）") };
        out.push(SectionRef { key: format!("w{}", w.key), title });
    }
    out.push(SectionRef { key: "attachments".into(), title: t.get("plan.attachments.title").to_string() });
    out
}

/// One section shown read-only.
pub struct ShownSection {
    pub key: String,
    pub title: String,
    pub groups: Vec<ShownGroup>,
}

/// The plan's Parts and worker blocks read-only (the attachments are listed apart).
pub fn shown(t: &Tr, plan: &PlanForm) -> Vec<ShownSection> {
    let mut out: Vec<ShownSection> = form::PARTS
        .iter()
        .map(|s| ShownSection {
            key: s.key.to_string(),
            title: t.get(&format!("plan.part.{}", s.key)).to_string(),
            groups: view::shown(t, s, &plan.fields),
        })
        .collect();
    for (i, w) in plan.workers.iter().enumerate() {
        out.push(ShownSection {
            key: format!("w{}", w.key),
            title: t.get("plan.worker.heading").replace("{n}", &(i + 1).to_string()),
            groups: view::shown(t, &form::WORKER, &w.fields),
        });
    }
    out
}

/// One changed field between two submissions.
pub struct DiffLine {
    /// 「第4 … ／ 昇給の考え方」.
    pub label: String,
    /// 変更 / 追加 / 削除 (`review.diff.<change>`).
    pub change: String,
    /// (`unchanged` / `added` / `removed`, text) runs.
    pub spans: Vec<(&'static str, String)>,
}

fn line(t: &Tr, label: String, before: &str, after: &str, out: &mut Vec<DiffLine>) {
    let d = diff::field(&label, before, after);
    if d.change == FieldChange::Unchanged {
        return;
    }
    out.push(DiffLine {
        label,
        change: t.get(&format!("review.diff.{}", d.change.as_str())).to_string(),
        spans: d.spans.iter().map(|s| (s.kind(), s.text().to_string())).collect(),
    });
}

/// What changed from `before` to `after`, field by field in the form's order: Parts 1–5, the
/// worker blocks matched by their stable key (a block only in one of them is all added or all
/// removed), then the list of files line by line.
pub fn changes(t: &Tr, before: &Submitted, after: &Submitted) -> Vec<DiffLine> {
    let sep = t.get("plan.review.path_sep");
    let mut out = Vec::new();
    for s in form::PARTS {
        let title = t.get(&format!("plan.part.{}", s.key)).to_string();
        let old = view::words(t, s, &before.form.fields);
        let new = view::words(t, s, &after.form.fields);
        for ((label, b), (_, a)) in old.iter().zip(new.iter()) {
            line(t, format!("{title}{sep}{label}"), b, a, &mut out);
        }
    }
    let mut keys: Vec<u32> = after.form.workers.iter().map(|w| w.key).collect();
    let gone: Vec<u32> = before.form.workers.iter().map(|w| w.key).filter(|k| !keys.contains(k)).collect();
    keys.extend(gone);
    let empty = form::Values::new();
    for key in keys {
        let old = before.form.worker(key);
        let new = after.form.worker(key);
        let n = after.worker_number(i64::from(key)).or_else(|| before.worker_number(i64::from(key))).unwrap_or(0);
        let title = t.get("plan.worker.heading").replace("{n}", &n.to_string());
        let name = new.or(old).map(|w| form::one(&w.fields, "name_roman").to_string()).unwrap_or_default();
        let title = if name.is_empty() { title } else { format!("{title}（{name}）") };
        let old = view::words(t, &form::WORKER, old.map_or(&empty, |w| &w.fields));
        let new = view::words(t, &form::WORKER, new.map_or(&empty, |w| &w.fields));
        for ((label, b), (_, a)) in old.iter().zip(new.iter()) {
            line(t, format!("{title}{sep}{label}"), b, a, &mut out);
        }
    }
    let files = |s: &Submitted| s.files.iter().map(|f| s.file_words(t, f)).collect::<Vec<_>>().join("\n");
    line(t, t.get("plan.attachments.title").to_string(), &files(before), &files(after), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use madoguchi_core::Lang;

    fn submitted(raise: &str, workers: &[(u32, &str)], files: &[&str]) -> Submitted {
        let mut form = PlanForm::default();
        form.fields.insert("name".into(), vec!["窓口建設株式会社".into()]);
        form.fields.insert("raise_policy".into(), vec![raise.into()]);
        for (key, name) in workers {
            let mut w = form::Worker { key: *key, ..Default::default() };
            w.fields.insert("name_roman".into(), vec![name.to_string()]);
            form.workers.push(w);
        }
        let files = files
            .iter()
            .enumerate()
            .map(|(i, n)| SubmittedFile {
                kind: "registry".into(),
                worker: None,
                file_id: i as i64,
                name: n.to_string(),
                issued_on: None,
            })
            .collect();
        Submitted { form, files }
    }

    #[test]
    fn a_resubmission_shows_only_what_changed() {
        let t = Tr::for_lang(Lang::Ja);
        let before = submitted("技能の習熟に応じて昇給する。", &[(1, "NGUYEN VAN A"), (2, "TRAN B")], &["a.pdf"]);
        let after = submitted("毎年4月に昇給する。", &[(1, "NGUYEN VAN A"), (3, "LE C")], &["a.pdf", "b.pdf"]);
        let lines = changes(t, &before, &after);
        let labels: Vec<&str> = lines.iter().map(|l| l.label.as_str()).collect();
        assert!(labels.iter().any(|l| l.contains("昇給の考え方")), "{labels:?}");
        assert!(!labels.iter().any(|l| l.contains("商号又は名称")), "unchanged fields are left out: {labels:?}");
        assert!(labels.iter().any(|l| l.contains("LE C")), "an added worker: {labels:?}");
        assert!(labels.iter().any(|l| l.contains("TRAN B")), "a removed worker: {labels:?}");
        assert!(!labels.iter().any(|l| l.contains("NGUYEN")), "an unchanged worker: {labels:?}");
        let files = lines.iter().find(|l| l.label == t.get("plan.attachments.title")).expect("the files changed");
        assert!(files.spans.iter().any(|(k, s)| *k == "added" && s.contains("b.pdf")));
        assert!(changes(t, &after, &after).is_empty());
    }

    #[test]
    fn a_snapshot_is_read_back_with_its_files() {
        let json = r#"{"fields":{"name":["窓口建設"]},"workers":[{"key":4,"fields":{}}],"next_worker":5,
            "attachments":[{"kind":"employment_contract","worker":4,"file_id":9,"name":"契約書.pdf","issued_on":null}]}"#;
        let s = Submitted::parse(json);
        assert_eq!(s.form.get("name"), "窓口建設");
        assert_eq!(s.files.len(), 1);
        assert_eq!(s.worker_number(4), Some(1));
        let keys: Vec<String> = sections(Tr::for_lang(Lang::Ja), &s.form).into_iter().map(|s| s.key).collect();
        assert_eq!(keys, ["p1", "p2", "p3", "p4", "p5", "w4", "attachments"]);
        assert!(Submitted::parse("not json").files.is_empty());
    }
}
