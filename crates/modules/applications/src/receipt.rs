//! 応募受付ID (jrec-in §1.2): `E` + 9 characters of an alphabet without the characters that
//! are read or typed as one another (0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V), so an applicant who
//! reads it out on the phone or types it from a printout gets it right. Characters:
//! 23 of them, 9 places: about 1.8 × 10^12 IDs; drawn at random (unguessable from another one), and drawn
//! again on the rare clash with the unique column.

use rand::RngExt;

/// The characters of an ID after the `E`.
pub const ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTWXY";

/// The characters after the `E`.
pub const LENGTH: usize = 9;

/// A new random ID.
pub fn draw() -> String {
    let mut rng = rand::rng();
    let mut id = String::with_capacity(LENGTH + 1);
    id.push('E');
    for _ in 0..LENGTH {
        id.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
    }
    id
}

/// Whether `text` has the shape of an ID.
pub fn is_receipt_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == LENGTH + 1 && bytes[0] == b'E' && bytes[1..].iter().all(|b| ALPHABET.contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_e_and_nine_unambiguous_characters() {
        for _ in 0..1000 {
            let id = draw();
            assert!(is_receipt_id(&id), "{id}");
            assert_eq!(id.len(), 10);
            for confusable in ['0', 'O', '1', 'I', 'L', '2', 'Z', '5', 'S', '8', 'B', 'U', 'V'] {
                assert!(!id[1..].contains(confusable), "{id}");
            }
        }
    }

    #[test]
    fn the_alphabet_has_no_character_twice() {
        let mut sorted = ALPHABET.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ALPHABET.len());
        assert!(ALPHABET.iter().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
    }

    #[test]
    fn other_shapes_are_not_ids() {
        for bad in ["", "E", "E12345678", "D34679ACDE", "e34679ACDE", "E34679ACDEF", "E3467OACDE", "E34679acde"] {
            assert!(!is_receipt_id(bad), "{bad}");
        }
        assert!(is_receipt_id("E34679ACDE"));
    }

    #[test]
    fn ids_differ() {
        let ids: std::collections::BTreeSet<String> = (0..1000).map(|_| draw()).collect();
        assert_eq!(ids.len(), 1000);
    }
}
