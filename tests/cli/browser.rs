//! report.html in a real browser: headless Chromium renders the demo's
//! report with the network shut off, and the rendered DOM, a screenshot
//! and a printed PDF show that the page works as a document.
//!
//! `.ci/run` installs Debian's `chromium` and sets
//! `LISTAUDIT_REQUIRE_BROWSER`, so in CI a missing browser fails the test.
//! Elsewhere the test says it was skipped and passes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{AS_OF, DEMO, listaudit, run};

fn chromium() -> Option<PathBuf> {
    let candidates = std::env::var_os("LISTAUDIT_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
                .into_iter()
                .map(PathBuf::from),
        );
    for candidate in candidates {
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    if std::env::var_os("LISTAUDIT_REQUIRE_BROWSER").is_some() {
        panic!(
            "LISTAUDIT_REQUIRE_BROWSER is set but no chromium was found; install Debian's chromium"
        );
    }
    None
}

/// Runs headless Chromium on `page` with `flags`; returns its stdout.
fn render(browser: &Path, profile: &Path, flags: &[String], page: &Path) -> String {
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(flags)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The demo audited with `extra` arguments into `out/` of a new temporary
/// directory, and the browser to render it; `None`, and the test says it
/// was skipped, without a browser.
fn demo_report(extra: &[&str]) -> Option<(PathBuf, tempfile::TempDir)> {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium (set LISTAUDIT_REQUIRE_BROWSER to make this fail)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let result = run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args(["--as-of", AS_OF])
        .args(extra)
        .arg("--out-dir")
        .arg(dir.path().join("out")));
    assert_eq!(result.code, 1, "{}", result.stderr);
    Some((browser, dir))
}

#[test]
fn the_demo_report_renders_in_chromium() {
    let Some((browser, dir)) = demo_report(&[]) else {
        return;
    };
    let out = dir.path().join("out");
    let page = fs::canonicalize(out.join("report.html")).unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
    let profile = dir.path().join("profile");

    // The DOM as the browser built it.
    let dom = render(&browser, &profile, &["--dump-dom".to_string()], &page);
    assert!(dom.contains("<section id=\"summary\">"), "{dom}");
    assert!(dom.contains("subscriber rows audited"));
    assert!(dom.contains("The biggest problems"));
    for chart in [
        "rules",
        "consent-age",
        "sources",
        "purposes",
        "double-opt-in",
        "activity",
    ] {
        let start = dom
            .find(&format!("<figure id=\"chart-{chart}\">"))
            .unwrap_or_else(|| panic!("chart {chart} is missing"));
        let figure = &dom[start..start + dom[start..].find("</figure>").unwrap()];
        assert!(
            figure.contains("<svg class=\"chart\""),
            "chart {chart} has no SVG"
        );
        assert!(figure.contains("<rect"), "chart {chart} draws nothing");
    }
    for rule in &listaudit::rules::RULES {
        if report["summary"]["by_rule"][rule.code]
            .as_u64()
            .unwrap_or(0)
            > 0
        {
            let section = format!("<article class=\"rule\" id=\"rule-{}\">", rule.code);
            assert!(dom.contains(&section), "{} has no section", rule.code);
        }
    }

    // A screenshot: a PNG of the page with something on it.
    let screenshot = dir.path().join("report.png");
    render(
        &browser,
        &profile,
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1200,2400".to_string(),
        ],
        &page,
    );
    let png = fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(
        png.len() > 50_000,
        "a near-empty screenshot: {} bytes",
        png.len()
    );

    // The counts the page shows are report.json's.
    check_counts(&dom, &report);
}

