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

#[test]
fn the_demo_report_renders_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium (set LISTAUDIT_REQUIRE_BROWSER to make this fail)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args(["--as-of", AS_OF, "--out-dir"])
        .arg(&out));
    assert_eq!(result.code, 1, "{}", result.stderr);
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

    // Printed to PDF: several A4 pages (the sections start on new pages).
    let pdf_path = dir.path().join("report.pdf");
    render(
        &browser,
        &profile,
        &[
            format!("--print-to-pdf={}", pdf_path.display()),
            "--no-pdf-header-footer".to_string(),
        ],
        &page,
    );
    let pdf = fs::read(&pdf_path).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let pages = pdf
        .windows(11)
        .filter(|w| w.starts_with(b"/Type /Page") && w[10] != b's')
        .count();
    assert!(pages >= 5, "{pages} pages");
    // A4 in points: 595 x 842.
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/MediaBox [0 0 594.9"), "not A4");
}
