//! Timestamps as consent logs and exports write them.
//!
//! Every instant is kept as whole seconds since the Unix epoch, UTC. A value
//! without a zone (`2024-03-01 10:00:00`, `01.03.2024`) is read as UTC: that
//! is what the exporting tools mean most of the time, and the report says so.

use std::fmt;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;

/// An instant, in whole seconds since 1970-01-01T00:00:00Z.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_unix(seconds: i64) -> Timestamp {
        Timestamp(seconds)
    }

    pub const fn unix(self) -> i64 {
        self.0
    }

    /// The instant `months` calendar months earlier (day clamped to the
    /// month's end, as SQL's `INTERVAL n MONTH` does).
    pub fn months_earlier(self, months: u32) -> Timestamp {
        let Some(date_time) = DateTime::from_timestamp(self.0, 0) else {
            return self;
        };
        match date_time.checked_sub_months(Months::new(months)) {
            Some(earlier) => Timestamp(earlier.timestamp()),
            None => Timestamp(i64::MIN),
        }
    }

    /// The current time, truncated to the second.
    pub fn now() -> Timestamp {
        Timestamp(chrono::Utc::now().timestamp())
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Timestamp) -> i64 {
        (later.0 - self.0).div_euclid(86_400)
    }

    /// Whole calendar months from `self` to `later` (0 when `later` is earlier):
    /// the largest `n` with `self` plus `n` months (day clamped to the
    /// month's end) not after `later`.
    pub fn whole_months_until(self, later: Timestamp) -> u32 {
        let (Some(start), Some(end)) = (
            DateTime::from_timestamp(self.0, 0),
            DateTime::from_timestamp(later.0, 0),
        ) else {
            return 0;
        };
        let apart = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
        let Ok(apart) = u32::try_from(apart) else {
            return 0;
        };
        // Adding months is monotonic and `apart - 1` months lands in an
        // earlier calendar month than `later`: the answer is one of two.
        match start.checked_add_months(Months::new(apart)) {
            Some(next) if next <= end => apart,
            _ => apart.saturating_sub(1),
        }
    }
}

/// A calendar month, numbered `year * 12 + month - 1`: consecutive months
/// are consecutive numbers, so a range of them is a plain integer range.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(pub i64);

impl Month {
    pub fn year(self) -> i64 {
        self.0.div_euclid(12)
    }

    /// 1 to 12.
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }
}

impl fmt::Display for Month {
    /// `2025-03`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// A UTC date and the second of its day.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    /// 0 to 86,399.
    pub second: u32,
}

