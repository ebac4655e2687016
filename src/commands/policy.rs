use std::process::ExitCode;

use crate::cli::PolicyCommand;

pub fn run(_command: PolicyCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available in this build")
}
