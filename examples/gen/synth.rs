//! A deterministic synthetic mailing list: a Mailchimp-style subscriber
//! export and a consent event log, with the noise real exports carry
//! (mixed case, stray spaces, duplicated rows and events, `+02:00` offsets,
//! quoted names, events for addresses that are in no export).
//!
//! Shared by the `gen` example, the benchmarks and the determinism tests.
//! The same `Params` give byte-identical files on any machine and for any
//! thread count: every chunk of `CHUNK` subscribers draws from its own
//! generator, seeded from the seed and the chunk number.

use std::fmt::Write as _;

use listaudit::consent::{Civil, Timestamp};

pub const SUBSCRIBER_HEADER: &str = "Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,NOTES,TAGS\n";
pub const CONSENT_HEADER: &str = "email,event,timestamp,purpose,source,ip\n";

/// Subscribers per independently seeded chunk; part of the data's identity.
pub const CHUNK: u64 = 10_000;

const DAY: i64 = 86_400;
const Y2016: i64 = 1_451_606_400;
/// Two years before the reference date 2025-01-01: the stale cut-off.
const Y2023: i64 = 1_672_531_200;
const Y2025: i64 = 1_735_689_600;

const FIRST: &[(&str, &str)] = &[
    ("Anna", "anna"),
    ("Ben", "ben"),
    ("Clara", "clara"),
    ("Dmitri", "dmitri"),
    ("Emma", "emma"),
    ("Felix", "felix"),
    ("Greta", "greta"),
    ("Hana", "hana"),
    ("Ines", "ines"),
    ("Jonas", "jonas"),
    ("Kofi", "kofi"),
    ("Lena", "lena"),
    ("Maëlle", "maelle"),
    ("Noor", "noor"),
    ("Oskar", "oskar"),
    ("Priya", "priya"),
    ("Rosa", "rosa"),
    ("Søren", "soren"),
    ("Tomás", "tomas"),
    ("Ula", "ula"),
    ("Wiktor", "wiktor"),
    ("Yuki", "yuki"),
    ("Zoë", "zoe"),
    ("Ana María", "anamaria"),
];
const LAST: &[(&str, &str)] = &[
    ("Müller", "mueller"),
    ("Schulz", "schulz"),
    ("Becker", "becker"),
    ("Dupont", "dupont"),
    ("Rossi", "rossi"),
    ("Kowalska", "kowalska"),
    ("Novák", "novak"),
    ("O'Neill", "oneill"),
    ("Silva", "silva"),
    ("Haddad", "haddad"),
    ("Tanaka", "tanaka"),
    ("Okafor", "okafor"),
    ("\"Lind, Jr.\"", "lindjr"),
    ("García Ruiz", "garciaruiz"),
    ("Nilsen", "nilsen"),
    ("\"de Vries, A.\"", "devries"),
];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "web.de",
    "gmx.de",
    "icloud.com",
    "proton.me",
    "orange.fr",
    "libero.it",
    "t-online.de",
    "mail.com",
    "northwind-traders.co.uk",
    "uni-musterstadt.de",
];
// TIMEZONE, CC, REGION, GMTOFF, DSTOFF, latitude, longitude (0 = unknown)
const PLACES: &[(&str, &str, &str, &str, &str, f64, f64)] = &[
    ("Europe/Berlin", "DE", "BE", "1", "2", 52.52, 13.40),
    ("Europe/Berlin", "DE", "BY", "1", "2", 48.14, 11.58),
    ("Europe/Paris", "FR", "IDF", "1", "2", 48.86, 2.35),
    ("Europe/London", "GB", "ENG", "0", "1", 51.51, -0.13),
    ("Europe/Madrid", "ES", "MD", "1", "2", 40.42, -3.70),
    ("Europe/Warsaw", "PL", "MZ", "1", "2", 52.23, 21.01),
    ("America/New_York", "US", "NY", "-5", "-4", 40.71, -74.01),
    ("Asia/Tokyo", "JP", "13", "9", "9", 35.68, 139.69),
    ("", "", "", "", "", 0.0, 0.0),
];
const NOTES: &[&str] = &[
    "met at trade fair",
    "\"VIP, ask before mailing\"",
    "from old CRM",
];
const TAGS: &[&str] = &[
    "\"\"\"customer\"\"\"",
    "\"\"\"lead\"\",\"\"b2b\"\"\"",
    "\"\"\"webinar\"\"\"",
];
const PURPOSES: &[&str] = &[
    "newsletter",
    "newsletter",
    "newsletter",
    "newsletter",
    "newsletter",
    "newsletter",
    "product_updates",
    "product_updates",
    "partner_offers",
];
const OPTIN_SOURCES: &[&str] = &[
    "web_form",
    "web_form",
    "web_form",
    "web_form",
    "checkout",
    "checkout",
    "import",
    "sweepstake",
];
const WITHDRAW_SOURCES: &[&str] = &["unsubscribe_link", "unsubscribe_link", "preference_center"];
const ERASURE_SOURCES: &[&str] = &["privacy_portal", "support"];

