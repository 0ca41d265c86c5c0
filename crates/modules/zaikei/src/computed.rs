//! 「システム判定」: alarms the portal computes from the bank's own deliveries, beside the
//! アラーム明細 the bank sends (spec §3.3 "the portal … may add its own computed ones flagged
//! 「システム判定」", §3.10). Pure: the store reads the figures (`store::alarms::holdings`),
//! the screen shows the verdicts under the bank's list.
//!
//! Two verdicts, for 財形年金 and 財形住宅 (the only kinds with a 非課税限度額; 一般財形 is taxed):
//! - 非課税限度額超過: the latest 加入者残高一覧表's 残高合計 is above the limit;
//! - 非課税限度額超過見込み: it is not, but it will be after the next two deposits at the
//!   latest 月例 預入依頼書's 積立額 (the spec's "projected balance at the next 2 deposits").
//!   Interest is left out: it is small against a deposit, and leaving it out errs towards
//!   warning later, never towards a warning the bank would contradict.
//!
//! Not computed: the bank's 2-year 積立中断 notice needs every deposit since the last one, and
//! the portal keeps only the 3 latest deliveries per kind (spec §3.4); 年金受取開始 and 住宅払出
//! depend on the bank's contract terms. Those stay the bank's alarms.

use crate::kinds::SavingsKind;

/// What the portal concludes for one 財形契約.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 非課税限度額超過
    OverLimit,
    /// 非課税限度額超過見込み
    OverSoon,
}

impl Verdict {
    /// The locale key of its label (the アラーム種別 column).
    pub fn label_key(self) -> &'static str {
        match self {
            Verdict::OverLimit => "zaikei.computed.over_limit",
            Verdict::OverSoon => "zaikei.computed.over_soon",
        }
    }

    /// The locale key of the 必要な手続 text.
    pub fn action_key(self) -> &'static str {
        match self {
            Verdict::OverLimit => "zaikei.computed.over_limit_action",
            Verdict::OverSoon => "zaikei.computed.over_soon_action",
        }
    }
}

/// How many future deposits the projection adds.
pub const DEPOSITS_AHEAD: i64 = 2;

/// One 財形契約's figures: 残高合計 and 非課税限度額 of the latest balance delivery, and the
/// 積立額 of the latest 月例 deposit delivery (0 when it has none for the account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub kind: SavingsKind,
    pub balance: i64,
    pub limit: Option<i64>,
    pub monthly: i64,
}

impl Holding {
    /// The balance after the next [`DEPOSITS_AHEAD`] deposits.
    pub fn projected(&self) -> i64 {
        self.balance.saturating_add(self.monthly.max(0).saturating_mul(DEPOSITS_AHEAD))
    }
}

/// The verdict for one holding, or None when all is well or the rule does not apply (一般財形,
/// or no limit declared).
pub fn verdict(h: &Holding) -> Option<Verdict> {
    if h.kind == SavingsKind::General {
        return None;
    }
    let limit = h.limit?;
    if h.balance > limit {
        Some(Verdict::OverLimit)
    } else if h.projected() > limit {
        Some(Verdict::OverSoon)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pension(balance: i64, limit: Option<i64>, monthly: i64) -> Holding {
        Holding { kind: SavingsKind::Pension, balance, limit, monthly }
    }

    #[test]
    fn above_the_limit_is_over_and_the_limit_itself_is_not() {
        assert_eq!(verdict(&pension(5_500_001, Some(5_500_000), 0)), Some(Verdict::OverLimit));
        assert_eq!(verdict(&pension(5_500_000, Some(5_500_000), 0)), None);
    }

    #[test]
    fn two_more_deposits_past_the_limit_warn_and_exactly_at_it_do_not() {
        // 5,480,000 + 2 × 10,000 = 5,500,000: at the limit, fine.
        assert_eq!(verdict(&pension(5_480_000, Some(5_500_000), 10_000)), None);
        // One yen more of balance: the second deposit crosses it.
        assert_eq!(verdict(&pension(5_480_001, Some(5_500_000), 10_000)), Some(Verdict::OverSoon));
        // A single deposit crossing it is also "soon".
        assert_eq!(verdict(&pension(5_495_000, Some(5_500_000), 10_000)), Some(Verdict::OverSoon));
    }

    #[test]
    fn general_savings_and_undeclared_limits_have_no_verdict() {
        let general = Holding { kind: SavingsKind::General, balance: 9_000_000, limit: Some(1), monthly: 1 };
        assert_eq!(verdict(&general), None);
        assert_eq!(verdict(&pension(9_000_000, None, 50_000)), None);
    }

    #[test]
    fn housing_counts_like_pension_and_a_stopped_deposit_projects_nothing() {
        let housing = Holding { kind: SavingsKind::Housing, balance: 5_490_000, limit: Some(5_500_000), monthly: 0 };
        assert_eq!(verdict(&housing), None);
        assert_eq!(verdict(&Holding { monthly: 6_000, ..housing }), Some(Verdict::OverSoon));
        assert_eq!(Holding { monthly: i64::MAX, ..housing }.projected(), i64::MAX, "no overflow");
    }
}
