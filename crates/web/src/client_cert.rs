//! The client certificate a browser presented, as the transport hands it to the handlers.

/// The DER of the client's leaf certificate: a request extension set by the TLS accept loop
/// (or from a trusted reverse proxy's header). Its presence proves only that the client holds
/// the key; whether it logs anyone in is decided by the portal's CA (`madoguchi_ca`) and the
/// certificates table at every login.
#[derive(Clone, Debug)]
pub struct PeerCertificate(pub std::sync::Arc<[u8]>);
