//! `lookup` and `erase` on a multi-silo scenario: a newsletter export
//! (CRLF), a semicolon CRM export in Windows-1252 with the address under
//! `Kontakt` and in a second address column, a pretty-printed JSON array
//! of shop orders with the address nested, and a JSON Lines consent log
//! with an erasure request (and one lifted by a later sign-up). The
//! people are spelled with other cases and padding in each file.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::util::{files_in, listaudit, repo, run};

const NEWSLETTER: &str = "fixtures/rights/newsletter.csv";
const CRM: &str = "fixtures/rights/crm.csv";
const SHOP: &str = "fixtures/rights/shop.json";
const CONSENT: &str = "fixtures/rights/consent.jsonl";
const REQUESTS: &str = "fixtures/rights/requests.txt";

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The input without the given 1-based physical lines, byte for byte.
fn without_lines(path: &str, drop: &[usize]) -> Vec<u8> {
    let bytes = fs::read(repo(path)).unwrap();
    bytes
        .split_inclusive(|b| *b == b'\n')
        .enumerate()
        .filter(|(i, _)| !drop.contains(&(i + 1)))
        .flat_map(|(_, line)| line.to_vec())
        .collect()
}

#[test]
fn lookup_finds_every_row_naming_the_person_in_any_column() {
    let result = run(listaudit()
        .args([
            "lookup",
            "  Anna.Schmidt@EXAMPLE.org",
            NEWSLETTER,
            CRM,
            SHOP,
        ])
        .arg(CONSENT)
        .args(["--format", "json"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let document = result.json();
    assert_eq!(document["email"], "anna.schmidt@example.org");
    let found: Vec<(String, u64, String)> = document["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["file"].as_str().unwrap().to_string(),
                m["row"].as_u64().unwrap(),
                m["column"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        (NEWSLETTER, 2, "Email Address"),
        (CRM, 3, "Kontakt"),
        (CRM, 5, "Zweit-E-Mail"),
        (SHOP, 2, "customer.email"),
        (CONSENT, 2, "email"),
        (CONSENT, 3, "email"),
    ]
    .map(|(f, r, c)| (f.to_string(), r, c.to_string()));
    // Not anna.schmidt+news@ (another mailbox name), not @example.com.
    assert_eq!(found, expected);
    // The row as it is, decoded from Windows-1252.
    let crm_row = &document["matches"][1]["fields"];
    assert_eq!(crm_row["Stadt"], "Düsseldorf");
    assert_eq!(crm_row["Notiz"], "Rückruf; bitte");
    assert_eq!(crm_row["Kontakt"], " ANNA.SCHMIDT@example.org ");
    assert_eq!(
        document["matches"][3]["fields"]["customer"]["name"],
        "Anna Schmidt"
    );
    assert_eq!(
        document["consent_history"],
        json!([
            {"event": "opt_in", "timestamp": "2024-05-10T10:00:00Z", "purpose": "newsletter",
             "source": "website", "file": CONSENT, "row": 2},
            {"event": "confirm", "timestamp": "2024-05-10T10:02:00Z", "purpose": "newsletter",
             "source": "website", "file": CONSENT, "row": 3},
        ])
    );
}

#[test]
fn lookup_history_is_in_time_order_and_nobody_found_exits_1() {
    let result = run(listaudit()
        .args(["lookup", "jonas.keller@example.net", CONSENT, NEWSLETTER])
        .args(["--format", "json"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let document = result.json();
    let events: Vec<&str> = document["consent_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["erasure", "opt_in", "confirm"]);

    let nobody = run(listaudit().args(["lookup", "nobody@example.org", NEWSLETTER, CRM]));
    assert_eq!(nobody.code, 1, "{}", nobody.stderr);
    assert!(
        nobody
            .stdout
            .starts_with("nobody@example.org: 0 rows in 0 files"),
        "{}",
        nobody.stdout
    );
}

#[test]
fn lookup_of_several_people_reports_bad_lines_and_answers_for_each() {
    let result = run(listaudit()
        .args(["lookup", "--addresses", REQUESTS, NEWSLETTER, CRM, SHOP])
        .args(["--format", "json"]));
    // nobody.here@ is in no file.
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(
        result.stderr,
        format!(
            "listaudit: warning: {REQUESTS} line 3: 'not-an-address' is not an email address; skipped\n"
        )
    );
    let documents = result.json();
    let counts: Vec<(String, usize)> = documents
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["email"].as_str().unwrap().to_string(),
                d["matches"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("anna.schmidt@example.org".to_string(), 4),
            ("nobody.here@example.org".to_string(), 0)
        ]
    );
}

#[test]
fn lookup_reads_the_address_from_standard_input_so_it_stays_out_of_the_process_list() {
    let result = run(listaudit()
        .args(["lookup", "--addresses", "-", NEWSLETTER, "--format", "json"])
        .write_stdin("  Anna.Schmidt@Example.org \n"));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let people = result.json();
    assert_eq!(people[0]["email"], "anna.schmidt@example.org");
    assert_eq!(people[0]["matches"][0]["row"], 2);
    assert_eq!(people[0]["matches"][0]["file"], NEWSLETTER);
}

#[test]
fn lookup_refuses_a_file_in_place_of_the_address() {
    let result = run(listaudit().args(["lookup", NEWSLETTER, CRM]));
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .contains("'fixtures/rights/newsletter.csv' is a file, not an email address"),
        "{}",
        result.stderr
    );
}

struct Erased {
    dir: tempfile::TempDir,
    result: crate::util::Run,
}

impl Erased {
    fn out(&self) -> PathBuf {
        self.dir.path().join("erased")
    }

    fn receipt(&self) -> Value {
        serde_json::from_slice(&fs::read(self.out().join("erasure-receipt.json")).unwrap()).unwrap()
    }
}

fn erase(extra: &[&str]) -> Erased {
    let dir = tempfile::tempdir().unwrap();
    let result = run(listaudit()
        .args(["erase", "--addresses", REQUESTS, "--consent", CONSENT])
        .args([NEWSLETTER, CRM, SHOP])
        .args(["--as-of", "2025-11-01", "--out-dir"])
        .arg(dir.path().join("erased"))
        .args(extra));
    Erased { dir, result }
}

#[test]
fn erase_removes_exactly_the_people_and_keeps_every_other_byte() {
    let erased = erase(&[]);
    assert_eq!(erased.result.code, 0, "{}", erased.result.stderr);
    let out = erased.out();
    assert_eq!(
        files_in(&out),
        [
            "crm.csv",
            "erasure-receipt.csv",
            "erasure-receipt.json",
            "listaudit-manifest.json",
            "newsletter.csv",
            "shop.json",
            "suppression.sha256"
        ]
    );
    // Anna (requests.txt, any spelling, any column) and Ole (erasure
    // request in the log); Jonas signed up again after his request.
    assert_eq!(
        fs::read(out.join("newsletter.csv")).unwrap(),
        without_lines(NEWSLETTER, &[3, 5])
    );
    assert_eq!(
        fs::read(out.join("crm.csv")).unwrap(),
        without_lines(CRM, &[2, 4, 6])
    );
    let shop: Value = serde_json::from_slice(&fs::read(out.join("shop.json")).unwrap()).unwrap();
    let orders: Vec<&str> = shop
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order"].as_str().unwrap())
        .collect();
    // A-1003 names Ole in a `cc` list as a mailto: link.
    assert_eq!(orders, ["A-1001"]);
    let original = fs::read_to_string(repo(SHOP)).unwrap();
    let first_order_end = original.find("\n  },").unwrap() + "\n  }".len();
    assert_eq!(
        fs::read_to_string(out.join("shop.json")).unwrap(),
        format!("{}\n]\n", &original[..first_order_end])
    );
    assert!(
        erased.result.stdout.contains("not erased: the erasure request in fixtures/rights/consent.jsonl row 6 was followed by a new sign-up"),
        "{}",
        erased.result.stdout
    );
    assert!(
        erased
            .result
            .stderr
            .contains("requests.txt line 3: 'not-an-address' is not an email address; skipped"),
        "{}",
        erased.result.stderr
    );
    #[cfg(unix)]
    for name in files_in(&out) {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(out.join(&name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
}

#[test]
fn receipts_count_what_was_removed_and_name_people_only_by_digest() {
    let erased = erase(&[]);
    assert_eq!(erased.result.code, 0, "{}", erased.result.stderr);
    let receipt = erased.receipt();
    let anna = sha256_hex(b"anna.schmidt@example.org");
    let ole = sha256_hex(b"ole.berger@example.net");
    let nobody = sha256_hex(b"nobody.here@example.org");
    let people: Vec<(String, u64)> = receipt["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["address_sha256"].as_str().unwrap().to_string(),
                p["rows_removed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        people,
        [(anna.clone(), 4), (nobody.clone(), 0), (ole.clone(), 3)]
    );
    assert_eq!(
        receipt["people"][2]["requested_by"],
        json!({"from": "erasure-request", "file": CONSENT, "row": 5,
               "requested_at": "2025-09-14T08:30:00Z"})
    );
    assert_eq!(receipt["summary"]["rows_removed"], 7);
    for (file, rows, removed) in [(NEWSLETTER, 6, 2), (CRM, 6, 3), (SHOP, 3, 2)] {
        let entry = receipt["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == file)
            .unwrap();
        assert_eq!(entry["rows"], rows, "{file}");
        assert_eq!(entry["rows_removed"], removed, "{file}");
        assert_eq!(
            entry["input_sha256"],
            sha256_hex(&fs::read(repo(file)).unwrap())
        );
        let name = Path::new(file).file_name().unwrap();
        assert_eq!(
            entry["output_sha256"],
            sha256_hex(&fs::read(erased.out().join(name)).unwrap())
        );
    }
    let crm = receipt["files"][1].clone();
    assert_eq!(crm["encoding"], "windows-1252");
    assert_eq!(crm["delimiter"], ";");

    let csv = fs::read_to_string(erased.out().join("erasure-receipt.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "address_sha256",
            "file",
            "rows_removed",
            "rows",
            "input_sha256",
            "output_sha256",
            "erased_at"
        ]
    );
    let anna_crm = rows
        .iter()
        .find(|r| r[0] == anna && r[1] == CRM)
        .expect("a line for Anna in the CRM");
    assert_eq!(anna_crm[2..4], ["2", "3;5"]);
    assert_eq!(rows.len(), 1 + 3 * 3);

    // No address is kept anywhere in what erase writes about people.
    for name in [
        "erasure-receipt.json",
        "erasure-receipt.csv",
        "suppression.sha256",
    ] {
        let text = fs::read_to_string(erased.out().join(name)).unwrap();
        assert!(!text.contains('@'), "{name} holds an address");
    }
    let suppression = fs::read_to_string(erased.out().join("suppression.sha256")).unwrap();
    // SHA-256 hex of each address, one per line and nothing else, sorted.
    let mut expected = [anna.as_str(), ole.as_str(), nobody.as_str()];
    expected.sort();
    assert_eq!(suppression, format!("{}\n", expected.join("\n")));
}

#[test]
fn a_reimport_is_flagged_by_the_hashed_suppression_list() {
    let erased = erase(&[]);
    assert_eq!(erased.result.code, 0, "{}", erased.result.stderr);
    let result = run(listaudit()
        .args(["audit", NEWSLETTER, "--consent", CONSENT, "--suppress"])
        .arg(erased.out().join("suppression.sha256"))
        .args(["--as-of", "2025-11-01", "--format", "json"]));
    let report = result.json();
    let suppressed: Vec<(u64, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "R003")
        .map(|f| (f["row"].as_u64().unwrap(), f["email"].as_str().unwrap()))
        .collect();
    assert_eq!(
        suppressed,
        [
            (2, "anna.schmidt@example.org"),
            (4, "ole.berger@example.net")
        ]
    );
    let inputs = report["inputs"].as_array().unwrap();
    assert!(
        inputs
            .iter()
            .any(|i| i["kind"] == "suppression" && i["rows"] == 3),
        "{inputs:?}"
    );
    // The erased export itself passes the suppression list.
    let again = run(listaudit()
        .args(["audit"])
        .arg(erased.out().join("newsletter.csv"))
        .args(["--consent", CONSENT, "--suppress"])
        .arg(erased.out().join("suppression.sha256"))
        .args(["--as-of", "2025-11-01", "--format", "json"]));
    assert!(
        !again.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "R003" || f["rule"] == "R002"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_second_run_keeps_the_first_runs_receipts_copies_and_digests() {
    let erased = erase(&[]);
    assert_eq!(erased.result.code, 0, "{}", erased.result.stderr);
    let out = erased.out();
    let first: Vec<(String, Vec<u8>)> = files_in(&out)
        .into_iter()
        .map(|name| (name.clone(), fs::read(out.join(&name)).unwrap()))
        .collect();
    let list = erased.dir.path().join("second.txt");
    fs::write(&list, "lena.vogt@example.com\n").unwrap();
    // From the original again: its copy would bring back the people the
    // first run removed from it. Refused, nothing changed.
    let again = run(listaudit()
        .args(["erase", "--addresses"])
        .arg(&list)
        .arg(NEWSLETTER)
        .arg("--out-dir")
        .arg(&out));
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("newsletter.csv exists; erase never writes over a file in --out-dir"),
        "{}",
        again.stderr
    );
    for (name, bytes) in &first {
        assert_eq!(&fs::read(out.join(name)).unwrap(), bytes, "{name}");
    }
    // From the first run's copy, in place: new receipts beside the old.
    let copy = out.join("newsletter.csv");
    let second = run(listaudit()
        .args(["erase", "--addresses"])
        .arg(&list)
        .arg("--in-place")
        .arg(&copy)
        .arg("--out-dir")
        .arg(&out));
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second
            .stdout
            .contains("Wrote erasure-receipt-2.json, erasure-receipt-2.csv and suppression.sha256"),
        "{}",
        second.stdout
    );
    for (name, bytes) in &first {
        // The manifest names the second run's set now.
        if ![
            "suppression.sha256",
            "newsletter.csv",
            "listaudit-manifest.json",
        ]
        .contains(&name.as_str())
        {
            assert_eq!(&fs::read(out.join(name)).unwrap(), bytes, "{name}");
        }
    }
    let receipt: Value =
        serde_json::from_slice(&fs::read(out.join("erasure-receipt-2.json")).unwrap()).unwrap();
    assert_eq!(receipt["summary"]["rows_removed"], 1, "{receipt}");
    let copy_text = fs::read_to_string(&copy).unwrap().to_lowercase();
    assert!(!copy_text.contains("lena.vogt@example.com"));
    assert!(!copy_text.contains("anna.schmidt@example.org"));
    let suppression = fs::read_to_string(out.join("suppression.sha256")).unwrap();
    assert_eq!(suppression.lines().count(), 4);
    assert!(suppression.contains(&sha256_hex(b"lena.vogt@example.com")));
    assert!(suppression.contains(&sha256_hex(b"anna.schmidt@example.org")));
}

#[test]
fn dry_run_reports_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("erased");
    let result = run(listaudit()
        .args(["erase", "--addresses", REQUESTS, "-c", CONSENT])
        .args([NEWSLETTER, CRM, SHOP])
        .args(["--as-of", "2025-11-01", "--dry-run", "--out-dir"])
        .arg(&out)
        .args(["--format", "json"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let receipt = result.json();
    assert_eq!(receipt["dry_run"], true);
    assert_eq!(receipt["summary"]["rows_removed"], 7);
    assert_eq!(receipt["files"][0]["output"], Value::Null);
    assert!(!out.exists());
}

/// Copies the scenario into a temporary directory, for `--in-place`.
fn scenario_copy() -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let files = [NEWSLETTER, CRM, SHOP]
        .iter()
        .map(|file| {
            let to = dir.path().join(Path::new(file).file_name().unwrap());
            fs::copy(repo(file), &to).unwrap();
            to
        })
        .collect();
    (dir, files)
}

#[test]
fn in_place_replaces_the_files_keeping_their_mode() {
    let (dir, files) = scenario_copy();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&files[0], fs::Permissions::from_mode(0o644)).unwrap();
    }
    let bystander = dir.path().join("bystander.csv");
    fs::write(&bystander, "email\nlena.vogt@example.com\n").unwrap();
    #[cfg(unix)]
    let inode = |path: &Path| std::os::unix::fs::MetadataExt::ino(&fs::metadata(path).unwrap());
    #[cfg(unix)]
    let (bystander_inode, newsletter_inode) = (inode(&bystander), inode(&files[0]));
    let receipts = dir.path().join("receipts");
    let result = run(listaudit()
        .args([
            "erase",
            "--addresses",
            REQUESTS,
            "-c",
            CONSENT,
            "--in-place",
        ])
        .args(&files)
        .arg(&bystander)
        .args(["--as-of", "2025-11-01", "-o"])
        .arg(&receipts));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(
        fs::read(&files[0]).unwrap(),
        without_lines(NEWSLETTER, &[3, 5])
    );
    assert_eq!(fs::read(&files[1]).unwrap(), without_lines(CRM, &[2, 4, 6]));
    // A file that loses no row is not rewritten; the others are new files
    // renamed over the old ones.
    #[cfg(unix)]
    {
        assert_eq!(inode(&bystander), bystander_inode);
        assert_ne!(inode(&files[0]), newsletter_inode);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }
    assert_eq!(
        files_in(&receipts),
        [
            "erasure-receipt.csv",
            "erasure-receipt.json",
            "listaudit-manifest.json",
            "suppression.sha256"
        ]
    );
    let mut names = files_in(dir.path());
    names.retain(|n| n.ends_with(".tmp"));
    assert!(names.is_empty(), "temporary files left: {names:?}");
}

/// A large export with the person near the end, so that a write cut off
/// by a file-size limit stops midway through the new version.
fn large_export(dir: &Path) -> (PathBuf, Vec<u8>) {
    let mut text = String::from("email,name,note\n");
    for i in 0..40_000 {
        text.push_str(&format!(
            "person{i}@example.org,Person {i},some notes to make the row longer\n"
        ));
    }
    text.push_str("anna.schmidt@example.org,Anna,to be erased\n");
    let path = dir.join("large.csv");
    fs::write(&path, &text).unwrap();
    (path, text.into_bytes())
}

#[cfg(unix)]
#[test]
fn an_interrupted_in_place_erase_leaves_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, original) = large_export(dir.path());
    let list = dir.path().join("requests.txt");
    fs::write(&list, "anna.schmidt@example.org\n").unwrap();
    let binary = assert_cmd::cargo::cargo_bin!("listaudit");
    let receipts = dir.path().join("receipts");
    // 256 blocks: far less than the 2.7 MB the new version needs.
    for (handling, expect_exit) in [("", None), ("trap '' XFSZ;", Some(2))] {
        let script = format!(
            "{handling} ulimit -f 256; exec \"$0\" erase --addresses \"$1\" --in-place \"$2\" -o \"$3\""
        );
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .arg(binary)
            .arg(&list)
            .arg(&path)
            .arg(&receipts)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        match expect_exit {
            // Killed by SIGXFSZ in the middle of writing. A kill can
            // leave the hidden temporary file next to the input (signal
            // handling is not in yet); never a changed input.
            None => {
                assert_eq!(output.status.code(), None, "{stderr}");
                for name in files_in(dir.path()) {
                    if name.ends_with(".tmp") {
                        assert!(name.starts_with(".large.csv."), "{name}");
                        fs::remove_file(dir.path().join(name)).unwrap();
                    }
                }
            }
            // The write fails; the error names the file.
            Some(code) => {
                assert_eq!(output.status.code(), Some(code), "{stderr}");
                assert!(
                    stderr.starts_with(&format!(
                        "listaudit: error: {}: cannot write",
                        path.display()
                    )),
                    "{stderr}"
                );
                let mut left = files_in(dir.path());
                left.retain(|n| n.ends_with(".tmp"));
                assert!(left.is_empty(), "temporary files left: {left:?}");
            }
        }
        assert_eq!(fs::read(&path).unwrap(), original, "{handling}");
        assert!(!receipts.join("erasure-receipt.json").exists());
    }
    // Without the limit the same erase completes.
    let result = run(listaudit()
        .args(["erase", "--addresses"])
        .arg(&list)
        .arg("--in-place")
        .arg(&path)
        .arg("-o")
        .arg(&receipts));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(
        fs::read(&path).unwrap(),
        &original[..original.len() - "anna.schmidt@example.org,Anna,to be erased\n".len()]
    );
}

#[test]
fn an_input_that_cannot_be_read_stops_everything() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("orders.json");
    fs::write(
        &broken,
        "[\n  {\"email\": \"anna.schmidt@example.org\"},\n  {\"email\": ",
    )
    .unwrap();
    let out = dir.path().join("erased");
    let result = run(listaudit()
        .args(["erase", "--addresses", REQUESTS, NEWSLETTER])
        .arg(&broken)
        .arg("--out-dir")
        .arg(&out));
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result.stderr.contains(&format!(
            "{}: line 3: not valid JSON: the file ends inside a value",
            broken.display()
        )),
        "{}",
        result.stderr
    );
    assert!(!result.stderr.contains("panicked"));
    assert!(!out.exists(), "output left: {:?}", files_in(&out));
}

#[test]
fn undecodable_bytes_past_the_sniffed_start_stop_everything() {
    let dir = tempfile::tempdir().unwrap();
    // Valid UTF-8 (with umlauts) for longer than the sniffed 64 KiB, so
    // the file is read as UTF-8; then a Latin-1 byte.
    let mut bytes = b"email,city\n".to_vec();
    for i in 0..3000 {
        bytes.extend_from_slice(format!("p{i}@example.org,K\u{f6}ln\n").as_bytes());
    }
    bytes.extend_from_slice(b"bad@example.org,K\xf6ln\n");
    let export = dir.path().join("export.csv");
    fs::write(&export, &bytes).unwrap();
    let out = dir.path().join("erased");
    let result = run(listaudit()
        .args(["erase", "--addresses", REQUESTS])
        .arg(&export)
        .arg(NEWSLETTER)
        .arg("--out-dir")
        .arg(&out));
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result.stderr.starts_with(&format!(
            "listaudit: error: {}: line 3002: byte 0xF6 is not valid utf-8",
            export.display()
        )),
        "{}",
        result.stderr
    );
    assert!(!out.exists(), "output left: {:?}", files_in(&out));
}

#[test]
fn an_out_dir_holding_an_input_of_that_name_is_refused() {
    let (dir, files) = scenario_copy();
    let before = fs::read(&files[0]).unwrap();
    let result = run(listaudit()
        .args(["erase", "--addresses", REQUESTS])
        .arg(&files[0])
        .arg("--out-dir")
        .arg(dir.path()));
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result.stderr.contains("inputs are never overwritten"),
        "{}",
        result.stderr
    );
    assert_eq!(fs::read(&files[0]).unwrap(), before);
    assert!(!dir.path().join("erasure-receipt.json").exists());
}

#[test]
fn explain_r002_points_to_erase() {
    let result = run(listaudit().args(["explain", "R002"]));
    assert_eq!(result.code, 0);
    assert!(
        result.stdout.contains("listaudit erase -c consent.csv"),
        "{}",
        result.stdout
    );
}

#[test]
fn erase_keeps_utf16_byte_order_marks_blank_lines_and_headerless_lists() {
    let dir = tempfile::tempdir().unwrap();
    let utf16 = |text: &str| -> Vec<u8> {
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    };
    let files: [(&str, Vec<u8>, Vec<u8>); 3] = [
        (
            "excel.csv",
            utf16("Email\tName\r\nanna@example.org\tÄnna\r\nbob@example.org\tBob\r\n"),
            utf16("Email\tName\r\nbob@example.org\tBob\r\n"),
        ),
        // No header: the first line is a row, and the mark stays.
        (
            "list.txt",
            b"\xef\xbb\xbfANNA@example.org\nbob@example.org\n".to_vec(),
            b"\xef\xbb\xbfbob@example.org\n".to_vec(),
        ),
        (
            "log.jsonl",
            b"\xef\xbb\xbf{\"email\":\"anna@example.org\",\"event\":\"opt_in\"}\n\n{\"email\":\"bob@example.org\"}\n".to_vec(),
            b"\xef\xbb\xbf\n{\"email\":\"bob@example.org\"}\n".to_vec(),
        ),
    ];
    let requests = dir.path().join("requests.txt");
    fs::write(&requests, "anna@example.org\n").unwrap();
    let mut cmd = listaudit();
    cmd.args(["erase", "--addresses"]).arg(&requests);
    for (name, input, _) in &files {
        let path = dir.path().join(name);
        fs::write(&path, input).unwrap();
        cmd.arg(path);
    }
    let out = dir.path().join("out");
    let result = run(cmd.arg("-o").arg(&out));
    assert_eq!(result.code, 0, "{}", result.stderr);
    for (name, _, expected) in &files {
        assert_eq!(&fs::read(out.join(name)).unwrap(), expected, "{name}");
    }
}
