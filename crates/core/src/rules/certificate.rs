//! rokin's certificate rule: when a user may ask for a certificate, and its 認証コード.

use super::{CodeRule, DAY, MINUTE};
use crate::portal::SecondFactor;

/// When a user may ask for a certificate, and the 認証コード that 電子証明書発行 mails.
///
/// 「電子証明書は１ユーザーに対して１枚のみ」: while a certificate is in force, ユーザー認証 of
/// 電子証明書発行 is refused, except from `renew_before` before its last valid second
/// (renewal: with 366 days counting the issue day and 30 days, from day 336). An expired or
/// revoked certificate does not count (the store leaves revoked ones out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateRule {
    pub renew_before: i64,
    pub code: CodeRule,
}

/// What ユーザー認証 of 電子証明書発行 may do for a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuance {
    /// No certificate in force: the first one, or after expiry or revocation.
    New,
    /// The certificate in force is inside its renewal window.
    Renewal,
    /// A certificate is in force; renewal opens at this moment.
    Refused { opens_at: i64 },
}

impl CertificateRule {
    /// `max_attempts` of the 認証コード is the screen's choice: the manual gives none.
    pub fn of(second_factor: &SecondFactor, max_attempts: i64) -> Option<CertificateRule> {
        match second_factor {
            SecondFactor::ClientCertificate { renew_before_days, code_minutes, .. } => Some(CertificateRule {
                renew_before: i64::from(*renew_before_days) * DAY,
                code: CodeRule::new(i64::from(*code_minutes) * MINUTE, max_attempts),
            }),
            _ => None,
        }
    }

    /// `current_not_after`: the last valid second of the user's unrevoked certificate, if any.
    pub fn issuance(&self, current_not_after: Option<i64>, now: i64) -> Issuance {
        match current_not_after {
            None => Issuance::New,
            Some(not_after) if now > not_after => Issuance::New,
            Some(not_after) if now >= self.renewal_opens(not_after) => Issuance::Renewal,
            Some(not_after) => Issuance::Refused { opens_at: self.renewal_opens(not_after) },
        }
    }

    pub fn renewal_opens(&self, not_after: i64) -> i64 {
        not_after - self.renew_before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_is_renewed_from_day_336_and_reissued_after_expiry() {
        let rokin = crate::Config::demo().unwrap().portal("rokin").unwrap().settings.second_factor.clone();
        let rule = CertificateRule::of(&rokin, 5).unwrap();
        assert_eq!(rule.code, CodeRule::new(30 * MINUTE, 5));
        let issued = 1_795_000_000;
        // 366 days counting the issue day: the last valid second is 365 days later.
        let not_after = issued + 365 * DAY;
        let day = |n: i64| issued + (n - 1) * DAY;
        assert_eq!(rule.issuance(None, issued), Issuance::New);
        assert_eq!(rule.issuance(Some(not_after), day(2)), Issuance::Refused { opens_at: day(336) });
        assert_eq!(rule.issuance(Some(not_after), day(336) - 1), Issuance::Refused { opens_at: day(336) });
        assert_eq!(rule.issuance(Some(not_after), day(336)), Issuance::Renewal);
        assert_eq!(rule.issuance(Some(not_after), not_after), Issuance::Renewal);
        assert_eq!(rule.issuance(Some(not_after), not_after + 1), Issuance::New);
        let none = crate::Config::demo().unwrap().portal("jrec-in").unwrap().settings.second_factor.clone();
        assert_eq!(CertificateRule::of(&none, 5), None);
    }
}
