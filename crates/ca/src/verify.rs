//! The login-time check of the certificate a browser presented.

use chrono::{DateTime, Utc};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::Serial;
use crate::authority::Authority;
use crate::time::from_unix;

/// Who a valid client certificate names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// The common name's first word (see [`Authority::issue_client`]).
    pub user_id: String,
    pub serial: Serial,
    /// The whole common name, as the browser's certificate picker shows it.
    pub subject: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

/// Why a presented certificate does not log anyone in; the web layer shows one page per case.
/// The cases that follow a valid signature carry the user id, so that page can point the user
/// to re-issuing (電子証明書発行) for the right account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Not a certificate, or signed by this CA but not shaped like its client certificates
    /// (e.g. the CA certificate itself, no clientAuth usage, no user id in the name).
    #[error("the certificate is malformed: {0}")]
    Malformed(String),
    /// Not signed by this portal's CA (current or retired).
    #[error("the certificate was not issued by this portal")]
    Foreign,
    /// Revoked by the operator; takes precedence over the validity period.
    #[error("certificate {serial} of user {user_id} is revoked")]
    Revoked { user_id: String, serial: Serial },
    /// Before `notBefore`: the server's clock went back, or the certificate is from a test.
    #[error("certificate of user {user_id} is valid only from {not_before}")]
    NotYetValid { user_id: String, not_before: DateTime<Utc> },
    /// After `notAfter`.
    #[error("certificate of user {user_id} expired at {not_after}")]
    Expired { user_id: String, not_after: DateTime<Utc> },
}

impl Authority {
    /// Checks a certificate presented at login (DER, as the TLS layer hands it over) against
    /// this CA, the revoked serials and the clock. See [`Authority::verify_client_with`].
    pub fn verify_client(
        &self,
        cert_der: &[u8],
        revoked_serials: &[Serial],
        now: DateTime<Utc>,
    ) -> Result<ClientIdentity, Rejection> {
        self.verify_client_with(cert_der, now, |serial| revoked_serials.contains(serial))
    }

    /// Like [`Authority::verify_client`], asking `is_revoked` about the one serial instead of
    /// taking the whole list (e.g. a database lookup).
    ///
    /// Checks, in this order, and answers with the first failure:
    /// 1. the bytes are one DER certificate — else [`Rejection::Malformed`];
    /// 2. its issuer is this CA (or a retired one) and the signature verifies with that CA's
    ///    key — else [`Rejection::Foreign`] (nothing in an unverified certificate is trusted,
    ///    so this comes before everything that reads its contents);
    /// 3. it is an end-entity certificate for client authentication whose common name starts
    ///    with a valid user id — else [`Rejection::Malformed`];
    /// 4. its serial is not revoked — else [`Rejection::Revoked`];
    /// 5. `notBefore <= now <= notAfter`, to the second (both ends inclusive, as RFC 5280
    ///    says) — else [`Rejection::NotYetValid`] or [`Rejection::Expired`].
    pub fn verify_client_with(
        &self,
        cert_der: &[u8],
        now: DateTime<Utc>,
        is_revoked: impl FnOnce(&Serial) -> bool,
    ) -> Result<ClientIdentity, Rejection> {
        let malformed = |reason: &str| Rejection::Malformed(reason.into());
        let cert = match X509Certificate::from_der(cert_der) {
            Ok(([], cert)) => cert,
            Ok(_) => return Err(malformed("trailing bytes after the certificate")),
            Err(e) => return Err(Rejection::Malformed(e.to_string())),
        };

        if !self.trust_anchors_der().any(|anchor| signed_by(&cert, anchor)) {
            return Err(Rejection::Foreign);
        }

        if cert.is_ca() {
            return Err(malformed("a CA certificate is not a client certificate"));
        }
        let client_auth = matches!(
            cert.extended_key_usage(),
            Ok(Some(eku)) if eku.value.client_auth
        );
        if !client_auth {
            return Err(malformed("no clientAuth extended key usage"));
        }
        let mut names = cert.subject().iter_common_name();
        let subject = match (names.next().map(|cn| cn.as_str()), names.next()) {
            (Some(Ok(cn)), None) => cn.to_owned(),
            _ => return Err(malformed("the subject must hold exactly one common name")),
        };
        let user_id = subject.split(' ').next().unwrap_or_default().to_owned();
        if crate::authority::check_user_id(&user_id).is_err() {
            return Err(malformed("the common name does not start with a user id"));
        }
        let serial = Serial::from_bytes(cert.raw_serial()).map_err(|e| Rejection::Malformed(e.to_string()))?;
        let validity = cert.validity();
        let (Some(not_before), Some(not_after)) =
            (from_unix(validity.not_before.timestamp()), from_unix(validity.not_after.timestamp()))
        else {
            return Err(malformed("validity out of range"));
        };

        if is_revoked(&serial) {
            return Err(Rejection::Revoked { user_id, serial });
        }
        // Whole seconds, like the certificate: the whole last second is still valid.
        let now_s = now.timestamp();
        if now_s < not_before.timestamp() {
            return Err(Rejection::NotYetValid { user_id, not_before });
        }
        if now_s > not_after.timestamp() {
            return Err(Rejection::Expired { user_id, not_after });
        }
        Ok(ClientIdentity { user_id, serial, subject, not_before, not_after })
    }
}

/// Whether `anchor` (a CA certificate, DER) issued `cert`: same name, valid signature.
fn signed_by(cert: &X509Certificate<'_>, anchor: &[u8]) -> bool {
    let Ok((_, anchor)) = X509Certificate::from_der(anchor) else {
        return false;
    };
    cert.issuer().as_raw() == anchor.subject().as_raw() && cert.verify_signature(Some(anchor.public_key())).is_ok()
}
