//! The curated data the hygiene rules read, compiled into the binary from
//! `data/` (see `data/README.md` for sources, licences and updates) and
//! parsed once on first use.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use foldhash::fast::FixedState;
use serde::Deserialize;

type Set = HashSet<&'static str, FixedState>;

const DISPOSABLE: &str = include_str!("../../data/disposable-domains.txt");
const RELAYS: &str = include_str!("../../data/privacy-relays.txt");
const ROLES: &str = include_str!("../../data/role-accounts.txt");
const PROVIDERS: &str = include_str!("../../data/mail-providers.toml");

/// The entries of a one-per-line list: blank lines and `#` comments skipped.
fn entries(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

fn set(text: &'static str) -> Set {
    entries(text).collect()
}

static DISPOSABLE_SET: LazyLock<Set> = LazyLock::new(|| set(DISPOSABLE));
static RELAY_SET: LazyLock<Set> = LazyLock::new(|| set(RELAYS));
static ROLE_SET: LazyLock<Set> = LazyLock::new(|| set(ROLES));

/// The vendored list's provenance line, for `explain H004`.
pub fn disposable_source() -> &'static str {
    DISPOSABLE
        .lines()
        .find(|line| line.contains("PyPI package"))
        .map_or("", |line| {
            line.trim_start_matches('#').trim().trim_end_matches('.')
        })
}

pub fn disposable_count() -> usize {
    DISPOSABLE_SET.len()
}

/// `domain` or the parent of it that a list names, walking up to (not
/// into) the public suffix: `x.33mail.com` finds `33mail.com`, but a
/// listed `co.uk` could never match every British address.
fn find_listed(domain: &str, floor: usize, listed: impl Fn(&str) -> bool) -> Option<&str> {
    let mut candidate = domain;
    loop {
        if listed(candidate) {
            return Some(candidate);
        }
        match candidate.find('.') {
            Some(dot) if candidate.len() - dot > floor => candidate = &candidate[dot + 1..],
            _ => return None,
        }
    }
}

/// The length of the registrable part of `domain` (`example.co.uk` in
/// `mail.example.co.uk`), or of the whole domain when it has none: list
/// lookups walk up parent domains no further than this.
pub fn registrable_len(domain: &str) -> usize {
    psl::domain(domain.as_bytes()).map_or(domain.len(), |d| d.as_bytes().len())
}

/// The disposable-list entry `domain` falls under (`floor`: its
/// [`registrable_len`]).
pub fn disposable_entry(domain: &str, floor: usize) -> Option<&str> {
    find_listed(domain, floor, |d| DISPOSABLE_SET.contains(d))
}

/// The service a privacy-relay entry belongs to: the comment line above
/// it in `data/privacy-relays.txt` (`DuckDuckGo Email Protection`).
pub fn relay_service(entry: &str) -> Option<&'static str> {
    static SERVICES: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
        let mut services = HashMap::new();
        let mut service = None;
        for line in RELAYS.lines().map(str::trim) {
            if let Some(comment) = line.strip_prefix('#') {
                service = Some(comment.trim());
            } else if line.is_empty() {
                service = None;
            } else if let Some(name) = service {
                services.insert(line, name);
            }
        }
        services
    });
    SERVICES.get(entry).copied()
}

/// The privacy-relay entry `domain` falls under.
pub fn relay_entry(domain: &str, floor: usize) -> Option<&str> {
    find_listed(domain, floor, |d| RELAY_SET.contains(d))
}

/// The entry of a policy's own domain list that `domain` falls under.
pub fn listed_in<'d>(domain: &'d str, floor: usize, list: &HashSet<String>) -> Option<&'d str> {
    if list.is_empty() {
        return None;
    }
    find_listed(domain, floor, |d| list.contains(d))
}

pub fn is_role(name: &str) -> bool {
    ROLE_SET.contains(name)
}

/// The role names as shipped, for tests and documentation.
#[cfg(test)]
pub fn role_names() -> impl Iterator<Item = &'static str> {
    entries(ROLES)
}