/// What the generated data should look like.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    pub subscribers: u64,
    /// Average consent events per subscriber that has any.
    pub events_per_subscriber: u32,
    pub seed: u64,
}

/// What a subscriber's consent history is, drawn per subscriber.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// No event at all: no provable opt-in.
    NoEvents,
    /// Consent, then a later withdrawal.
    Withdrawn,
    /// Consent, then an erasure request.
    Erasure,
    /// Latest consent more than two years before 2025-01-01.
    Stale,
    /// Consent events without a purpose.
    NoPurpose,
    /// Consent, withdrawal, then a new opt-in: clean.
    Reoptin,
    Clean,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::NoEvents,
        Category::Withdrawn,
        Category::Erasure,
        Category::Stale,
        Category::NoPurpose,
        Category::Reoptin,
        Category::Clean,
    ];

    fn draw(u: f64) -> Category {
        match u {
            u if u < 0.05 => Category::NoEvents,
            u if u < 0.08 => Category::Withdrawn,
            u if u < 0.09 => Category::Erasure,
            u if u < 0.19 => Category::Stale,
            u if u < 0.23 => Category::NoPurpose,
            u if u < 0.25 => Category::Reoptin,
            _ => Category::Clean,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Category::NoEvents => "no_events",
            Category::Withdrawn => "withdrawn",
            Category::Erasure => "erasure",
            Category::Stale => "stale",
            Category::NoPurpose => "no_purpose",
            Category::Reoptin => "reoptin",
            Category::Clean => "clean",
        }
    }
}

/// Counts that describe one chunk, or (added up) the whole dataset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub subscriber_rows: u64,
    pub duplicate_subscriber_rows: u64,
    pub event_rows: u64,
    pub duplicate_event_rows: u64,
    pub unknown_addresses: u64,
    pub categories: [u64; 7],
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.subscriber_rows += other.subscriber_rows;
        self.duplicate_subscriber_rows += other.duplicate_subscriber_rows;
        self.event_rows += other.event_rows;
        self.duplicate_event_rows += other.duplicate_event_rows;
        self.unknown_addresses += other.unknown_addresses;
        for (sum, n) in self.categories.iter_mut().zip(other.categories) {
            *sum += n;
        }
    }
}

/// SplitMix64: tiny, fast and fully specified, so the data does not change
/// when a dependency's generator does.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo) as u64) as i64
    }
}

struct Event {
    kind: &'static str,
    time: i64,
    purpose: &'static str,
    source: &'static str,
}

/// `n` alternating opt-ins and confirmations, the last one at `last`.
fn consent_history(
    rng: &mut Rng,
    n: u32,
    last: i64,
    purpose: &'static str,
    blank: bool,
) -> Vec<Event> {
    let mut times = vec![0; n as usize];
    let mut t = last;
    for i in (0..n as usize).rev() {
        times[i] = t;
        t -= if i % 2 == 1 {
            // a confirmation follows its opt-in within minutes or hours
            30 + rng.between(0, 7_200)
        } else {
            DAY + rng.between(0, 400 * DAY)
        };
    }
    let mut purpose = purpose;
    let mut source = *rng.pick(OPTIN_SOURCES);
    times
        .into_iter()
        .enumerate()
        .map(|(i, time)| {
            let confirm = i % 2 == 1;
            if !confirm && i > 0 {
                purpose = *rng.pick(PURPOSES);
                source = *rng.pick(OPTIN_SOURCES);
            }
            Event {
                kind: if confirm { "confirm" } else { "opt_in" },
                time,
                purpose: if blank { "" } else { purpose },
                source: if confirm {
                    "double_opt_in_link"
                } else {
                    source
                },
            }
        })
        .collect()
}

