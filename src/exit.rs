//! The exit status, decided in one place (SPEC §2).

use std::process::ExitCode;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// No finding at or above `--fail-on`.
    Clean,
    /// At least one finding at or above `--fail-on`.
    Findings,
    /// Usage, policy or input error.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(match status {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
        })
    }
}
