use std::process::ExitCode;

use crate::cli::CuratedArgs;

pub fn run(_region: Option<String>, _args: CuratedArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available in this build")
}