fn history(rng: &mut Rng, category: Category, k: u32) -> Vec<Event> {
    let purpose = *rng.pick(PURPOSES);
    let fresh = rng.between(Y2023 + DAY, Y2025 - 60 * DAY);
    let revoked = |rng: &mut Rng, kind, purpose, source| {
        let mut events = consent_history(rng, k.saturating_sub(1).max(1), fresh, purpose, false);
        let time = fresh + 3_600 + rng.between(0, 50 * DAY);
        events.push(Event {
            kind,
            time,
            purpose,
            source,
        });
        events
    };
    match category {
        Category::NoEvents => Vec::new(),
        Category::Clean => consent_history(rng, k, fresh, purpose, false),
        Category::NoPurpose => consent_history(rng, k, fresh, purpose, true),
        Category::Stale => {
            let last = rng.between(Y2016, Y2023 - DAY);
            consent_history(rng, k, last, purpose, false)
        }
        Category::Withdrawn => {
            // An unsubscribe link withdraws from everything the sender
            // mails: it names no purpose.
            let source = *rng.pick(WITHDRAW_SOURCES);
            revoked(rng, "withdraw", "", source)
        }
        Category::Erasure => {
            let source = *rng.pick(ERASURE_SOURCES);
            revoked(rng, "erasure_request", "", source)
        }
        Category::Reoptin => {
            let withdrawn = fresh - DAY - rng.between(0, 100 * DAY);
            let first = withdrawn - DAY - rng.between(0, 300 * DAY);
            let mut events =
                consent_history(rng, k.saturating_sub(2).max(1), first, purpose, false);
            let source = *rng.pick(WITHDRAW_SOURCES);
            events.push(Event {
                kind: "withdraw",
                time: withdrawn,
                purpose: "",
                source,
            });
            events.push(Event {
                kind: "opt_in",
                time: fresh,
                purpose: "newsletter",
                source: "web_form",
            });
            events
        }
    }
}

/// `2024-03-01T09:30:00Z`, or about one in twenty with a `+02:00` offset.
fn write_rfc3339(out: &mut String, time: i64, rng: &mut Rng) {
    let (shifted, suffix) = if rng.below(20) == 0 {
        (time + 7_200, "+02:00")
    } else {
        (time, "Z")
    };
    let Civil {
        year: y,
        month: m,
        day: d,
        second: s,
    } = Timestamp::from_unix(shifted).civil();
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{suffix}",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
}

/// Mailchimp's export form, `2024-03-01 09:30:00`.
fn write_mailchimp_time(out: &mut String, time: i64) {
    let Civil {
        year: y,
        month: m,
        day: d,
        second: s,
    } = Timestamp::from_unix(time).civil();
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
}

fn write_ip(out: &mut String, rng: &mut Rng) {
    let x = rng.next();
    let _ = write!(
        out,
        "{}.{}.{}.{}",
        x % 223 + 1,
        (x >> 8) & 255,
        (x >> 16) & 255,
        (x >> 24) & 255
    );
}

/// The address as some tool wrote it: mostly as typed, sometimes with
/// capitals or stray spaces that normalization must undo.
fn write_address(out: &mut String, local: &str, domain: &str, rng: &mut Rng) {
    let pad = match rng.below(50) {
        0 => " ",
        1 => "  ",
        _ => "",
    };
    out.push_str(pad);
    match rng.below(20) {
        0..=15 => {
            let _ = write!(out, "{local}@{domain}");
        }
        16 | 17 => {
            let mut chars = local.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
            let _ = write!(out, "@{domain}");
        }
        18 => {
            let _ = write!(out, "{local}@{}", domain.to_uppercase());
        }
        _ => {
            let _ = write!(out, "{}@{}", local.to_uppercase(), domain.to_uppercase());
        }
    }
    out.push_str(if pad.is_empty() && rng.below(50) == 0 {
        " "
    } else {
        ""
    });
}

fn write_events(
    out: &mut String,
    local: &str,
    domain: &str,
    events: &[Event],
    ip: &str,
    rng: &mut Rng,
    tally: &mut Tally,
) {
    for event in events {
        let start = out.len();
        write_address(out, local, domain, rng);
        let _ = write!(out, ",{},", event.kind);
        write_rfc3339(out, event.time, rng);
        let _ = write!(out, ",{},{},", event.purpose, event.source);
        if event.source == "import" {
        } else if event.kind == "opt_in" && rng.below(10) < 7 {
            out.push_str(ip);
        } else {
            write_ip(out, rng);
        }
        out.push('\n');
        tally.event_rows += 1;
        if rng.below(100) == 0 {
            let line = out[start..].to_string();
            out.push_str(&line);
            tally.event_rows += 1;
            tally.duplicate_event_rows += 1;
        }
    }
}

