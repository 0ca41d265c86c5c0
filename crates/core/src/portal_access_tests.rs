use super::*;

#[test]
fn everyone_and_master_screens() {
    assert_eq!(Access::Everyone.verdict(false, false, false), Verdict::Open);
    assert_eq!(Access::Master.verdict(true, false, false), Verdict::Open);
    assert_eq!(Access::Master.verdict(false, true, true), Verdict::Forbidden);
    assert_eq!(MenuItem::ContractUsers.access(), Access::Master);
    assert_eq!(MenuItem::ZaikeiStatements.access(), Access::Everyone);
    assert_eq!(MenuItem::ZaikeiAlarms.access(), Access::Everyone);
    // Master and general users alike print and export (spec §3.6.9).
    assert_eq!(MenuItem::ZaikeiReports.access(), Access::Everyone);
    assert_eq!(MenuItem::ZaikeiExport.access(), Access::Everyone);
}

/// Without the contract's 明細変更機能 the change screens do not exist, whoever asks; with
/// it, the master and the general users holding the right open them, the others are refused.
#[test]
fn change_screens_follow_the_contract_option_then_the_right() {
    let change = Access::ZaikeiChange;
    assert_eq!(change.verdict(true, false, true), Verdict::Absent);
    assert_eq!(change.verdict(false, false, true), Verdict::Absent);
    assert_eq!(change.verdict(true, true, false), Verdict::Open);
    assert_eq!(change.verdict(false, true, true), Verdict::Open);
    assert_eq!(change.verdict(false, true, false), Verdict::Forbidden);
    assert_eq!(MenuItem::ZaikeiChange.access(), change);
    assert_eq!(MenuItem::ZaikeiSend.access(), change);
}

/// The history is read by every user of a contract with the option, by nobody elsewhere.
#[test]
fn the_change_history_follows_the_contract_option_alone() {
    let view = MenuItem::ZaikeiHistory.access();
    assert_eq!(view.verdict(false, true, false), Verdict::Open);
    assert_eq!(view.verdict(true, true, false), Verdict::Open);
    assert_eq!(view.verdict(true, false, true), Verdict::Absent);
}