/// A mail provider from `data/mail-providers.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub name: String,
    pub domains: Vec<String>,
    #[serde(default)]
    pub suggest: Vec<String>,
    #[serde(default)]
    pub plus_tags: bool,
    #[serde(default)]
    pub ignores_dots: bool,
    pub canonical: Option<String>,
}

impl Provider {
    /// How the provider folds addresses, for H006 messages.
    pub fn aliasing(&self) -> &'static str {
        match (self.ignores_dots, self.plus_tags) {
            (true, true) => "ignores dots and +tags in the local part",
            (true, false) => "ignores dots in the local part",
            (false, true) => "ignores +tags in the local part",
            (false, false) => "delivers each address to its own mailbox",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderFile {
    provider: Vec<Provider>,
}

pub struct Providers {
    pub list: Vec<Provider>,
    by_domain: HashMap<String, usize, FixedState>,
}

impl Providers {
    /// The provider that hands out addresses at exactly `domain`.
    pub fn get(&self, domain: &str) -> Option<&Provider> {
        self.by_domain.get(domain).map(|&i| &self.list[i])
    }

    pub fn is_known(&self, domain: &str) -> bool {
        self.by_domain.contains_key(domain)
    }

    /// Every domain H005 may suggest, in file order (most used first).
    pub fn suggestions(&self) -> impl Iterator<Item = &str> {
        self.list
            .iter()
            .flat_map(|p| p.suggest.iter().map(String::as_str))
    }
}

static PROVIDERS_LIST: LazyLock<Providers> = LazyLock::new(|| {
    // The file is part of the source tree; a unit test parses it, so a
    // broken edit fails `cargo test` before it can ship.
    let file: ProviderFile =
        toml::from_str(PROVIDERS).expect("data/mail-providers.toml is valid (see its unit test)");
    let mut by_domain = HashMap::default();
    for (i, provider) in file.provider.iter().enumerate() {
        for domain in &provider.domains {
            by_domain.entry(domain.clone()).or_insert(i);
        }
    }
    Providers {
        list: file.provider,
        by_domain,
    }
});

pub fn providers() -> &'static Providers {
    &PROVIDERS_LIST
}

/// Special-use and reserved names (H007), each with the document that
/// reserves it. A domain is special-use when it is one of these or ends in
/// `.` plus one of these.
pub const SPECIAL_USE: &[(&str, &str)] = &[
    ("example", "RFC 2606 §2"),
    ("example.com", "RFC 2606 §3"),
    ("example.net", "RFC 2606 §3"),
    ("example.org", "RFC 2606 §3"),
    ("test", "RFC 2606 §2, RFC 6761 §6.2"),
    ("invalid", "RFC 2606 §2, RFC 6761 §6.4"),
    ("localhost", "RFC 2606 §2, RFC 6761 §6.3"),
    ("local", "RFC 6762 (multicast DNS)"),
    ("onion", "RFC 7686 (Tor)"),
    ("home.arpa", "RFC 8375 (home networks)"),
    ("alt", "RFC 9476 (non-DNS names)"),
    ("internal", "ICANN resolution 2024.07.29.06 (private use)"),
    // The .arpa entries of the IANA Special-Use Domain Names registry,
    // then .arpa itself, which is for infrastructure, never for mailboxes.
    ("ipv4only.arpa", "RFC 8880 (NAT64 discovery)"),
    ("resolver.arpa", "RFC 9462 (resolver discovery)"),
    ("service.arpa", "RFC 9665 (service registration)"),
    ("eap-noob.arpa", "RFC 9140 (device onboarding)"),
    ("6tisch.arpa", "RFC 9031 (6TiSCH)"),
    ("in-addr.arpa", "RFC 6761 §6.1 and RFC 3172 (reverse DNS)"),
    ("ip6.arpa", "RFC 6762 and RFC 3172 (reverse DNS)"),
    ("arpa", "RFC 3172 (infrastructure)"),
];

/// The reserved name `domain` falls under, and the document reserving it.
pub fn special_use(domain: &str) -> Option<(&'static str, &'static str)> {
    // Every reserved name ends in one of a few top-level labels; looking at
    // that first spares the suffix comparisons for almost every address.
    let tld = domain.rsplit('.').next()?;
    if !matches!(
        tld,
        "example"
            | "test"
            | "invalid"
            | "localhost"
            | "local"
            | "onion"
            | "alt"
            | "internal"
            | "com"
            | "net"
            | "org"
            | "arpa"
    ) {
        return None;
    }
    SPECIAL_USE.iter().copied().find(|(name, _)| {
        domain
            .strip_suffix(name)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_lists_parse_and_are_normalized() {
        assert!(disposable_count() > 5_000, "{}", disposable_count());
        for list in [DISPOSABLE, RELAYS, ROLES] {
            for entry in entries(list) {
                assert_eq!(entry, entry.to_ascii_lowercase(), "{entry}");
                assert!(!entry.contains(char::is_whitespace), "{entry:?}");
            }
        }
        for role in role_names() {
            assert!(
                !role.contains(['.', '-', '_', '+']),
                "role names are stored without separators: {role}"
            );
        }
        assert!(!providers().list.is_empty());
        for provider in &providers().list {
            for suggestion in &provider.suggest {
                assert!(
                    provider.domains.contains(suggestion),
                    "{}: {suggestion} must be one of its domains",
                    provider.name
                );
            }
        }
        assert!(disposable_source().contains("0.0.293"));
    }

    #[test]
    fn relays_and_providers_are_never_disposable() {
        for relay in entries(RELAYS) {
            assert_eq!(
                disposable_entry(relay, registrable_len(relay)),
                None,
                "{relay}"
            );
        }
        for provider in &providers().list {
            for domain in &provider.domains {
                assert_eq!(
                    disposable_entry(domain, registrable_len(domain)),
                    None,
                    "{domain}"
                );
            }
        }
    }

    fn disposable(domain: &str) -> Option<&str> {
        disposable_entry(domain, registrable_len(domain))
    }

    fn relay(domain: &str) -> Option<&str> {
        relay_entry(domain, registrable_len(domain))
    }

    fn in_list<'d>(domain: &'d str, list: &HashSet<String>) -> Option<&'d str> {
        listed_in(domain, registrable_len(domain), list)
    }

    #[test]
    fn matches_parents_down_to_the_registrable_domain() {
        assert_eq!(disposable("mailinator.com"), Some("mailinator.com"));
        assert_eq!(disposable("eu.mailinator.com"), Some("mailinator.com"));
        assert_eq!(relay("anna.33mail.com"), Some("33mail.com"));
        assert_eq!(
            relay("privaterelay.appleid.com"),
            Some("privaterelay.appleid.com")
        );
        assert_eq!(relay("appleid.com"), None);
        assert_eq!(disposable("example.com"), None);
        let listed: HashSet<String> = ["co.uk".to_string()].into();
        assert_eq!(in_list("shop.example.co.uk", &listed), None);
        let listed: HashSet<String> = ["example.co.uk".to_string()].into();
        assert_eq!(
            in_list("shop.example.co.uk", &listed),
            Some("example.co.uk")
        );
    }

    #[test]
    fn special_use_names_match_whole_labels() {
        assert_eq!(special_use("example.com").map(|s| s.0), Some("example.com"));
        assert_eq!(special_use("mail.example").map(|s| s.0), Some("example"));
        assert_eq!(special_use("shop.test").map(|s| s.0), Some("test"));
        assert_eq!(
            special_use("router.home.arpa").map(|s| s.0),
            Some("home.arpa")
        );
        // The IANA registry's .arpa names, and .arpa itself.
        for (domain, name) in [
            ("x.ipv4only.arpa", "ipv4only.arpa"),
            ("resolver.arpa", "resolver.arpa"),
            ("10.in-addr.arpa", "in-addr.arpa"),
            ("8.e.f.ip6.arpa", "ip6.arpa"),
            ("mail.arpa", "arpa"),
        ] {
            assert_eq!(special_use(domain).map(|s| s.0), Some(name), "{domain}");
        }
        assert_eq!(special_use("arpa.de"), None);
        assert_eq!(special_use("contest"), None);
        assert_eq!(special_use("myexample.com"), None);
        assert_eq!(special_use("example.co"), None);
    }
}
