//! Certificate serial numbers.

use std::fmt;

use crate::CaError;

/// A certificate serial number: a positive integer of at most 20 octets in DER (RFC 5280
/// §4.1.2.2), kept as its big-endian magnitude without leading zero bytes, so that the same
/// number always has the same bytes and the same hex text.
///
/// The recommended source is [`Serial::random`] (128 random bits: no coordination between
/// servers or CA generations, and not guessable). A number the database allocates works too
/// ([`Serial::from_u64`]); either way the database keeps [`Serial::to_hex`] under a unique
/// constraint, and revocation works by that value.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial(Vec<u8>);

impl Serial {
    /// 16 random bytes from the operating system, the top bit cleared so that DER needs no
    /// leading zero (the number stays 16 octets) and never zero.
    pub fn random() -> Result<Serial, CaError> {
        let mut bytes = [0u8; 16];
        loop {
            getrandom::fill(&mut bytes).map_err(|e| CaError::Random(e.to_string()))?;
            bytes[0] &= 0x7f;
            // A zero serial is not positive; its odds are 2^-127, but looping costs nothing.
            if let Ok(serial) = Serial::from_bytes(&bytes) {
                return Ok(serial);
            }
        }
    }

    /// A number the caller allocated (e.g. a database sequence); must not be zero.
    pub fn from_u64(n: u64) -> Result<Serial, CaError> {
        Serial::from_bytes(&n.to_be_bytes())
    }

    /// Big-endian magnitude; leading zero bytes are ignored. Zero and numbers longer than
    /// 20 DER octets are refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Serial, CaError> {
        let start = bytes.iter().position(|&b| b != 0);
        let Some(start) = start else {
            return Err(CaError::InvalidSerial("zero is not a positive serial".into()));
        };
        // Not empty: `start` is the position of a non-zero byte.
        let magnitude = &bytes[start..];
        // DER adds a zero byte in front when the top bit is set, to keep the integer positive.
        let der_len = magnitude.len() + usize::from(magnitude[0] & 0x80 != 0);
        if der_len > 20 {
            return Err(CaError::InvalidSerial(format!("{der_len} octets; at most 20 are allowed")));
        }
        Ok(Serial(magnitude.to_vec()))
    }

    /// Lower-case hex, as [`Serial::to_hex`] writes it (upper case and `:` separators, as
    /// `openssl` prints serials, are accepted too).
    pub fn from_hex(text: &str) -> Result<Serial, CaError> {
        let digits: Vec<u8> = text.bytes().filter(|&b| b != b':').collect();
        if digits.is_empty() || digits.len() > 42 {
            return Err(CaError::InvalidSerial(format!("{text:?} is not a serial")));
        }
        // An odd number of digits has an implicit leading zero.
        let padded: Vec<u8> =
            if digits.len() % 2 == 1 { std::iter::once(b'0').chain(digits).collect() } else { digits };
        let mut bytes = Vec::with_capacity(padded.len() / 2);
        // `padded` has an even length, so every chunk holds two digits.
        for pair in padded.chunks(2) {
            let hi = hex_value(pair[0]);
            let lo = hex_value(pair[1]);
            match (hi, lo) {
                (Some(hi), Some(lo)) => bytes.push(hi << 4 | lo),
                _ => return Err(CaError::InvalidSerial(format!("{text:?} is not hex"))),
            }
        }
        Serial::from_bytes(&bytes)
    }

    /// Lower-case hex of the magnitude, no separators: the form to store.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Big-endian magnitude without leading zeros.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub(crate) fn to_rcgen(&self) -> rcgen::SerialNumber {
        rcgen::SerialNumber::from_slice(&self.0)
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Serial({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_normal_form() {
        let s = Serial::from_bytes(&[0, 0, 0x01, 0xab]).unwrap();
        assert_eq!(s.to_hex(), "01ab");
        assert_eq!(Serial::from_hex("1AB").unwrap(), s);
        assert_eq!(Serial::from_hex("01:ab").unwrap(), s);
        assert_eq!(Serial::from_u64(0x1ab).unwrap(), s);
    }

    #[test]
    fn refuses_zero_long_and_junk() {
        assert!(Serial::from_u64(0).is_err());
        assert!(Serial::from_hex("").is_err());
        assert!(Serial::from_hex("xyz").is_err());
        assert!(Serial::from_bytes(&[0x7f; 20]).is_ok());
        assert!(Serial::from_bytes(&[0x80; 20]).is_err(), "21 octets in DER");
        assert!(Serial::from_bytes(&[0x01; 21]).is_err());
    }

    #[test]
    fn random_serials_are_positive_sixteen_octets() {
        let a = Serial::random().unwrap();
        let b = Serial::random().unwrap();
        assert_ne!(a, b);
        assert!(a.as_bytes().len() <= 16 && a.as_bytes()[0] & 0x80 == 0);
    }
}
