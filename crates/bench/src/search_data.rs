//! Synthetic JREC-IN-like postings for the search benchmark: deterministic (posting `i` is a
//! function of the seed and `i`, so the index and the SQL yardstick get the same data without
//! holding it), Japanese titles and bodies from word lists of research fields, job titles,
//! institutions and prefectures, and facets drawn with skewed weights like the live portal's
//! (ライフサイエンス and 人文・社会 lead the 研究分野, 東京 the 勤務地, 助教 and ポスドク the 職種).

/// splitmix64: small, fast and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index into `weights`, drawn in proportion to them.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut at = (self.next() % u64::from(total)) as u32;
        for (i, w) in weights.iter().enumerate() {
            if at < *w {
                return i;
            }
            at -= w;
        }
        weights.len() - 1
    }
}

/// 研究分野 大分類: code, name, weight, keywords of its 小分類.
pub const FIELDS: &[(u64, &str, u32, &[&str])] = &[
    (
        189,
        "ライフサイエンス",
        25,
        &[
            "ゲノム",
            "細胞生物学",
            "免疫学",
            "神経科学",
            "創薬",
            "再生医療",
            "分子生物学",
            "生化学",
            "感染症",
            "臨床医学",
        ],
    ),
    (
        289,
        "情報通信",
        12,
        &[
            "機械学習",
            "人工知能",
            "データサイエンス",
            "ソフトウェア工学",
            "情報セキュリティ",
            "ネットワーク",
            "自然言語処理",
            "画像処理",
            "量子計算",
        ],
    ),
    (389, "環境", 5, &["気候変動", "生態系", "大気環境", "水資源", "環境政策"]),
    (489, "ナノテク・材料", 7, &["ナノ材料", "半導体", "高分子", "触媒化学", "表面科学"]),
    (589, "エネルギー", 3, &["再生可能エネルギー", "蓄電池", "核融合", "水素エネルギー"]),
    (689, "ものづくり技術", 6, &["精密加工", "機械設計", "生産システム", "制御工学", "ロボット工学"]),
    (789, "社会基盤", 4, &["土木工学", "構造工学", "防災", "都市計画", "交通工学"]),
    (889, "フロンティア", 1, &["宇宙工学", "海洋科学", "地球惑星科学"]),
    (
        900,
        "人文・社会",
        20,
        &["日本史", "社会学", "経済学", "教育学", "言語学", "心理学", "法学", "文化人類学", "哲学", "国際関係"],
    ),
    (1000, "自然科学一般", 15, &["数学", "素粒子物理", "有機化学", "天文学", "統計学", "物性物理"]),
    (99999, "その他", 2, &["科学技術政策", "研究支援", "知的財産"]),
];

/// 職種: code, the posting's wording, weight.
pub const JOBS: &[(u64, &str, u32)] = &[
    (11, "学長", 1),
    (12, "教授", 12),
    (22, "准教授", 10),
    (23, "講師", 8),
    (14, "助教", 15),
    (15, "博士研究員（ポスドク）", 20),
    (16, "非常勤講師", 10),
    (17, "研究補助員", 5),
    (18, "研究管理者", 1),
    (19, "研究開発職", 5),
    (20, "高等学校教員", 1),
    (21, "サイエンスコミュニケーター", 1),
    (24, "主任研究員", 2),
    (25, "企画管理職", 1),
    (26, "技術管理職", 1),
    (27, "営業管理職", 1),
    (28, "事務管理職", 1),
    (29, "企画スタッフ", 1),
    (30, "技術スタッフ", 2),
    (31, "営業スタッフ", 1),
    (33, "その他スタッフ", 1),
    (99999, "研究職", 1),
];

/// 雇用形態: code, weight.
pub const EMPLOYMENT: &[(u64, u32)] = &[(1, 45), (2, 40), (3, 4), (4, 5), (5, 2), (99, 4)];

/// 任期: code (0 任期あり, 1 任期なし, 3 テニュアトラック, 2 テニュアトラック以外), wording, weight.
pub const TERMS: &[(u64, &str, u32)] =
    &[(0, "任期あり（5年）", 55), (1, "任期なし", 30), (3, "テニュアトラック", 8), (2, "任期あり（更新可）", 7)];