/// The report printed to PDF: at most six A4 pages for the demo, numbered
/// "page N of M", with the client on the cover and in the running header
/// of every later page, the totals on the cover, one table of the rules
/// that fired and a sample of findings; the screen-only parts (rule
/// documentation, the full findings table, the policy) left out.
#[test]
fn the_demo_report_prints_as_a_deliverable() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium (set LISTAUDIT_REQUIRE_BROWSER to make this fail)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Quotes, an ampersand and angle brackets: the name goes into HTML and
    // into a CSS string of the print stylesheet.
    let client = r#"Müller & "Söhne" <GmbH>"#;
    let author = "Ada Beispiel, Example Privacy Ltd";
    let result = run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args([
            "--as-of",
            AS_OF,
            "--client",
            client,
            "--prepared-by",
            author,
        ])
        .arg("--out-dir")
        .arg(&out));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let page = fs::canonicalize(out.join("report.html")).unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["credits"]["client"], client);
    assert_eq!(report["credits"]["prepared_by"], author);
    let summary = &report["summary"];

    let pdf_path = dir.path().join("report.pdf");
    render(
        &browser,
        &dir.path().join("profile"),
        &[
            format!("--print-to-pdf={}", pdf_path.display()),
            "--no-pdf-header-footer".to_string(),
        ],
        &page,
    );
    let pdf = fs::read(&pdf_path).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // A4 in points: 595 x 842.
    assert!(
        String::from_utf8_lossy(&pdf).contains("/MediaBox [0 0 594.9"),
        "not A4"
    );
    let pages = pdf_text(&pdf_path);
    let count = pages.len();
    assert!((3..=6).contains(&count), "{count} pages");
    let header = format!("Mailing-list consent audit · {client}");
    for (i, text) in pages.iter().enumerate() {
        let number = format!("page {} of {count}", i + 1);
        assert!(
            text.contains(&number),
            "no '{number}' on page {}: {text}",
            i + 1
        );
        let footer = format!(
            "listaudit {} · contains personal data",
            env!("CARGO_PKG_VERSION")
        );
        assert!(text.contains(&footer), "page {}: {text}", i + 1);
        // The cover carries the names itself; the other pages a header.
        assert_eq!(
            text.contains(&header),
            i > 0,
            "running header on page {}: {text}",
            i + 1
        );
        if i > 0 {
            assert!(text.contains(&format!("as of {AS_OF}")), "page {}", i + 1);
        }
    }
    let cover = &pages[0];
    assert!(cover.contains(&format!("Client {client}")), "{cover}");
    assert!(cover.contains(&format!("Prepared by {author}")), "{cover}");
    for (number, words) in [
        (&summary["rows"], "subscriber rows audited"),
        (&summary["kept"], "can be mailed"),
        (&summary["removed"], "removed from the list"),
    ] {
        let shown = format!("{} {words}", number.as_u64().unwrap());
        assert!(cover.contains(&shown), "no '{shown}' on the cover: {cover}");
    }
    let all = pages.join("\n");
    for heading in [
        "The consent behind the list",
        "Age of consent",
        "Findings by rule",
        "Sample findings",
        "How this audit was made",
    ] {
        assert!(all.contains(heading), "'{heading}' is not printed");
    }
    for screen_only in [
        "All findings",
        "What it checks",
        "The effective policy, as TOML",
    ] {
        assert!(!all.contains(screen_only), "'{screen_only}' is printed");
    }
    assert!(all.contains("findings.csv"), "no pointer to the full list");
    for rule in &listaudit::rules::RULES {
        let found = summary["by_rule"][rule.code].as_u64().unwrap_or(0);
        if found > 0 {
            assert!(
                all.contains(&format!("{} {}", rule.code, rule.name)),
                "{} is not in the printed rule table",
                rule.code
            );
        }
    }
}

