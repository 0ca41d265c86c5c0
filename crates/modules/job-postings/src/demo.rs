//! The demo's postings (`serve` without a config file, `madoguchi::demo`): a newcomer opens
//! jrec-in and finds every state of §1.3 working — published postings in the public search
//! (several fields, prefectures, 職種 and 雇用形態, so the facets and sorts have something to
//! show), one 一時保存 with required fields still empty in 登録・一時保存, and one 登録依頼中 in
//! the 事務局's 審査待ち一覧. Each goes through the same steps as the screens (the draft, the
//! review steps, `store::set_public`, which also notes the search index's change), dated in
//! the days before `now`, and each published form passes the input rules (a demo posting the
//! form would refuse is an error, not data). Seeded once: a portal with any posting keeps
//! what it has.

use crate::publish::Approved;
use crate::{KIND, fields, store};
use chrono::{Days, NaiveDate};
use madoguchi_core::clock::JST;
use madoguchi_core::publication;
use madoguchi_core::review::{Actor, ReviewAction};
use madoguchi_store::drafts::{self, Missing, NewDraft};
use madoguchi_store::review::{self as reviews, ItemKey, Step};
use sqlx::AnyConnection;

/// Who the demo postings belong to and who reviewed them.
#[derive(Debug, Clone, Copy)]
pub struct Owners<'a> {
    pub portal: &'a str,
    pub organization_id: i64,
    /// The institution's user: the author of the drafts and requests.
    pub user_id: i64,
    /// The 事務局's operator: the approvals.
    pub operator_id: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("demo posting {title:?} breaks the input rules: {fields:?}")]
    Invalid { title: String, fields: Vec<String> },
    #[error("demo posting {title:?}: the review step was refused ({refusal:?})")]
    Refused { title: String, refusal: madoguchi_core::review::Refusal },
    #[error("demo dates out of range")]
    Dates,
}

/// One sample posting: what varies between them (the rest is [`common`]).
struct Sample {
    title: &'static str,
    department: &'static str,
    major: &'static str,
    minor: &'static str,
    job_kind: &'static str,
    prefecture: &'static str,
    address: &'static str,
    employment: &'static str,
    /// Fixed-term (with its terms) or permanent.
    terms: Option<&'static str>,
    salary: &'static str,
    duties: &'static str,
    web_apply: bool,
    /// Days open after `now` (募集終了日); below zero, it has ended (募集終了).
    open_days: i64,
    /// Days before `now` it was approved (published that evening).
    approved_days_ago: u64,
}

