//! Terminal concerns decided once: colour, progress bars.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::ColorWhen;

/// Whether to colour output going to a stream: `always`, `never`, or, for
/// `auto`, when the stream is a terminal and `NO_COLOR` is unset or empty.
pub fn use_color(when: ColorWhen, is_terminal: bool) -> bool {
    color_for(
        when,
        is_terminal,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

/// `auto`: a terminal that is not `TERM=dumb`, without `NO_COLOR` set.
fn color_for(
    when: ColorWhen,
    is_terminal: bool,
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            is_terminal && no_color.is_none_or(|v| v.is_empty()) && term.is_none_or(|t| t != "dumb")
        }
    }
}

/// The progress line; `styled` adds bold, the only styling it has.
fn progress_template(styled: bool) -> &'static str {
    if styled {
        "{prefix:.bold} {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})"
    } else {
        "{prefix} {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})"
    }
}

pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Makes progress bars on standard error, one line per file, or hidden
/// ones when progress is off (not a terminal, `--quiet`, `--no-progress`).
#[derive(Clone, Debug)]
pub struct Progress {
    bars: Option<MultiProgress>,
    /// Whether the bars may use styling (`--color`, `TERM=dumb`).
    styled: bool,
}

impl Progress {
    pub fn new(enabled: bool, styled: bool) -> Progress {
        Progress {
            bars: enabled.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            styled,
        }
    }

    /// A bar for reading one file; its length is set when the size is known.
    pub fn reading(&self, label: &str) -> ProgressBar {
        let Some(bars) = &self.bars else {
            return ProgressBar::hidden();
        };
        let bar = bars.add(ProgressBar::no_length());
        bar.set_style(
            ProgressStyle::with_template(progress_template(self.styled))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(label.to_string());
        bar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_choices_win() {
        assert!(use_color(ColorWhen::Always, false));
        assert!(!use_color(ColorWhen::Never, true));
        assert!(!use_color(ColorWhen::Auto, false));
    }

    #[test]
    fn disabled_progress_is_hidden() {
        assert!(Progress::new(false, true).reading("x").is_hidden());
    }

    #[test]
    fn dumb_terminals_and_no_color_get_no_styling() {
        use std::ffi::OsStr;
        let dumb = Some(OsStr::new("dumb"));
        let xterm = Some(OsStr::new("xterm-256color"));
        assert!(color_for(ColorWhen::Auto, true, None, xterm));
        assert!(color_for(ColorWhen::Auto, true, None, None));
        assert!(!color_for(ColorWhen::Auto, true, None, dumb));
        assert!(!color_for(
            ColorWhen::Auto,
            true,
            Some(OsStr::new("1")),
            xterm
        ));
        assert!(color_for(
            ColorWhen::Auto,
            true,
            Some(OsStr::new("")),
            xterm
        ));
        assert!(color_for(ColorWhen::Always, false, None, dumb));
    }

    /// Unstyled progress has no styling directive at all: indicatif styles
    /// only what a `{key:.style}` names.
    #[test]
    fn unstyled_progress_names_no_style() {
        let plain = progress_template(false);
        let keys: Vec<&str> = plain
            .split('{')
            .skip(1)
            .map(|k| k.split('}').next().unwrap())
            .collect();
        assert!(keys.iter().all(|k| !k.contains(['.', ':'])), "{keys:?}");
        assert!(progress_template(true).contains("{prefix:.bold}"));
        // The same fields either way.
        assert_eq!(progress_template(true).replace(":.bold", ""), plain);
    }
}