/// The text of each page of a PDF, whitespace collapsed and typographic
/// ligatures spelt out.
fn pdf_text(path: &Path) -> Vec<String> {
    let document = lopdf::Document::load(path).expect("a readable PDF");
    document
        .get_pages()
        .keys()
        .map(|&number| {
            let text = document.extract_text(&[number]).expect("page text");
            text.replace('\u{fb01}', "fi")
                .replace('\u{fb02}', "fl")
                .replace('\u{fb00}', "ff")
                .replace('\u{fb03}', "ffi")
                .replace('\u{fb04}', "ffl")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// What the probe script reports: the table cells it measured and every
/// word the layout split over two lines; the chart labels it measured, the
/// smallest one's size and those the chart's edges cut off.
const PROBE: &str = r#"<script>
for (const details of document.querySelectorAll('details')) details.open = true;
let cells = 0;
const broken = [];
for (const cell of document.querySelectorAll('td, th')) {
  if (!cell.getClientRects().length) continue;
  cells++;
  const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    // A word ends at white space or after a hyphen, where lines may break.
    for (const word of node.data.matchAll(/[^\s-]+-?/g)) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(word[0]);
    }
  }
}
// Chart text as laid out: its size in CSS pixels once the chart is scaled
// to its box, and any label that runs past the chart's edges (the SVG
// clips it).
let chartTexts = 0, smallestText = Infinity;
const clipped = [];
for (const svg of document.querySelectorAll('svg.chart')) {
  const box = svg.getBoundingClientRect();
  if (!box.width) continue;
  const view = svg.viewBox.baseVal;
  for (const text of svg.querySelectorAll('text')) {
    if (!text.textContent.trim()) continue;
    chartTexts++;
    smallestText = Math.min(smallestText, parseFloat(getComputedStyle(text).fontSize) * box.width / view.width);
    const b = text.getBBox();
    if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > view.width + 0.5 || b.y + b.height > view.height + 0.5) clipped.push(text.textContent);
  }
}
const probe = document.createElement('pre');
probe.id = 'probe';
probe.textContent = JSON.stringify({cells, broken, chartTexts, smallestText, clipped});
document.body.appendChild(probe);
</script>"#;

/// A table too narrow for its address: the probe must catch it.
const TOO_NARROW: &str = r#"<table style="table-layout:fixed;width:70px"><tr><td>chloe.herrmann@example.com</td></tr></table>"#;

/// The report's tables, laid out as printed on A4 (182 mm between the
/// margins) and on a wide screen with the full findings table open, split
/// no word over two lines: columns are fixed and long values shortened.
/// The charts' labels stay inside the charts and big enough to read, in
/// the demo's charts and in specimens drawn from extreme values.
#[test]
fn report_tables_break_no_word_and_charts_stay_legible() {
    let Some((browser, dir)) = demo_report(&["--client", "Beispiel GmbH"]) else {
        return;
    };
    let out = dir.path().join("out");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("@media print {"));
    let print_layout = html.replace("@media print {", "@media all {");
    for (name, page, width) in [("print", &print_layout, 688), ("screen", &html, 1200)] {
        let probed = dir.path().join(format!("{name}.html"));
        let specimens = listaudit::output::chart_specimens();
        let page = page.replace("</body>", &format!("{TOO_NARROW}{specimens}{PROBE}</body>"));
        fs::write(&probed, page).unwrap();
        let dom = render(
            &browser,
            &dir.path().join("profile"),
            &[
                "--dump-dom".to_string(),
                format!("--window-size={width},1200"),
            ],
            &probed,
        );
        let start = dom.find("<pre id=\"probe\">").expect("the probe ran") + 16;
        let end = start + dom[start..].find("</pre>").unwrap();
        let probe: serde_json::Value = serde_json::from_str(&dom[start..end]).unwrap();
        assert!(
            probe["cells"].as_u64().unwrap() > 150,
            "{name}: too few cells measured: {probe}"
        );
        // The one break is the planted one: the probe sees breaks, and the
        // report has none.
        assert_eq!(
            probe["broken"],
            serde_json::json!(["chloe.herrmann@example.com"]),
            "{name} layout breaks words"
        );
        assert!(
            probe["chartTexts"].as_u64().unwrap() >= 150,
            "{name}: too few chart labels measured: {probe}"
        );
        assert_eq!(probe["clipped"], serde_json::json!([]), "{name}: {probe}");
        // 8.5 CSS pixels print at 6.4 pt, the smallest text a printed
        // chart should have; the axis labels are the smallest.
        let smallest = probe["smallestText"].as_f64().unwrap();
        assert!(
            smallest >= 8.5,
            "{name}: chart text {smallest:.2}px: {probe}"
        );
    }
}

