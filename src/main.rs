use std::process::ExitCode;

use clap::Parser;

use ecr_share::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => ecr_share::tui::run(cli.profile, cli.region, cli.log_file),
        Some(Command::Policy(command)) => ecr_share::commands::policy::run(command),
        Some(Command::Grant(args)) => {
            ecr_share::commands::grant::run_grant(cli.profile, cli.region, args)
        }
        Some(Command::Revoke(args)) => {
            ecr_share::commands::grant::run_revoke(cli.profile, cli.region, args)
        }
        Some(Command::Curated(args)) => ecr_share::commands::curated::run(cli.region, args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            ecr_share::errln!("ecr-share: {error:#}");
            ExitCode::FAILURE
        }
    }
}