/// 都道府県 (code 1–47, 48 その他), the short name used in institution names, weight.
pub const PREFECTURES: &[(&str, &str, u32)] = &[
    ("北海道", "北海道", 4),
    ("青森県", "青森", 1),
    ("岩手県", "岩手", 1),
    ("宮城県", "東北", 3),
    ("秋田県", "秋田", 1),
    ("山形県", "山形", 1),
    ("福島県", "福島", 1),
    ("茨城県", "筑波", 4),
    ("栃木県", "宇都宮", 1),
    ("群馬県", "群馬", 1),
    ("埼玉県", "埼玉", 3),
    ("千葉県", "千葉", 3),
    ("東京都", "東京", 25),
    ("神奈川県", "横浜", 6),
    ("新潟県", "新潟", 1),
    ("富山県", "富山", 1),
    ("石川県", "金沢", 1),
    ("福井県", "福井", 1),
    ("山梨県", "山梨", 1),
    ("長野県", "信州", 1),
    ("岐阜県", "岐阜", 1),
    ("静岡県", "静岡", 1),
    ("愛知県", "名古屋", 6),
    ("三重県", "三重", 1),
    ("滋賀県", "滋賀", 1),
    ("京都府", "京都", 6),
    ("大阪府", "大阪", 8),
    ("兵庫県", "神戸", 4),
    ("奈良県", "奈良", 1),
    ("和歌山県", "和歌山", 1),
    ("鳥取県", "鳥取", 1),
    ("島根県", "島根", 1),
    ("岡山県", "岡山", 1),
    ("広島県", "広島", 2),
    ("山口県", "山口", 1),
    ("徳島県", "徳島", 1),
    ("香川県", "香川", 1),
    ("愛媛県", "愛媛", 1),
    ("高知県", "高知", 1),
    ("福岡県", "九州", 5),
    ("佐賀県", "佐賀", 1),
    ("長崎県", "長崎", 1),
    ("熊本県", "熊本", 1),
    ("大分県", "大分", 1),
    ("宮崎県", "宮崎", 1),
    ("鹿児島県", "鹿児島", 1),
    ("沖縄県", "琉球", 1),
    ("海外", "国際", 1),
];

const INSTITUTION_KINDS: &[(&str, &str, u32)] = &[
    ("", "大学", 40),
    ("", "工業大学", 5),
    ("", "医科大学", 4),
    ("公立", "大学", 5),
    ("", "学院大学", 8),
    ("国立研究開発法人", "先端科学研究所", 6),
    ("", "工業高等専門学校", 3),
    ("株式会社", "テクノロジーズ", 5),
    ("", "県立病院", 2),
    ("", "産業技術センター", 3),
];

const DEPARTMENTS: &[&str] = &[
    "大学院理学研究科",
    "大学院工学研究科",
    "医学部",
    "大学院医学系研究科",
    "文学部",
    "経済学部",
    "法学部",
    "教育学部",
    "情報科学研究科",
    "農学部",
    "薬学部",
    "総合科学研究所",
    "研究開発本部",
    "数理科学センター",
    "環境科学研究センター",
    "国際教養学部",
    "先端医療研究センター",
    "データサイエンス教育研究センター",
];

const DUTIES: &[&str] = &[
    "学部及び大学院の講義、学生の研究指導を担当していただきます。",
    "共同研究プロジェクトの推進と外部資金の獲得に主体的に取り組んでいただきます。",
    "研究室の運営と若手研究者の育成に携わっていただきます。",
    "実験設備の管理及び共同利用者への技術支援を行っていただきます。",
    "英語による授業を担当できる方を歓迎します。",
    "産学連携による社会実装を見据えた研究開発に従事していただきます。",
    "全学共通教育科目の一部を担当していただきます。",
    "国際共同研究の調整と成果発信を担っていただきます。",
];

const QUALIFICATIONS: &[&str] = &[
    "博士の学位を有する者（着任時までに取得見込みの者を含む）。",
    "修士以上の学位を有し、当該分野で三年以上の研究経験を有する者。",
    "博士の学位を有し、国際誌に筆頭著者として論文を発表した実績のある者。",
    "日本語及び英語で教育研究を行う能力を有する者。",
    "大学等での教育経験を有する者が望ましい。",
];

const CLOSINGS: &[&str] = &[
    "応募書類は電子メールで提出してください。面接は本学にて実施します。",
    "選考は書類審査の上、面接及び模擬授業を行います。旅費は自己負担となります。",
    "JREC-IN PortalのWeb応募により提出してください。採用予定日は二〇二七年四月一日です。",
    "本学は男女共同参画を推進しており、女性研究者の積極的な応募を歓迎します。",
    "書類選考の結果は応募者全員に通知します。提出書類は返却しません。",
];

/// Words the query mix searches for: field keywords, job words, places, common words, and a
/// few 1-character words.
pub fn query_words() -> Vec<&'static str> {
    let mut words: Vec<&'static str> = FIELDS.iter().flat_map(|f| f.3.iter().copied()).collect();
    words.extend([
        "教授",
        "助教",
        "ポスドク",
        "研究員",
        "講師",
        "東京",
        "大阪",
        "京都",
        "名古屋",
        "九州",
        "公募",
        "博士",
        "英語",
        "任期なし",
        "テニュアトラック",
        "共同研究",
        "面接",
        "模擬授業",
    ]);
    words.extend(["都", "医", "工", "学"]);
    words
}

