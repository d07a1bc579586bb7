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
