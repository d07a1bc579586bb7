//! The list-based hygiene checks, all offline: role mailboxes (H003),
//! disposable domains and privacy relays (H004), likely typos of big
//! providers' domains (H005), provider aliasing (H006). Each reads the
//! curated data in [`super::lists`] plus the policy's own lists.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use foldhash::fast::FixedState;

use super::lists::{self, providers};

/// The policy's additions to and exceptions from the shipped lists
/// (`[hygiene]` in a policy file). Role names are stored as
/// [`role_name`] makes them; domains lower-case ASCII.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HygieneLists {
    /// More local parts to report as role mailboxes.
    pub role_accounts: HashSet<String>,
    /// Local parts never reported as role mailboxes.
    pub personal_accounts: HashSet<String>,
    /// More domains to report as disposable.
    pub disposable_domains: HashSet<String>,
    /// Domains that are neither disposable nor typos, whatever the shipped
    /// lists say.
    pub allowed_domains: HashSet<String>,
}

/// The role-list form of a local part: without `+tag`, lower-case, without
/// dots, hyphens and underscores (`No-Reply+x` → `noreply`). `None` when it
/// does not fit the buffer (no role name is that long).
pub fn role_name<'b>(local: &str, buffer: &'b mut [u8; 64]) -> Option<&'b str> {
    let base = local.split('+').next().unwrap_or(local);
    let mut len = 0;
    for b in base.bytes() {
        if matches!(b, b'.' | b'-' | b'_') {
            continue;
        }
        *buffer.get_mut(len)? = b.to_ascii_lowercase();
        len += 1;
    }
    std::str::from_utf8(&buffer[..len]).ok()
}

/// H003: the role name a local part is, if it is one.
pub fn role_account<'b>(
    local: &str,
    lists: &HygieneLists,
    buffer: &'b mut [u8; 64],
) -> Option<&'b str> {
    if local.starts_with('"') {
        return None;
    }
    let name = role_name(local, buffer)?;
    if name.is_empty() || lists.personal_accounts.contains(name) {
        return None;
    }
    (lists::is_role(name) || lists.role_accounts.contains(name)).then_some(name)
}

/// What H004 knows about a domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainKind<'d> {
    /// On the shipped disposable list (the entry that matched).
    Disposable(&'d str),
    /// On the policy's own `disposable_domains`.
    DisposableByPolicy(&'d str),
    /// A privacy relay: forwards to a real inbox, not disposable.
    Relay(&'d str),
}

/// H004: whether `domain` (ASCII, lower-case) is disposable or a relay.
/// The policy's `allowed_domains` win over every list.
pub fn domain_kind<'d>(domain: &'d str, lists: &HygieneLists) -> Option<DomainKind<'d>> {
    // Most addresses are at a big provider, which no list names.
    if providers().is_known(domain) && lists.disposable_domains.is_empty() {
        return None;
    }
    let floor = lists::registrable_len(domain);
    if lists::listed_in(domain, floor, &lists.allowed_domains).is_some() {
        return None;
    }
    if let Some(entry) = lists::listed_in(domain, floor, &lists.disposable_domains) {
        return Some(DomainKind::DisposableByPolicy(entry));
    }
    if let Some(entry) = lists::relay_entry(domain, floor) {
        return Some(DomainKind::Relay(entry));
    }
    // A slip of a big provider's domain is H005, whatever the shipped list
    // says: the list names `gmial.com` and `tmail.com` too, and a person
    // who mistyped gmail should hear "typo", not "throw-away".
    if TYPOS.contains_key(domain) {
        return None;
    }
    lists::disposable_entry(domain, floor).map(DomainKind::Disposable)
}

/// One edit away from a suggestion target, mapped to every target it is
/// one edit away from (`amail.com`: gmail.com and mail.com), in the
/// providers file's order.
static TYPOS: LazyLock<HashMap<String, Vec<&'static str>, FixedState>> = LazyLock::new(build_typos);

const EDIT_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-.";

/// Names shorter than this (gmx, web, aol, live) are one edit away from
/// too many real domains (weg.de, aok.de), so only swapped letters count
/// there.
const MIN_EDITABLE_NAME: usize = 5;

fn build_typos() -> HashMap<String, Vec<&'static str>, FixedState> {
    let providers = providers();
    let mut typos: HashMap<String, Vec<&'static str>, FixedState> = HashMap::default();
    for target in providers.suggestions() {
        for candidate in one_edit_away(target) {
            if providers.is_known(&candidate) || !plausible_slip(target, &candidate) {
                continue;
            }
            let targets = typos.entry(candidate).or_default();
            if !targets.contains(&target) {
                targets.push(target);
            }
        }
    }
    typos
}

