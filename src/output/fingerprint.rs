//! Fingerprints of findings for code-scanning and code-quality services:
//! the same finding on the same input gets the same fingerprint in every
//! run, two findings of one run never share one, and none holds an
//! address: the services keep them, and a hash of a plain address can be
//! looked up by anyone who has the address.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::audit::{AuditOutcome, Finding};

/// Hands out the fingerprints of one run's findings, in report order.
#[derive(Default)]
pub struct Fingerprints {
    /// How often each (file, rule, address) was seen, by its hash: the
    /// second H002 on one address is another finding.
    seen: HashMap<[u8; 32], u32>,
}

impl Fingerprints {
    /// SHA-256 over the input as named, the rule code, the SHA-256 of the
    /// normalized address, and the how-manieth finding of those three this
    /// is; in hex.
    pub fn next(&mut self, outcome: &AuditOutcome, finding: &Finding) -> String {
        let address = Sha256::digest(finding.email.as_bytes());
        let mut base = Sha256::new();
        base.update(outcome.input_name(finding).as_bytes());
        base.update([0]);
        base.update(finding.rule.code().as_bytes());
        base.update([0]);
        base.update(address);
        let base: [u8; 32] = base.finalize().into();
        let occurrence = self.seen.entry(base).or_insert(0);
        *occurrence += 1;
        let mut full = Sha256::new();
        full.update(base);
        full.update(occurrence.to_be_bytes());
        hex::encode(full.finalize())
    }
}
