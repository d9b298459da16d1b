//! Recovery codes (authentik's static tokens): random single-use codes of lowercase letters and
//! digits, shown once, stored as digests.
use crate::ssr::crypto::secret;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// `count` new codes of `length` characters (about 5.17 bits each).
pub fn generate(count: usize, length: usize) -> Vec<String> {
    (0..count)
        .map(|_| secret::random_string(ALPHABET, length))
        .collect()
}

/// A code as typed (any case, spaces or dashes between groups) as it was generated.
pub fn normalize(given: &str) -> String {
    given
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// What is stored for a code.
pub fn digest(code: &str) -> Vec<u8> {
    secret::digest(&normalize(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_length_and_alphabet_asked_for_and_differ() {
        let codes = generate(20, 12);
        assert_eq!(codes.len(), 20);
        for c in &codes {
            assert_eq!(c.len(), 12);
            assert!(c.bytes().all(|b| ALPHABET.contains(&b)), "{c}");
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
    }

    #[test]
    fn typed_codes_match_whatever_their_case_and_spacing() {
        assert_eq!(digest("ab12-cd34 ef56"), digest("AB12CD34EF56"));
        assert_ne!(digest("ab12cd34ef56"), digest("ab12cd34ef57"));
    }

    proptest::proptest! {
        #[test]
        fn any_input_normalizes_without_panicking(given in ".{0,64}") {
            let n = normalize(&given);
            proptest::prop_assert!(!n.contains('-') && !n.chars().any(char::is_whitespace));
        }
    }
}
