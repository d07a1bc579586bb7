//! Terminal concerns decided once: colour, progress bars.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::ColorWhen;

/// Whether to colour output going to a stream: `always`, `never`, or, for
/// `auto`, when the stream is a terminal and `NO_COLOR` is unset or empty.
pub fn use_color(when: ColorWhen, is_terminal: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
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
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        Progress {
            bars: enabled.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
        }
    }

    /// A bar for reading one file; its length is set when the size is known.
    pub fn reading(&self, label: &str) -> ProgressBar {
        let Some(bars) = &self.bars else {
            return ProgressBar::hidden();
        };
        let bar = bars.add(ProgressBar::no_length());
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:.bold} {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
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
        assert!(Progress::new(false).reading("x").is_hidden());
    }
}
