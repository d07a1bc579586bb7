//! The report's charts, as inline SVG: no script, no network, sharp in
//! print. Geometry is computed here; the markup lives in askama templates
//! (`templates/charts/`), which escape every label.
//!
//! Hand-drawn rather than plotted with a charting crate: the four chart
//! shapes are a few rectangles and labels each, and a plotting crate lays
//! out text with font metrics it has to find (system fonts, or a font
//! file carried in the binary) and gives no `<title>` per bar for screen
//! readers and tooltips.

use std::fmt;

use askama::{DynTemplate, Template};

/// A coordinate, written with at most one decimal.
#[derive(Copy, Clone, Debug, PartialEq, PartialOrd)]
pub struct Px(pub f64);

impl fmt::Display for Px {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = (self.0 * 10.0).round() as i64;
        if tenths % 10 == 0 {
            write!(f, "{}", tenths / 10)
        } else {
            write!(f, "{}.{}", tenths / 10, (tenths % 10).abs())
        }
    }
}

const WIDTH: f64 = 640.0;
/// The report's style sheet sets these sizes (`svg.chart`, `svg .axis`).
const LABEL_FONT: f64 = 11.0;
const AXIS_FONT: f64 = 10.0;

/// How wide `text` is at `font` pixels, from a little above the advance
/// widths of DejaVu Sans, the widest of the fonts the report names or
/// falls back to: an estimate that errs wide, so that a label laid out by
/// it stays inside its chart in any of them. An SVG has no text flow, and
/// a label that runs past the chart's edge is cut off.
fn text_width(text: &str, font: f64) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            ' ' | '.' | ',' | ':' | ';' | '!' | '|' | '\'' | 'i' | 'j' | 'l' | 'I' => 0.34,
            'f' | 'r' | 't' | '(' | ')' | '[' | ']' | '-' | '/' => 0.44,
            'm' | 'w' | 'M' | 'W' | '%' | '@' | '…' => 1.0,
            'A'..='Z' => 0.78,
            '_' => 0.5,
            c if c.is_ascii() => 0.64,
            c if is_wide(c) => 1.0,
            _ => 0.8,
        })
        .sum();
    ems * font
}

/// East Asian wide and fullwidth characters, a whole em each.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF
        | 0x20000..=0x3FFFD)
}

/// `label` cut, with an ellipsis, to at most `max` pixels at `font`.
fn shorten_to_width(label: &str, max: f64, font: f64) -> String {
    if text_width(label, font) <= max {
        return label.to_string();
    }
    let room = max - text_width("…", font);
    let mut width = 0.0;
    let mut short = String::new();
    for c in label.chars() {
        width += text_width(c.encode_utf8(&mut [0; 4]), font);
        if width > room {
            break;
        }
        short.push(c);
    }
    short.push('…');
    short
}

/// Where a value axis starts: right of its widest tick label.
fn axis_left(ticks: &[u64]) -> f64 {
    let widest = ticks
        .iter()
        .map(|t| text_width(&thousands(*t), AXIS_FONT))
        .fold(0.0, f64::max);
    (widest + 12.0).max(56.0)
}

/// `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part` of `whole` as a percentage with one decimal (`12.5%`).
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".to_string();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// The smallest 1, 2 or 5 times a power of ten at or above `value`.
fn nice_ceiling(value: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for factor in [1, 2, 5] {
            if step.saturating_mul(factor) >= value {
                return step.saturating_mul(factor);
            }
        }
        step = step.saturating_mul(10);
    }
}

pub(super) fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        return label.to_string();
    }
    let mut short: String = label.chars().take(max - 1).collect();
    short.push('…');
    short
}

/// One bar of a horizontal bar chart.
pub struct BarInput {
    pub label: String,
    pub value: u64,
    /// A CSS class (`error`, `warning`, `info`, `neutral`).
    pub class: &'static str,
}

pub struct Bar {
    label: String,
    short_label: String,
    class: &'static str,
    value_text: String,
    label_x: Px,
    x: Px,
    y: Px,
    width: Px,
    height: Px,
    text_y: Px,
    value_x: Px,
}

