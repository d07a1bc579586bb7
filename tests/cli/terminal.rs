//! On a terminal: `--color never` removes every styling sequence, from the
//! progress display too, while the progress still shows; `TERM=dumb`
//! means no colour and no styling. The binary runs on a pseudo-terminal
//! made by `script` (util-linux).

use std::process::Command;

use crate::util::AS_OF;

/// What the audit of the demo writes to a terminal, standard error and
/// output together, with `TERM` and `flags`.
fn on_terminal(term: &str, flags: &str) -> String {
    let bin = assert_cmd::cargo::cargo_bin!("listaudit");
    let command = format!(
        "{} audit fixtures/demo/subscribers.csv --consent fixtures/demo/consent.csv --as-of {AS_OF} --isolated {flags}",
        bin.display()
    );
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TERM", term)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("`script` (util-linux) runs the binary on a pseudo-terminal");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Select Graphic Rendition sequences (`ESC [ … m`): colour and bold.
fn styling(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices("\x1b[") {
        let rest = &text[i + 2..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(rest.len());
        if rest[end..].starts_with('m') {
            found.push(format!("ESC[{}m", &rest[..end]));
        }
    }
    found
}

#[test]
fn color_never_leaves_no_styling_while_progress_shows() {
    let styled = on_terminal("xterm-256color", "");
    assert!(styled.contains("kept"), "{styled}");
    assert!(
        styling(&styled).contains(&"ESC[1m".to_string()),
        "{styled:?}"
    );
    // The progress display is there: its byte counts.
    assert!(styled.contains("3.07 KiB/3.07 KiB"), "{styled:?}");

    let plain = on_terminal("xterm-256color", "--color never");
    assert!(plain.contains("3.07 KiB/3.07 KiB"), "{plain:?}");
    assert!(plain.contains("kept"), "{plain:?}");
    assert_eq!(styling(&plain), Vec::<String>::new(), "{plain:?}");

    let dumb = on_terminal("dumb", "");
    assert!(dumb.contains("kept"), "{dumb:?}");
    assert_eq!(styling(&dumb), Vec::<String>::new(), "{dumb:?}");
}