/// Every string one deletion, insertion, substitution or swap of
/// neighbours away from `word` (optimal string alignment distance 1).
fn one_edit_away(word: &str) -> Vec<String> {
    let bytes = word.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 80);
    let push = |out: &mut Vec<String>, v: Vec<u8>| {
        if let Ok(s) = String::from_utf8(v) {
            out.push(s);
        }
    };
    for i in 0..bytes.len() {
        let mut v = bytes.to_vec();
        v.remove(i);
        push(&mut out, v);
        if i + 1 < bytes.len() && bytes[i] != bytes[i + 1] {
            let mut v = bytes.to_vec();
            v.swap(i, i + 1);
            push(&mut out, v);
        }
        for &c in EDIT_ALPHABET {
            if c != bytes[i] {
                let mut v = bytes.to_vec();
                v[i] = c;
                push(&mut out, v);
            }
        }
    }
    for i in 0..=bytes.len() {
        for &c in EDIT_ALPHABET {
            let mut v = bytes.to_vec();
            v.insert(i, c);
            push(&mut out, v);
        }
    }
    out
}

/// Whether a one-edit variant of `target` is a believable slip rather
/// than a different real domain. A slip in the top-level part must give a
/// top-level domain that does not exist (`gmx.dee`, `gmail.con`), except
/// after a long provider name, where `gmail.co` or `yahoo.cm` cannot be
/// meant; short names only count swapped letters.
fn plausible_slip(target: &str, candidate: &str) -> bool {
    let (name, rest) = target.split_once('.').unwrap_or((target, ""));
    let (c_name, c_rest) = candidate.split_once('.').unwrap_or((candidate, ""));
    let long_name = name.len() >= MIN_EDITABLE_NAME;
    if c_rest == rest {
        // The edit is in the name.
        return long_name || is_swap(name, c_name);
    }
    if c_name == name {
        // The edit is in the top-level part.
        return long_name || !psl::suffix(candidate.as_bytes()).is_some_and(|s| s.is_known());
    }
    // A moved or lost dot (`gmailcom`, `gmai.lcom`).
    long_name
}

fn is_swap(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    matches!(diffs[..], [i, j] if j == i + 1 && a[i] == b[j] && a[j] == b[i])
}

/// H005: the big providers' domains that `domain` is likely a slip of
/// (one, or the few it is equally close to).
pub fn typo_suggestion(domain: &str, lists: &HygieneLists) -> Option<&'static [&'static str]> {
    if providers().is_known(domain) || lists.allowed_domains.contains(domain) {
        return None;
    }
    TYPOS.get(domain).map(Vec::as_slice)
}

/// H006: the mailbox a provider delivers `key` to, written into `buffer`,
/// when the provider ignores parts of the address (Gmail ignores dots and
/// `+tags` and treats googlemail.com as gmail.com; Outlook, iCloud,
/// Fastmail and others deliver `+tags`). `None` at other domains, where
/// `a.b` and `ab` may be two people, and for keys too long to be valid.
/// A buffer, not a `String`: this runs for every row at a big provider.
pub fn mailbox<'b>(
    key: &str,
    buffer: &'b mut [u8; 256],
) -> Option<(&'b str, &'static lists::Provider)> {
    let (local, domain) = key.rsplit_once('@')?;
    if local.starts_with('"') {
        return None;
    }
    let provider = providers().get(domain)?;
    if !provider.plus_tags && !provider.ignores_dots {
        return None;
    }
    let base = if provider.plus_tags {
        local.split('+').next().unwrap_or(local)
    } else {
        local
    };
    let domain = provider.canonical.as_deref().unwrap_or(domain);
    let mut len = 0;
    if provider.ignores_dots {
        for part in base.split('.') {
            append(buffer, &mut len, part.as_bytes())?;
        }
    } else {
        append(buffer, &mut len, base.as_bytes())?;
    }
    if len == 0 {
        return None;
    }
    append(buffer, &mut len, b"@")?;
    append(buffer, &mut len, domain.as_bytes())?;
    let text = std::str::from_utf8(&buffer[..len]).ok()?;
    Some((text, provider))
}

