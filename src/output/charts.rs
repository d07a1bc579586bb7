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

use askama::Template;

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
        let area = WIDTH - label_width - 110.0;
        let row = 24.0;
        let max = inputs.iter().map(|b| b.value).max().unwrap_or(0).max(1);
        let bars = inputs
            .into_iter()
            .enumerate()
            .map(|(i, input)| {
                let y = 6.0 + i as f64 * row;
                let width = (input.value as f64 / max as f64 * area).max(1.0);
                let value_text = match total {
                    Some(total) => format!(
                        "{} ({})",
                        thousands(input.value),
                        percent(input.value, total)
                    ),
                    None => thousands(input.value),
                };
                Bar {
                    short_label: shorten(&input.label, 30),
                    label: input.label,
                    class: input.class,
                    value_text,
                    label_x: Px(label_width - 8.0),
                    x: Px(label_width),
                    y: Px(y),
                    width: Px(width),
                    height: Px(15.0),
                    text_y: Px(y + 12.0),
                    value_x: Px(label_width + width + 6.0),
                }
            })
            .collect::<Vec<_>>();
        HorizontalBars {
            id: id.to_string(),
            title: title.to_string(),
            width: Px(WIDTH),
            height: Px(12.0 + bars.len() as f64 * row),
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
        let (left, right, top, bottom) = (56.0, WIDTH - 12.0, 16.0, 196.0);
        let max = nice_ceiling(counts.iter().copied().max().unwrap_or(0).max(1));
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
            let near_right = x > right - 150.0;
            Marker {
                label: format!("stale after {t} months"),
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
            height: Px(bottom + 36.0),
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
                label_y: Px(bottom + 30.0),
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
    /// sum, with a legend below.
    pub fn new(id: &str, title: &str, parts: &[(&str, u64, &'static str)]) -> Self {
        let total: u64 = parts.iter().map(|p| p.1).sum();
        let (left, right) = (8.0, WIDTH - 8.0);
        let mut x = left;
        let drawn = parts
            .iter()
            .enumerate()
            .map(|(i, (label, value, class))| {
                let width = if total == 0 {
                    0.0
                } else {
                    *value as f64 / total as f64 * (right - left)
                };
                let part = Part {
                    label: label.to_string(),
                    class,
                    value_text: format!("{} ({})", thousands(*value), percent(*value, total)),
                    x: Px(x),
                    width: Px(width),
                    legend_y: Px(50.0 + i as f64 * 20.0),
                    legend_text_y: Px(60.0 + i as f64 * 20.0),
                };
                x += width;
                part
            })
            .collect::<Vec<_>>();
        ShareBar {
            id: id.to_string(),
            title: title.to_string(),
            width: Px(WIDTH),
            height: Px(56.0 + drawn.len() as f64 * 20.0),
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
        let (left, right, top, bottom) = (56.0, WIDTH - 12.0, 12.0, 232.0);
        let middle = (top + bottom) / 2.0;
        let max = nice_ceiling(
            months
                .iter()
                .map(|m| m.1.max(m.2))
                .max()
                .unwrap_or(0)
                .max(1),
        );
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
                    label_x: i.is_multiple_of(every).then_some(Px(x + width / 2.0)),
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
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = HorizontalBars::new(
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
        )
        .render()
        .unwrap();
        assert!(svg.contains("&#60;no-consent&#62;"), "{svg}");
        assert!(!svg.contains("<no-consent>"));
        assert!(
            svg.contains(r#"width="340""#),
            "the largest bar fills the area: {svg}"
        );
        assert!(
            svg.contains(r#"width="170""#),
            "half the value, half the bar"
        );
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
