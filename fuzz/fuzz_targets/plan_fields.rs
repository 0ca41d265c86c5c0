//! The field parsers of 建設特定技能受入計画 (madoguchi_acceptance_plan), on one input cut at NUL
//! into fields: 法人番号, 在留カード番号, CCUS IDs and reason, 郵便番号, 求人番号, 電話番号, counts,
//! amounts, dates, the 建設業許可's authority, number and printed form, 業種 codes, the 認定番号,
//! the routing by address; and the date rules on the dates that parse. An accepted value is
//! accepted again as stored and keeps its shape; no rule panics.
#![no_main]

use chrono::Datelike;
use libfuzzer_sys::fuzz_target;
use madoguchi_acceptance_plan::{corporate_number, ids, permit, routing, rules};

fuzz_target!(|text: &str| {
    let [
        corp,
        card,
        ccus,
        reason,
        postal,
        job,
        phone,
        count,
        yen,
        date_a,
        date_b,
        perm_y,
        perm_n,
        printed,
        addr,
        approval,
    ] = madoguchi_fuzz::fields::<16>(text);

    if let Ok(n) = corporate_number::parse(corp) {
        assert!(n.len() == 13 && n.bytes().all(|b| b.is_ascii_digit()), "{n:?}");
        assert_eq!(corporate_number::check_digit(&n[1..]), Some(n.as_bytes()[0] - b'0'));
        assert_eq!(corporate_number::parse(&n).as_ref(), Ok(&n));
    }
    if let Ok(c) = ids::residence_card(card) {
        assert_eq!(c.len(), 12, "{c:?}");
        assert_eq!(ids::residence_card(&c).as_ref(), Ok(&c));
    }
    if let Ok(ids::CcusId::Id(id)) = ids::ccus_worker_id(ccus, reason) {
        assert!(id.len() == 14 && id.bytes().any(|b| b != b'0'), "{id:?}");
        assert_eq!(ids::ccus_business_id(&id).as_ref(), Ok(&id));
    }
    if let Ok(p) = ids::postal_code(postal) {
        assert_eq!(p.len(), 8, "{p:?}");
        assert_eq!(ids::postal_code(&p).as_ref(), Ok(&p));
    }
    if let Ok(j) = ids::job_number(job) {
        assert_eq!(j.len(), 14, "{j:?}");
        assert_eq!(ids::job_number(&j).as_ref(), Ok(&j));
    }
    if let Ok(p) = ids::phone(phone) {
        assert_eq!(ids::phone(&p).as_ref(), Ok(&p));
    }
    let counts: Vec<u32> = [0, 1].into_iter().filter_map(|min| ids::count(count, min).ok()).collect();
    for c in &counts {
        assert!(*c <= 1_000_000);
    }
    if let Ok(y) = ids::yen(yen) {
        assert_eq!(ids::yen(&y.to_string()), Ok(y));
        let _ = rules::pay(y, Some(y.saturating_add(1)), reason);
    }
    let _ = permit::authority(perm_y);
    if let Ok((y, n)) = permit::number(perm_y, perm_n) {
        assert!((1..=99).contains(&y) && (1..=999_999).contains(&n));
    }
    if let Ok((_, y, n)) = permit::parse_printed(printed) {
        assert_eq!(permit::number(&y.to_string(), &n.to_string()), Ok((y, n)));
    }
    let _ = permit::trade_codes(&printed.split(',').collect::<Vec<_>>());
    let _ = routing::route_address(addr);
    if let Ok((bureau, year, serial)) = routing::parse_approval_number(approval) {
        let shown = routing::approval_number(&bureau.code, year, serial).expect("parsed numbers format");
        assert_eq!(
            routing::parse_approval_number(&shown).map(|(b, y, s)| (&b.code, y, s)),
            Ok((&bureau.code, year, serial))
        );
    }
    if let (Ok(a), Ok(b)) = (ids::date(date_a), ids::date(date_b)) {
        let prior = rules::PriorStay { years: counts.first().copied().unwrap_or(0), months: a.day(), days: b.day() };
        if let Some(last) = rules::latest_end(a, prior) {
            assert!(last >= a);
            assert_eq!(rules::stay_period(a, last, prior, a), Ok(()));
        }
        let _ = rules::stay_period(a, b, prior, a);
        let _ = rules::contract_period(a, b, a);
        let _ = rules::job_offer_received(a, b);
        let _ = permit::check_dates(a, b, a);
        for kind in madoguchi_acceptance_plan::attachments::kinds() {
            let _ = madoguchi_acceptance_plan::attachments::check_issue_date(kind, a, b);
            let _ = madoguchi_acceptance_plan::attachments::check_file(kind, text.as_bytes(), 0);
        }
    }
});