const PUBLISHED: [Sample; 10] = [
    Sample {
        title: "准教授（情報科学）の公募",
        department: "大学院情報学研究科",
        major: "00289",
        minor: "60050",
        job_kind: "00022",
        prefecture: "00013",
        address: "東京都千代田区千代田1-1",
        employment: "01",
        terms: None,
        salary: "本学規程による（年俸制）",
        duties: "ソフトウェア工学分野の研究\r\n学部・大学院の講義と研究指導",
        web_apply: true,
        open_days: 60,
        approved_days_ago: 9,
    },
    Sample {
        title: "特任助教（情報セキュリティ）募集",
        department: "サイバーセキュリティ研究センター",
        major: "00289",
        minor: "60070",
        job_kind: "00014",
        prefecture: "00013",
        address: "東京都文京区本郷7-3-1",
        employment: "02",
        terms: Some("3年（年度ごとに更新、最長5年）"),
        salary: "月額 400,000円〜（経験による）",
        duties: "ネットワーク防御の研究\r\n共同研究の推進",
        web_apply: true,
        open_days: 45,
        approved_days_ago: 7,
    },
    Sample {
        title: "博士研究員（データベース・データ工学）",
        department: "データ科学研究所",
        major: "00289",
        minor: "60080",
        job_kind: "00015",
        prefecture: "00026",
        address: "京都府京都市左京区吉田本町",
        employment: "02",
        terms: Some("1年（評価により更新、最長3年）"),
        salary: "年俸 5,400,000円",
        duties: "大規模データの検索技術の研究",
        web_apply: false,
        open_days: 30,
        approved_days_ago: 6,
    },
    Sample {
        title: "教授（分子生物学）の公募",
        department: "理学部生物科学科",
        major: "00189",
        minor: "43010",
        job_kind: "00012",
        prefecture: "00004",
        address: "宮城県仙台市青葉区片平2-1-1",
        employment: "01",
        terms: None,
        salary: "本学規程による",
        duties: "分子生物学の研究と教育\r\n研究室の運営",
        web_apply: true,
        open_days: 90,
        approved_days_ago: 12,
    },
    Sample {
        title: "講師（食品科学）募集",
        department: "農学部食品生命科学科",
        major: "00189",
        minor: "38050",
        job_kind: "00023",
        prefecture: "00001",
        address: "北海道札幌市北区北8条西5丁目",
        employment: "01",
        terms: None,
        salary: "本学規程による",
        duties: "食品科学の研究\r\n学生実験の指導",
        web_apply: false,
        open_days: 40,
        approved_days_ago: 5,
    },
    Sample {
        title: "研究員（構造材料・機能材料）",
        department: "先端材料研究部門",
        major: "00489",
        minor: "26040",
        job_kind: "00019",
        prefecture: "00008",
        address: "茨城県つくば市千現1-2-1",
        employment: "02",
        terms: Some("2年（更新あり）"),
        salary: "年俸 6,000,000円〜",
        duties: "高強度合金の開発と評価",
        web_apply: true,
        open_days: 35,
        approved_days_ago: 4,
    },
    Sample {
        title: "助教（ロボティクス）の公募",
        department: "工学部機械工学科",
        major: "00289",
        minor: "20020",
        job_kind: "00014",
        prefecture: "00023",
        address: "愛知県名古屋市千種区不老町",
        employment: "01",
        terms: Some("5年（テニュアトラック）"),
        salary: "本学規程による",
        duties: "知能ロボットの研究\r\n演習科目の担当",
        web_apply: true,
        open_days: 50,
        approved_days_ago: 3,
    },
    Sample {
        title: "非常勤講師（統計科学）",
        department: "全学教育センター",
        major: "00289",
        minor: "60030",
        job_kind: "00016",
        prefecture: "00027",
        address: "大阪府吹田市山田丘1-1",
        employment: "04",
        terms: Some("半期（2027年4月〜9月）"),
        salary: "1コマ 10,000円",
        duties: "学部1年生向け統計学入門の講義",
        web_apply: false,
        open_days: 20,
        approved_days_ago: 2,
    },
    Sample {
        title: "技術職員（高性能計算システム）",
        department: "情報基盤センター",
        major: "00289",
        minor: "60090",
        job_kind: "00019",
        prefecture: "00040",
        address: "福岡県福岡市西区元岡744",
        employment: "01",
        terms: None,
        salary: "本学規程による（経験を考慮）",
        duties: "スーパーコンピュータの運用\r\n利用者支援",
        web_apply: true,
        open_days: 25,
        approved_days_ago: 1,
    },
    Sample {
        title: "ポスドク研究員（知能情報学）",
        department: "人工知能研究センター",
        major: "00289",
        minor: "61030",
        job_kind: "00015",
        prefecture: "00013",
        address: "東京都江東区青海2-4-7",
        employment: "02",
        terms: Some("1年（最長3年まで更新可）"),
        salary: "年俸 5,000,000円〜",
        duties: "機械学習の基礎研究",
        web_apply: true,
        open_days: 15,
        approved_days_ago: 1,
    },
];

/// Published six weeks ago, its 募集終了日 five days past: 募集終了 in 求人公募情報管理 and in
/// the 事務局's 掲載一覧 (where 掲載再開 is offered), gone from the public search.
const ENDED: Sample = Sample {
    title: "特任助教（海洋生物学）",
    department: "臨海実験所",
    major: "00289",
    minor: "60030",
    job_kind: "00014",
    prefecture: "00017",
    address: "石川県鳳珠郡能登町小木",
    employment: "02",
    terms: Some("2年（更新なし）"),
    salary: "月額 400,000円",
    duties: "沿岸生態系の調査研究\r\n臨海実習の補助",
    web_apply: false,
    open_days: -5,
    approved_days_ago: 40,
};

/// 募集終了日: `open_days` after `today` (before it when negative).
fn end_date_of(today: NaiveDate, open_days: i64) -> Result<NaiveDate, SeedError> {
    let days = Days::new(open_days.unsigned_abs());
    if open_days < 0 { today.checked_sub_days(days) } else { today.checked_add_days(days) }.ok_or(SeedError::Dates)
}