/// One chunk of subscribers `[start, start + n)`: its export rows and its
/// consent-log lines (shuffled, as logs merged from several tools are).
pub fn chunk(params: &Params, index: u64) -> (String, String, Tally) {
    let start = index * CHUNK;
    let n = CHUNK.min(params.subscribers.saturating_sub(start));
    let mut rng = Rng(params.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ index);
    let k = params.events_per_subscriber.max(1);
    let mut tally = Tally::default();
    let mut rows = String::with_capacity(n as usize * 200);
    let mut log = String::with_capacity(n as usize * k as usize * 120);
    let mut ip = String::new();
    for i in start..start + n {
        let (first, first_ascii) = *rng.pick(FIRST);
        let (last, last_ascii) = *rng.pick(LAST);
        let domain = *rng.pick(DOMAINS);
        let local = format!("{first_ascii}.{last_ascii}{i}");
        let category = Category::draw(rng.unit());
        tally.categories[Category::ALL
            .iter()
            .position(|c| *c == category)
            .unwrap_or(6)] += 1;
        let minimum = match category {
            Category::Reoptin => 3,
            Category::Withdrawn | Category::Erasure => 2,
            _ => 1,
        };
        let count = (k - 1 + rng.below(3) as u32).max(minimum);
        let events = history(&mut rng, category, count);
        ip.clear();
        write_ip(&mut ip, &mut rng);
        write_events(&mut log, &local, domain, &events, &ip, &mut rng, &mut tally);

        // Contacts imported without an opt-in have no OPTIN_TIME, as in
        // Mailchimp's exports.
        let optin = events.first().map(|e| e.time);
        let changed = optin.unwrap_or(Y2023) + rng.between(0, Y2023 - Y2016);
        let (zone, country, region, gmt, dst, lat, lon) = *rng.pick(PLACES);
        let mut rest = String::with_capacity(160);
        let _ = write!(rest, ",{first},{last},{},", 1 + rng.below(5));
        match optin {
            Some(optin) => {
                write_mailchimp_time(&mut rest, optin);
                let _ = write!(rest, ",{ip},");
                if rng.below(10) < 6 {
                    write_mailchimp_time(&mut rest, optin + 60 + rng.between(0, 3_600));
                    let _ = write!(rest, ",{ip},");
                } else {
                    rest.push_str(",,");
                }
            }
            None => rest.push_str(",,,,"),
        }
        if lat != 0.0 {
            let _ = write!(
                rest,
                "{:.7},{:.7}",
                lat + (rng.unit() - 0.5) * 0.2,
                lon + (rng.unit() - 0.5) * 0.2
            );
        } else {
            rest.push(',');
        }
        let _ = write!(rest, ",{gmt},{dst},{zone},{country},{region},");
        write_mailchimp_time(&mut rest, changed.min(Y2025 - DAY));
        let note = if rng.below(20) == 0 {
            *rng.pick(NOTES)
        } else {
            ""
        };
        let tags = if rng.below(2) == 0 {
            *rng.pick(TAGS)
        } else {
            ""
        };
        let euid = (i.wrapping_mul(2_654_435_761) ^ params.seed) & 0xFF_FFFF_FFFF;
        let _ = writeln!(rest, ",{},{euid:010x},{note},{tags}", 100_000_000 + i);
        write_address(&mut rows, &local, domain, &mut rng);
        rows.push_str(&rest);
        tally.subscriber_rows += 1;
        if rng.below(200) == 0 {
            // imported twice, the second time in capitals
            let _ = write!(rows, "{}@{domain}{rest}", local.to_uppercase());
            tally.subscriber_rows += 1;
            tally.duplicate_subscriber_rows += 1;
        }
    }
    // About a fifth of a real log is about people who are not on this list.
    let target = tally.event_rows / 4;
    let mut made = 0;
    while made < target {
        let (_, first_ascii) = *rng.pick(FIRST);
        let (_, last_ascii) = *rng.pick(LAST);
        let domain = *rng.pick(DOMAINS);
        let local = format!(
            "{first_ascii}.{last_ascii}.c{index}x{}",
            tally.unknown_addresses
        );
        tally.unknown_addresses += 1;
        let category = match rng.below(10) {
            0 => Category::Withdrawn,
            1 | 2 => Category::Stale,
            _ => Category::Clean,
        };
        let count = (k - 1 + rng.below(3) as u32).max(2);
        let events = history(&mut rng, category, count);
        ip.clear();
        write_ip(&mut ip, &mut rng);
        let before = tally.event_rows;
        write_events(&mut log, &local, domain, &events, &ip, &mut rng, &mut tally);
        made += tally.event_rows - before;
    }
    (rows, shuffle_lines(log, &mut rng), tally)
}

fn shuffle_lines(log: String, rng: &mut Rng) -> String {
    let mut lines: Vec<&str> = log.split_inclusive('\n').collect();
    for i in (1..lines.len()).rev() {
        lines.swap(i, rng.below(i as u64 + 1) as usize);
    }
    lines.concat()
}

/// Number of chunks for `params`.
pub fn chunks(params: &Params) -> u64 {
    params.subscribers.div_ceil(CHUNK)
}
