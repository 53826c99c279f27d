//! The `edgeaudit` binary: parses arguments, runs, and maps the result to a documented exit code.

mod app;
mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match app::run(cli.command) {
        Ok(outcome) => ExitCode::from(outcome as u8),
        Err(error) => {
            eprintln!("edgeaudit: error: {error:#}");
            ExitCode::from(app::Outcome::Error as u8)
        }
    }
}