#[derive(Template)]
#[template(path = "charts/hbars.svg", escape = "html")]
pub struct HorizontalBars {
    id: String,
    title: String,
    width: Px,
    height: Px,
    bars: Vec<Bar>,
}

impl HorizontalBars {
    /// Bars scaled to the largest value; `total` (when given) adds each
    /// value's share to its label.
    pub fn new(id: &str, title: &str, inputs: Vec<BarInput>, total: Option<u64>) -> Self {
        let label_width = 190.0;
        let value_text = |value: u64| match total {
            Some(total) => format!("{} ({})", thousands(value), percent(value, total)),
            None => thousands(value),
        };
        // The longest bar leaves room for its value, and so for the
        // widest value: "1,234,567 (100.0%)" needs more than "3 (5.0%)".
        let value_room = inputs
            .iter()
            .map(|b| text_width(&value_text(b.value), LABEL_FONT))
            .fold(40.0, f64::max)
            + 12.0;
        let area = WIDTH - label_width - value_room;
        // Rows a little taller than the text: the charts print at 150 mm,
        // and every pixel of height costs page space there.
        let row = 19.0;
        let max = inputs.iter().map(|b| b.value).max().unwrap_or(0).max(1);
        let bars = inputs
            .into_iter()
            .enumerate()
            .map(|(i, input)| {
                let y = 4.0 + i as f64 * row;
                let width = (input.value as f64 / max as f64 * area).max(1.0);
                let value_text = value_text(input.value);
                Bar {
                    short_label: shorten_to_width(&input.label, label_width - 12.0, LABEL_FONT),
                    label: input.label,
                    class: input.class,
                    value_text,
                    label_x: Px(label_width - 8.0),
                    x: Px(label_width),
                    y: Px(y),
                    width: Px(width),
                    height: Px(13.0),
                    text_y: Px(y + 10.5),
                    value_x: Px(label_width + width + 6.0),
                }
            })
            .collect::<Vec<_>>();
        HorizontalBars {
            id: id.to_string(),
            title: title.to_string(),
            width: Px(WIDTH),
            height: Px(8.0 + bars.len() as f64 * row),
            bars,
        }
    }
}

/// A horizontal line from `x1` to `x2` with a label: a grid line of the
/// value axis, or the base line under the bars.
pub struct Line {
    label: String,
    y: Px,
    x1: Px,
    x2: Px,
    label_x: Px,
    label_y: Px,
}

impl Line {
    /// A grid line at `y` labelled with `value`.
    fn tick(value: u64, y: f64, left: f64, right: f64) -> Line {
        Line {
            label: thousands(value),
            y: Px(y),
            x1: Px(left),
            x2: Px(right),
            label_x: Px(left - 6.0),
            label_y: Px(y + 4.0),
        }
    }
}

/// The values of the grid lines below a nice maximum: 0, the maximum,
/// and half of it where that is a whole number.
fn tick_values(max: u64) -> Vec<u64> {
    let mut values = vec![0];
    if max >= 2 && max.is_multiple_of(2) {
        values.push(max / 2);
    }
    values.push(max);
    values
}

pub struct Bin {
    label: String,
    class: &'static str,
    value_text: String,
    x: Px,
    y: Px,
    width: Px,
    height: Px,
    label_x: Px,
    label_y: Px,
}

pub struct Marker {
    label: String,
    x: Px,
    y1: Px,
    y2: Px,
    label_x: Px,
    label_y: Px,
    anchor: &'static str,
}

#[derive(Template)]
#[template(path = "charts/histogram.svg", escape = "html")]
pub struct AgeHistogram {
    id: String,
    title: String,
    width: Px,
    height: Px,
    y_ticks: Vec<Line>,
    bins: Vec<Bin>,
    axis: Line,
    threshold: Option<Marker>,
}

