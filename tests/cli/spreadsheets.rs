//! Spreadsheet inputs: an .xlsx or .ods export, or consent log, is read as
//! a person sees its cells, audited exactly like the same data saved as
//! CSV, and named by file and sheet.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value;

use crate::util::{AS_OF, findings, listaudit, run};

/// A HubSpot-like contacts export, as a person sees it in the sheet.
const CONTACTS: [[&str; 6]; 5] = [
    [
        "Record ID",
        "First Name",
        "Email",
        "Phone Number",
        "Create Date",
        "Marketing contact status",
    ],
    [
        "51234567801",
        "Jana",
        "jana.becker@example.com",
        "491701234567",
        "2024-03-01T10:15:00",
        "Marketing contact",
    ],
    [
        "51234567802",
        "Pierre",
        "pierre.martin@example.fr",
        "33612345678",
        "2023-01-05",
        "Marketing contact",
    ],
    [
        "51234567803",
        "Ole",
        "ole.hansen@example",
        "4520123456",
        "2024-11-30T08:00:05",
        "Non-marketing contact",
    ],
    [
        "51234567804",
        "Aiko",
        "aiko.sato@example.jp",
        "819012345678",
        "2022-07-14T23:59:59",
        "Marketing contact",
    ],
];

/// The consent log of those people.
const CONSENT: [[&str; 5]; 4] = [
    ["email", "event", "timestamp", "purpose", "source"],
    [
        "jana.becker@example.com",
        "opt_in",
        "2024-03-01T10:15:00",
        "newsletter",
        "web_form",
    ],
    [
        "jana.becker@example.com",
        "confirm",
        "2024-03-01T10:20:30",
        "newsletter",
        "double_opt_in_link",
    ],
    [
        "pierre.martin@example.fr",
        "opt_in",
        "2023-01-05",
        "newsletter",
        "Gewinnspiel Sommer",
    ],
];

/// Writes `rows` into sheet `name` of `workbook`, with numbers as number
/// cells and timestamps as date cells, as a spreadsheet program holds them.
fn add_sheet<const N: usize>(workbook: &mut Workbook, name: &str, rows: &[[&str; N]]) {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name).unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if r > 0 && text.len() >= 10 && text.as_bytes()[4] == b'-' {
                let when = ExcelDateTime::parse_from_str(&text.replace('T', " ")).unwrap();
                sheet
                    .write_datetime_with_format(r, c, &when, &date)
                    .unwrap();
            } else if r > 0 && !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                sheet
                    .write_number(r, c, text.parse::<f64>().unwrap())
                    .unwrap();
            } else {
                sheet.write_string(r, c, *text).unwrap();
            }
        }
    }
}

fn csv_of<const N: usize>(rows: &[[&str; N]]) -> String {
    rows.iter().map(|r| r.join(",") + "\n").collect()
}

fn audit_json(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = run(listaudit().current_dir(dir).arg("audit").args(args).args([
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--isolated",
    ]));
    let report = if out.code == 2 {
        Value::Null
    } else {
        out.json()
    };
    (out.code, report, out.stderr)
}

/// Findings as `row rule severity`, without the file name.
fn verdicts(report: &Value) -> Vec<String> {
    findings(report)
        .into_iter()
        .map(|f| format!("{} {} {} {}", f.row, f.rule, f.severity, f.message))
        .collect()
}