/// The fields every sample shares (a complete posting by the rules of §1.4).
fn common(sample: &Sample, end_date: NaiveDate) -> Vec<(String, String)> {
    let (tenure, track, terms) = match sample.terms {
        Some(terms) => ("fixed", "other", terms),
        None => ("none", "", ""),
    };
    let pairs = [
        ("title", sample.title),
        ("department", sample.department),
        ("deadline_rule", "arrival"),
        ("openings", "1名"),
        ("start_timing", "採用決定後のできるだけ早い時期"),
        ("major", sample.major),
        ("minor", sample.minor),
        ("job_kind", sample.job_kind),
        ("location", "domestic"),
        ("prefecture", sample.prefecture),
        ("address", sample.address),
        ("location_change_scope", "本学の定める勤務地"),
        ("employment", sample.employment),
        ("tenure", tenure),
        ("tenure_track", track),
        ("tenure_terms", terms),
        ("duties", sample.duties),
        ("duty_change_scope", "本学の定める業務"),
        ("hours", "8:30〜17:15（休憩60分）"),
        ("salary", sample.salary),
        ("benefits", "各種社会保険完備"),
        ("smoking", "indoor_ban"),
        ("degree", "doctor"),
        ("documents", "履歴書、業績一覧、今後の研究計画（2,000字程度）"),
        ("apply_method", if sample.web_apply { "portal" } else { "email" }),
        ("apply_email", if sample.web_apply { "" } else { "koubo@madoguchi-u.example.jp" }),
        ("web_apply", if sample.web_apply { "yes" } else { "no" }),
        ("return_documents", "keep"),
        ("selection", "書類選考の上、面接"),
        ("result_notice", "選考終了後、速やかに通知"),
        ("contact_name", "人事課 公募担当"),
        ("contact_phone", "03-1234-5678"),
    ];
    let mut out: Vec<(String, String)> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    out.push(("end_date".into(), end_date.format("%Y-%m-%d").to_string()));
    out
}

/// Seeds the demo postings of `owners` once (see the module's comment).
pub async fn seed(conn: &mut AnyConnection, owners: &Owners<'_>, now: i64) -> Result<(), SeedError> {
    let any: Option<i64> = sqlx::query_scalar("SELECT id FROM job_postings WHERE portal = $1 LIMIT 1")
        .bind(owners.portal)
        .fetch_optional(&mut *conn)
        .await?;
    if any.is_some() {
        return Ok(());
    }
    // A university (機関種別) unless the operator said otherwise: the search's facet shows it.
    sqlx::query("UPDATE organizations SET kind = 'university' WHERE id = $1 AND kind = ''")
        .bind(owners.organization_id)
        .execute(&mut *conn)
        .await?;
    let today =
        chrono::DateTime::from_timestamp(now, 0).map(|d| d.with_timezone(&JST).date_naive()).ok_or(SeedError::Dates)?;
    for sample in PUBLISHED.iter().chain([&ENDED]) {
        published(conn, owners, sample, today, now).await?;
    }
    requested(conn, owners, today, now).await?;
    draft(conn, owners, now).await?;
    Ok(())
}

fn checked(form: &[(String, String)], today: NaiveDate) -> Result<(), SeedError> {
    let taxonomy = crate::taxonomy::taxonomy().map_err(|_| SeedError::Dates)?;
    fields::parse(form, taxonomy, &fields::Rules::default(), today).map(|_| ()).map_err(|failures| SeedError::Invalid {
        title: fields::Form(form).one("title").to_string(),
        fields: failures.iter().map(|f| f.field.to_string()).collect(),
    })
}

fn days_before(now: i64, days: u64, hour: u32) -> Result<(i64, NaiveDate), SeedError> {
    let today =
        chrono::DateTime::from_timestamp(now, 0).map(|d| d.with_timezone(&JST).date_naive()).ok_or(SeedError::Dates)?;
    let day = today.checked_sub_days(Days::new(days)).ok_or(SeedError::Dates)?;
    let at = day.and_hms_opt(hour, 0, 0).and_then(|t| t.and_local_timezone(JST).single()).ok_or(SeedError::Dates)?;
    Ok((at.timestamp().min(now), day))
}

async fn step(
    conn: &mut AnyConnection,
    owners: &Owners<'_>,
    id: i64,
    title: &str,
    step: Step<'_>,
    at: i64,
) -> Result<(), SeedError> {
    let key = ItemKey { portal: owners.portal, kind: KIND, item_id: id };
    reviews::record(conn, key, owners.organization_id, &step, at)
        .await?
        .map(|_| ())
        .map_err(|refusal| SeedError::Refused { title: title.to_string(), refusal })
}

