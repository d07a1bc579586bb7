//! `--redact`: addresses in shareable reports become keyed pseudonyms, so
//! a report can leave the organisation while its findings can still be
//! correlated: one address gives one pseudonym in every output of a run,
//! and in every run with the same key.
//!
//! A pseudonym is HMAC-SHA256 of the normalized address under the key,
//! truncated to 80 bits. An unkeyed hash would not do: addresses are
//! guessable, and anyone could hash a guess and look for it. Under the
//! GDPR this is pseudonymisation (Art. 4(5)), not anonymisation: whoever
//! holds the key can test a guess.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Bytes a key must have at least: below this a key could be guessed.
pub const MIN_KEY_BYTES: usize = 16;

const PREFIX: &str = "pseudo-";

/// Pseudonymises addresses under one key.
#[derive(Clone)]
pub struct Redactor {
    /// The HMAC state after absorbing the key, cloned per address.
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never reaches a log line.
        f.write_str("Redactor(..)")
    }
}

impl Redactor {
    /// A redactor for a key given by the user.
    pub fn with_key(key: &str) -> Result<Redactor, String> {
        if key.len() < MIN_KEY_BYTES {
            return Err(format!(
                "the redaction key has {} bytes; it needs at least {MIN_KEY_BYTES}",
                key.len()
            ));
        }
        Ok(Redactor::from_bytes(key.as_bytes()))
    }

    /// A redactor with a new random key, and that key in hex (what
    /// `--redact-key` takes to give the same pseudonyms again).
    pub fn generate() -> Result<(Redactor, String), String> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| format!("no random key available: {e}"))?;
        let hex = hex::encode(key);
        Ok((Redactor::from_bytes(hex.as_bytes()), hex))
    }

    fn from_bytes(key: &[u8]) -> Redactor {
        Redactor {
            keyed: <Hmac<Sha256> as KeyInit>::new_from_slice(key)
                .expect("HMAC takes keys of any length"),
        }
    }

    /// `pseudo-` and 20 hex digits; the empty address stays empty.
    pub fn pseudonym(&self, email: &str) -> String {
        if email.is_empty() {
            return String::new();
        }
        let mut mac = self.keyed.clone();
        mac.update(email.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("{PREFIX}{}", hex::encode(&digest[..10]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_address_and_key_give_the_same_pseudonym() {
        let a = Redactor::with_key("correct horse battery staple").unwrap();
        let b = Redactor::with_key("correct horse battery staple").unwrap();
        let p = a.pseudonym("anna@example.org");
        assert_eq!(p, b.pseudonym("anna@example.org"));
        assert!(p.starts_with("pseudo-") && p.len() == 7 + 20, "{p}");
        assert!(p[7..].bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(p, a.pseudonym("anna@example.net"));
        let other = Redactor::with_key("another key of enough length").unwrap();
        assert_ne!(p, other.pseudonym("anna@example.org"));
        assert_eq!(a.pseudonym(""), "");
    }

    #[test]
    fn pseudonyms_are_truncated_hmac_sha256() {
        // `printf %s anna@example.org | openssl dgst -sha256 -hmac 0123456789abcdef`
        // gives 74861f6a5326cf79325652f4...
        let r = Redactor::with_key("0123456789abcdef").unwrap();
        assert_eq!(
            r.pseudonym("anna@example.org"),
            "pseudo-74861f6a5326cf793256"
        );
    }

    #[test]
    fn short_keys_are_refused_and_generated_keys_differ() {
        assert!(
            Redactor::with_key("short")
                .unwrap_err()
                .contains("at least 16")
        );
        let (a, key_a) = Redactor::generate().unwrap();
        let (b, key_b) = Redactor::generate().unwrap();
        assert_eq!(key_a.len(), 64);
        assert_ne!(key_a, key_b);
        assert_ne!(a.pseudonym("x@example.org"), b.pseudonym("x@example.org"));
        // The printed key reproduces the pseudonyms.
        let again = Redactor::with_key(&key_a).unwrap();
        assert_eq!(
            again.pseudonym("x@example.org"),
            a.pseudonym("x@example.org")
        );
    }
}