impl Timestamp {
    /// The UTC date of the instant, computed arithmetically (Howard
    /// Hinnant's `civil_from_days`): it runs once per consent event, where
    /// going through chrono would build a validated date-time each time.
    pub fn civil(self) -> Civil {
        let days = self.0.div_euclid(86_400);
        let second = self.0.rem_euclid(86_400) as u32;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        } as u32;
        Civil {
            year: year_of_era + era * 400 + i64::from(month <= 2),
            month,
            day,
            second,
        }
    }

    /// The UTC calendar month of the instant.
    pub fn month(self) -> Month {
        let civil = self.civil();
        Month(civil.year * 12 + i64::from(civil.month) - 1)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with a `Z`, e.g. `2025-01-01T00:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match DateTime::from_timestamp(self.0, 0) {
            // Fields written directly: formatting with a strftime pattern
            // parses the pattern on every call, and messages quote
            // timestamps on most rows.
            Some(dt) if (0..=9999).contains(&dt.year()) => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second()
            ),
            Some(dt) => write!(f, "{}", dt.format("%Y-%m-%dT%H:%M:%SZ")),
            None => write!(f, "@{}", self.0),
        }
    }
}

/// How to read a slash or dash date whose first two numbers could both be a
/// day or a month (`01/02/2025`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DateOrder {
    DayFirst,
    MonthFirst,
}

/// How to read timestamps that do not say everything themselves.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct TimeRules {
    /// The order of an ambiguous slash or dash date.
    pub order: Option<DateOrder>,
    /// The zone of values without one (`--timezone`); UTC when `None`.
    pub zone: Option<Tz>,
}

impl TimeRules {
    /// These rules, with `order` used when they name none.
    pub fn or_order(self, order: Option<DateOrder>) -> TimeRules {
        TimeRules {
            order: self.order.or(order),
            zone: self.zone,
        }
    }
}

/// Parses an IANA zone name (`Europe/Berlin`) for `--timezone`.
pub fn parse_zone(name: &str) -> Option<Tz> {
    name.trim().parse().ok()
}

/// Why a timestamp could not be read. The message is shown in D001 findings.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("not a recognised date or time format")]
    Unrecognised,
    #[error("day and month are ambiguous (both 12 or less); the policy names no date order")]
    AmbiguousDayMonth,
    #[error("no such date or time")]
    OutOfRange,
    #[error(
        "a number of {0} digits is neither epoch seconds (9 to 11 digits) nor milliseconds (12 to 14)"
    )]
    ImplausibleEpoch(usize),
}

/// Parses one timestamp cell. `Ok(None)` means the cell is empty.
///
/// Accepted: RFC 3339 and ISO 8601 date-times (`T` or space, optional
/// fraction, `Z`/`UTC`/`GMT` or a numeric offset), naive date-times (UTC),
/// dates (UTC midnight), `YYYY/MM/DD`, `DD.MM.YYYY[ HH:MM[:SS]]`,
/// `DD/MM/YYYY` and `MM/DD/YYYY` where unambiguous or ordered by `order`,
/// and epoch seconds or milliseconds, told apart by their number of digits.
pub fn parse_timestamp(
    cell: &str,
    order: Option<DateOrder>,
) -> Result<Option<Timestamp>, TimestampError> {
    parse_timestamp_with(cell, TimeRules { order, zone: None })
}

/// [`parse_timestamp`] with a zone for naive values. Also accepted: a
/// 12-hour clock (`2024/03/14, 09:12AM`, Sendy) and a zone abbreviation
/// after a numeric offset (`+0100 CET`, Go's `time.String()`).
pub fn parse_timestamp_with(
    cell: &str,
    rules: TimeRules,
) -> Result<Option<Timestamp>, TimestampError> {
    let order = rules.order;
    let text = cell.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bytes = text.as_bytes();
    if bytes.iter().all(u8::is_ascii_digit) {
        return parse_epoch(text).map(Some);
    }
    let mut cursor = Cursor::new(bytes);
    let date = if bytes.len() >= 5 && bytes[..4].iter().all(u8::is_ascii_digit) {
        parse_year_first_date(&mut cursor)?
    } else {
        parse_day_or_month_first_date(&mut cursor, order)?
    };
    let time = parse_optional_time(&mut cursor)?;
    let offset_seconds = parse_optional_zone(&mut cursor)?;
    if !cursor.at_end() {
        return Err(TimestampError::Unrecognised);
    }
    let naive = NaiveDateTime::new(date, time);
    match (offset_seconds, rules.zone) {
        (Some(offset), _) => Ok(Some(Timestamp(naive.and_utc().timestamp() - offset))),
        (None, None) => Ok(Some(Timestamp(naive.and_utc().timestamp()))),
        (None, Some(zone)) => local_to_utc(naive, zone).map(Some),
    }
}

/// A wall-clock time in `zone` as an instant: the earlier one when clocks
/// go back, and the time an hour later when it falls in a spring gap.
fn local_to_utc(naive: NaiveDateTime, zone: Tz) -> Result<Timestamp, TimestampError> {
    let resolved = zone.from_local_datetime(&naive).earliest().or_else(|| {
        zone.from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
    });
    resolved
        .map(|dt| Timestamp(dt.timestamp()))
        .ok_or(TimestampError::OutOfRange)
}

fn parse_epoch(digits: &str) -> Result<Timestamp, TimestampError> {
    let value: i64 = digits.parse().map_err(|_| TimestampError::OutOfRange)?;
    match digits.trim_start_matches('0').len() {
        9..=11 => Ok(Timestamp(value)),
        12..=14 => Ok(Timestamp(value.div_euclid(1000))),
        n => Err(TimestampError::ImplausibleEpoch(n)),
    }
}

fn parse_year_first_date(c: &mut Cursor<'_>) -> Result<NaiveDate, TimestampError> {
    let year = c.number(4, 4)?;
    let separator = c.one_of(b"-/")?;
    let month = c.number(1, 2)?;
    c.expect(separator)?;
    let day = c.number(1, 2)?;
    make_date(year, month, day)
}

fn parse_day_or_month_first_date(
    c: &mut Cursor<'_>,
    order: Option<DateOrder>,
) -> Result<NaiveDate, TimestampError> {
    let first = c.number(1, 2)?;
    let separator = c.one_of(b"./-")?;
    let second = c.number(1, 2)?;
    c.expect(separator)?;
    let year = c.number(4, 4)?;
    // A dotted date is day-first everywhere it is written (de, fr, ...).
    let day_first = if separator == b'.' || first > 12 {
        true
    } else if second > 12 || first == second {
        false
    } else {
        match order {
            Some(DateOrder::DayFirst) => true,
            Some(DateOrder::MonthFirst) => false,
            None => return Err(TimestampError::AmbiguousDayMonth),
        }
    };
    let (day, month) = if day_first {
        (first, second)
    } else {
        (second, first)
    };
    make_date(year, month, day)
}

fn make_date(year: u32, month: u32, day: u32) -> Result<NaiveDate, TimestampError> {
    NaiveDate::from_ymd_opt(year as i32, month, day).ok_or(TimestampError::OutOfRange)
}

fn parse_optional_time(c: &mut Cursor<'_>) -> Result<NaiveTime, TimestampError> {
    let save = c.pos;
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ') || c.eat(b',')) {
        return Ok(NaiveTime::MIN);
    }
    while c.eat(b' ') {}
    if !c.peek().is_some_and(|b| b.is_ascii_digit()) {
        // `2024-03-01 UTC`: a zone after a bare date.
        c.pos = save;
        return Ok(NaiveTime::MIN);
    }
    let mut hour = c.number(1, 2)?;
    c.expect(b':')?;
    let minute = c.number(2, 2)?;
    let second = if c.eat(b':') { c.number(2, 2)? } else { 0 };
    if c.eat(b'.') || c.eat(b',') {
        if !c.peek().is_some_and(|b| b.is_ascii_digit()) {
            return Err(TimestampError::Unrecognised);
        }
        while c.peek().is_some_and(|b| b.is_ascii_digit()) {
            c.pos += 1;
        }
    }
    let before_meridiem = c.pos;
    while c.eat(b' ') {}
    let rest = &c.bytes[c.pos..];
    let meridiem = [b"AM", b"PM"]
        .iter()
        .position(|m| rest.len() >= 2 && rest[..2].eq_ignore_ascii_case(*m));
    match meridiem {
        Some(pm) => {
            if !(1..=12).contains(&hour) {
                return Err(TimestampError::OutOfRange);
            }
            hour = hour % 12 + if pm == 1 { 12 } else { 0 };
            c.pos += 2;
        }
        None => c.pos = before_meridiem,
    }
    NaiveTime::from_hms_opt(hour, minute, second).ok_or(TimestampError::OutOfRange)
}

/// Returns the zone's offset east of UTC in seconds, `None` when the value
/// names no zone.
fn parse_optional_zone(c: &mut Cursor<'_>) -> Result<Option<i64>, TimestampError> {
    while c.eat(b' ') {}
    let mut offset = None;
    match c.peek() {
        Some(b'Z' | b'z') => {
            c.pos += 1;
            return Ok(Some(0));
        }
        Some(sign @ (b'+' | b'-')) => {
            c.pos += 1;
            let hours = i64::from(c.number(2, 2)?);
            let has_minutes = c.eat(b':') || c.peek().is_some_and(|b| b.is_ascii_digit());
            let minutes = if has_minutes {
                i64::from(c.number(2, 2)?)
            } else {
                0
            };
            if hours > 23 || minutes > 59 {
                return Err(TimestampError::OutOfRange);
            }
            offset = Some((hours * 3600 + minutes * 60) * if sign == b'-' { -1 } else { 1 });
            while c.eat(b' ') {}
        }
        _ => {}
    }
    let rest = &c.bytes[c.pos..];
    if rest.eq_ignore_ascii_case(b"UTC") || rest.eq_ignore_ascii_case(b"GMT") {
        // A zone name that is UTC (`+0000 UTC`, `10:00 GMT`).
        c.pos = c.bytes.len();
        return Ok(Some(offset.unwrap_or(0)));
    }
    // After a numeric offset, Go writes the zone's abbreviation
    // (`+0100 CET`); the offset already says everything.
    if offset.is_some() && (2..=5).contains(&rest.len()) && rest.iter().all(u8::is_ascii_alphabetic)
    {
        c.pos = c.bytes.len();
    }
    Ok(offset)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Cursor<'a> {
        Cursor { bytes, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), TimestampError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(TimestampError::Unrecognised)
        }
    }

    fn one_of(&mut self, set: &[u8]) -> Result<u8, TimestampError> {
        match self.peek() {
            Some(b) if set.contains(&b) => {
                self.pos += 1;
                Ok(b)
            }
            _ => Err(TimestampError::Unrecognised),
        }
    }

    /// Reads between `min` and `max` ASCII digits.
    fn number(&mut self, min: usize, max: usize) -> Result<u32, TimestampError> {
        let start = self.pos;
        while self.pos - start < max && self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = &self.bytes[start..self.pos];
        if digits.len() < min {
            return Err(TimestampError::Unrecognised);
        }
        Ok(digits
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    }
}

/// Parses `--as-of`: RFC 3339 with a zone, or `YYYY-MM-DD` (UTC midnight).
pub fn parse_as_of(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(Timestamp(dt.timestamp()));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .map(|d| Timestamp(d.and_time(NaiveTime::MIN).and_utc().timestamp()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_and_months_agree_with_chrono() {
        let mut seconds = -5_000_000_000i64;
        while seconds < 8_000_000_000 {
            let t = Timestamp::from_unix(seconds);
            let dt = DateTime::from_timestamp(seconds, 0).unwrap();
            let month = t.month();
            assert_eq!(
                (month.year(), month.month()),
                (i64::from(dt.year()), dt.month()),
                "{seconds}"
            );
            let civil = t.civil();
            assert_eq!(
                (civil.year, civil.month, civil.day, civil.second),
                (
                    i64::from(dt.year()),
                    dt.month(),
                    dt.day(),
                    dt.num_seconds_from_midnight()
                ),
                "{seconds}"
            );
            seconds += 86_399 * 7 + 3_601;
        }
        assert_eq!(Timestamp::from_unix(0).month().to_string(), "1970-01");
        assert_eq!(Timestamp::from_unix(-1).month().to_string(), "1969-12");
        assert_eq!(
            Timestamp::from_unix(951_782_400).month().to_string(),
            "2000-02",
            "29 February 2000"
        );
    }

    use proptest::prelude::*;

    /// Month by month, as the definition says.
    fn months_by_counting(start: Timestamp, end: Timestamp) -> u32 {
        let start = DateTime::from_timestamp(start.unix(), 0).unwrap();
        let end = DateTime::from_timestamp(end.unix(), 0).unwrap();
        let mut months = 0;
        while let Some(next) = start.checked_add_months(Months::new(months + 1)) {
            if next > end {
                break;
            }
            months += 1;
        }
        months
    }

    proptest! {
        #[test]
        fn whole_months_match_counting_month_by_month(
            start in 0i64..4_102_444_800, span in -100_000_000i64..400_000_000
        ) {
            let (start, end) = (Timestamp::from_unix(start), Timestamp::from_unix(start + span));
            prop_assert_eq!(start.whole_months_until(end), months_by_counting(start, end));
        }

        #[test]
        fn display_matches_chrono_rfc3339(seconds in -62_135_596_800i64..253_402_300_799) {
            let expected = DateTime::from_timestamp(seconds, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            prop_assert_eq!(Timestamp::from_unix(seconds).to_string(), expected);
        }
    }

    #[test]
    fn whole_months_clamp_to_the_end_of_short_months() {
        let ts = |text: &str| parse_timestamp(text, None).unwrap().unwrap();
        // Jan 31 plus one month is Feb 29 (2024): a month has passed on
        // Feb 29, not on Feb 28.
        assert_eq!(ts("2024-01-31").whole_months_until(ts("2024-02-28")), 0);
        assert_eq!(ts("2024-01-31").whole_months_until(ts("2024-02-29")), 1);
        assert_eq!(
            ts("2024-01-31T12:00:00Z").whole_months_until(ts("2024-02-29")),
            0
        );
        assert_eq!(ts("2024-03-31").whole_months_until(ts("2024-04-30")), 1);
    }

    use super::*;

    fn ts(cell: &str) -> Timestamp {
        parse_timestamp(cell, None)
            .unwrap_or_else(|e| panic!("{cell:?}: {e}"))
            .unwrap_or_else(|| panic!("{cell:?}: empty"))
    }

    fn iso(cell: &str) -> String {
        ts(cell).to_string()
    }

    #[test]
    fn rfc3339_with_zones() {
        assert_eq!(iso("2024-03-01T10:00:00Z"), "2024-03-01T10:00:00Z");
        assert_eq!(iso("2024-03-01T12:00:00+02:00"), "2024-03-01T10:00:00Z");
        assert_eq!(iso("2024-03-01T05:30:00-04:30"), "2024-03-01T10:00:00Z");
        assert_eq!(iso("2024-03-01t10:00:00z"), "2024-03-01T10:00:00Z");
        assert_eq!(iso("2018-08-27T15:06:27.713Z"), "2018-08-27T15:06:27Z");
        assert_eq!(iso("2024-03-01 12:00:00+0200"), "2024-03-01T10:00:00Z");
        assert_eq!(iso("2024-03-01T12:00:00+02"), "2024-03-01T10:00:00Z");
    }

    #[test]
    fn naive_values_are_utc() {
        assert_eq!(iso("2018-02-12 17:59:31"), "2018-02-12T17:59:31Z");
        assert_eq!(iso("2018-02-12T17:59"), "2018-02-12T17:59:00Z");
        assert_eq!(iso("2018-02-12"), "2018-02-12T00:00:00Z");
        assert_eq!(iso("2018/02/12"), "2018-02-12T00:00:00Z");
        assert_eq!(iso("  2018-02-12 17:59:31  "), "2018-02-12T17:59:31Z");
    }

    #[test]
    fn zone_names_that_mean_utc() {
        assert_eq!(iso("2023-03-24 10:23:10 UTC"), "2023-03-24T10:23:10Z");
        assert_eq!(iso("2021-02-04 07:55:20 +0000"), "2021-02-04T07:55:20Z");
        assert_eq!(
            iso("2024-03-14 09:12:31.123456 +0000 UTC"),
            "2024-03-14T09:12:31Z"
        );
        assert_eq!(iso("2024-03-14 GMT"), "2024-03-14T00:00:00Z");
    }

    #[test]
    fn dotted_dates_are_day_first() {
        assert_eq!(iso("01.02.2025"), "2025-02-01T00:00:00Z");
        assert_eq!(iso("1.2.2025 09:05"), "2025-02-01T09:05:00Z");
        assert_eq!(iso("31.12.2024 23:59:59"), "2024-12-31T23:59:59Z");
    }

    #[test]
    fn slash_dates_only_when_unambiguous() {
        assert_eq!(iso("13/02/2025"), "2025-02-13T00:00:00Z");
        assert_eq!(iso("02/13/2025"), "2025-02-13T00:00:00Z");
        assert_eq!(iso("05/05/2025"), "2025-05-05T00:00:00Z");
        assert_eq!(iso("18-06-2024"), "2024-06-18T00:00:00Z");
        assert_eq!(
            parse_timestamp("01/02/2025", None),
            Err(TimestampError::AmbiguousDayMonth)
        );
        let day_first = parse_timestamp("01/02/2025", Some(DateOrder::DayFirst));
        assert_eq!(
            day_first.unwrap().unwrap().to_string(),
            "2025-02-01T00:00:00Z"
        );
        let month_first = parse_timestamp("01/02/2025", Some(DateOrder::MonthFirst));
        assert_eq!(
            month_first.unwrap().unwrap().to_string(),
            "2025-01-02T00:00:00Z"
        );
    }

    #[test]
    fn epoch_seconds_and_milliseconds_by_magnitude() {
        assert_eq!(iso("1517447315"), "2018-02-01T01:08:35Z");
        assert_eq!(iso("1517447315404"), "2018-02-01T01:08:35Z");
        assert_eq!(iso("999999999"), "2001-09-09T01:46:39Z");
        assert_eq!(
            parse_timestamp("20240301", None),
            Err(TimestampError::ImplausibleEpoch(8))
        );
        assert_eq!(
            parse_timestamp("0", None),
            Err(TimestampError::ImplausibleEpoch(0))
        );
    }

    #[test]
    fn empty_is_not_an_error() {
        assert_eq!(parse_timestamp("", None), Ok(None));
        assert_eq!(parse_timestamp("   ", None), Ok(None));
    }

    #[test]
    fn garbage_and_impossible_dates_are_errors() {
        for bad in [
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "2024-02-01T25:00:00Z",
            "2024-02-01T10:00:00+25:00",
            "2024-02-01 10:00:00 CEST",
            "2024-02-01T10",
            "2024-02-01T10:00:00.Z",
            "32.01.2024",
            "2024-1-",
            "--",
        ] {
            assert!(parse_timestamp(bad, None).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn as_of_accepts_rfc3339_and_plain_dates() {
        assert_eq!(
            parse_as_of("2025-01-01").unwrap().to_string(),
            "2025-01-01T00:00:00Z"
        );
        assert_eq!(
            parse_as_of("2025-01-01T12:00:00+01:00")
                .unwrap()
                .to_string(),
            "2025-01-01T11:00:00Z"
        );
        assert_eq!(parse_as_of("2025-1-1"), None);
        assert_eq!(parse_as_of("tomorrow"), None);
        assert_eq!(parse_as_of("2025-01-01 10:00"), None);
    }

    #[test]
    fn calendar_month_arithmetic() {
        let as_of = ts("2025-01-01T00:00:00Z");
        assert_eq!(as_of.months_earlier(24).to_string(), "2023-01-01T00:00:00Z");
        let end_of_march = ts("2025-03-31T08:00:00Z");
        assert_eq!(
            end_of_march.months_earlier(1).to_string(),
            "2025-02-28T08:00:00Z"
        );
        assert_eq!(ts("2023-01-01").whole_months_until(as_of), 24);
        assert_eq!(ts("2023-01-02").whole_months_until(as_of), 23);
        assert_eq!(as_of.whole_months_until(ts("2020-01-01")), 0);
        assert_eq!(ts("2024-12-01").days_until(as_of), 31);
    }

    fn at(cell: &str, rules: TimeRules) -> String {
        parse_timestamp_with(cell, rules)
            .unwrap()
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_export_timestamp_zoo() {
        let utc = TimeRules::default();
        for (cell, expected) in [
            ("2018-02-12 17:59:31", "2018-02-12T17:59:31Z"),
            ("2024/03/14, 09:12AM", "2024-03-14T09:12:00Z"),
            ("2024/03/14, 09:12PM", "2024-03-14T21:12:00Z"),
            ("2024/03/14, 12:05AM", "2024-03-14T00:05:00Z"),
            ("2024/03/14, 12:05PM", "2024-03-14T12:05:00Z"),
            ("2018-08-27T15:06:27.713Z", "2018-08-27T15:06:27Z"),
            (
                "2024-03-14 09:12:31.123456 +0000 UTC",
                "2024-03-14T09:12:31Z",
            ),
            (
                "2024-03-14 09:12:31.123456 +0100 CET",
                "2024-03-14T08:12:31Z",
            ),
            ("2023-03-24 10:23:10 UTC", "2023-03-24T10:23:10Z"),
            ("2021-02-04 07:55:20 +0000", "2021-02-04T07:55:20Z"),
            ("18-06-2024", "2024-06-18T00:00:00Z"),
            ("1517447315", "2018-02-01T01:08:35Z"),
            ("1517447315404", "2018-02-01T01:08:35Z"),
        ] {
            assert_eq!(at(cell, utc), expected, "{cell}");
        }
        assert_eq!(
            parse_timestamp_with("2024/03/14, 13:12PM", utc),
            Err(TimestampError::OutOfRange)
        );
        assert_eq!(
            parse_timestamp_with("05-06-2024", utc),
            Err(TimestampError::AmbiguousDayMonth)
        );
        let day_first = TimeRules::default().or_order(Some(DateOrder::DayFirst));
        assert_eq!(at("05-06-2024", day_first), "2024-06-05T00:00:00Z");
    }

    #[test]
    fn naive_values_take_the_given_zone() {
        let berlin = TimeRules {
            order: None,
            zone: parse_zone("Europe/Berlin"),
        };
        assert_eq!(at("2024-07-01 12:00:00", berlin), "2024-07-01T10:00:00Z");
        assert_eq!(at("2024-01-15 12:00", berlin), "2024-01-15T11:00:00Z");
        // A value with its own zone keeps it.
        assert_eq!(at("2024-07-01T12:00:00Z", berlin), "2024-07-01T12:00:00Z");
        // Clocks go back: the earlier instant. Spring gap: an hour later.
        assert_eq!(at("2024-10-27 02:30", berlin), "2024-10-27T00:30:00Z");
        assert_eq!(at("2024-03-31 02:30", berlin), "2024-03-31T01:30:00Z");
        assert!(parse_zone("Mars/Olympus").is_none());
    }
}