/// Requested the day before its approval, approved at 10:00 with that day as 反映日: public
/// from 22:00 of the approval day.
async fn published(
    conn: &mut AnyConnection,
    owners: &Owners<'_>,
    sample: &Sample,
    today: NaiveDate,
    now: i64,
) -> Result<(), SeedError> {
    let end_date = end_date_of(today, sample.open_days)?;
    let form = common(sample, end_date);
    let (requested_at, _) = days_before(now, sample.approved_days_ago + 1, 16)?;
    let (approved_at, approved_on) = days_before(now, sample.approved_days_ago, 10)?;
    // The rules as of the approval day (an ended posting's date was in the future then).
    checked(&form, approved_on)?;
    let snapshot = fields::snapshot(&form).to_string();
    let publish_at = publication::publish_at(approved_at, approved_on).map_err(|_| SeedError::Dates)?;
    let posting = store::create(conn, owners.portal, owners.organization_id, "ja", requested_at).await?;
    let submit = Step {
        action: ReviewAction::Submit,
        actor: Actor::User(owners.user_id),
        reason: None,
        effective_at: None,
        snapshot: Some(&snapshot),
        expected_seq: None,
    };
    step(conn, owners, posting.id, sample.title, submit, requested_at).await?;
    let approve = Step {
        action: ReviewAction::Approve,
        actor: Actor::Operator(owners.operator_id),
        reason: None,
        effective_at: Some(publish_at),
        snapshot: None,
        expected_seq: None,
    };
    step(conn, owners, posting.id, sample.title, approve, approved_at).await?;
    let end_text = end_date.format("%Y-%m-%d").to_string();
    let approved = Approved { snapshot: &snapshot, end_date: &end_text, at: publish_at };
    let public = posting.public().approve(approved, approved_at);
    store::set_public(conn, owners.portal, owners.organization_id, posting.id, &public, None, approved_at).await?;
    Ok(())
}

/// One posting 登録依頼中 since this morning: the 事務局's queue has an item to review.
async fn requested(conn: &mut AnyConnection, owners: &Owners<'_>, today: NaiveDate, now: i64) -> Result<(), SeedError> {
    let sample = Sample {
        title: "准教授（ヒューマンインタフェース）の公募",
        department: "大学院情報学研究科",
        major: "00289",
        minor: "61020",
        job_kind: "00022",
        prefecture: "00013",
        address: "東京都千代田区千代田1-1",
        employment: "01",
        terms: None,
        salary: "本学規程による",
        duties: "インタラクション研究\r\n大学院の研究指導",
        web_apply: true,
        open_days: 75,
        approved_days_ago: 0,
    };
    let end_date = end_date_of(today, sample.open_days)?;
    let form = common(&sample, end_date);
    checked(&form, today)?;
    let snapshot = fields::snapshot(&form).to_string();
    let (at, _) = days_before(now, 0, 9)?;
    let posting = store::create(conn, owners.portal, owners.organization_id, "ja", at).await?;
    let submit = Step {
        action: ReviewAction::Submit,
        actor: Actor::User(owners.user_id),
        reason: None,
        effective_at: None,
        snapshot: Some(&snapshot),
        expected_seq: None,
    };
    step(conn, owners, posting.id, sample.title, submit, at).await
}

/// One 一時保存 with only its title, department and 募集終了日 typed: the list shows its
/// 必須未入力 count.
async fn draft(conn: &mut AnyConnection, owners: &Owners<'_>, now: i64) -> Result<(), SeedError> {
    let form: Vec<(String, String)> =
        [("title", "客員研究員（環境科学）の公募（作成中）"), ("department", "環境科学研究科")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    let posting = store::create(conn, owners.portal, owners.organization_id, "ja", now).await?;
    let payload = fields::snapshot(&form).to_string();
    let missing = Missing(fields::missing_required(&form).into_iter().map(String::from).collect());
    let new = NewDraft {
        portal: owners.portal,
        organization_id: owners.organization_id,
        author_user_id: owners.user_id,
        kind: KIND,
        item_id: Some(posting.id),
        payload: &payload,
        missing: &missing,
    };
    drafts::create(conn, &new, now).await?;
    Ok(())
}