/// One synthetic posting: its texts, its facets (by the layout's names) and its times.
pub struct Posting {
    pub id: u64,
    pub title: String,
    pub institution: String,
    pub department: String,
    pub body: String,
    pub fields: Vec<u64>,
    pub job: u64,
    pub employment: u64,
    pub prefecture: u64,
    /// 年収（下限） in 100万円 steps; 0: 指定しない.
    pub salary: u64,
    pub term: u64,
    pub updated_at: i64,
    pub deadline: i64,
    pub publish_at: i64,
    pub unpublish_at: Option<i64>,
}

/// Posting `i` of the data set made from `seed`; `now` anchors the times (a few postings are
/// scheduled, some ended, some withdrawn, as on a live portal).
pub fn posting(seed: u64, i: u64, now: i64) -> Posting {
    let mut rng = Rng::new(seed ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let field_weights: Vec<u32> = FIELDS.iter().map(|f| f.2).collect();
    let count = match rng.below(10) {
        0..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    let mut fields = Vec::new();
    while fields.len() < count {
        let f = rng.weighted(&field_weights);
        if !fields.contains(&f) {
            fields.push(f);
        }
    }
    let job = rng.weighted(&JOBS.iter().map(|j| j.2).collect::<Vec<_>>());
    let employment = rng.weighted(&EMPLOYMENT.iter().map(|e| e.1).collect::<Vec<_>>());
    let prefecture = rng.weighted(&PREFECTURES.iter().map(|p| p.2).collect::<Vec<_>>());
    let term = rng.weighted(&TERMS.iter().map(|t| t.2).collect::<Vec<_>>());
    let kind = INSTITUTION_KINDS[rng.weighted(&INSTITUTION_KINDS.iter().map(|k| k.2).collect::<Vec<_>>())];
    let place = PREFECTURES[prefecture];
    let institution = format!("{}{}{}", kind.0, place.1, kind.1);
    let department = rng.pick(DEPARTMENTS).to_string();
    let main = FIELDS[fields[0]];
    let keyword = *rng.pick(main.3);
    let other = *rng.pick(&fields);
    let second = *rng.pick(FIELDS[other].3);
    let salary = if rng.chance(40) { 0 } else { 3 + rng.below(10) as u64 };
    let title = format!("{}分野（{}）の{}公募", main.1, keyword, JOBS[job].1);
    let mut body = format!(
        "{institution}{department}では、{}に関する研究を推進する{}を一名公募します。{}及び{}の研究に意欲のある方を求めます。",
        keyword, JOBS[job].1, keyword, second
    );
    for _ in 0..2 + rng.below(3) {
        body.push_str(rng.pick::<&str>(DUTIES));
    }
    body.push_str("応募資格：");
    body.push_str(rng.pick::<&str>(QUALIFICATIONS));
    body.push_str(&format!("勤務地：{}{}キャンパス。任期：{}。", place.0, place.1, TERMS[term].1));
    if salary > 0 {
        body.push_str(&format!("年収は{}00万円以上（経験に応じて決定）。", salary));
    }
    body.push_str(rng.pick::<&str>(CLOSINGS));
    let day = 86_400;
    let updated_at = now - rng.below(365) as i64 * day - rng.below(day as usize) as i64;
    let deadline = updated_at + (30 + rng.below(120) as i64) * day;
    // 2 % scheduled (publication still ahead), 3 % withdrawn (unpublished in the past).
    let publish_at = if rng.chance(2) { now + rng.below(30) as i64 * day } else { updated_at };
    let unpublish_at = if rng.chance(3) { Some(now - rng.below(30) as i64 * day) } else { None };
    Posting {
        id: i,
        title,
        institution,
        department,
        body,
        fields: fields.iter().map(|&f| FIELDS[f].0).collect(),
        job: JOBS[job].0,
        employment: EMPLOYMENT[employment].0,
        prefecture: prefecture as u64 + 1,
        salary,
        term: TERMS[term].0,
        updated_at,
        deadline,
        publish_at,
        unpublish_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_are_the_same_each_run_and_read_like_postings() {
        let a = posting(7, 42, 1_796_050_800);
        let b = posting(7, 42, 1_796_050_800);
        assert_eq!((a.title.clone(), a.body.clone(), a.fields.clone()), (b.title, b.body, b.fields));
        let lengths: Vec<usize> = (0..2_000).map(|i| posting(7, i, 1_796_050_800).body.chars().count()).collect();
        let (shortest, longest) = (lengths.iter().min().copied(), lengths.iter().max().copied());
        assert!(shortest >= Some(150) && longest <= Some(400), "bodies of {shortest:?}–{longest:?} characters");
        // 東京 leads the prefectures as on the live portal (weight 25 of 140).
        let tokyo = (0..2_000).filter(|&i| posting(7, i, 1_796_050_800).prefecture == 13).count();
        assert!((250..450).contains(&tokyo), "{tokyo} of 2,000 in 東京");
    }
}