impl AgeHistogram {
    /// `by_month[m]` rows whose consent is `m` whole months old, in bins
    /// of `bin_months`; the last bin holds everything older. Bins past the
    /// threshold are drawn as stale.
    pub fn new(id: &str, title: &str, by_month: &[u64], stale_after: Option<u32>) -> Self {
        let bin_months = 6usize;
        let oldest = by_month.iter().rposition(|n| *n > 0).unwrap_or(0);
        // Enough bins to show the threshold with room past it, at least
        // five years, at most ten.
        let wanted = stale_after.map_or(0, |t| t as usize + 12).max(oldest + 1);
        let bins = wanted.div_ceil(bin_months).clamp(10, 20);
        let mut counts = vec![0u64; bins];
        for (month, n) in by_month.iter().enumerate() {
            counts[(month / bin_months).min(bins - 1)] += n;
        }
        let max = nice_ceiling(counts.iter().copied().max().unwrap_or(0).max(1));
        let (left, right, top, bottom) = (axis_left(&tick_values(max)), WIDTH - 12.0, 16.0, 136.0);
        let y_of = |value: u64| bottom - value as f64 / max as f64 * (bottom - top);
        let slot = (right - left) / bins as f64;
        let stale_from = stale_after.map(|t| t as usize);
        let bins_drawn = counts
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let first = i * bin_months;
                let label = if i == bins - 1 {
                    format!("{first}+")
                } else {
                    format!("{first}–{}", first + bin_months - 1)
                };
                let x = left + i as f64 * slot + 2.0;
                let y = y_of(*n);
                let class = match stale_from {
                    Some(t) if first >= t => "stale",
                    Some(t) if first + bin_months > t => "mixed",
                    _ => "fresh",
                };
                Bin {
                    label,
                    class,
                    value_text: thousands(*n),
                    x: Px(x),
                    y: Px(y),
                    width: Px(slot - 4.0),
                    height: Px(bottom - y),
                    label_x: Px(x + (slot - 4.0) / 2.0),
                    label_y: Px(bottom + 14.0),
                }
            })
            .collect();
        let threshold = stale_after.map(|t| {
            let x = left + (t as f64 / bin_months as f64).min(bins as f64) * slot;
            let label = format!("stale after {t} months");
            // Bold, so a tenth wider than the estimate.
            let near_right = x + 4.0 + text_width(&label, LABEL_FONT) * 1.1 > WIDTH;
            Marker {
                label,
                x: Px(x),
                y1: Px(top - 4.0),
                y2: Px(bottom),
                label_x: Px(if near_right { x - 4.0 } else { x + 4.0 }),
                label_y: Px(top + 6.0),
                anchor: if near_right { "end" } else { "start" },
            }
        });
        AgeHistogram {
            id: id.to_string(),
            title: title.to_string(),
            width: Px(WIDTH),
            height: Px(bottom + 34.0),
            y_ticks: tick_values(max)
                .into_iter()
                .map(|value| Line::tick(value, y_of(value), left, right))
                .collect(),
            bins: bins_drawn,
            axis: Line {
                label: "age of consent in months at the audit date".to_string(),
                y: Px(bottom),
                x1: Px(left),
                x2: Px(right),
                label_x: Px((left + right) / 2.0),
                label_y: Px(bottom + 28.0),
            },
            threshold,
        }
    }
}

pub struct Part {
    label: String,
    class: &'static str,
    value_text: String,
    x: Px,
    width: Px,
    legend_x: Px,
    legend_text_x: Px,
    legend_y: Px,
    legend_text_y: Px,
}

#[derive(Template)]
#[template(path = "charts/share.svg", escape = "html")]
pub struct ShareBar {
    id: String,
    title: String,
    width: Px,
    height: Px,
    parts: Vec<Part>,
}