fn append(buffer: &mut [u8], len: &mut usize, bytes: &[u8]) -> Option<()> {
    buffer
        .get_mut(*len..*len + bytes.len())?
        .copy_from_slice(bytes);
    *len += bytes.len();
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_lists() -> HygieneLists {
        HygieneLists::default()
    }

    fn role(local: &str) -> Option<String> {
        role_account(local, &no_lists(), &mut [0; 64]).map(str::to_string)
    }

    #[test]
    fn role_names_ignore_tags_case_and_separators() {
        assert_eq!(role("info").as_deref(), Some("info"));
        assert_eq!(role("No-Reply").as_deref(), Some("noreply"));
        assert_eq!(role("do_not.reply").as_deref(), Some("donotreply"));
        assert_eq!(role("postmaster+lists").as_deref(), Some("postmaster"));
        assert_eq!(role("anna"), None);
        assert_eq!(role("information.desk"), None);
        assert_eq!(role("mail"), None, "reacher#935: mail@ is often personal");
        assert_eq!(role("\"info\""), None);
        assert_eq!(role(&"x".repeat(80)), None);
    }

    #[test]
    fn policy_lists_extend_and_override_roles() {
        let lists = HygieneLists {
            role_accounts: ["presse2".to_string()].into(),
            personal_accounts: ["info".to_string()].into(),
            ..Default::default()
        };
        let mut buffer = [0; 64];
        assert_eq!(role_account("info", &lists, &mut buffer), None);
        assert_eq!(
            role_account("Presse-2", &lists, &mut buffer),
            Some("presse2")
        );
    }

    #[test]
    fn relays_are_not_disposable_and_allow_wins() {
        let lists = no_lists();
        assert_eq!(
            domain_kind("mailinator.com", &lists),
            Some(DomainKind::Disposable("mailinator.com"))
        );
        assert_eq!(
            domain_kind("privaterelay.appleid.com", &lists),
            Some(DomainKind::Relay("privaterelay.appleid.com"))
        );
        assert_eq!(domain_kind("gmail.com", &lists), None);
        let lists = HygieneLists {
            allowed_domains: ["mailinator.com".to_string()].into(),
            disposable_domains: ["throwaway.example".to_string()].into(),
            ..Default::default()
        };
        assert_eq!(domain_kind("mailinator.com", &lists), None);
        assert_eq!(
            domain_kind("x.throwaway.example", &lists),
            Some(DomainKind::DisposableByPolicy("throwaway.example"))
        );
    }

    /// The upstream disposable list also names slips of big providers
    /// (`gmial.com`, `tmail.com`); those are H005 typos, never H004.
    #[test]
    fn a_typo_of_a_big_provider_is_never_disposable() {
        let lists = no_lists();
        for typo in ["gmial.com", "hotmial.com", "amail.com", "tmail.com"] {
            assert!(lists::disposable_entry(typo, lists::registrable_len(typo)).is_some());
            assert_eq!(domain_kind(typo, &lists), None, "{typo}");
            assert!(typo_suggestion(typo, &lists).is_some(), "{typo}");
        }
        assert_eq!(
            typo_suggestion("amail.com", &lists),
            Some(&["gmail.com", "ymail.com"][..])
        );
        assert_eq!(
            domain_kind("mailinator.com", &lists),
            Some(DomainKind::Disposable("mailinator.com"))
        );
        // The policy's own list is the user's word, and wins.
        let mine = HygieneLists {
            disposable_domains: ["tmail.com".to_string()].into(),
            ..Default::default()
        };
        assert_eq!(
            domain_kind("tmail.com", &mine),
            Some(DomainKind::DisposableByPolicy("tmail.com"))
        );
    }

    #[test]
    fn suggests_only_believable_slips_of_big_providers() {
        let lists = no_lists();
        for (typo, meant) in [
            ("gmial.com", "gmail.com"),
            ("gmaill.com", "gmail.com"),
            ("gmail.con", "gmail.com"),
            ("gmail.co", "gmail.com"),
            ("gmailcom", "gmail.com"),
            ("hotmial.com", "hotmail.com"),
            ("yaho.com", "yahoo.com"),
            ("outlok.com", "outlook.com"),
            ("gmx.dee", "gmx.de"),
            ("gxm.de", "gmx.de"),
            ("wbe.de", "web.de"),
            ("t-onlne.de", "t-online.de"),
        ] {
            assert_eq!(typo_suggestion(typo, &lists), Some(&[meant][..]), "{typo}");
        }
        for real in [
            "mac.com",
            "mail.com",
            "email.com",
            "gmx.net",
            "gmx.com",
            "me.com",
            "ymail.com",
            "hotmail.de",
            "outlook.dk",
            "weg.de",
            "aok.de",
            "gmx.be",
            "web.be",
            "example.com",
            "gmail.com",
            "live.de",
            "mail.de",
        ] {
            assert_eq!(typo_suggestion(real, &lists), None, "{real}");
        }
        let lists = HygieneLists {
            allowed_domains: ["gmial.com".to_string()].into(),
            ..Default::default()
        };
        assert_eq!(typo_suggestion("gmial.com", &lists), None);
    }

    #[test]
    fn alias_keys_follow_each_providers_rules() {
        let alias = |key: &str| mailbox(key, &mut [0; 256]).map(|(m, _)| m.to_string());
        assert_eq!(
            mailbox("a@gmail.com", &mut [0; 256]).unwrap().1.aliasing(),
            "ignores dots and +tags in the local part"
        );
        assert_eq!(alias(&format!("{}@gmail.com", "a".repeat(250))), None);
        assert_eq!(alias("a.b+news@gmail.com").as_deref(), Some("ab@gmail.com"));
        assert_eq!(alias("a.b@googlemail.com").as_deref(), Some("ab@gmail.com"));
        assert_eq!(
            alias("a.b+x@outlook.com").as_deref(),
            Some("a.b@outlook.com")
        );
        assert_eq!(alias("a.b@icloud.com").as_deref(), Some("a.b@icloud.com"));
        assert_eq!(alias("a.b+x@web.de"), None, "WEB.DE has no +tags");
        assert_eq!(alias("a.b+x@example.com"), None);
        assert_eq!(alias("+x@gmail.com"), None);
    }
}
