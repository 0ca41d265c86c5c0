//! The coded lists of the plan's form (mlit-plan.md §4.2), as code + Japanese + English. The
//! 許可行政庁 and 許可業種 come from the data files (`routing::prefectures`, `permit::trades`);
//! the others are the spec's lists. **Decision**: JAC's 正会員団体 list is not in the sources,
//! so the form asks for the 団体名 as text with the 会員番号 (the reviewer checks it against the
//! 会員証明書, attachment No.5).

use crate::form::Choices;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub code: String,
    pub ja: String,
    pub en: String,
}

fn c(code: &str, ja: &str, en: &str) -> Choice {
    Choice { code: code.into(), ja: ja.into(), en: en.into() }
}

/// The languages of MLIT's 重要事項事前説明書 (Japanese + 10 [ML-mlit]).
const LANGUAGES: [(&str, &str, &str); 11] = [
    ("ja", "日本語", "Japanese"),
    ("en", "英語", "English"),
    ("vi", "ベトナム語", "Vietnamese"),
    ("id", "インドネシア語", "Indonesian"),
    ("tl", "フィリピン語（タガログ語）", "Filipino (Tagalog)"),
    ("my", "ミャンマー語", "Burmese"),
    ("km", "カンボジア語（クメール語）", "Khmer"),
    ("ne", "ネパール語", "Nepali"),
    ("mn", "モンゴル語", "Mongolian"),
    ("th", "タイ語", "Thai"),
    ("zh", "中国語", "Chinese"),
];

pub fn list(choices: Choices) -> Vec<Choice> {
    match choices {
        Choices::Authority => {
            let mut out =
                vec![c("minister", "国土交通大臣", "Minister of Land, Infrastructure, Transport and Tourism")];
            out.extend(crate::routing::prefectures().iter().map(|p| Choice {
                code: format!("governor-{}", p.code),
                ja: format!("{}知事", p.name),
                en: format!("Governor of {}", p.name),
            }));
            out
        }
        Choices::PermitKind => vec![c("general", "一般", "General"), c("special", "特定", "Special")],
        Choices::Membership => vec![
            c("association", "JAC正会員団体の会員", "Member of a JAC member association"),
            c("supporting", "JAC賛助会員", "Supporting member of JAC"),
        ],
        Choices::Categories => vec![
            c("civil", "土木", "Civil engineering"),
            c("building", "建築", "Building"),
            c("lifeline", "ライフライン・設備", "Lifelines and facilities"),
        ],
        Choices::Languages => LANGUAGES.iter().map(|(code, ja, en)| c(code, ja, en)).collect(),
        Choices::YesNo => vec![c("yes", "あり", "Yes"), c("no", "なし", "No")],
        Choices::Sex => vec![c("m", "男", "Male"), c("f", "女", "Female")],
        Choices::Status => vec![
            c("tit2", "技能実習（2号）", "Technical Intern Training (ii)"),
            c("tit3", "技能実習（3号）", "Technical Intern Training (iii)"),
            c("designated", "特定活動", "Designated Activities"),
            c("ssw1", "特定技能（1号）", "Specified Skilled Worker (i)"),
            c("student", "留学", "Student"),
            c("other", "その他", "Other"),
        ],
        Choices::CcusReason => crate::ids::CcusReason::ALL
            .iter()
            .map(|r| Choice {
                code: r.code().into(),
                ja: r.label().into(),
                en: match r {
                    crate::ids::CcusReason::LivesAbroad => "Lives abroad: not needed".into(),
                    crate::ids::CcusReason::EmployedElsewhere => "Works for another company and has no ID yet".into(),
                },
            })
            .collect(),
        Choices::Admission => vec![
            c("exam", "技能試験合格", "Passed the skills test"),
            c("tit2", "試験免除（技能実習2号修了）", "Exempt: completed Technical Intern Training (ii)"),
            c("tit3", "試験免除（技能実習3号修了）", "Exempt: completed Technical Intern Training (iii)"),
            c("construction", "外国人建設就労者", "Foreign construction worker"),
        ],
        Choices::LeaveReason => vec![
            c("own", "自己都合", "Own reasons"),
            c("company", "会社都合", "The company's reasons"),
            c("return_home", "帰国", "Return home"),
            c("job_change", "転職", "Change of employer"),
            c("other", "その他", "Other"),
        ],
        Choices::Trades => crate::permit::trades()
            .iter()
            .map(|t| Choice { code: t.code.clone(), ja: t.name.clone(), en: t.name.clone() })
            .collect(),
    }
}

/// The label of `code` in `choices`, in Japanese or English; the code itself when unknown.
pub fn label(choices: Choices, code: &str, english: bool) -> String {
    list(choices)
        .into_iter()
        .find(|c| c.code == code)
        .map(|c| if english { c.en } else { c.ja })
        .unwrap_or_else(|| code.to_string())
}
