use std::process::ExitCode;

use clap::Parser;
use listaudit::cli::Cli;
use listaudit::{ExitStatus, app};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = cli.color;
    match app::run(cli) {
        Ok(status) => status.into(),
        Err(error) if error.is_broken_pipe() => ExitStatus::Clean.into(),
        Err(error) => {
            app::print_error(&error, color);
            ExitStatus::Error.into()
        }
    }
}
