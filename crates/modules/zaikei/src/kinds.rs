//! The codes the tables store and the words the screens and files use for them.

/// The four kinds of delivery the bank sends (帳票).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryKind {
    /// 預入依頼書: per 入金予定日, who pays in how much (the only one the employer may change).
    Deposit,
    /// 加入者残高一覧表: balances at a 基準日.
    Balance,
    /// 奨励金: the employer's incentive amounts per 入金予定日.
    Incentive,
    /// アラーム明細: 財形貯蓄アラーム/非課税申告手続等管理明細.
    Alarm,
}

impl DeliveryKind {
    pub const ALL: [DeliveryKind; 4] =
        [DeliveryKind::Deposit, DeliveryKind::Balance, DeliveryKind::Incentive, DeliveryKind::Alarm];

    /// The code in `zaikei_deliveries.kind`, the CLI's `--kind` and the screens' addresses.
    pub fn code(self) -> &'static str {
        match self {
            DeliveryKind::Deposit => "deposit",
            DeliveryKind::Balance => "balance",
            DeliveryKind::Incentive => "incentive",
            DeliveryKind::Alarm => "alarm",
        }
    }

    pub fn parse(code: &str) -> Option<DeliveryKind> {
        DeliveryKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The 帳票's name.
    pub fn label(self) -> &'static str {
        match self {
            DeliveryKind::Deposit => "預入依頼書",
            DeliveryKind::Balance => "加入者残高一覧表",
            DeliveryKind::Incentive => "奨励金",
            DeliveryKind::Alarm => "アラーム明細",
        }
    }

    /// What the delivery's date is: 入金予定日, 基準日, or (alarms) 受信日.
    pub fn date_label(self) -> &'static str {
        match self {
            DeliveryKind::Deposit | DeliveryKind::Incentive => "入金予定日",
            DeliveryKind::Balance => "基準日",
            DeliveryKind::Alarm => "作成日",
        }
    }

    /// Whether the delivery is 月例 or 一時金 (deposits and incentives are).
    pub fn has_cycle(self) -> bool {
        matches!(self, DeliveryKind::Deposit | DeliveryKind::Incentive)
    }
}

/// 月例 / 一時金.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cycle {
    Monthly,
    Bonus,
}

impl Cycle {
    pub fn code(self) -> &'static str {
        match self {
            Cycle::Monthly => "monthly",
            Cycle::Bonus => "bonus",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Cycle::Monthly => "月例",
            Cycle::Bonus => "一時金",
        }
    }

    pub fn from_label(label: &str) -> Option<Cycle> {
        [Cycle::Monthly, Cycle::Bonus].into_iter().find(|c| c.label() == label)
    }

    pub fn from_code(code: &str) -> Option<Cycle> {
        [Cycle::Monthly, Cycle::Bonus].into_iter().find(|c| c.code() == code)
    }
}

/// 財形種類.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SavingsKind {
    /// 一般財形
    General,
    /// 財形年金
    Pension,
    /// 財形住宅
    Housing,
}

impl SavingsKind {
    pub const ALL: [SavingsKind; 3] = [SavingsKind::General, SavingsKind::Pension, SavingsKind::Housing];

    pub fn code(self) -> &'static str {
        match self {
            SavingsKind::General => "general",
            SavingsKind::Pension => "pension",
            SavingsKind::Housing => "housing",
        }
    }

    /// How the files and the screens write it.
    pub fn label(self) -> &'static str {
        match self {
            SavingsKind::General => "一般",
            SavingsKind::Pension => "年金",
            SavingsKind::Housing => "住宅",
        }
    }

    pub fn from_code(code: &str) -> Option<SavingsKind> {
        SavingsKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn from_label(label: &str) -> Option<SavingsKind> {
        SavingsKind::ALL.into_iter().find(|k| k.label() == label)
    }
}

/// 変更区分 of a 預入依頼書 明細.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// 継続
    Continue,
    /// 金額変更
    Amount,
    /// 中止
    Stop,
    /// 新規
    New,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 4] = [ChangeKind::Continue, ChangeKind::Amount, ChangeKind::Stop, ChangeKind::New];

    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::Continue => "continue",
            ChangeKind::Amount => "amount",
            ChangeKind::Stop => "stop",
            ChangeKind::New => "new",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Continue => "継続",
            ChangeKind::Amount => "金額変更",
            ChangeKind::Stop => "中止",
            ChangeKind::New => "新規",
        }
    }

    pub fn from_code(code: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn from_label(label: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.label() == label)
    }
}

/// The state of a 預入依頼書 delivery (預入サイクル).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// 受信済: as the bank sent it, no employer change.
    Received,
    /// 変更中: the employer has saved changes.
    Changing,
    /// 送信済: the employer sent the changes to the bank.
    Sent,
    /// 締切: past the 変更期限.
    Closed,
    /// 労金処理済: the bank processed the sent changes.
    Processed,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 5] = [
        DeliveryState::Received,
        DeliveryState::Changing,
        DeliveryState::Sent,
        DeliveryState::Closed,
        DeliveryState::Processed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DeliveryState::Received => "received",
            DeliveryState::Changing => "changing",
            DeliveryState::Sent => "sent",
            DeliveryState::Closed => "closed",
            DeliveryState::Processed => "processed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeliveryState::Received => "受信済",
            DeliveryState::Changing => "変更中",
            DeliveryState::Sent => "送信済",
            DeliveryState::Closed => "締切",
            DeliveryState::Processed => "労金処理済",
        }
    }

    pub fn from_code(code: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_round_trip() {
        for k in DeliveryKind::ALL {
            assert_eq!(DeliveryKind::parse(k.code()), Some(k));
        }
        for k in SavingsKind::ALL {
            assert_eq!(SavingsKind::from_code(k.code()), Some(k));
            assert_eq!(SavingsKind::from_label(k.label()), Some(k));
        }
        for k in ChangeKind::ALL {
            assert_eq!(ChangeKind::from_code(k.code()), Some(k));
            assert_eq!(ChangeKind::from_label(k.label()), Some(k));
        }
        for s in DeliveryState::ALL {
            assert_eq!(DeliveryState::from_code(s.code()), Some(s));
        }
        assert_eq!(Cycle::from_label("一時金"), Some(Cycle::Bonus));
        assert_eq!(DeliveryKind::parse("other"), None);
    }
}