impl ShareBar {
    /// One bar split into `parts` (label, value, class) by share of their
    /// sum, with a legend below: two columns where the entries fit, else
    /// one.
    pub fn new(id: &str, title: &str, parts: &[(&str, u64, &'static str)]) -> Self {
        const BAR_BOTTOM: f64 = 30.0;
        const LEGEND_ROW: f64 = 18.0;
        const SWATCH: f64 = 20.0;
        let total: u64 = parts.iter().map(|p| p.1).sum();
        let (left, right) = (8.0, WIDTH - 8.0);
        let value_texts: Vec<String> = parts
            .iter()
            .map(|(_, value, _)| format!("{} ({})", thousands(*value), percent(*value, total)))
            .collect();
        let widest = parts
            .iter()
            .zip(&value_texts)
            .map(|((label, ..), value)| text_width(&format!("{label}: {value}"), LABEL_FONT))
            .fold(0.0, f64::max);
        let column = (right - left) / 2.0;
        let columns = if SWATCH + widest + 16.0 <= column {
            2
        } else {
            1
        };
        let mut x = left;
        let drawn = parts
            .iter()
            .zip(value_texts)
            .enumerate()
            .map(|(i, ((label, value, class), value_text))| {
                let width = if total == 0 {
                    0.0
                } else {
                    *value as f64 / total as f64 * (right - left)
                };
                let legend_x = left + column * (i % columns) as f64;
                let row = (i / columns) as f64;
                let part = Part {
                    label: label.to_string(),
                    class,
                    value_text,
                    x: Px(x),
                    width: Px(width),
                    legend_x: Px(legend_x),
                    legend_text_x: Px(legend_x + SWATCH),
                    legend_y: Px(BAR_BOTTOM + 8.0 + row * LEGEND_ROW),
                    legend_text_y: Px(BAR_BOTTOM + 18.0 + row * LEGEND_ROW),
                };
                x += width;
                part
            })
            .collect::<Vec<_>>();
        ShareBar {
            id: id.to_string(),
            title: title.to_string(),
            width: Px(WIDTH),
            height: Px(BAR_BOTTOM + 8.0 + drawn.len().div_ceil(columns) as f64 * LEGEND_ROW),
            parts: drawn,
        }
    }
}

pub struct MonthColumn {
    label: String,
    opt_ins: String,
    withdrawals: String,
    x: Px,
    width: Px,
    in_y: Px,
    in_height: Px,
    out_height: Px,
    label_x: Option<Px>,
}

#[derive(Template)]
#[template(path = "charts/monthly.svg", escape = "html")]
pub struct MonthlyActivity {
    id: String,
    title: String,
    width: Px,
    height: Px,
    y_ticks: Vec<Line>,
    months: Vec<MonthColumn>,
    axis: Line,
    legend_y: Px,
    legend_text_y: Px,
    legend_in_x: Px,
    legend_out_x: Px,
    legend_out_text_x: Px,
}

impl MonthlyActivity {
    /// One column pair per month (label, opt-ins, withdrawals): opt-ins up
    /// from the middle line, withdrawals down, on one scale.
    pub fn new(id: &str, title: &str, months: &[(String, u64, u64)]) -> Self {
        let max = nice_ceiling(
            months
                .iter()
                .map(|m| m.1.max(m.2))
                .max()
                .unwrap_or(0)
                .max(1),
        );
        let (left, right, top, bottom) = (axis_left(&tick_values(max)), WIDTH - 12.0, 12.0, 152.0);
        let middle = (top + bottom) / 2.0;
        let half = middle - top;
        let scale = |n: u64| n as f64 / max as f64 * half;
        let slot = (right - left) / months.len().max(1) as f64;
        // About eight labels, whatever the span.
        let every = months.len().div_ceil(8).max(1);
        let columns = months
            .iter()
            .enumerate()
            .map(|(i, (label, opt_ins, withdrawals))| {
                let x = left + i as f64 * slot + slot * 0.1;
                let width = slot * 0.8;
                MonthColumn {
                    label: label.clone(),
                    opt_ins: thousands(*opt_ins),
                    withdrawals: thousands(*withdrawals),
                    x: Px(x),
                    width: Px(width),
                    in_y: Px(middle - scale(*opt_ins)),
                    in_height: Px(scale(*opt_ins)),
                    out_height: Px(scale(*withdrawals)),
                    // Centred under its column, unless that would run past
                    // the chart's right edge, as the last month's may.
                    label_x: i.is_multiple_of(every).then(|| {
                        let half = text_width(label, AXIS_FONT) / 2.0;
                        Px((x + width / 2.0).min(WIDTH - 2.0 - half))
                    }),
                }
            })
            .collect();
        // The scale reads both ways from the middle line.
        let y_ticks = tick_values(max)
            .into_iter()
            .flat_map(|value| {
                let up = Line::tick(value, middle - scale(value), left, right);
                let down =
                    (value > 0).then(|| Line::tick(value, middle + scale(value), left, right));
                std::iter::once(up).chain(down)
            })
            .collect();
        let height = bottom + 46.0;
        MonthlyActivity {
            id: id.to_string(),
            title: title.to_string(),
            width: Px(WIDTH),
            height: Px(height),
            y_ticks,
            months: columns,
            axis: Line {
                label: String::new(),
                y: Px(middle),
                x1: Px(left),
                x2: Px(right),
                label_x: Px((left + right) / 2.0),
                label_y: Px(bottom + 20.0),
            },
            legend_y: Px(height - 14.0),
            legend_text_y: Px(height - 4.0),
            legend_in_x: Px(left + 18.0),
            legend_out_x: Px(left + 130.0),
            legend_out_text_x: Px(left + 148.0),
        }
    }
}

/// Every chart drawn from extreme values and labels: long, wide and
/// fullwidth labels, counts past a billion, thresholds at both edges. The
/// browser test lays them out with the report's style sheet and checks
/// that no label leaves its chart; the demo alone has none of these.
#[doc(hidden)]
pub fn specimens() -> String {
    const BIG: u64 = 1_234_567_890;
    let labels = [
        "MAILCHIMP EMBEDDED SIGNUP FORM (WWW.EXAMPLE.COM)",
        "ニュースレター登録フォーム（ウェブサイト）キャンペーン",
        "Gewinnspiel Sommer 2024 – Teilnahmebedingungen akzeptiert",
        "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
        "x",
    ];
    let bars = || {
        labels
            .iter()
            .zip([BIG, BIG / 7, 999_999, 1, 0])
            .map(|(label, value)| BarInput {
                label: label.to_string(),
                value,
                class: "neutral",
            })
            .collect::<Vec<_>>()
    };
    let mut ages = vec![0u64; 130];
    ages[0] = BIG;
    ages[129] = BIG / 3;
    let months: Vec<(String, u64, u64)> = (0..36)
        .map(|m| (format!("{}-{:02}", 2023 + m / 12, m % 12 + 1), BIG, BIG / 2))
        .collect();
    let parts: Vec<(&str, u64, &'static str)> = vec![
        ("double opt-in", BIG, "double"),
        ("single opt-in", BIG, "single"),
        ("no consent", BIG, "none"),
        ("no address or malformed", BIG, "missing"),
    ];
    let charts: [&dyn DynTemplate; 7] = [
        &HorizontalBars::new("specimen-shares", "Shares", bars(), Some(BIG * 2)),
        &HorizontalBars::new("specimen-counts", "Counts", bars(), None),
        &AgeHistogram::new("specimen-age-late", "Age", &ages, Some(114)),
        &AgeHistogram::new("specimen-age-early", "Age", &ages, Some(0)),
        &MonthlyActivity::new("specimen-activity", "Activity", &months),
        &ShareBar::new("specimen-share", "Share", &parts),
        &ShareBar::new("specimen-share-small", "Share", &parts[..2]),
    ];
    charts
        .iter()
        .map(|chart| chart.dyn_render().expect("a chart renders"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_have_one_decimal_at_most() {
        assert_eq!(Px(12.0).to_string(), "12");
        assert_eq!(Px(12.34).to_string(), "12.3");
        assert_eq!(Px(0.1 + 0.2).to_string(), "0.3");
        assert_eq!(Px(-1.25).to_string(), "-1.3");
    }

    #[test]
    fn numbers_read_like_a_report() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(percent(1, 8), "12.5%");
        assert_eq!(percent(0, 0), "0%");
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(101), 200);
    }

    #[test]
    fn labels_are_cut_to_a_width_not_a_count_of_characters() {
        assert_eq!(shorten_to_width("web_form", 178.0, LABEL_FONT), "web_form");
        let caps = shorten_to_width(&"A".repeat(40), 178.0, LABEL_FONT);
        let lower = shorten_to_width(&"i".repeat(80), 178.0, LABEL_FONT);
        let wide = shorten_to_width(&"登".repeat(40), 178.0, LABEL_FONT);
        for short in [&caps, &lower, &wide] {
            assert!(short.ends_with('…'), "{short}");
            assert!(text_width(short, LABEL_FONT) <= 178.0, "{short}");
        }
        // Narrow letters fit more of themselves.
        assert!(lower.chars().count() > 2 * caps.chars().count());
        assert!(wide.chars().count() < caps.chars().count());
    }

    #[test]
    fn big_values_move_the_axis_and_shorten_the_bars() {
        let chart = |value| {
            HorizontalBars::new(
                "bars",
                "Bars",
                vec![BarInput {
                    label: "web_form".into(),
                    value,
                    class: "neutral",
                }],
                Some(value),
            )
        };
        let small = chart(3).bars[0].width.0;
        let big = chart(1_234_567_890).bars[0].width.0;
        assert!(big < small - 60.0, "{big} against {small}");
        let tick_room = |max| axis_left(&tick_values(max));
        assert_eq!(tick_room(20), 56.0);
        assert!(tick_room(2_000_000_000) > 80.0);
    }

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let chart = HorizontalBars::new(
            "rules",
            "Findings per rule",
            vec![
                BarInput {
                    label: "C001 <no-consent>".into(),
                    value: 50,
                    class: "error",
                },
                BarInput {
                    label: "H003".into(),
                    value: 25,
                    class: "warning",
                },
            ],
            Some(100),
        );
        let (largest, half) = (&chart.bars[0], &chart.bars[1]);
        assert_eq!(
            half.width.0 * 2.0,
            largest.width.0,
            "half the value, half the bar"
        );
        // The largest bar fills the area up to its value's room.
        let value_end = largest.value_x.0 + text_width("50 (50.0%)", LABEL_FONT);
        assert!(
            value_end <= WIDTH && value_end > WIDTH - 20.0,
            "{value_end}"
        );
        let svg = chart.render().unwrap();
        assert!(svg.contains("&#60;no-consent&#62;"), "{svg}");
        assert!(!svg.contains("<no-consent>"));
        assert!(svg.contains("50 (50.0%)"));
    }

    #[test]
    fn the_histogram_marks_the_threshold_and_what_is_stale() {
        let mut by_month = vec![0u64; 40];
        by_month[3] = 10;
        by_month[30] = 4;
        by_month[39] = 1;
        let svg = AgeHistogram::new("age", "Age", &by_month, Some(24))
            .render()
            .unwrap();
        assert!(svg.contains("stale after 24 months"));
        // 40 months span 7 bins; ten are drawn at least.
        assert_eq!(svg.matches("<g class=\"bar").count(), 10);
        assert!(
            svg.contains("<g class=\"bar stale\">\n<title>30–35 months: 4</title>"),
            "{svg}"
        );
        assert!(svg.contains("<g class=\"bar fresh\">\n<title>0–5 months: 10</title>"));
        assert!(svg.contains("54+"), "the last bin holds everything older");
        let never = AgeHistogram::new("age", "Age", &by_month, None)
            .render()
            .unwrap();
        assert!(!never.contains("threshold"));
    }

    #[test]
    fn monthly_columns_go_up_and_down_from_one_line() {
        let months = vec![
            ("2025-01".to_string(), 10, 0),
            ("2025-02".to_string(), 0, 5),
        ];
        let chart = MonthlyActivity::new("activity", "Activity", &months);
        assert_eq!(chart.months[0].in_height, Px(chart.axis.y.0 - 12.0));
        assert_eq!(
            chart.months[1].out_height.0 * 2.0,
            chart.months[0].in_height.0
        );
        let svg = chart.render().unwrap();
        assert!(svg.contains("2025-02: 0 opt-ins, 5 withdrawals"));
    }
}
