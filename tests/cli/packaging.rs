//! What ships besides the binary: the container image and the release
//! workflow keep the promises the README makes about them. No Docker
//! daemon or GitHub runner is needed; their files are read.

use crate::util::repo;

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap()
}

#[test]
fn the_image_is_built_in_one_stage_and_runs_unprivileged_in_another() {
    let dockerfile = read("Dockerfile");
    let instructions: Vec<&str> = dockerfile
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .collect();
    let stages: Vec<usize> = instructions
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("FROM "))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(stages.len(), 2, "{dockerfile}");
    let (build, last) = instructions.split_at(stages[1]);
    assert!(build[0].ends_with(" AS build"), "{}", build[0]);
    assert!(
        build
            .iter()
            .any(|l| l.contains("cargo build --release --locked --bin listaudit"))
    );
    // The final stage holds the binary only, and drops root before it runs.
    assert!(!last.iter().any(|l| l.contains("cargo")));
    assert!(
        last.contains(&"COPY --from=build /src/target/release/listaudit /usr/local/bin/listaudit")
    );
    let user = last
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("the final stage sets a USER");
    let name = user.split(':').next().unwrap();
    assert!(name != "root" && name != "0", "{user}");
    let entry = last
        .iter()
        .position(|l| l.starts_with("ENTRYPOINT"))
        .unwrap();
    let user_at = last.iter().position(|l| l.starts_with("USER ")).unwrap();
    assert!(user_at < entry);
    assert_eq!(last[entry], "ENTRYPOINT [\"/usr/local/bin/listaudit\"]");
    // Local outputs (personal data) and build output stay out of the
    // build context.
    let ignored = read(".dockerignore");
    for entry in ["target/", ".git/", "audit-out/"] {
        assert!(ignored.lines().any(|l| l == entry), "{entry}");
    }
    // The README shows the run that owns its outputs.
    assert!(
        read("README.md")
            .contains("docker run --rm --user \"$(id -u):$(id -g)\" -v \"$PWD:/data\"")
    );
}

#[test]
fn releases_build_every_platform_and_run_the_readme_demo() {
    let workflow = read(".github/workflows/release.yml");
    assert!(workflow.contains("tags: [\"v[0-9]+.[0-9]+.[0-9]+*\"]"));
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(workflow.contains(&format!("target: {target}")), "{target}");
    }
    assert!(workflow.contains("cargo build --release --locked --bin listaudit"));
    // The release checks each binary on the demo the README runs.
    let readme = read("README.md");
    let demo = readme
        .lines()
        .find_map(|l| l.strip_prefix("cargo run --release -- audit "))
        .expect("the README runs the demo");
    let demo_step: String = workflow
        .split("name: Run the bundled demo")
        .nth(1)
        .unwrap()
        .split("- name:")
        .next()
        .unwrap()
        .replace("\\\n", " ");
    for word in demo
        .split_whitespace()
        .filter(|w| *w != "--out-dir" && *w != "audit-out")
    {
        assert!(
            demo_step.contains(word),
            "{word} is not in the release's demo run"
        );
    }
}

/// The README is what a newcomer reads: short, with the two commands and
/// the picture on its first screen; the rest is in docs/.
#[test]
fn the_readme_is_a_first_screen_and_every_link_resolves() {
    let readme = read("README.md");
    assert!(
        readme.len() <= 12 * 1024,
        "README.md is {} bytes",
        readme.len()
    );
    let first_screen: String = readme.lines().take(30).collect::<Vec<_>>().join("\n");
    for expected in [
        "cargo run --release -- audit fixtures/demo/subscribers.csv",
        "cargo test",
        "](docs/images/report.png)",
    ] {
        assert!(
            first_screen.contains(expected),
            "{expected} is not on the first screen"
        );
    }
    // Every relative link of the README and the docs names a file that
    // exists (anchors aside).
    let mut pages = vec![repo("README.md")];
    for entry in std::fs::read_dir(repo("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    let mut checked = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let target = &rest[..rest.find(')').unwrap()];
            if target.starts_with("http") || target.starts_with('#') {
                continue;
            }
            let path = target.split('#').next().unwrap();
            let resolved = page.parent().unwrap().join(path);
            assert!(
                resolved.exists(),
                "{}: the link {target} names nothing",
                page.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked} links");
}

/// docs/rules.md is the registry's catalog as `rules --format markdown`
/// prints it; regenerate it with that command when a rule changes.
#[test]
fn the_rule_catalog_in_docs_is_generated_from_the_registry() {
    let out = crate::util::run(crate::util::listaudit().args(["rules", "--format", "markdown"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout == read("docs/rules.md"),
        "docs/rules.md is stale: run `cargo run -- rules --format markdown > docs/rules.md`"
    );
    for code in ["C001", "R002", "H009", "D004"] {
        assert!(
            out.stdout
                .contains(&format!("| [{code}](rules/{code}.md) |"))
        );
    }
    assert!(
        out.stdout
            .contains("| eu-gdpr | de-strict | fr-cnil | uk-pecr | ca-casl | us-can-spam |")
    );
}