#[test]
fn an_xlsx_export_and_log_audit_exactly_like_the_same_data_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut workbook = Workbook::new();
    add_sheet(&mut workbook, "Contacts", &CONTACTS);
    workbook.save(dir.join("contacts.xlsx")).unwrap();
    let mut log = Workbook::new();
    add_sheet(&mut log, "Consent", &CONSENT);
    log.save(dir.join("consent.xlsx")).unwrap();
    fs::write(dir.join("contacts.csv"), csv_of(&CONTACTS)).unwrap();
    fs::write(dir.join("consent.csv"), csv_of(&CONSENT)).unwrap();

    let (code, from_sheets, stderr) = audit_json(dir, &["contacts.xlsx", "-c", "consent.xlsx"]);
    assert_eq!(code, 1, "{stderr}");
    let (_, from_csv, _) = audit_json(dir, &["contacts.csv", "-c", "consent.csv"]);
    assert_eq!(
        verdicts(&from_sheets),
        verdicts(&from_csv)
            .iter()
            .map(|v| v.replace("consent.csv", "consent.xlsx:Consent"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        from_sheets["summary"]["by_rule"],
        from_csv["summary"]["by_rule"]
    );
    // The contest source, the invalid address and the unconsented people
    // are found in the sheet as in the CSV.
    let rules: Vec<String> = findings(&from_sheets)
        .into_iter()
        .map(|f| format!("{} {}", f.row, f.rule))
        .collect();
    for expected in ["2 C007", "3 H001", "4 C001"] {
        assert!(rules.iter().any(|r| r == expected), "{expected}: {rules:?}");
    }
    // Findings name the file and its sheet, and the sheet's row as line.
    let first = &findings(&from_sheets)[0];
    assert_eq!(first.file, "contacts.xlsx:Contacts");
    let lines: Vec<u64> = from_sheets["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"] == "contacts.xlsx:Contacts")
        .map(|f| f["line"].as_u64().unwrap() - f["row"].as_u64().unwrap())
        .collect();
    assert!(lines.iter().all(|&d| d == 1), "{lines:?}");
    let inputs: Vec<&str> = from_sheets["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, ["contacts.xlsx:Contacts", "consent.xlsx:Consent"]);

    // The cleaned rows show numbers and dates as the sheet does.
    let out = run(listaudit().current_dir(dir).args([
        "audit",
        "contacts.xlsx",
        "-c",
        "consent.xlsx",
        "--as-of",
        AS_OF,
        "--isolated",
        "-q",
        "--cleaned",
        "cleaned.csv",
    ]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let cleaned = fs::read_to_string(dir.join("cleaned.csv")).unwrap();
    assert_eq!(
        cleaned,
        "Record ID,First Name,Email,Phone Number,Create Date,Marketing contact status\n\
         51234567801,Jana,jana.becker@example.com,491701234567,2024-03-01T10:15:00,Marketing contact\n"
    );
}

#[test]
fn sheets_are_chosen_by_name_and_inspected() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut workbook = Workbook::new();
    add_sheet(
        &mut workbook,
        "Notes",
        &[["read me"], ["exported 2025-06-01"]],
    );
    add_sheet(&mut workbook, "Kontakte", &CONTACTS);
    workbook.save(dir.join("crm.xlsx")).unwrap();

    let inspect = |extra: &[&str]| {
        run(listaudit()
            .current_dir(dir)
            .args(["inspect", "crm.xlsx", "--format", "json", "--isolated"])
            .args(extra))
    };
    // The first sheet by default: it has no email column.
    let first = inspect(&[]);
    assert_eq!(first.json()[0]["sheet"], "Notes", "{}", first.stdout);
    let chosen = inspect(&["--sheet", "Kontakte"]);
    let found = &chosen.json()[0];
    assert_eq!(found["path"], "crm.xlsx:Kontakte");
    assert_eq!(found["sheet"], "Kontakte");
    assert_eq!(found["rows"], 4);
    assert_eq!(found["columns"]["email"], "Email");
    assert_eq!(found["header"][3], "Phone Number");
    // Any case finds it; an unknown name lists the sheets.
    assert_eq!(
        inspect(&["--sheet", "kontakte"]).json()[0]["sheet"],
        "Kontakte"
    );
    let unknown = inspect(&["--sheet", "Contacts"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("crm.xlsx: has no sheet 'Contacts'; its sheets: 'Notes', 'Kontakte'"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown
            .stderr
            .contains("hint: name one of them with --sheet")
    );
    // --sheet on CSV files would do nothing: it is refused.
    fs::write(dir.join("list.csv"), csv_of(&CONTACTS)).unwrap();
    let csv = run(listaudit().current_dir(dir).args([
        "audit",
        "list.csv",
        "--sheet",
        "Kontakte",
        "--isolated",
    ]));
    assert_eq!(csv.code, 2);
    assert!(
        csv.stderr
            .contains("--sheet Kontakte: no input is a spreadsheet"),
        "{}",
        csv.stderr
    );
}

/// A minimal OpenDocument spreadsheet, as LibreOffice writes its parts.
fn write_ods(path: &Path, rows: &[[&str; 3]]) {
    let mut table = String::new();
    for row in rows {
        table.push_str("<table:table-row>");
        for cell in row {
            table.push_str(&format!(
                "<table:table-cell office:value-type=\"string\"><text:p>{cell}</text:p></table:table-cell>"
            ));
        }
        table.push_str("</table:table-row>");
    }
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\">\
         <office:body><office:spreadsheet><table:table table:name=\"Abonnenten\">{table}</table:table>\
         </office:spreadsheet></office:body></office:document-content>"
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\
        <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
        <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
        </manifest:manifest>";
    let mut zip = zip::ZipWriter::new(fs::File::create(path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", stored).unwrap();
    zip.write_all(manifest.as_bytes()).unwrap();
    zip.start_file("content.xml", stored).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap();
}

#[test]
fn an_ods_export_is_read_and_a_zip_of_csv_still_is_an_archive() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write_ods(
        &dir.join("liste.ods"),
        &[
            ["E-Mail-Adresse", "Vorname", "Status"],
            ["lena.vogel@example.de", "Lena", "abonniert"],
            ["max@@example.de", "Max", "abgemeldet"],
        ],
    );
    let (code, report, stderr) = audit_json(dir, &["liste.ods"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(report["inputs"][0]["path"], "liste.ods:Abonnenten");
    assert_eq!(report["summary"]["rows"], 2);
    let rules: Vec<String> = findings(&report)
        .into_iter()
        .map(|f| format!("{} {}", f.row, f.rule))
        .collect();
    assert!(rules.contains(&"2 H001".to_string()), "{rules:?}");
    // A ZIP of CSV files is not a spreadsheet.
    let mut zip = zip::ZipWriter::new(fs::File::create(dir.join("export.zip")).unwrap());
    zip.start_file("members.csv", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(csv_of(&CONTACTS).as_bytes()).unwrap();
    zip.finish().unwrap();
    let (code, report, stderr) = audit_json(dir, &["export.zip"]);
    assert_ne!(code, 2, "{stderr}");
    assert_eq!(report["inputs"][0]["path"], "export.zip:members.csv");
}

#[test]
fn a_damaged_workbook_is_an_input_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut workbook = Workbook::new();
    add_sheet(&mut workbook, "Contacts", &CONTACTS);
    workbook.save(dir.join("contacts.xlsx")).unwrap();
    // The archive's directory is cut off: it is no readable workbook.
    let bytes = fs::read(dir.join("contacts.xlsx")).unwrap();
    fs::write(dir.join("cut.xlsx"), &bytes[..bytes.len() - 200]).unwrap();
    let out =
        run(listaudit()
            .current_dir(dir)
            .args(["audit", "cut.xlsx", "--isolated", "-o", "out"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("listaudit: error: cut.xlsx: not a readable ZIP archive"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("hint: the workbook is damaged or incomplete"),
        "{}",
        out.stderr
    );
    assert!(!dir.join("out").exists());
}

/// The cells of a workbook's only sheet, with its name.
fn read_workbook(path: &Path) -> (String, Vec<Vec<calamine::Data>>) {
    use calamine::Reader as _;
    let mut workbook = calamine::open_workbook_auto(path).unwrap();
    let names = workbook.sheet_names();
    assert_eq!(names.len(), 1, "{names:?}");
    let range = workbook.worksheet_range(&names[0]).unwrap();
    (names[0].clone(), range.rows().map(|r| r.to_vec()).collect())
}

#[test]
fn the_lists_of_a_workbook_are_workbooks_with_its_cells() {
    use calamine::Data;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut workbook = Workbook::new();
    add_sheet(&mut workbook, "Contacts", &CONTACTS);
    workbook.save(dir.join("contacts.xlsx")).unwrap();
    fs::write(dir.join("consent.csv"), csv_of(&CONSENT)).unwrap();
    let out = run(listaudit().current_dir(dir).args([
        "audit",
        "contacts.xlsx",
        "-c",
        "consent.csv",
        "--as-of",
        AS_OF,
        "--isolated",
        "-o",
        "out",
    ]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!dir.join("out/cleaned.csv").exists());
    let (name, cleaned) = read_workbook(&dir.join("out/cleaned.xlsx"));
    assert_eq!(name, "Contacts");
    let (_, original) = read_workbook(&dir.join("contacts.xlsx"));
    // The header and the one kept row, cell for cell and type for type:
    // the numbers are numbers, the date a date at the same instant.
    assert_eq!(cleaned.len(), 2);
    assert_eq!(cleaned[0], original[0]);
    for (kept, before) in cleaned[1].iter().zip(&original[1]) {
        match (kept, before) {
            (Data::DateTime(a), Data::DateTime(b)) => {
                assert_eq!(a.as_datetime(), b.as_datetime());
            }
            (Data::Float(a), Data::Float(b)) => assert_eq!(a, b),
            (Data::String(a), Data::String(b)) => assert_eq!(a, b),
            other => panic!("types differ: {other:?}"),
        }
    }
    assert!(matches!(cleaned[1][3], Data::Float(f) if f == 491_701_234_567.0));
    // Removed rows, in order, with the two columns of reasons as text.
    let (_, removed) = read_workbook(&dir.join("out/removed.xlsx"));
    assert_eq!(
        removed[0][6..],
        [
            Data::String("listaudit_rules".into()),
            Data::String("listaudit_reasons".into())
        ]
    );
    let emails: Vec<String> = removed[1..].iter().map(|r| r[2].to_string()).collect();
    assert_eq!(
        emails,
        [
            "pierre.martin@example.fr",
            "ole.hansen@example",
            "aiko.sato@example.jp"
        ]
    );
    assert!(removed[1..].iter().all(
        |r| matches!(&r[6], Data::String(codes) if codes.starts_with('C') || codes.starts_with('H'))
    ));
    assert_eq!(cleaned.len() - 1 + removed.len() - 1, CONTACTS.len() - 1);
    // The cleaned workbook re-imports: audited again, nothing goes.
    let again = run(listaudit().current_dir(dir).args([
        "audit",
        "out/cleaned.xlsx",
        "-c",
        "consent.csv",
        "--as-of",
        AS_OF,
        "--isolated",
        "--format",
        "json",
    ]));
    assert_eq!(again.json()["summary"]["removed"], 0, "{}", again.stdout);
    // A CSV input is never written as a workbook.
    fs::write(dir.join("list.csv"), csv_of(&CONTACTS)).unwrap();
    let refused = run(listaudit().current_dir(dir).args([
        "audit",
        "list.csv",
        "--cleaned",
        "c.xlsx",
        "--isolated",
    ]));
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains(
            "--cleaned c.xlsx: only the lists of a spreadsheet input are written as workbooks"
        ),
        "{}",
        refused.stderr
    );
}

/// `input` in `dir` audited for invalid addresses only (H001), its lists
/// written to `out`.
fn audit_addresses(dir: &Path, input: &str, out: &str, extra: &[&str]) -> crate::util::Run {
    run(listaudit()
        .current_dir(dir)
        .args(["audit", input, "--as-of", AS_OF, "--isolated"])
        .args(["--select", "H001", "-o", out])
        .args(extra))
}

/// A cell with a line break spans two lines of the CSV the sheet is read
/// as, and an empty sheet row is none: the rows written back are still
/// the sheet's own, found by record, not by line.
#[test]
fn rows_are_written_back_by_record_across_line_breaks_and_empty_rows() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let rows: [[&str; 3]; 6] = [
        ["Email", "Notes", "Status"],
        ["gone@", "first line\nsecond line", "subscribed"],
        ["", "", ""],
        ["kept.one@example.com", "x", "subscribed"],
        ["bad@@example.com", "a\nb\nc", "subscribed"],
        ["kept.two@example.com", "y", "subscribed"],
    ];
    let mut workbook = Workbook::new();
    add_sheet(&mut workbook, "Liste", &rows);
    workbook.save(dir.join("liste.xlsx")).unwrap();
    let out = audit_addresses(dir, "liste.xlsx", "out", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let (_, cleaned) = read_workbook(&dir.join("out/cleaned.xlsx"));
    let emails: Vec<String> = cleaned.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(
        emails,
        ["Email", "kept.one@example.com", "kept.two@example.com"]
    );
    let (_, removed) = read_workbook(&dir.join("out/removed.xlsx"));
    let removed: Vec<(String, String)> = removed[1..]
        .iter()
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect();
    assert_eq!(
        removed,
        [
            ("gone@".to_string(), "first line\nsecond line".to_string()),
            ("bad@@example.com".to_string(), "a\nb\nc".to_string())
        ]
    );
}

/// The cells of every sheet of a workbook, by sheet name, in order.
fn read_sheets(path: &Path) -> Vec<(String, Vec<Vec<calamine::Data>>)> {
    use calamine::Reader as _;
    let mut workbook = calamine::open_workbook_auto(path).unwrap();
    workbook
        .worksheets()
        .into_iter()
        .map(|(name, range)| (name, range.rows().map(|r| r.to_vec()).collect()))
        .collect()
}

#[test]
fn the_client_workbook_agrees_with_the_report_and_holds_no_formula() {
    use calamine::{Data, Reader as _};
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    // The demo, and a row whose address cell is a formula's text.
    let mut subscribers =
        fs::read_to_string(crate::util::repo("fixtures/demo/subscribers.csv")).unwrap();
    subscribers.push_str("\"=HYPERLINK(\"\"http://example.net\"\",\"\"x\"\")\",Eva,Formel,Wien,\n");
    fs::write(dir.join("subscribers.csv"), subscribers).unwrap();
    let demo = crate::util::repo("fixtures/demo");
    let out = run(listaudit()
        .current_dir(dir)
        .args(["audit", "subscribers.csv", "--consent"])
        .arg(demo.join("consent.csv"))
        .arg("--suppress")
        .arg(demo.join("suppression.txt"))
        .args([
            "--as-of",
            AS_OF,
            "--isolated",
            "-o",
            "out",
            "--workbook",
            "audit.xlsx",
            "--client",
            "=Beispiel GmbH",
        ]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: Value =
        serde_json::from_slice(&fs::read(dir.join("out/report.json")).unwrap()).unwrap();
    let sheets = read_sheets(&dir.join("audit.xlsx"));
    // The client's name heads the summary, as text even when it looks
    // like a formula; no author was named, so no line for one.
    let summary_sheet = &sheets[0].1;
    assert_eq!(
        summary_sheet[2][..2],
        [
            Data::String("Client".into()),
            Data::String("=Beispiel GmbH".into())
        ]
    );
    assert!(
        !summary_sheet
            .iter()
            .any(|r| r[0] == Data::String("Prepared by".into()))
    );
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Summary", "Findings", "Removed", "Re-permission"]);
    let sheet = |name: &str| &sheets.iter().find(|(n, _)| n == name).unwrap().1;
    let figure = |label: &str| -> f64 {
        sheet("Summary")
            .iter()
            .find(|r| r[0] == Data::String(label.into()))
            .and_then(|r| match r[1] {
                Data::Float(f) => Some(f),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {label} in the summary"))
    };
    let summary = &report["summary"];
    assert_eq!(figure("Subscriber rows"), summary["rows"].as_f64().unwrap());
    assert_eq!(figure("Kept"), summary["kept"].as_f64().unwrap());
    assert_eq!(figure("Removed"), summary["removed"].as_f64().unwrap());
    let findings_total: u64 = summary["by_severity"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(figure("Findings"), findings_total as f64);
    assert_eq!(sheet("Findings").len() as u64 - 1, findings_total);
    // Removed and Re-permission hold the rows removed.csv and
    // repermission.csv hold, with the same rules, in the same order.
    for (name, file) in [
        ("Removed", "removed.csv"),
        ("Re-permission", "repermission.csv"),
    ] {
        let mut reader = csv::Reader::from_path(dir.join("out").join(file)).unwrap();
        let rules_at = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "listaudit_rules")
            .unwrap();
        let expected: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[rules_at].to_string())
            .collect();
        let rows = sheet(name);
        assert_eq!(rows[0][4], Data::String("rules".into()));
        let found: Vec<String> = rows[1..].iter().map(|r| r[4].to_string()).collect();
        assert_eq!(found, expected, "{name}");
        assert!(!found.is_empty(), "{name}");
    }
    assert_eq!(
        figure("May be asked again"),
        (sheet("Re-permission").len() - 1) as f64
    );
    // The formula's text is a string cell, in the email column and in the
    // message; no cell of any sheet is a formula.
    let formula_row = sheet("Findings")
        .iter()
        .find(|r| r[3].to_string().starts_with("=hyperlink("))
        .expect("the formula row has a finding");
    assert!(matches!(&formula_row[3], Data::String(_)));
    let mut workbook = calamine::open_workbook_auto(dir.join("audit.xlsx")).unwrap();
    for name in names {
        let formulas = workbook.worksheet_formula(name).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{name} has a formula"
        );
    }
    // List sheets: header frozen, filter over every row.
    let mut zip = zip::ZipArchive::new(fs::File::open(dir.join("audit.xlsx")).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet2.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    assert!(xml.contains(
        "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
    ));
    assert!(
        xml.contains(&format!("<autoFilter ref=\"A1:H{}\"/>", findings_total + 1)),
        "{xml}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.join("audit.xlsx"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let refused = run(listaudit().current_dir(dir).args([
        "audit",
        "subscribers.csv",
        "--workbook",
        "audit.csv",
        "--isolated",
    ]));
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("--workbook audit.csv: a workbook is an .xlsx file"),
        "{}",
        refused.stderr
    );
}

/// A workbook whose sheet would unpack a thousandfold is refused before
/// it is read, as a ZIP archive's member is.
#[test]
fn a_workbook_that_unpacks_a_thousandfold_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut zip = zip::ZipWriter::new(fs::File::create(dir.join("bomb.xlsx")).unwrap());
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    zip.start_file("xl/workbook.xml", deflated).unwrap();
    zip.write_all(b"<workbook/>").unwrap();
    zip.start_file("xl/worksheets/sheet1.xml", deflated)
        .unwrap();
    let spaces = vec![b' '; 1 << 20];
    // Past the 64 MiB below which no ratio is suspected.
    for _ in 0..66 {
        zip.write_all(&spaces).unwrap();
    }
    zip.finish().unwrap();
    let out =
        run(listaudit()
            .current_dir(dir)
            .args(["audit", "bomb.xlsx", "--isolated", "-o", "out"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("bomb.xlsx: its part xl/worksheets/sheet1.xml unpacks to 66 MiB from")
            && out.stderr.contains("refused as a ZIP bomb"),
        "{}",
        out.stderr
    );
    assert!(!dir.join("out").exists());
}

/// `path`'s first sheet with its last `<row>` element moved before the
/// first: the same cells, stored out of row order, which a workbook may
/// do (the format allows it) though common writers do not.
fn with_rows_out_of_order(path: &Path, to: &Path) {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(fs::File::create(to).unwrap());
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).unwrap();
        let name = part.name().unwrap().to_string();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(bytes).unwrap();
            let first = xml.find("<row ").unwrap();
            let last = xml.rfind("<row ").unwrap();
            let end = last + xml[last..].find("</row>").unwrap() + "</row>".len();
            assert!(last > first);
            let moved = format!(
                "{}{}{}{}",
                &xml[..first],
                &xml[last..end],
                &xml[first..last],
                &xml[end..]
            );
            bytes = moved.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
}

/// A sheet is streamed row by row when its cells are in row order, and
/// read whole when they are not; both give the same audit and the same
/// lists, for a table that starts at C3 with ragged rows, a multi-line
/// cell and an empty row inside it.
#[test]
fn a_sheet_streamed_or_read_whole_audits_alike() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let rows: [[&str; 4]; 7] = [
        ["Email", "Notes", "Status", "Tags"],
        ["kept.one@example.com", "", "subscribed", ""],
        ["gone@", "first line\nsecond line", "", ""],
        ["", "", "", ""],
        ["kept.two@example.com", "", "", "vip"],
        ["bad@@example.com", "x", "", ""],
        ["kept.three@example.com", "", "", ""],
    ];
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Liste").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                // From C3: two empty rows and columns before the table.
                sheet
                    .write_string(r as u32 + 2, c as u16 + 2, *text)
                    .unwrap();
            }
        }
    }
    workbook.save(dir.join("in-order.xlsx")).unwrap();
    with_rows_out_of_order(&dir.join("in-order.xlsx"), &dir.join("out-of-order.xlsx"));

    let mut seen = Vec::new();
    for name in ["in-order", "out-of-order"] {
        let out = audit_addresses(dir, &format!("{name}.xlsx"), name, &["--format", "json"]);
        assert_eq!(out.code, 1, "{name}: {}", out.stderr);
        let report = out.json();
        let (_, cleaned) = read_workbook(&dir.join(name).join("cleaned.xlsx"));
        let (_, removed) = read_workbook(&dir.join(name).join("removed.xlsx"));
        let text = |rows: &[Vec<calamine::Data>]| -> Vec<Vec<String>> {
            rows.iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect()
        };
        seen.push((
            findings(&report)
                .into_iter()
                .map(|f| format!("{} {} {}", f.file, f.row, f.rule))
                .collect::<Vec<_>>(),
            text(&cleaned),
            text(&removed),
        ));
    }
    let (found, cleaned, removed) = &seen[0];
    // Findings name the sheet and the data row (the empty row is none).
    assert_eq!(
        *found,
        ["in-order.xlsx:Liste 2 H001", "in-order.xlsx:Liste 4 H001"]
    );
    // The table's columns only, as wide as its header, rows in order.
    assert_eq!(
        *cleaned,
        [
            ["Email", "Notes", "Status", "Tags"],
            ["kept.one@example.com", "", "subscribed", ""],
            ["kept.two@example.com", "", "", "vip"],
            ["kept.three@example.com", "", "", ""],
        ]
    );
    assert_eq!(removed[1][..2], ["gone@", "first line\nsecond line"]);
    assert_eq!(removed[2][..2], ["bad@@example.com", "x"]);
    let (other, other_cleaned, other_removed) = &seen[1];
    let renamed: Vec<String> = other
        .iter()
        .map(|f| f.replace("out-of-order", "in-order"))
        .collect();
    assert_eq!(renamed, *found);
    assert_eq!(other_cleaned, cleaned);
    assert_eq!(other_removed, removed);
}