/// Every count a chart or the rule table shows equals report.json's.
fn check_counts(dom: &str, report: &serde_json::Value) {
    let summary = &report["summary"];
    let consent = &summary["consent"];
    let n = |value: &serde_json::Value| value.as_u64().unwrap();

    let rules = bars(figure(dom, "rules"));
    for rule in &listaudit::rules::RULES {
        let found = summary["by_rule"][rule.code].as_u64().unwrap_or(0);
        let label = format!("{} {}", rule.code, rule.name);
        let drawn = rules.iter().find(|(l, _)| *l == label).map(|b| b.1);
        assert_eq!(drawn.unwrap_or(0), found, "chart bar of {label}");
        let table = dom
            .find(&format!("<tr id=\"rule-row-{}\">", rule.code))
            .map(|at| {
                let cell = at + dom[at..].find("<td class=\"num\">").unwrap() + 16;
                number(&dom[cell..cell + dom[cell..].find('<').unwrap()])
            });
        assert_eq!(table.unwrap_or(0), found, "rule table row of {label}");
    }

    let shares = bars(figure(dom, "double-opt-in"));
    let share = |label: &str| shares.iter().find(|(l, _)| l == label).map_or(0, |b| b.1);
    assert_eq!(share("double opt-in"), n(&consent["double_opt_in"]));
    assert_eq!(share("single opt-in"), n(&consent["single_opt_in"]));
    assert_eq!(share("no consent"), n(&consent["no_consent"]));
    assert_eq!(share("no address or malformed"), n(&consent["no_address"]));
    assert_eq!(
        shares.iter().map(|b| b.1).sum::<u64>(),
        n(&summary["rows"]),
        "the double opt-in bar covers every row"
    );

    let with_consent = n(&consent["double_opt_in"]) + n(&consent["single_opt_in"]);
    assert_eq!(with_consent, n(&consent["dated"]) + n(&consent["undated"]));
    for chart in ["sources", "purposes"] {
        let drawn: u64 = bars(figure(dom, chart)).iter().map(|b| b.1).sum();
        assert_eq!(drawn, with_consent, "{chart} chart");
        let listed = &consent[chart];
        let in_json = listed["top"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| n(&v["rows"]))
            .sum::<u64>()
            + n(&listed["others"]["rows"]);
        assert_eq!(in_json, with_consent, "{chart} in report.json");
    }
    let ages: u64 = bars(figure(dom, "consent-age")).iter().map(|b| b.1).sum();
    assert_eq!(ages, n(&consent["dated"]), "age histogram");

    let activity = figure(dom, "activity");
    let (mut opt_ins, mut withdrawals) = (0, 0);
    for month in activity.split("<g class=\"month\">").skip(1) {
        let title = &month[month.find("<title>").unwrap() + 7..month.find("</title>").unwrap()];
        let (_, counts) = title.split_once(": ").unwrap();
        let (ins, outs) = counts.split_once(", ").unwrap();
        opt_ins += number(ins.trim_end_matches(" opt-ins"));
        withdrawals += number(outs.trim_end_matches(" withdrawals"));
    }
    assert_eq!(opt_ins, n(&summary["activity"]["opt_ins"]));
    assert_eq!(withdrawals, n(&summary["activity"]["withdrawals"]));
    assert!(
        opt_ins > 0 && withdrawals > 0,
        "the demo has activity to draw"
    );
}

/// The markup of one chart's figure.
fn figure<'d>(dom: &'d str, id: &str) -> &'d str {
    let start = dom
        .find(&format!("<figure id=\"chart-{id}\">"))
        .unwrap_or_else(|| panic!("chart {id} is missing"));
    &dom[start..start + dom[start..].find("</figure>").unwrap()]
}

/// Each bar of a chart as its title names it: label and value.
fn bars(figure: &str) -> Vec<(String, u64)> {
    figure
        .split("<g class=\"bar ")
        .skip(1)
        .map(|bar| {
            let title = &bar[bar.find("<title>").unwrap() + 7..bar.find("</title>").unwrap()];
            let (label, value) = title.rsplit_once(": ").unwrap();
            let value = value.split(" (").next().unwrap();
            (label.trim_end_matches(" months").to_string(), number(value))
        })
        .collect()
}

/// `1,234` → 1234.
fn number(text: &str) -> u64 {
    text.trim()
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("not a count: {text:?}"))
}
